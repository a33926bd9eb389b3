import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

/**
 * The server as `pnpm start` runs it: bundled by scripts/build.mjs into dist/main.mjs and run with
 * plain node. Paths it finds from its own location (the web root, sim-mongod for the embedded
 * progress store) must hold in the bundle too, and no TypeScript may be loaded.
 */

const serverDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const workspace = path.resolve(serverDir, '../..');
const tmp = mkdtempSync(path.join(tmpdir(), 'rslab-built-'));
const children: ChildProcess[] = [];
afterAll(() => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  rmSync(tmp, { recursive: true, force: true });
});

/** A module for `node --import` that records every module URL the process loads. */
function moduleRecorder(logFile: string): string {
  const hooks = path.join(tmp, 'hooks.mjs');
  writeFileSync(
    hooks,
    [
      "import { appendFileSync } from 'node:fs';",
      'export async function load(url, context, next) {',
      `  appendFileSync(${JSON.stringify(logFile)}, url + '\\n');`,
      '  return next(url, context);',
      '}',
    ].join('\n'),
  );
  const register = path.join(tmp, 'register.mjs');
  writeFileSync(register, `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(hooks).href)});\n`);
  return register;
}

function serverEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info' };
  for (const name of ['RSLAB_WEB_ROOT', 'RSLAB_PROGRESS_STORE', 'MONGODB_URI', 'NODE_OPTIONS', 'RSLAB_SANDBOX_WORKERS']) delete env[name];
  return env;
}

