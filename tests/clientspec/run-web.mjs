// Runs every case of cases.json against the web client's state module (web/chat.js, as the
// browser loads it, with the ws package's WebSocket), a real confab-server and protocol bots.
// Each case runs in a process of its own (the module's state is the page's: one per case).
// With CONFAB_TEST_STORAGE=cluster, against two servers sharing a real redis-server.
//   node tests/clientspec/run-web.mjs CONFAB_SERVER_BINARY [CASE_NAME_PART]
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket from '../web/node_modules/ws/wrapper.mjs';
import { startConfabServer, startConfabCluster } from '../web/confabserver.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const cases = JSON.parse(readFileSync(join(here, 'cases.json'), 'utf8'));
const [serverBin, second] = process.argv.slice(2);
if (!serverBin) {
  console.error('usage: node run-web.mjs CONFAB_SERVER_BINARY [CASE_NAME_PART]');
  process.exit(2);
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

if (second !== '--case') { // the parent: one child per case
  let failed = 0;
  // The numbers both clients use.
  globalThis.WebSocket = WebSocket;
  const chat = await import('../../web/chat.js');
  const constants = JSON.parse(readFileSync(join(here, 'constants.json'), 'utf8'));
  const ours = { banDurationsMinutes: chat.BanDurations.map(([m]) => Number(m)), typingShownMs: chat.TypingShownMs,
                 readIntervalMs: chat.ReadIntervalMs };
  const same = JSON.stringify(ours) === JSON.stringify(constants);
  if (!same) failed++;
  console.log(`${same ? 'ok  ' : 'FAIL'} the web client's numbers are constants.json's${same ? '' : `: ${JSON.stringify(ours)}`}`);
  for (const [i, c] of cases.entries()) {
    if (second && !c.name.includes(second)) continue;
    const r = spawnSync(process.execPath, [fileURLToPath(import.meta.url), serverBin, '--case', String(i)],
                        { encoding: 'utf8', timeout: 60000 });
    const ok = r.status === 0;
    if (!ok) failed++;
    console.log(`${ok ? 'ok  ' : 'FAIL'} ${c.name}`);
    if (!ok) console.log((r.stdout + r.stderr).split('\n').map((l) => '     ' + l).join('\n'));
  }
  console.log(failed ? `${failed} of the client rules failed in the web client` : 'every client rule holds in the web client');
  process.exit(failed ? 1 : 0);
}

// ---- one case -------------------------------------------------------------------------------------
const spec = cases[Number(process.argv[4])];
globalThis.WebSocket = WebSocket;
const chat = await import('../../web/chat.js');
const { connect } = await import('../../web/connection.js');
const { reactionCount } = await import('../../web/events.js');
const { state, ui } = chat;

// CONFAB_TEST_STORAGE=cluster: two servers sharing a real redis-server, carol on the first and
// the bots taking them in turn from the second (as tst_clientspec_cluster spreads the app's).
const cluster = process.env.CONFAB_TEST_STORAGE === 'cluster';
const limits = ['--rate', '1000', '--burst', '1000'];
const server = cluster ? await startConfabCluster(serverBin, limits) : await startConfabServer(serverBin, limits);
const ports = cluster ? server.ports : [server.port];
let turn = 0;
const nextPort = () => ports[turn++ % ports.length];
const port = nextPort(); // carol's
const finish = (code) => {
  server.stop();
  process.exit(code);
};

// ---- bots -------------------------------------------------------------------------------------------
const bots = new Map();
async function bot(nick) {
  if (bots.has(nick)) return bots.get(nick);
  const ws = new WebSocket(`ws://127.0.0.1:${nextPort()}/ws`);
  const b = { ws, frames: [], waiters: [], next: 0 };
  ws.on('message', (data) => {
    const f = JSON.parse(data.toString());
    b.frames.push(f);
    b.waiters = b.waiters.filter((w) => !(w.pred(f) && (w.resolve(f), true)));
  });
  b.wait = (pred, ms = 5000) => {
    const found = b.frames.find(pred);
    if (found) return Promise.resolve(found);
    return new Promise((resolve) => {
      b.waiters.push({ pred, resolve });
      setTimeout(() => resolve(null), ms);
    });
  };
  await new Promise((r, j) => { ws.once('open', r); ws.once('error', j); });
  ws.send(JSON.stringify({ type: 'hello', protocol: 1, nick }));
  await b.wait((f) => f.type === 'welcome');
  ws.send(JSON.stringify({ type: 'join', room: 'general', id: 'j0' }));
  await b.wait((f) => f.type === 'joined');
  bots.set(nick, b);
  return b;
}

// "$seq:TEXT" -> the seq of the room message with that text (as any bot saw it).
function resolve(value) {
  if (typeof value === 'string' && value.startsWith('$seq:')) {
    const text = value.slice(5);
    for (const b of bots.values()) {
      const m = b.frames.find((f) => f.type === 'message' && f.room && f.text === text);
      if (m) return m.seq;
    }
    throw new Error(`no message "${text}" seen`);
  }
  if (Array.isArray(value)) return value.map(resolve);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolve(v)]));
  return value;
}

