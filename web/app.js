// Confab's web client: plain JavaScript, no framework, no build step. It speaks the protocol of
// docs/protocol.md over /ws on the server that served it. Network text is only ever put into the
// page as text (textContent, text nodes); links are made from it with DOM calls, never HTML.
//
// This file is the view: it draws the state of chat.js (the protocol and the state, no DOM) and
// turns the user's input into its actions; connection.js holds the WebSocket.

import { isEvent, isValidEmoji, reactionCount } from './events.js';
import { ask, closePopup, popupOpen, showMenu, showPalette } from './popups.js';
import {
  BanDurations, DefaultRoom, MaxDirectoryPages, PageSize, TypingSendEveryMs, addNotice, askDirectory, conv,
  goneText, isMine, joinRoom, lastOwnMessage, loadOlder, markRead, mentions, nameOf, newLineSeq, selectConversation,
  sendAction, sendText, sharedChanged, state, store, typingNames, ui, directMembers, urlPattern,
} from './chat.js';
import { connect, sayHelloAgain, send } from './connection.js';

const $ = (id) => document.getElementById(id);

// ---- actions ------------------------------------------------------------------------------------

function switchTo(key) {
  if (!key) return;
  closePopup(false);
  selectConversation(key);
  $('chat').classList.remove('show-rooms');
  renderNow({ keepBottom: true, forceBottom: true });
  if (window.matchMedia('(min-width: 701px)').matches || document.activeElement !== $('search-input')) {
    $('message-input').focus();
  }
}

function openDirect(user) {
  if (state.user && user.id === state.user.id) return;
  const c = conv('@' + user.id);
  c.title = user.nick;
  switchTo(c.key);
}

// A search result: the room opens at that message, highlighted, with everything between it and
// the newest loaded (older pages are fetched until it is held), never as a lone message above
// a gap that nothing shows.
function openAt(m) {
  $('search-results').hidden = true;
  const c = conv(m.room);
  switchTo(m.room);
  if (c.messages.some((x) => x.seq === m.seq && !x.notice)) {
    jumpTo(c, m.seq);
    return;
  }
  c.seek = { seq: m.seq, pages: 0 };
  if (!c.joined) joinRoom(m.room, false); // seekOn runs once joined
  else loadOlder();
}

// Loads older pages (at most MaxSeekPages) until the message is held, then jumps to it.
const MaxSeekPages = 40;
function seekBack(c, seq) {
  c.seek = { seq, pages: 0 };
  loadOlder();
}

function seekOn(c) {
  if (!c.seek) return;
  if (c.messages.some((x) => x.seq === c.seek.seq && !x.notice)) {
    const seq = c.seek.seq;
    c.seek = null;
    jumpTo(c, seq);
  } else if (c.reachedStart || ++c.seek.pages >= MaxSeekPages) {
    if (!c.reachedStart) addNotice(c, `That message is more than ${MaxSeekPages * PageSize} messages back: scroll up to load it.`, Date.now());
    c.seek = null;
    render();
  } else {
    loadOlder();
  }
}

// Scrolls the message into the middle of the view and outlines it for a moment.
function jumpTo(c, seq) {
  state.highlight = { key: c.key, seq, until: Date.now() + 2500 };
  if (!document.querySelector(`#messages [data-seq="${seq}"]`)) {
    showInWindow(c, seq);
    renderNow();
  }
  const el = document.querySelector(`#messages [data-seq="${seq}"]`);
  if (!el) return false;
  el.scrollIntoView({ block: 'center' });
  el.classList.add('highlight');
  el.focus({ preventScroll: true });
  setTimeout(() => {
    const now = document.querySelector(`#messages [data-seq="${seq}"]`);
    if (now) now.classList.remove('highlight');
  }, 2500);
  return true;
}

function notify(c, m) {
  if (!('Notification' in window) || Notification.permission !== 'granted') return;
  const n = new Notification(c.direct ? `${m.from.nick} (direct)` : `${m.from.nick} in #${c.key}`,
                             { body: m.text.slice(0, 200), tag: c.key });
  n.onclick = () => { window.focus(); switchTo(c.key); };
}

// ---- message and operator actions (protocol 1.1) ------------------------------------------------

function setComposerText(text) {
  const input = $('message-input');
  input.value = text;
  input.style.height = '';
  input.style.height = Math.min(input.scrollHeight, 160) + 'px';
  input.focus();
  input.setSelectionRange(text.length, text.length);
}

function startReply(c, m) {
  const draft = state.compose && state.compose.mode === 'edit' ? state.compose.draft : null;
  if (draft !== null) setComposerText(draft);
  state.compose = { mode: 'reply', key: c.key, seq: m.seq, draft: null };
  renderNow({ keepBottom: true });
  $('message-input').focus();
}

function startEdit(c, m) {
  const input = $('message-input');
  const draft = state.compose && state.compose.mode === 'edit' ? state.compose.draft : input.value;
  state.compose = { mode: 'edit', key: c.key, seq: m.seq, draft };
  setComposerText(m.text);
  renderNow({ keepBottom: true });
}

// Leaves edit or reply mode; an edit gives back what was in the composer before it.
function endCompose() {
  const cm = state.compose;
  state.compose = null;
  if (cm && cm.mode === 'edit') setComposerText(cm.draft || '');
  renderNow({ keepBottom: true });
}

function finishEdit(text) {
  const cm = state.compose;
  const c = state.convs.get(cm.key);
  const m = c && c.messages.find((x) => x.seq === cm.seq && !x.notice);
  if (m && !m.deleted && text.trim() && text !== m.text) {
    if (!sendAction(c, { type: 'edit', room: c.key, target: m.seq, text }, 'edit the message')) return;
  }
  endCompose();
}

function react(c, m, emoji, on) {
  sendAction(c, { type: 'react', room: c.key, target: m.seq, emoji, on }, 'react');
}

function pickReaction(c, m, anchor) {
  const row = document.querySelector(`#messages [data-seq="${m.seq}"]`);
  showPalette(anchor || row, (emoji) => {
    const users = m.reactions[emoji] || [];
    react(c, m, emoji, !(state.user && users.includes(state.user.id)));
  }, { valid: isValidEmoji, returnTo: row });
}

