/**
 * The runtime host: where a tab's client runtime (Python, mongosh) lives. It takes the server's
 * runtime messages, runs one worker per runtime session, answers the worker's blocking driver
 * calls through the server, shows output at once and mirrors it to the server. The page (a Web
 * Worker per runtime) and CI (a worker_thread per runtime) use this same class.
 */
import { createSyncBuffers, HostChannel } from '../bridge/syncChannel';
import type { FromWorker, RuntimeAssets, RuntimeKind, ToWorker } from '../worker/messages';
import type { DriverRpcError, HostToServer, ServerToHost } from './messages';

export type { DriverRpcError, HostToServer, ServerToHost } from './messages';

/** The little of a Worker (browser) or worker_threads Worker (Node) the host uses. */
export interface WorkerLike {
  postMessage(message: ToWorker): void;
  onMessage(handler: (message: FromWorker) => void): void;
  onError(handler: (error: Error) => void): void;
  terminate(): void;
}

export interface RuntimeHostOptions {
  send(message: HostToServer): void;
  createWorker(runtime: RuntimeKind): WorkerLike;
  assets: RuntimeAssets;
  /** Our Python package's files, path → source; loaded once. */
  pythonSources(): Promise<Record<string, string>>;
  /** Show output on this host's own screen (the page's terminal); CI keeps nothing. */
  onOutput?(tab: string, data: string): void;
  /** Called when a session ends, for whatever the host keeps per tab. */
  onSessionEnd?(tab: string, session: string): void;
  limits?: Partial<RuntimeHostLimits>;
}

export interface RuntimeHostLimits {
  /** How often mirrored output goes to the server, at most. */
  mirrorIntervalMillis: number;
  /** Mirrored characters per second; a flood beyond it is cut and says how much was left out. */
  mirrorCharsPerSecondMax: number;
  /** Runtimes one host runs at once. */
  sessionsMax: number;
}

export const defaultRuntimeHostLimits: RuntimeHostLimits = {
  mirrorIntervalMillis: 100,
  mirrorCharsPerSecondMax: 64 * 1024,
  sessionsMax: 8,
};

interface Session {
  id: string;
  tab: string;
  runtime: RuntimeKind;
  worker: WorkerLike;
  channel: HostChannel;
  /** The driver call the worker is blocked on, if any. */
  pendingCall: number | null;
  mirror: string;
  mirrorTimer: ReturnType<typeof setTimeout> | null;
  mirrorWindowStart: number;
  mirroredInWindow: number;
  droppedChars: number;
  completions: Map<number, (result: { replaceFrom: number; candidates: string[] }) => void>;
  ended: boolean;
  /** The server draws the start-up progress line on this screen too; our first output replaces it. */
  progressShown: boolean;
}

export interface LocalCompletion {
  replaceFrom: number;
  candidates: string[];
}

export class RuntimeHost {
  private readonly sessions = new Map<string, Session>();
  private readonly calls = new Map<number, Session>();
  private nextCallId = 1;
  private nextCompletionId = 1;
  private clock = { speed: 1, paused: false };
  private sourcesPromise: Promise<Record<string, string>> | null = null;
  private readonly limits: RuntimeHostLimits;

  constructor(private readonly options: RuntimeHostOptions) {
    this.limits = { ...defaultRuntimeHostLimits, ...options.limits };
  }

  /** The session running in `tab` on this host, if any. */
  sessionForTab(tab: string): string | null {
    for (const session of this.sessions.values()) if (session.tab === tab && !session.ended) return session.id;
    return null;
  }

  get size(): number {
    return this.sessions.size;
  }

  /** Load what a runtime needs ahead of time (the page does this when idle). */
  prefetchSources(): Promise<Record<string, string>> {
    this.sourcesPromise ??= this.options.pythonSources();
    return this.sourcesPromise;
  }

