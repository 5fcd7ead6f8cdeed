// Confab's web client: plain JavaScript, no framework, no build step. It speaks the protocol of
// docs/protocol.md over /ws on the server that served it. Network text is only ever put into the
// page as text (textContent, text nodes); links are made from it with DOM calls, never HTML.

const $ = (id) => document.getElementById(id);
const store = window.localStorage;

const DefaultRoom = 'general';
const PageSize = 50;
const TypingSendEveryMs = 2000;
const TypingShownMs = 4000;
const MaxBackoffMs = 10000;

// ---- state -----------------------------------------------------------------------------------

const state = {
  ws: null,
  connected: false, // welcomed
  everConnected: false,
  user: null,
  nick: store.getItem('confab.nick') || '',
  password: '',
  token: store.getItem('confab.token') || newToken(),
  convs: new Map(), // key: room name, or "@<user id>" for a direct conversation
  current: null,
  outbox: loadOutbox(), // [{id, frame}] sent again, same id, after every reconnect
  nextId: 0,
  backoffMs: 500,
  reconnectTimer: null,
  countdownTimer: null,
  lastTypingSent: 0,
  search: null,
};
store.setItem('confab.token', state.token);

function newToken() {
  const bytes = new Uint8Array(24);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

function newId() {
  const bytes = new Uint8Array(8);
  crypto.getRandomValues(bytes);
  return 'w-' + Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

function loadOutbox() {
  try {
    const saved = JSON.parse(store.getItem('confab.outbox') || '[]');
    return Array.isArray(saved) ? saved : [];
  } catch {
    return [];
  }
}

function saveOutbox() {
  store.setItem('confab.outbox', JSON.stringify(state.outbox));
}

function savedRooms() {
  try {
    const rooms = JSON.parse(store.getItem('confab.rooms') || '[]');
    return Array.isArray(rooms) && rooms.length ? rooms : [DefaultRoom];
  } catch {
    return [DefaultRoom];
  }
}

function saveRooms() {
  const rooms = [...state.convs.values()].filter((c) => !c.direct).map((c) => c.key);
  store.setItem('confab.rooms', JSON.stringify(rooms));
}

function conv(key) {
  let c = state.convs.get(key);
  if (!c) {
    c = {
      key,
      direct: key.startsWith('@'),
      title: key,
      topic: '',
      members: new Map(),
      messages: [], // ascending by seq (rooms) or arrival (direct)
      lastSeq: 0,
      epoch: null,
      read: 0,
      unread: 0,
      mentions: 0,
      joined: false,
      loadingOlder: false,
      reachedStart: false,
      typing: new Map(), // user id -> {nick, until}
    };
    state.convs.set(key, c);
  }
  return c;
}

// ---- connection --------------------------------------------------------------------------------

function connect() {
  clearTimeout(state.reconnectTimer);
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  const ws = new WebSocket(`${scheme}://${location.host}/ws`);
  state.ws = ws;
  ws.onopen = () => {
    const hello = { type: 'hello', protocol: 1, nick: state.nick, token: state.token };
    if (state.password) hello.password = state.password;
    send(hello);
  };
  ws.onmessage = (event) => {
    let frame;
    try {
      frame = JSON.parse(event.data);
    } catch {
      return;
    }
    if (frame && typeof frame.type === 'string' && handlers[frame.type]) handlers[frame.type](frame);
  };
  ws.onclose = (event) => onClosed(event.code);
}

function send(frame) {
  if (state.ws && state.ws.readyState === WebSocket.OPEN) {
    state.ws.send(JSON.stringify(frame));
    return true;
  }
  return false;
}

function onClosed(code) {
  const wasConnected = state.connected;
  state.connected = false;
  state.ws = null;
  for (const c of state.convs.values()) c.joined = false;
  if (code === 4001) { // wrong password: back to the start screen, nothing retried
    showStart('That password was not right.', true);
    return;
  }
  if (!state.everConnected && !wasConnected && code !== 1001 && code !== 1013) {
    showStart('Cannot reach the chat server. Retrying…');
  }
  scheduleReconnect();
  render();
}

function scheduleReconnect() {
  const delay = Math.round(state.backoffMs * (0.75 + Math.random() * 0.5));
  state.backoffMs = Math.min(state.backoffMs * 2, MaxBackoffMs);
  const due = Date.now() + delay;
  const tick = () => {
    const left = Math.max(0, Math.ceil((due - Date.now()) / 1000));
    const waiting = state.outbox.length;
    banner(`Connection lost. Reconnecting${left ? ` in ${left} s` : ''}…` +
           (waiting ? ` ${waiting} ${waiting === 1 ? 'message' : 'messages'} waiting to be sent.` : ''));
  };
  tick();
  clearInterval(state.countdownTimer);
  state.countdownTimer = setInterval(tick, 1000);
  state.reconnectTimer = setTimeout(() => {
    clearInterval(state.countdownTimer);
    connect();
  }, delay);
}

function banner(text) {
  $('banner').textContent = text;
  $('banner').hidden = !text;
}

// ---- frames from the server -------------------------------------------------------------------

const handlers = {
  welcome(f) {
    state.connected = true;
    state.everConnected = true;
    state.backoffMs = 500;
    state.user = f.user;
    state.nick = f.user.nick;
    store.setItem('confab.nick', state.nick);
    clearInterval(state.countdownTimer);
    banner('');
    $('server-name').textContent = (f.server && f.server.name) || 'Confab';
    showChat();
    // Resume every room where it stopped, then resend what waits (same ids: never twice).
    const rooms = state.convs.size ? [...state.convs.values()].filter((c) => !c.direct).map((c) => c.key)
                                   : savedRooms();
    for (const room of rooms) joinRoom(room, false);
    for (const item of state.outbox) send(item.frame);
    if (!state.current) switchTo(rooms.includes(DefaultRoom) ? DefaultRoom : rooms[0]);
    render();
  },

  joined(f) {
    const c = conv(f.room);
    if (c.epoch && c.epoch !== f.epoch) { // the history was wiped: drop the cache
      c.messages = [];
      c.reachedStart = false;
    }
    c.epoch = f.epoch;
    c.joined = true;
    c.topic = f.topic || '';
    c.lastSeq = f.seq;
    c.read = Math.max(c.read, f.read || 0);
    c.members = new Map((f.members || []).map((u) => [u.id, u]));
    const history = f.history || [];
    if (c.sinceSent !== undefined && history.length && history[0].seq > c.sinceSent + 1) {
      // More was missed than a resume brings: what is cached has a gap after it. Start afresh
      // from the newest page (paging back fills the rest).
      c.messages = c.messages.filter((m) => m.pendingId);
      c.reachedStart = false;
    }
    for (const m of history) addMessage(c, m);
    if (!f.history || !f.history.length || f.history[0].seq === 1) c.reachedStart = c.messages.length === 0 || c.messages[0].seq === 1;
    recount(c);
    saveRooms();
    render({ keepBottom: true });
  },

  left(f) {
    state.convs.delete(f.room);
    saveRooms();
    if (state.current === f.room) switchTo(state.convs.keys().next().value || DefaultRoom);
    render();
  },

  message(f) {
    const key = f.to !== undefined ? directKey(f) : f.room;
    const c = conv(key);
    if (c.direct) c.title = otherNick(f);
    if (f.re) takeFromOutbox(f.re);
    addMessage(c, f);
    if (f.from) c.typing.delete(f.from.id);
    const mine = state.user && f.from && f.from.id === state.user.id;
    if (!mine) {
      const mentioned = mentions(f.text);
      if (key !== state.current || document.hidden) {
        if (!c.direct && f.seq > c.read) c.unread += 1;
        if (c.direct && key !== state.current) c.unread += 1;
        if (mentioned) c.mentions += 1;
      }
      if ((mentioned || c.direct) && document.hidden) notify(c, f);
    }
    if (key === state.current && !document.hidden && !c.direct) markRead(c);
    render({ keepBottom: key === state.current });
  },

  history(f) {
    const c = conv(f.room);
    c.loadingOlder = false;
    const before = $('messages').scrollHeight;
    const top = $('messages').scrollTop;
    for (const m of f.messages || []) addMessage(c, m);
    if (!f.messages || f.messages.length === 0 || f.messages[0].seq === 1) c.reachedStart = true;
    render({ keepBottom: false });
    if (c.key === state.current) { // keep the view where it was
      $('messages').scrollTop = top + ($('messages').scrollHeight - before);
    }
  },

  presence(f) {
    const c = state.convs.get(f.room);
    if (!c) return;
    if (f.event === 'join' || f.event === 'nick') c.members.set(f.user.id, f.user);
    if (f.event === 'leave') {
      c.members.delete(f.user.id);
      c.typing.delete(f.user.id);
    }
    if (f.event === 'nick') renameDirect(f.user);
    render();
  },

  typing(f) {
    const c = state.convs.get(f.room);
    if (!c) return;
    c.typing.set(f.user.id, { nick: f.user.nick, until: Date.now() + TypingShownMs });
    renderTyping();
    setTimeout(renderTyping, TypingShownMs + 50);
  },

  topic(f) {
    const c = state.convs.get(f.room);
    if (!c) return;
    c.topic = f.topic;
    addNotice(c, `${f.by.nick} ${f.topic ? `set the topic: ${f.topic}` : 'cleared the topic'}`, f.ts);
    render({ keepBottom: true });
  },

  read(f) {
    const c = state.convs.get(f.room);
    if (!c) return;
    c.read = Math.max(c.read, f.seq);
    recount(c);
    render();
  },

  nick(f) {
    state.user = f.user;
    state.nick = f.user.nick;
    store.setItem('confab.nick', state.nick);
    render();
  },

  rooms(f) {
    const list = $('directory');
    list.replaceChildren();
    for (const r of f.rooms || []) {
      const li = document.createElement('li');
      const b = button('', () => { joinRoom(r.room, true); list.hidden = true; });
      b.append(span('name', '#' + r.room), span('count', `${r.members}`));
      if (r.topic) b.title = r.topic;
      li.append(b);
      list.append(li);
    }
    list.hidden = false;
  },

  search(f) {
    const list = $('search-list');
    list.replaceChildren();
    $('search-summary').textContent = `${(f.messages || []).length} found for “${f.q}”`;
    for (const m of f.messages || []) {
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
  },

  error(f) {
    if (f.code === 'auth_failed') {
      state.password = '';
      showStart(f.message || 'Wrong or missing password.', true);
      return;
    }
    if (f.code === 'bad_nick' && !state.connected) {
      showStart(f.message || 'That nick cannot be used.');
      return;
    }
    if (f.re) {
      const item = state.outbox.find((o) => o.id === f.re);
      if (item && f.code !== 'rate_limited' && f.code !== 'unavailable') {
        takeFromOutbox(f.re); // refused for good: say so where the message was
        const c = state.convs.get(item.key);
        if (c) {
          c.messages = c.messages.filter((m) => m.pendingId !== f.re);
          addNotice(c, `Not sent: ${f.message || f.code}`, Date.now());
        }
      } else if (item) {
        setTimeout(() => send(item.frame), f.retry_ms || 1000);
      }
    }
    if (f.code === 'no_such_user' || f.code === 'bad_room' || f.code === 'too_long') {
      const c = state.convs.get(state.current);
      if (c) addNotice(c, f.message || f.code, Date.now());
    }
    render({ keepBottom: true });
  },
};

function directKey(f) {
  const other = state.user && f.from.id === state.user.id ? f.to : f.from.id;
  return '@' + other;
}

function otherNick(f) {
  if (state.user && f.from.id === state.user.id) {
    const c = state.convs.get('@' + f.to);
    return c ? c.title : f.to;
  }
  return f.from.nick;
}

function renameDirect(user) {
  const c = state.convs.get('@' + user.id);
  if (c) c.title = user.nick;
}

function addMessage(c, m) {
  if (c.direct) {
    if (c.messages.some((x) => x.id === m.id)) return;
    c.messages.push(m);
    return;
  }
  if (m.seq && c.messages.some((x) => x.seq === m.seq)) return; // a resume may repeat: keep one
  c.lastSeq = Math.max(c.lastSeq, m.seq || 0);
  let i = c.messages.length;
  while (i > 0 && (c.messages[i - 1].seq || Infinity) > m.seq) i--;
  c.messages.splice(i, 0, m);
}

function addNotice(c, text, ts) {
  c.messages.push({ notice: text, ts, seq: c.lastSeq + 0.5 });
}

function recount(c) {
  if (c.direct) return;
  c.unread = c.messages.filter((m) => m.seq > c.read && !m.notice && !(state.user && m.from && m.from.id === state.user.id)).length;
  if (c.lastSeq > c.read && c.unread === 0 && c.messages.length === 0) c.unread = c.lastSeq - c.read;
}

function markRead(c) {
  if (c.direct) { // direct messages have no read position on the server: only the count here
    c.unread = 0;
    c.mentions = 0;
    return;
  }
  if (!c.joined) return;
  if (c.lastSeq > c.read) {
    c.read = c.lastSeq;
    send({ type: 'read', room: c.key, seq: c.lastSeq });
  }
  c.unread = 0;
  c.mentions = 0;
}

function mentions(text) {
  if (!state.nick || typeof text !== 'string') return false;
  const escaped = state.nick.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`(^|[^\\p{L}\\p{N}_])@?${escaped}($|[^\\p{L}\\p{N}_])`, 'iu').test(text);
}

function takeFromOutbox(id) {
  const before = state.outbox.length;
  state.outbox = state.outbox.filter((o) => o.id !== id);
  if (state.outbox.length !== before) saveOutbox();
  for (const c of state.convs.values()) c.messages = c.messages.filter((m) => m.pendingId !== id);
}

// ---- actions ------------------------------------------------------------------------------------

function joinRoom(name, select) {
  const c = conv(name);
  const frame = { type: 'join', room: name, id: 'j-' + ++state.nextId };
  c.sinceSent = c.messages.some((m) => m.seq && m.seq !== Infinity) && c.epoch ? c.lastSeq : undefined;
  if (c.sinceSent !== undefined) frame.since = c.sinceSent;
  send(frame);
  if (select) switchTo(name);
}

function sendText(text) {
  const c = state.convs.get(state.current);
  if (!c || !text.trim()) return;
  if (text.startsWith('/nick ')) {
    send({ type: 'nick', nick: text.slice(6).trim(), id: 'n-' + ++state.nextId });
    return;
  }
  if (text.startsWith('/topic ') && !c.direct) {
    send({ type: 'topic', room: c.key, topic: text.slice(7).trim(), id: 't-' + ++state.nextId });
    return;
  }
  const id = newId();
  const frame = c.direct ? { type: 'send', to: c.key.slice(1), text, id }
                         : { type: 'send', room: c.key, text, id };
  state.outbox.push({ id, key: c.key, frame });
  saveOutbox();
  c.messages.push({ pendingId: id, from: state.user || { id: '', nick: state.nick }, text, ts: Date.now(),
                    seq: Infinity });
  send(frame);
  render({ keepBottom: true, forceBottom: true });
}

function switchTo(key) {
  if (!key) return;
  state.current = key;
  const c = conv(key);
  $('chat').classList.remove('show-rooms');
  markRead(c);
  render({ keepBottom: true, forceBottom: true });
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

function openAt(m) {
  $('search-results').hidden = true;
  if (!state.convs.has(m.room)) joinRoom(m.room, false);
  const c = conv(m.room);
  addMessage(c, m);
  switchTo(m.room);
  const el = document.querySelector(`[data-seq="${m.seq}"]`);
  if (el) {
    el.scrollIntoView({ block: 'center' });
    el.classList.add('highlight');
    setTimeout(() => el.classList.remove('highlight'), 2500);
  }
}

function loadOlder() {
  const c = state.convs.get(state.current);
  if (!c || c.direct || c.loadingOlder || c.reachedStart || !c.joined) return;
  const first = c.messages.find((m) => m.seq && m.seq !== Infinity && !m.notice);
  if (!first) return;
  if (first.seq <= 1) {
    c.reachedStart = true;
    return;
  }
  c.loadingOlder = true;
  send({ type: 'history', room: c.key, before: first.seq, limit: PageSize, id: 'h-' + ++state.nextId });
}

function notify(c, m) {
  if (!('Notification' in window) || Notification.permission !== 'granted') return;
  const n = new Notification(c.direct ? `${m.from.nick} (direct)` : `${m.from.nick} in #${c.key}`,
                             { body: m.text.slice(0, 200), tag: c.key });
  n.onclick = () => { window.focus(); switchTo(c.key); };
}

// ---- rendering ------------------------------------------------------------------------------------

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

const urlPattern = /\b(https?:\/\/[^\s<>"']+[^\s<>"'.,;:!?)\]}])/g;

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

function render(options = {}) {
  renderLists();
  renderHeader();
  renderMessages(options);
  renderTyping();
  // A short history does not fill the view, so no scroll would ever ask for more.
  const box = $('messages');
  if (box.scrollHeight <= box.clientHeight + 80) loadOlder();
  const unread = [...state.convs.values()].reduce((n, c) => n + c.unread, 0);
  document.title = (unread ? `(${unread}) ` : '') + 'Confab';
  $('me').textContent = state.nick;
}

function renderLists() {
  const rooms = $('room-list');
  const dms = $('dm-list');
  rooms.replaceChildren();
  dms.replaceChildren();
  const sorted = [...state.convs.values()].sort((a, b) => a.title.localeCompare(b.title));
  for (const c of sorted) {
    const li = document.createElement('li');
    const b = button('', () => switchTo(c.key));
    b.dataset.key = c.key;
    if (c.key === state.current) b.classList.add('current');
    b.append(span('name', c.direct ? c.title : '#' + c.key));
    if (c.unread && c.key !== state.current) b.append(span(c.mentions ? 'badge mention' : 'badge', `${c.unread}`));
    li.append(b);
    (c.direct ? dms : rooms).append(li);
  }
}

function renderHeader() {
  const c = state.convs.get(state.current);
  $('room-title').textContent = !c ? '' : c.direct ? c.title : '#' + c.key;
  $('topic').textContent = c && !c.direct ? (c.topic || 'Set a topic') : '';
  $('topic').hidden = !c || c.direct;
  const members = c ? [...c.members.values()] : [];
  $('member-count').textContent = c && !c.direct ? `${members.length}` : '';
  const list = $('member-list');
  list.replaceChildren();
  for (const u of members.sort((a, b) => a.nick.localeCompare(b.nick))) {
    const li = document.createElement('li');
    const b = button('', () => { $('chat').classList.remove('show-members'); openDirect(u); });
    const dot = span('avatar-dot', '●');
    dot.style.color = colorOf(u.id);
    b.append(dot, span('name', u.nick + (state.user && u.id === state.user.id ? ' (you)' : '')));
    b.title = state.user && u.id === state.user.id ? 'You' : `Message ${u.nick} directly`;
    li.append(b);
    list.append(li);
  }
  $('message-input').placeholder = c ? (c.direct ? `Message ${c.title}` : `Message #${c.key}`) : 'Message';
}

function renderMessages({ keepBottom = false, forceBottom = false } = {}) {
  const box = $('messages');
  const atBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 40;
  const c = state.convs.get(state.current);
  box.replaceChildren();
  if (!c) return;
  if (!c.direct) {
    const top = document.createElement('div');
    top.className = 'older';
    top.textContent = c.reachedStart ? `This is the beginning of #${c.key}.` : c.loadingOlder ? 'Loading older messages…' : '';
    box.append(top);
  }
  let prev = null;
  let lastDay = '';
  for (const m of c.messages) {
    const day = dayOf(m.ts);
    if (day !== lastDay) {
      const d = document.createElement('div');
      d.className = 'day';
      d.textContent = day;
      box.append(d);
      lastDay = day;
      prev = null;
    }
    if (m.notice) {
      const n = document.createElement('div');
      n.className = 'notice';
      n.textContent = m.notice;
      box.append(n);
      prev = null;
      continue;
    }
    const grouped = prev && prev.from && m.from && prev.from.id === m.from.id && m.ts - prev.ts < 5 * 60000;
    const row = document.createElement('div');
    row.className = 'msg' + (grouped ? '' : ' first') + (m.pendingId ? ' pending' : '');
    if (m.seq && m.seq !== Infinity) row.dataset.seq = m.seq;
    const mine = state.user && m.from && m.from.id === state.user.id;
    if (!mine && mentions(m.text)) row.classList.add('mention');
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
    const text = document.createElement('div');
    text.className = 'text';
    appendLinkified(text, m.text);
    row.append(text);
    if (m.pendingId) row.append(span('state', 'sending…'));
    box.append(row);
    prev = m;
  }
  if (forceBottom || (keepBottom && atBottom) || (keepBottom && box.dataset.key !== c.key)) {
    box.scrollTop = box.scrollHeight;
  }
  box.dataset.key = c.key;
}

function renderTyping() {
  const c = state.convs.get(state.current);
  const now = Date.now();
  const names = c ? [...c.typing.values()].filter((t) => t.until > now).map((t) => t.nick) : [];
  $('typing').textContent = names.length === 0 ? '' : names.length === 1 ? `${names[0]} is typing…`
                                                   : `${names.slice(0, 3).join(', ')} are typing…`;
}

function showStart(error, askPassword = false) {
  $('chat').hidden = true;
  $('start').hidden = false;
  $('start-error').textContent = error || '';
  $('start-error').hidden = !error;
  if (askPassword) $('password-row').hidden = false;
  $('start-button').disabled = false;
  $('nick').value = state.nick;
  (askPassword ? $('password') : $('nick')).focus();
}

function showChat() {
  $('start').hidden = true;
  $('chat').hidden = false;
}

// ---- wiring -------------------------------------------------------------------------------------

function start(nick) {
  state.nick = nick;
  store.setItem('confab.nick', nick);
  $('start-button').disabled = true;
  $('start-error').hidden = true;
  state.backoffMs = 500;
  if (state.ws) state.ws.close();
  connect();
}

$('start-form').addEventListener('submit', (e) => {
  e.preventDefault();
  const nick = $('nick').value.trim();
  if (!nick) return;
  state.password = $('password').value;
  start(nick);
});

$('composer').addEventListener('submit', (e) => {
  e.preventDefault();
  const input = $('message-input');
  sendText(input.value);
  input.value = '';
  input.style.height = '';
});

$('message-input').addEventListener('keydown', (e) => {
  if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
    e.preventDefault();
    $('composer').requestSubmit();
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
  send({ type: 'rooms', id: 'r-' + ++state.nextId });
});

$('search-form').addEventListener('submit', (e) => {
  e.preventDefault();
  const q = $('search-input').value.trim();
  if (q) send({ type: 'search', q, limit: 50, id: 's-' + ++state.nextId });
});

$('search-close').addEventListener('click', () => { $('search-results').hidden = true; });

$('topic').addEventListener('click', () => {
  const c = state.convs.get(state.current);
  if (!c || c.direct) return;
  const topic = window.prompt(`Topic of #${c.key}`, c.topic);
  if (topic !== null) send({ type: 'topic', room: c.key, topic, id: 't-' + ++state.nextId });
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

$('messages').addEventListener('scroll', () => {
  if ($('messages').scrollTop < 80) loadOlder();
});

document.addEventListener('keydown', (e) => {
  if (e.key === 'Escape') {
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
  if (!document.hidden) {
    const c = state.convs.get(state.current);
    if (c) markRead(c);
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

// ?nick=NAME starts at once with that nick (and joins general).
const nickParam = new URLSearchParams(location.search).get('nick');
if (nickParam && nickParam.trim()) {
  start(nickParam.trim().slice(0, 32));
} else if (state.nick && store.getItem('confab.rooms')) {
  start(state.nick); // a returning browser goes straight back in
} else {
  showStart('');
}
