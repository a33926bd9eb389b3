import type { ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { MongoClient } from 'mongodb';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { BIN, freePort, killAll, logLines, startSimMongod, waitForOutput } from './spawn';
import type { Running } from './spawn';

const MMS_VERSION_REGEX = /^\s*db\s+version\s+v?(\d+\.\d+\.\d+)(-\d*)?(-[a-zA-Z0-9].*)?\s*$/im;

const children: ChildProcess[] = [];
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sim-mongod-test-'));
afterEach(() => killAll(children));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const start = (args: string[]): Running => startSimMongod(args, children);
const waitFor = waitForOutput;

function dbpath(name: string): string {
  const dir = path.join(tmp, name);
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

describe('sim-mongod as a process', () => {
  it('is executable and answers --version like mongod', async () => {
    expect(fs.statSync(BIN).mode & 0o111).not.toBe(0);
    const run = start(['--version']);
    expect((await run.exit).code).toBe(0);
    expect(run.stdout).toMatch(/^\s*db\s+version\s+v?(\d+\.\d+\.\d+)/im);
    expect(run.stdout).toMatch(MMS_VERSION_REGEX);
    expect(MMS_VERSION_REGEX.exec(run.stdout)?.[1]).toBe('7.0.14');
    expect(run.stdout).toContain('Build Info: {');
  });

  it("exits 2 with mongod's message on an unknown option", async () => {
    const run = start(['--x']);
    expect((await run.exit).code).toBe(2);
    expect(run.stderr).toContain("Error parsing command line: unrecognised option '--x'");
  });

  it('exits 100 when the dbpath is missing, with an initAndListen error line', async () => {
    const run = start(['--port', '0', '--dbpath', path.join(tmp, 'does-not-exist')]);
    expect((await run.exit).code).toBe(100);
    const line = logLines(run.stdout).find((l) => l.id === 20557);
    expect(line?.msg).toBe('DBException in initAndListen, terminating');
    expect(String((line?.attr as { error: string }).error)).toMatch(/^NonExistentPath: Data directory .* not found/);
  });

  it('prints "Waiting for connections", serves the driver, and exits 0 on SIGTERM', async () => {
    const port = await freePort();
    const dir = dbpath('sigterm');
    const run = start(['--port', String(port), '--dbpath', dir, '--bind_ip', '127.0.0.1']);
    await waitFor(run, 'waiting for connections');
    const ready = logLines(run.stdout).find((l) => l.id === 23016);
    expect(ready).toMatchObject({ s: 'I', c: 'NETWORK', ctx: 'listener', msg: 'Waiting for connections', attr: { port, ssl: 'off' } });
    expect(fs.readFileSync(path.join(dir, 'mongod.lock'), 'utf8').trim()).toBe(String(run.child.pid));
    // A second sim-mongod on the same dbpath is refused.
    const second = start(['--port', String(await freePort()), '--dbpath', dir]);
    expect((await second.exit).code).toBe(100);
    expect(second.stdout).toMatch(/DBPathInUse: Unable to lock the lock file: .*mongod\.lock.*Another mongod instance is already running on the/);
    const client = new MongoClient(`mongodb://127.0.0.1:${port}/?directConnection=true&serverSelectionTimeoutMS=5000`);
    try {
      expect((await client.db('admin').command({ ping: 1 })).ok).toBe(1);
      const opts = await client.db('admin').command({ getCmdLineOpts: 1 });
      expect(opts.argv).toEqual(['mongod', '--port', String(port), '--dbpath', dir, '--bind_ip', '127.0.0.1']);
      expect(opts.parsed).toMatchObject({ net: { port, bindIp: '127.0.0.1' }, storage: { dbPath: dir } });
      const warnings = await client.db('admin').command({ getLog: 'startupWarnings' });
      expect(warnings.log.some((l: string) => l.includes('Access control is not enabled'))).toBe(true);
      const global = await client.db('admin').command({ getLog: 'global' });
      expect(global.log.some((l: string) => l.includes('"Waiting for connections"'))).toBe(true);
    } finally {
      await client.close();
    }
    run.child.kill('SIGTERM');
    expect(await run.exit).toEqual({ code: 0, signal: null });
    expect(logLines(run.stdout).some((l) => l.id === 23377 && (l.attr as { signal: number }).signal === 15)).toBe(true);
    expect(fs.readFileSync(path.join(dir, 'mongod.lock'), 'utf8')).toBe('');
  });

  it('exits 48 with "Address already in use" when the port is taken', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', () => resolve()));
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      const run = start(['--port', String(port), '--dbpath', dbpath('inuse'), '--bind_ip', '127.0.0.1']);
      expect((await run.exit).code).toBe(48);
      expect(run.stdout).toMatch(/address already in use/i);
      const lines = logLines(run.stdout);
      expect(lines.find((l) => l.id === 20568)).toMatchObject({ s: 'E', msg: 'Error setting up listener', attr: { error: { code: 9001, codeName: 'SocketException', errmsg: 'Address already in use' } } });
      expect(lines.some((l) => l.id === 23016)).toBe(false);
    } finally {
      blocker.close();
    }
  });

  it('exits 0 on SIGINT and on the shutdown command', async () => {
    const port = await freePort();
    const run = start(['--port', String(port), '--dbpath', dbpath('shutdown'), '--bind_ip', '127.0.0.1', '--replSet', 'rs0']);
    await waitFor(run, 'waiting for connections');
    const client = new MongoClient(`mongodb://127.0.0.1:${port}/?directConnection=true&serverSelectionTimeoutMS=5000`);
    try {
      const hello = await client.db('admin').command({ hello: 1 });
      expect(hello).toMatchObject({ isreplicaset: true, isWritablePrimary: false });
      await client.db('admin').command({ shutdown: 1, force: true, timeoutSecs: 1 }).catch(() => undefined);
    } finally {
      await client.close();
    }
    expect(await run.exit).toEqual({ code: 0, signal: null });

    const port2 = await freePort();
    const run2 = start(['--port', String(port2), '--dbpath', dbpath('sigint'), '--bind_ip', '127.0.0.1', '--quiet']);
    await waitFor(run2, 'waiting for connections');
    run2.child.kill('SIGINT');
    expect(await run2.exit).toEqual({ code: 0, signal: null });
  });

  it('--fork starts a detached server that logs to --logpath, and the parent exits 0 once it is ready', async () => {
    const dir = dbpath('fork');
    const logpath = path.join(dir, 'mongod.log');
    const port = await freePort();
    const parent = start(['--fork', '--port', String(port), '--dbpath', dir, '--logpath', logpath, '--bind_ip', '127.0.0.1']);
    expect((await parent.exit).code).toBe(0);
    expect(parent.stdout).toMatch(/forked process: \d+/);
    expect(parent.stdout).toContain('child process started successfully, parent exiting');
    const childPid = Number(/forked process: (\d+)/.exec(parent.stdout)?.[1]);
    try {
      expect(logLines(fs.readFileSync(logpath, 'utf8')).some((l) => l.id === 23016)).toBe(true);
      expect(fs.readFileSync(path.join(dir, 'mongod.lock'), 'utf8').trim()).toBe(String(childPid));
    } finally {
      process.kill(childPid, 'SIGTERM');
    }
    const deadline = Date.now() + 10_000;
    while (!fs.readFileSync(logpath, 'utf8').includes('"Shutting down"')) {
      if (Date.now() > deadline) throw new Error('forked sim-mongod did not shut down');
      await new Promise((r) => setTimeout(r, 50));
    }
    await expect(start(['--fork', '--port', '0', '--dbpath', dir]).exit).resolves.toMatchObject({ code: 2 });
  });
});
