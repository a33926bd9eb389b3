/**
 * `simulate --jobs N` (src/simulate/jobs.ts, issue 20): the runs spread over worker threads give
 * the same output as one after another — the same per-run digests, violations, replay commands,
 * report files and summary digest, in seed order — and a worker that dies ends the run with an
 * error naming the seed it was running instead of hanging.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SIMULATE_JOBS_MAX, SimulateWorkerLostError, parseJobs, simulateManyJobs } from '../../src/simulate/jobs';
import { SimulationRunError, simulateMany } from '../../src/simulate/run';
import type { SimulationRunResult } from '../../src/simulate/run';

const root = path.resolve(__dirname, '../..');
const tmp = mkdtempSync(path.join(tmpdir(), 'simulate-jobs-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const dyingWorker = new URL('./fixtures/dyingJobWorker.mjs', import.meta.url);

function simulate(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/simulate/main.ts', ...args], { cwd: root, encoding: 'utf8', timeout: 240_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Every file under `dir` with its text, the directory's own name replaced (reports name their plan's path). */
function files(dir: string): Record<string, string> {
  return Object.fromEntries(readdirSync(dir).sort().map((name) => [name, readFileSync(path.join(dir, name), 'utf8').replaceAll(dir, '<out>')]));
}

describe('simulate --jobs: the same results for any number of workers', () => {
  it('seeds 1..10: per-run digests and the summary digest are the same with --jobs 2 as with --jobs 1', () => {
    const one = simulate(['--seed', '1', '--runs', '10', '--jobs', '1', '--verbose', '--out', path.join(tmp, 'clean-1')]);
    const two = simulate(['--seed', '1', '--runs', '10', '--jobs', '2', '--verbose', '--out', path.join(tmp, 'clean-2')]);
    expect(one.status, one.stderr).toBe(0);
    expect(two.status, two.stderr).toBe(0);
    const digests = (out: string): string[] => [...out.matchAll(/^seed (\d+): ok .* digest=([0-9a-f]{16})$/gm)].map((m) => `${m[1]}:${m[2]}`);
    expect(digests(one.stdout).map((d) => Number(d.split(':')[0]))).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(digests(two.stdout)).toEqual(digests(one.stdout));
    const summary = (out: string): string | undefined => /^simulate: .* runs=10 violations=0 failing-runs=0 digest=[0-9a-f]{16}$/m.exec(out)?.[0];
    expect(summary(one.stdout)).toBeDefined();
    expect(summary(two.stdout)).toBe(summary(one.stdout));
    expect(two.stdout).toBe(one.stdout);
  }, 480_000);

  // bugs.test.ts: with double-vote, seeds 4, 6 and 8 elect two primaries in one term.
  it('--bug double-vote: seeds 4, 6 and 8 still report two primaries through two workers, with the same reports and files', () => {
    const outOne = path.join(tmp, 'bug-1');
    const outTwo = path.join(tmp, 'bug-2');
    const one = simulate(['--seed', '4', '--runs', '5', '--bug', 'double-vote', '--no-shrink', '--jobs', '1', '--out', outOne]);
    const two = simulate(['--seed', '4', '--runs', '5', '--bug', 'double-vote', '--no-shrink', '--jobs', '2', '--out', outTwo]);
    expect(one.status, one.stderr).toBe(1);
    expect(two.status, two.stderr).toBe(1);
    const failing = (out: string): string[] => [...out.matchAll(/^seed (\d+): \d+ violation\(s\)\n {2}invariants: t=\d+ms two primaries in term/gm)].map((m) => m[1]!);
    expect(failing(two.stdout)).toEqual(['4', '6', '8']);
    expect(two.stdout).toContain('replay: pnpm --filter @rslab/sim simulate --seed 6 --runs 1 --workload register,set,retryable,list-append --bug double-vote');
    expect(two.stdout).toMatch(/bugs=double-vote seed=4 runs=5 violations=\d+ failing-runs=3 digest=[0-9a-f]{16}$/m);
    expect(two.stdout.replaceAll(outTwo, '<out>')).toBe(one.stdout.replaceAll(outOne, '<out>'));
    expect(Object.keys(files(outTwo))).toEqual(['seed-4.plan.json', 'seed-4.txt']);
    expect(files(outTwo)).toEqual(files(outOne));
  }, 480_000);

  it('runsAheadMax 1 (a seed starts only once every earlier one is handed on): two workers take turns, neither stalls, same summary', async () => {
    const seen: number[] = [];
    const viaTwo = await simulateManyJobs(20, 3, {}, { jobs: 2, runsAheadMax: 1 }, (r) => seen.push(r.seed));
    const viaOne = await simulateMany(20, 3, {});
    expect(seen).toEqual([20, 21, 22]);
    expect(viaTwo.digest).toBe(viaOne.digest);
    expect(viaTwo.runs).toBe(3);
  }, 180_000);

  it('a run that throws is reported with its seed, the lowest failing one, as with one job', async () => {
    const options = { members: 0 };
    const viaOne = await simulateMany(1, 4, options).catch((error: unknown) => error);
    const viaTwo = await simulateManyJobs(1, 4, options, { jobs: 2 }).catch((error: unknown) => error);
    expect(viaOne).toBeInstanceOf(SimulationRunError);
    expect(viaTwo).toBeInstanceOf(SimulationRunError);
    expect((viaTwo as SimulationRunError).seed).toBe(1);
    expect((viaTwo as Error).message).toBe((viaOne as Error).message);
    expect((viaTwo as Error).message).toContain('members must be 1..50');
  }, 120_000);
});

describe('simulate --jobs: a worker that dies', () => {
  it('exits: the call rejects naming the seed and the exit code, after handing on the seeds before it', async () => {
    const seen: number[] = [];
    const error = await simulateManyJobs(1, 6, {}, { jobs: 2, workerFile: dyingWorker }, (r: SimulationRunResult) => seen.push(r.seed)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SimulateWorkerLostError);
    expect((error as SimulateWorkerLostError).seed).toBe(3);
    expect((error as SimulateWorkerLostError).exitCode).toBe(7);
    expect((error as Error).message).toMatch(/stopped \(exit code 7\) while running seed 3/);
    expect(seen).toEqual([1, 2]);
  }, 120_000);

  it('throws: the call rejects naming the seed and the exception', async () => {
    const seen: number[] = [];
    const error = await simulateManyJobs(11, 6, {}, { jobs: 2, workerFile: dyingWorker }, (r: SimulationRunResult) => seen.push(r.seed)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SimulateWorkerLostError);
    expect((error as SimulateWorkerLostError).seed).toBe(13);
    expect((error as Error).message).toContain('while running seed 13: injected: the worker threw running seed 13');
    expect(seen).toEqual([11, 12]);
  }, 120_000);
});

describe('--jobs values', () => {
  it('a count, or cores for os.availableParallelism(); anything else is refused', () => {
    expect(parseJobs('2')).toBe(2);
    expect(parseJobs('cores')).toBe(Math.min(SIMULATE_JOBS_MAX, availableParallelism()));
    for (const bad of ['0', '-1', '1.5', 'two', '', String(SIMULATE_JOBS_MAX + 1), undefined]) expect(() => parseJobs(bad), String(bad)).toThrow(RangeError);
  });

  it('--jobs 0 is a usage error (exit 2)', () => {
    const r = simulate(['--jobs', '0']);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('jobs must be an integer 1..64 or "cores", got "0"');
  }, 130_000);
});
