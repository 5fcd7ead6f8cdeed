// The connection to the server: one WebSocket, hello with the browser's token, every frame to
// its handler (chat.js), and after a loss a reconnect with backoff (0.5 s doubling to 10 s,
// with jitter) that says so in the banner.

import { handlers, state, ui } from './chat.js';

const MaxBackoffMs = 10000;

export function connect() {
  clearTimeout(state.reconnectTimer);
  const ws = new WebSocket(state.url);
  state.ws = ws;
  ws.onopen = () => {
    const hello = { type: 'hello', protocol: 1, nick: state.nick, token: state.token };
    if (state.password) hello.password = state.password;
    if (state.opPassword) hello.op_password = state.opPassword;
    send(hello);
  };
  ws.onmessage = (event) => {
    if (state.ws !== ws) return; // a connection given up on (a new hello replaced it)
    let frame;
    try {
      frame = JSON.parse(event.data);
    } catch {
      return;
    }
    if (frame && typeof frame.type === 'string' && handlers[frame.type]) handlers[frame.type](frame);
  };
  ws.onclose = (event) => {
    if (state.ws === ws) onClosed(event.code);
  };
}

// Closes the connection and opens another at once, to say hello with what changed.
export function sayHelloAgain() {
  const old = state.ws;
  state.ws = null;
  state.connected = false;
  if (old) old.close();
  connect();
}

export function send(frame) {
  if (state.ws && state.ws.readyState === WebSocket.OPEN) {
    state.ws.send(JSON.stringify(frame));
    return true;
  }
  return false;
}

export function onClosed(code) {
  const wasConnected = state.connected;
  state.connected = false;
  state.ws = null;
  for (const c of state.convs.values()) c.joined = false;
  if (code === 4001 && state.opRetry) { // a wrong operator password, given in the chat
    state.refused = false;
    connect();
    return;
  }
  if (code === 4001) { // wrong password: back to the start screen, nothing retried
    if (!state.refused) { // (the auth_failed before the close has said why already)
      const op = Boolean(state.opPassword);
      state.opPassword = '';
      ui.showStart(op ? 'That operator password was not right.' : 'That password was not right.', !op, op);
    }
    state.refused = false;
    return;
  }
  if (code === 4004 || state.banned) { // banned: say until when and why, and do not knock again
    ui.showBanned();
    return;
  }
  if (!state.everConnected && !wasConnected && code !== 1001 && code !== 1013) {
    ui.showStart('Cannot reach the chat server. Retrying…');
  }
  scheduleReconnect();
  ui.render();
}

export function scheduleReconnect() {
  const delay = Math.round(state.backoffMs * (0.75 + Math.random() * 0.5));
  state.backoffMs = Math.min(state.backoffMs * 2, MaxBackoffMs);
  const due = Date.now() + delay;
  const tick = () => {
    const left = Math.max(0, Math.ceil((due - Date.now()) / 1000));
    const waiting = state.outbox.length;
    ui.banner(`Connection lost. Reconnecting${left ? ` in ${left} s` : ''}…` +
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


