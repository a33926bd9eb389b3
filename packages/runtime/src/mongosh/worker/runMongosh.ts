import { EJSON, ObjectId } from 'bson';
import { MongoshShell, rpcProviders, type MongoshEnvironment } from '../shell';
import { DriverCallError, interruptedError, type DriverCallFailure, type Document } from '../rpc/driverCalls';

/**
 * What the mongosh worker needs of the runtime host's synchronous bridge (runtime-host.md): one
 * blocking driver call at a time, Ctrl-C, and sleeping on the sandbox's clock.
 */
export interface MongoshBridge {
  /** Send `{method, params}` (JSON, params in canonical EJSON) and block until the host answers. */
  rpc(request: string): string;
  readonly interrupted: boolean;
  clearInterrupt(): void;
  /** Sleep sandbox seconds; false when Ctrl-C cut it short. */
  sleep(seconds: number): boolean;
}

/** Host → worker messages the mongosh worker answers (the runtime host's ToWorker, less init). */
export type MongoshToWorker =
  | { kind: 'line'; seq: number; line: string }
  | { kind: 'reset' }
  | { kind: 'complete'; id: number; line: string; cursor: number };

/** Worker → host messages (the runtime host's FromWorker). */
export type MongoshFromWorker =
  | { kind: 'progress'; status: string }
  | { kind: 'ready'; prompt: string }
  | { kind: 'failed'; message: string; exitCode?: number }
  | { kind: 'output'; data: string }
  | { kind: 'done'; seq: number; prompt: string; exit: boolean }
  | { kind: 'completion'; id: number; replaceFrom: number; candidates: string[] };

type Answer = { ok: true; result: Document } | { ok: false; error: DriverCallFailure } | { interrupted: true };

/**
 * A failure's server documents (the error reply, a bulk write's result) travel as canonical EJSON,
 * as results do: decode them the same way, so an errInfo prints `w: 3`, not `{ '$numberInt': '3' }`.
 */
function decodeFailure(failure: DriverCallFailure): DriverCallFailure {
  const decode = (doc: Document): Document => EJSON.deserialize(doc, { relaxed: false }) as Document;
  return {
    ...failure,
    ...(failure.errorResponse ? { errorResponse: decode(failure.errorResponse) } : {}),
    ...(failure.bulkResult ? { bulkResult: decode(failure.bulkResult) } : {}),
  };
}

/**
 * mongosh in a runtime worker: `mongosh ARGS` as its CLI would run them, then one line at a time.
 * Driver calls block the worker on the bridge (never the page); results come back as canonical
 * EJSON. Environment-neutral: the browser entry and the Node entry give it their port and scope.
 */
export class MongoshWorker {
  private shell: MongoshShell | null = null;
  private readonly queue: MongoshToWorker[] = [];
  private draining = false;

  constructor(
    private readonly bridge: MongoshBridge,
    private readonly post: (message: MongoshFromWorker) => void,
    private readonly environment: MongoshEnvironment,
  ) {}

  /** One driver call, blocking this worker until the host has the server's answer. */
  private call(method: string, params: Document): Document {
    const answer = JSON.parse(this.bridge.rpc(JSON.stringify({ method, params: EJSON.serialize(params, { relaxed: false }) }))) as Answer;
    if ('interrupted' in answer) throw interruptedError();
    if (!answer.ok) throw new DriverCallError(decodeFailure(answer.error));
    return EJSON.deserialize(answer.result, { relaxed: false }) as Document;
  }

  async start(args: string[]): Promise<void> {
    this.post({ kind: 'progress', status: 'starting mongosh…' });
    // mongosh's sleep() follows the sandbox's clock (it speeds up and pauses with it), and Ctrl-C stops it.
    const sleep = (millis: unknown): void => {
      if (!this.bridge.sleep(Number(millis) / 1000)) throw interruptedError();
    };
    const started = await MongoshShell.start(args, {
      providers: rpcProviders({ call: async (method, params) => this.call(method, params) }),
      environment: this.environment,
      write: (data) => this.post({ kind: 'output', data }),
      logId: () => new ObjectId().toHexString(),
    });
    this.shell = started.shell;
    if (!this.shell) {
      // mongosh printed why (or ran its --eval scripts) and exits, as it would from a shell.
      this.post({ kind: 'failed', message: '', exitCode: started.exitCode });
      return;
    }
    this.environment.context.sleep = sleep;
    this.post({ kind: 'ready', prompt: this.shell.prompt() });
    void this.drain();
  }

  handle(message: MongoshToWorker): void {
    this.queue.push(message);
    void this.drain();
  }

  private async drain(): Promise<void> {
    if (this.draining || !this.shell) return;
    this.draining = true;
    try {
      while (this.queue.length > 0) await this.run(this.queue.shift() as MongoshToWorker);
    } finally {
      this.draining = false;
    }
  }

  private async run(message: MongoshToWorker): Promise<void> {
    const shell = this.shell as MongoshShell;
    switch (message.kind) {
      case 'line': {
        this.bridge.clearInterrupt();
        let exit = false;
        try {
          exit = (await shell.execute(message.line)).exit !== undefined;
        } catch (error) {
          this.post({ kind: 'output', data: `internal error in the lab's mongosh: ${error instanceof Error ? error.message : String(error)}\n` });
        }
        if (exit) await shell.dispose();
        this.post({ kind: 'done', seq: message.seq, prompt: shell.prompt(), exit });
        return;
      }
      case 'reset':
        shell.interrupt();
        return;
      case 'complete': {
        const completion = await shell.complete(message.line, message.cursor).catch(() => ({ replaceFrom: message.cursor, candidates: [] }));
        this.post({ kind: 'completion', id: message.id, ...completion });
        return;
      }
    }
  }
}
