import { spawnSync, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { freePort, killAll, startSimMongod, waitForOutput } from './spawn';

/** PyMongo 3.11 (Debian's python3-pymongo, installed by .ci/run) runs the walkthrough, and what replaced its AutoReconnect handling. */

const PYTHON = '/usr/bin/python3';
const hasPyMongo = fs.existsSync(PYTHON) && spawnSync(PYTHON, ['-c', 'import pymongo'], { stdio: 'ignore' }).status === 0;
const SCRIPTS = path.join(path.dirname(fileURLToPath(import.meta.url)), 'python');

const children: ChildProcess[] = [];
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sim-mongod-py-'));
afterEach(() => killAll(children));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** Start `count` members of set foo on loopback, run a PyMongo script with their ports and pids, return its output. */
async function runScript(script: string, count: number, seedListFor: (i: number, ports: number[]) => number[], mongodArgs: string[] = []): Promise<{ out: string; code: number | null }> {
  const host = '127.0.0.1';
  const ports: number[] = [];
  for (let i = 0; i < count; i++) ports.push(await freePort());
  const procs = ports.map((port, i) => {
    const dbpath = path.join(tmp, `${path.basename(script, '.py')}-db${i}`);
    fs.mkdirSync(dbpath);
    const seeds = seedListFor(i, ports).map((p) => `${host}:${p}`);
    return startSimMongod(['--port', String(port), '--dbpath', dbpath, '--replSet', seeds.length > 0 ? `foo/${seeds.join(',')}` : 'foo', ...mongodArgs], children);
  });
  await Promise.all(procs.map((p) => waitForOutput(p, 'Waiting for connections')));
  const python = spawn(PYTHON, [path.join(SCRIPTS, script), host, ...ports.map(String), ...procs.map((p) => String(p.child.pid))], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(python);
  let out = '';
  python.stdout.on('data', (c: Buffer) => (out += c.toString()));
  python.stderr.on('data', (c: Buffer) => (out += c.toString()));
  const code = await new Promise<number | null>((resolve) => python.once('exit', resolve));
  if (process.env.PY_VERBOSE !== undefined || code !== 0) {
    console.log(out);
    for (const [i, p] of procs.entries()) {
      console.log(`--- member ${i}\n${p.stdout.split('\n').filter((l) => /"c":"(REPL|ELECTION|REPL_HB)/.test(l)).slice(-25).join('\n')}`);
    }
  }
  return { out, code };
}

describe.skipIf(!hasPyMongo)('PyMongo against sim-mongod', () => {
  it('initiates with no config, connects through seeds, gets AutoReconnect after kill -9, then fails over', { timeout: 120_000 }, async () => {
    // The walkthrough's seeds: the first member names the other two, they name the first.
    const { out, code } = await runScript('walkthrough.py', 3, (i, ports) => (i === 0 ? ports.slice(1) : [ports[0]!]), ['--rest']);
    expect(out).toContain('initiated');
    expect(out).toMatch(/connected True 3/);
    expect(out).toMatch(/first read after kill: AutoReconnect/);
    expect(out).toMatch(/failed over \S+ -> \S+/);
    expect(code, out).toBe(0);
  });

  // What replaced AutoReconnect handling (specifications: Retryable Writes, Convenient
  // Transactions API, Change Streams' resumable errors), each through a kill -9 of the primary.
  it('a retryable write, with_transaction and a change stream each ride out a kill -9 of the primary', { timeout: 180_000 }, async () => {
    const { out, code } = await runScript('failover_features.py', 5, () => []);
    expect(out).toMatch(/retryable insert across the failover of \S+ ok/);
    expect(out).toMatch(/transaction committed after [2-9] runs/);
    expect(out).toContain('stream saw A,B,C,D');
    expect(out).toContain('documents A,B,C,D,warm');
    expect(code, out).toBe(0);
  });
});
