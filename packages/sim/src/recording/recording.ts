import { createHash } from 'node:crypto';
import type { Document } from 'bson';
import { Cluster, type MemberSnapshot } from '../harness/cluster';
import type { PersistedReplState } from '../repl/coordinator';
import { copyPersistedReplState } from '../repl/coordinator';
import type { Storage } from '../storage/storage';

/**
 * Rewind and replay for a simulated replica set. A recording is what replays a run: its seed, the
 * cluster's shape, and the inputs (control actions, writes, clock speed changes) with the virtual
 * time each happened at. Time moves in whole ticks of `tickMillis`, inputs land on tick
 * boundaries, and the same steps are taken when replaying, so the same recording gives the same
 * states and events at every tick (the digest says so). Snapshots taken every
 * `snapshotIntervalMillis` hold what a past moment looks like (members, clock, a digest) and each
 * member's dbpath (data, oplog, config, term, vote) to branch a new sandbox from, bounded in bytes,
 * oldest dropped first.
 */

/** One thing done to the set, at a virtual time (millis since the recording's start). */
export type RecordedInput =
  | { atMillis: number; kind: 'initiate' }
  | { atMillis: number; kind: 'kill'; host: string }
  | { atMillis: number; kind: 'restart'; host: string }
  | { atMillis: number; kind: 'stepDown'; host: string; secs: number }
  | { atMillis: number; kind: 'partition'; groups: string[][] }
  | { atMillis: number; kind: 'heal' }
  | { atMillis: number; kind: 'insert'; id: string; w: number | 'majority' }
  /** The speed the learner watched at: no effect on virtual time, kept so a replay plays the same way. */
  | { atMillis: number; kind: 'speed'; speed: number };

/** An input before it is stamped with its time. */
export type InputBody = RecordedInput extends infer I ? (I extends { atMillis: number } ? Omit<I, 'atMillis'> : never) : never;

export interface RecordingShape {
  seed: number;
  members: number;
  electionTimeoutMillis: number;
}

/** What replays a run: its shape and seed, and its inputs, oldest first. */
export interface Recording extends RecordingShape {
  formatVersion: 1;
  tickMillis: number;
  inputs: RecordedInput[];
  /** Virtual millis the recording reaches (its live end). */
  endMillis: number;
}

export interface RecordingLimits {
  /** Time moves in steps of this many virtual millis; inputs land on step boundaries. */
  tickMillis: number;
  /** A snapshot every this many virtual millis. */
  snapshotIntervalMillis: number;
  /** Bytes all snapshots may hold together (estimated: their own slots, data being shared); the oldest go first. */
  snapshotsBytesMax: number;
  /** Inputs kept. Past it the recording refuses more (a replay needs every input from the seed). */
  inputsMax: number;
}

export const defaultRecordingLimits: RecordingLimits = {
  tickMillis: 100,
  snapshotIntervalMillis: 1000,
  snapshotsBytesMax: 64 * 1024 * 1024,
  inputsMax: 100_000,
};

/** A member's dbpath at a snapshot: what a branch starts that member from. */
export interface DbPathCopy {
  storage: Storage;
  persisted: PersistedReplState;
  alive: boolean;
}

/** The set at one moment. */
export interface Snapshot {
  atMillis: number;
  digest: string;
  members: MemberSnapshot[];
  /** Member events up to this moment. */
  eventsCount: number;
  dbpaths: Map<string, DbPathCopy>;
  /** Estimated bytes this snapshot holds (documents and oplog entries). */
  sizeBytes: number;
}

/** A recording that cannot take more input (its `inputsMax`). */
export class RecordingFullError extends Error {
  override readonly name = 'RecordingFullError';
}

/** A moment outside what the history holds. */
export class MomentOutOfRangeError extends Error {
  override readonly name = 'MomentOutOfRangeError';
}

