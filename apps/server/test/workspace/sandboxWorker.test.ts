import { fileURLToPath } from 'node:url';
import { EJSON, type Document } from 'bson';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EngineProcess } from '../../src/engine/engine';
import { newProxyCredentials } from '../../src/engine/simEngine';
import { WorkerEngine } from '../../src/engine/workerEngine';
import { SandboxWorkerLostError, SandboxWorkerPool, type SandboxWorkerLoss } from '../../src/engine/workerPool';
import { parseMongodArgs } from '../../src/mongod/flags';
import type { RpcReply } from '../../src/runtime/driverRpc';
import { EventLog } from '../../src/timeline/eventLog';
import type { SandboxWorkerSetup } from '../../src/workspace/sandboxWorker';

const workerFile = fileURLToPath(new URL('../../src/workspace/sandboxWorker.mjs', import.meta.url));
const setup: SandboxWorkerSetup = { hostname: 'morton.local', membersMax: 12 };

function mongod(args: string): Document {
  const parsed = parseMongodArgs(args.split(' '));
  if (parsed.kind !== 'start') throw new Error(`not a start: ${args}`);
  return parsed.options;
}

/** One driver RPC call, with params as the page sends them (canonical EJSON). */
async function driver(pool: SandboxWorkerPool, sandbox: string, method: string, params: Document): Promise<Document> {
  const reply = await pool.call<RpcReply>(sandbox, 'driver.call', ['page-1', 1, 'rt-test', method, EJSON.serialize(params, { relaxed: false })]);
  if (!reply.ok) throw new Error(`${method}: ${reply.error.name}: ${reply.error.message}`);
  return EJSON.deserialize(reply.result as Document, { relaxed: true });
}

/** The walkthrough's set in one sandbox: three members, initiated, a document saved and read back through the driver. */
async function walkthrough(pool: SandboxWorkerPool, sandbox: string): Promise<Document[]> {
  await pool.call(sandbox, 'create', [setup]);
  const started: EngineProcess[] = [];
  for (const n of [0, 1, 2]) started.push(await pool.call<EngineProcess>(sandbox, 'start', [mongod(`--replSet foo --port ${27017 + n} --dbpath /data/r${n}`)]));
  expect(started.map((p) => p.address)).toEqual(['morton.local:27017', 'morton.local:27018', 'morton.local:27019']);
  const members = started.map((p, i) => ({ _id: i, host: p.address }));
  const initiated = await pool.call<Document>(sandbox, 'command', ['morton.local:27017', { replSetInitiate: { _id: 'foo', members } }]);
  expect(initiated.ok).toBe(1);
  const { client } = await driver(pool, sandbox, 'connect', { label: 'MongoClient', seeds: started.map((p) => p.address), options: { replicaSet: 'foo', serverSelectionTimeoutMS: 20_000 } });
  await driver(pool, sandbox, 'insertOne', { client, db: 'test', coll: 'foo', doc: { x: 1 }, options: {} });
  const found = await driver(pool, sandbox, 'find', { client, db: 'test', coll: 'foo', filter: {}, options: {} });
  return (found.batch as Document[]).map(({ x }) => ({ x }));
}

