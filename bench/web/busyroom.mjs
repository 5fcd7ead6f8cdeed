// The web client in a busy room (issue 21): Debian's chromium, headless, against a real
// confab-server. A room is given HISTORY messages; the page scrolls back through all of them
// (the cost of each page of 50 is recorded), then a bot sends RATE messages a second for SECONDS
// while the page shows the room. Measured in the page: how busy the main thread was (Chrome's
// own task time), the long tasks (over 50 ms), how long each message took from its frame's
// arrival to the frame that drew it, and whether a selection made in the room survived.
//
//   node bench/web/busyroom.mjs build/server/confab-server
//   HISTORY=5000 RATE=20 SECONDS=30 node bench/web/busyroom.mjs build/server/confab-server
//   WEB_DIR=/tmp/old-web node bench/web/busyroom.mjs ...   the page's files from another tree
//                                                           (git show REV:web/app.js > ...)
//
// Needs chromium and tests/web's packages (scripts/install-deps.sh installs both).
import { chromium } from '../../tests/web/node_modules/playwright-core/index.mjs';
import WebSocket from '../../tests/web/node_modules/ws/wrapper.mjs';
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { startConfabServer } from '../../tests/web/confabserver.mjs';

const serverBin = process.argv[2];
if (!serverBin) {
  console.error('usage: node bench/web/busyroom.mjs CONFAB_SERVER_BINARY');
  process.exit(2);
}
const History = Number(process.env.HISTORY || 5000);
const Rate = Number(process.env.RATE || 20);
const Seconds = Number(process.env.SECONDS || 30);
const WebDir = process.env.WEB_DIR || '';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ---- a server whose rate limit lets the bots seed quickly ----------------------------------------
const server = await startConfabServer(serverBin, ['--rate', '100000', '--burst', '100000']);
const { port } = server;
const done = () => server.stop();

