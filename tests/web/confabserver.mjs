// A real confab-server on port 0 with a data folder of its own, for the node tools that need
// one (tests/clientspec/run-web.mjs, bench/web/busyroom.mjs): resolves once it listens.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, connect } from 'node:net';

export async function startConfabServer(binary, extraArgs = []) {
  const dataDir = mkdtempSync(join(tmpdir(), 'confab-node-'));
  const server = spawn(binary, ['--bind', '127.0.0.1', '--port', '0', '--data-dir', dataDir, ...extraArgs],
                       { stdio: ['ignore', 'pipe', 'pipe'] });
  const port = await new Promise((resolve, reject) => {
    let out = '';
    const onData = (chunk) => {
      out += chunk;
      const m = out.match(/listening on \S+ port (\d+)/);
      if (m) resolve(Number(m[1]));
    };
    server.stdout.on('data', onData);
    server.stderr.on('data', onData);
    server.on('exit', (code) => reject(new Error(`server exited (${code}): ${out}`)));
  });
  return {
    port,
    stop() {
      server.kill('SIGTERM');
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

// Cluster mode: a real redis-server of its own (a free loopback port, a temporary folder) and
// two confab-servers sharing it. Resolves with both ports once both listen.
export async function startConfabCluster(binary, extraArgs = []) {
  const redisDir = mkdtempSync(join(tmpdir(), 'confab-redis-'));
  const redisPort = await freePort();
  const redis = spawn('redis-server', ['--port', String(redisPort), '--bind', '127.0.0.1', '--dir', redisDir,
                                       '--save', '', '--appendonly', 'no', '--daemonize', 'no'],
                      { stdio: ['ignore', 'pipe', 'pipe'] });
  const redisExit = new Promise((resolve, reject) => redis.on('exit', (code) => reject(new Error(`redis-server exited (${code})`))));
  redisExit.catch(() => {});
  await Promise.race([waitForPort(redisPort), redisExit]);
  const args = ['--redis', `redis://127.0.0.1:${redisPort}`, ...extraArgs];
  const servers = [await startConfabServer(binary, args), await startConfabServer(binary, args)];
  return {
    ports: servers.map((s) => s.port),
    stop() {
      for (const s of servers) s.stop();
      redis.kill('SIGTERM');
      rmSync(redisDir, { recursive: true, force: true });
    },
  };
}

function freePort() {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

async function waitForPort(port, ms = 10000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const ok = await new Promise((resolve) => {
      const s = connect(port, '127.0.0.1', () => { s.destroy(); resolve(true); });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`nothing listens on port ${port}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