async function removeMessage(c, m) {
  const preview = m.text.length > 120 ? m.text.slice(0, 120) + '…' : m.text;
  const who = isMine(m) ? '' : ` from ${m.from.nick}`;
  const ok = await ask({ title: `Delete this message${who}?`, text: `“${preview}” will be gone for everyone.`,
                         ok: 'Delete', danger: true });
  if (ok) sendAction(c, { type: 'delete', room: c.key, target: m.seq }, 'delete the message');
}

async function kickUser(c, u) {
  const values = await ask({ title: `Kick ${u.nick} from #${c.key}?`, text: 'They can join again.',
                             fields: [{ name: 'reason', label: 'Reason (optional)', maxLength: 256 }],
                             ok: 'Kick', danger: true });
  if (!values) return;
  const frame = { type: 'kick', room: c.key, user: u.id };
  if (values.reason.trim()) frame.reason = values.reason.trim();
  sendAction(c, frame, `kick ${u.nick}`);
}

async function banUser(c, u) {
  const values = await ask({ title: `Ban ${u.nick} from the server?`,
                             text: 'Every connection of theirs is closed, and they cannot come back until the ban ends.',
                             fields: [{ name: 'minutes', label: 'For', type: 'select', options: BanDurations, value: '60' },
                                      { name: 'reason', label: 'Reason (optional)', maxLength: 256 }],
                             ok: 'Ban', danger: true });
  if (!values) return;
  const frame = { type: 'ban', user: u.id, minutes: Number(values.minutes) };
  if (values.reason.trim()) frame.reason = values.reason.trim();
  if (!sendAction(c, frame, `ban ${u.nick}`)) return;
  // A ban is answered only when it fails, and a refusal comes within a round trip (in a cluster
  // within Redis's deadline): no refusal by then, and the operator is told it holds.
  const label = (BanDurations.find(([minutes]) => minutes === values.minutes) || [])[1] || `${frame.minutes} minutes`;
  setTimeout(() => {
    if (!state.pending.has(frame.id)) return; // refused: that notice said why
    state.pending.delete(frame.id);
    addNotice(c, `You banned ${u.nick} from the server for ${label}` + (frame.reason ? `: “${frame.reason}”` : '.'), Date.now());
    render({ keepBottom: true });
  }, BanConfirmMs);
}
const BanConfirmMs = 2500;

async function operatorSignIn(why) {
  const values = await ask({ title: 'Operator sign-in', text: why || 'Operators may delete any message, kick and ban.',
                             fields: [{ name: 'password', label: 'Operator password', type: 'password' }],
                             ok: 'Sign in' });
  if (!values || !values.password) return;
  state.opPassword = values.password;
  sayHelloAgain();
}

function meMenu(anchor) {
  const items = [{ label: 'Change nick…', action: changeNick }];
  if (state.features.has('ops') && !(state.user && state.user.op)) items.push({ label: 'Operator sign-in…', action: operatorSignIn });
  showMenu(anchor, items, { label: 'You' });
}

async function offerLinkNick() {
  const offered = state.nickOffer;
  state.nickOffer = null;
  const values = await ask({ title: 'Change your nick?', text: `The link you opened names you “${offered}”. You are “${state.nick}” here.`,
                             ok: `Be “${offered}”` });
  if (values) send({ type: 'nick', nick: offered, id: 'n-' + ++state.nextId });
}

async function changeNick() {
  const values = await ask({ title: 'Change your nick', fields: [{ name: 'nick', label: 'Nick', maxLength: 32, value: state.nick }],
                             ok: 'Change' });
  if (values && values.nick.trim() && values.nick.trim() !== state.nick) {
    send({ type: 'nick', nick: values.nick.trim(), id: 'n-' + ++state.nextId });
  }
}

let toastTimer = null;
function toast(text) {
  $('toast').textContent = text;
  $('toast').hidden = !text;
  clearTimeout(toastTimer);
  if (text) toastTimer = setTimeout(() => { $('toast').hidden = true; }, 8000);
}

// ---- rendering ------------------------------------------------------------------------------------

// Sets an element's text only when it changes: a text set again is a new node to lay out, and
// the header's and the composer's are set on every render.
function setText(el, text) {
  if (el.textContent !== text) el.textContent = text;
}

function span(cls, text) {
  const s = document.createElement('span');
  s.className = cls;
  s.textContent = text;
  return s;
}

function button(text, onClick) {
  const b = document.createElement('button');
  b.type = 'button';
  b.textContent = text;
  b.addEventListener('click', onClick);
  return b;
}


// Text with its web addresses as links, built from text nodes: nothing in it is ever markup.
function appendLinkified(parent, text) {
  let last = 0;
  for (const match of text.matchAll(urlPattern)) {
    parent.append(document.createTextNode(text.slice(last, match.index)));
    const a = document.createElement('a');
    a.href = match[0];
    a.textContent = match[0];
    a.target = '_blank';
    a.rel = 'noopener noreferrer';
    parent.append(a);
    last = match.index + match[0].length;
  }
  parent.append(document.createTextNode(text.slice(last)));
}

function colorOf(id) {
  let h = 0;
  for (const ch of id || '') h = (h * 31 + ch.charCodeAt(0)) >>> 0;
  return `hsl(${h % 360} 55% 45%)`;
}

function initials(nick) {
  const parts = (nick || '?').split(/[\s._-]+/).filter(Boolean);
  return ((parts[0] || '?')[0] + (parts[1] ? parts[1][0] : '')).toUpperCase();
}

function timeOf(ts) {
  return new Date(ts).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
}

