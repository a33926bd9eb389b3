/**
 * Client runtimes as the server sees them. The learner's Python (and mongosh) runs in a runtime
 * host — the page that typed `python`, or in CI an in-process Node host — and the terminal tab on
 * the server keeps a `ClientRuntimeRepl` on its stack that forwards each line there and waits
 * for the answer. History, scrollback, followers and the lesson's line reports stay on the server.
 */
import type { HostToServer, RuntimeKind, ServerToHost } from '@rslab/runtime';
import type { Repl, ReplIO, ReplOutcome, EndOfInput } from '../shell/io';
import type { DriverRpcLimits } from '../driver/labDriver';
import type { DriverExecutor, LabDriver } from '../driver/labDriver';

/** A place that can host client runtimes: one page's connection, or the Node host. */
export interface RuntimeHostLink {
  readonly id: string;
  send(message: ServerToHost): void;
  /** Stop whatever the host runs (the Node host's workers). */
  dispose?(): void;
}

export interface ClientRuntimesOptions {
  /** The sandbox's driver; each host gets its own executor of it. */
  driver: LabDriver;
  clock: { readonly paused: boolean; readonly speed: number };
  /** A host to use when no page can (tests and dev only; learner code never runs on the server otherwise). */
  fallbackHost?: (runtimes: ClientRuntimes) => RuntimeHostLink;
  /** How long a runtime waits for a page to host it (a fork opens shells before the page attaches). */
  hostWaitMillis?: number;
  /** How long after Ctrl-C a runtime may take to stop before it is restarted. */
  interruptGraceMillis?: number;
  rpcLimits?: Partial<DriverRpcLimits>;
  /** Told of what failed with nobody to answer (closing a page's driver clients). */
  onError?: (error: unknown, what: string) => void;
}

/** Where a runtime writes besides the line that runs: notices and a restarted runtime's banner. */
export interface RuntimeTerminal {
  notice(text: string, origin?: string): void;
}

interface HostEntry {
  link: RuntimeHostLink;
  executor: DriverExecutor;
}

let sessionCounter = 0;

/** Every client runtime of one sandbox, and the hosts that can run them. */
export class ClientRuntimes {
  private readonly hosts: HostEntry[] = [];
  private readonly sessions = new Map<string, ClientRuntimeRepl>();
  private fallback: HostEntry | null = null;
  private readonly hostWaiters = new Set<() => void>();

  constructor(private readonly options: ClientRuntimesOptions) {}

  /** Run runtimes in this process when no page hosts them (the transcript runner and CI do). */
  useFallbackHost(factory: (runtimes: ClientRuntimes) => RuntimeHostLink): void {
    this.options.fallbackHost ??= factory;
  }

  get hostWaitMillis(): number {
    return this.options.hostWaitMillis ?? 30_000;
  }

  get interruptGraceMillis(): number {
    return this.options.interruptGraceMillis ?? 5000;
  }

  /** A page (writable connection) can host runtimes from now on; returns the detach function. */
  attachHost(link: RuntimeHostLink): () => void {
    const entry: HostEntry = { link, executor: this.options.driver.executor(this.options.clock, this.options.rpcLimits) };
    this.hosts.push(entry);
    for (const wake of [...this.hostWaiters]) wake();
    return () => this.detachHost(entry);
  }

  private detachHost(entry: HostEntry): void {
    const index = this.hosts.indexOf(entry);
    if (index === -1) return;
    this.hosts.splice(index, 1);
    entry.executor.dispose().catch((error: unknown) => this.reportError(error, "closing a page's driver clients failed"));
    for (const session of this.sessions.values()) if (session.hostId === entry.link.id) session.hostLost();
  }

  /** The host for a new runtime: the page that typed the line, else the newest page, else the fallback. */
  pickHost(origin: string | undefined): HostEntry | null {
    const own = origin === undefined ? undefined : this.hosts.find((entry) => entry.link.id === origin);
    if (own) return own;
    const newest = this.hosts.at(-1);
    if (newest) return newest;
    if (this.options.fallbackHost) {
      if (!this.fallback) {
        const link = this.options.fallbackHost(this);
        this.fallback = { link, executor: this.options.driver.executor(this.options.clock, this.options.rpcLimits) };
      }
      return this.fallback;
    }
    return null;
  }

