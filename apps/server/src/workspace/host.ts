import { BashCommandError, type BashHost, type MongodStarted, type ProcessInfo } from '../shell/bash/shell';
import type { MongodOptions } from '../mongod/flags';
import type { Repl, ReplIO } from '../shell/io';
import { EngineCommandError, type Signal } from '../engine/engine';
import type { Lab } from '../sandbox/lab';
import { RuntimeStartError, type ClientRuntimes, type RuntimeTerminal } from '../runtime/clientRuntime';
import type { RuntimeKind } from '@rslab/runtime';

const signalByNumber: Record<number, Signal> = { 2: 'SIGINT', 9: 'SIGKILL', 15: 'SIGTERM' };

/** The sandbox as the bash-like shell sees it: its processes, their logs, and the REPLs it can start. */
export class SandboxHost implements BashHost {
  constructor(
    private readonly lab: Lab,
    /** The sandbox's client runtimes (Python, mongosh) and the pages that host them. */
    private readonly runtimes: ClientRuntimes,
    /** The tab this shell runs in, for notices from a client runtime outside a line. */
    private readonly terminal: RuntimeTerminal = { notice: () => undefined },
    private readonly tabId = '',
  ) {}

  hostname(): string {
    return this.lab.hostname;
  }

  now(): number {
    return this.lab.now();
  }

  async mongod(options: MongodOptions, io: ReplIO): Promise<MongodStarted> {
    try {
      const process = await this.lab.engine.start(options);
      void io;
      return { pid: process.pid, port: process.port, logHint: `logs ${process.pid}` };
    } catch (error) {
      if (error instanceof EngineCommandError) throw new BashCommandError(error.output, error.exitCode);
      throw error;
    }
  }

  ps(): ProcessInfo[] {
    const now = this.lab.now();
    return this.lab.engine
      .processes()
      .filter((p) => p.running)
      .map((p) => ({ pid: p.pid, args: p.argv, cpuSeconds: Math.max(0, Math.round((now - p.startedAt) / 50_000)), startedAtMillis: p.startedAt }));
  }

  async kill(signal: number, pid: number): Promise<boolean> {
    const name = signalByNumber[signal];
    const running = this.lab.engine.processes().some((p) => p.pid === pid && p.running);
    if (!running) return false;
    if (!name) return true; // other signals reach the process and change nothing a lesson can see
    return this.lab.engine.signal(pid, name);
  }

  async logs(target: number | string, follow: boolean, io: ReplIO): Promise<void> {
    const pid = typeof target === 'number' ? target : this.pidForLogpath(target);
    const lines = pid === null ? null : await this.lab.engine.logLines(pid);
    if (pid === null || lines === null) {
      throw new BashCommandError(
        typeof target === 'number' ? `logs: no process with PID ${target}\n` : `tail: cannot open '${target}' for reading: No such file or directory\n`,
        1,
      );
    }
    for (const line of lines.slice(-200)) io.write(`${line}\n`);
    if (!follow) return;
    const stop = this.lab.engine.followLog(pid, (line) => io.write(`${line}\n`));
    await new Promise<void>((resolve) => {
      if (io.signal.aborted) resolve();
      else io.signal.addEventListener('abort', () => resolve(), { once: true });
    });
    stop();
  }

  private pidForLogpath(path: string): number | null {
    const processes = this.lab.engine.processes();
    const match = processes.filter((p) => p.argv.some((arg, i) => arg === path && p.argv[i - 1] === '--logpath')).at(-1);
    return match?.pid ?? null;
  }

  /** CPython in the learner's page (or the Node host in CI), with our pymongo. */
  python(io: ReplIO): Promise<Repl> {
    return this.startRuntime('python', [], io);
  }

  /** mongosh's own shell in the learner's page; mongosh's parser reads `args` there. */
  mongosh(args: string[], io: ReplIO): Promise<Repl> {
    return this.startRuntime('mongosh', args, io);
  }

  private async startRuntime(runtime: RuntimeKind, args: string[], io: ReplIO): Promise<Repl> {
    const repl = this.runtimes.create(runtime, args, this.terminal, this.tabId);
    try {
      await repl.start(io);
    } catch (error) {
      repl.dispose();
      if (error instanceof RuntimeStartError) {
        // A runtime that ended by itself (mongosh --eval, a refused connection) has printed why.
        if (error.exitCode !== undefined) throw new BashCommandError(error.message === '' ? '' : `${error.message}\n`, error.exitCode);
        throw new BashCommandError(`${error.message}\n`, 1);
      }
      throw error;
    }
    return repl;
  }
}
