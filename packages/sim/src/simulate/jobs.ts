/**
 * `simulate --jobs N`: the runs of `simulateMany` spread over N worker threads (jobWorker.ts).
 * Each worker runs one seed at a time and takes the next seed when it is done; the results are
 * handed on, and folded into the summary, in seed order, so the output, the per-run digests and
 * the summary's digest are the same for every N (a run depends only on its seed and options, never
 * on which thread ran it or what ran before it there). A worker that stops by itself (an exit, an
 * uncaught exception, a heap limit) ends the whole call with `SimulateWorkerLostError` naming the
 * seed it was running; a run that throws ends it with `SimulationRunError`, as with one job.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { SimulationRunError, SummaryBuilder, checkRunsCount, simulateMany } from './run';
import type { SimulationOptions, SimulationRunResult, SimulationSummary } from './run';

/** Worker threads one call may use, at most. */
export const SIMULATE_JOBS_MAX = 64;

/**
 * How many runs past the oldest unfinished one may be dispatched: results wait in memory until
 * every earlier seed is done, so a slow seed holds back at most this many finished runs.
 */
export const SIMULATE_RUNS_AHEAD_MAX = 256;

/** `--jobs` / `SIMULATE_NIGHTLY_JOBS`: a count 1..SIMULATE_JOBS_MAX, or `cores` (os.availableParallelism()). */
export function parseJobs(value: string | undefined): number {
  if (value === 'cores') return Math.min(SIMULATE_JOBS_MAX, Math.max(1, availableParallelism()));
  const jobs = Number(value);
  if (value === undefined || value.trim() === '' || !Number.isInteger(jobs) || jobs < 1 || jobs > SIMULATE_JOBS_MAX) {
    throw new RangeError(`jobs must be an integer 1..${SIMULATE_JOBS_MAX} or "cores", got ${value === undefined ? 'nothing' : `"${value.slice(0, 40)}"`}`);
  }
  return jobs;
}

/** The messages between the main thread and a job worker. */
export type ToJobWorker = { type: 'run'; seed: number };
export type FromJobWorker = { type: 'result'; seed: number; result: SimulationRunResult } | { type: 'failed'; seed: number; error: { name: string; message: string; stack?: string } };

/** What a job worker is started with. */
export interface JobWorkerData {
  options: SimulationOptions;
}

/**
 * A worker thread stopped by itself (`exitCode`), or sent an answer that could not be read (null);
 * `seed` is the run it was in the middle of (undefined between runs).
 */
export class SimulateWorkerLostError extends Error {
  override readonly name = 'SimulateWorkerLost';
  constructor(
    readonly seed: number | undefined,
    readonly workerIndex: number,
    readonly exitCode: number | null,
    cause: Error | undefined,
  ) {
    const what = exitCode === null ? 'sent an answer that could not be read' : `stopped (exit code ${exitCode})`;
    super(`simulate worker ${workerIndex} ${what} ${seed === undefined ? 'between runs' : `while running seed ${seed}`}${cause ? `: ${cause.message}` : ''}`, cause ? { cause } : undefined);
  }
}

/** A run's failure inside a worker, rebuilt with the name and stack it had there. */
class WorkerRunFailure extends Error {
  constructor(error: { name: string; message: string; stack?: string }) {
    super(error.message);
    this.name = error.name;
    if (error.stack !== undefined) this.stack = error.stack;
  }
}

export interface JobsOptions {
  /** Worker threads (1: the runs stay on this thread, as `simulateMany`). */
  jobs: number;
  /** The worker's entry (plain JavaScript); tests hand in one that misbehaves. */
  workerFile?: string | URL;
  runsAheadMax?: number;
}

const DEFAULT_WORKER_FILE = new URL('./jobWorker.mjs', import.meta.url);

interface Slot {
  index: number;
  worker: Worker;
  /** The seed it is running. */
  seed: number | undefined;
  /** The uncaught exception it stopped with. */
  error: Error | undefined;
  /** It stopped by itself (or its answer could not be read): given no more seeds. */
  lost: boolean;
}

/**
 * Runs `runs` plans from `seed` on `jobs.jobs` worker threads; `onRun` sees each result in seed
 * order and the summary is the one `simulateMany` gives for the same seeds.
 */
