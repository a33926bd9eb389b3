import { describe, expect, it } from 'vitest';
import { createMemberCrudCommands } from '../../src/commands/crud';
import { Cluster } from '../../src/harness/cluster';
import { Storage } from '../../src/storage';

/** A 3-member set whose members use the simulator Storage and the full CRUD commands. */
function cluster(seed: number): Cluster {
  return new Cluster({ members: 3, seed, storageFactory: () => new Storage(), crud: createMemberCrudCommands() });
}

function storageOf(c: Cluster, host: string): Storage {
  const storage = c.storage(host);
  if (!(storage instanceof Storage)) throw new Error('expected the simulator Storage');
  return storage;
}

describe('Storage and CRUD commands inside a replica set', () => {
  it('replicates inserts, updates, deletes and index builds to every member', async () => {
    const c = cluster(21);
    await c.initiate();
    const primary = await c.waitForPrimary(30_000);
    const wc = { writeConcern: { w: 'majority', wtimeout: 5000 } };
    expect(await c.command(primary, { insert: 'people', documents: [{ _id: 1, name: 'ann' }, { _id: 2, name: 'bob' }], ...wc }, { db: 'app' })).toMatchObject({ ok: 1, n: 2 });
    expect(await c.command(primary, { createIndexes: 'people', indexes: [{ key: { name: 1 }, name: 'name_1', unique: true }], ...wc }, { db: 'app' })).toMatchObject({ ok: 1, numIndexesAfter: 2 });
    expect(await c.command(primary, { update: 'people', updates: [{ q: { _id: 1 }, u: { $set: { age: 30 } } }], ...wc }, { db: 'app' })).toMatchObject({ ok: 1, nModified: 1 });
    expect(await c.command(primary, { delete: 'people', deletes: [{ q: { _id: 2 }, limit: 1 }], ...wc }, { db: 'app' })).toMatchObject({ ok: 1, n: 1 });
    const dup = await c.command(primary, { insert: 'people', documents: [{ _id: 3, name: 'ann' }], ...wc }, { db: 'app' });
    expect(dup.writeErrors[0]).toMatchObject({ code: 11000 });
    await c.advance(2000);
    const digests = new Set(c.hosts.map((host) => storageOf(c, host).dataDigest()));
    expect(digests.size).toBe(1);
    for (const host of c.hosts) {
      expect(storageOf(c, host).documents('app', 'people')).toEqual([{ _id: 1, name: 'ann', age: 30 }]);
      expect(storageOf(c, host).listIndexes('app', 'people').map((spec) => spec.name)).toEqual(['_id_', 'name_1']);
    }
    // A secondary refuses writes; with secondaryOk it serves reads.
    const secondary = c.hosts.find((host) => host !== primary) as string;
    expect(await c.command(secondary, { insert: 'people', documents: [{}] }, { db: 'app' })).toMatchObject({ ok: 0, code: 10107 });
    const read = await c.command(secondary, { find: 'people', $readPreference: { mode: 'secondaryPreferred' } }, { db: 'app' });
    expect(read.cursor.firstBatch).toEqual([{ _id: 1, name: 'ann', age: 30 }]);
    c.stopAll();
  });

  it('rolls back a former primary\'s unreplicated writes with the Storage undo and converges', async () => {
    const c = cluster(3);
    await c.initiate();
    const a = await c.waitForPrimary(30_000);
    const [b, d] = c.hosts.filter((host) => host !== a) as [string, string];
    await c.insert([{ _id: 'committed' }], { writeConcern: { w: 'majority', wtimeout: 5000 } });

    c.partition([a], [b, d]);
    await c.command(a, { insert: 'test', documents: [{ _id: 'lost' }], writeConcern: { w: 1 } }, { db: 'test' });
    await c.command(a, { update: 'test', updates: [{ q: { _id: 'committed' }, u: { $set: { changed: true } } }], writeConcern: { w: 1 } }, { db: 'test' });
    await c.command(a, { create: 'lostcoll', writeConcern: { w: 1 } }, { db: 'test' });
    await c.waitFor(() => c.state(a) === 'SECONDARY', 15_000);
    const newPrimary = await c.waitForPrimary(30_000);
    expect([b, d]).toContain(newPrimary);
    await c.insert([{ _id: 'new' }], { writeConcern: { w: 'majority', wtimeout: 5000 } });

    c.healAll();
    await c.advance(15_000);
    expect(c.state(a)).toBe('SECONDARY');
    const files = c.persistedState(a).rollbackFiles;
    expect(files).toHaveLength(1);
    const rolledBack = files[0]!.documents.filter((entry) => entry.doc !== null).map((entry) => entry.doc?._id);
    expect(rolledBack.sort()).toEqual(['committed', 'lost']);
    for (const host of c.hosts) {
      expect(storageOf(c, host).documents('test', 'test').map((doc) => doc._id).sort()).toEqual(['committed', 'new']);
      expect(storageOf(c, host).getCollection('test', 'lostcoll')).toBeUndefined();
    }
    expect(new Set(c.hosts.map((host) => storageOf(c, host).dataDigest())).size).toBe(1);
    c.stopAll();
  });
});

