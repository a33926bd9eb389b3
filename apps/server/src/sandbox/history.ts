import type { ClusterSnapshot } from '@rslab/protocol';
import type { EngineCheckpoint } from '../engine/simEngine';
import { isWorkerCheckpoint, type WorkerCheckpoint, type WorkerCheckpoints } from '../engine/workerEngine';

/**
 * A live sandbox's history, for rewinding (issue 19): moments (the cluster as the page showed it,
 * and, on the sim engine, a checkpoint of every dbpath to branch from) taken every
 * `momentIntervalMillis` of sandbox time, and the inputs (typed lines, controls, speed changes)
 * with their sandbox times. Bounded: moments by `historyBytesMax`, inputs by `historyInputsMax`;
 * the oldest go first, and `reachesBackToMillis` says how far back what is left reaches.
 *
 * A live sandbox runs on a scaled real clock with the real driver, so its run is not replayed from
 * a seed: a past moment is shown from the nearest moment at or before it (the simulator's own
 * recordings, packages/sim/src/recording/, replay exactly from a seed).
 */

export interface HistoryLimits {
  /** A moment every this many sandbox-clock millis (the slider moves 1 s at a time). */
  momentIntervalMillis: number;
  /** Bytes all moments may hold together (cluster views and checkpoints, estimated). */
  historyBytesMax: number;
  /** Inputs kept. */
  historyInputsMax: number;
}

export const defaultHistoryLimits: HistoryLimits = {
  momentIntervalMillis: 1000,
  historyBytesMax: 64 * 1024 * 1024,
  historyInputsMax: 5000,
};

export interface Moment {
  at: number;
  cluster: ClusterSnapshot;
  /** Null on an engine whose members cannot be copied (the mongod engine); a handle when the members run in a worker thread. */
  checkpoint: EngineCheckpoint | WorkerCheckpoint | null;
  sizeBytes: number;
}

export type HistoryInput =
  | { at: number; kind: 'line'; tab: string; input: string }
  | { at: number; kind: 'control'; action: string; target?: string }
  | { at: number; kind: 'speed'; speed: number }
  /** The machine was cleared for a new lesson (Lab.clear): what came before belongs to another run. */
  | { at: number; kind: 'clear' }
  /** Lesson `lesson` was opened (Sandbox.startLesson), right after its clear if it had one. */
  | { at: number; kind: 'lesson'; lesson: string };

/** A moment the history does not hold. */
export class MomentNotKeptError extends Error {
  override readonly name = 'MomentNotKeptError';
}

export class LabHistory {
  private readonly moments: Moment[] = [];
  private readonly inputList: HistoryInput[] = [];
  private bytes = 0;
  readonly limits: HistoryLimits;

  constructor(
    limits: Partial<HistoryLimits> = {},
    /** Told of each moment the history lets go of (a worker's checkpoint is dropped there then). */
    private readonly onDrop: (moment: Moment) => void = () => undefined,
  ) {
    this.limits = { ...defaultHistoryLimits, ...limits };
    if (!(this.limits.momentIntervalMillis > 0)) throw new RangeError(`momentIntervalMillis must be positive, not ${this.limits.momentIntervalMillis}`);
  }

  /** Whether a moment is due at sandbox time `at` (one interval after the last). */
  due(at: number): boolean {
    const last = this.moments.at(-1);
    return !last || at - last.at >= this.limits.momentIntervalMillis;
  }

  capture(cluster: ClusterSnapshot, checkpoint: Moment['checkpoint']): Moment {
    const sizeBytes = JSON.stringify(cluster).length + (checkpoint?.sizeBytes ?? 0);
    const moment: Moment = { at: cluster.at, cluster, checkpoint, sizeBytes };
    const last = this.moments.at(-1);
    if (last && cluster.at < last.at) throw new RangeError(`LabHistory.capture: moment at ${cluster.at} is before the last one (${last.at})`);
    this.moments.push(moment);
    this.bytes += sizeBytes;
    // The oldest first; the newest always stays.
    while (this.bytes > this.limits.historyBytesMax && this.moments.length > 1) {
      const dropped = this.moments.shift()!;
      this.bytes -= dropped.sizeBytes;
      this.onDrop(dropped);
    }
    return moment;
  }

