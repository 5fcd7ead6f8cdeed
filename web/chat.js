// The web client's state and protocol, without the page: conversations, the frames from the
// server and what they change, unread and mention counts, read positions, the outbox shared by
// the browser's tabs, and the requests the user's actions make. Nothing here touches the DOM:
// the view (app.js) draws `state` and is told through `ui`; node tests (tests/clientspec) load
// this module as it is, with a WebSocket from the ws package.

import { adopt, applyEvent, isEvent } from './events.js';
import { connect, send } from './connection.js';

// Storage the browser keeps; in node (tests) one in memory.
const store = globalThis.localStorage || (() => {
  const items = new Map();
  return { getItem: (k) => (items.has(k) ? items.get(k) : null), setItem: (k, v) => items.set(k, String(v)) };
})();
export { store };

export const DefaultRoom = 'general';
export const PageSize = 50;
export const TypingSendEveryMs = 2000;
export const TypingShownMs = 4000;


// What the view does when the state says so. The defaults are for a client without a page
// (tests): nothing drawn, nothing asked.
export const ui = {
  render() {},
  renderNow() {},
  renderTyping() {},
  banner() {},
  toast() {},
  notify() {},
  isPhone: () => false,
  showChat() {},
  showStart() {},
  showBanned() {},
  switchTo: (key) => selectConversation(key),
  endCompose() { state.compose = null; },
  operatorSignIn() {},
  offerLinkNick() {},
  seekOn() {},
  historyArriving() {},
  historyArrived() {},
  directoryPage() {},
  searchResults() {},
};

// ---- state -----------------------------------------------------------------------------------

export const state = {
  ws: null,
  connected: false, // welcomed
  everConnected: false,
  user: null,
  nick: store.getItem('confab.nick') || '',
  password: '',
  opPassword: '', // this tab only: never stored, never in the address
  features: new Set(),
  names: new Map(), // user id -> nick, from every user object seen (who reacted)
  namesRev: 0, // counts changes of names: rows naming who reacted are drawn again
  pending: new Map(), // frame id -> {verb, key}: edits, deletions, reactions, kicks, bans
  compose: null, // {mode: 'edit'|'reply', key, seq, draft}
  highlight: null, // {key, seq, until}
  banned: null, // {until, reason}
  refused: false, // auth_failed said why; the 4001 close that follows keeps that
  token: store.getItem('confab.token') || newToken(),
  convs: new Map(), // key: room name, or "@<user id>" for a direct conversation
  current: null,
  outbox: [], // [{id, key, frame}] sent again, same id, after every reconnect (below: shared)
  nextId: 0,
  backoffMs: 500,
  reconnectTimer: null,
  countdownTimer: null,
  lastTypingSent: 0,
  search: null,
  away: false, // the page is not in sight (the view says): what arrives counts as unread
  url: '', // where the connection goes (the view says: /ws on the page's own host)
  opRetry: null, // why the Operator sign-in is asked again after the reconnect it caused
  nickOffer: null, // a ?nick= link's nick, offered to a browser that has one
};
store.setItem('confab.token', state.token);

