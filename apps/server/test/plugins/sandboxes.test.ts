import { readFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import type { ServerMessage } from '@rslab/protocol';
import { WorkerLabDriver } from '../../src/engine/workerDriver';
import { WorkerEngine, type WorkerCheckpoint } from '../../src/engine/workerEngine';
import { SimEngine } from '../../src/engine/simEngine';
import { buildServer } from '../../src/server';
import { settingsFromEnv, testSettings } from '../../src/settings';
import { runTranscript, transcriptSandbox, TranscriptSession } from '../../src/transcript/run';
import { runLine, startServer, TestClient } from '../helpers/wsClient';

type Welcome = Extract<ServerMessage, { type: 'welcome' }>;

/** The server's log lines, as pino writes them. */
const logLines: Array<Record<string, unknown>> = [];
const logStream = new Writable({
  write(chunk: Buffer, _encoding, done) {
    for (const line of chunk.toString('utf8').split('\n')) if (line.trim() !== '') logLines.push(JSON.parse(line) as Record<string, unknown>);
    done();
  },
});

let app: FastifyInstance;
beforeAll(async () => {
  app = await buildServer({ settings: testSettings({ sandboxWorkers: 2 }), logger: { level: 'info', stream: logStream } });
});
afterAll(async () => {
  await app.close();
});

function run(client: TestClient, tab: string, line: string): Promise<string> {
  return runLine(client, tab, line, 20_000);
}

describe('settings.sandboxWorkers', () => {
  it('reads RSLAB_SANDBOX_WORKERS: one per core by default (DESIGN.md: sandboxes live on a pool of worker threads), 0, a count, or cores; refuses a negative count', () => {
    const cores = Math.min(64, availableParallelism());
    expect(settingsFromEnv({}, { webRoot: '' }).sandboxWorkers).toBe(cores);
    expect(settingsFromEnv({ RSLAB_SANDBOX_WORKERS: '' }, { webRoot: '' }).sandboxWorkers).toBe(cores);
    expect(settingsFromEnv({ RSLAB_SANDBOX_WORKERS: '0' }, { webRoot: '' }).sandboxWorkers).toBe(0);
    expect(settingsFromEnv({ RSLAB_SANDBOX_WORKERS: '3' }, { webRoot: '' }).sandboxWorkers).toBe(3);
    expect(settingsFromEnv({ RSLAB_SANDBOX_WORKERS: 'cores' }, { webRoot: '' }).sandboxWorkers).toBeGreaterThanOrEqual(1);
    expect(() => settingsFromEnv({ RSLAB_SANDBOX_WORKERS: '-1' }, { webRoot: '' })).toThrow(/RSLAB_SANDBOX_WORKERS/);
  });
});

describe('sandboxes on worker threads (plugins/sandboxes.ts with sandboxWorkers: 2)', () => {
  it("runs today's walkthrough transcript with the members and the driver in a worker", async () => {
    const source = await readFile(new URL('../../transcripts/walkthrough-today.txt', import.meta.url), 'utf8');
    const sandbox = transcriptSandbox(app, 'walkthrough-today.txt');
    expect(sandbox.lab.engine).toBeInstanceOf(WorkerEngine);
    expect(sandbox.lab.engine).not.toBeInstanceOf(SimEngine);
    expect(app.sandboxWorkers?.workerOf(sandbox.id)).not.toBeNull();
    const { output, failures } = await runTranscript(sandbox, source, { speed: 5 });
    expect(failures).toEqual([]);
    const addresses = [...output.matchAll(/>>> client\.address\n\('morton\.local', (\d+)\)/g)].map((m) => m[1]);
    expect(addresses).toHaveLength(2);
    expect(addresses[0]).not.toBe(addresses[1]);
    // The timeline the page shows has the worker's cluster events and its driver's events.
    const kinds = new Set(sandbox.lab.events.all().map((e) => e.kind));
    expect(kinds).toContain('processStarted');
    expect(kinds).toContain('primaryFound');
    // The driver's clients live in the worker; what the lesson checks read is mirrored here, in order.
    expect(sandbox.lab.driver).toBeInstanceOf(WorkerLabDriver);
    const operations = sandbox.lab.driver.operations;
    expect(operations.some((op) => op.kind === 'write' && op.ok && op.servedBy?.startsWith('morton.local:'))).toBe(true);
    expect(operations.filter((op) => op.kind === 'read' && op.ok).length).toBeGreaterThanOrEqual(2);
    const views = sandbox.lab.driver.views();
    expect(views.length).toBeGreaterThan(0);
    expect(views.some((view) => view.primary !== null && view.knownMembers.length === 3)).toBe(true);
  }, 180_000);

  it('shows logs, reaches the sandbox as localhost, and keeps sandboxes apart across workers', async () => {
    const owner = new TranscriptSession(app.sandboxes.obtain('owner').sandbox, { speed: 5 });
    expect(await owner.run('mongod --port 27017 --dbpath /data/db\n# expect listening on port 27017')).toEqual([]);
    const pid = app.sandboxes.get('owner')?.lab.engine.processes()[0]?.pid;
    expect(await owner.run(`logs ${pid}\n# expect Waiting for connections`)).toEqual([]);
    expect(await owner.run('python\nfrom pymongo import MongoClient\nc = MongoClient("localhost:27017")\nc.test.t.insert_one({"x": 1}).acknowledged\n# expect True\nexit()')).toEqual([]);
    const stranger = new TranscriptSession(app.sandboxes.obtain('stranger').sandbox, { speed: 5 });
    expect(await stranger.run('python\nfrom pymongo import Connection\nConnection("morton.local:27017", slave_okay=True)\n# expect pymongo.errors.AutoReconnect\nexit()')).toEqual([]);
  }, 120_000);

  it('copies a sandbox for "Try it myself" on its source\'s worker', async () => {
    const source = app.sandboxes.obtain('fork-source').sandbox;
    expect(await new TranscriptSession(source, { speed: 5 }).run('mongod --port 27020 --dbpath /data/f\n# expect listening')).toEqual([]);
    const { sandbox: copy, report } = await app.sandboxes.fork('fork-copy', source);
    expect(report.started).toEqual(['morton.local:27020']);
    expect(app.sandboxWorkers?.workerOf(copy.id)).toBe(app.sandboxWorkers?.workerOf(source.id));
    expect(copy.lab.engine.processes().filter((p) => p.running).map((p) => p.address)).toEqual(['morton.local:27020']);
  }, 60_000);

  it('branches from a past moment ("Branch from here") on the source\'s worker, from the checkpoint the worker kept', async () => {
    const { sandbox: source } = app.sandboxes.obtain('branch-source');
    const session = new TranscriptSession(source, { speed: 5 });
    expect(await session.run('mongod --port 27021 --dbpath /data/then\n# expect listening')).toEqual([]);
    const then = await source.lab.captureMoment(await source.lab.snapshot());
    expect(then?.checkpoint).toMatchObject({ kind: 'worker', sandboxId: source.id });
    expect(await session.run(`kill ${source.lab.engine.processes()[0]?.pid}\nmongod --port 27022 --dbpath /data/later\n# expect listening`)).toEqual([]);
    const { sandbox: branched, report } = await app.sandboxes.branch('branch-source', then!.at);
    expect(report.started).toEqual(['morton.local:27021']);
    expect(app.sandboxWorkers?.workerOf(branched.id)).toBe(app.sandboxWorkers?.workerOf(source.id));
    expect(branched.lab.engine.processes().filter((p) => p.running).map((p) => p.address)).toEqual(['morton.local:27021']);
  }, 60_000);

  it("a saved replay keeps its worker checkpoints after its sandbox is gone: a branch from it goes on that worker; letting the replay go frees them", async () => {
    const pool = app.sandboxWorkers;
    if (!pool) throw new Error('the pool is on in this file');
    const { sandbox: source } = app.sandboxes.obtain('replay-source');
    const session = new TranscriptSession(source, { speed: 5 });
    expect(await session.run('mongod --port 27023 --dbpath /data/saved\n# expect listening')).toEqual([]);
    const then = await source.lab.captureMoment(await source.lab.snapshot());
    if (!then?.checkpoint) throw new Error('no moment kept');
    const checkpoint = then.checkpoint as WorkerCheckpoint;
    const keeper = pool.workerOf(source.id);
    const saved = await app.replays.save(source, 'kept after its sandbox');
    await app.sandboxes.drop('replay-source');
    expect(pool.workerOf(source.id)).toBeNull();
    expect(pool.workerOfCheckpoint(checkpoint)).toBe(keeper);
    const recording = app.replays.recording(saved.id);
    if (!recording) throw new Error('the replay keeps no branch points');
    const { sandbox: branched, report } = await app.sandboxes.branchFromRecording('replay-viewer', recording, then.at);
    expect(report.started).toEqual(['morton.local:27023']);
    expect(pool.workerOf(branched.id)).toBe(keeper);
    const keptBefore = await pool.call<number>(branched.id, 'checkpointsKept');
    app.replays.close();
    expect(pool.workerOfCheckpoint(checkpoint)).toBeNull();
    // The worker freed the replay's checkpoints (calls and drops reach it in order).
    expect(await pool.call<number>(branched.id, 'checkpointsKept')).toBeLessThan(keptBefore);
    await app.sandboxes.drop('replay-viewer');
  }, 60_000);

  it('a worker that dies takes only its sandboxes: their learners get a clear message and a fresh sandbox, the others keep theirs, it is logged', async () => {
    const pool = app.sandboxWorkers;
    if (!pool) throw new Error('the pool is on in this file');
    const server = await startServer(app);
    const clients: TestClient[] = [];
    const connect = async () => {
      const client = await TestClient.connect(server.baseUrl, await server.cookie());
      clients.push(client);
      return { client, welcome: await client.waitFor((m): m is Welcome => m.type === 'welcome') };
    };
    try {
      const { client: a, welcome: welcomeA } = await connect();
      const workerA = pool.workerOf(welcomeA.sandboxId);
      expect(workerA).not.toBeNull();
      // The least loaded worker takes each new sandbox: within a few learners one lands on the other worker.
      let other = await connect();
      while (pool.workerOf(other.welcome.sandboxId) === workerA && clients.length < 12) other = await connect();
      const { client: b, welcome: welcomeB } = other;
      expect(pool.workerOf(welcomeB.sandboxId)).not.toBe(workerA);
      const tabA = welcomeA.tabs[0]!.tab;
      const tabB = welcomeB.tabs[0]!.tab;
      expect(await run(a, tabA, 'mongod --port 27017 --dbpath /data/a')).toContain('listening');
      expect(await run(b, tabB, 'mongod --port 27017 --dbpath /data/b')).toContain('listening');
      const before = logLines.length;
      await pool.kill(workerA as number);

      const lost = await a.waitFor((m) => m.type === 'error' && m.code === 'SandboxLost', 10_000);
      expect(lost).toMatchObject({ message: expect.stringContaining('fresh, empty sandbox') });
      const fresh = await a.waitFor((m): m is Welcome => m.type === 'welcome' && m.sandboxId !== welcomeA.sandboxId, 10_000);
      expect(fresh.resumed).toBe(false);
      const freshTab = fresh.tabs[0]!.tab;
      expect(await run(a, freshTab, 'ps -ef')).not.toContain('mongod');
      // The fresh sandbox works: it is on a live worker (the replacement in the dead one's slot, or the other).
      expect(await run(a, freshTab, 'mongod --port 27017 --dbpath /data/a')).toContain('listening');
      expect(pool.workerOf(fresh.sandboxId)).not.toBeNull();

      // b, on the other worker, lost nothing and was told nothing.
      expect(b.messages.some((m) => m.type === 'error' && m.code === 'SandboxLost')).toBe(false);
      expect(await run(b, tabB, 'ps -ef')).toContain('mongod --port 27017 --dbpath /data/b');
      const logged = logLines.slice(before).find((line) => String(line.msg).includes('a sandbox worker thread stopped'));
      expect(logged).toMatchObject({ level: 50, workerIndex: workerA, sandboxIds: expect.arrayContaining([welcomeA.sandboxId]) });
    } finally {
      for (const client of clients) client.close();
    }
  }, 120_000);
});