// ---- what the client shows, in the case's terms ---------------------------------------------------
function shown(expect) {
  const c = state.convs.get(expect.in || expect.room);
  const got = {};
  if ('unread' in expect) got.unread = c ? c.unread : undefined;
  if ('mentions' in expect) got.mentions = c ? c.mentions : undefined;
  if ('messages' in expect) {
    const list = c ? c.messages.filter((m) => !m.notice) : [];
    got.messages = list.slice(-expect.messages.length).map((m) => {
      const target = m.reply_to > 0 ? c.messages.find((x) => x.seq === m.reply_to && !x.notice) : null;
      return {
        text: m.text, from: m.from && m.from.nick, edited: Boolean(m.edited_ts), deleted: Boolean(m.deleted),
        mentionsMe: !chat.isMine(m) && !m.deleted && chat.mentions(m.text),
        reactions: Object.fromEntries(Object.keys(m.reactions || {}).map((e) => [e, reactionCount(m, e)]).filter(([, n]) => n > 0)),
        links: chat.linksIn(m.text),
        replyTo: target ? { from: target.from.nick, text: target.deleted ? '' : target.text } : null,
      };
    });
  }
  if ('members' in expect) got.members = c ? [...c.members.values()].map((u) => u.nick).sort() : [];
  if ('typing' in expect) got.typing = chat.typingNames(c);
  if ('newLine' in expect) {
    const seq = c ? chat.newLineSeq(c) : null;
    got.newLine = seq === null ? null : c.messages.find((m) => m.seq === seq && !m.notice).text;
  }
  return got;
}

// Every field the case names, compared; objects in the case are subsets of what is shown.
function matches(want, have) {
  if (want && typeof want === 'object' && !Array.isArray(want)) {
    if (!have || typeof have !== 'object') return false;
    return Object.entries(want).every(([k, v]) => k === 'in' || k === 'room' || matches(v, have[k]));
  }
  if (Array.isArray(want)) return Array.isArray(have) && want.length === have.length && want.every((v, i) => matches(v, have[i]));
  return want === have;
}
// reactions compare whole (a count gone must be gone)
function exactReactions(want, have) {
  for (const [i, m] of (want.messages || []).entries()) {
    if (m.reactions && JSON.stringify(Object.entries(m.reactions).sort()) !== JSON.stringify(Object.entries(have.messages[i].reactions).sort())) return false;
  }
  return true;
}

// ---- the run --------------------------------------------------------------------------------------
state.url = `ws://127.0.0.1:${port}/ws`;
state.nick = 'carol';
connect();
for (let i = 0; i < 100 && !(state.convs.get('general') && state.convs.get('general').joined); i++) await sleep(50);
if (!state.current) chat.selectConversation('general');

try {
  for (const step of spec.steps) {
    if (step.bot) {
      const b = await bot(step.bot);
      const id = `${step.bot}-${++b.next}`;
      b.ws.send(JSON.stringify({ ...resolve(step.frame), id }));
      if (step.frame.type !== 'typing') await b.wait((f) => f.re === id, 2000); // typing is never answered
    } else if (step.user === 'open') {
      chat.selectConversation(step.room);
    } else if (step.user === 'join') {
      chat.joinRoom(step.room, false);
      for (let i = 0; i < 100 && !(state.convs.get(step.room) && state.convs.get(step.room).joined); i++) await sleep(20);
    } else if (step.user === 'away') {
      state.away = true;
    } else if (step.user === 'back') {
      state.away = false;
      const c = state.convs.get(state.current);
      if (c) chat.markRead(c, true);
    } else if (step.user === 'send') {
      chat.sendText(step.text);
    } else if (step.wait_ms) {
      await sleep(step.wait_ms);
    } else if (step.expect) {
      const until = Date.now() + (step.at_once ? 0 : 3000);
      let have;
      for (;;) {
        have = shown(step.expect);
        if (matches(step.expect, have) && exactReactions(step.expect, have)) break;
        if (Date.now() >= until) throw new Error(`expected ${JSON.stringify(step.expect)}\n  shown   ${JSON.stringify(have)}`);
        await sleep(25);
      }
    } else {
      throw new Error(`unknown step ${JSON.stringify(step)}`);
    }
  }
} catch (e) {
  console.log(e.message);
  finish(1);
}
finish(0);
