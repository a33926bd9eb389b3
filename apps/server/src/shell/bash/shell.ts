/**
 * The bash-like shell every terminal starts in. It parses the line and dispatches to a narrow
 * `BashHost` that the sandbox implements (processes, logs, the Python and mongosh REPLs).
 */
import type { EndOfInput, Repl, ReplIO, ReplOutcome, SourceLimits } from '../io';
import { pythonVersion } from '@rslab/runtime';
import { defaultSourceLimits } from '../io';
import type { Completion } from '../complete';
import { completeBash } from '../complete';
import type { MongodOptions } from '../../mongod/flags';
import { parseMongodArgs } from '../../mongod/flags';
import type { SimpleCommand } from './tokenize';
import { parseCommands, tokenizeBash } from './tokenize';

export interface ProcessInfo {
  pid: number;
  /** The command line as typed (`mongod --port 27018 ...`). */
  args: string[];
  /** CPU time used, in seconds, for `ps`. */
  cpuSeconds: number;
  /** When it started, in sandbox-clock millis (`ps -ef`'s STIME). */
  startedAtMillis: number;
}

export interface MongodStarted {
  pid: number;
  port: number;
  /** How to see its log (e.g. `logs 4242`), shown after the PID. */
  logHint: string;
}

/** Thrown by a host command with the exact text the real tool prints (newline-terminated). */
export class BashCommandError extends Error {
  override readonly name = 'BashCommandError';
  constructor(
    readonly text: string,
    readonly exitCode = 1,
  ) {
    super(text);
  }
}

/** What the shell needs from the sandbox. */
export interface BashHost {
  hostname(): string;
  /** Sandbox-clock millis now. */
  now(): number;
  /** Starts a member; throws BashCommandError with mongod's own output when it cannot (port taken...). */
  mongod(options: MongodOptions, io: ReplIO): Promise<MongodStarted>;
  ps(): ProcessInfo[];
  /** Sends a signal; false when there is no such process. */
  kill(signal: number, pid: number): Promise<boolean>;
  /**
   * Writes a process's log (by PID, or by its `--logpath`) to `io`; with `follow`, keeps writing
   * until `io.signal` aborts. Throws BashCommandError when there is no such process or file.
   */
  logs(target: number | string, follow: boolean, io: ReplIO): Promise<void>;
  /**
   * A fresh Python REPL (`python`, `python3`): CPython started in the learner's page. Resolves
   * once it prompts (it prints its banner and loading progress through `io`); throws
   * BashCommandError when it cannot start.
   */
  python(io: ReplIO): Promise<Repl>;
  /**
   * mongosh with these arguments (URI, `--host`, `--port`, `--eval`, `--quiet`, `--nodb`…, read
   * by mongosh's own parser), started in the learner's page. Resolves once it prompts (it prints
   * its own start-up lines); when mongosh ends at start (`--eval`, `--help`, a refused connection)
   * it throws BashCommandError with its exit code, having printed what mongosh prints.
   */
  mongosh(args: string[], io: ReplIO): Promise<Repl>;
}

export interface BashOutcome extends ReplOutcome {
  /** Run this REPL on top of the shell until it exits. */
  push?: Repl;
}

export const signalNumbers: Record<string, number> = {
  HUP: 1, INT: 2, QUIT: 3, KILL: 9, USR1: 10, USR2: 12, TERM: 15, CONT: 18, STOP: 19,
};

/** The PID `ps` shows for the shell itself. */
export const shellPid = 4242;
/** The shell's parent: the terminal session that started it. */
const terminalPid = 4241;

const killUsage = 'kill: usage: kill [-s sigspec | -n signum | -sigspec] pid | jobspec ... or kill -l [sigspec]\n';

export const bashHelpText = `Replica Set Lab shell. Commands:
  hostname              print this machine's name
  mongod [options]      start a mongod (e.g. --port 27018 --dbpath /data/db1 --replSet foo)
  ps                    list running processes
  kill [-9|-15] PID     stop a process (-9: at once, -15: cleanly, the default)
  logs PID              show a process's log (logs -f PID follows it; Ctrl-C stops)
  python, python3       start Python with PyMongo
  mongosh [URI]         start the MongoDB shell
  echo TEXT             print TEXT
  clear, reset          clear the screen
  help                  this text
  exit                  close this shell
`;

/** The lab's bash. */
export class BashShell implements Repl {
  readonly title = 'bash';
  private pending: string[] = [];
  private status = 0;
  private readonly jobs: number[] = [];
  private readonly notesShown = new Set<string>();

