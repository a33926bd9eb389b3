// The learner's page, for benchmarks of the server: Python runs in the learner's browser, so what
// the server pays per learner is the line going out (runtime.line), the driver calls coming back
// (driver.call → the executor → driver.reply), the mirrored output and the prompt (runtime.done).
// A `PageRecording` learns that traffic once from real Python (Pyodide in the Node host, our
// pymongo) and a `RecordedPage` plays it back for each further sandbox without running Python.
import type { HostToServer, ServerToHost } from '../../packages/runtime/src/host/messages';
import type { ClientRuntimes, RuntimeHostLink } from '../../apps/server/src/runtime/clientRuntime';

type DriverCall = Extract<HostToServer, { type: 'driver.call' }>;

/** What one typed line made the page send: its driver calls in order, what it printed, its prompt. */
interface RecordedCall {
  method: string;
  params: Record<string, unknown>;
  /** The handles its reply gave (`client`, `cursor`, `session`), which later calls name. */
  handles: Record<string, string>;
}

const handleKeys = ['client', 'cursor', 'session'];

function handlesOf(result: unknown): Record<string, string> {
  const answer = (result ?? {}) as Record<string, unknown>;
  return Object.fromEntries(handleKeys.flatMap((key) => (typeof answer[key] === 'string' ? [[key, answer[key]]] : [])));
}

interface RecordedLine {
  calls: RecordedCall[];
  output: string;
  prompt: string;
}

/** Watches a sandbox's Node host (real Python) and keeps, per line text, its last attempt whose calls all succeeded. */
export class PageRecording {
  readonly lines = new Map<string, RecordedLine>();
  banner = '';
  private current: { line: string; record: RecordedLine; failed: boolean } | null = null;
  private readonly pending = new Map<number, RecordedCall>();

  /** Start recording `runtimes` (call before the first runtime line; the Node host must be its fallback). */
  attach(runtimes: ClientRuntimes): void {
    const entry = runtimes.pickHost(undefined);
    if (!entry) throw new Error('no runtime host to record (useFallbackHost first)');
    const link = entry.link as { send(message: ServerToHost): void };
    const send = link.send.bind(link);
    link.send = (message) => {
      if (message.type === 'runtime.line') this.current = { line: message.line, record: { calls: [], output: '', prompt: '>>> ' }, failed: false };
      if (message.type === 'driver.reply') {
        const call = this.pending.get(message.id);
        this.pending.delete(message.id);
        if (call && message.ok) call.handles = handlesOf(message.result);
        if (call && !message.ok && this.current) this.current.failed = true;
      }
      send(message);
    };
    const receive = runtimes.receive.bind(runtimes);
    runtimes.receive = (hostId, message) => {
      this.observe(message);
      receive(hostId, message);
    };
  }

  private observe(message: HostToServer): void {
    const current = this.current;
    if (message.type === 'runtime.output' && !current) this.banner += message.data;
    if (!current) return;
    if (message.type === 'driver.call') {
      const call: RecordedCall = { method: message.method, params: message.params, handles: {} };
      this.pending.set(message.id, call);
      current.record.calls.push(call);
    } else if (message.type === 'runtime.output') current.record.output += message.data;
    else if (message.type === 'runtime.done') {
      current.record.prompt = message.prompt;
      if (!current.failed && !current.record.output.includes('Traceback')) this.lines.set(current.line, current.record);
      this.current = null;
    }
  }
}

let pageCounter = 0;

/**
 * A page attached to one sandbox as its runtime host that plays a recording back: each line's
 * driver calls go through the sandbox's executor one after another, as our pymongo makes them
 * (client and cursor handles mapped to this sandbox's); the recorded output is mirrored when all
 * succeed, a traceback naming the error when one fails (so `# until` retries as it would).
 */
export class RecordedPage {
  readonly link: RuntimeHostLink;
  private nextCallId = 1;
  private readonly replies = new Map<number, (reply: Extract<ServerToHost, { type: 'driver.reply' }>) => void>();

  constructor(
    private readonly recording: PageRecording,
    private readonly runtimes: ClientRuntimes,
  ) {
    pageCounter += 1;
    this.link = { id: `recorded-page-${pageCounter}`, send: (message) => this.fromServer(message) };
    runtimes.attachHost(this.link);
  }

  private toServer(message: HostToServer): void {
    this.runtimes.receive(this.link.id, message);
  }

  private fromServer(message: ServerToHost): void {
    if (message.type === 'driver.reply') {
      const resolve = this.replies.get(message.id);
      this.replies.delete(message.id);
      resolve?.(message);
    } else if (message.type === 'runtime.start') {
      const { session } = message;
      queueMicrotask(() => {
        this.toServer({ type: 'runtime.output', session, data: this.recording.banner });
        this.toServer({ type: 'runtime.ready', session, prompt: '>>> ' });
      });
    } else if (message.type === 'runtime.line') {
      this.play(message.session, message.seq, message.line).catch((error: unknown) => {
        throw error instanceof Error ? error : new Error(String(error));
      });
    }
  }

  private call(session: string, method: string, params: Record<string, unknown>): Promise<Extract<ServerToHost, { type: 'driver.reply' }>> {
    const id = this.nextCallId++;
    return new Promise((resolve) => {
      this.replies.set(id, resolve);
      const call: DriverCall = { type: 'driver.call', id, session, method, params };
      this.toServer(call);
    });
  }

  /** Handles the recording made (`c1`, `k3`) → this sandbox's, learnt from the replies as they come. */
  private readonly handles = new Map<string, string>();

  private async play(session: string, seq: number, line: string): Promise<void> {
    const recorded = this.recording.lines.get(line);
    let output = recorded?.output ?? '';
    if (!recorded && line.trim() !== '') output = `Traceback (most recent call last):\n  File "<stdin>", line 1, in <module>\nRecordingMissing: ${line}\n`;
    for (const { method, params, handles } of recorded?.calls ?? []) {
      const reply = await this.call(session, method, this.mapHandles(params) as Record<string, unknown>);
      if (!reply.ok) {
        output = `Traceback (most recent call last):\n  File "<stdin>", line 1, in <module>\n${reply.error?.name ?? 'Error'}: ${reply.error?.message ?? ''}\n`;
        break;
      }
      const ours = handlesOf(reply.result);
      for (const [key, theirs] of Object.entries(handles)) if (ours[key] !== undefined) this.handles.set(theirs, ours[key]);
    }
    if (output) this.toServer({ type: 'runtime.output', session, data: output });
    this.toServer({ type: 'runtime.done', session, seq, prompt: recorded?.prompt ?? '>>> ' });
  }

  private mapHandles(value: unknown, isHandle = false): unknown {
    if (typeof value === 'string') return isHandle ? (this.handles.get(value) ?? value) : value;
    if (Array.isArray(value)) return value.map((item) => this.mapHandles(item, isHandle));
    if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, this.mapHandles(item, handleKeys.includes(key))]));
    return value;
  }
}
