import { Binary, Long } from 'bson';
import type { Document } from 'bson';
import { describe, expect, it } from 'vitest';
import { Cluster } from '../../src/harness/cluster';

// Change streams (the Change Streams specification, mongodb/specifications source/change-streams;
// mongod's pipeline/document_source_change_stream*.cpp and change_stream_event_transform.cpp):
// events from majority-committed oplog entries, resume tokens that name an oplog position the same
// on every member, postBatchResumeToken on every batch, invalidate on a drop.

async function started(seed: number): Promise<{ c: Cluster; primary: string }> {
  const c = new Cluster({ members: 3, seed });
  await c.initiate();
  return { c, primary: await c.waitForPrimary(30_000) };
}

const majority = { writeConcern: { w: 'majority' } };

async function next(c: Cluster, host: string, cursor: Document, coll = 'c', maxTimeMS = 500): Promise<Document> {
  const reply = await c.command(host, { getMore: cursor.id, collection: coll, maxTimeMS }, { db: 'test' });
  expect(reply).toMatchObject({ ok: 1 });
  return reply.cursor as Document;
}

describe('change streams', () => {
  it('report inserts, updates (with updateLookup), replaces, deletes and a transaction, with tokens; a drop invalidates', async () => {
    const { c, primary } = await started(51);
    await c.command(primary, { create: 'c', ...majority }, { db: 'test' });
    const opened = await c.command(primary, { aggregate: 'c', pipeline: [{ $changeStream: { fullDocument: 'updateLookup' } }], cursor: {} }, { db: 'test' });
    expect(opened).toMatchObject({ ok: 1, cursor: { firstBatch: [] } });
    const cursor = opened.cursor as Document;
    expect(cursor.postBatchResumeToken).toMatchObject({ _data: expect.any(String) });
    await c.command(primary, { insert: 'c', documents: [{ _id: 1, a: 1 }], ...majority }, { db: 'test' });
    await c.command(primary, { update: 'c', updates: [{ q: { _id: 1 }, u: { $set: { b: 2 }, $unset: { a: 1 } } }], ...majority }, { db: 'test' });
    await c.command(primary, { update: 'c', updates: [{ q: { _id: 1 }, u: { z: 9 } }], ...majority }, { db: 'test' });
    await c.command(primary, { delete: 'c', deletes: [{ q: { _id: 1 }, limit: 1 }], ...majority }, { db: 'test' });
    const batch = (await next(c, primary, cursor)).nextBatch as Document[];
    expect(batch.map((e) => e.operationType)).toEqual(['insert', 'update', 'replace', 'delete']);
    expect(batch[0]).toMatchObject({ ns: { db: 'test', coll: 'c' }, documentKey: { _id: 1 }, fullDocument: { _id: 1, a: 1 } });
    expect(batch[1]).toMatchObject({ updateDescription: { updatedFields: { b: 2 }, removedFields: ['a'], truncatedArrays: [] } });
    // updateLookup reads the majority-committed document now (it was replaced and deleted since): null.
    expect(batch[1]!.fullDocument).toBeNull();
    expect(batch[2]).toMatchObject({ fullDocument: { _id: 1, z: 9 } });
    // A committed transaction: one event per op, with its lsid and txnNumber.
    const lsid = { id: new Binary(new Uint8Array(16).fill(1), Binary.SUBTYPE_UUID) };
    await c.command(primary, { insert: 'c', documents: [{ _id: 2 }, { _id: 3 }], lsid, txnNumber: Long.fromNumber(1), autocommit: false, startTransaction: true }, { db: 'test' });
    await c.command(primary, { commitTransaction: 1, lsid, txnNumber: Long.fromNumber(1), autocommit: false, ...majority }, { db: 'admin' });
    const txn = (await next(c, primary, cursor)).nextBatch as Document[];
    expect(txn.map((e) => [e.operationType, e.documentKey._id, Number(e.txnNumber)])).toEqual([
      ['insert', 2, 1],
      ['insert', 3, 1],
    ]);
    // Resuming after the first transaction event on another member yields the second.
    const secondary = c.hosts.find((h) => h !== primary)!;
    const resumed = await c.command(secondary, { aggregate: 'c', pipeline: [{ $changeStream: { resumeAfter: txn[0]!._id } }], cursor: {}, $readPreference: { mode: 'secondary' } }, { db: 'test' });
    expect(resumed).toMatchObject({ ok: 1 });
    const fromSecondary = [...((resumed.cursor as Document).firstBatch as Document[])];
    // The secondary reports the entry once it learns that it is majority committed (heartbeats carry the commit point).
    if (fromSecondary.length === 0) fromSecondary.push(...((await next(c, secondary, resumed.cursor as Document, 'c', 5000)).nextBatch as Document[]));
    expect(fromSecondary.map((e) => e.documentKey._id)).toEqual([3]);
    // A drop: 'drop' then 'invalidate', and the cursor is closed.
    await c.command(primary, { drop: 'c', ...majority }, { db: 'test' });
    const end = await next(c, primary, cursor);
    expect((end.nextBatch as Document[]).map((e) => e.operationType)).toEqual(['drop', 'invalidate']);
    expect(Number(end.id)).toBe(0);
    c.stopAll();
  });

  it('a database stream filters with its pipeline; a token older than the oplog is ChangeStreamHistoryLost (286)', async () => {
    const { c, primary } = await started(52);
    const opened = await c.command(primary, { aggregate: 1, pipeline: [{ $changeStream: {} }, { $match: { operationType: 'insert' } }], cursor: {} }, { db: 'test' });
    const cursor = opened.cursor as Document;
    await c.command(primary, { insert: 'a', documents: [{ _id: 1 }], ...majority }, { db: 'test' });
    await c.command(primary, { delete: 'a', deletes: [{ q: {}, limit: 0 }], ...majority }, { db: 'test' });
    await c.command(primary, { insert: 'b', documents: [{ _id: 2 }], ...majority }, { db: 'test' });
    await c.command(primary, { insert: 'other', documents: [{ _id: 3 }], ...majority }, { db: 'elsewhere' });
    const batch = (await next(c, primary, cursor, '$cmd.aggregate')).nextBatch as Document[];
    expect(batch.map((e) => [e.ns.coll, e.documentKey._id])).toEqual([
      ['a', 1],
      ['b', 2],
    ]);
    const lost = await c.command(primary, { aggregate: 'a', pipeline: [{ $changeStream: { resumeAfter: { _data: `82${'0'.repeat(22)}` } } }], cursor: {} }, { db: 'test' });
    expect(lost).toMatchObject({ ok: 0, code: 286, codeName: 'ChangeStreamHistoryLost' });
    c.stopAll();
  });
});