  /** Resolves when a host attaches (or at once if one is there), or with false after `millis`. */
  waitForHost(millis: number, signal: AbortSignal): Promise<boolean> {
    if (this.pickHost(undefined)) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = (value: boolean) => {
        clearTimeout(timer);
        this.hostWaiters.delete(wake);
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      };
      const wake = () => done(true);
      const onAbort = () => done(false);
      const timer = setTimeout(() => done(false), millis);
      this.hostWaiters.add(wake);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  entry(hostId: string): HostEntry | null {
    if (this.fallback?.link.id === hostId) return this.fallback;
    return this.hosts.find((entry) => entry.link.id === hostId) ?? null;
  }

  create(runtime: RuntimeKind, args: string[], terminal: RuntimeTerminal, tab: string): ClientRuntimeRepl {
    sessionCounter += 1;
    const repl = new ClientRuntimeRepl(this, `rt-${sessionCounter.toString(36)}`, runtime, args, terminal, tab);
    this.sessions.set(repl.session, repl);
    return repl;
  }

  forget(session: string): void {
    this.sessions.delete(session);
  }

  clock(): { speed: number; paused: boolean } {
    return { speed: this.options.clock.speed, paused: this.options.clock.paused };
  }

  /** Tell every host the sandbox clock changed (time.sleep follows it). */
  clockChanged(): void {
    const message: ServerToHost = { type: 'runtime.clock', ...this.clock() };
    for (const entry of this.hosts) entry.link.send(message);
    this.fallback?.link.send(message);
  }

  /** A message from a host: a runtime's progress, output or answer, or a driver call. */
  receive(hostId: string, message: HostToServer): void {
    const entry = this.entry(hostId);
    if (!entry) return;
    if (message.type === 'driver.call') {
      const session = this.sessions.get(message.session);
      if (!session || session.hostId !== hostId) {
        entry.link.send({ type: 'driver.reply', id: message.id, ok: false, error: { name: 'UnknownHandle', message: `no runtime '${message.session}' on this page` } });
        return;
      }
      // call() answers every failure as a reply; a rejection here is a bug, answered as one.
      entry.executor.call(message.id, message.session, message.method, message.params, { onProgress: (status) => session.progress(status) }).then(
        (reply) => entry.link.send({ type: 'driver.reply', id: message.id, ...reply }),
        (error: unknown) => {
          this.reportError(error, `the driver call ${message.method} failed`);
          entry.link.send({ type: 'driver.reply', id: message.id, ok: false, error: { name: 'RpcInternal', message: error instanceof Error ? error.message : String(error) } });
        },
      );
      return;
    }
    if (message.type === 'driver.cancel') {
      entry.executor.cancel(message.id);
      return;
    }
    const session = this.sessions.get(message.session);
    if (session && session.hostId === hostId) session.fromHost(message);
  }

  endSessionOnHost(hostId: string, session: string): void {
    this.entry(hostId)
      ?.executor.endSession(session)
      .catch((error: unknown) => this.reportError(error, "closing an ended runtime's driver clients failed"));
  }

  private reportError(error: unknown, what: string): void {
    this.options.onError?.(error, what);
  }

  async dispose(): Promise<void> {
    for (const session of [...this.sessions.values()]) session.dispose();
    await Promise.allSettled([...this.hosts, ...(this.fallback ? [this.fallback] : [])].map((entry) => entry.executor.dispose()));
    this.fallback?.link.dispose?.();
    this.fallback = null;
    this.hosts.length = 0;
  }
}

type Waiting =
  | { kind: 'start'; resolve: (outcome: { ok: true } | { ok: false; message: string; exitCode?: number }) => void }
  | { kind: 'line'; seq: number; resolve: (outcome: { prompt: string; exit: boolean } | { lost: string }) => void };

const titles: Record<RuntimeKind, string> = { python: 'python', mongosh: 'mongosh' };
/** Tab completion as the terminal takes it: replace from `replaceFrom` with one of `candidates`. */
export interface Completion {
  replaceFrom: number;
  candidates: string[];
}

/** How long Tab on a page that does not run the runtime waits for the page that does. */
const completionWaitMillis = 2000;
/** Both runtimes prompt `... ` for the next line of an unfinished statement (sys.ps2; Node's REPL). */
const continuationPrompt = '... ';

/**
 * One runtime on a tab's interpreter stack. `start` has the host start it; `execute` sends a
 * line and waits for the host's `runtime.done`, writing the mirrored output as it comes.
 */
export class ClientRuntimeRepl implements Repl {
  readonly title: string;
  hostId: string | null = null;
  private currentPrompt = '>>> ';
  /** The prompt outside a block: `>>> `, or mongosh's `rs0 [direct: primary] test> `. */
  private mainPrompt = '>>> ';
  private seq = 0;
  private io: ReplIO | null = null;
  private waiting: Waiting | null = null;
  private disposed = false;
  /** Set when the page that hosted this runtime went away; the next line restarts it on another. */
  private lost = false;
  private nextCompletionId = 0;
  private readonly completions = new Map<number, (completion: Completion | null) => void>();