function dayOf(ts) {
  const d = new Date(ts);
  const today = new Date();
  const yesterday = new Date(Date.now() - 86400000);
  if (d.toDateString() === today.toDateString()) return 'Today';
  if (d.toDateString() === yesterday.toDateString()) return 'Yesterday';
  return d.toLocaleDateString([], { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric' });
}

// Frames ask for a render; one runs per animation frame however many came in (a resume's burst of
// hundreds draws once). renderNow() for actions that read the page right after drawing.
let renderWanted = null;
function render(options = {}) {
  if (!renderWanted) {
    renderWanted = { keepBottom: false, forceBottom: false };
    requestAnimationFrame(flushRender);
    renderWanted.timer = setTimeout(flushRender, 100); // no animation frames in a hidden tab
  }
  renderWanted.keepBottom ||= Boolean(options.keepBottom);
  renderWanted.forceBottom ||= Boolean(options.forceBottom);
}

function flushRender() {
  if (renderWanted) renderNow();
}

function renderNow(options = {}) {
  if (renderWanted) { // what was asked before is drawn now too
    clearTimeout(renderWanted.timer);
    options = { keepBottom: options.keepBottom || renderWanted.keepBottom, forceBottom: options.forceBottom || renderWanted.forceBottom };
    renderWanted = null;
  }
  renderLists();
  renderHeader();
  renderComposer(); // first: the bar over the composer takes its height before the list scrolls
  renderMessages(options);
  renderTyping();
  // A short history does not fill the view, so no scroll would ever ask for more.
  const box = $('messages');
  if (box.scrollHeight <= box.clientHeight + 80) loadOlder();
  const unread = [...state.convs.values()].reduce((n, c) => n + c.unread, 0);
  const title = (unread ? `(${unread}) ` : '') + 'Confab';
  if (document.title !== title) document.title = title;
  setText($('me'), state.nick);
}

let listsDrawn = '';
function renderLists() {
  const sorted = [...state.convs.values()].sort((a, b) => a.title.localeCompare(b.title));
  const sig = sorted.map((c) => [c.key, c.title, c.unread, c.mentions, c.gone ? 1 : 0].join('\u0001')).join('\u0002') + state.current;
  if (sig === listsDrawn) return; // unchanged: the lists (and a focus in them) stay as they are
  listsDrawn = sig;
  const rooms = $('room-list');
  const dms = $('dm-list');
  rooms.replaceChildren();
  dms.replaceChildren();
  for (const c of sorted) {
    const li = document.createElement('li');
    const b = button('', () => switchTo(c.key));
    b.dataset.key = c.key;
    if (c.key === state.current) b.classList.add('current');
    if (c.gone) b.classList.add('gone');
    b.append(span('name', c.direct ? c.title : '#' + c.key));
    if (c.unread && c.key !== state.current) b.append(span(c.mentions ? 'badge mention' : 'badge', `${c.unread}`));
    li.append(b);
    (c.direct ? dms : rooms).append(li);
  }
}

function renderHeader() {
  const c = state.convs.get(state.current);
  setText($('room-title'), !c ? '' : c.direct ? c.title : '#' + c.key);
  setText($('topic'), c && !c.direct ? (c.topic || 'Set a topic') : '');
  $('topic').hidden = !c || c.direct || Boolean(c.gone);
  // A direct conversation's members are its two sides.
  const members = !c ? [] : c.direct ? directMembers(c) : [...c.members.values()];
  setText($('member-count'), c && !c.direct ? `${members.length}` : '');
  const placeholder = c ? (c.direct ? `Message ${c.title}` : `Message #${c.key}`) : 'Message';
  if ($('message-input').placeholder !== placeholder) $('message-input').placeholder = placeholder;
  const iAmOp = Boolean(state.user && state.user.op); // only a 1.1 server makes anyone one
  // 5,000 members are not drawn again for every message: only when they (or who we are) changed.
  const sig = !c ? '' : [c.key, c.membersRev, c.gone ? 1 : 0, iAmOp, state.user && state.user.id, state.nick,
                         c.direct ? state.namesRev + c.title : ''].join('\u0001');
  const list = $('member-list');
  if (list.dataset.sig === sig) return;
  list.dataset.sig = sig;
  list.replaceChildren();
  for (const u of members.sort((a, b) => a.nick.localeCompare(b.nick))) {
    const me = state.user && u.id === state.user.id;
    const li = document.createElement('li');
    li.className = 'member';
    const b = button('', () => { $('chat').classList.remove('show-members'); openDirect(u); });
    const dot = span('avatar-dot', '●');
    dot.style.color = colorOf(u.id);
    // "you" is a mark beside the nick, not text after it: a nick "victim (you)" is not you.
    b.append(dot, span('name', u.nick));
    if (me) b.append(span('you', 'you'));
    if (u.op) {
      const mark = span('op', 'op');
      mark.title = 'Operator';
      b.append(mark);
    }
    b.title = me ? 'You' : `Message ${u.nick} directly`;
    b.setAttribute('aria-label', `${u.nick}${u.op ? ', operator' : ''}${me ? ' (you)' : ''}`);
    li.append(b);
    if (iAmOp && !me && !u.op && c && !c.direct) {
      const more = button('⋯', (e) => memberMenu(c, u, e.currentTarget));
      more.className = 'ghost more-button';
      more.setAttribute('aria-label', `Operator actions for ${u.nick}`);
      more.setAttribute('aria-haspopup', 'menu');
      li.append(more);
    }
    list.append(li);
  }
}

// Which of a message's actions this user has (1.1 servers list them in welcome.features).
function actionsOf(c, m) {
  if (!c || c.direct || c.gone || !m || m.deleted || m.pendingId || m.notice || !(m.seq > 0)) return [];
  const has = (f) => state.features.has(f);
  const list = [];
  if (has('reply')) list.push({ id: 'reply', label: 'Reply', icon: '↩', action: () => startReply(c, m) });
  if (has('react')) list.push({ id: 'react', label: 'Add reaction', icon: '☺', action: (anchor) => pickReaction(c, m, anchor) });
  if (has('edit') && isMine(m)) list.push({ id: 'edit', label: 'Edit', icon: '✎', action: () => startEdit(c, m) });
  if (has('delete') && (isMine(m) || (state.user && state.user.op))) {
    list.push({ id: 'delete', label: 'Delete', icon: '🗑', danger: true, action: () => removeMessage(c, m) });
  }
  return list;
}

function messageMenu(c, m, anchor, returnTo) {
  const actions = actionsOf(c, m);
  if (!actions.length) return;
  const row = document.querySelector(`#messages [data-seq="${m.seq}"]`);
  showMenu(anchor, actions.map((a) => ({ label: a.label, danger: a.danger, action: () => a.action(row || anchor) })),
           { label: `Actions for the message from ${m.from.nick}`, returnTo: returnTo || row });
}

function memberMenu(c, u, anchor) {
  showMenu(anchor, [
    { label: `Message ${u.nick}`, action: () => { $('chat').classList.remove('show-members'); openDirect(u); } },
    { label: `Kick from #${c.key}…`, action: () => kickUser(c, u) },
    { label: 'Ban from the server…', danger: true, action: () => banUser(c, u) },
  ], { label: `Operator actions for ${u.nick}` });
}

function quoteOf(c, m) {
  const target = c.messages.find((x) => x.seq === m.reply_to && !x.notice);
  const q = document.createElement('button');
  q.type = 'button';
  q.className = 'quote';
  q.dataset.fkey = `quote:${m.seq}`;
  if (!target) { // older than what is loaded: pages back until it is there
    q.append(span('quote-text', 'Replying to an earlier message'));
    q.title = 'Load older messages up to the one this replies to';
    q.disabled = c.reachedStart;
    q.addEventListener('click', () => seekBack(c, m.reply_to));
    return q;
  }
  q.append(span('quote-nick', target.from.nick),
           span('quote-text', target.deleted ? 'message deleted' : target.text.slice(0, 200)));
  if (target.deleted) q.classList.add('deleted');
  q.title = 'Show the message this replies to';
  q.setAttribute('aria-label', `Reply to ${target.from.nick}: show that message`);
  q.addEventListener('click', () => jumpTo(c, target.seq));
  return q;
}

function reactionsOf(c, m, canReact) {
  const box = document.createElement('div');
  box.className = 'reactions';
  for (const [emoji, users] of Object.entries(m.reactions)) {
    const mine = Boolean(state.user && users.includes(state.user.id));
    const chip = button('', () => react(c, m, emoji, !mine));
    chip.className = 'chip' + (mine ? ' mine' : '');
    chip.dataset.fkey = `chip:${m.seq}:${emoji}`;
    chip.dataset.emoji = emoji;
    chip.setAttribute('aria-pressed', mine ? 'true' : 'false');
    const count = reactionCount(m, emoji);
    const names = users.map(nameOf);
    const others = count - users.length;
    if (others > 0) names.push(`${others} more`);
    chip.title = `${names.join(', ')} reacted with ${emoji}`;
    chip.setAttribute('aria-label', `${emoji} ${count}: ${chip.title}`);
    chip.disabled = !canReact;
    chip.append(span('chip-emoji', emoji), span('chip-count', `${count}`));
    box.append(chip);
  }
  if (canReact) {
    const add = button('', (e) => pickReaction(c, m, e.currentTarget));
    add.className = 'chip add';
    add.dataset.fkey = `add:${m.seq}`;
    add.textContent = '+';
    add.title = 'Add a reaction';
    add.setAttribute('aria-label', 'Add a reaction');
    box.append(add);
  }
  return box;
}

function toolbarOf(c, m, actions) {
  const bar = document.createElement('div');
  bar.className = 'actions';
  bar.setAttribute('role', 'toolbar');
  bar.setAttribute('aria-label', 'Message actions');
  for (const a of actions) {
    const b = button(a.icon, (e) => {
      e.stopPropagation();
      a.action(e.currentTarget);
    });
    b.className = 'action' + (a.danger ? ' danger' : '');
    b.dataset.action = a.id;
    b.title = a.label;
    b.setAttribute('aria-label', a.label);
    b.tabIndex = -1; // the keyboard reaches these through the row's menu (Enter), not Tab by Tab
    bar.append(b);
  }
  return bar;
}

// ---- the message list: drawn incrementally ------------------------------------------------------
//
// A busy room must not cost a redraw of everything per message (with 5,000 loaded that was a
// 400-600 ms task per incoming message). Each message's row is built once and kept (rowCache,
// keyed by the message object) with a signature of everything it shows; a render walks the
// messages, rebuilds only rows whose signature changed, and moves the DOM to the wanted order
// touching only what differs. Untouched rows keep their selection and focus.
//
// Only a window of the messages held is in the page (at most MaxRows; the newest ShownRows
// while reading at the bottom): with 5,000 rows in it Chromium spent some 35 ms laying out
// and styling per message. Scrolling near either end of the window moves it by StepRows (and
// near the start of what is held asks the server for older pages); the row at the top of the
// view stays where it was when rows come or go above it.
const ShownRows = 150;
const StepRows = 100;
const MaxRows = 400;

const rowCache = new WeakMap(); // message or notice object -> {node, sig}
const dayNodes = new Map(); // "<conversation>\n<day label>" -> the day's separator
const olderNode = document.createElement('div');
olderNode.className = 'older';
// Where the reader left off (chat.js's newLineSeq says above which message).
const newLineNode = document.createElement('div');
newLineNode.className = 'new-line';
newLineNode.setAttribute('role', 'separator');
newLineNode.textContent = 'New messages';

// The seq-ordered message with this seq (rooms keep messages ascending by seq; notices sit
// between at x.5 and pending sends at the end): a binary search, not a walk of the room.
function findBySeq(c, seq) {
  const list = c.messages;
  let lo = 0;
  let hi = list.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const s = list[mid].seq;
    if (s === seq && !list[mid].notice) return list[mid];
    if (s < seq || (s === seq && list[mid].notice)) lo = mid + 1;
    else hi = mid - 1;
  }
  return c.messages.find((x) => x.seq === seq && !x.notice) || null; // out of order: a notice moved
}

function dayKeyOf(m) {
  if (m.dayKey === undefined) Object.defineProperty(m, 'dayKey', { value: new Date(m.ts).toDateString(), writable: true });
  return m.dayKey;
}

function dayNode(c, m) {
  const label = dayOf(m.ts);
  const key = `${c.key}\n${label}`;
  let d = dayNodes.get(key);
  if (!d) {
    d = document.createElement('div');
    d.className = 'day';
    d.textContent = label;
    dayNodes.set(key, d);
  }
  return d;
}

// What every row of the conversation depends on besides its own message.
function listContext(c) {
  return [c.key, [...state.features].join(','), state.user ? state.user.id : '', state.user && state.user.op ? 1 : 0,
          c.gone ? 1 : 0, state.nick, new Date().toDateString()].join('\u0001');
}

function buildRow(c, m, grouped, highlighted) {
  const row = document.createElement('div');
  row.className = 'msg' + (grouped ? '' : ' first') + (m.pendingId ? ' pending' : '') + (m.deleted ? ' deleted' : '');
  const settled = m.seq && m.seq !== Infinity;
  if (settled) {
    row.dataset.seq = m.seq;
    row.dataset.fkey = `row:${m.seq}`;
    row.tabIndex = -1;
  }
  if (highlighted) row.classList.add('highlight');
  if (state.compose && state.compose.key === c.key && state.compose.seq === m.seq) row.classList.add(state.compose.mode === 'edit' ? 'editing' : 'replying');
  if (!isMine(m) && !m.deleted && mentions(m.text)) row.classList.add('mention');
  if (!grouped) {
    const avatar = span('avatar', initials(m.from.nick));
    avatar.style.background = colorOf(m.from.id);
    const head = document.createElement('div');
    head.className = 'head';
    const nick = span('nick', m.from.nick);
    nick.style.color = colorOf(m.from.id);
    head.append(nick, span('time', timeOf(m.ts)));
    row.append(avatar, head);
  }
  if (m.reply_to > 0) row.append(quoteOf(c, m));
  const text = document.createElement('div');
  text.className = 'text';
  if (m.deleted) {
    text.append(span('gone', 'message deleted'));
  } else {
    appendLinkified(text, m.text);
    if (m.edited_ts) {
      const edited = span('edited', '(edited)');
      edited.title = `Edited ${dayOf(m.edited_ts).toLowerCase()} at ${timeOf(m.edited_ts)}`;
      text.append(' ', edited);
    }
  }
  row.append(text);
  if (m.pendingId) row.append(span('state', 'sending…'));
  const actions = actionsOf(c, m);
  if (!m.deleted && Object.keys(m.reactions || {}).length) {
    row.append(reactionsOf(c, m, actions.some((a) => a.id === 'react')));
  }
  if (actions.length) {
    row.append(toolbarOf(c, m, actions));
    row.setAttribute('aria-haspopup', 'menu');
  }
  return row;
}

// Puts exactly `wanted` into `box`, in order, moving and removing only what differs: appending
// one message is one insertion, a page of history fifty.
function reconcile(box, wanted) {
  // What goes is removed first: left in place, every row after it would be moved past it (a
  // move is a removal and an insertion: a selection in the row is lost, and all is laid out).
  const keep = new Set(wanted);
  for (let node = box.firstChild; node;) {
    const next = node.nextSibling;
    if (!keep.has(node)) node.remove();
    node = next;
  }
  let cursor = box.firstChild;
  for (const node of wanted) {
    if (node === cursor) cursor = cursor.nextSibling;
    else box.insertBefore(node, cursor);
  }
  while (cursor) {
    const next = cursor.nextSibling;
    cursor.remove();
    cursor = next;
  }
}

// The conversation's window: the first and last message shown, and whether it takes in new
// messages as they come (it holds the newest).
function viewOf(c) {
  if (!c.view) c.view = { first: null, last: null, follows: true };
  return c.view;
}

// The window's bounds as indexes into c.messages [start, end).
function windowOf(c, atBottomAndStaying) {
  const v = viewOf(c);
  const len = c.messages.length;
  let start = v.first ? c.messages.indexOf(v.first) : -1;
  let end = v.last ? c.messages.indexOf(v.last) + 1 : 0;
  if (start < 0 || end <= start) { // nothing shown yet, or what was shown is gone: the newest
    end = len;
    start = Math.max(0, len - ShownRows);
  } else if (v.follows) {
    end = len;
  }
  // Reading at the bottom, what went out of sight above goes (StepRows at a time, not a row per
  // message: a removal at the top moves every row).
  if (atBottomAndStaying && end === len && end - start > ShownRows + StepRows) start = len - ShownRows;
  if (end - start > MaxRows) { // a burst while reading higher up: the newest wait below
    end = start + MaxRows;
  }
  v.follows = end === len;
  v.first = c.messages[start] || null;
  v.last = c.messages[end - 1] || null;
  return [start, end];
}

// Moves the window of the current conversation by StepRows towards older (-1) or newer (+1)
// messages; false when it is already at that end of what is held.
function moveWindow(c, direction) {
  const [start, end] = windowOf(c, false);
  const v = viewOf(c);
  const len = c.messages.length;
  let s = start;
  let e = end;
  if (direction < 0) {
    if (start === 0) return false;
    s = Math.max(0, start - StepRows);
    e = Math.min(end, s + MaxRows);
  } else {
    if (end === len) return false;
    e = Math.min(len, end + StepRows);
    s = Math.max(start, e - MaxRows);
  }
  v.first = c.messages[s];
  v.last = c.messages[e - 1];
  v.follows = e === len;
  return true;
}

// Shows the held message with this seq: the window is put around it.
function showInWindow(c, seq) {
  const i = c.messages.findIndex((x) => x.seq === seq && !x.notice);
  if (i < 0) return;
  const v = viewOf(c);
  const s = Math.max(0, i - StepRows);
  const e = Math.min(c.messages.length, i + StepRows);
  v.first = c.messages[s];
  v.last = c.messages[e - 1];
  v.follows = e === c.messages.length;
}

function renderMessages({ keepBottom = false, forceBottom = false } = {}) {
  const box = $('messages');
  const atBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 40;
  const c = state.convs.get(state.current);
  // A row drawn afresh loses the focus: remember what had it, to give it back after.
  const active = document.activeElement;
  const focusKey = active && box.contains(active) && active !== box && active.dataset ? active.dataset.fkey : undefined;
  if (!c) {
    box.replaceChildren();
    delete box.dataset.key;
    return;
  }
  const sameList = box.dataset.key === c.key;
  const [start, end] = windowOf(c, forceBottom || !sameList || (keepBottom && atBottom));
  // The row at the top of the view, and where it is: it stays there whatever comes above it.
  let anchor = null;
  let anchorTop = 0;
  if (sameList && !forceBottom && !(keepBottom && atBottom)) {
    for (const row of box.children) {
      if (row.offsetTop + row.offsetHeight > box.scrollTop) {
        anchor = row;
        anchorTop = row.offsetTop - box.scrollTop;
        break;
      }
    }
  }
  const wanted = [];
  if (!c.direct) {
    const older = start > 0 ? '' : c.reachedStart ? `This is the beginning of #${c.key}.` : c.loadingOlder ? 'Loading older messages…' : '';
    if (olderNode.textContent !== older) olderNode.textContent = older;
    wanted.push(olderNode);
  }
  const highlight = state.highlight && state.highlight.key === c.key && state.highlight.until > Date.now()
    ? state.highlight.seq : null;
  const context = listContext(c);
  const compose = state.compose && state.compose.key === c.key ? state.compose : null;
  const lineSeq = newLineSeq(c);
  let prev = start > 0 ? c.messages[start - 1] : null;
  let lastDay = prev ? dayKeyOf(prev) : '';
  if (prev && prev.notice) prev = null;
  for (let i = start; i < end; i++) {
    const m = c.messages[i];
    const day = dayKeyOf(m);
    if (day !== lastDay) {
      wanted.push(dayNode(c, m));
      lastDay = day;
      prev = null;
    }
    let entry = rowCache.get(m);
    if (m.notice) {
      if (!entry) {
        const n = document.createElement('div');
        n.className = 'notice';
        n.textContent = m.notice;
        entry = { node: n, sig: '' };
        rowCache.set(m, entry);
      }
      wanted.push(entry.node);
      prev = null;
      continue;
    }
    if (m.seq === lineSeq) {
      wanted.push(newLineNode);
      prev = null; // a message below the line starts a group again
    }
    const grouped = !(m.reply_to > 0) && prev && prev.from && m.from && prev.from.id === m.from.id && m.ts - prev.ts < 5 * 60000;
    const target = m.reply_to > 0 ? findBySeq(c, m.reply_to) : null;
    const named = m.reactions && Object.keys(m.reactions).length ? state.namesRev : ''; // chips name who reacted
    const sig = [context, m.stateSeq, m.pendingId || '', grouped ? 1 : 0, m.seq === highlight ? 1 : 0, named,
                 compose && compose.seq === m.seq ? compose.mode : '',
                 m.reply_to > 0 ? (target ? `${target.stateSeq}${target.deleted ? 'd' : ''}` : `-${c.reachedStart}`) : ''].join('\u0002');
    if (!entry || entry.sig !== sig) {
      entry = { node: buildRow(c, m, grouped, m.seq === highlight), sig };
      rowCache.set(m, entry);
    }
    wanted.push(entry.node);
    prev = m;
  }
  reconcile(box, wanted);
  if (forceBottom || (keepBottom && atBottom) || (keepBottom && !sameList)) {
    box.scrollTop = box.scrollHeight;
  } else if (anchor && anchor.parentNode === box) {
    box.scrollTop = anchor.offsetTop - anchorTop;
  }
  box.dataset.key = c.key;
  showJump(c);
  if (focusKey && !box.contains(document.activeElement)) {
    const again = box.querySelector(`[data-fkey="${CSS.escape(focusKey)}"]`);
    (again || box).focus({ preventScroll: true });
  }
}

// The composer: a bar over it while replying or editing, or, in a room one was kicked from,
// a notice with a way back in instead of it.
function renderComposer() {
  const c = state.convs.get(state.current);
  const gone = c && c.gone;
  $('gone-bar').hidden = !gone;
  $('composer').hidden = Boolean(gone);
  if (gone) setText($('gone-text'), goneText(c));
  const cm = state.compose && c && state.compose.key === c.key ? state.compose : null;
  $('composer-bar').hidden = !cm;
  $('composer').classList.toggle('editing', Boolean(cm && cm.mode === 'edit'));
  if (!cm) return;
  const m = c.messages.find((x) => x.seq === cm.seq && !x.notice);
  const bar = $('composer-bar-text');
  bar.replaceChildren();
  if (cm.mode === 'edit') {
    bar.append(span('bar-title', 'Editing your message'), span('bar-hint', ' · Enter to save, Escape to cancel'));
  } else {
    bar.append(span('bar-title', `Replying to ${m ? m.from.nick : 'a message'}`));
    if (m) bar.append(span('bar-quote', ` ${m.deleted ? 'message deleted' : m.text.slice(0, 120)}`));
  }
}

function renderTyping() {
  const names = typingNames(state.convs.get(state.current));
  setText($('typing'), names.length === 0 ? '' : names.length === 1 ? `${names[0]} is typing…`
                                              : `${names.slice(0, 3).join(', ')} are typing…`);
}

function showStart(error, askPassword = false, askOpPassword = false) {
  $('chat').hidden = true;
  $('banned').hidden = true;
  $('start').hidden = false;
  if (askOpPassword) $('more-options').open = true;
  $('start-error').textContent = error || '';
  $('start-error').hidden = !error;
  if (askPassword) $('password-row').hidden = false;
  $('start-button').disabled = false;
  $('nick').value = state.nick;
  (askPassword ? $('password') : askOpPassword ? $('op-password') : $('nick')).focus();
}

// Banned: until when and why, and no reconnecting until the user asks (Try again).
function showBanned() {
  clearTimeout(state.reconnectTimer);
  clearInterval(state.countdownTimer);
  banner('');
  closePopup(false);
  if ($('dialog').open) $('dialog').close();
  $('chat').hidden = true;
  $('start').hidden = true;
  $('banned').hidden = false;
  const ban = state.banned;
  if (ban && ban.until > Date.now()) {
    const until = new Date(ban.until);
    const when = until.toDateString() === new Date().toDateString()
      ? `today at ${timeOf(ban.until)}` : `${until.toLocaleDateString([], { day: 'numeric', month: 'long', year: 'numeric' })} at ${timeOf(ban.until)}`;
    $('ban-until').textContent = `An operator banned you from this server until ${when} (${untilWords(ban.until - Date.now())}).`;
  } else {
    $('ban-until').textContent = 'An operator banned you from this server.';
  }
  $('ban-reason').textContent = ban && ban.reason ? `Reason: ${ban.reason}` : '';
  $('ban-reason').hidden = !(ban && ban.reason);
  $('ban-retry').focus();
}

function untilWords(ms) {
  const minutes = Math.max(1, Math.ceil(ms / 60000));
  if (minutes < 60) return `${minutes} ${minutes === 1 ? 'minute' : 'minutes'} from now`;
  const hours = Math.round(minutes / 60);
  if (hours < 48) return `${hours} ${hours === 1 ? 'hour' : 'hours'} from now`;
  const days = Math.round(hours / 24);
  return `${days} days from now`;
}

function showChat(serverName) {
  if (serverName) setText($('server-name'), serverName);
  $('start').hidden = true;
  $('banned').hidden = true;
  $('chat').hidden = false;
}

function banner(text) {
  setText($('banner'), text);
  $('banner').hidden = !text;
}

// A page of the room directory (the first one replaces what was listed).
function directoryPage(pageNo, rooms) {
  const list = $('directory');
  if (pageNo === 0) list.replaceChildren();
  for (const r of rooms) {
    const li = document.createElement('li');
    const b = button('', () => { joinRoom(r.room, true); list.hidden = true; });
    b.append(span('name', '#' + r.room), span('count', `${r.members}`));
    if (r.topic) b.title = r.topic;
    li.append(b);
    list.append(li);
  }
  list.hidden = false;
}

function searchResults(f) {
  const list = $('search-list');
  list.replaceChildren();
  const found = (f.messages || []).filter((m) => !isEvent(m) && !m.deleted);
  $('search-summary').textContent = `${found.length} found for “${f.q}”`;
  for (const m of found) {
    const li = document.createElement('li');
    const b = button('', () => openAt(m));
    const where = span('where', `#${m.room} · ${m.from.nick} · ${timeOf(m.ts)}`);
    const text = span('text', '');
    appendLinkified(text, m.text);
    b.append(where, document.createElement('br'), text);
    li.append(b);
    list.append(li);
  }
  $('search-results').hidden = false;
}

// An older page is on its way in: if the window shows the first message held, it will take in
// the page too (historyArrived), the row at the top of the view staying where it is.
function historyArriving(c) {
  const v = viewOf(c);
  v.takesPage = !v.first || v.first === c.messages[0];
  v.heldBefore = c.messages.length;
}

function historyArrived(c) {
  const v = viewOf(c);
  if (v.takesPage && c.messages.length) {
    const i = Math.max(0, c.messages.indexOf(v.first || c.messages[0]) - (c.messages.length - v.heldBefore));
    v.first = c.messages[i];
  }
  renderNow();
  if (c.key === state.current) seekOn(c);
}

// What chat.js has the page do.
Object.assign(ui, {
  render, renderNow, renderTyping, banner, toast, notify, showChat, showStart, showBanned, switchTo, endCompose,
  operatorSignIn, offerLinkNick, seekOn, historyArriving, historyArrived, directoryPage, searchResults,
  isPhone: () => window.matchMedia('(max-width: 700px)').matches,
});
state.url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`;
state.away = document.hidden;
window.addEventListener('storage', (e) => sharedChanged(e.key));

// ---- wiring -------------------------------------------------------------------------------------

function start(nick) {
  state.nick = nick;
  store.setItem('confab.nick', nick);
  $('start-button').disabled = true;
  $('start-error').hidden = true;
  state.backoffMs = 500;
  sayHelloAgain();
}

$('start-form').addEventListener('submit', (e) => {
  e.preventDefault();
  const nick = $('nick').value.trim();
  if (!nick) return;
  state.password = $('password').value;
  state.opPassword = $('op-password').value;
  $('op-password').value = '';
  start(nick);
});

$('composer').addEventListener('submit', (e) => {
  e.preventDefault();
  const input = $('message-input');
  const cm = state.compose && state.compose.key === state.current ? state.compose : null;
  if (cm && cm.mode === 'edit') {
    finishEdit(input.value);
    return;
  }
  if (!sendText(input.value, cm ? cm.seq : undefined)) return;
  input.value = '';
  input.style.height = '';
  if (cm) endCompose();
});

$('composer-bar-cancel').addEventListener('click', () => {
  endCompose();
  $('message-input').focus();
});

$('gone-rejoin').addEventListener('click', () => {
  const c = state.convs.get(state.current);
  if (c && c.gone) joinRoom(c.key, false);
});

$('me').addEventListener('click', (e) => meMenu(e.currentTarget));

$('ban-retry').addEventListener('click', () => {
  state.banned = null;
  $('banned').hidden = true;
  showStart('');
  start(state.nick);
});

$('message-input').addEventListener('keydown', (e) => {
  if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
    e.preventDefault();
    $('composer').requestSubmit();
  }
  if (e.key === 'ArrowUp' && !e.altKey && $('message-input').value === '' && !state.compose) {
    const c = state.convs.get(state.current);
    const m = c && lastOwnMessage(c);
    if (m && actionsOf(c, m).some((a) => a.id === 'edit')) {
      e.preventDefault();
      startEdit(c, m);
    }
  }
  if (e.key === 'Escape' && state.compose) {
    e.preventDefault();
    e.stopPropagation();
    endCompose();
  }
});

$('message-input').addEventListener('input', () => {
  const input = $('message-input');
  input.style.height = '';
  input.style.height = Math.min(input.scrollHeight, 160) + 'px';
  const c = state.convs.get(state.current);
  if (c && !c.direct && Date.now() - state.lastTypingSent > TypingSendEveryMs && input.value) {
    state.lastTypingSent = Date.now();
    send({ type: 'typing', room: c.key });
  }
});

$('join-form').addEventListener('submit', (e) => {
  e.preventDefault();
  const name = $('join-input').value.trim().replace(/^#/, '');
  if (name) joinRoom(name, true);
  $('join-input').value = '';
});

$('directory-button').addEventListener('click', () => {
  if (!$('directory').hidden) {
    $('directory').hidden = true;
    return;
  }
  state.dirListing = (state.dirListing || 0) + 1;
  askDirectory(0);
});

$('search-form').addEventListener('submit', (e) => {
  e.preventDefault();
  const q = $('search-input').value.trim();
  if (q) send({ type: 'search', q, limit: 50, id: 's-' + ++state.nextId });
});

$('search-close').addEventListener('click', () => { $('search-results').hidden = true; });

$('topic').addEventListener('click', async () => {
  const c = state.convs.get(state.current);
  if (!c || c.direct) return;
  const values = await ask({ title: `Topic of #${c.key}`, text: 'Everyone in the room sees it under its name.',
                             fields: [{ name: 'topic', label: 'Topic', value: c.topic, maxLength: 256 }], ok: 'Set topic' });
  if (values) send({ type: 'topic', room: c.key, topic: values.topic.trim(), id: 't-' + ++state.nextId });
});

