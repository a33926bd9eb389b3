import { describe, expect, it } from 'vitest';
import { Cluster } from '../../src/harness/cluster';

/**
 * Initial sync by cloning (MongoDB 7.0 initial_syncer.cpp): the new member notes its sync source's
 * last oplog optime (beginApplyingTimestamp), clones every collection, then applies the source's
 * oplog from that optime to the newest (stopTimestamp). The entries before the clone are never
 * read, so a source whose capped oplog has rolled over still gives a complete copy.
 */
describe('initial sync clones the data, then applies the oplog from the clone start (initial_syncer.cpp)', () => {
  it('a member added after 200 inserts with a 40-entry oplog holds all 200 documents', async () => {
    const c = new Cluster({ members: 4, seed: 81, parameters: { oplogEntriesMax: 40 } });
    const [a, b, d, added] = c.hosts as [string, string, string, string];
    const three = c.defaultConfig();
    three.members = (three.members as object[]).slice(0, 3);
    await c.initiate(three);
    const primary = await c.waitForPrimary(30_000);
    await c.command(primary, { createIndexes: 'test', indexes: [{ key: { k: 1 }, name: 'k_1', unique: true }] }, { db: 'test' });
    for (let i = 0; i < 200; i++) await c.insert([{ _id: i, k: i }], { writeConcern: { w: 'majority', wtimeout: 5000 } });
    expect(c.persistedState(primary).oplog.length).toBeLessThanOrEqual(40);
    const conf = (await c.command(primary, { replSetGetConfig: 1 })).config;
    // A safe reconfig needs the current config (the new primary's config term) committed first.
    await c.waitForConfigCommitted();
    const reply = await c.command(primary, { replSetReconfig: { ...conf, version: conf.version + 1, members: [...conf.members, { _id: 3, host: added, priority: 0, votes: 0 }] } });
    expect(reply.ok).toBe(1);
    // Writes go on while it clones: those between the clone's start and its end are applied from the oplog.
    for (let i = 200; i < 210; i++) await c.insert([{ _id: i, k: i }], { writeConcern: { w: 1 } });
    expect(await c.waitFor(() => c.state(added) === 'SECONDARY', 60_000)).toBe(true);
    await c.insert([{ _id: 'last', k: -1 }], { writeConcern: { w: 4, wtimeout: 10_000 } });
    const found = await c.command(added, { find: 'test', filter: {}, batchSize: 1000, $readPreference: { mode: 'secondary' } }, { db: 'test' });
    expect(found.cursor.firstBatch).toHaveLength(211);
    expect(c.running(added).storage.dataDigest()).toBe(c.running(primary).storage.dataDigest());
    const indexes = await c.command(added, { listIndexes: 'test', $readPreference: { mode: 'secondary' } }, { db: 'test' });
    expect(indexes.cursor.firstBatch.map((i: { name: string }) => i.name).sort()).toEqual(['_id_', 'k_1']);
    expect(c.running(added).recentLog().some((l) => l.msg.startsWith('Initial sync: clone done'))).toBe(true);
    expect([a, b, d]).toContain(primary);
    c.stopAll();
  });

  it('a wiped member resyncs from a rolled-over oplog (the resync a too-stale RECOVERING member needs)', async () => {
    const c = new Cluster({ members: 3, seed: 82, parameters: { oplogEntriesMax: 50 } });
    await c.initiate();
    const primary = await c.waitForPrimary(30_000);
    await c.advance(3000);
    const stale = c.hosts.find((h) => h !== primary)!;
    c.kill(stale);
    for (let i = 0; i < 150; i++) await c.insert([{ _id: i }], { writeConcern: { w: 2, wtimeout: 5000 } });
    c.start(stale);
    // Fallen off the end of every source's oplog: RECOVERING, "too stale", until resynced.
    expect(await c.waitFor(() => c.state(stale) === 'RECOVERING', 20_000)).toBe(true);
    await c.advance(10_000);
    expect(c.state(stale)).toBe('RECOVERING');
    c.wipe(stale);
    expect(await c.waitFor(() => c.state(stale) === 'SECONDARY', 60_000)).toBe(true);
    await c.insert([{ _id: 'after' }], { writeConcern: { w: 3, wtimeout: 10_000 } });
    expect(c.running(stale).storage.dataDigest()).toBe(c.running(primary).storage.dataDigest());
    c.stopAll();
  });
});

describe('a majority read on a member fresh from initial sync waits for a committed snapshot', () => {
  // Its commit point (from the sync source) can be older than the entry its clone started at,
  // whose effect came by the clone: no data as of that commit point exists. mongod waits for a
  // committed snapshot (read_concern_mongod.cpp: while ReadConcernMajorityNotAvailableYet,
  // waitUntilSnapshotCommitted); the simulated member answered InternalError
  // ("StorageRollbackError: ... has no undo information").
  it('the read (majority, or snapshot without atClusterTime) waits, within maxTimeMS, until the commit point passes the clone start, then returns the data', async () => {
    const c = new Cluster({ members: 3, seed: 13 });
    await c.initiate();
    const primary = await c.waitForPrimary(30_000);
    expect(await c.waitForConfigCommitted()).toBe(primary);
    const [cut, wiped] = c.hosts.filter((h) => h !== primary) as [string, string];
    // Nothing commits while `cut` is away and `wiped` syncs: the clone starts after the commit point.
    c.partition([cut], [primary, wiped]);
    await c.insert([{ _id: 1 }], { host: primary, writeConcern: { w: 1 } });
    c.wipe(wiped);
    c.setDelay(wiped, primary, 400, true);
    expect(await c.waitFor(() => c.state(wiped) === 'SECONDARY', 60_000)).toBe(true);
    const read = (maxTimeMS: number, level = 'majority') => c.command(wiped, { find: 'test', readConcern: { level }, maxTimeMS, $readPreference: { mode: 'secondaryPreferred' } }, { db: 'test', timeoutMillis: 30_000 });
    expect(await read(1)).toMatchObject({ ok: 0, codeName: 'MaxTimeMSExpired' });
    // A snapshot read without atClusterTime reads the committed snapshot: it waits too.
    expect(await read(1, 'snapshot')).toMatchObject({ ok: 0, codeName: 'MaxTimeMSExpired' });
    const reply = await read(10_000);
    expect(reply).toMatchObject({ ok: 1 });
    expect((reply.cursor as { firstBatch: unknown[] }).firstBatch).toEqual([{ _id: 1 }]);
    c.stopAll();
  }, 60_000);
});
