// The web client in a real browser: Debian's chromium, headless, driven by playwright-core,
// against a real confab-server, with protocol bots (the ws package) for company. Nothing here
// downloads a browser. Screenshots (light, dark, phone) go to the folder given.
// Usage: node webclient.test.mjs CONFAB_SERVER_BINARY SCREENSHOT_DIR
import { chromium } from 'playwright-core';
import WebSocket from 'ws';
import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const [serverBin, shotDir] = process.argv.slice(2);
const browserPath = process.env.CONFAB_CHROMIUM || '/usr/bin/chromium';
if (!serverBin || !shotDir) {
  console.error('usage: node webclient.test.mjs CONFAB_SERVER_BINARY SCREENSHOT_DIR');
  process.exit(2);
}
mkdirSync(shotDir, { recursive: true });
const dataDir = mkdtempSync(join(tmpdir(), 'confab-web-'));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
let failures = 0;

function check(ok, what) {
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}`);
  if (!ok) failures++;
}

// ---- a real server -------------------------------------------------------------------------------

let server = null;
async function startServer(port) {
  server = spawn(serverBin, ['--bind', '127.0.0.1', '--port', String(port), '--data-dir', dataDir,
                             '--name', 'Web test'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  return new Promise((resolve, reject) => {
    const onData = (chunk) => {
      output += chunk;
      const m = output.match(/listening on \S+ port (\d+)/);
      if (m) resolve(Number(m[1]));
    };
    server.stdout.on('data', onData);
    server.stderr.on('data', onData);
    server.on('exit', (code) => reject(new Error(`server exited (${code}): ${output}`)));
    setTimeout(() => reject(new Error('server did not start: ' + output)), 10000);
  });
}

async function stopServer() {
  const exited = new Promise((r) => server.once('exit', r));
  server.kill('SIGTERM');
  await exited;
}

// ---- a protocol bot --------------------------------------------------------------------------

class Bot {
  constructor() {
    this.frames = [];
    this.waiters = [];
  }
  async open(port, nick) {
    this.ws = new WebSocket(`ws://127.0.0.1:${port}/ws`);
    this.ws.on('message', (data) => {
      const f = JSON.parse(data.toString());
      this.frames.push(f);
      this.waiters = this.waiters.filter((w) => !(w.pred(f) && (w.resolve(f), true)));
    });
    await new Promise((r, j) => { this.ws.once('open', r); this.ws.once('error', j); });
    this.send({ type: 'hello', nick });
    this.user = (await this.wait((f) => f.type === 'welcome')).user;
    this.send({ type: 'join', room: 'general' });
    await this.wait((f) => f.type === 'joined');
    return this;
  }
  send(frame) {
    this.ws.send(JSON.stringify(frame));
  }
  wait(pred, ms = 10000) {
    const found = this.frames.find(pred);
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      this.waiters.push({ pred, resolve });
      setTimeout(() => reject(new Error('bot waited in vain')), ms);
    });
  }
  count(pred) {
    return this.frames.filter(pred).length;
  }
  close() {
    this.ws.close();
  }
}

// ---- the browser ---------------------------------------------------------------------------------