$('members-button').addEventListener('click', (e) => {
  e.stopPropagation();
  const chat = $('chat');
  if (window.matchMedia('(max-width: 700px)').matches) chat.classList.toggle('show-members');
  else chat.classList.toggle('no-members');
});

$('menu-button').addEventListener('click', (e) => {
  e.stopPropagation();
  $('chat').classList.toggle('show-rooms');
});
document.querySelector('.main').addEventListener('click', (e) => {
  const chat = $('chat');
  if (chat.classList.contains('show-rooms') || chat.classList.contains('show-members')) {
    chat.classList.remove('show-rooms', 'show-members');
    e.stopPropagation();
    e.preventDefault();
  }
}, true);

// Messages by keyboard: arrows move between them, Enter (or the menu key, or Shift+F10) opens
// the focused one's actions. A right-click opens them too.
$('messages').addEventListener('keydown', (e) => {
  if (e.target.closest('.popup')) return;
  const row = e.target.closest ? e.target.closest('.msg[data-seq]') : null;
  if (e.key === 'ArrowUp' || e.key === 'ArrowDown') {
    if (e.target !== $('messages') && e.target !== row) return;
    let rows = [...$('messages').querySelectorAll('.msg[data-seq]')];
    if (!rows.length) return;
    let i = rows.indexOf(row);
    const c = state.convs.get(state.current);
    const edge = e.key === 'ArrowUp' ? i === 0 : i === rows.length - 1;
    if (row && edge && c && moveWindow(c, e.key === 'ArrowUp' ? -1 : +1)) { // the window moves on
      renderNow();
      rows = [...$('messages').querySelectorAll('.msg[data-seq]')];
      i = rows.indexOf(row);
    }
    const next = i < 0 ? rows[rows.length - 1] : rows[Math.min(rows.length - 1, Math.max(0, i + (e.key === 'ArrowDown' ? 1 : -1)))];
    e.preventDefault();
    next.focus();
    next.scrollIntoView({ block: 'nearest' });
    return;
  }
  if (row && e.target === row && (e.key === 'Enter' || e.key === 'ContextMenu' || (e.shiftKey && e.key === 'F10'))) {
    e.preventDefault();
    const c = state.convs.get(state.current);
    const m = c && c.messages.find((x) => x.seq === Number(row.dataset.seq) && !x.notice);
    if (m) messageMenu(c, m, row.querySelector('.actions') || row, row);
  }
});

