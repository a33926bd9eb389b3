import { describe, expect, it } from 'vitest';
import type { Repl, ReplIO } from '../../../src/shell/io';
import type { MongodOptions } from '../../../src/mongod/flags';
import type { BashHost, BashOutcome, MongodStarted, ProcessInfo } from '../../../src/shell/bash/shell';
import { BashCommandError, BashShell } from '../../../src/shell/bash/shell';
import { run, transcript } from '../harness';

class FakeHost implements BashHost {
  readonly started: MongodOptions[] = [];
  readonly killed: Array<[number, number]> = [];
  processes: ProcessInfo[] = [];
  private nextPid = 12345;
  /** Sandbox time: 2026-11-25 13:00 UTC, moved on by the tests. */
  clock = Date.UTC(2026, 10, 25, 13, 0);
  now(): number {
    return this.clock;
  }
  hostname(): string {
    return 'morton.local';
  }
  mongod(options: MongodOptions): Promise<MongodStarted> {
    if (this.processes.some((p) => p.args.includes(String(options.port)) || (options.port === 27017 && p.args.length === 1))) {
      return Promise.reject(new BashCommandError('Error setting up listener: Address already in use (port 27017)\n', 48));
    }
    this.started.push(options);
    const pid = this.nextPid++;
    this.processes.push({ pid, args: ['mongod', ...options.argv], cpuSeconds: 1, startedAtMillis: this.clock });
    return Promise.resolve({ pid, port: options.port, logHint: `logs ${pid} shows its log` });
  }
  ps(): ProcessInfo[] {
    return this.processes;
  }
  kill(signal: number, pid: number): Promise<boolean> {
    const i = this.processes.findIndex((p) => p.pid === pid);
    if (i < 0) return Promise.resolve(false);
    this.killed.push([signal, pid]);
    this.processes.splice(i, 1);
    return Promise.resolve(true);
  }
  async logs(target: number | string, _follow: boolean, io: ReplIO): Promise<void> {
    if (!this.processes.some((p) => p.pid === target)) throw new BashCommandError(`logs: ${target}: no such process\n`);
    io.write('{"t":{"$date":"2026-11-25T13:00:00.000+00:00"},"s":"I","msg":"Waiting for connections"}\n');
  }
  readonly fakePython: Repl = {
    title: 'python',
    prompt: () => '>>> ',
    execute: () => Promise.resolve({}),
  };
  async python(): Promise<Repl> {
    return this.fakePython;
  }
  /** The arguments bash passed, for the test to check (mongosh's own parser reads them). */
  readonly mongoshArgs: string[][] = [];
  mongosh(args: string[]): Promise<Repl> {
    this.mongoshArgs.push(args);
    if (args[0] === 'mongodb://nowhere:1') {
      return Promise.reject(new BashCommandError('MongoNetworkError: connect ECONNREFUSED nowhere:1\n', 1));
    }
    return Promise.resolve({ title: 'mongosh', prompt: () => 'test> ', execute: () => Promise.resolve({}) });
  }
}

function setup() {
  const host = new FakeHost();
  return { host, shell: new BashShell(host) };
}

