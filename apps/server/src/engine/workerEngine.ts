import { deserialize, serialize, type Document } from 'bson';
import { ScaledClock, SharedClockAnchor, type ClockReading, type ReplParameters } from '@rslab/sim';
import type { ClusterSnapshot, LabEvent } from '@rslab/protocol';
import type { ClientView, DriverRoute, OperationRecord } from '../driver/gateway';
import type { MongodOptions } from '../mongod/flags';
import type { EventLog } from '../timeline/eventLog';
import { EngineCommandError, type Engine, type EngineClock, type EngineErrorReporter, type EngineProcess, type Signal } from './engine';
import type { EngineCopyReport } from './simEngine';
import { WorkerLabDriver } from './workerDriver';
import { CheckpointLostError, SandboxWorkerCallError, SandboxWorkerLostError, type SandboxWorkerPool } from './workerPool';

/**
 * A checkpoint of a worker's sandbox (see `SimEngine.checkpoint`), kept in that worker: what the
 * main thread's histories hold is this handle. The pool counts its holders (`WorkerCheckpoints`);
 * the worker frees it when the last lets go, even after the sandbox that took it is gone.
 */
export interface WorkerCheckpoint {
  kind: 'worker';
  sandboxId: string;
  id: number;
  atMillis: number;
  /** Estimated bytes it holds in the worker (the size of this sandbox's previous checkpoint: this one is measured there). */
  sizeBytes: number;
}

export function isWorkerCheckpoint(checkpoint: object): checkpoint is WorkerCheckpoint {
  return 'kind' in checkpoint && checkpoint.kind === 'worker';
}

/** How a sandbox worker builds one sandbox's SimEngine (sent with `create`). */
export interface SandboxWorkerSetup {
  hostname: string;
  membersMax: number;
  seed?: number;
  /** The SOCKS login the sandbox's driver clients use to reach its network (made on the main thread). */
  credentials?: { username: string; password: string };
  storageLimits?: { storageDocumentsMax: number; storageBytesMax: number };
  parameters?: Partial<ReplParameters>;
  /** Where the sandbox clock starts (the main thread's clock; the worker's follows it through `clockAnchor`). */
  clock?: { startMillis: number; speed: number; paused: boolean };
  /**
   * The main thread's clock anchor (a `SharedClockAnchor`'s buffer): the worker's clock reads it, so
   * both read the same time at every instant, from the sandbox's creation on. Set by WorkerEngine.
   */
  clockAnchor?: SharedArrayBuffer;
}

/** What the worker's `clock` call carries: the reading the main thread's clock took at a change, and the anchor's version then. */
export interface WorkerClockChange {
  reading: ClockReading;
  version: number;
}

/** What a sandbox worker tells the main thread about one sandbox, besides call replies. */
export type WorkerSandboxEvent =
  /** A timeline event of the sandbox's engine. */
  | { kind: 'timeline'; event: LabEvent }
  /** The process table and rolled-back documents (BSON) as they are now, sent before any event or reply that follows a change. */
  | { kind: 'state'; processes: EngineProcess[]; rolledBack: Uint8Array }
  /** A log line of a process the main thread follows. */
  | { kind: 'log'; pid: number; line: string }
  /** Something failed in the worker with nobody waiting on it. */
  | { kind: 'labError'; text: string }
  /** The sandbox's driver clients as they are now, or one more operation they ran (sent before the reply of the call that ran it). */
  | { kind: 'driver'; views?: ClientView[]; operation?: OperationRecord }
  /** A driver call's wait line (DriverRpcExecutor's onProgress), for the connection `executor`. */
  | { kind: 'driverProgress'; executor: string; id: number; status: string | null };

/** A document through the worker boundary as BSON, so ObjectIds, Timestamps and Longs stay what they are (a structured clone keeps no class). */
export function toBson(document: Document): Uint8Array {
  return serialize(document);
}

export function fromBson(bytes: Uint8Array): Document {
  return deserialize(bytes);
}

export interface WorkerEngineOptions {
  pool: SandboxWorkerPool;
  /** The sandbox's id: its key in the pool. */
  sandboxId: string;
  setup: SandboxWorkerSetup;
  /** The main thread's timeline of the sandbox: the worker's events are added to it. */
  events: EventLog;
  onError?: EngineErrorReporter;
  /** Place the sandbox on this sandbox's worker (a copy of it must be on the same heap). */
  near?: string;
  /** Place the sandbox on the worker that keeps this checkpoint (a branch from it); before `near`. */
  nearCheckpoint?: WorkerCheckpoint;
}

/** Holding and letting go of worker checkpoints, for a history that outlives its sandbox's engine (a saved replay's frozen copy). */
export interface WorkerCheckpoints {
  /** One more holder; false if the checkpoint is gone (its worker stopped). */
  retain(checkpoint: WorkerCheckpoint): boolean;
  release(checkpoint: WorkerCheckpoint): void;
}