$('messages').addEventListener('contextmenu', (e) => {
  const row = e.target.closest('.msg[data-seq]');
  if (!row || e.target.closest('a')) return; // a link keeps the browser's own menu
  const c = state.convs.get(state.current);
  const m = c && c.messages.find((x) => x.seq === Number(row.dataset.seq) && !x.notice);
  if (!m || !actionsOf(c, m).length) return;
  e.preventDefault();
  messageMenu(c, m, { x: e.clientX, y: e.clientY }, row);
});

// A way back to the newest when they are out of view: more than a screen below, or not in the
// page at all (the window was moved up; new messages wait below it).
function showJump(c) {
  const box = $('messages');
  const behind = Boolean(c) && (!viewOf(c).follows || box.scrollHeight - box.scrollTop - box.clientHeight > box.clientHeight);
  if ($('jump-newest').hidden === behind) $('jump-newest').hidden = !behind;
}

$('jump-newest').addEventListener('click', () => {
  const c = state.convs.get(state.current);
  if (!c) return;
  const v = viewOf(c);
  v.first = null; // the window goes back to the newest
  v.last = null;
  v.follows = true;
  renderNow({ forceBottom: true });
  $('message-input').focus();
});

// Near the top of the window: older rows (held ones first, then a page from the server); near
// its bottom: newer held ones.
$('messages').addEventListener('scroll', () => {
  const box = $('messages');
  const c = state.convs.get(state.current);
  if (!c) return;
  showJump(c);
  if (box.scrollTop < 300) {
    if (moveWindow(c, -1)) renderNow();
    else if (box.scrollTop < 80) loadOlder();
  } else if (box.scrollHeight - box.scrollTop - box.clientHeight < 300 && moveWindow(c, +1)) {
    renderNow();
  }
});