  recordInput(input: HistoryInput): void {
    this.inputList.push(input);
    if (this.inputList.length > this.limits.historyInputsMax) this.inputList.shift();
  }

  /** The sandbox time of the oldest moment kept, or null before the first. */
  get reachesBackToMillis(): number | null {
    return this.moments[0]?.at ?? null;
  }

  get latestMillis(): number | null {
    return this.moments.at(-1)?.at ?? null;
  }

  get historyBytes(): number {
    return this.bytes;
  }

  get momentCount(): number {
    return this.moments.length;
  }

  /** The latest moment at or before `at` (binary search: moments are in time order). */
  momentAt(at: number): Moment {
    const first = this.moments[0];
    if (!first || at < first.at) {
      throw new MomentNotKeptError(first ? `the history reaches back to ${first.at}, not ${at}` : 'the history holds no moment yet');
    }
    let lo = 0;
    let hi = this.moments.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.moments[mid]!.at <= at) lo = mid;
      else hi = mid - 1;
    }
    return this.moments[lo]!;
  }

  /** Inputs up to `at`, oldest first. */
  inputsUpTo(at: number): HistoryInput[] {
    return this.inputList.filter((input) => input.at <= at);
  }

  /** When the last clear at or before `at` happened, or null (the run at `at` began with the history). */
  lastClearAtOrBefore(at: number): number | null {
    return this.lastInputAtOrBefore(at, 'clear')?.at ?? null;
  }

  /** The lesson open at `at` (the last one opened at or before it), or null if the history does not say. */
  lessonAt(at: number): string | null {
    return this.lastInputAtOrBefore(at, 'lesson')?.lesson ?? null;
  }

  private lastInputAtOrBefore<K extends HistoryInput['kind']>(at: number, kind: K): Extract<HistoryInput, { kind: K }> | undefined {
    let found: Extract<HistoryInput, { kind: K }> | undefined;
    for (const input of this.inputList) {
      if (input.at > at) break;
      if (input.kind === kind) found = input as Extract<HistoryInput, { kind: K }>;
    }
    return found;
  }

  /** Moments' cluster views, oldest first (a saved replay). */
  clusters(): ClusterSnapshot[] {
    return this.moments.map((m) => m.cluster);
  }

  /**
   * A copy of this history as it is now, that keeps what it holds whatever the live one lets go of
   * later (a saved replay's branch points). Main-thread checkpoints are immutable and shared; a
   * worker's checkpoint is a handle, which the copy holds through `workers` (the worker keeps it
   * until every holder let go, past its sandbox's life). Without `workers`, or for a checkpoint
   * already gone, the copy keeps that moment's cluster view without it (no branch from there).
   * `release()` on the copy lets go of what it holds.
   */
  frozenCopy(workers?: WorkerCheckpoints): LabHistory {
    const copy = new LabHistory(
      { ...this.limits, historyBytesMax: Number.MAX_SAFE_INTEGER, historyInputsMax: Number.MAX_SAFE_INTEGER },
      (moment) => {
        if (moment.checkpoint && isWorkerCheckpoint(moment.checkpoint)) workers?.release(moment.checkpoint);
      },
    );
    for (const moment of this.moments) {
      const kept = moment.checkpoint && isWorkerCheckpoint(moment.checkpoint) && !workers?.retain(moment.checkpoint) ? { ...moment, checkpoint: null } : moment;
      copy.moments.push(kept);
      copy.bytes += kept.sizeBytes;
    }
    copy.inputList.push(...this.inputList);
    return copy;
  }

  /** Let go of every moment (the sandbox is disposed, or a saved replay's branch points expire): each goes to `onDrop`. */
  release(): void {
    for (const moment of this.moments.splice(0)) this.onDrop(moment);
    this.bytes = 0;
  }
}
