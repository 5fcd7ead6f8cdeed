// Protocol 1.1 room events (edit, delete, reaction) applied to the messages a conversation holds.
// Every message the server returns shows its state as of that answer, so each message here keeps
// `stateSeq`: the room seq its state already reflects. An event changes a message only when it is
// newer than that, which makes applying idempotent (a resume may repeat events) and keeps an older
// page of history from undoing newer state (its events are older than the messages it returns).

export const EventTypes = new Set(['edit', 'delete', 'reaction']);

export function isEvent(frame) {
  return EventTypes.has(frame.type);
}

// Takes a message object from the server into the conversation: its state is that of `stateSeq`.
export function adopt(m, stateSeq) {
  m.stateSeq = Math.max(m.seq || 0, stateSeq || 0);
  const reactions = {};
  if (!m.deleted && m.reactions && typeof m.reactions === 'object') {
    for (const [emoji, users] of Object.entries(m.reactions)) {
      if (Array.isArray(users) && users.length) reactions[emoji] = users.filter((u) => typeof u === 'string');
    }
  }
  m.reactions = reactions;
  // An answer lists at most 20 reactors per emoji (the user among them when it reacted) and then
  // says how many there are in reaction_counts: the others are counted here, unnamed.
  const unlisted = {};
  const counts = m.reaction_counts && typeof m.reaction_counts === 'object' ? m.reaction_counts : {};
  for (const [emoji, users] of Object.entries(reactions)) {
    const n = counts[emoji];
    if (Number.isInteger(n) && n > users.length) unlisted[emoji] = n - users.length;
  }
  m.unlisted = unlisted;
  delete m.reaction_counts;
  if (m.deleted) {
    m.text = '';
    delete m.edited_ts;
  }
  if (typeof m.text !== 'string') m.text = '';
  return m;
}

// Applies one event to the message it targets. Skipped (false) when the target is not held, is
// deleted (a deletion erases: later answers carry its edits and reactions emptied), or already
// reflects the event. Returns the message it changed.
export function applyEvent(messages, ev) {
  if (typeof ev.target !== 'number' || typeof ev.seq !== 'number') return null;
  const m = messages.find((x) => x.seq === ev.target && !x.notice && !x.pendingId);
  if (!m || m.deleted || !(ev.seq > m.stateSeq)) return null;
  m.stateSeq = ev.seq;
  if (ev.type === 'edit') {
    if (typeof ev.text !== 'string') return null;
    m.text = ev.text;
    m.edited_ts = ev.ts;
  } else if (ev.type === 'delete') {
    m.deleted = true;
    m.text = '';
    m.reactions = {};
    m.unlisted = {};
    delete m.edited_ts;
  } else if (ev.type === 'reaction') {
    const who = ev.from && ev.from.id;
    if (!ev.emoji || !who) return null;
    const users = m.reactions[ev.emoji] || [];
    const has = users.includes(who);
    m.unlisted = m.unlisted || {};
    if (ev.on && !has) m.reactions[ev.emoji] = [...users, who];
    if (!ev.on) {
      // One the answer did not name took it back: one fewer of those counted unnamed.
      if (has) m.reactions[ev.emoji] = users.filter((u) => u !== who);
      else if (m.unlisted[ev.emoji] > 0) m.unlisted[ev.emoji] -= 1;
      else return m;
      if (!m.unlisted[ev.emoji]) delete m.unlisted[ev.emoji];
      if (!m.reactions[ev.emoji].length) {
        if (m.unlisted[ev.emoji]) m.reactions[ev.emoji] = [];
        else delete m.reactions[ev.emoji];
      }
    }
  }
  return m;
}

// How many reacted to `m` with `emoji`: those named and those only counted.
export function reactionCount(m, emoji) {
  return (m.reactions[emoji] || []).length + ((m.unlisted && m.unlisted[emoji]) || 0);
}

// The emoji rule of the protocol (isValidEmoji in validation.cpp): 1 to 32 bytes of UTF-8, no
// whitespace, control or direction characters, and something that shows (not only joiners,
// variation selectors, combining marks or the Hangul fillers).
const BidiControl = /[\u200E\u200F\u061C\u202A-\u202E\u2066-\u2069]/u;
const NothingShows = /^[\p{Cc}\p{Cf}\p{Cs}\p{Cn}\p{Mn}\p{Me}\p{Z}\u115F\u1160\u3164\uFFA0\u2800]*$/u;
export function isValidEmoji(text) {
  const bytes = new TextEncoder().encode(text).length;
  return bytes >= 1 && bytes <= 32 && !/[\s\p{Cc}]/u.test(text) && !BidiControl.test(text)
    && !NothingShows.test(text);
}
