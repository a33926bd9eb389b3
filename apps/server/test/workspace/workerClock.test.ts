import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { newProxyCredentials } from '../../src/engine/simEngine';
import { WorkerEngine } from '../../src/engine/workerEngine';
import { SandboxWorkerPool } from '../../src/engine/workerPool';
import { parseMongodArgs } from '../../src/mongod/flags';
import { Lab } from '../../src/sandbox/lab';
import { EventLog } from '../../src/timeline/eventLog';
import type { SandboxWorkerSetup } from '../../src/workspace/sandboxWorker';

/**
 * Issue 17: a sandbox on a worker thread keeps one virtual clock with the main thread. The main
 * thread's clock (WorkerEngine.clock) is what the history, the timeline and the rewind slider read;
 * the worker's is what the members run on. Every reading the worker gives must be one the main
 * thread's clock gave in the same wall-time window, and while time is paused, the very same one.
 */

const workerFile = fileURLToPath(new URL('../../src/workspace/sandboxWorker.mjs', import.meta.url));
const setup: SandboxWorkerSetup = { hostname: 'morton.local', membersMax: 12 };
const sleep = (millis: number) => new Promise((resolve) => setTimeout(resolve, millis));

/** The worker's clock as a snapshot reports it, checked against the main thread's clock read just before and just after asking. */
async function expectInStep(engine: WorkerEngine): Promise<void> {
  const before = engine.clock.now();
  const snapshot = await engine.snapshot();
  const after = engine.clock.now();
  expect({ speed: snapshot.speed, paused: snapshot.paused }).toEqual({ speed: engine.clock.speed, paused: engine.clock.paused });
  // The worker read its clock between the two main-thread readings (calls run in order, after the change).
  expect(snapshot.at).toBeGreaterThanOrEqual(before);
  expect(snapshot.at).toBeLessThanOrEqual(after);
  if (engine.clock.paused) expect(snapshot.at).toBe(before);
  // And the anchor the worker's clock reads is the main thread's, to the bit (both then read the same time at every wall instant).
  const worker = await pool?.call<{ anchor: unknown; following: boolean }>(engine.sandboxId, 'clockAnchor');
  expect(worker).toEqual({ anchor: engine.clock.anchor, following: true });
}

let pool: SandboxWorkerPool | null = null;

describe("a worker sandbox's clock and the main thread's mirror of it (engine/workerEngine.ts)", () => {
  afterEach(async () => {
    await pool?.dispose();
    pool = null;
  });

  it('read the same time after every speed change, pause and resume, made while the worker is still starting and after', async () => {
    // Not waiting for the worker: the changes reach it seconds after the main thread made them (a worker replacing a lost one, or a busy one).
    pool = new SandboxWorkerPool({ workersMax: 1, file: workerFile, sandboxesPerWorkerMax: 10, onWorkerLost: () => undefined });
    const errors: string[] = [];
    const engine = new WorkerEngine({ pool, sandboxId: 'clock', setup: { ...setup, credentials: newProxyCredentials(), clock: { startMillis: 1_000_000, speed: 1, paused: false } }, events: new EventLog(() => Date.now(), 100), onError: (error, what) => errors.push(`${what}: ${String(error)}`) });
    engine.clock.setSpeed(10);
    await sleep(30);
    engine.clock.pause();
    await sleep(20);
    engine.clock.resume();
    engine.clock.setSpeed(0.25);
    await sleep(20);
    engine.clock.setSpeed(4);
    engine.clock.pause();
    await expectInStep(engine);
    // Now the worker runs: each change, then the worker's reading.
    const changes: Array<() => void> = [
      () => engine.clock.resume(),
      () => engine.clock.setSpeed(10),
      () => engine.clock.pause(),
      () => engine.clock.setSpeed(2),
      () => engine.clock.resume(),
      () => engine.clock.setSpeed(0.25),
      () => engine.clock.pause(),
    ];
    for (const change of changes) {
      change();
      await sleep(15);
      await expectInStep(engine);
    }
    // The worker checked every change against the anchor it reads (see sandboxWorker.ts clockChanged): none failed.
    expect(errors).toEqual([]);
    await engine.dispose();
  }, 60_000);

  it('a fork and a branch from a checkpoint, made on the source\'s worker, each keep their own clock in step with the main thread', async () => {
    pool = new SandboxWorkerPool({ workersMax: 1, file: workerFile, sandboxesPerWorkerMax: 10, onWorkerLost: () => undefined });
    const errors: string[] = [];
    const make = (sandboxId: string, clock: SandboxWorkerSetup['clock'], near?: string) =>
      new WorkerEngine({ pool: pool as SandboxWorkerPool, sandboxId, setup: { ...setup, credentials: newProxyCredentials(), clock }, events: new EventLog(() => Date.now(), 100), onError: (error, what) => errors.push(`${what}: ${String(error)}`), ...(near ? { near } : {}) });
    const source = make('source', { startMillis: 5_000_000, speed: 5, paused: false });
    await expectInStep(source);
    const checkpoint = source.checkpoint();
    await sleep(20);
    // A fork starts where the source's clock is now (as SandboxManager.fork does), then its clock is changed at once.
    const fork = make('fork', { startMillis: source.clock.now(), speed: source.clock.speed, paused: source.clock.paused }, 'source');
    fork.clock.setSpeed(10);
    await fork.copyFrom(source);
    await expectInStep(fork);
    // A branch starts at the checkpoint's time (as SandboxManager.branch does), and the source is paused.
    const branch = make('branch', { startMillis: checkpoint.atMillis, speed: 2, paused: false }, 'source');
    source.clock.pause();
    await branch.restore(checkpoint);
    branch.clock.pause();
    for (const engine of [source, fork, branch]) await expectInStep(engine);
    expect(branch.clock.now()).toBeLessThan(fork.clock.now());
    expect(errors).toEqual([]);
    for (const engine of [branch, fork, source]) await engine.dispose();
  }, 60_000);

  it('a history moment\'s view and its checkpoint are taken together in the worker, so a kill queued between them cannot split them', async () => {
    pool = new SandboxWorkerPool({ workersMax: 1, file: workerFile, sandboxesPerWorkerMax: 10, onWorkerLost: () => undefined });
    const events = new EventLog(() => Date.now(), 100);
    const engine = new WorkerEngine({ pool, sandboxId: 'moments', setup: { ...setup, credentials: newProxyCredentials() }, events });
    const lab = new Lab(engine, setup.hostname, events, engine.driver);
    const parsed = parseMongodArgs('--port 27017 --dbpath /data/a'.split(' '));
    if (parsed.kind !== 'start') throw new Error('not a start');
    const member = await engine.start(parsed.options);
    // The live feed's snapshot is answered; a kill typed meanwhile is queued before the moment's checkpoint.
    const shown = engine.snapshot();
    const kill = engine.signal(member.pid, 'SIGKILL');
    const moment = await lab.captureMoment(await shown);
    await kill;
    if (!moment?.checkpoint || !('kind' in moment.checkpoint)) throw new Error('no worker checkpoint');
    const branch = new WorkerEngine({ pool, sandboxId: 'moments-branch', setup: { ...setup, credentials: newProxyCredentials() }, events: new EventLog(() => Date.now(), 100), near: 'moments' });
    const report = await branch.restore(moment.checkpoint);
    // What "Branch from here" starts is what the moment showed running.
    const runningShown = moment.cluster.members.filter((m) => m.process === 'running').map((m) => m.host);
    expect(report.started).toEqual(runningShown);
    expect(moment.checkpoint.atMillis).toBe(moment.at);
    await branch.dispose();
    await engine.dispose();
  }, 60_000);
});