async function bot(nick) {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`);
  await new Promise((r, j) => { ws.once('open', r); ws.once('error', j); });
  const waiters = [];
  ws.on('message', (data) => {
    const f = JSON.parse(data.toString());
    if (f.type === 'error') console.error(`${nick} was refused: ${data}`);
    for (const w of waiters.splice(0)) if (!w(f)) waiters.push(w);
  });
  const wait = (pred) => new Promise((resolve) => waiters.push((f) => (pred(f) ? (resolve(f), true) : false)));
  ws.send(JSON.stringify({ type: 'hello', protocol: 1, nick }));
  await wait((f) => f.type === 'welcome');
  ws.send(JSON.stringify({ type: 'join', room: 'general' }));
  await wait((f) => f.type === 'joined');
  return { ws, wait, send: (f) => ws.send(JSON.stringify(f)) };
}

// ---- the history: HISTORY messages from two authors, some long, in windows of 200 -----------------
const seedStart = Date.now();
const seeders = [await bot('archivist'), await bot('chronicler')];
for (let i = 1; i <= History; i += 200) {
  const last = Math.min(History, i + 199);
  for (let n = i; n <= last; n++) {
    const text = `old message ${n}` + (n % 7 === 0 ? ' with a longer line that wraps: ' + 'words '.repeat(30) : '');
    seeders[n % 10 < 6 ? 0 : 1].send({ type: 'send', room: 'general', text });
  }
  await seeders[0].wait((f) => f.type === 'message' && f.text.startsWith(`old message ${last}`));
}
console.log(`seeded ${History} messages in ${((Date.now() - seedStart) / 1000).toFixed(1)} s`);

// ---- the page ------------------------------------------------------------------------------------
const browser = await chromium.launch({
  executablePath: process.env.CONFAB_CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
         '--disable-component-update', '--disable-sync',
         // a page given from WEB_DIR has no address: it may still reach the server on loopback
         '--disable-features=LocalNetworkAccessChecks'],
});
const context = await browser.newContext({ viewport: { width: 1200, height: 800 } });
if (WebDir) {
  for (const file of ['app.js', 'events.js', 'popups.js', 'app.css', 'index.html']) {
    if (!existsSync(join(WebDir, file))) continue;
    const type = file.endsWith('.js') ? 'text/javascript' : file.endsWith('.css') ? 'text/css' : 'text/html';
    await context.route(file === 'index.html' ? /\/(\?.*)?$/ : `**/${file}`,
                        (route) => route.fulfill({ body: readFileSync(join(WebDir, file)), contentType: type }));
  }
}
// Each frame's arrival, by its text, before the page's own handler sees it.
await context.addInitScript(() => {
  window.__arrived = new Map();
  const Original = window.WebSocket;
  window.WebSocket = class extends Original {
    constructor(...args) {
      super(...args);
      this.addEventListener('message', (e) => {
        const m = /"text":"(live \d+)"/.exec(e.data);
        if (m) window.__arrived.set(m[1], performance.now());
      });
    }
  };
});
const page = await context.newPage();
if (process.env.PROFILE) page.on('console', (m) => console.log('page:', m.text()));
const problems = [];
page.on('pageerror', (e) => problems.push(e.message));
page.on('console', (m) => { if (m.type() === 'error') problems.push(m.text()); });
const cdp = await context.newCDPSession(page);
await cdp.send('Performance.enable');
const taskSeconds = async () => (await cdp.send('Performance.getMetrics')).metrics.find((m) => m.name === 'TaskDuration').value;

await page.goto(`http://127.0.0.1:${port}/?nick=reader`);
await page.waitForSelector('#chat:not([hidden])', { timeout: 15000 }).catch((e) => {
  console.error('the page did not open the chat:', problems.join('\n'));
  done();
  throw e;
});
await page.waitForFunction(() => document.querySelectorAll('#messages .msg').length > 0);

// Scroll back to the beginning: each step's time from the scroll to older rows on the page (a
// step shows rows the page holds, or asks the server for a page of 50).
const pages = [];
for (;;) {
  const t = await page.evaluate(async () => {
    const box = document.getElementById('messages');
    const firstSeq = () => Number(box.querySelector('.msg[data-seq]')?.dataset.seq);
    const before = firstSeq();
    const start = performance.now();
    box.scrollTop = 0;
    box.dispatchEvent(new Event('scroll'));
    while (firstSeq() === before) {
      if (/beginning/.test(box.querySelector('.older')?.textContent || '')) return null;
      if (performance.now() - start > 10000) return null;
      await new Promise((r) => setTimeout(r, 2));
    }
    return performance.now() - start;
  });
  if (t === null) break;
  pages.push(t);
}
const oldest = await page.evaluate(() => Number(document.querySelector('#messages .msg[data-seq]')?.dataset.seq));
console.log(`scrolled back in ${pages.length} steps to message ${oldest}`);

// Back to the bottom, a selection in a message on screen, then the busy room.
await page.evaluate(async (newest) => {
  const box = document.getElementById('messages');
  const lastSeq = () => Number([...box.querySelectorAll('.msg[data-seq]')].at(-1)?.dataset.seq);
  for (let i = 0; i < 1000 && lastSeq() < newest; i++) {
    box.scrollTop = box.scrollHeight;
    await new Promise((r) => setTimeout(r, 20));
  }
  box.scrollTop = box.scrollHeight;
  return lastSeq();
}, History).then((seq) => console.log(`back at the bottom: message ${seq} the last shown`));
await sleep(500);
const selected = await page.evaluate(() => {
  const texts = [...document.querySelectorAll('#messages .msg .text')];
  const el = texts[texts.length - 3];
  const range = document.createRange();
  range.selectNodeContents(el);
  const sel = window.getSelection();
  sel.removeAllRanges();
  sel.addRange(range);
  return sel.toString();
});
await page.evaluate(() => {
  window.__longTasks = [];
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) window.__longTasks.push(e.duration);
  }).observe({ type: 'longtask' });
  // When each live message was first on the page, and the frame after (when it was drawn).
  window.__drawn = new Map();
  const box = document.getElementById('messages');
  new MutationObserver((records) => {
    const now = performance.now();
    const fresh = [];
    for (const r of records) {
      for (const node of r.addedNodes) {
        const text = node.querySelector && node.querySelector('.text');
        const m = text && /^live \d+/.exec(text.textContent);
        if (m && !window.__drawn.has(m[0])) fresh.push(m[0]);
      }
    }
    for (const key of fresh) window.__drawn.set(key, now);
    requestAnimationFrame(() => {
      const painted = performance.now();
      for (const key of fresh) window.__drawn.set(key, painted);
    });
  }).observe(box, { childList: true });
});