// failGetMoreAfterCursorCheckout (getmore_cmd.cpp): a getMore that checked its cursor out fails with
// the fail point's errorCode, and its early-return guard deletes the cursor; a change stream's error
// carries ResumableChangeStreamError when its code is resumable (error_labels.cpp), so a driver
// resumes. The change-streams spec's resume-errorlabels tests are built on it.
describe('failGetMoreAfterCursorCheckout', () => {
  it('fails a change stream getMore once with the code and its label, and deletes the cursor', async () => {
    const c = new Cluster({ members: 3, seed: 57, testCommandsEnabled: true });
    await c.initiate();
    const primary = await c.waitForPrimary(30_000);
    await c.command(primary, { create: 'c', ...majority }, { db: 'test' });
    const opened = await c.command(primary, { aggregate: 'c', pipeline: [{ $changeStream: {} }], cursor: {} }, { db: 'test' });
    const cursor = opened.cursor as Document;
    const set = await c.command(primary, { configureFailPoint: 'failGetMoreAfterCursorCheckout', mode: { times: 1 }, data: { errorCode: 6 } }, { db: 'admin' });
    expect(set).toMatchObject({ ok: 1 });
    const failed = await c.command(primary, { getMore: cursor.id, collection: 'c', maxTimeMS: 100 }, { db: 'test' });
    expect(failed).toMatchObject({ ok: 0, code: 6, codeName: 'HostUnreachable', errorLabels: ['ResumableChangeStreamError'] });
    const again = await c.command(primary, { getMore: cursor.id, collection: 'c', maxTimeMS: 100 }, { db: 'test' });
    expect(again).toMatchObject({ ok: 0, codeName: 'CursorNotFound' });
    // {times: 1} is used up: a new stream's getMore runs.
    const reopened = await c.command(primary, { aggregate: 'c', pipeline: [{ $changeStream: {} }], cursor: {} }, { db: 'test' });
    await next(c, primary, reopened.cursor as Document, 'c', 100);
    // A non-resumable code gets no label.
    await c.command(primary, { configureFailPoint: 'failGetMoreAfterCursorCheckout', mode: { times: 1 }, data: { errorCode: 280 } }, { db: 'admin' });
    const fatal = await c.command(primary, { getMore: (reopened.cursor as Document).id, collection: 'c', maxTimeMS: 100 }, { db: 'test' });
    expect(fatal).toMatchObject({ ok: 0, code: 280 });
    expect(fatal.errorLabels).toBeUndefined();
    // StaleEpoch (150, NeedRetargettingError) is resumable (the spec's resume-errorlabels tests).
    await c.command(primary, { configureFailPoint: 'failGetMoreAfterCursorCheckout', mode: { times: 1 }, data: { errorCode: 150 } }, { db: 'admin' });
    const third = await c.command(primary, { aggregate: 'c', pipeline: [{ $changeStream: {} }], cursor: {} }, { db: 'test' });
    const stale = await c.command(primary, { getMore: (third.cursor as Document).id, collection: 'c', maxTimeMS: 100 }, { db: 'test' });
    expect(stale).toMatchObject({ ok: 0, code: 150, errorLabels: ['ResumableChangeStreamError'] });
  });
});