/**
 * The sandbox clock as the main thread keeps it. Its anchor (see `ClockReading`) lives in a
 * SharedArrayBuffer that the worker's clock reads (`ScaledClock.following`), so a speed change, a
 * pause or a resume made here is the worker's at the same instant: no message has to arrive first.
 * Each change is still sent (`clock`, with the reading taken and the anchor's version) for the
 * worker to re-arm its timers at the new rate and to check it reads that very anchor.
 */
class MirroredClock implements EngineClock {
  private readonly local: ScaledClock;
  readonly shared = new SharedClockAnchor();

  constructor(
    setup: SandboxWorkerSetup['clock'],
    private readonly send: (change: WorkerClockChange) => void,
  ) {
    this.local = new ScaledClock({ ...(setup ? { startMillis: setup.startMillis, speed: setup.speed } : {}), share: this.shared });
    if (setup?.paused) this.local.pause();
  }

  now(): number {
    return this.local.now();
  }

  get speed(): number {
    return this.local.speed;
  }

  get paused(): boolean {
    return this.local.paused;
  }

  /** The reading the clock is anchored at, as the worker's clock reads it too. */
  get anchor(): ClockReading {
    return this.local.anchor;
  }

  setSpeed(speed: number): void {
    this.change(() => this.local.setSpeed(speed));
  }

  pause(): void {
    this.change(() => this.local.pause());
  }

  resume(): void {
    this.change(() => this.local.resume());
  }

  private change(apply: () => void): void {
    const before = this.local.now();
    const version = this.shared.version;
    apply();
    if (this.shared.version === version) return;
    const reading = this.local.anchor;
    // A change re-anchors where the clock stood: the sandbox's time goes on from there, never back.
    if (reading.virtualMillis < before) throw new Error(`MirroredClock: a change set the sandbox clock back from ${before} to ${reading.virtualMillis}`);
    this.send({ reading, version: this.shared.version });
  }
}

/**
 * A sandbox whose SimEngine runs in a worker thread of `SandboxWorkerPool` (its members, clock and
 * virtual network on that thread's heap), seen from the main thread as an `Engine`. Calls go to
 * the worker in order; what the `Engine` reads synchronously (processes, rolled-back documents,
 * the clock) is mirrored here from what the worker reports. The driver runs in the worker too and
 * reaches the members through that worker's own SOCKS bridge on loopback (see WorkerLabDriver).
 */
export class WorkerEngine implements Engine {
  readonly kind = 'sim';
  readonly clock: MirroredClock;
  readonly route: DriverRoute;
  readonly sandboxId: string;
  /** The sandbox's driver, which runs in the worker beside the members. */
  readonly driver: WorkerLabDriver = new WorkerLabDriver(this);
  private processList: EngineProcess[] = [];
  private rolledBackByHost: Record<string, Array<{ ns: string; document: Document }>> = {};
  private readonly followers = new Map<number, Set<(line: string) => void>>();
  /** Resolves once the worker has built the sandbox; every call waits for it. */
  private readonly created: Promise<void>;
  private lostError: SandboxWorkerLostError | null = null;
  private disposed = false;
  private nextCheckpointId = 1;
  /** What the last checkpoint measured in the worker; the estimate for the next. */
  private checkpointBytes = 0;

  constructor(private readonly options: WorkerEngineOptions) {
    const { pool, sandboxId, setup } = options;
    this.sandboxId = sandboxId;
    if (!setup.credentials) throw new Error('WorkerEngine: the setup needs the SOCKS credentials of the main thread');
    const credentials = setup.credentials;
    this.clock = new MirroredClock(setup.clock, (change) => this.fire('clock', [change]));
    pool.assign(sandboxId, {
      ...(options.near !== undefined ? { near: options.near } : {}),
      ...(options.nearCheckpoint !== undefined ? { nearCheckpoint: options.nearCheckpoint } : {}),
      onEvent: (event) => this.receive(event as WorkerSandboxEvent),
    });
    this.route = {
      proxyHost: '127.0.0.1',
      get proxyPort(): number {
        // The driver reads this when a client opens, after `ready` (the plugin waits for every worker at start, too).
        return pool.bridgePortOf(sandboxId) ?? 0;
      },
      proxyUsername: credentials.username,
      proxyPassword: credentials.password,
      // A worker started in place of a lost one may not listen yet: the driver waits for it before opening a client.
      ready: () => pool.readyFor(sandboxId).catch(() => undefined),
    };
    // The worker's clock follows this one's anchor: both read the same sandbox time from the start, however late the worker builds the sandbox.
    const { clock: _start, ...rest } = setup;
    this.created = pool.call<undefined>(sandboxId, 'create', [{ ...rest, clockAnchor: this.clock.shared.buffer }]).then(() => undefined);
    this.created.catch((error: unknown) => this.report(error, 'creating the sandbox in its worker failed'));
  }