export function newToken() {
  const bytes = new Uint8Array(24);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

export function newId() {
  const bytes = new Uint8Array(8);
  crypto.getRandomValues(bytes);
  return 'w-' + Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

// The outbox and the saved rooms belong to the browser, not to one tab: every tab shares them.
// Tabs see each other's writes late (each has its own copy of the storage, kept current by
// `storage` events), so neither is a list one tab writes over another's: each is a map from
// item to its latest change, {at, ...}, a removal kept as {at, gone: true}; a tab merges what
// another wrote, newest change per item winning, and writes the merge back when it knew more.
// A tab that connects sends every message waiting in it: its own and those of tabs closed
// since (same ids: never twice).
const Shared = { rooms: 'confab.rooms', outbox: 'confab.outbox' };
const TombstoneMs = 7 * 24 * 3600 * 1000;
let lastChange = 0;

export function readShared(key) {
  try {
    const saved = JSON.parse(store.getItem(key) || '{}');
    if (Array.isArray(saved)) { // as saved before tabs merged: a plain list, oldest first
      return Object.fromEntries(saved.map((v, i) => typeof v === 'string' ? [v, { at: i }] : [v && v.id, { at: i, item: v }])
        .filter(([k]) => typeof k === 'string'));
    }
    return saved && typeof saved === 'object' ? saved : {};
  } catch {
    return {};
  }
}

export function mergeShared(a, b) {
  const out = { ...a };
  for (const [k, v] of Object.entries(b)) {
    if (v && typeof v.at === 'number' && (!out[k] || v.at > out[k].at)) out[k] = v;
  }
  return out;
}

// Keys sorted, so that two tabs holding the same map write the same text.
export function sharedText(map) {
  return JSON.stringify(Object.fromEntries(Object.keys(map).sort().map((k) => [k, map[k]])));
}

const shared = { rooms: readShared(Shared.rooms), outbox: readShared(Shared.outbox) };
state.outbox = loadOutbox();

export function writeShared(kind) {
  const now = Date.now();
  let map = mergeShared(readShared(Shared[kind]), shared[kind]);
  map = Object.fromEntries(Object.entries(map).filter(([, v]) => !v.gone || now - v.at < TombstoneMs));
  shared[kind] = map;
  store.setItem(Shared[kind], sharedText(map));
}

export function changeShared(kind, key, value) {
  lastChange = Math.max(Date.now(), lastChange + 1); // this tab's changes keep their order
  shared[kind][key] = { ...value, at: lastChange };
  writeShared(kind);
}

// Another tab wrote (a `storage` event for this key): take what it knew, and if this tab knew
// more, write the merge back.
export function sharedChanged(key) {
  const kind = Object.keys(Shared).find((k) => Shared[k] === key);
  if (!kind) return;
  const theirs = readShared(key);
  shared[kind] = mergeShared(shared[kind], theirs);
  if (sharedText(shared[kind]) !== sharedText(theirs)) writeShared(kind);
}

export function liveEntries(kind) {
  return Object.entries(shared[kind]).filter(([, v]) => !v.gone).sort((a, b) => a[1].at - b[1].at);
}

export function loadOutbox() {
  return liveEntries('outbox').map(([, v]) => v.item).filter((o) => o && typeof o.id === 'string' && o.frame);
}

export function addToOutbox(item) {
  state.outbox.push(item);
  changeShared('outbox', item.id, { item });
}

// This tab's outbox with what other tabs wrote and have not seen sent (in the order written).
export function mergeOutbox() {
  const mine = new Set(state.outbox.map((o) => o.id));
  for (const o of loadOutbox()) if (!mine.has(o.id)) state.outbox.push(o);
}

export function savedRooms() {
  const rooms = liveEntries('rooms').map(([name]) => name);
  return rooms.length ? rooms : [DefaultRoom];
}

export function saveRoom(name, keep) {
  const known = shared.rooms[name];
  if (known && Boolean(known.gone) === !keep) return; // nothing changes: nothing written
  changeShared('rooms', name, keep ? {} : { gone: true });
}

export function conv(key) {
  let c = state.convs.get(key);
  if (!c) {
    c = {
      key,
      direct: key.startsWith('@'),
      title: key,
      topic: '',
      members: new Map(),
      membersRev: 0, // counts changes of members: the panel is drawn again only then
      messages: [], // ascending by seq (rooms) or arrival (direct)
      lastSeq: 0,
      firstSeq: Infinity, // the oldest seq of any event held: where paging back goes on
      epoch: null,
      read: 0,
      unread: 0,
      mentions: 0,
      joined: false,
      gone: null, // {by, reason}: kicked out of the room
      loadingOlder: false,
      reachedStart: false,
      typing: new Map(), // user id -> {nick, until}
    };
    state.convs.set(key, c);
  }
  return c;
}

// ---- frames from the server -------------------------------------------------------------------

export const handlers = {
  welcome(f) {
    state.connected = true;
    state.everConnected = true;
    state.backoffMs = 500;
    state.banned = null;
    state.user = f.user;
    state.nick = f.user.nick;
    state.features = new Set(Array.isArray(f.features) ? f.features : []);
    learn(f.user);
    store.setItem('confab.nick', state.nick);
    clearInterval(state.countdownTimer);
    ui.banner('');
    ui.showChat((f.server && f.server.name) || 'Confab');
    // Resume every room where it stopped, then resend what waits (same ids: never twice).
    const rooms = state.convs.size ? [...state.convs.values()].filter((c) => !c.direct && !c.gone).map((c) => c.key)
                                   : savedRooms();
    // What other tabs of this browser wrote and could not send (they may be closed by now): its
    // rooms are joined too, or the server would refuse it as not_in_room.
    mergeOutbox();
    for (const item of state.outbox) {
      if (typeof item.frame.room === 'string' && !rooms.includes(item.frame.room)) rooms.push(item.frame.room);
    }
    for (const room of rooms) joinRoom(room, false);
    for (const item of state.outbox) send(item.frame);
    if (!state.current) ui.switchTo(rooms.includes(DefaultRoom) ? DefaultRoom : rooms[0]);
    ui.render();
    if (state.opRetry) {
      const why = state.opRetry;
      state.opRetry = null;
      ui.operatorSignIn(why);
    }
    if (state.nickOffer) ui.offerLinkNick();
  },

  joined(f) {
    const c = conv(f.room);
    if (c.epoch && c.epoch !== f.epoch) { // the history was wiped: drop the cache
      c.messages = [];
      c.reachedStart = false;
      c.firstSeq = Infinity;
    }
    c.epoch = f.epoch;
    c.joined = true;
    c.gone = null;
    c.topic = f.topic || '';
    c.read = Math.max(c.read, f.read || 0);
    c.readSent = f.read || 0; // what the server has; a newer position of ours goes out
    c.members = new Map((f.members || []).map((u) => [u.id, u]));
    c.membersRev++;
    for (const u of c.members.values()) learn(u);
    const history = sorted(f.history);
    if (c.sinceSent !== undefined && history.length && history[0].seq > c.sinceSent + 1) {
      // More was missed than a resume brings: what is cached has a gap after it. Start afresh
      // from the newest page (paging back fills the rest).
      c.messages = c.messages.filter((m) => m.pendingId);
      c.reachedStart = false;
      c.firstSeq = Infinity;
    }
    // The messages in the answer are as of the room's seq now; its events bring older cached
    // messages up to date.
    for (const e of history) take(c, e, f.seq);
    c.lastSeq = Math.max(c.lastSeq, f.seq || 0);
    if (c.firstSeq <= 1 || (!history.length && c.sinceSent === undefined)) c.reachedStart = true;
    if (typeof f.unread === 'number') c.unread = f.unread;
    else recount(c);
    if (c.key === state.current) c.lineAfter = lineStart(c); // the line where the server says
    if (c.key === state.current && !state.away) markRead(c);
    if (!c.direct) saveRoom(c.key, true);
    if (c.seek && c.key === state.current) {
      ui.renderNow();
      ui.seekOn(c); // (it looks for the message on the page)
    } else {
      ui.render({ keepBottom: true });
    } // a search result in a room joined for it
  },

  left(f) {
    state.convs.delete(f.room);
    saveRoom(f.room, false);
    if (state.current === f.room) ui.switchTo(state.convs.keys().next().value || DefaultRoom);
    ui.render();
  },

  // An operator took this user out of the room: it is left (not rejoined after a reconnect), and
  // the conversation stays on screen, read-only, saying who did it and why.
  kicked(f) {
    const c = state.convs.get(f.room);
    if (!c) return;
    c.joined = false;
    c.gone = { by: f.by ? f.by.nick : 'an operator', reason: f.reason || '' };
    c.members = new Map();
    c.membersRev++;
    c.typing.clear();
    if (state.compose && state.compose.key === c.key) ui.endCompose();
    saveRoom(c.key, false);
    if (c.key !== state.current) ui.toast(goneText(c));
    ui.render({ keepBottom: true });
  },

  message(f) {
    const key = f.to !== undefined ? directKey(f) : f.room;
    const c = conv(key);
    if (c.direct) c.title = otherNick(f);
    if (f.re) takeFromOutbox(f.re);
    learn(f.from);
    const previousLast = c.lastSeq;
    take(c, f, c.lastSeq);
    if (f.from) c.typing.delete(f.from.id);
    const mine = state.user && f.from && f.from.id === state.user.id;
    // The "new messages" line: a message read as it arrives draws none; one's own message ends
    // it (the reader has caught up and answered).
    const seen = key === state.current && !state.away;
    if (!c.direct && f.seq && (mine || (seen && (c.lineAfter || 0) >= previousLast))) c.lineAfter = f.seq;
    if (!mine) {
      const mentioned = mentions(f.text);
      if (!seen) {
        if (!c.direct && f.seq > c.read) c.unread += 1;
        if (c.direct && key !== state.current) c.unread += 1;
        if (mentioned) c.mentions += 1;
      }
      if ((mentioned || c.direct) && state.away) ui.notify(c, f);
      // On a phone the room list is out of sight: a direct message elsewhere is said on screen.
      if (c.direct && key !== state.current && !state.away && ui.isPhone()) {
        const text = String(f.text || '');
        ui.toast(`${f.from.nick} wrote to you: “${text.length > 60 ? text.slice(0, 60) + '…' : text}”`);
      }
    }
    if (seen && !c.direct) markRead(c);
    ui.render({ keepBottom: key === state.current });
  },

  edit(f) { liveEvent(f); },
  delete(f) { liveEvent(f); },
  reaction(f) { liveEvent(f); },

  history(f) {
    const c = conv(f.room);
    c.loadingOlder = false;
    const page = sorted(f.messages);
    ui.historyArriving(c);
    // An older page: its messages are as of now, and its events are older than anything held.
    for (const e of page) take(c, e, c.lastSeq);
    if (!page.length || page[0].seq === 1) c.reachedStart = true;
    ui.historyArrived(c);
  },

  presence(f) {
    const c = state.convs.get(f.room);
    if (!c) return;
    learn(f.user);
    c.membersRev++;
    if (f.event === 'join' || f.event === 'nick') c.members.set(f.user.id, f.user);
    if (f.event === 'leave' || f.event === 'kick') {
      c.members.delete(f.user.id);
      c.typing.delete(f.user.id);
    }
    if (f.event === 'kick') {
      // "ban": true (Confab's choice, docs/protocol.md): a ban's kick, out of every room.
      const what = f.ban === true ? 'was banned' : `was removed from #${c.key}`;
      addNotice(c, `${f.user.nick} ${what} by ${f.by ? f.by.nick : 'an operator'}` +
                   (typeof f.reason === 'string' && f.reason ? `: “${f.reason}”` : ''), f.ts);
    }
    if (f.event === 'nick') renameDirect(f.user);
    ui.render({ keepBottom: true });
  },

  typing(f) {
    const c = state.convs.get(f.room);
    if (!c) return;
    c.typing.set(f.user.id, { nick: f.user.nick, until: Date.now() + TypingShownMs });
    ui.renderTyping();
    setTimeout(ui.renderTyping, TypingShownMs + 50);
  },

  topic(f) {
    const c = state.convs.get(f.room);
    if (!c) return;
    c.topic = f.topic;
    addNotice(c, `${f.by.nick} ${f.topic ? `set the topic: ${f.topic}` : 'cleared the topic'}`, f.ts);
    ui.render({ keepBottom: true });
  },

  read(f) {
    const c = state.convs.get(f.room);
    if (!c) return;
    c.read = Math.max(c.read, f.seq);
    c.readSent = Math.max(c.readSent || 0, f.seq);
    recount(c);
    ui.render();
  },

  nick(f) {
    state.user = f.user;
    state.nick = f.user.nick;
    learn(f.user);
    // The server tells the others with a presence; our own entries change here.
    for (const c of state.convs.values()) {
      if (c.members.has(f.user.id)) {
        c.members.set(f.user.id, f.user);
        c.membersRev++;
      }
    }
    store.setItem('confab.nick', state.nick);
    ui.render();
  },

  rooms(f) {
    // The directory comes in pages ("more", then asked again with "after"): ids
    // "dir-<listing>-<page>", so that a page of an older listing is not mixed in.
    const [tag, listing, page] = String(f.re || '').split('-');
    const ours = tag === 'dir';
    if (ours && Number(listing) !== state.dirListing) return;
    const pageNo = ours ? Number(page) : 0;
    const rooms = f.rooms || [];
    if (f.more === true && rooms.length && pageNo + 1 < MaxDirectoryPages) askDirectory(pageNo + 1, rooms[rooms.length - 1].room);
    ui.directoryPage(pageNo, rooms);
  },

  search(f) {
    ui.searchResults(f);
  },

  error(f) {
    if (f.code === 'banned') { // the close (4004) follows: show why, and stay off
      state.banned = { until: Date.now() + (Number(f.retry_ms) || 0), reason: f.message || '' };
      ui.showBanned();
      return;
    }
    if (f.code === 'auth_failed') {
      // With an operator password given, that is the one refused (a wrong server password
      // would be too, but then the start form asks for it again anyway).
      const op = Boolean(state.opPassword);
      if (!op) state.password = '';
      state.opPassword = '';
      state.refused = true;
      if (op && state.everConnected) {
        // Mistyped in the chat's Operator sign-in: back in as before, and asked again there.
        state.opRetry = 'That operator password was not right. Try again, or cancel to go on without.';
        return;
      }
      ui.showStart(op ? 'That operator password was not right.' : f.message || 'Wrong or missing password.', !op, op);
      return;
    }
    if (f.code === 'bad_nick' && !state.connected) {
      ui.showStart(f.message || 'That nick cannot be used.');
      return;
    }
    const action = f.re && state.pending.get(f.re);
    if (action) { // an edit, deletion, reaction, kick or ban refused: a short notice
      state.pending.delete(f.re);
      const c = state.convs.get(action.key) || state.convs.get(state.current);
      if (c) addNotice(c, `Could not ${action.verb}: ${refusal(f)}`, Date.now());
      ui.render({ keepBottom: true });
      return;
    }
    if (f.re) {
      const item = state.outbox.find((o) => o.id === f.re);
      if (item && f.code !== 'rate_limited' && f.code !== 'unavailable') {
        takeFromOutbox(f.re); // refused for good: say so where the message was
        const c = state.convs.get(item.key);
        if (c) {
          c.messages = c.messages.filter((m) => m.pendingId !== f.re);
          addNotice(c, `Not sent: ${refusal(f)}`, Date.now());
        }
      } else if (item) {
        setTimeout(() => send(item.frame), f.retry_ms || 1000);
      }
    }
    if (['no_such_user', 'bad_room', 'too_long', 'forbidden', 'not_found'].includes(f.code) &&
        !(f.re && state.outbox.some((o) => o.id === f.re))) {
      const c = state.convs.get(state.current);
      if (c) addNotice(c, refusal(f), Date.now());
    }
    ui.render({ keepBottom: true });
  },
};

// Short words for the refusals a person can cause from the page.
export function refusal(f) {
  if (f.code === 'forbidden') return 'only its author or an operator may do that';
  if (f.code === 'not_found') return 'that message is gone';
  if (f.code === 'not_in_room') return 'you are not in that room';
  if (f.code === 'no_such_user') return 'that user is not here';
  return f.message || f.code;
}

export function sorted(list) {
  return (Array.isArray(list) ? [...list] : []).sort((a, b) => (a.seq || 0) - (b.seq || 0));
}

export function learn(user) {
  if (!user || !user.id || !user.nick) return;
  if (state.names.get(user.id) === user.nick) return;
  state.names.set(user.id, user.nick);
  state.namesRev++;
  const c = state.convs.get('@' + user.id);
  if (c && c.title === c.key) c.title = user.nick; // a conversation opened before the nick was known
}

// One item of a room's log (a message or an event), as of the room seq `asOf`.
export function take(c, item, asOf) {
  if (!item || (c.direct ? !item.id : typeof item.seq !== 'number')) return;
  if (!c.direct) {
    c.lastSeq = Math.max(c.lastSeq, item.seq);
    c.firstSeq = Math.min(c.firstSeq, item.seq);
  }
  learn(item.from);
  if (isEvent(item)) {
    const m = applyEvent(c.messages, item);
    if (m && item.type === 'delete' && m.seq > c.read && !isMine(m) && c.unread > 0) c.unread -= 1;
    if (m && item.type === 'delete' && state.compose && state.compose.key === c.key && state.compose.seq === m.seq) ui.endCompose();
    return;
  }
  addMessage(c, adopt(item, asOf));
}

export function liveEvent(f) {
  const c = state.convs.get(f.room);
  if (f.re) state.pending.delete(f.re);
  if (!c) return;
  take(c, f, c.lastSeq);
  if (c.key === state.current && !state.away) markRead(c);
  ui.render({ keepBottom: c.key === state.current });
}

export function goneText(c) {
  return `You were removed from #${c.key} by ${c.gone.by}` + (c.gone.reason ? `: “${c.gone.reason}”` : '.');
}

export function directKey(f) {
  const other = state.user && f.from.id === state.user.id ? f.to : f.from.id;
  return '@' + other;
}

// The nick of the other side of a direct message (ours may have been sent from another tab,
// which knew the nick: this one knows it from the rooms it shares with that user).
export function otherNick(f) {
  if (state.user && f.from.id === state.user.id) {
    const c = state.convs.get('@' + f.to);
    return state.names.get(f.to) || (c ? c.title : '@' + f.to);
  }
  return f.from.nick;
}

export function directMembers(c) {
  const otherId = c.key.slice(1);
  const self = state.user ? [state.user] : [];
  return otherId === (state.user && state.user.id) ? self
                                                    : [...self, { id: otherId, nick: state.names.get(otherId) || c.title }];
}

export function renameDirect(user) {
  const c = state.convs.get('@' + user.id);
  if (c) c.title = user.nick;
}

export function addMessage(c, m) {
  if (c.direct) {
    if (c.messages.some((x) => x.id === m.id)) return;
    c.messages.push(m);
    return;
  }
  const held = m.seq ? c.messages.findIndex((x) => x.seq === m.seq && !x.notice) : -1;
  if (held >= 0) { // a resume or a search may repeat one: keep the newer state
    if (m.stateSeq > c.messages[held].stateSeq) c.messages[held] = m;
    return;
  }
  c.lastSeq = Math.max(c.lastSeq, m.seq || 0);
  let i = c.messages.length;
  while (i > 0 && (c.messages[i - 1].seq || Infinity) > m.seq) i--;
  c.messages.splice(i, 0, m);
}

export function addNotice(c, text, ts) {
  c.messages.push({ notice: text, ts, seq: c.lastSeq + 0.5 });
}

export function recount(c) {
  if (c.direct) return;
  c.unread = c.messages.filter((m) => m.seq > c.read && !m.notice && !m.deleted && !isMine(m)).length;
  if (c.lastSeq > c.read && c.unread === 0 && c.messages.length === 0) c.unread = c.lastSeq - c.read;
}

export function isMine(m) {
  return Boolean(state.user && m.from && m.from.id === state.user.id);
}

// Read positions go out at most once a second per room, the newest when the second is over
// (and at once when the reader comes back to the window): one per incoming message drew
// rate_limited in a busy room (10 frames a second, burst 8).
export const ReadIntervalMs = 1000;

export function markRead(c, now = false) {
  if (c.direct) { // direct messages have no read position on the server: only the count here
    c.unread = 0;
    c.mentions = 0;
    return;
  }
  if (!c.joined) return;
  if (c.lastSeq > c.read) {
    c.read = c.lastSeq;
    const since = Date.now() - (c.readSentAt || 0);
    if (now || since >= ReadIntervalMs) sendRead(c);
    else if (!c.readTimer) c.readTimer = setTimeout(() => sendRead(c), ReadIntervalMs - since);
  }
  c.unread = 0;
  c.mentions = 0;
}

export function sendRead(c) {
  clearTimeout(c.readTimer);
  c.readTimer = null;
  if (!c.joined || c.read <= (c.readSent || 0)) return;
  c.readSentAt = Date.now();
  c.readSent = c.read;
  send({ type: 'read', room: c.key, seq: c.read });
}

let mentionPattern = { nick: null, re: null }; // made once per nick, not per message
export function mentions(text) {
  if (!state.nick || typeof text !== 'string') return false;
  if (mentionPattern.nick !== state.nick) {
    const escaped = state.nick.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    mentionPattern = { nick: state.nick, re: new RegExp(`(^|[^\\p{L}\\p{N}_])@?${escaped}($|[^\\p{L}\\p{N}_])`, 'iu') };
  }
  return mentionPattern.re.test(text);
}

export function takeFromOutbox(id) {
  state.outbox = state.outbox.filter((o) => o.id !== id);
  if (shared.outbox[id] && !shared.outbox[id].gone) changeShared('outbox', id, { gone: true });
  for (const c of state.convs.values()) c.messages = c.messages.filter((m) => m.pendingId !== id);
}

// ---- actions ------------------------------------------------------------------------------------

export function joinRoom(name, select) {
  const c = conv(name);
  const frame = { type: 'join', room: name, id: 'j-' + ++state.nextId };
  c.sinceSent = c.messages.some((m) => m.seq && m.seq !== Infinity) && c.epoch ? c.lastSeq : undefined;
  if (c.sinceSent !== undefined) frame.since = c.sinceSent;
  send(frame);
  if (select) ui.switchTo(name);
}

// Sends what the composer holds (a reply when replyTo names a message). False: nothing sent.
export function sendText(text, replyTo) {
  const c = state.convs.get(state.current);
  if (!c || c.gone || !text.trim()) return false;
  if (text.startsWith('/nick ')) {
    send({ type: 'nick', nick: text.slice(6).trim(), id: 'n-' + ++state.nextId });
    return true;
  }
  if (text.startsWith('/topic ') && !c.direct) {
    send({ type: 'topic', room: c.key, topic: text.slice(7).trim(), id: 't-' + ++state.nextId });
    return true;
  }
  const id = newId();
  const frame = c.direct ? { type: 'send', to: c.key.slice(1), text, id }
                         : { type: 'send', room: c.key, text, id };
  if (!c.direct && replyTo > 0) frame.reply_to = replyTo;
  addToOutbox({ id, key: c.key, frame });
  c.messages.push({ pendingId: id, from: state.user || { id: '', nick: state.nick }, text, ts: Date.now(),
                    seq: Infinity, reply_to: frame.reply_to, reactions: {}, unlisted: {} });
  send(frame);
  ui.renderNow({ keepBottom: true, forceBottom: true });
  return true;
}

// The state side of opening a conversation: a room one was kicked from is dropped once left,
// and the newly opened one is read.
export function selectConversation(key) {
  if (!key) return null;
  const was = state.convs.get(state.current);
  if (was && was.gone && was.key !== key) state.convs.delete(was.key); // kicked out: read, and done
  if (state.compose && state.compose.key !== key) ui.endCompose();
  state.current = key;
  const c = conv(key);
  c.lineAfter = lineStart(c); // the "new messages" line: where the reader left off
  markRead(c);
  return c;
}

// Where the "new messages" line goes when a room is opened: after the read position; in a room
// never read, after all it holds (no line above its whole history).
function lineStart(c) {
  if (c.direct) return 0;
  return c.read > 0 ? c.read : c.lastSeq;
}

// The seq of the first message below the "new messages" line, null for no line (nothing after
// where the reader left off, or never read). From the end: as far back as the unread go.
export function newLineSeq(c) {
  if (!(c.lineAfter > 0)) return null;
  let first = null;
  for (let i = c.messages.length - 1; i >= 0; i--) {
    const m = c.messages[i];
    if (m.notice || m.pendingId || m.seq === Infinity) continue;
    if (m.seq <= c.lineAfter) break;
    first = m.seq;
  }
  return first;
}

export function loadOlder() {
  const c = state.convs.get(state.current);
  if (!c || c.direct || c.loadingOlder || c.reachedStart || !c.joined) return;
  if (c.firstSeq === Infinity) return;
  if (c.firstSeq <= 1) {
    c.reachedStart = true;
    return;
  }
  c.loadingOlder = true;
  send({ type: 'history', room: c.key, before: c.firstSeq, limit: PageSize, id: 'h-' + ++state.nextId });
}

// Sends a request whose refusal (error with `re`) becomes a short notice in the conversation.
export function sendAction(c, frame, verb) {
  frame.id = frame.id || newId();
  if (!send(frame)) {
    addNotice(c, `Could not ${verb}: not connected`, Date.now());
    ui.render({ keepBottom: true });
    return false;
  }
  state.pending.set(frame.id, { verb, key: c.key });
  setTimeout(() => state.pending.delete(frame.id), 60000); // ban and unban answer only failures
  return true;
}

export function lastOwnMessage(c) {
  for (let i = c.messages.length - 1; i >= 0; i--) {
    const m = c.messages[i];
    if (isMine(m) && !m.notice && !m.deleted && !m.pendingId && m.seq > 0) return m;
  }
  return null;
}

export function nameOf(id) {
  if (state.user && id === state.user.id) return 'you';
  return state.names.get(id) || 'someone';
}

// Web addresses in a message's text: http(s) after a word boundary, up to whitespace, a quote or
// an angle bracket, without the punctuation or closing bracket after them.
export const urlPattern = /\b(https?:\/\/[^\s<>"']+[^\s<>"'.,;:!?)\]}])/g;
export function linksIn(text) {
  return [...String(text).matchAll(urlPattern)].map((m) => m[0]);
}

// The names of who is typing in the conversation now.
export function typingNames(c) {
  const now = Date.now();
  return c ? [...c.typing.values()].filter((t) => t.until > now).map((t) => t.nick) : [];
}

export const BanDurations = [['10', '10 minutes'], ['60', '1 hour'], ['1440', '1 day'], ['10080', '1 week'],
                      ['43200', '30 days'], ['525600', '1 year']];

// At most this many pages of the directory (each up to 256 KiB): a longer one is cut.
export const MaxDirectoryPages = 40;
export function askDirectory(page, after) {
  const frame = { type: 'rooms', id: `dir-${state.dirListing}-${page}` };
  if (after !== undefined) frame.after = after;
  send(frame);
}

