/**
 * The synchronous bridge between a runtime's worker and its host (the page's main thread, or the
 * Node thread that started the worker). The worker blocks in `Atomics.wait` until the host has
 * written the answer into shared memory, so a blocking Python call (`find_one()`, `time.sleep`)
 * blocks the worker and never the page.
 *
 * Shared memory: one Int32 control block, one Float64 clock block and one byte buffer for answers.
 * Answers longer than the buffer go in chunks: the worker asks for the next one with a `more`
 * message. Everything else (requests, output) travels as ordinary worker messages.
 */

/** Index of each Int32 word in the control block. */
const word = {
  /** 0 while the worker waits for an answer chunk, 1 once one is there. */
  answer: 0,
  /** Bytes in the current chunk. */
  chunkBytes: 1,
  /** 1 when more chunks follow this one. */
  more: 2,
  /** Bumped to wake a sleeping worker early. */
  wake: 3,
  /** Set by the host on Ctrl-C; the worker clears it when a new line starts. */
  interrupted: 4,
  /** Pyodide's interrupt buffer (2 = SIGINT); Pyodide clears it when it raises KeyboardInterrupt. */
  signal: 5,
} as const;
const controlWords = 8;

export interface SyncBuffers {
  control: SharedArrayBuffer;
  /** [0] clock speed (sandbox millis per real milli), [1] 1 when the sandbox clock is paused. */
  clock: SharedArrayBuffer;
  data: SharedArrayBuffer;
}

/** Default answer buffer: big enough for most batches; larger answers are chunked. */
export const answerBufferBytes = 1024 * 1024;

export function createSyncBuffers(dataBytes = answerBufferBytes): SyncBuffers {
  if (typeof SharedArrayBuffer === 'undefined') {
    throw new SyncBridgeUnavailableError(
      'SharedArrayBuffer is not available: the page must be cross-origin isolated (Cross-Origin-Opener-Policy: same-origin, Cross-Origin-Embedder-Policy: require-corp)',
    );
  }
  const buffers = {
    control: new SharedArrayBuffer(controlWords * 4),
    clock: new SharedArrayBuffer(2 * 8),
    data: new SharedArrayBuffer(dataBytes),
  };
  new Float64Array(buffers.clock)[0] = 1;
  return buffers;
}

/** Our own error: the browser cannot share memory with the worker. */
export class SyncBridgeUnavailableError extends Error {
  override readonly name = 'SyncBridgeUnavailableError';
}

/** The host's side: answers the worker's blocking request, interrupts it, sets the clock. */
export class HostChannel {
  private readonly control: Int32Array;
  private readonly clock: Float64Array;
  private readonly data: Uint8Array;
  private rest: Uint8Array | null = null;

  constructor(readonly buffers: SyncBuffers) {
    this.control = new Int32Array(buffers.control);
    this.clock = new Float64Array(buffers.clock);
    this.data = new Uint8Array(buffers.data);
  }

  /** The interrupt word Pyodide reads (`pyodide.setInterruptBuffer`). */
  get signalWord(): Int32Array {
    return new Int32Array(this.buffers.control, word.signal * 4, 1);
  }

  /** Hand the worker the answer to its pending request. */
  answer(text: string): void {
    this.rest = new TextEncoder().encode(text);
    this.sendChunk();
  }

  /** The worker read a chunk and wants the next (its `more` message). */
  more(): void {
    if (this.rest) this.sendChunk();
  }

  private sendChunk(): void {
    const rest = this.rest ?? new Uint8Array(0);
    const chunk = rest.subarray(0, this.data.byteLength);
    this.data.set(chunk);
    const more = rest.byteLength > chunk.byteLength;
    this.rest = more ? rest.subarray(chunk.byteLength) : null;
    Atomics.store(this.control, word.chunkBytes, chunk.byteLength);
    Atomics.store(this.control, word.more, more ? 1 : 0);
    Atomics.store(this.control, word.answer, 1);
    Atomics.notify(this.control, word.answer);
  }

  /** Ctrl-C: raise KeyboardInterrupt in running code and wake a sleeping worker. */
  interrupt(): void {
    Atomics.store(this.control, word.interrupted, 1);
    Atomics.store(this.control, word.signal, 2);
    Atomics.add(this.control, word.wake, 1);
    Atomics.notify(this.control, word.wake);
  }

  setClock(speed: number, paused: boolean): void {
    this.clock[0] = speed > 0 ? speed : 1;
    this.clock[1] = paused ? 1 : 0;
    Atomics.add(this.control, word.wake, 1);
    Atomics.notify(this.control, word.wake);
  }
}

/** How the worker asks its host for the next chunk of an answer. */
export type AskForMore = () => void;

/** The worker's side: block for an answer, sleep on the sandbox clock, notice Ctrl-C. */
export class WorkerChannel {
  private readonly control: Int32Array;
  private readonly clock: Float64Array;
  private readonly data: Uint8Array;

  constructor(
    readonly buffers: SyncBuffers,
    private readonly askForMore: AskForMore,
  ) {
    this.control = new Int32Array(buffers.control);
    this.clock = new Float64Array(buffers.clock);
    this.data = new Uint8Array(buffers.data);
  }

  get signalWord(): Int32Array {
    return new Int32Array(this.buffers.control, word.signal * 4, 1);
  }

  /** Call before sending a request: the answer word goes back to "waiting". */
  prepare(): void {
    Atomics.store(this.control, word.answer, 0);
  }

  /** Block until the host has answered the request just sent; returns the answer text. */
  await(): string {
    const parts: Uint8Array[] = [];
    for (;;) {
      Atomics.wait(this.control, word.answer, 0);
      const bytes = Atomics.load(this.control, word.chunkBytes);
      parts.push(this.data.slice(0, bytes));
      const more = Atomics.load(this.control, word.more) === 1;
      Atomics.store(this.control, word.answer, 0);
      if (!more) break;
      this.askForMore();
    }
    const total = parts.reduce((n, part) => n + part.byteLength, 0);
    const joined = new Uint8Array(total);
    let offset = 0;
    for (const part of parts) {
      joined.set(part, offset);
      offset += part.byteLength;
    }
    return new TextDecoder().decode(joined);
  }

  get interrupted(): boolean {
    return Atomics.load(this.control, word.interrupted) === 1;
  }

  clearInterrupt(): void {
    Atomics.store(this.control, word.interrupted, 0);
    Atomics.store(this.control, word.signal, 0);
  }

  /**
   * Sleep `seconds` of sandbox time: the sandbox clock may run faster, slower or be paused, and
   * may change while we sleep. Returns false when Ctrl-C cut the sleep short.
   */
  sleep(seconds: number, sliceMillisMax = 100): boolean {
    let remaining = Math.max(0, seconds * 1000);
    while (remaining > 0) {
      if (this.interrupted) return false;
      const speed = this.clock[0] || 1;
      const paused = this.clock[1] === 1;
      const slice = paused ? sliceMillisMax : Math.min(sliceMillisMax, remaining / speed);
      const seen = Atomics.load(this.control, word.wake);
      const started = performance.now();
      Atomics.wait(this.control, word.wake, seen, slice);
      const elapsed = performance.now() - started;
      if (!paused) remaining -= elapsed * speed;
    }
    return !this.interrupted;
  }
}