  /** The pool's index of the worker this sandbox runs on, or null once it has none. */
  get workerIndex(): number | null {
    return this.options.pool.workerOf(this.sandboxId);
  }

  /** Whether the worker this sandbox ran on died (every call fails from then on). */
  get lost(): boolean {
    return this.lostError !== null;
  }

  /** The pool says this sandbox's worker died. */
  markLost(workerIndex: number): void {
    this.lostError ??= new SandboxWorkerLostError(this.sandboxId, workerIndex);
    for (const set of this.followers.values()) set.clear();
    this.followers.clear();
  }

  private report(error: unknown, what: string): void {
    if (this.options.onError) this.options.onError(error, what);
    else this.options.events.add({ source: 'cluster', kind: 'labError', text: `lab: ${what}: ${error instanceof Error ? error.message : String(error)}` });
  }

  private receive(event: WorkerSandboxEvent): void {
    switch (event.kind) {
      case 'timeline': {
        const { id: _id, ...rest } = event.event;
        this.options.events.add(rest);
        return;
      }
      case 'state':
        this.processList = event.processes;
        this.rolledBackByHost = fromBson(event.rolledBack) as typeof this.rolledBackByHost;
        return;
      case 'log':
        for (const listener of this.followers.get(event.pid) ?? []) listener(event.line);
        return;
      case 'labError':
        this.options.events.add({ source: 'cluster', kind: 'labError', text: `lab: ${event.text}` });
        return;
      case 'driver':
      case 'driverProgress':
        this.driver.receive(event);
        return;
    }
  }

  /** The sandbox is gone from its worker (disposed, or the worker died): its driver clients went with it. */
  get ended(): boolean {
    return this.disposed || this.lostError !== null;
  }

  /** A call to the sandbox's driver in the worker (see WorkerLabDriver). */
  driverCall<T>(method: string, args: unknown[]): Promise<T> {
    return this.call<T>(method, args);
  }

  /** Run `method` in the worker after the sandbox exists there; a worker's EngineCommandError comes back as one. */
  private async call<T>(method: string, args: unknown[] = []): Promise<T> {
    if (this.lostError) throw this.lostError;
    await this.created;
    try {
      return await this.options.pool.call<T>(this.sandboxId, method, args);
    } catch (error) {
      if (error instanceof SandboxWorkerCallError && error.name === 'EngineCommandError') {
        throw new EngineCommandError(String(error.fields.output ?? error.message), Number(error.fields.exitCode ?? 1));
      }
      throw error;
    }
  }

  /** A call nobody waits on (network faults, clock changes): calls run in order, so what comes next sees it; a failure is reported. */
  private fire(method: string, args: unknown[]): void {
    if (this.lostError || this.disposed) return;
    this.call(method, args).catch((error: unknown) => this.report(error, `${method} in the sandbox's worker failed`));
  }

  start(options: MongodOptions): Promise<EngineProcess> {
    return this.call('start', [options]);
  }

  restart(address: string): Promise<EngineProcess> {
    return this.call('restart', [address]);
  }

  signal(pid: number, signal: Signal): Promise<boolean> {
    return this.call('signal', [pid, signal]);
  }

  processes(): EngineProcess[] {
    return this.processList.map((p) => ({ ...p, seeds: [...p.seeds], argv: [...p.argv], killed: p.killed ? { ...p.killed } : null }));
  }

  logLines(pid: number): Promise<string[] | null> {
    return this.call('logLines', [pid]);
  }

  followLog(pid: number, listener: (line: string) => void): () => void {
    let set = this.followers.get(pid);
    if (!set) {
      set = new Set();
      this.followers.set(pid, set);
      this.fire('followLog', [pid]);
    }
    set.add(listener);
    return () => {
      const current = this.followers.get(pid);
      if (!current?.delete(listener) || current.size > 0) return;
      this.followers.delete(pid);
      this.fire('unfollowLog', [pid]);
    };
  }

  snapshot(): Promise<ClusterSnapshot> {
    return this.call('snapshot');
  }

  async documents(address: string, ns: string): Promise<Document[] | null> {
    const bytes = await this.call<Uint8Array | null>('documents', [address, ns]);
    return bytes === null ? null : ((fromBson(bytes).documents as Document[] | undefined) ?? []);
  }

  rolledBack(address: string): Array<{ ns: string; document: Document }> {
    return (this.rolledBackByHost[address] ?? []).map((entry) => ({ ...entry }));
  }

  partition(groups: string[][]): void {
    this.fire('partition', [groups]);
  }

  heal(): void {
    this.fire('heal', []);
  }

