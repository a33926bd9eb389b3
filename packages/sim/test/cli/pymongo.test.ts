import { spawnSync, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { freePort, killAll, startSimMongod, waitForOutput } from './spawn';

/** PyMongo 3.11 (Debian's python3-pymongo, installed by .ci/run) runs the walkthrough. */

const PYTHON = '/usr/bin/python3';
const hasPyMongo = fs.existsSync(PYTHON) && spawnSync(PYTHON, ['-c', 'import pymongo'], { stdio: 'ignore' }).status === 0;
const SCRIPT = path.join(path.dirname(fileURLToPath(import.meta.url)), 'python', 'walkthrough.py');

const children: ChildProcess[] = [];
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sim-mongod-py-'));
afterEach(() => killAll(children));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe.skipIf(!hasPyMongo)('PyMongo against sim-mongod', () => {
  it('initiates with no config, connects through seeds, gets AutoReconnect after kill -9, then fails over', { timeout: 120_000 }, async () => {
    const host = '127.0.0.1';
    const ports = [await freePort(), await freePort(), await freePort()];
    const procs = ports.map((port, i) => {
      const others = i === 0 ? ports.slice(1) : [ports[0] as number];
      const dbpath = path.join(tmp, `db${i}`);
      fs.mkdirSync(dbpath);
      return startSimMongod(['--port', String(port), '--dbpath', dbpath, '--replSet', `foo/${others.map((p) => `${host}:${p}`).join(',')}`, '--rest'], children);
    });
    await Promise.all(procs.map((p) => waitForOutput(p, 'Waiting for connections')));
    const python = spawn(PYTHON, [SCRIPT, host, ...ports.map(String), ...procs.map((p) => String(p.child.pid))], { stdio: ['ignore', 'pipe', 'pipe'] });
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
    expect(out).toContain('initiated');
    expect(out).toMatch(/connected True 3/);
    expect(out).toMatch(/first read after kill: AutoReconnect/);
    expect(out).toMatch(/failed over \S+ -> \S+/);
    expect(code, out).toBe(0);
  });
});
