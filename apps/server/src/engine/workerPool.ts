import { Worker, type ResourceLimits } from 'node:worker_threads';

/**
 * The messages between the main thread and a sandbox worker. A call names the sandbox it is for,
 * so one worker serves many sandboxes; the worker answers every call exactly once.
 */
export type ToWorker =
  | { type: 'call'; id: number; sandbox: string; method: string; args: unknown[] }
  | { type: 'release'; sandbox: string }
  /** Nobody holds this checkpoint of `sandbox` any more (the sandbox itself may be gone): the worker frees it. */
  | { type: 'dropCheckpoint'; sandbox: string; id: number }
  /** Watch this worker for `millis` (its GC pauses; a CPU profile if asked) and reply with what was seen. */
  | { type: 'diagnose'; id: number; millis: number; cpuProfile: boolean };

export type FromWorker =
  | { type: 'reply'; id: number; ok: true; value: unknown }
  | { type: 'reply'; id: number; ok: false; error: { name: string; message: string; fields?: Record<string, unknown> } }
  | { type: 'event'; sandbox: string; event: unknown }
  /** Sent once when the worker is up: the loopback port of its SOCKS bridge (a worker without one may not send it). */
  | { type: 'ready'; bridgePort: number };

/** One garbage-collection pause of a worker, stamped on the wall clock so it lines up with the main thread's measurements. */
export interface WorkerGcPause {
  /** `Date.now()` at the pause's start. */
  startedAtMillis: number;
  durationMillis: number;
  /** V8's collector: `scavenge` (young generation), `markCompact` (full), `incremental`, `weakCallbacks`. */
  kind: 'scavenge' | 'markCompact' | 'incremental' | 'weakCallbacks' | 'other';
}

/** What one worker reported from a `diagnose` window. */
export interface WorkerDiagnosis {
  workerIndex: number;
  sandboxes: number;
  /** Share of the window the worker's event loop was busy (0–1), from its event-loop utilization. */
  busyShare: number;
  gcPauses: WorkerGcPause[];
  /** A V8 CPU profile of the window (open it in Chrome's DevTools), when one was asked for. */
  cpuProfile?: unknown;
}