  cut(a: string, b: string): void {
    this.fire('cut', [a, b]);
  }

  healLink(a: string, b: string): void {
    this.fire('healLink', [a, b]);
  }

  slow(a: string, b: string, delayMillis: number): void {
    this.fire('slow', [a, b, delayMillis]);
  }

  clear(): Promise<number> {
    return this.call('clear');
  }

  async command(address: string, command: Document): Promise<Document> {
    return fromBson(await this.call<Uint8Array>('command', [address, toBson(command)]));
  }

  /**
   * Checkpoint the members now, in the worker (see `SimEngine.checkpoint`); calls run in order, so
   * it is taken before anything asked for after it. The handle's size is the previous one's; the
   * worker measures this one for the next.
   */
  checkpoint(): WorkerCheckpoint {
    const handle: WorkerCheckpoint = { kind: 'worker', sandboxId: this.sandboxId, id: this.nextCheckpointId++, atMillis: this.clock.now(), sizeBytes: this.checkpointBytes };
    if (!this.lostError && !this.disposed) {
      this.options.pool.holdCheckpoint(handle);
      this.call<number>('checkpoint', [handle.id]).then(
        (bytes) => (this.checkpointBytes = bytes),
        (error: unknown) => this.report(error, 'a checkpoint in the sandbox\'s worker failed'),
      );
    }
    return handle;
  }

  /**
   * The cluster view and a checkpoint taken together in the worker (see `SimEngine.moment`): a
   * snapshot answered first and a checkpoint asked for after it would let calls queued meanwhile
   * (a kill typed in a terminal) land between them, and a branch from that moment would not be
   * what its view showed. The checkpoint is held (once) from the call on, so it is freed however
   * the call ends.
   */
  async moment(): Promise<{ snapshot: ClusterSnapshot; checkpoint: WorkerCheckpoint }> {
    const ref = { sandboxId: this.sandboxId, id: this.nextCheckpointId++ };
    this.options.pool.holdCheckpoint(ref);
    let answer: { snapshot: ClusterSnapshot; sizeBytes: number };
    try {
      answer = await this.call<{ snapshot: ClusterSnapshot; sizeBytes: number }>('moment', [ref.id]);
    } catch (error) {
      this.options.pool.releaseCheckpoint(ref);
      throw error;
    }
    this.checkpointBytes = answer.sizeBytes;
    return { snapshot: answer.snapshot, checkpoint: { kind: 'worker', ...ref, atMillis: answer.snapshot.at, sizeBytes: answer.sizeBytes } };
  }

  /** A holder of `checkpoint` (this sandbox's history, or a frozen copy of it) lets go of it. */
  releaseCheckpoint(checkpoint: WorkerCheckpoint): void {
    this.options.pool.releaseCheckpoint(checkpoint);
  }

  /** Hold and release this sandbox's checkpoints past its own life (a saved replay's frozen history). */
  get checkpointHolder(): WorkerCheckpoints {
    const { pool } = this.options;
    return { retain: (checkpoint) => pool.retainCheckpoint(checkpoint), release: (checkpoint) => pool.releaseCheckpoint(checkpoint) };
  }

  /**
   * Start this fresh sandbox from a checkpoint kept in a worker (see `SimEngine.restore`); the
   * sandbox must be on that worker (create it `nearCheckpoint`). The checkpoint's own sandbox may
   * be gone: whoever holds the handle keeps the checkpoint.
   */
  async restore(checkpoint: WorkerCheckpoint): Promise<EngineCopyReport> {
    const keeper = this.options.pool.workerOfCheckpoint(checkpoint);
    if (keeper === null) {
      throw new CheckpointLostError('the copy of the members kept for this moment is gone (the worker thread that kept it stopped): branch from a later moment');
    }
    if (keeper !== this.workerIndex) {
      throw new Error(`sandbox ${this.sandboxId} is not on worker ${keeper}, which keeps checkpoint ${checkpoint.id} of ${checkpoint.sandboxId}: a branch must be made near its checkpoint`);
    }
    return this.call('restore', [checkpoint.sandboxId, checkpoint.id]);
  }

  /** Make this fresh sandbox a copy of `source` (see `SimEngine.copyFrom`); both must be on one worker (create this one `near` the source). */
  async copyFrom(source: WorkerEngine): Promise<EngineCopyReport> {
    if (source.workerIndex === null || source.workerIndex !== this.workerIndex) {
      throw new Error(`sandbox ${this.sandboxId} is not on the worker of ${source.sandboxId}: a copy must be made near its source`);
    }
    await source.created;
    return this.call('copyFrom', [source.sandboxId]);
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    this.followers.clear();
    if (this.lostError) return;
    try {
      await this.call('dispose');
    } finally {
      this.options.pool.release(this.sandboxId);
    }
  }
}