  handle(message: ServerToHost): void {
    switch (message.type) {
      case 'runtime.start':
        void this.start(message);
        return;
      case 'runtime.line': {
        const session = this.sessions.get(message.session);
        session?.worker.postMessage({ kind: 'line', seq: message.seq, line: message.line });
        return;
      }
      case 'runtime.signal':
        if (message.signal === 'interrupt') this.interrupt(message.session);
        else this.sessions.get(message.session)?.worker.postMessage({ kind: 'reset' });
        return;
      case 'runtime.stop':
        this.end(message.session);
        return;
      case 'runtime.complete': {
        // Tab on another page that shows this tab (a follower): answered from this runtime.
        const { session, id } = message;
        const answer = this.completeInSession(session, message.line, message.cursor);
        void answer.then((result) => this.options.send({ type: 'runtime.completion', session, id, ...result }));
        return;
      }
      case 'runtime.clock':
        this.clock = { speed: message.speed, paused: message.paused };
        for (const session of this.sessions.values()) session.channel.setClock(message.speed, message.paused);
        return;
      case 'driver.reply': {
        const session = this.calls.get(message.id);
        this.calls.delete(message.id);
        if (!session || session.pendingCall !== message.id || session.ended) return;
        session.pendingCall = null;
        session.channel.answer(JSON.stringify(message.ok ? { ok: true, result: message.result } : { ok: false, error: message.error }));
        return;
      }
    }
  }

  /** Ctrl-C on this page: raise KeyboardInterrupt now, without waiting for the server's signal. */
  interruptTab(tab: string): boolean {
    const id = this.sessionForTab(tab);
    if (id === null) return false;
    this.interrupt(id);
    return true;
  }

  /** Tab completion from the runtime itself (Python: rlcompleter over the live namespace). */
  complete(tab: string, line: string, cursor: number): Promise<LocalCompletion> | null {
    const id = this.sessionForTab(tab);
    return id === null || !this.sessions.has(id) ? null : this.completeInSession(id, line, cursor);
  }

  /** Completion in one session; never rejects (an ended session answers no candidates). */
  private completeInSession(id: string, line: string, cursor: number): Promise<LocalCompletion> {
    const session = this.sessions.get(id);
    if (!session) return Promise.resolve({ replaceFrom: cursor, candidates: [] });
    const requestId = this.nextCompletionId++;
    return new Promise((resolve) => {
      session.completions.set(requestId, resolve);
      session.worker.postMessage({ kind: 'complete', id: requestId, line, cursor });
    });
  }

  /** Stop every runtime (the page is closing, or the connection was replaced). */
  dispose(): void {
    for (const id of [...this.sessions.keys()]) this.end(id);
  }

  private interrupt(id: string): void {
    const session = this.sessions.get(id);
    if (!session) return;
    session.channel.interrupt();
    const call = session.pendingCall;
    if (call !== null) {
      // The worker stops waiting at once; the server is told to abort the call, and its late
      // answer is dropped.
      session.pendingCall = null;
      this.calls.delete(call);
      session.channel.answer(JSON.stringify({ interrupted: true }));
      this.options.send({ type: 'driver.cancel', id: call });
    }
  }

  private async start(message: Extract<ServerToHost, { type: 'runtime.start' }>): Promise<void> {
    const { session: id, tab, runtime } = message;
    if (this.sessions.has(id)) return;
    const fail = (text: string): void => this.options.send({ type: 'runtime.failed', session: id, message: text });
    if (this.sessions.size >= this.limits.sessionsMax) {
      fail(`this page already runs ${this.limits.sessionsMax} shells; exit one first`);
      return;
    }
    let buffers;
    let worker: WorkerLike;
    try {
      buffers = createSyncBuffers();
      worker = this.options.createWorker(runtime);
    } catch (error) {
      fail(error instanceof Error ? error.message : String(error));
      return;
    }
    const channel = new HostChannel(buffers);
    this.clock = message.clock;
    channel.setClock(message.clock.speed, message.clock.paused);
    const session: Session = {
      id,
      tab,
      runtime,
      worker,
      channel,
      pendingCall: null,
      mirror: '',
      mirrorTimer: null,
      mirrorWindowStart: 0,
      mirroredInWindow: 0,
      droppedChars: 0,
      completions: new Map(),
      ended: false,
      progressShown: false,
    };
    this.sessions.set(id, session);
    worker.onMessage((reply) => this.fromWorker(session, reply));
    worker.onError((error) => {
      if (session.ended) return;
      this.flushMirror(session);
      this.options.send({ type: 'runtime.exited', session: id, message: `the ${runtime === 'python' ? 'Python' : 'mongosh'} worker stopped: ${error.message}` });
      this.end(id);
    });
    let sources: Record<string, string> = {};
    try {
      if (runtime === 'python') sources = await this.prefetchSources();
    } catch (error) {
      fail(`could not load the lab's pymongo package: ${error instanceof Error ? error.message : String(error)}`);
      this.end(id);
      return;
    }
    if (session.ended) return;
    worker.postMessage({ kind: 'init', runtime, buffers, assets: this.options.assets, sources, args: message.args });
  }

