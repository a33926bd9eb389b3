import type { ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { MongoClient } from 'mongodb';
import type { ServerDescriptionChangedEvent } from 'mongodb';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { freePort, killAll, startSimMongod, waitForOutput } from './spawn';
import type { Running } from './spawn';

/**
 * The walkthrough on real processes: three sim-mongod started with its flags (`--replSet
 * foo/host:port,... --rest`), initiated through a direct connection with no config, then used and
 * failed over through the official driver; the killed primary restarts from its dbpath and rejoins.
 */

const HOST = '127.0.0.1';

interface Thing {
  _id?: string;
  n?: number;
  i?: number;
  even?: boolean;
}
const children: ChildProcess[] = [];
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sim-mongod-rs-'));
afterEach(() => killAll(children));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

async function waitUntil<T>(what: string, fn: () => Promise<T | undefined>, timeoutMillis: number): Promise<T> {
  const deadline = Date.now() + timeoutMillis;
  for (;;) {
    const value = await fn().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('three sim-mongod processes as in the walkthrough', () => {
  it('initiate, discover from any seed, CRUD, kill -9 the primary, fail over', { timeout: 120_000 }, async () => {
    const ports = [await freePort(), await freePort(), await freePort()] as const;
    const [p1, p2, p3] = ports;
    const seeds = (others: number[]): string => `foo/${others.map((p) => `${HOST}:${p}`).join(',')}`;
    const args = [
      ['--port', String(p1), '--dbpath', mkdir('db0'), '--replSet', seeds([p2, p3]), '--rest'],
      ['--port', String(p2), '--dbpath', mkdir('db1'), '--replSet', seeds([p1]), '--rest'],
      ['--port', String(p3), '--dbpath', mkdir('db2'), '--replSet', seeds([p1]), '--rest'],
    ];
    const procs: Running[] = args.map((a) => startSimMongod(a, children));
    await Promise.all(procs.map((p) => waitForOutput(p, 'Waiting for connections')));

    const direct = new MongoClient(`mongodb://${HOST}:${p1}/?directConnection=true&serverSelectionTimeoutMS=5000`);
    try {
      const reply = await direct.db('admin').command({ replSetInitiate: {} });
      expect(reply.ok).toBe(1);
      // Any member may win the first election: wait until the one we initiated knows a primary.
      await waitUntil('a primary', async () => ((await direct.db('admin').command({ hello: 1 })).primary as string | undefined), 40_000).catch((error: unknown) => {
        const repl = procs.map((p, i) => `--- member ${i}\n${p.stdout.split('\n').filter((l) => /"c":"(REPL|ELECTION)/.test(l)).slice(-15).join('\n')}`);
        throw new Error(`${String(error)}\n${repl.join('\n')}`);
      });
    } finally {
      await direct.close();
    }
    // Shorten elections for the rest of the test (mongod's own knob), as mongodb-memory-server does.
    const admin = new MongoClient(`mongodb://${ports.map((p) => `${HOST}:${p}`).join(',')}/?replicaSet=foo&serverSelectionTimeoutMS=20000`);
    try {
      // A safe reconfig needs the current config (the new primary's config term) committed first
      // (replication_coordinator_impl.cpp _doReplSetReconfig: CurrentConfigNotCommittedYet):
      // wait for it as mongod's own tooling does, with replSetGetConfig's commitmentStatus.
      await waitUntil('a committed config', async () => ((await admin.db('admin').command({ replSetGetConfig: 1, commitmentStatus: true })).commitmentStatus === true ? true : undefined), 20_000);
      const config = (await admin.db('admin').command({ replSetGetConfig: 1 })).config;
      config.version += 1;
      config.settings = { ...config.settings, electionTimeoutMillis: 1000 };
      // The command then waits for the new config to reach a majority (awaitConfigCommitment);
      // with the shorter timeout a secondary may stand for election meanwhile, which ends the
      // wait with PrimarySteppedDown (189) — the config is in use either way.
      const reply = await admin.db('admin').command({ replSetReconfig: config }).catch((e: unknown) => e as { code?: number });
      if ((reply as { ok?: number }).ok !== 1) expect((reply as { code?: number }).code).toBe(189);
      const installed = await waitUntil('the new config', async () => {
        const now = (await admin.db('admin').command({ replSetGetConfig: 1 })).config;
        return now.version >= config.version ? now : undefined;
      }, 20_000);
      expect(installed.settings.electionTimeoutMillis).toBe(1000);
    } finally {
      await admin.close();
    }

    for (const list of [[p1], [p2], [p1, p2], [p1, p2, p3]]) {
      const uri = `mongodb://${list.map((p) => `${HOST}:${p}`).join(',')}/?replicaSet=foo&serverSelectionTimeoutMS=20000`;
      const client = new MongoClient(uri);
      try {
        await client.connect();
        const hosts = await waitUntil(
          `three members seen through ${uri}`,
          async () => {
            const hello = await client.db('admin').command({ hello: 1 });
            return (hello.hosts as string[]).length === 3 ? (hello.hosts as string[]) : undefined;
          },
          20_000,
        );
        expect([...hosts].sort()).toEqual(ports.map((p) => `${HOST}:${p}`).sort());
      } finally {
        await client.close();
      }
    }

    const events: ServerDescriptionChangedEvent[] = [];
    const client = new MongoClient(`mongodb://${HOST}:${p1},${HOST}:${p2}/?replicaSet=foo&serverSelectionTimeoutMS=20000`);
    client.on('serverDescriptionChanged', (e) => events.push(e));
    try {
      const coll = client.db('test').collection<Thing>('things');
      await coll.insertOne({ _id: 'before-kill', n: 0 }, { writeConcern: { w: 'majority' } });
      await coll.insertMany(Array.from({ length: 1000 }, (_, i) => ({ _id: `doc-${i}`, i, even: i % 2 === 0 })));
      expect(await coll.countDocuments({ even: true })).toBe(500);
      expect((await coll.find({ i: { $gte: 0 } }).batchSize(101).toArray()).length).toBe(1000);
      await coll.updateOne({ _id: 'before-kill' }, { $set: { n: 1 } });
      expect(await coll.findOne({ _id: 'before-kill' })).toMatchObject({ n: 1 });
      expect((await coll.deleteMany({ i: { $gte: 900 } })).deletedCount).toBe(100);
      const grouped = await coll.aggregate([{ $match: { i: { $lt: 10 } } }, { $group: { _id: '$even', n: { $sum: 1 } } }]).toArray();
      expect(grouped.map((g) => g.n).sort()).toEqual([5, 5]);

      const primaryName = (await client.db('admin').command({ hello: 1 })).primary as string;
      const primaryIndex = ports.findIndex((p) => `${HOST}:${p}` === primaryName);
      expect(primaryIndex).toBeGreaterThanOrEqual(0);

      const noRetry = new MongoClient(`mongodb://${HOST}:${p1},${HOST}:${p2},${HOST}:${p3}/?replicaSet=foo&retryReads=false&serverSelectionTimeoutMS=2000`);
      try {
        const things = noRetry.db('test').collection<Thing>('things');
        expect(await things.findOne({ _id: 'before-kill' })).toMatchObject({ n: 1 });
        procs[primaryIndex]?.child.kill('SIGKILL');
        await procs[primaryIndex]?.exit;
        // Right after the kill: the read on the dead primary fails with a network (or, if the
        // monitor noticed first, a server-selection) error.
        const error = await things.findOne({ _id: 'before-kill' }).then(
          () => undefined,
          (e: unknown) => e as Error,
        );
        expect(error?.name).toMatch(/^(MongoNetworkError|MongoServerSelectionError|MongoPoolClearedError)$/);
        // A little later the same client reads from the new primary.
        const again = await waitUntil('a read on the new primary without retries', () => things.findOne({ _id: 'before-kill' }).then((d) => d ?? undefined), 30_000);
        expect(again).toMatchObject({ n: 1 });
      } finally {
        await noRetry.close();
      }
      // With default options the same read succeeds once a new primary is elected.
      const doc = await coll.findOne({ _id: 'before-kill' });
      expect(doc).toMatchObject({ n: 1 });
      const newPrimary = (await client.db('admin').command({ hello: 1 })).primary as string;
      expect(newPrimary).not.toBe(primaryName);
      expect(events.some((e) => e.address === primaryName && e.newDescription.type === 'Unknown')).toBe(true);
      expect(events.some((e) => e.address === newPrimary && e.newDescription.type === 'RSPrimary')).toBe(true);

      // The killed member restarts on its dbpath and rejoins as SECONDARY with its data.
      const restarted = startSimMongod(args[primaryIndex]!, children);
      await waitForOutput(restarted, 'Waiting for connections');
      expect(restarted.stdout).toContain('"msg":"Journal recovery done"');
      const rejoined = new MongoClient(`mongodb://${primaryName}/?directConnection=true&readPreference=secondaryPreferred&serverSelectionTimeoutMS=5000`);
      try {
        await waitUntil('the restarted member as SECONDARY', async () => ((await rejoined.db('admin').command({ hello: 1 })).secondary === true ? true : undefined), 30_000);
        const things = rejoined.db('test').collection<Thing>('things');
        expect(await things.findOne({ _id: 'before-kill' })).toMatchObject({ n: 1 });
        expect(await things.countDocuments({})).toBe(901);
      } finally {
        await rejoined.close();
      }
    } finally {
      await client.close();
    }
  });
});

function mkdir(name: string): string {
  const dir = path.join(tmp, name);
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}