  constructor(
    private readonly runtimes: ClientRuntimes,
    readonly session: string,
    readonly runtime: RuntimeKind,
    private readonly args: string[],
    private readonly terminal: RuntimeTerminal,
    private readonly tab: string,
  ) {
    this.title = titles[runtime];
  }

  prompt(): string {
    return this.currentPrompt;
  }

  /** Start on a host; resolves once it prompts. Throws RuntimeStartError when it cannot. */
  async start(io: ReplIO): Promise<void> {
    this.io = io;
    try {
      await this.startOnHost(io.origin, io.signal, (status) => io.onProgress?.(status));
    } finally {
      this.io = null;
    }
  }

  private async startOnHost(origin: string | undefined, signal: AbortSignal, progress: (status: string | null) => void): Promise<void> {
    let entry = this.runtimes.pickHost(origin);
    if (!entry) {
      progress(`waiting for a page to run ${this.title} in…`);
      const found = await this.runtimes.waitForHost(this.runtimes.hostWaitMillis, signal);
      progress(null);
      entry = found ? this.runtimes.pickHost(origin) : null;
      if (!entry) throw new RuntimeStartError(signal.aborted ? 'KeyboardInterrupt' : `${this.title}: no page is open to run it in (the lab runs ${this.title} in your browser tab)`);
    }
    this.hostId = entry.link.id;
    this.lost = false;
    const started = new Promise<{ ok: true } | { ok: false; message: string; exitCode?: number }>((resolve) => {
      this.waiting = { kind: 'start', resolve };
    });
    entry.link.send({ type: 'runtime.start', session: this.session, tab: this.tab, runtime: this.runtime, args: this.args, clock: this.runtimes.clock() });
    const onAbort = () => this.send({ type: 'runtime.stop', session: this.session });
    signal.addEventListener('abort', onAbort, { once: true });
    const outcome = await started.finally(() => signal.removeEventListener('abort', onAbort));
    if (!outcome.ok) {
      this.hostId = null;
      throw new RuntimeStartError(outcome.message, outcome.exitCode);
    }
  }

  private send(message: ServerToHost): void {
    if (this.hostId === null) return;
    this.runtimes.entry(this.hostId)?.link.send(message);
  }

  progress(status: string | null): void {
    this.io?.onProgress?.(status);
  }

  fromHost(message: HostToServer): void {
    switch (message.type) {
      case 'runtime.progress':
        this.progress(message.status);
        return;
      case 'runtime.output':
        if (this.io) this.io.write(message.data, this.hostId ?? undefined);
        else this.terminal.notice(message.data, this.hostId ?? undefined);
        return;
      case 'runtime.ready':
        if (this.waiting?.kind === 'start') {
          const { resolve } = this.waiting;
          this.waiting = null;
          this.currentPrompt = message.prompt;
          this.mainPrompt = message.prompt;
          resolve({ ok: true });
        }
        return;
      case 'runtime.failed':
        if (this.waiting?.kind === 'start') {
          const { resolve } = this.waiting;
          this.waiting = null;
          resolve({ ok: false, message: message.message, ...(message.exitCode !== undefined ? { exitCode: message.exitCode } : {}) });
        }
        return;
      case 'runtime.done':
        if (this.waiting?.kind === 'line' && this.waiting.seq === message.seq) {
          const { resolve } = this.waiting;
          this.waiting = null;
          resolve({ prompt: message.prompt, exit: message.exit === true });
        }
        return;
      case 'runtime.exited':
        this.hostLost(`[${this.title} stopped: ${message.message}]\n`);
        return;
      case 'runtime.completion': {
        const resolve = this.completions.get(message.id);
        this.completions.delete(message.id);
        resolve?.({ replaceFrom: message.replaceFrom, candidates: message.candidates });
        return;
      }
    }
  }