// read_concern_mongod.cpp: a linearizable read runs on the primary, then writes a no-op
// `{msg: "linearizable read"}` and waits for it to be majority-committed; a timeout is
// LinearizableReadConcernError (187, error_codes.yml); a secondary refuses with NotWritablePrimary.
describe('readConcern: {level: "linearizable"}', () => {
  it('reads on the primary and confirms with a majority-committed no-op', async () => {
    const c = cluster(8);
    await c.initiate();
    const primary = await c.waitForPrimary(30_000);
    await c.insert([{ _id: 1, v: 'a' }], { writeConcern: { w: 'majority', wtimeout: 5000 } });
    const before = c.persistedState(primary).oplog.length;
    const reply = await c.command(primary, { find: 'test', filter: { _id: 1 }, readConcern: { level: 'linearizable' } }, { db: 'test' });
    expect(reply).toMatchObject({ ok: 1, cursor: { firstBatch: [{ _id: 1, v: 'a' }] } });
    const last = c.persistedState(primary).oplog.last()!;
    expect(c.persistedState(primary).oplog.length).toBe(before + 1);
    expect(last).toMatchObject({ op: 'n', o: { msg: 'linearizable read' } });
    expect(c.running(primary).repl.commitPoint).toMatchObject({ ts: last.ts, t: last.t });
    const secondary = c.hosts.find((h) => h !== primary)!;
    expect(await c.command(secondary, { find: 'test', readConcern: { level: 'linearizable' }, $readPreference: { mode: 'secondary' } }, { db: 'test' })).toMatchObject({
      ok: 0,
      code: 10107,
      errmsg: 'cannot satisfy linearizable read concern on non-primary node',
    });
    c.stopAll();
  });

  it('a primary cut off from the majority does not answer a linearizable read with stale data', async () => {
    const c = cluster(9);
    await c.initiate();
    const old = await c.waitForPrimary(30_000);
    const others = c.hosts.filter((h) => h !== old);
    await c.insert([{ _id: 1, v: 'old' }], { writeConcern: { w: 'majority', wtimeout: 5000 } });
    c.partition([old], others);
    // Within its maxTimeMS the old primary cannot commit the no-op: the read fails instead.
    const timedOut = await c.command(old, { find: 'test', filter: { _id: 1 }, readConcern: { level: 'linearizable' }, maxTimeMS: 500 }, { db: 'test' });
    expect(timedOut).toMatchObject({ ok: 0, code: 187, codeName: 'LinearizableReadConcernError' });
    // A read still waiting when the old primary steps down fails with PrimarySteppedDown.
    const pending = c.send(old, { find: 'test', filter: { _id: 1 }, readConcern: { level: 'linearizable' } }, { db: 'test', timeoutMillis: 60_000 });
    const fresh = await c.waitFor(() => c.primary() !== undefined && c.primary() !== old, 30_000);
    expect(fresh).toBe(true);
    await c.command(c.primary()!, { update: 'test', updates: [{ q: { _id: 1 }, u: { $set: { v: 'new' } } }], writeConcern: { w: 'majority', wtimeout: 5000 } }, { db: 'test' });
    await c.waitFor(() => c.state(old) !== 'PRIMARY', 30_000);
    await c.advance(100);
    expect(await pending).toMatchObject({ ok: 0, codeName: 'PrimarySteppedDown' });
    c.stopAll();
  });
});