  private readonly startedAtMillis: number;

  constructor(
    private readonly host: BashHost,
    private readonly limits: SourceLimits = defaultSourceLimits,
  ) {
    this.startedAtMillis = host.now();
  }

  prompt(): string {
    if (this.pending.length > 0) return '> ';
    return `${this.host.hostname().split('.')[0] ?? ''}$ `;
  }

  /** Ctrl-D on an empty line: inside a quote, bash's EOF message; otherwise it exits. */
  endOfInput(): EndOfInput {
    if (this.pending.length === 0) return { text: 'exit\n', exit: true };
    const src = this.pending.join('\n');
    this.pending = [];
    this.status = 2;
    const r = tokenizeBash(src, this.expandEnv());
    if (r.status === 'incomplete' && r.lookingFor !== '\\' && r.lookingFor !== 'command') {
      return { text: `bash: unexpected EOF while looking for matching \`${r.lookingFor}'\n`, exit: false };
    }
    return { text: 'bash: syntax error: unexpected end of file\n', exit: false };
  }

  complete(line: string, cursor: number): Completion {
    return completeBash(line, cursor, this.host);
  }

  /** Ctrl-C at the prompt: drops a pending continuation. */
  interrupt(): string {
    this.pending = [];
    this.status = 130;
    // The terminal has already echoed ^C, as a tty does.
    return '\n';
  }

  private expandEnv() {
    return {
      variable: (name: string): string | undefined => {
        switch (name) {
          case '?':
            return String(this.status);
          case 'HOSTNAME':
            return this.host.hostname();
          case 'HOME':
            return '/home/learner';
          case 'USER':
          case 'LOGNAME':
            return 'learner';
          case 'SHELL':
            return '/bin/bash';
          case 'PWD':
            return '/home/learner';
          case '$':
            return String(shellPid);
          default:
            return undefined;
        }
      },
      substitute: (command: string): string | undefined => {
        if (command === 'hostname' || command === 'hostname -f') return this.host.hostname();
        if (command === 'hostname -s') return this.host.hostname().split('.')[0];
        return undefined;
      },
    };
  }

  async execute(line: string, io: ReplIO): Promise<BashOutcome> {
    const pendingLength = this.pending.reduce((n, l) => n + l.length + 1, 0);
    if (line.length + pendingLength > this.limits.sourceLengthMax) {
      this.pending = [];
      io.write(`bash: input line too long (${line.length + pendingLength} characters; this lab accepts up to ${this.limits.sourceLengthMax})\n`);
      this.status = 1;
      return {};
    }
    if (line.includes('\0')) {
      line = line.replace(/\0/g, '');
      io.write('bash: warning: command substitution: ignored null byte in input\n');
    }
    const lines = [...this.pending, line];
    const r = tokenizeBash(lines.join('\n'), this.expandEnv());
    if (r.status === 'incomplete') {
      if (lines.length >= this.limits.continuationLinesMax) {
        this.pending = [];
        const what = r.lookingFor === '\\' || r.lookingFor === 'command' ? 'bash: syntax error: unexpected end of file\n' : `bash: unexpected EOF while looking for matching \`${r.lookingFor}'\n`;
        io.write(what);
        this.status = 2;
        return {};
      }
      // A trailing backslash joins lines without a newline between them.
      this.pending = r.lookingFor === '\\' ? [...lines.slice(0, -1), `${line.slice(0, -1)}\\`] : lines;
      return { continuation: true };
    }
    this.pending = [];
    if (r.status === 'error') {
      io.write(`${r.message}\n`);
      this.status = r.message.includes('syntax error') ? 2 : 1;
      return {};
    }
    const parsed = parseCommands(r.tokens);
    if (parsed.status === 'error') {
      io.write(`${parsed.message}\n`);
      this.status = 2;
      return {};
    }
    for (const command of parsed.commands) {
      if (command.after === '&&' && this.status !== 0) continue;
      if (command.after === '||' && this.status === 0) continue;
      if (io.signal.aborted) break;
      const outcome = await this.runCommand(command, io);
      if (outcome.exit || outcome.push) return outcome;
    }
    return {};
  }

  private async runCommand(command: SimpleCommand, io: ReplIO): Promise<BashOutcome> {
    const [name = '', ...args] = command.words;
    try {
      const outcome = await this.dispatch(name, args, command.background, io);
      return outcome;
    } catch (e) {
      if (e instanceof BashCommandError) {
        io.write(e.text.endsWith('\n') || e.text === '' ? e.text : `${e.text}\n`);
        this.status = e.exitCode;
        return {};
      }
      this.status = 1;
      io.write(`bash: ${name.slice(0, 100)}: internal error: ${e instanceof Error ? e.message : String(e)}\n`);
      return {};
    }
  }

