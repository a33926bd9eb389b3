import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findChromium } from './chromium';
import { serverNodeOptions } from '../apps/server/src/nodeFlags';

const serverDir = fileURLToPath(new URL('../apps/server', import.meta.url));
const buildScript = fileURLToPath(new URL('../scripts/build.mjs', import.meta.url));
const startupMillisMax = 30_000;
let serverBuilt = false;

/** The browser tests run the server as `pnpm start` does: bundled (scripts/build.mjs) and run with plain node. */
function buildServer(): void {
  if (serverBuilt) return;
  const result = spawnSync(process.execPath, [buildScript, 'server', 'sandbox-worker'], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`building the server failed:\n${result.stdout}${result.stderr}`);
  serverBuilt = true;
}

/** Start the real server on a loopback port the OS picks; tests read its URL from the env. */
export default async function globalSetup(): Promise<() => Promise<void>> {
  findChromium();
  const { child, url } = await startServer();
  process.env.RSLAB_E2E_URL = url;
  return async () => {
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
  };
}

/**
 * Start a server. Each gets a data folder of its own (unless `env` names one), so servers started
 * side by side, or beside a developer's own, never fight over the embedded progress store's lock.
 */
export function startServer(env: NodeJS.ProcessEnv = {}): Promise<{ child: ChildProcess; url: string }> {
  buildServer();
  const dataDir = mkdtempSync(join(tmpdir(), 'rslab-e2e-'));
  const child = spawn(process.execPath, [...serverNodeOptions.split(' '), '--enable-source-maps', 'dist/main.mjs'], {
    cwd: serverDir,
    env: { ...process.env, HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'warn', RSLAB_DATA_DIR: dataDir, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.once('exit', () => rmSync(dataDir, { recursive: true, force: true }));
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`server did not start within ${startupMillisMax} ms:\n${output}`));
    }, startupMillisMax);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /Replica Set Lab listening on (http:\/\/\S+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve({ child, url: match[1] as string });
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code} before listening:\n${output}`));
    });
  });
}