/** The digest of the set at this moment: every member's state, term, optimes, config, data and the events so far. */
export function momentDigest(cluster: Cluster): string {
  const hash = createHash('sha256');
  hash.update(String(cluster.clock.now()));
  for (const m of cluster.snapshot()) {
    hash.update(`|${m.host} ${m.state} ${m.term} ${m.lastApplied.ts}:${m.lastApplied.t} ${m.commitPoint.ts}:${m.commitPoint.t} ${m.syncSource ?? '-'} ${m.configVersion} ${m.electionDueMillis ?? '-'}`);
    hash.update(cluster.storage(m.host).dataDigest());
  }
  hash.update(`|events ${cluster.events.length}`);
  const last = cluster.events.at(-1);
  if (last) hash.update(JSON.stringify(last, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)));
  return hash.digest('hex').slice(0, 16);
}


/**
 * What a snapshot's copy costs, roughly: documents and oplog entries are immutable and shared with
 * the live member, so a copy pays for its own map and index slots, not for the data again.
 */
const documentSlotBytesEstimate = 80;
const oplogSlotBytesEstimate = 16;

/**
 * A simulated set that records what is done to it. `apply` does an input now and records it;
 * `advance` moves time tick by tick, taking snapshots on the way.
 */
export class RecordedCluster {
  readonly cluster: Cluster;
  readonly limits: RecordingLimits;
  private readonly inputs: RecordedInput[] = [];
  private readonly snapshotList: Snapshot[] = [];
  private snapshotsBytes = 0;
  private readonly startMillis: number;
  /** Writes sent and not answered yet: their promises settle in virtual time. */
  private pending = 0;

  constructor(
    readonly shape: RecordingShape,
    limits: Partial<RecordingLimits> = {},
  ) {
    this.limits = { ...defaultRecordingLimits, ...limits };
    if (this.limits.snapshotIntervalMillis % this.limits.tickMillis !== 0) {
      throw new RangeError(`snapshotIntervalMillis (${this.limits.snapshotIntervalMillis}) must be a multiple of tickMillis (${this.limits.tickMillis})`);
    }
    this.cluster = new Cluster({ members: shape.members, seed: shape.seed, settings: { electionTimeoutMillis: shape.electionTimeoutMillis }, eventsMax: 1_000_000 });
    this.startMillis = this.cluster.clock.now();
    this.takeSnapshot();
  }

  /** Virtual millis since the start. */
  get nowMillis(): number {
    return this.cluster.clock.now() - this.startMillis;
  }

  /** Do `input` now and record it. */
  apply(input: InputBody): void {
    if (this.inputs.length >= this.limits.inputsMax) throw new RecordingFullError(`the recording holds ${this.limits.inputsMax} inputs, its inputsMax`);
    const recorded = { ...input, atMillis: this.nowMillis } as RecordedInput;
    this.inputs.push(recorded);
    applyInput(this.cluster, recorded, () => (this.pending += 1), () => (this.pending -= 1));
  }

  /** Move time `millis` forward (rounded up to whole ticks), snapshotting on interval boundaries. */
  async advance(millis: number): Promise<void> {
    const ticks = Math.ceil(millis / this.limits.tickMillis);
    for (let i = 0; i < ticks; i += 1) {
      await this.cluster.advance(this.limits.tickMillis);
      if (this.nowMillis % this.limits.snapshotIntervalMillis === 0) this.takeSnapshot();
    }
  }

  digest(): string {
    return momentDigest(this.cluster);
  }

  recording(): Recording {
    return { formatVersion: 1, ...this.shape, tickMillis: this.limits.tickMillis, inputs: [...this.inputs], endMillis: this.nowMillis };
  }

  /** Kept snapshots, oldest first. */
  snapshots(): readonly Snapshot[] {
    return this.snapshotList;
  }

  /** How far back the history reaches: the virtual millis of the oldest snapshot kept. */
  get reachesBackToMillis(): number {
    return this.snapshotList[0]?.atMillis ?? this.nowMillis;
  }

  get historyBytes(): number {
    return this.snapshotsBytes;
  }

