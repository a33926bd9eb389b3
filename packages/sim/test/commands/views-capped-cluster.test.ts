import type { Document } from 'bson';
import { Binary, Long } from 'bson';
import { describe, expect, it } from 'vitest';
import { Cluster } from '../../src/harness/cluster';

// Views and capped collections across a replica set: a secondary has them from the oplog alone
// (views as system.views inserts, durable_view_catalog.cpp; capped deletes as the primary's delete
// entries, capped_collection_maintenance.cpp shouldDeferCappedDeletesToOplogApplication); awaitData
// getMore waits up to maxTimeMS (getmore_cmd.cpp; manual: core/tailable-cursors); change streams
// report views under showExpandedEvents (change_stream_event_transform.cpp
// ChangeStreamViewDefinitionEventTransformation) and refuse to open on one (run_aggregate.cpp).

async function started(seed: number): Promise<{ c: Cluster; primary: string }> {
  const c = new Cluster({ members: 3, seed });
  await c.initiate();
  return { c, primary: await c.waitForPrimary(30_000) };
}

const majority = { writeConcern: { w: 'majority' } };

describe('views and capped collections on a replica set', () => {
  it('a secondary has the view and the capped collection with the primary capped deletes after sync, and after a restart', async () => {
    const { c, primary } = await started(81);
    await c.command(primary, { create: 'log', capped: true, size: 4096, max: 3, ...majority }, { db: 'test' });
    await c.command(primary, { create: 'recent', viewOn: 'log', pipeline: [{ $match: { n: { $gte: 4 } } }], ...majority }, { db: 'test' });
    for (let n = 1; n <= 5; n++) await c.command(primary, { insert: 'log', documents: [{ _id: n, n }], ...majority }, { db: 'test' });
    const secondary = c.hosts.find((h) => h !== primary)!;
    const read = { $readPreference: { mode: 'secondary' } };
    const docs = await c.command(secondary, { find: 'log', ...read }, { db: 'test' });
    expect((docs.cursor as Document).firstBatch).toEqual([{ _id: 3, n: 3 }, { _id: 4, n: 4 }, { _id: 5, n: 5 }]);
    const view = await c.command(secondary, { find: 'recent', ...read }, { db: 'test' });
    expect((view.cursor as Document).firstBatch).toEqual([{ _id: 4, n: 4 }, { _id: 5, n: 5 }]);
    const list = await c.command(secondary, { listCollections: 1, filter: { name: { $in: ['log', 'recent'] } }, ...read }, { db: 'test' });
    expect(((list.cursor as Document).firstBatch as Document[]).map((e) => [e.name, e.type, e.options])).toEqual([
      ['log', 'collection', { capped: true, size: 4096, max: 3 }],
      ['recent', 'view', { viewOn: 'log', pipeline: [{ $match: { n: { $gte: 4 } } }] }],
    ]);
    expect(c.storage(secondary).dataDigest()).toBe(c.storage(primary).dataDigest());
    c.restart(secondary);
    await c.waitFor(() => c.state(secondary) === 'SECONDARY', 30_000);
    expect(c.storage(secondary).resolveView('test', 'recent')).toEqual({ coll: 'log', pipeline: [{ $match: { n: { $gte: 4 } } }] });
    c.stopAll();
  });

  it('a member resynced by initial sync clones system.views (the view) and the capped collection with its options; later capped deletes reach it', async () => {
    const { c, primary } = await started(85);
    await c.command(primary, { create: 'log', capped: true, size: 4096, max: 2, ...majority }, { db: 'test' });
    await c.command(primary, { create: 'v', viewOn: 'log', ...majority }, { db: 'test' });
    await c.command(primary, { insert: 'log', documents: [{ _id: 1 }, { _id: 2 }, { _id: 3 }], ...majority }, { db: 'test' });
    const wiped = c.hosts.find((h) => h !== primary)!;
    c.wipe(wiped);
    expect(await c.waitFor(() => c.state(wiped) === 'SECONDARY', 60_000)).toBe(true);
    const storage = c.storage(wiped);
    expect(storage.getView('test', 'v')).toEqual({ name: 'v', viewOn: 'log', pipeline: [] });
    expect(storage.getCollection('test', 'log')?.options).toEqual({ capped: true, size: 4096, max: 2 });
    await c.command(primary, { insert: 'log', documents: [{ _id: 4 }], writeConcern: { w: 3 } }, { db: 'test' });
    expect(storage.documents('test', 'log').map((doc) => doc._id)).toEqual([3, 4]);
    expect(storage.dataDigest()).toBe(c.storage(primary).dataDigest());
    c.stopAll();
  });

  it('an awaitData getMore waits up to maxTimeMS: it answers as soon as a document comes, or an empty batch at the deadline and keeps the cursor', async () => {
    const { c, primary } = await started(82);
    await c.command(primary, { create: 'log', capped: true, size: 4096, ...majority }, { db: 'test' });
    await c.command(primary, { insert: 'log', documents: [{ _id: 1 }], ...majority }, { db: 'test' });
    const opened = await c.command(primary, { find: 'log', tailable: true, awaitData: true }, { db: 'test' });
    const id = (opened.cursor as Document).id as Long;
    expect(id).not.toEqual(Long.ZERO);
    let start = c.clock.now();
    const empty = await c.command(primary, { getMore: id, collection: 'log', maxTimeMS: 400 }, { db: 'test' });
    expect(empty).toMatchObject({ ok: 1, cursor: { nextBatch: [], id } });
    expect(c.clock.now() - start).toBeGreaterThanOrEqual(400);
    start = c.clock.now();
    let reply: Document | undefined;
    void c.send(primary, { getMore: id, collection: 'log', maxTimeMS: 5000 }, { db: 'test' }).then((r) => (reply = r));
    await c.advance(100);
    expect(reply).toBeUndefined();
    await c.command(primary, { insert: 'log', documents: [{ _id: 2 }] }, { db: 'test' });
    await c.waitFor(() => reply !== undefined, 1000);
    expect(reply).toMatchObject({ ok: 1, cursor: { nextBatch: [{ _id: 2 }], id } });
    expect(c.clock.now() - start).toBeLessThan(1000);
    // A tailable cursor without awaitData takes no maxTimeMS on getMore (getmore_cmd.cpp).
    const plain = await c.command(primary, { find: 'log', tailable: true }, { db: 'test' });
    expect(await c.command(primary, { getMore: (plain.cursor as Document).id, collection: 'log', maxTimeMS: 100 }, { db: 'test' })).toMatchObject({ ok: 0, code: 2 });
    c.stopAll();
  });

  it('a transaction may not write to a capped collection (OperationNotSupportedInTransaction 263, write_ops_exec.cpp checkIfTransactionOnCappedColl)', async () => {
    const { c, primary } = await started(84);
    await c.command(primary, { create: 'log', capped: true, size: 4096, ...majority }, { db: 'test' });
    const lsid = { id: new Binary(new Uint8Array(16).fill(7), Binary.SUBTYPE_UUID) };
    const txn = { lsid, txnNumber: Long.fromNumber(1), autocommit: false };
    const insert = await c.command(primary, { insert: 'log', documents: [{ _id: 1 }], ...txn, startTransaction: true }, { db: 'test' });
    expect(insert).toMatchObject({ ok: 0, code: 263, errmsg: "Collection 'test.log' is a capped collection. Writes in transactions are not allowed on capped collections." });
    // The failed statement aborted the transaction.
    expect(await c.command(primary, { commitTransaction: 1, ...txn }, { db: 'admin' })).toMatchObject({ ok: 0, codeName: 'NoSuchTransaction' });
    c.stopAll();
  });

  it('change streams: a view create, modify (collMod) and drop are events under showExpandedEvents only; a stream on a view is refused (166)', async () => {
    const { c, primary } = await started(83);
    const open = async (stage: Document): Promise<Document> => ((await c.command(primary, { aggregate: 1, pipeline: [{ $changeStream: stage }], cursor: {} }, { db: 'test' })).cursor as Document);
    const expanded = await open({ showExpandedEvents: true });
    const plain = await open({});
    await c.command(primary, { create: 'v', viewOn: 'coll', pipeline: [{ $match: { a: 1 } }], ...majority }, { db: 'test' });
    await c.command(primary, { collMod: 'v', pipeline: [{ $match: { a: 2 } }], ...majority }, { db: 'test' });
    await c.command(primary, { drop: 'v', ...majority }, { db: 'test' });
    const events = ((await c.command(primary, { getMore: expanded.id, collection: '$cmd.aggregate', maxTimeMS: 300 }, { db: 'test' })).cursor as Document).nextBatch as Document[];
    expect(events.map((e) => [e.operationType, e.ns])).toEqual([
      ['create', { db: 'test', coll: 'v' }],
      ['modify', { db: 'test', coll: 'v' }],
      ['drop', { db: 'test', coll: 'v' }],
    ]);
    expect(events[0]!.operationDescription).toEqual({ viewOn: 'coll', pipeline: [{ $match: { a: 1 } }] });
    expect(events[1]!.operationDescription).toEqual({ viewOn: 'coll', pipeline: [{ $match: { a: 2 } }] });
    const none = ((await c.command(primary, { getMore: plain.id, collection: '$cmd.aggregate', maxTimeMS: 300 }, { db: 'test' })).cursor as Document).nextBatch;
    expect(none).toEqual([]);
    await c.command(primary, { create: 'v2', viewOn: 'coll', ...majority }, { db: 'test' });
    const onView = await c.command(primary, { aggregate: 'v2', pipeline: [{ $changeStream: {} }], cursor: {} }, { db: 'test' });
    expect(onView).toMatchObject({ ok: 0, code: 166, errmsg: 'Namespace test.v2 is a view, not a collection' });
    c.stopAll();
  });
});
