// A real confab-server on port 0 with a data folder of its own, for the node tools that need
// one (tests/clientspec/run-web.mjs, bench/web/busyroom.mjs): resolves once it listens.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

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