  /** The latest snapshot at or before `atMillis`. */
  snapshotAt(atMillis: number): Snapshot {
    if (atMillis < this.reachesBackToMillis || atMillis > this.nowMillis) {
      throw new MomentOutOfRangeError(`the history holds ${this.reachesBackToMillis}..${this.nowMillis} ms, not ${atMillis} ms`);
    }
    let best = this.snapshotList[0]!;
    for (const s of this.snapshotList) if (s.atMillis <= atMillis) best = s;
    return best;
  }

  stop(): void {
    this.cluster.stopAll();
  }

  private takeSnapshot(): void {
    const dbpaths = new Map<string, DbPathCopy>();
    let sizeBytes = 0;
    for (const host of this.cluster.hosts) {
      const storage = this.cluster.storage(host).clone();
      const persisted = copyPersistedReplState(this.cluster.persistedState(host));
      sizeBytes += storage.totalDocuments * documentSlotBytesEstimate + persisted.oplog.length * oplogSlotBytesEstimate;
      dbpaths.set(host, { storage, persisted, alive: this.cluster.isAlive(host) });
    }
    const snapshot: Snapshot = { atMillis: this.nowMillis, digest: this.digest(), members: this.cluster.snapshot(), eventsCount: this.cluster.events.length, dbpaths, sizeBytes };
    this.snapshotList.push(snapshot);
    this.snapshotsBytes += sizeBytes;
    // Oldest first out, but the newest is always kept.
    while (this.snapshotsBytes > this.limits.snapshotsBytesMax && this.snapshotList.length > 1) {
      const dropped = this.snapshotList.shift()!;
      this.snapshotsBytes -= dropped.sizeBytes;
    }
  }
}

function applyInput(cluster: Cluster, input: RecordedInput, sent: () => void, settled: () => void): void {
  switch (input.kind) {
    case 'initiate':
      sent();
      cluster.initiate().then(settled, settled);
      return;
    case 'kill':
      if (cluster.isAlive(input.host)) cluster.kill(input.host);
      return;
    case 'restart':
      if (!cluster.isAlive(input.host)) cluster.restart(input.host);
      return;
    case 'stepDown':
      if (!cluster.isAlive(input.host)) return;
      sent();
      cluster.send(input.host, { replSetStepDown: input.secs, secondaryCatchUpPeriodSecs: Math.min(10, input.secs) }, { db: 'admin', timeoutMillis: 30_000 }).then(settled, settled);
      return;
    case 'partition':
      cluster.partition(...input.groups);
      return;
    case 'heal':
      cluster.healAll();
      return;
    case 'insert': {
      const host = cluster.primary();
      if (!host) return;
      const doc: Document = { insert: 'events', documents: [{ _id: input.id }], writeConcern: { w: input.w, wtimeout: 10_000 } };
      sent();
      cluster.send(host, doc, { db: 'test', timeoutMillis: 20_000 }).then(settled, settled);
      return;
    }
    case 'speed':
      return;
  }
}

/**
 * Replays `recording` from its seed up to `atMillis` (a tick boundary): the same steps the
 * recorder took, the same inputs at the same ticks. The caller stops the returned cluster.
 */
export async function replayTo(recording: Recording, atMillis: number, limits: Partial<RecordingLimits> = {}): Promise<RecordedCluster> {
  if (atMillis < 0 || atMillis > recording.endMillis) throw new MomentOutOfRangeError(`the recording holds 0..${recording.endMillis} ms, not ${atMillis} ms`);
  const replay = new RecordedCluster(recording, { ...limits, tickMillis: recording.tickMillis });
  let next = 0;
  const inputs = recording.inputs;
  for (;;) {
    while (next < inputs.length && inputs[next]!.atMillis === replay.nowMillis) {
      const { atMillis: _at, ...body } = inputs[next]!;
      replay.apply(body as InputBody);
      next += 1;
    }
    if (replay.nowMillis >= atMillis) break;
    await replay.advance(recording.tickMillis);
  }
  return replay;
}