export async function simulateManyJobs(seed: number, runs: number, options: SimulationOptions, jobs: JobsOptions, onRun?: (r: SimulationRunResult) => void): Promise<SimulationSummary> {
  checkRunsCount(runs);
  if (!Number.isInteger(jobs.jobs) || jobs.jobs < 1 || jobs.jobs > SIMULATE_JOBS_MAX) throw new RangeError(`jobs must be 1..${SIMULATE_JOBS_MAX}, got ${jobs.jobs}`);
  if (jobs.jobs === 1 && jobs.workerFile === undefined) return simulateMany(seed, runs, options, onRun);
  const aheadMax = jobs.runsAheadMax ?? SIMULATE_RUNS_AHEAD_MAX;
  if (!Number.isInteger(aheadMax) || aheadMax < 1) throw new RangeError(`runsAheadMax must be a positive integer, got ${aheadMax}`);
  const summary = new SummaryBuilder(seed, runs);
  /**
   * Runs done but not handed on (an earlier seed is still running), and failures. A failure is
   * handed on in its place too: the seeds before it are reported first, none after it, and the
   * error is the one the lowest failing seed gives, as with one job.
   */
  const finished = new Map<number, SimulationRunResult | Error>();
  /** No seed at or past this one is started (the end, or just past the first failure). */
  let stopAt = seed + runs;
  let nextToRun = seed;
  let nextToHandOn = seed;
  let outcome: { error: Error } | { summary: SimulationSummary } | undefined;
  let settle: (() => void) | undefined;
  const settled = new Promise<void>((resolve) => (settle = resolve));
  const slots: Slot[] = [];

  const finish = (result: { error: Error } | { summary: SimulationSummary }): void => {
    if (outcome) return;
    outcome = result;
    settle?.();
  };
  const dispatch = (slot: Slot): void => {
    if (outcome || slot.lost || slot.seed !== undefined || nextToRun >= stopAt || nextToRun - nextToHandOn >= aheadMax) return;
    slot.seed = nextToRun++;
    slot.worker.postMessage({ type: 'run', seed: slot.seed } satisfies ToJobWorker);
  };
  const handOn = (): void => {
    try {
      for (let r = finished.get(nextToHandOn); r !== undefined && !outcome; r = finished.get(nextToHandOn)) {
        if (r instanceof Error) {
          finish({ error: r });
          return;
        }
        finished.delete(nextToHandOn);
        nextToHandOn++;
        summary.add(r);
        onRun?.(r);
      }
      if (nextToHandOn === seed + runs) finish({ summary: summary.finish() });
      else for (const s of slots) dispatch(s);
    } catch (error) {
      // onRun (or the summary) threw: that ends the call, as it would with one job.
      finish({ error: error instanceof Error ? error : new Error(String(error)) });
    }
  };
  const failAt = (failedSeed: number, error: Error): void => {
    finished.set(failedSeed, error);
    stopAt = Math.min(stopAt, failedSeed + 1);
    handOn();
  };
  const onMessage = (slot: Slot, message: FromJobWorker): void => {
    if (outcome || slot.lost) return;
    if (message.seed !== slot.seed) {
      finish({ error: new Error(`simulate worker ${slot.index} answered seed ${message.seed} while running ${slot.seed ?? 'nothing'}`) });
      return;
    }
    slot.seed = undefined;
    if (message.type === 'failed') {
      failAt(message.seed, new SimulationRunError(message.seed, new WorkerRunFailure(message.error)));
      return;
    }
    finished.set(message.seed, message.result);
    handOn();
  };
  const onLost = (slot: Slot, exitCode: number | null, cause: Error | undefined): void => {
    if (outcome || slot.lost) return;
    slot.lost = true;
    const error = new SimulateWorkerLostError(slot.seed, slot.index, exitCode, cause);
    if (slot.seed === undefined) finish({ error });
    else failAt(slot.seed, error);
    // The others finish the seeds before it. A guard: with none of them running anything, no
    // earlier seed is left to wait for.
    if (slots.every((s) => s.lost || s.seed === undefined)) finish({ error });
  };

  const count = Math.min(jobs.jobs, runs);
  try {
    for (let index = 0; index < count; index++) {
      const worker = new Worker(jobs.workerFile ?? DEFAULT_WORKER_FILE, { workerData: { options } satisfies JobWorkerData });
      const slot: Slot = { index, worker, seed: undefined, error: undefined, lost: false };
      slots.push(slot);
      worker.on('message', (message: FromJobWorker) => onMessage(slot, message));
      // A result that did not survive the copy: that seed failed; the worker is not used again.
      worker.on('messageerror', (error: Error) => onLost(slot, null, error));
      // An uncaught exception: the thread is ending, and its 'exit' reports it with this cause.
      worker.on('error', (error: Error) => (slot.error ??= error));
      worker.on('exit', (code: number) => onLost(slot, code, slot.error));
    }
    for (const slot of slots) dispatch(slot);
    await settled;
  } finally {
    // Ours to end now (done, or one failed): their exits are no longer news.
    for (const slot of slots) slot.worker.removeAllListeners('exit');
    await Promise.all(slots.map((slot) => slot.worker.terminate()));
  }
  const result = outcome!;
  if ('error' in result) throw result.error;
  return result.summary;
}