  /**
   * Tab typed on a page that does not run this runtime (a follower, a second window): ask the
   * page that does. No host, or no answer within completionWaitMillis, completes nothing.
   */
  complete(line: string, cursor: number): Promise<Completion> {
    const none: Completion = { replaceFrom: cursor, candidates: [] };
    if (this.hostId === null || this.disposed) return Promise.resolve(none);
    const id = this.nextCompletionId++;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.completions.delete(id);
        resolve(none);
      }, completionWaitMillis);
      this.completions.set(id, (completion) => {
        clearTimeout(timer);
        resolve(completion ?? none);
      });
      this.send({ type: 'runtime.complete', session: this.session, id, line, cursor });
    });
  }

  private dropCompletions(): void {
    for (const resolve of this.completions.values()) resolve(null);
    this.completions.clear();
  }

  /** The host page went away (reload, close) or the runtime died. */
  hostLost(text = `[${this.title} was running in a page that closed or reloaded; its variables are gone]\n`): void {
    if (this.disposed || this.hostId === null) return;
    const hostId = this.hostId;
    this.hostId = null;
    this.lost = true;
    this.dropCompletions();
    this.runtimes.endSessionOnHost(hostId, this.session);
    const waiting = this.waiting;
    this.waiting = null;
    if (waiting?.kind === 'line') waiting.resolve({ lost: text });
    else if (waiting?.kind === 'start') waiting.resolve({ ok: false, message: text.trim() });
    else this.terminal.notice(text);
  }

  async execute(line: string, io: ReplIO): Promise<ReplOutcome> {
    if (this.lost || this.hostId === null) {
      // The page that ran it is gone: start afresh wherever this line came from.
      io.write(`[starting a fresh ${this.title} on this page]\n`);
      try {
        await this.startOnHost(io.origin, io.signal, (status) => io.onProgress?.(status));
      } catch (error) {
        io.write(`${error instanceof Error ? error.message : String(error)}\n`);
        return { exit: true };
      }
      io.onProgress?.(null);
    }
    this.io = io;
    this.seq += 1;
    const seq = this.seq;
    const done = new Promise<{ prompt: string; exit: boolean } | { lost: string }>((resolve) => {
      this.waiting = { kind: 'line', seq, resolve };
    });
    this.send({ type: 'runtime.line', session: this.session, seq, line });
    let graceTimer: ReturnType<typeof setTimeout> | null = null;
    const onAbort = () => {
      this.send({ type: 'runtime.signal', session: this.session, signal: 'interrupt' });
      // A runtime that does not stop on Ctrl-C (stuck in native code) is ended; the tab goes on.
      // (JavaScript in a busy loop cannot be interrupted at all: mongosh's worker is ended this way.)
      graceTimer = setTimeout(() => {
        this.send({ type: 'runtime.stop', session: this.session });
        this.hostLost(`\n[${this.title} did not stop after Ctrl-C, so it was ended; the next line starts a fresh ${this.title}]\n`);
      }, this.runtimes.interruptGraceMillis);
    };
    io.signal.addEventListener('abort', onAbort, { once: true });
    try {
      const outcome = await done;
      if ('lost' in outcome) {
        // The tab stays in this shell: the next line starts a fresh one on a page that is there.
        io.write(outcome.lost);
        this.currentPrompt = this.mainPrompt;
        return {};
      }
      this.currentPrompt = outcome.prompt;
      if (outcome.exit) return { exit: true };
      if (outcome.prompt !== continuationPrompt) this.mainPrompt = outcome.prompt;
      return outcome.prompt === continuationPrompt ? { continuation: true } : {};
    } finally {
      if (graceTimer) clearTimeout(graceTimer);
      io.signal.removeEventListener('abort', onAbort);
      this.io = null;
    }
  }

  /**
   * Ctrl-C at the prompt: drop a half-typed block. Python says KeyboardInterrupt; mongosh (Node's
   * REPL) drops a pending statement silently and, at an empty prompt, says how to leave.
   */
  interrupt(): string {
    const inBlock = this.currentPrompt === continuationPrompt;
    this.send({ type: 'runtime.signal', session: this.session, signal: 'reset' });
    this.currentPrompt = this.mainPrompt;
    if (this.runtime === 'python') return '\nKeyboardInterrupt\n';
    return inBlock ? '\n' : '\n(To exit, press Ctrl+C again or Ctrl+D or type .exit)\n';
  }

  /** Ctrl-D: inside a block it drops the block; at the prompt it leaves, as Python and mongosh do. */
  endOfInput(): EndOfInput {
    if (this.currentPrompt === continuationPrompt) {
      this.send({ type: 'runtime.signal', session: this.session, signal: 'reset' });
      this.currentPrompt = this.mainPrompt;
      return { text: '\n', exit: false };
    }
    return { text: '\n', exit: true };
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    const hostId = this.hostId;
    this.send({ type: 'runtime.stop', session: this.session });
    if (hostId !== null) this.runtimes.endSessionOnHost(hostId, this.session);
    this.hostId = null;
    this.dropCompletions();
    this.runtimes.forget(this.session);
  }
}

/** Our own error: a runtime could not start (no page, or the page could not load it). */
export class RuntimeStartError extends Error {
  override readonly name = 'RuntimeStartError';
  /** The runtime ended by itself at start with this code (mongosh --eval), having printed why. */
  constructor(message: string, readonly exitCode?: number) {
    super(message);
  }
}