describe('bash: the walkthrough', () => {
  it('runs the three mongod lines as typed, with continuation lines', async () => {
    const { shell, host } = setup();
    const screen = await transcript(shell, [
      'hostname',
      'mongod --replSet foo/morton.local:27018,morton.local:27019 --rest',
      'mongod --port 27018 --dbpath /data/db1 \\',
      '  --replSet foo/morton.local:27017 --rest',
      'mongod --port 27019 --dbpath /data/db2 \\',
      '  --replSet foo/morton.local:27017 --rest',
    ]);
    expect(screen).toContain('morton$ hostname\nmorton.local\n');
    expect(screen).toContain('morton$ mongod --port 27018 --dbpath /data/db1 \\\n>   --replSet foo/morton.local:27017 --rest\n');
    expect(screen).toContain('note: --rest (the 1.x HTTP REST interface on port+1000) was deprecated in MongoDB 3.2 and removed in 3.6');
    expect(screen).toContain("note: the seed list after 'foo/' is how MongoDB 1.6 found the other members.");
    // Each note once, though all three lines earn it.
    expect(screen.split('note: --rest').length - 1).toBe(1);
    expect(screen.split("note: the seed list after 'foo/'").length - 1).toBe(1);
    expect(screen).toContain('mongod 12345 is listening on port 27017 (runs in the background; logs 12345 shows its log)\n');
    expect(host.started.map((o) => [o.port, o.dbpath, o.replSet, o.seeds])).toEqual([
      [27017, '/data/db', 'foo', [{ host: 'morton.local', port: 27018 }, { host: 'morton.local', port: 27019 }]],
      [27018, '/data/db1', 'foo', [{ host: 'morton.local', port: 27017 }]],
      [27019, '/data/db2', 'foo', [{ host: 'morton.local', port: 27017 }]],
    ]);
  });

  it('accepts a trailing & and prints the job line', async () => {
    const { shell } = setup();
    const r = await run(shell, 'mongod --port 27020 --dbpath /data/db3 --replSet foo &');
    expect(r.output).toBe('[1] 12345\nmongod 12345 is listening on port 27020 (runs in the background; logs 12345 shows its log)\n');
    expect((await run(shell, 'kill %1')).output).toBe('');
    expect((await run(shell, 'kill %2')).output).toBe('bash: kill: %2: no such job\n');
  });
});