describe('sandbox worker (workspace/sandboxWorker.ts) through the pool', () => {
  const losses: SandboxWorkerLoss[] = [];
  let pool: SandboxWorkerPool;
  beforeAll(() => {
    pool = new SandboxWorkerPool({ workersMax: 2, file: workerFile, sandboxesPerWorkerMax: 10, onWorkerLost: (loss) => losses.push(loss) });
  });
  afterAll(async () => pool.dispose());

  it('runs the walkthrough (three members, replSetInitiate, a write and a read through the driver) in a worker', async () => {
    expect(pool.assign('a')).toBe(0);
    expect(await walkthrough(pool, 'a')).toEqual([{ x: 1 }]);
  }, 60_000);

  it('a killed worker takes only its sandboxes; the other worker keeps serving, and a fresh sandbox starts empty', async () => {
    expect(pool.assign('b')).toBe(1);
    expect(await walkthrough(pool, 'b')).toEqual([{ x: 1 }]);
    await pool.kill(0);
    await expect(pool.call('a', 'processes')).rejects.toThrow(/has no worker/);
    expect(losses).toEqual([{ workerIndex: 0, sandboxIds: ['a'], exitCode: 1, error: null }]);
    // b, on the other worker, still has its members and answers.
    expect((await pool.call<EngineProcess[]>('b', 'processes')).filter((p) => p.running)).toHaveLength(3);
    // The learner of a gets a fresh sandbox, on the new worker in slot 0, with nothing running.
    expect(pool.assign('a-fresh')).toBe(0);
    await pool.call('a-fresh', 'create', [setup]);
    expect(await pool.call('a-fresh', 'processes')).toEqual([]);
  }, 60_000);

  it('a call waiting when its worker dies rejects with SandboxWorkerLost', async () => {
    // Nothing runs in a-fresh, so the driver waits for a server (up to 30 s) until the worker dies under it.
    const { client } = await driver(pool, 'a-fresh', 'connect', { label: 'MongoClient', seeds: ['morton.local:27017'], options: { serverSelectionTimeoutMS: 30_000 } });
    const slow = driver(pool, 'a-fresh', 'find', { client, db: 'test', coll: 'foo', filter: {}, options: {} });
    await pool.kill(0);
    await expect(slow).rejects.toBeInstanceOf(SandboxWorkerLostError);
  });
});

describe('WorkerEngine on a worker that is still starting (engine/workerEngine.ts)', () => {
  let pool: SandboxWorkerPool;
  beforeAll(() => {
    pool = new SandboxWorkerPool({ workersMax: 1, file: workerFile, sandboxesPerWorkerMax: 10, onWorkerLost: () => undefined });
  });
  afterAll(async () => pool.dispose());

  it("its driver route waits for the worker's SOCKS bridge (a worker replacing a lost one starts while its learners already have fresh sandboxes)", async () => {
    const engine = new WorkerEngine({ pool, sandboxId: 'early', setup: { ...setup, credentials: newProxyCredentials() }, events: new EventLog(() => Date.now(), 100) });
    // Before the worker says it is ready there is no port to give the driver.
    expect(engine.route.proxyPort).toBe(0);
    await engine.route.ready?.();
    expect(engine.route.proxyPort).toBeGreaterThan(0);
    await engine.dispose();
  }, 60_000);
});

describe('diagnosing the sandbox workers', () => {
  let pool: SandboxWorkerPool;
  beforeAll(() => {
    pool = new SandboxWorkerPool({ workersMax: 1, file: workerFile, sandboxesPerWorkerMax: 10, onWorkerLost: () => undefined });
  });
  afterAll(async () => pool.dispose());

  it("reports each worker's busy share, its GC pauses on the wall clock and a CPU profile of the window, while its sandboxes keep answering", async () => {
    pool.assign('busy');
    await pool.call('busy', 'create', [setup]);
    await pool.call('busy', 'start', [mongod('--port 27017 --dbpath /data/db')]);
    const windowStarted = Date.now();
    const watching = pool.diagnose(1500, { cpuProfile: true });
    // Work for the worker inside the window: tens of MB of documents make its young generation collect.
    const documents = Array.from({ length: 20_000 }, (_, i) => ({ i, text: 'x'.repeat(200) }));
    const inserted = await pool.call<Document>('busy', 'command', ['morton.local:27017', { insert: 'filler', documents, $db: 'test' }]);
    expect(inserted.n).toBe(20_000);
    const [worker, ...others] = await watching;
    expect(others).toEqual([]);
    expect(worker).toMatchObject({ workerIndex: 0, sandboxes: 1 });
    expect(worker!.busyShare).toBeGreaterThan(0);
    expect(worker!.busyShare).toBeLessThanOrEqual(1);
    expect(worker!.gcPauses.some((pause) => pause.kind === 'scavenge')).toBe(true);
    for (const pause of worker!.gcPauses) {
      expect(pause.startedAtMillis).toBeGreaterThanOrEqual(windowStarted - 50);
      expect(pause.startedAtMillis).toBeLessThanOrEqual(Date.now());
      expect(pause.durationMillis).toBeGreaterThanOrEqual(0);
    }
    expect((worker!.cpuProfile as { nodes?: unknown[] }).nodes?.length).toBeGreaterThan(1);
    await expect(pool.diagnose(0)).rejects.toThrow(RangeError);
  }, 60_000);
});