// The change streams spec's change-streams-errors and showExpandedEvents tests: a stage no change
// stream may have is refused when the stream opens (an unknown name is 40324); a pipeline that
// changes an event's _id (its resume token) fails the stream with ChangeStreamFatalError (280); with
// showExpandedEvents an index build or drop is an event (change_stream_event_transform.cpp).
describe('change stream pipelines and expanded events', () => {
  it('refuses unknown and blocking stages, fails on a changed _id, reports createIndexes/dropIndexes', async () => {
    const { c, primary } = await started(58);
    await c.command(primary, { create: 'c', ...majority }, { db: 'test' });
    const open = (pipeline: Document[], spec: Document = {}) => c.command(primary, { aggregate: 'c', pipeline: [{ $changeStream: spec }, ...pipeline], cursor: {} }, { db: 'test' });
    expect(await open([{ $unsupported: 'foo' }])).toMatchObject({ ok: 0, code: 40324 });
    expect(await open([{ $group: { _id: null } }])).toMatchObject({ ok: 0, code: 20 });
    const projected = await open([{ $project: { _id: 0 } }]);
    expect(projected).toMatchObject({ ok: 1 });
    await c.command(primary, { insert: 'c', documents: [{ z: 3 }], ...majority }, { db: 'test' });
    const fatal = await c.command(primary, { getMore: (projected.cursor as Document).id, collection: 'c', maxTimeMS: 500 }, { db: 'test' });
    expect(fatal).toMatchObject({ ok: 0, code: 280, codeName: 'ChangeStreamFatalError', errorLabels: ['NonResumableChangeStreamError'] });
    const expanded = await open([{ $match: { operationType: { $ne: 'create' } } }], { showExpandedEvents: true });
    await c.command(primary, { createIndexes: 'c', indexes: [{ key: { x: 1 }, name: 'x_1' }], ...majority }, { db: 'test' });
    await c.command(primary, { dropIndexes: 'c', index: 'x_1', ...majority }, { db: 'test' });
    const events = (await next(c, primary, expanded.cursor as Document, 'c', 1000)).nextBatch as Document[];
    expect(events.map((e) => e.operationType)).toEqual(['createIndexes', 'dropIndexes']);
    expect(events[0]).toMatchObject({ ns: { db: 'test', coll: 'c' }, operationDescription: { indexes: [{ key: { x: 1 }, name: 'x_1' }] } });
  });
});