const browser = await chromium.launch({
  executablePath: browserPath,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
         '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});

async function newPage(options) {
  const context = await browser.newContext(options);
  const page = await context.newPage();
  page.problems = [];
  page.on('pageerror', (e) => page.problems.push('page error: ' + e.message));
  page.on('console', (m) => {
    if (m.type() === 'error' && !/WebSocket connection|ERR_CONNECTION_REFUSED/.test(m.text())) {
      page.problems.push('console: ' + m.text());
    }
  });
  return page;
}

const messageTexts = (page) => page.$$eval('#messages .msg .text', (els) => els.map((e) => e.textContent));
const countText = async (page, text) => (await messageTexts(page)).filter((t) => t === text).length;

try {
  const port = await startServer(0);
  const base = `http://127.0.0.1:${port}`;

  // Load and join: ?nick= goes straight in, to #general, with the message field focused.
  const page = await newPage({ viewport: { width: 1200, height: 800 }, colorScheme: 'light' });
  await page.goto(`${base}/?nick=alice`);
  await page.waitForSelector('#chat:not([hidden])');
  await page.waitForFunction(() => document.querySelector('#room-title').textContent === '#general');
  check(await page.evaluate(() => document.activeElement.id) === 'message-input',
        'joined #general with the message field focused');

  // A message from a bot arrives.
  const bob = await new Bot().open(port, 'bob');
  bob.send({ type: 'send', room: 'general', text: 'hello from bob', id: 'b1' });
  await page.waitForFunction(() => [...document.querySelectorAll('#messages .text')].some((e) => e.textContent === 'hello from bob'));
  check(true, 'a message from a protocol bot is shown');

  // One typed with the keyboard reaches the bot; Shift+Enter makes a new line.
  await page.keyboard.type('hi bob');
  await page.keyboard.down('Shift');
  await page.keyboard.press('Enter');
  await page.keyboard.up('Shift');
  await page.keyboard.type('second line');
  await page.keyboard.press('Enter');
  const got = await bob.wait((f) => f.type === 'message' && f.text === 'hi bob\nsecond line');
  check(got.from.nick === 'alice', 'a message typed with the keyboard (Enter, Shift+Enter) reaches the room');

  // Markup is shown as text and never runs.
  const markup = '<img src=x onerror="window.__pwned=1"><b>bold</b><script>window.__pwned=2</script>';
  bob.send({ type: 'send', room: 'general', text: markup, id: 'b2' });
  await page.waitForFunction((t) => [...document.querySelectorAll('#messages .text')].some((e) => e.textContent === t), markup);
  check(await page.evaluate(() => window.__pwned === undefined && !document.querySelector('#messages b, #messages img, #messages script')),
        'markup in a message is shown literally and nothing in it runs');
  bob.send({ type: 'send', room: 'general', text: 'see https://example.org/docs, please', id: 'b3' });
  await page.waitForSelector('#messages a[href="https://example.org/docs"]');
  check(true, 'a web address becomes a link');

  // A direct message, both ways.
  const aliceId = got.from.id;
  bob.send({ type: 'send', to: aliceId, text: 'psst, alice', id: 'd1' });
  await page.waitForSelector('#dm-list button');
  await page.click('#dm-list button');
  await page.waitForFunction(() => [...document.querySelectorAll('#messages .text')].some((e) => e.textContent === 'psst, alice'));
  check(await page.textContent('#room-title') === 'bob', 'a direct message shows the other user\'s nick');
  await page.keyboard.type('psst yourself');
  await page.keyboard.press('Enter');
  const dm = await bob.wait((f) => f.type === 'message' && f.text === 'psst yourself');
  check(dm.to === bob.user.id, 'a direct message typed in the browser reaches the bot');
  await page.click('#room-list button[data-key="general"]');

  // Light and dark screenshots of the busy room.
  for (let i = 0; i < 6; i++) bob.send({ type: 'send', room: 'general', text: `note ${i}: deploy at ${10 + i}:00`, id: `n${i}` });
  await page.waitForFunction(() => [...document.querySelectorAll('#messages .text')].some((e) => e.textContent.startsWith('note 5')));
  await page.screenshot({ path: join(shotDir, 'web-light.png') });
  const dark = await newPage({ viewport: { width: 1200, height: 800 }, colorScheme: 'dark' });
  await dark.goto(`${base}/?nick=dora`);
  await dark.waitForFunction(() => [...document.querySelectorAll('#messages .text')].some((e) => e.textContent.startsWith('note 5')));
  await dark.screenshot({ path: join(shotDir, 'web-dark.png') });
  const background = await dark.evaluate(() => getComputedStyle(document.body).backgroundColor);
  check(background !== 'rgb(255, 255, 255)', `dark follows the system (body ${background})`);
  await dark.context().close();

  // Server restart: the page reconnects, shows what it missed once, and sends its outbox once.
  bob.close();
  await stopServer();
  await page.waitForSelector('#banner:not([hidden])');
  check(/Reconnecting/.test(await page.textContent('#banner')), 'a banner says the connection is lost');
  await page.focus('#message-input');
  await page.keyboard.type('written while offline');
  await page.keyboard.press('Enter');
  await page.waitForSelector('#messages .msg.pending');
  check((await page.textContent('#messages .msg.pending .state')) === 'sending…', 'a message written offline waits as "sending…"');
  await sleep(1500); // let the page fail a reconnect or two, so its next try comes later
  await startServer(port);
  const carol = await new Bot().open(port, 'carol');
  carol.send({ type: 'send', room: 'general', text: 'missed one', id: 'm1' });
  carol.send({ type: 'send', room: 'general', text: 'missed two', id: 'm2' });
  await carol.wait((f) => f.type === 'message' && f.text === 'missed two');
  await carol.wait((f) => f.type === 'message' && f.text === 'written while offline', 30000);
  await page.waitForFunction(() => !document.querySelector('#messages .msg.pending'), null, { timeout: 30000 });
  await page.waitForFunction(() => [...document.querySelectorAll('#messages .text')].some((e) => e.textContent === 'missed two'));
  await sleep(1000); // anything duplicated would have arrived by now
  check(await countText(page, 'missed one') === 1 && await countText(page, 'missed two') === 1,
        'after the restart the missed messages appear, once each');
  check(carol.count((f) => f.type === 'message' && f.text === 'written while offline') === 1 &&
        await countText(page, 'written while offline') === 1,
        'the outbox message arrives once, and is shown once');
  check(await page.$('#banner[hidden]') !== null, 'the banner is gone once reconnected');

  // A phone: 360 px wide, nothing wider than the screen, rooms and members reachable.
  const phone = await newPage({ viewport: { width: 360, height: 740 }, colorScheme: 'light', isMobile: true, hasTouch: true });
  await phone.goto(`${base}/?nick=phoebe`);
  await phone.waitForFunction(() => [...document.querySelectorAll('#messages .text')].some((e) => e.textContent === 'missed two'));
  const width = await phone.evaluate(() => document.documentElement.scrollWidth);
  check(width <= 360, `the phone layout fits 360 px (${width} px)`);
  check(await phone.isVisible('#message-input') && await phone.isVisible('#menu-button'), 'composer and room menu are on the phone screen');
  await phone.screenshot({ path: join(shotDir, 'web-phone.png') });
  await phone.click('#menu-button');
  check(await phone.isVisible('#room-list'), 'the room list opens on the phone');
  await phone.screenshot({ path: join(shotDir, 'web-phone-rooms.png') });
  await phone.keyboard.press('Escape');
  await phone.click('#members-button');
  check(await phone.isVisible('#member-list'), 'the member list opens on the phone');

  for (const p of [page, phone]) check(p.problems.length === 0, 'no script errors: ' + p.problems.join('; '));
  carol.close();
} catch (e) {
  console.log('FAIL ' + (e.stack || e));
  failures++;
} finally {
  await browser.close();
  if (server && server.exitCode === null) await stopServer();
}
console.log(failures ? `${failures} failed` : 'all passed');
process.exit(failures ? 1 : 0);