  private fromWorker(session: Session, message: FromWorker): void {
    if (session.ended) return;
    const { send } = this.options;
    switch (message.kind) {
      case 'progress':
        session.progressShown = true;
        send({ type: 'runtime.progress', session: session.id, status: message.status });
        return;
      case 'ready':
        this.flushMirror(session);
        send({ type: 'runtime.progress', session: session.id, status: null });
        send({ type: 'runtime.ready', session: session.id, prompt: message.prompt });
        return;
      case 'failed':
        send({ type: 'runtime.progress', session: session.id, status: null });
        send({ type: 'runtime.failed', session: session.id, message: message.message, ...(message.exitCode !== undefined ? { exitCode: message.exitCode } : {}) });
        this.end(session.id);
        return;
      case 'output':
        if (session.progressShown) {
          session.progressShown = false;
          this.options.onOutput?.(session.tab, '\r\x1b[K');
        }
        this.options.onOutput?.(session.tab, message.data);
        this.mirror(session, message.data);
        return;
      case 'done':
        this.flushMirror(session);
        send({ type: 'runtime.done', session: session.id, seq: message.seq, prompt: message.prompt, ...(message.exit ? { exit: true } : {}) });
        if (message.exit) this.end(session.id);
        return;
      case 'rpc': {
        this.flushMirror(session);
        let parsed: { method?: unknown; params?: unknown };
        try {
          parsed = JSON.parse(message.request) as { method?: unknown; params?: unknown };
        } catch {
          session.channel.answer(JSON.stringify({ ok: false, error: { name: 'RpcInvalid', message: 'the request is not JSON' } }));
          return;
        }
        const id = this.nextCallId++;
        session.pendingCall = id;
        this.calls.set(id, session);
        send({
          type: 'driver.call',
          id,
          session: session.id,
          method: String(parsed.method),
          params: (parsed.params && typeof parsed.params === 'object' ? parsed.params : {}) as Record<string, unknown>,
        });
        return;
      }
      case 'more':
        session.channel.more();
        return;
      case 'completion': {
        const resolve = session.completions.get(message.id);
        session.completions.delete(message.id);
        resolve?.({ replaceFrom: message.replaceFrom, candidates: message.candidates });
        return;
      }
    }
  }

  /** Queue output for the server, within the per-second budget. */
  private mirror(session: Session, data: string): void {
    const now = Date.now();
    if (now - session.mirrorWindowStart >= 1000) {
      session.mirrorWindowStart = now;
      session.mirroredInWindow = 0;
    }
    const room = this.limits.mirrorCharsPerSecondMax - session.mirroredInWindow;
    if (room <= 0) {
      session.droppedChars += data.length;
    } else {
      const kept = data.length <= room ? data : data.slice(0, room);
      session.droppedChars += data.length - kept.length;
      session.mirroredInWindow += kept.length;
      session.mirror += kept;
    }
    session.mirrorTimer ??= setTimeout(() => {
      session.mirrorTimer = null;
      this.flushMirror(session);
    }, this.limits.mirrorIntervalMillis);
  }

  private flushMirror(session: Session): void {
    if (session.mirrorTimer) {
      clearTimeout(session.mirrorTimer);
      session.mirrorTimer = null;
    }
    let data = session.mirror;
    if (session.droppedChars > 0) {
      data += `\n[… ${session.droppedChars} characters of output shown only on the page that runs this shell …]\n`;
      session.droppedChars = 0;
    }
    session.mirror = '';
    if (data.length > 0) this.options.send({ type: 'runtime.output', session: session.id, data });
  }

  private end(id: string): void {
    const session = this.sessions.get(id);
    if (!session) return;
    session.ended = true;
    this.flushMirror(session);
    this.sessions.delete(id);
    if (session.pendingCall !== null) this.calls.delete(session.pendingCall);
    for (const resolve of session.completions.values()) resolve({ replaceFrom: 0, candidates: [] });
    session.worker.terminate();
    this.options.onSessionEnd?.(session.tab, id);
  }
}

/** For runtimes' tests: the error shape a host answers for a call it cannot make. */
export function rpcError(name: string, message: string): DriverRpcError {
  return { name, message };
}