/** Start the built server with `args` (node's, then dist/main.mjs); resolves once it listens. */
async function startBuilt(args: string[], env: NodeJS.ProcessEnv, startMillisMax: number): Promise<{ child: ChildProcess; baseUrl: string; output: () => string }> {
  const child = spawn(process.execPath, args, { cwd: serverDir, env, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const baseUrl = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the built server did not start:\n${output}`)), startMillisMax);
    child.stdout?.on('data', () => {
      const match = /Replica Set Lab listening on (http:\/\/\S+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1] as string);
      }
    });
    child.once('exit', (code) => reject(new Error(`the built server exited ${code}:\n${output}`)));
  });
  return { child, baseUrl, output: () => output };
}

describe('the built server (dist/main.mjs)', () => {
  it('serves with plain node, finds the web root and starts the embedded store with the built sim-mongod, loading no TypeScript', { timeout: 120_000 }, async () => {
    const built = spawnSync(process.execPath, [path.join(workspace, 'scripts/build.mjs'), 'server', 'sandbox-worker'], { encoding: 'utf8' });
    expect(built.stderr).toBe('');
    expect(built.status).toBe(0);

    const loaded = path.join(tmp, 'loaded.txt');
    writeFileSync(loaded, '');
    const dataDir = path.join(tmp, 'data');
    const { child, baseUrl, output } = await startBuilt(['--import', moduleRecorder(loaded), '--enable-source-maps', 'dist/main.mjs'], { ...serverEnv(), RSLAB_DATA_DIR: dataDir }, 60_000);

    // The embedded progress store is a sim-mongod started from the @rslab/sim package's bin. It opens
    // in the background (rooms/openStore.ts), so its line may come after the listening one.
    const storeLine = (): string | undefined => output().split('\n').find((line) => line.includes('progress store: embedded sim-mongod'));
    await expect.poll(storeLine, { timeout: 60_000, interval: 100 }).toBeDefined();
    const store = storeLine();
    // The line has pino's pid first and the store's after it; JSON.parse keeps the last.
    const storePid = (JSON.parse(store as string) as { pid: number }).pid;
    expect(storePid).not.toBe(child.pid);
    const commandLine = readFileSync(`/proc/${storePid}/cmdline`, 'utf8').split('\0');
    expect(commandLine).toContain(path.join(workspace, 'packages/sim/bin/sim-mongod'));
    expect(commandLine.join(' ')).not.toMatch(/tsx/);

    const health = await fetch(`${baseUrl}/api/health`);
    expect(health.status).toBe(200);

    // What the page needs to run Python and mongosh itself comes from this server too (routes/runtime.ts):
    // Pyodide's files under a versioned path, our pymongo package, and cross-origin isolation on
    // every response (SharedArrayBuffer needs it).
    expect(health.headers.get('cross-origin-opener-policy')).toBe('same-origin');
    expect(health.headers.get('cross-origin-embedder-policy')).toBe('require-corp');
    const info = (await (await fetch(`${baseUrl}/runtime/info.json`)).json()) as { pyodideIndexURL: string };
    expect(info.pyodideIndexURL).toMatch(/^\/runtime\/pyodide-[\d.]+\/$/);
    const wasm = await fetch(`${baseUrl}${info.pyodideIndexURL}pyodide.asm.wasm`);
    expect(wasm.status).toBe(200);
    expect(wasm.headers.get('cache-control')).toContain('immutable');
    expect(new Uint8Array(await wasm.arrayBuffer()).subarray(0, 4)).toEqual(new Uint8Array([0, 0x61, 0x73, 0x6d]));
    expect((await fetch(`${baseUrl}${info.pyodideIndexURL}python_stdlib.zip`)).status).toBe(200);
    expect((await fetch(`${baseUrl}${info.pyodideIndexURL}package.json`)).status).toBe(404);
    const sources = (await (await fetch(`${baseUrl}/runtime/python-sources.json`)).json()) as Record<string, string>;
    expect(Object.keys(sources)).toEqual(expect.arrayContaining(['pymongo/__init__.py', 'bson/objectid.py', '_rslab/console.py']));

    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;

    const urls = readFileSync(loaded, 'utf8').split('\n').filter(Boolean);
    expect(urls).toContain(pathToFileURL(path.join(serverDir, 'dist/main.mjs')).href);
    expect(urls.filter((url) => /\.[mc]?tsx?$/.test(url))).toEqual([]);
  });

  it('takes the web root from beside the bundle by default', { timeout: 60_000 }, async () => {
    const { child, baseUrl } = await startBuilt(['dist/main.mjs'], { ...serverEnv(), RSLAB_PROGRESS_STORE: 'memory' }, 30_000);
    const page = await fetch(`${baseUrl}/`);
    const webRoot = path.join(workspace, 'apps/web/dist');
    // Built web app: the page; not built (vitest runs before the web build in pnpm test): the
    // message naming the folder it looked in. Either way, the folder beside the bundle.
    if (page.status === 200) expect(await page.text()).toContain('<div id="root"');
    else expect(await page.text()).toContain(`no index.html in ${webRoot}`);
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  });

  it('runs sandboxes on one worker thread per core by default, from the worker bundle beside it, says how many, and loads no TypeScript', { timeout: 60_000 }, async () => {
    const loaded = path.join(tmp, 'loaded-workers.txt');
    writeFileSync(loaded, '');
    const { child, baseUrl, output } = await startBuilt(['--import', moduleRecorder(loaded), 'dist/main.mjs'], { ...serverEnv(), RSLAB_PROGRESS_STORE: 'memory' }, 30_000);
    const started = output()
      .split('\n')
      .filter((line) => line.includes('sandboxes run on worker threads'))
      .map((line) => JSON.parse(line) as { workers: number });
    expect(started).toEqual([expect.objectContaining({ workers: Math.min(64, availableParallelism()) })]);
    // A learner's mongod starts in a worker: the page's WebSocket, as a browser would open it.
    const health = await fetch(`${baseUrl}/api/health`);
    const cookie = (health.headers.get('set-cookie') ?? '').split(';')[0] as string;
    const { default: WebSocket } = await import('ws');
    const socket = new WebSocket(`${baseUrl.replace('http', 'ws')}/ws`, { headers: { cookie } });
    const texts: string[] = [];
    socket.on('message', (data) => texts.push(String(data)));
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    await expect.poll(() => texts.some((t) => t.includes('"welcome"')), { timeout: 10_000 }).toBe(true);
    const tab = (JSON.parse(texts.find((t) => t.includes('"welcome"')) as string) as { tabs: Array<{ tab: string }> }).tabs[0]?.tab;
    socket.send(JSON.stringify({ type: 'input', tab, line: 'mongod --port 27017 --dbpath /data/db' }));
    await expect.poll(() => texts.join('').includes('listening on port 27017'), { timeout: 20_000 }).toBe(true);
    socket.close();
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
    const urls = readFileSync(loaded, 'utf8').split('\n').filter(Boolean);
    expect(urls).toContain(pathToFileURL(path.join(serverDir, 'dist/sandbox-worker.mjs')).href);
    expect(urls.filter((url) => /\.[mc]?tsx?$/.test(url))).toEqual([]);
  });
});