document.addEventListener('keydown', (e) => {
  if (e.key === 'Escape' && (popupOpen() || $('dialog').open)) return; // theirs to close
  if (e.key === 'Escape') {
    if (state.compose) endCompose();
    $('search-results').hidden = true;
    $('directory').hidden = true;
    $('chat').classList.remove('show-rooms', 'show-members');
    $('message-input').focus();
  }
  if (e.altKey && (e.key === 'ArrowUp' || e.key === 'ArrowDown')) {
    const keys = [...document.querySelectorAll('#room-list button, #dm-list button')].map((b) => b.dataset.key);
    const i = keys.indexOf(state.current);
    const next = keys[(i + (e.key === 'ArrowDown' ? 1 : keys.length - 1)) % keys.length];
    if (next) switchTo(next);
    e.preventDefault();
  }
  if ((e.ctrlKey || e.metaKey) && e.key === 'k') {
    e.preventDefault();
    $('join-input').focus();
  }
});

document.addEventListener('visibilitychange', () => {
  state.away = document.hidden;
  if (!document.hidden) {
    const c = state.convs.get(state.current);
    if (c) markRead(c, true);
    render();
  }
});

if ('Notification' in window && Notification.permission === 'default') {
  $('notify-button').hidden = false;
  $('notify-button').addEventListener('click', async () => {
    await Notification.requestPermission();
    $('notify-button').hidden = true;
  });
}

// ?nick=NAME starts at once with that nick (and joins general) on a browser's first start. A
// browser that already has a nick keeps it (the link may be someone else's, and a nick is the
// same on every tab): it is asked once it is in.
const nickParam = (new URLSearchParams(location.search).get('nick') || '').trim().slice(0, 32);
const returning = state.nick && store.getItem('confab.rooms');
if (nickParam && returning && nickParam !== state.nick) {
  state.nickOffer = nickParam;
  start(state.nick);
} else if (nickParam) {
  start(nickParam);
} else if (returning) {
  start(state.nick); // a returning browser goes straight back in
} else {
  showStart('');
}