  private async dispatch(name: string, args: string[], background: boolean, io: ReplIO): Promise<BashOutcome> {
    this.status = 0;
    switch (name) {
      case '':
        return {};
      case 'hostname':
        io.write(`${args.includes('-s') ? this.host.hostname().split('.')[0] : this.host.hostname()}\n`);
        return {};
      case 'echo': {
        let rest = args;
        let newline = true;
        if (rest[0] === '-n') {
          newline = false;
          rest = rest.slice(1);
        }
        io.write(rest.join(' ') + (newline ? '\n' : ''));
        return {};
      }
      case 'help':
        io.write(bashHelpText);
        return {};
      case 'clear':
      case 'reset':
        io.clear?.();
        return {};
      case 'exit': {
        const code = args[0];
        if (code !== undefined && !/^-?[0-9]+$/.test(code)) {
          io.write(`exit\nbash: exit: ${code}: numeric argument required\n`);
          return { exit: true };
        }
        io.write('exit\n');
        return { exit: true };
      }
      case 'true':
      case ':':
        return {};
      case 'false':
        this.status = 1;
        return {};
      case 'pwd':
        io.write('/home/learner\n');
        return {};
      case 'whoami':
        io.write('learner\n');
        return {};
      case 'mongod':
        return this.mongod(args, background, io);
      case 'ps':
        return this.ps(args, io);
      case 'kill':
        return this.kill(args, io);
      case 'logs':
        return this.logs(args, io);
      case 'tail': {
        const follow = args.includes('-f') || args.includes('-F');
        const files = args.filter((a) => !a.startsWith('-'));
        if (files.length === 0) throw new BashCommandError("tail: the lab's tail reads a mongod log: tail -f PATH\n", 1);
        await this.host.logs(files[0] ?? '', follow, io);
        return {};
      }
      case 'python':
      case 'python3': {
        if (args.length > 0) {
          if (args[0] === '--version' || args[0] === '-V') {
            io.write(`Python ${pythonVersion}\n`);
            return {};
          }
          throw new BashCommandError(`${name}: only the interactive interpreter is available in this lab (run ${name} with no arguments)\n`, 2);
        }
        return { push: await this.host.python(io) };
      }
      case 'mongosh':
      case 'mongo': {
        if (name === 'mongo') {
          io.write("note: the legacy 'mongo' shell was removed in MongoDB 6.0; starting mongosh instead.\n");
        }
        return { push: await this.host.mongosh(args, io) };
      }
      case 'cd':
      case 'mkdir':
      case 'sudo':
        if (name === 'sudo') return this.dispatch(args[0] ?? '', args.slice(1), background, io);
        return {};
      default:
        this.status = 127;
        io.write(`bash: ${name.slice(0, 200)}: command not found\n`);
        return {};
    }
  }

  private async mongod(args: string[], background: boolean, io: ReplIO): Promise<BashOutcome> {
    const parsed = parseMongodArgs(args);
    if (parsed.kind === 'print') {
      io.write(parsed.text);
      return {};
    }
    if (parsed.kind === 'error') throw new BashCommandError(parsed.text, parsed.exitCode);
    // The lab's notes on what changed since 2010: once per shell, not on every member's line.
    for (const note of parsed.notes) {
      if (this.notesShown.has(note)) continue;
      this.notesShown.add(note);
      io.write(`${note}\n`);
    }
    const started = await this.host.mongod(parsed.options, io);
    if (background) {
      this.jobs.push(started.pid);
      io.write(`[${this.jobs.length}] ${started.pid}\n`);
    }
    io.write(`mongod ${started.pid} is listening on port ${started.port} (runs in the background; ${started.logHint})\n`);
    return {};
  }