const sender = await bot('busybee');
if (process.env.PROFILE) { // PROFILE=1: where the page's time went while the room was busy
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.start');
}
const busyBefore = await taskSeconds();
const wallStart = Date.now();
const total = Rate * Seconds;
let selectionAfter2s = '';
for (let i = 1; i <= total; i++) {
  sender.send({ type: 'send', room: 'general', text: `live ${i}`, id: `b-${i}` });
  if (i === Rate * 2) selectionAfter2s = await page.evaluate(() => window.getSelection().toString());
  const due = wallStart + (i * 1000) / Rate;
  const wait = due - Date.now();
  if (wait > 0) await sleep(wait);
}
await sleep(1000); // the last ones drawn
if (process.env.SHOT) await page.screenshot({ path: process.env.SHOT }); // SHOT=file.png: the room then
const busy = (await taskSeconds()) - busyBefore;
if (process.env.PROFILE) {
  const { profile } = await cdp.send('Profiler.stop');
  const self = new Map();
  const dt = profile.timeDeltas;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  profile.samples.forEach((id, i) => {
    const n = byId.get(id);
    const name = `${n.callFrame.functionName || '(anonymous)'} ${n.callFrame.url.split('/').pop()}:${n.callFrame.lineNumber + 1}`;
    self.set(name, (self.get(name) || 0) + (dt[i] || 0) / 1000);
  });
  for (const [name, ms] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 25)) console.log(`${ms.toFixed(0).padStart(7)} ms  ${name}`);
}
const wall = (Date.now() - wallStart) / 1000;
const result = await page.evaluate(() => {
  const lat = [];
  let missing = 0;
  for (const [key, arrived] of window.__arrived) {
    const drawn = window.__drawn.get(key);
    if (drawn === undefined) missing++;
    else lat.push(drawn - arrived);
  }
  lat.sort((a, b) => a - b);
  console.log('rows on the page at the end:', document.getElementById('messages').children.length);
  return { lat, missing, longTasks: window.__longTasks, selection: window.getSelection().toString() };
});
await browser.close();
done();

const pct = (list, p) => (list.length ? list[Math.min(list.length - 1, Math.floor((p / 100) * list.length))] : NaN);
const median = (list) => pct([...list].sort((a, b) => a - b), 50);
const first10 = pages.slice(0, 10);
const last10 = pages.slice(-10);
if (process.env.PROFILE) console.log('selected:', JSON.stringify(selected.slice(0, 60)), 'after 2 s:', JSON.stringify(selectionAfter2s.slice(0, 60)));
const summary = {
  history: History,
  rate: Rate,
  seconds: Seconds,
  scrollback_steps: pages.length,
  scrolled_back_to: oldest,
  step_ms_first10_median: +median(first10).toFixed(1),
  step_ms_last10_median: +median(last10).toFixed(1),
  step_ms_max: +Math.max(...pages).toFixed(1),
  main_thread_busy_pct: +((100 * busy) / wall).toFixed(1),
  long_tasks: result.longTasks.length,
  longest_task_ms: +(Math.max(0, ...result.longTasks)).toFixed(0),
  messages_measured: result.lat.length,
  messages_not_drawn: result.missing,
  to_screen_ms_p50: +pct(result.lat, 50).toFixed(1),
  to_screen_ms_p95: +pct(result.lat, 95).toFixed(1),
  to_screen_ms_max: +(result.lat.at(-1) ?? NaN).toFixed(1),
  selection_kept: Boolean(selected) && selectionAfter2s === selected,
  page_errors: problems.length,
};
console.log(JSON.stringify(summary));
const goals = [
  [summary.main_thread_busy_pct < 25, 'main thread under 25 % busy'],
  [summary.longest_task_ms <= 50, 'no long task over 50 ms'],
  [summary.to_screen_ms_max <= 100 && summary.messages_not_drawn === 0, 'every message on screen within 100 ms'],
  [oldest === 1 && summary.step_ms_last10_median <= 2 * summary.step_ms_first10_median + 10,
   'scroll-back to the first message at a steady cost per page'],
  [summary.selection_kept, 'a selection survives new messages (2 s of them)'],
];
for (const [ok, what] of goals) console.log(`${ok ? 'met    ' : 'NOT MET'} ${what}`);
// SMOKE=1 (CTest's bench_web_smoke): correctness only, never speed: everything drawn, the whole
// history reached, nothing thrown in the page.
if (process.env.SMOKE) {
  const ok = summary.messages_not_drawn === 0 && summary.messages_measured === Rate * Seconds &&
             oldest === 1 && summary.page_errors === 0 && summary.selection_kept;
  process.exit(ok ? 0 : 1);
}
