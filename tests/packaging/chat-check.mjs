// A two-person chat through real servers, for the shell-driven packaging tests: alice on the
// first URL, bob on the second (the same URL twice for one server), both in one room; each sends
// once and must get the other's message with its id, and the presence of the other.
//   node chat-check.mjs ws://127.0.0.1:7301/ws ws://127.0.0.1:7302/ws
// Node's own WebSocket (node 22, or 20 with --experimental-websocket), else the `ws` package that
// tests/web installs. Exits 0 and prints one line per step, or 1 with what was missing.
import { createRequire } from 'node:module';

const [urlA, urlB] = process.argv.slice(2);
if (!urlA || !urlB) {
  console.error('usage: chat-check.mjs URL_A URL_B');
  process.exit(2);
}

let WS = globalThis.WebSocket;
if (!WS) {
  const require = createRequire(new URL('../web/package.json', import.meta.url));
  WS = require('ws');
}

let step = 'connecting';
const deadline = setTimeout(() => fail(`timed out ${step}`), 15000);
function fail(why) {
  console.error(`chat-check: FAILED: ${why}`);
  process.exit(1);
}

// One client: a queue of frames and a way to wait for one of a type that matches.
function connect(url, nick) {
  return new Promise((resolve, reject) => {
    const socket = new WS(url);
    const frames = [];
    const waiters = [];
    const deliver = () => {
      for (let i = 0; i < waiters.length; ++i) {
        const w = waiters[i];
        const at = frames.findIndex(f => f.type === w.type && w.match(f));
        if (at >= 0) {
          waiters.splice(i--, 1);
          w.resolve(frames.splice(at, 1)[0]);
        }
      }
    };
    const client = {
      nick,
      send: frame => socket.send(JSON.stringify(frame)),
      take: (type, match = () => true) => new Promise(res => {
        waiters.push({ type, match, resolve: res });
        deliver();
      }),
      close: () => socket.close(1000),
    };
    socket.addEventListener('message', event => {
      const frame = JSON.parse(String(event.data));
      if (frame.type === 'error') fail(`${nick} got an error: ${String(event.data)}`);
      frames.push(frame);
      deliver();
    });
    socket.addEventListener('open', () => resolve(client));
    socket.addEventListener('error', () => reject(new Error(`${nick}: cannot connect to ${url}`)));
    socket.addEventListener('close', event => {
      if (event.code !== 1000 && event.code !== 1005) fail(`${nick}: closed with ${event.code}`);
    });
  });
}

async function enter(url, nick, room) {
  const client = await connect(url, nick);
  client.send({ type: 'hello', protocol: 1, nick });
  const welcome = await client.take('welcome');
  if (welcome.user?.nick !== nick) fail(`${nick}: welcome for ${JSON.stringify(welcome.user)}`);
  client.send({ type: 'join', room });
  await client.take('joined', f => f.room === room);
  console.log(`chat-check: ${nick} joined #${room} on ${url} (server ${welcome.server?.version})`);
  return client;
}

async function says(from, to, room, text, id) {
  step = `waiting for ${from.nick}'s message on ${to.nick}'s connection`;
  from.send({ type: 'send', room, text, id });
  const got = await to.take('message', f => f.text === text);
  if (got.room !== room || !(got.seq > 0) || !got.id)
    fail(`${to.nick} got ${JSON.stringify(got)}`);
  const echo = await from.take('message', f => f.text === text);
  if (echo.seq !== got.seq || echo.id !== got.id)
    fail(`${from.nick}'s own copy ${JSON.stringify(echo)} differs from ${JSON.stringify(got)}`);
  console.log(`chat-check: ${to.nick} got ${from.nick}'s message (seq ${got.seq})`);
}

try {
  const room = `check${process.pid}`;
  const alice = await enter(urlA, 'alice', room);
  const bob = await enter(urlB, 'bob', room);
  step = "waiting for bob's presence on alice's connection";
  await alice.take('presence', f => f.room === room && f.user?.nick === 'bob');
  console.log('chat-check: alice saw bob come in');
  await says(alice, bob, room, 'hello from alice', 'a1');
  await says(bob, alice, room, 'hello from bob', 'b1');
  alice.close();
  bob.close();
  clearTimeout(deadline);
  console.log('chat-check: ok');
} catch (error) {
  fail(error.message);
}
