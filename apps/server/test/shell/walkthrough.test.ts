import { describe, expect, it } from 'vitest';
import type { MongodOptions } from '../../src/mongod/flags';
import type { BashHost, BashOutcome, MongodStarted, ProcessInfo } from '../../src/shell/bash/shell';
import { BashCommandError, BashShell } from '../../src/shell/bash/shell';
import type { Repl, ReplIO } from '../../src/shell/io';
import { PyMongoBackendError } from '../../src/shell/python/backend';
import { PythonRepl } from '../../src/shell/python/repl';
import { FakePyMongoBackend } from './python/fakeBackend';

/** A pretend sandbox: members with PIDs, a fake driver whose primary follows kills and elections. */
class FakeSandbox implements BashHost {
  readonly backend = new FakePyMongoBackend();
  readonly members = new Map<number, { port: number; args: string[] }>();
  private nextPid = 4300;
  private ids = 0;
  now(): number {
    return Date.UTC(2026, 10, 25, 13, 0);
  }
  hostname(): string {
    return 'morton.local';
  }
  mongod(options: MongodOptions): Promise<MongodStarted> {
    if ([...this.members.values()].some((m) => m.port === options.port)) {
      return Promise.reject(new BashCommandError(`... Address already in use, port ${options.port}\n`, 48));
    }
    const pid = this.nextPid++;
    this.members.set(pid, { port: options.port, args: ['mongod', ...options.argv] });
    return Promise.resolve({ pid, port: options.port, logHint: `logs ${pid} shows its log` });
  }
  ps(): ProcessInfo[] {
    return [...this.members].map(([pid, m]) => ({ pid, args: m.args, cpuSeconds: 0, startedAtMillis: this.now() }));
  }
  kill(_signal: number, pid: number): Promise<boolean> {
    const m = this.members.get(pid);
    if (!m) return Promise.resolve(false);
    this.members.delete(pid);
    if (this.backend.primary?.port === m.port) {
      this.backend.failWith = new PyMongoBackendError('AutoReconnect', `morton.local:${m.port}: [Errno 111] Connection refused`);
    }
    return Promise.resolve(true);
  }
  /** The surviving members elect the lowest port. */
  elect(): void {
    const ports = [...this.members.values()].map((m) => m.port).sort();
    this.backend.primary = { host: 'morton.local', port: ports[0] ?? 0 };
    this.backend.failWith = null;
  }
  logs(): Promise<void> {
    return Promise.resolve();
  }
  async python(): Promise<Repl> {
    return new PythonRepl({ backend: this.backend, newObjectIdHex: () => `4c1e0000000000000000000${++this.ids}` });
  }
  mongosh(): Promise<Repl> {
    return Promise.reject(new BashCommandError('not in this test\n'));
  }
}

/** A terminal: a stack of REPLs, bash at the bottom, and the screen as a person sees it. */
class Terminal {
  screen = '';
  private readonly stack: Repl[];
  constructor(bash: BashShell) {
    this.stack = [bash];
  }
  async type(line: string): Promise<void> {
    const top = this.stack.at(-1);
    if (!top) throw new Error('closed');
    this.screen += `${top.prompt()}${line}\n`;
    const io: ReplIO = { write: (t) => (this.screen += t), signal: new AbortController().signal };
    const outcome = (await top.execute(line, io)) as BashOutcome;
    if (outcome.push) this.stack.push(outcome.push);
    if (outcome.exit) this.stack.pop();
  }
}

describe('the 2010 walkthrough, typed into the lab shell', () => {
  it('starts three members, initiates from Python, and fails over with AutoReconnect', async () => {
    const sandbox = new FakeSandbox();
    // One tab for the servers, one for Python, as a person would work.
    const servers = new Terminal(new BashShell(sandbox));
    const term = new Terminal(new BashShell(sandbox));
    for (const line of [
      'hostname',
      'mongod --replSet foo/morton.local:27018,morton.local:27019 --rest',
      'mongod --port 27018 --dbpath /data/db1 \\',
      '  --replSet foo/morton.local:27017 --rest',
      'mongod --port 27019 --dbpath /data/db2 \\',
      '  --replSet foo/morton.local:27017 --rest',
    ]) {
      await servers.type(line);
    }
    for (const line of [
      'python',
      'from pymongo import Connection',
      'c = Connection("morton.local:27017", slave_okay=True)',
      'c.admin.command("replSetInitiate")',
      'db = Connection("morton.local").test',
      'db.test.save({"x": 1})',
      'db.test.find_one()',
      'db.connection.host',
      'db.connection.port',
    ]) {
      await term.type(line);
    }
    await servers.type('kill 4300');
    await term.type('db.test.find_one()');
    sandbox.elect();
    await term.type('db.test.find_one()');
    await term.type('db.connection.port');
    await term.type('exit()');
    expect(servers.screen).toContain('morton$ hostname\nmorton.local\n');
    expect(servers.screen).toContain('mongod 4300 is listening on port 27017');
    expect(servers.screen).toContain('mongod 4302 is listening on port 27019');
    expect(servers.screen.endsWith('morton$ kill 4300\n')).toBe(true);
    const screen = term.screen;
    expect(screen).toContain('Python 3.11.2 (main, Mar 13 2023, 12:18:29) [GCC 12.2.0] on linux\n');
    expect(screen).toContain(">>> db.test.save({\"x\": 1})\nObjectId('4c1e00000000000000000001')\n");
    expect(screen).toContain(">>> db.test.find_one()\n{'_id': ObjectId('4c1e00000000000000000001'), 'x': 1}\n");
    expect(screen).toContain(">>> db.connection.host\n'morton.local'\n>>> db.connection.port\n27017\n>>> db.test.find_one()\nTraceback");
    expect(screen).toContain(
      '>>> db.test.find_one()\nTraceback (most recent call last):\n  File "<stdin>", line 1, in <module>\npymongo.errors.AutoReconnect: morton.local:27017: [Errno 111] Connection refused\n',
    );
    expect(screen.endsWith(">>> db.test.find_one()\n{'_id': ObjectId('4c1e00000000000000000001'), 'x': 1}\n>>> db.connection.port\n27018\n>>> exit()\n")).toBe(true);
  });
});