  private ps(args: string[], io: ReplIO): BashOutcome {
    const full = args.some((a) => /^-?[a-zA-Z]*[aefx]/.test(a));
    const now = this.host.now();
    const started = this.host.ps();
    // ps itself is the newest process: the next PID after everything running.
    const psPid = Math.max(shellPid, ...started.map((p) => p.pid)) + 1;
    const processes = [
      { pid: shellPid, ppid: terminalPid, args: ['-bash'], cpuSeconds: 0, startedAtMillis: this.startedAtMillis },
      ...started.map((p) => ({ ...p, ppid: shellPid })),
      { pid: psPid, ppid: shellPid, args: ['ps', ...args], cpuSeconds: 0, startedAtMillis: now },
    ];
    const stime = (millis: number): string => new Date(millis).toISOString().slice(11, 16);
    const time = (s: number): string => {
      const t = Math.floor(s);
      return `${String(Math.floor(t / 3600)).padStart(2, '0')}:${String(Math.floor(t / 60) % 60).padStart(2, '0')}:${String(t % 60).padStart(2, '0')}`;
    };
    if (full) {
      let out = 'UID          PID    PPID  C STIME TTY          TIME CMD\n';
      for (const p of processes) {
        out += `learner  ${String(p.pid).padStart(7)} ${String(p.ppid).padStart(7)}  0 ${stime(p.startedAtMillis)} pts/0    ${time(p.cpuSeconds)} ${p.args.join(' ')}\n`;
      }
      io.write(out);
      return {};
    }
    let out = '    PID TTY          TIME CMD\n';
    for (const p of processes) {
      const cmd = (p.args[0] ?? '').replace(/^-/, '').split('/').at(-1) ?? '';
      out += `${String(p.pid).padStart(7)} pts/0    ${time(p.cpuSeconds)} ${cmd}\n`;
    }
    io.write(out);
    return {};
  }

  private async kill(args: string[], io: ReplIO): Promise<BashOutcome> {
    if (args.length === 0) throw new BashCommandError(killUsage, 2);
    let signal = 15;
    let rest = args;
    const first = rest[0] ?? '';
    const parseSignal = (spec: string): number | null => {
      if (/^[0-9]+$/.test(spec)) {
        const n = Number(spec);
        return n >= 0 && n <= 64 ? n : null;
      }
      const upper = spec.toUpperCase().replace(/^SIG/, '');
      return signalNumbers[upper] ?? null;
    };
    if (first === '-l' || first === '-L') {
      io.write(' 1) SIGHUP\t 2) SIGINT\t 3) SIGQUIT\t 9) SIGKILL\t10) SIGUSR1\n12) SIGUSR2\t15) SIGTERM\t18) SIGCONT\t19) SIGSTOP\n');
      return {};
    }
    if (first === '-s' || first === '-n') {
      const spec = rest[1];
      if (spec === undefined) throw new BashCommandError(`bash: kill: ${first}: option requires an argument\n${killUsage}`, 2);
      const n = parseSignal(spec);
      if (n === null) throw new BashCommandError(`bash: kill: ${spec}: invalid signal specification\n`, 1);
      signal = n;
      rest = rest.slice(2);
    } else if (first.startsWith('-') && first !== '-' && first !== '--') {
      const n = parseSignal(first.slice(1));
      if (n === null) throw new BashCommandError(`bash: kill: ${first.slice(1)}: invalid signal specification\n`, 1);
      signal = n;
      rest = rest.slice(1);
    } else if (first === '--') {
      rest = rest.slice(1);
    }
    if (rest.length === 0) throw new BashCommandError(killUsage, 2);
    let failed = false;
    for (const target of rest) {
      let pid: number;
      if (/^%[0-9]+$/.test(target)) {
        const job = this.jobs[Number(target.slice(1)) - 1];
        if (job === undefined) {
          io.write(`bash: kill: ${target}: no such job\n`);
          failed = true;
          continue;
        }
        pid = job;
      } else if (/^-?[0-9]+$/.test(target)) {
        pid = Number(target);
      } else {
        io.write(`bash: kill: ${target.slice(0, 100)}: arguments must be process or job IDs\n`);
        failed = true;
        continue;
      }
      // The shell's own PID: an interactive bash ignores TERM/INT; the lab ignores the rest too.
      if (pid === shellPid) continue;
      const ok = signal === 0 ? this.host.ps().some((p) => p.pid === pid) : await this.host.kill(signal, pid);
      if (!ok) {
        io.write(`bash: kill: (${pid}) - No such process\n`);
        failed = true;
      }
    }
    this.status = failed ? 1 : 0;
    return {};
  }

  private async logs(args: string[], io: ReplIO): Promise<BashOutcome> {
    const follow = args.includes('-f');
    const targets = args.filter((a) => a !== '-f');
    const target = targets[0];
    if (target === undefined || targets.length > 1) throw new BashCommandError('usage: logs [-f] PID\n', 2);
    if (!/^[0-9]+$/.test(target)) throw new BashCommandError(`logs: ${target.slice(0, 100)}: not a process ID (see ps)\n`, 1);
    await this.host.logs(Number(target), follow, io);
    return {};
  }
}