/** A call's failure inside the worker, rebuilt on this side with its name and fields (a structured clone keeps no class). */
export class SandboxWorkerCallError extends Error {
  constructor(
    override readonly name: string,
    message: string,
    readonly fields: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

/** The worker that hosted a sandbox stopped; the sandbox and its pending calls are gone. */
export class SandboxWorkerLostError extends Error {
  override readonly name = 'SandboxWorkerLost';
  constructor(
    readonly sandboxId: string,
    readonly workerIndex: number,
  ) {
    super(`the worker thread running sandbox ${sandboxId} stopped (worker ${workerIndex})`);
  }
}

/** A checkpoint the pool no longer has: its worker stopped (or it was released), and its copy of the members went with it. */
export class CheckpointLostError extends Error {
  override readonly name = 'CheckpointLost';
}

/** What the pool tells its owner when a worker stops by itself: which sandboxes went with it. */
export interface SandboxWorkerLoss {
  workerIndex: number;
  sandboxIds: string[];
  exitCode: number | null;
  error: Error | null;
}

export interface SandboxWorkerPoolOptions {
  /** Worker threads to spread sandboxes over (at least 1; the in-process path is the caller's). */
  workersMax: number;
  /** The worker's entry file (plain JavaScript: a bundle, or a .mjs that registers tsx). */
  file: string | URL;
  resourceLimits?: ResourceLimits;
  /** Told once per worker that stopped with sandboxes on it; the pool has already started a new worker. */
  onWorkerLost: (loss: SandboxWorkerLoss) => void;
  /** Limit on sandboxes per worker, so a full pool refuses rather than overloads. */
  sandboxesPerWorkerMax: number;
}

interface Slot {
  index: number;
  worker: Worker;
  sandboxes: Set<string>;
  pending: Map<number, { sandbox: string; resolve: (value: unknown) => void; reject: (error: Error) => void }>;
  /** Set when we end it ourselves (dispose), so its exit is not a loss. */
  stopping: boolean;
  /** The worker's SOCKS bridge port, once it said it is ready. */
  bridgePort: number | null;
  ready: Promise<void>;
}

/**
 * Worker threads that host sandboxes, each sandbox on one worker for its life (the least loaded
 * when it is assigned). A worker that exits or throws takes only its own sandboxes: their pending
 * calls reject with `SandboxWorkerLostError`, the owner is told which sandboxes went, and a new
 * worker takes the slot for the sandboxes assigned next.
 */
export class SandboxWorkerPool {
  private readonly slots: Slot[] = [];
  private readonly placement = new Map<string, Slot>();
  private readonly listeners = new Map<string, (event: unknown) => void>();
  /**
   * Checkpoints kept in workers, by `checkpointKey`, with how many hold them: a sandbox's live
   * history and the frozen copies of saved replays. A checkpoint outlives the sandbox that took it
   * while anyone holds it; its worker frees it when the last lets go (or with the worker).
   */
  private readonly checkpoints = new Map<string, { slot: Slot; holders: number }>();
  private nextCallId = 1;
  private disposed = false;

  constructor(private readonly options: SandboxWorkerPoolOptions) {
    if (!Number.isInteger(options.workersMax) || options.workersMax < 1) throw new RangeError(`workersMax must be a positive integer, got ${options.workersMax}`);
    for (let index = 0; index < options.workersMax; index++) this.slots.push(this.spawn(index));
  }

  /**
   * Watch every worker for `millis`: each one's busy share, its GC pauses and, if asked, a CPU
   * profile (benchmarks, an operator asking why learners wait). Sandboxes keep running meanwhile.
   */
  async diagnose(millis: number, options: { cpuProfile?: boolean } = {}): Promise<WorkerDiagnosis[]> {
    if (!(millis > 0 && millis <= diagnoseMillisMax)) throw new RangeError(`diagnose wants 0 < millis ≤ ${diagnoseMillisMax}, got ${millis}`);
    return Promise.all(
      this.slots.map(async (slot) => {
        const utilizationBefore = slot.worker.performance.eventLoopUtilization();
        const id = this.nextCallId++;
        const report = await new Promise<{ gcPauses: WorkerGcPause[]; cpuProfile?: unknown }>((resolve, reject) => {
          slot.pending.set(id, { sandbox: '(diagnose)', resolve: resolve as (value: unknown) => void, reject });
          const message: ToWorker = { type: 'diagnose', id, millis, cpuProfile: options.cpuProfile === true };
          slot.worker.postMessage(message);
        });
        const { utilization } = slot.worker.performance.eventLoopUtilization(utilizationBefore);
        return { workerIndex: slot.index, sandboxes: slot.sandboxes.size, busyShare: utilization, ...report };
      }),
    );
  }

  /** Sandboxes per worker, by worker index. */
  get load(): number[] {
    return this.slots.map((slot) => slot.sandboxes.size);
  }

  /** The loopback port of the SOCKS bridge in the worker a sandbox runs on (null before that worker is ready, or without a worker). */
  bridgePortOf(sandboxId: string): number | null {
    return this.placement.get(sandboxId)?.bridgePort ?? null;
  }

  /** Resolves once every worker has said it is ready (for workers that say so). */
  async ready(): Promise<void> {
    await Promise.all(this.slots.map((slot) => slot.ready));
  }

  /** Resolves once the worker a sandbox runs on is ready; rejects if it has none. */
  async readyFor(sandboxId: string): Promise<void> {
    const slot = this.placement.get(sandboxId);
    if (!slot) throw new Error(`sandbox ${sandboxId} has no worker`);
    await slot.ready;
  }

  /** The worker a sandbox runs on, or null if it has none (released or lost). */
  workerOf(sandboxId: string): number | null {
    return this.placement.get(sandboxId)?.index ?? null;
  }

  /**
   * Place a sandbox on the least loaded worker, or on `near`'s worker (a copy of that sandbox), or
   * on the worker that keeps `nearCheckpoint` (a branch from it); returns the worker index.
   */
  assign(sandboxId: string, options: { near?: string; nearCheckpoint?: CheckpointRef; onEvent?: (event: unknown) => void } = {}): number {
    if (this.disposed) throw new Error('the sandbox worker pool is closed');
    if (this.placement.has(sandboxId)) throw new Error(`sandbox ${sandboxId} already has a worker`);
    const near =
      (options.nearCheckpoint === undefined ? undefined : this.checkpoints.get(checkpointKey(options.nearCheckpoint))?.slot) ??
      (options.near === undefined ? undefined : this.placement.get(options.near));
    const slot = near ?? this.slots.reduce((best, candidate) => (candidate.sandboxes.size < best.sandboxes.size ? candidate : best));
    if (slot.sandboxes.size >= this.options.sandboxesPerWorkerMax) throw new RangeError(`worker ${slot.index} already hosts ${slot.sandboxes.size} sandboxes (sandboxesPerWorkerMax)`);
    slot.sandboxes.add(sandboxId);
    this.placement.set(sandboxId, slot);
    if (options.onEvent) this.listeners.set(sandboxId, options.onEvent);
    return slot.index;
  }

  /** Run `method` for a sandbox in its worker. */
  call<T>(sandboxId: string, method: string, args: unknown[] = []): Promise<T> {
    const slot = this.placement.get(sandboxId);
    if (!slot) return Promise.reject(new Error(`sandbox ${sandboxId} has no worker`));
    const id = this.nextCallId++;
    return new Promise<T>((resolve, reject) => {
      slot.pending.set(id, { sandbox: sandboxId, resolve: resolve as (value: unknown) => void, reject });
      const message: ToWorker = { type: 'call', id, sandbox: sandboxId, method, args };
      slot.worker.postMessage(message);
    });
  }

  /** The sandbox is gone: its worker forgets it. */
  release(sandboxId: string): void {
    const slot = this.placement.get(sandboxId);
    if (!slot) return;
    this.placement.delete(sandboxId);
    this.listeners.delete(sandboxId);
    slot.sandboxes.delete(sandboxId);
    const message: ToWorker = { type: 'release', sandbox: sandboxId };
    slot.worker.postMessage(message);
  }

  /** A checkpoint `sandboxId` has just asked its worker to keep: held once (by the history that asked for it). */
  holdCheckpoint(checkpoint: CheckpointRef): void {
    const slot = this.placement.get(checkpoint.sandboxId);
    if (!slot) throw new CheckpointLostError(`sandbox ${checkpoint.sandboxId} has no worker to keep checkpoint ${checkpoint.id}`);
    const key = checkpointKey(checkpoint);
    if (this.checkpoints.has(key)) throw new Error(`checkpoint ${key} is already held`);
    this.checkpoints.set(key, { slot, holders: 1 });
  }

  /** One more holder of `checkpoint` (a frozen copy of a history); false if the pool no longer has it. */
  retainCheckpoint(checkpoint: CheckpointRef): boolean {
    const held = this.checkpoints.get(checkpointKey(checkpoint));
    if (!held) return false;
    held.holders += 1;
    return true;
  }

  /** One holder lets go of `checkpoint`; the last one's release frees it in its worker. */
  releaseCheckpoint(checkpoint: CheckpointRef): void {
    const key = checkpointKey(checkpoint);
    const held = this.checkpoints.get(key);
    if (!held) return;
    if (!(held.holders > 0)) throw new Error(`checkpoint ${key} released more often than held`);
    held.holders -= 1;
    if (held.holders > 0) return;
    this.checkpoints.delete(key);
    if (held.slot.stopping || this.slots[held.slot.index] !== held.slot) return;
    const message: ToWorker = { type: 'dropCheckpoint', sandbox: checkpoint.sandboxId, id: checkpoint.id };
    held.slot.worker.postMessage(message);
  }

  /** The worker that keeps `checkpoint`, or null if it is gone (released, or lost with its worker). */
  workerOfCheckpoint(checkpoint: CheckpointRef): number | null {
    return this.checkpoints.get(checkpointKey(checkpoint))?.slot.index ?? null;
  }

  /** Checkpoints the workers keep for someone (tests, figures). */
  get checkpointsHeld(): number {
    return this.checkpoints.size;
  }

  /** End a worker as a crash would: its sandboxes are lost and reported, a new worker takes its slot (tests; an operator's last resort). */
  async kill(workerIndex: number): Promise<void> {
    const slot = this.slots[workerIndex];
    if (!slot) throw new RangeError(`no worker ${workerIndex}`);
    await slot.worker.terminate();
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    await Promise.all(
      this.slots.map(async (slot) => {
        slot.stopping = true;
        for (const pending of slot.pending.values()) pending.reject(new SandboxWorkerLostError(pending.sandbox, slot.index));
        slot.pending.clear();
        await slot.worker.terminate();
      }),
    );
    this.placement.clear();
    this.listeners.clear();
    this.checkpoints.clear();
  }

  private spawn(index: number): Slot {
    const worker = new Worker(this.options.file, this.options.resourceLimits ? { resourceLimits: this.options.resourceLimits } : {});
    let markReady = (): void => undefined;
    const ready = new Promise<void>((resolve) => (markReady = resolve));
    const slot: Slot = { index, worker, sandboxes: new Set(), pending: new Map(), stopping: false, bridgePort: null, ready };
    let thrown: Error | null = null;
    worker.on('message', (message: FromWorker) => {
      if (message.type !== 'ready') return;
      slot.bridgePort = message.bridgePort;
      markReady();
    });
    // A worker that dies before it is ready resolves `ready` too: its loss is reported by 'exit'.
    worker.once('exit', () => markReady());
    worker.on('message', (message: FromWorker) => this.receive(slot, message));
    worker.on('error', (error) => {
      // The worker threw without catching; 'exit' follows and reports the loss with this error.
      thrown = error;
    });
    worker.on('exit', (exitCode) => {
      if (slot.stopping || this.disposed) return;
      this.lose(slot, exitCode, thrown);
    });
    return slot;
  }

  private receive(slot: Slot, message: FromWorker): void {
    if (message.type === 'ready') return;
    if (message.type === 'event') {
      this.listeners.get(message.sandbox)?.(message.event);
      return;
    }
    const pending = slot.pending.get(message.id);
    // dispose() rejects every pending call before it terminates the worker: a reply already on its way is nobody's.
    if (!pending && slot.stopping) return;
    if (!pending) throw new Error(`worker ${slot.index} answered call ${message.id}, which is not waiting`);
    slot.pending.delete(message.id);
    if (message.ok) pending.resolve(message.value);
    else pending.reject(new SandboxWorkerCallError(message.error.name, message.error.message, message.error.fields));
  }

  private lose(slot: Slot, exitCode: number, error: Error | null): void {
    const sandboxIds = [...slot.sandboxes];
    for (const pending of slot.pending.values()) pending.reject(new SandboxWorkerLostError(pending.sandbox, slot.index));
    slot.pending.clear();
    for (const sandboxId of sandboxIds) {
      this.placement.delete(sandboxId);
      this.listeners.delete(sandboxId);
    }
    for (const [key, held] of this.checkpoints) if (held.slot === slot) this.checkpoints.delete(key);
    this.slots[slot.index] = this.spawn(slot.index);
    this.options.onWorkerLost({ workerIndex: slot.index, sandboxIds, exitCode, error });
  }
}

/** The longest `diagnose` window: GC pauses are kept in the worker until it ends. */
const diagnoseMillisMax = 15 * 60_000;

/** What names a checkpoint across the worker boundary: the sandbox that took it and its number there. */
export interface CheckpointRef {
  sandboxId: string;
  id: number;
}

function checkpointKey(checkpoint: CheckpointRef): string {
  return `${checkpoint.sandboxId}#${checkpoint.id}`;
}