describe('bash: commands and errors as bash prints them', () => {
  it('says command not found', async () => {
    const { shell } = setup();
    expect((await run(shell, 'foo bar')).output).toBe('bash: foo: command not found\n');
    expect((await run(shell, 'echo $?')).output).toBe('127\n');
  });

  it('kills, with bash kill messages', async () => {
    const { shell, host } = setup();
    await run(shell, 'mongod --port 27017');
    expect((await run(shell, 'kill 99')).output).toBe('bash: kill: (99) - No such process\n');
    expect((await run(shell, 'kill $$')).output).toBe('');
    expect((await run(shell, 'kill')).output).toBe(
      'kill: usage: kill [-s sigspec | -n signum | -sigspec] pid | jobspec ... or kill -l [sigspec]\n',
    );
    expect((await run(shell, 'kill abc')).output).toBe('bash: kill: abc: arguments must be process or job IDs\n');
    expect((await run(shell, 'kill -FOO 12345')).output).toBe('bash: kill: FOO: invalid signal specification\n');
    expect((await run(shell, 'kill -9 12345')).output).toBe('');
    expect(host.killed).toEqual([[9, 12345]]);
    await run(shell, 'mongod --port 27018');
    await run(shell, 'kill -s TERM 12346');
    expect(host.killed.at(-1)).toEqual([15, 12346]);
  });

  it('lists processes with ps', async () => {
    const { shell, host } = setup();
    host.clock += 5 * 60_000;
    await run(shell, 'mongod --port 27018 --dbpath /data/db1');
    host.clock += 60 * 60_000;
    const out = (await run(shell, 'ps')).output;
    expect(out.split('\n')[0]).toBe('    PID TTY          TIME CMD');
    expect(out).toContain('  12345 pts/0    00:00:01 mongod\n');
    // Parents and start times as a real ps shows them: the shell's own, its children's, ps last.
    expect((await run(shell, 'ps -ef')).output.split('\n').slice(0, 4)).toEqual([
      'UID          PID    PPID  C STIME TTY          TIME CMD',
      'learner     4242    4241  0 13:00 pts/0    00:00:00 -bash',
      'learner    12345    4242  0 13:05 pts/0    00:00:01 mongod --port 27018 --dbpath /data/db1',
      'learner    12346    4242  0 14:05 pts/0    00:00:00 ps -ef',
    ]);
  });

  it('asks for more input on an open quote and reports EOF as bash does', async () => {
    const { shell } = setup();
    expect((await run(shell, 'echo "abc')).outcome).toEqual({ continuation: true });
    expect(shell.prompt()).toBe('> ');
    expect((await run(shell, 'def"')).output).toBe('abc\ndef\n');
    await run(shell, "echo 'x");
    expect(shell.endOfInput()).toEqual({ text: "bash: unexpected EOF while looking for matching `''\n", exit: false });
    await run(shell, 'echo "x');
    expect(shell.endOfInput()).toEqual({ text: 'bash: unexpected EOF while looking for matching `"\'\n', exit: false });
    expect(shell.endOfInput()).toEqual({ text: 'exit\n', exit: true });
    expect(shell.prompt()).toBe('morton$ ');
  });

  it('handles quotes, escapes, comments, ; && || and $HOSTNAME', async () => {
    const { shell } = setup();
    expect((await run(shell, `echo 'a  b' "c \\"d\\"" e\\ f # comment`)).output).toBe('a  b c "d" e f\n');
    expect((await run(shell, 'echo one; echo two')).output).toBe('one\ntwo\n');
    expect((await run(shell, 'false && echo no || echo yes')).output).toBe('yes\n');
    expect((await run(shell, 'echo $HOSTNAME:$(hostname -s)')).output).toBe('morton.local:morton\n');
    expect((await run(shell, ';;')).output).toBe("bash: syntax error near unexpected token `;;'\n");
    expect((await run(shell, 'ps | grep mongod')).output).toBe("bash: pipes (|) are not supported in this lab's shell\n");
  });

  it('prints mongod errors with mongod text', async () => {
    const { shell } = setup();
    expect((await run(shell, 'mongod --foo')).output).toBe(
      "Error parsing command line: unrecognised option '--foo'\ntry 'mongod --help' for more information\n",
    );
    expect((await run(shell, 'echo $?')).output).toBe('2\n');
    expect((await run(shell, 'mongod --port')).output).toBe(
      "Error parsing command line: the required argument for option '--port' is missing\ntry 'mongod --help' for more information\n",
    );
    expect((await run(shell, 'mongod --port abc')).output).toContain("the argument ('abc') for option '--port' is invalid");
    expect((await run(shell, 'mongod --replSet foo/localhost:27018')).output).toBe("BadValue: can't use localhost in replset host list\n");
    await run(shell, 'mongod');
    expect((await run(shell, 'mongod')).output).toBe('Error setting up listener: Address already in use (port 27017)\n');
    expect((await run(shell, 'mongod --version')).output).toMatch(/^db version v7\.0\.14\n/);
  });

  it('starts python and mongosh as REPLs on top of the shell', async () => {
    const { shell, host } = setup();
    expect(((await run(shell, 'python')).outcome as BashOutcome).push).toBe(host.fakePython);
    expect(((await run(shell, 'mongosh mongodb://morton.local:27017')).outcome as BashOutcome).push?.title).toBe('mongosh');
    expect((await run(shell, 'mongosh mongodb://nowhere:1')).output).toBe('MongoNetworkError: connect ECONNREFUSED nowhere:1\n');
    // Every argument goes to mongosh as typed; mongosh's own parser reads them (--port, --eval...).
    await run(shell, 'mongosh --port 27019 --quiet');
    expect(host.mongoshArgs.at(-1)).toEqual(['--port', '27019', '--quiet']);
    expect((await run(shell, 'exit')).outcome).toEqual({ exit: true });
  });

  it('survives hostile input', async () => {
    const { shell } = setup();
    const lines = ['a'.repeat(100 * 1024), '\u0000\u0001\u0002', '"'.repeat(10001), "'", '$(rm -rf /)', '${', '\\', 'echo ' + '('.repeat(1000), String.fromCharCode(...Array.from({ length: 3000 }, (_, i) => (i * 104729) % 65536))];
    for (const line of lines) {
      const r = await run(shell, line);
      if (r.outcome.continuation) shell.interrupt();
      expect(shell.prompt()).toBe('morton$ ');
    }
    expect((await run(shell, '$(rm -rf /)')).output).toBe("bash: command substitution of 'rm -rf /' is not supported in this lab's shell\n");
    expect((await run(shell, 'x'.repeat(300 * 1024))).output).toContain('bash: input line too long');
  });
});
