import { Long } from 'bson';
import type { Document } from 'bson';
import { describe, expect, it } from 'vitest';
import { Storage } from '../../src/storage';
import { CrudHarness } from './crud-helpers';

// Capped collections and tailable cursors as mongod 7.0 has them. Options: catalog/collection_options.cpp
// (size rounded up to a multiple of 256, max < 2^31, max <= 0 meaning none); create needs a size when
// capped. Deletes: collection_crud/capped_collection_maintenance.cpp cappedDeleteUntilBelowConfiguredMaximum
// (oldest first, never the document just inserted, each logged as a delete by the primary;
// secondaries delete only by applying those). Tailable cursors: query/find.cpp shouldSaveCursor,
// query_request_helper.cpp, get_executor.cpp; manual: core/capped-collections, core/tailable-cursors.

function capped(options: Document = { size: 4096, max: 3 }): CrudHarness {
  const h = new CrudHarness();
  expect(h.run('app', { create: 'log', capped: true, ...options })).toEqual({ ok: 1 });
  return h;
}

function ids(h: CrudHarness, coll = 'log'): unknown[] {
  return (h.run('app', { find: coll }).cursor.firstBatch as Document[]).map((doc) => doc._id);
}

describe('create capped (collection_options.cpp, create_collection.cpp)', () => {
  it('keeps capped, size rounded up to 256 bytes and max; listCollections and collStats show them', () => {
    const h = capped({ size: 500, max: 5 });
    expect(h.run('app', { listCollections: 1 }).cursor.firstBatch[0].options).toEqual({ capped: true, size: 512, max: 5 });
    const stats = h.run('app', { collStats: 'log' });
    expect(stats).toMatchObject({ capped: true, max: 5, maxSize: 512, ok: 1 });
    // storage_stats.cpp: `max` is getCappedMaxDocs, the option as kept: 0 when none was given.
    h.run('app', { create: 'nomax', capped: true, size: 4096 });
    expect(h.run('app', { collStats: 'nomax' })).toMatchObject({ max: 0, maxSize: 4096 });
    h.run('app', { create: 'zero', capped: true, size: 4096, max: 0 });
    expect(h.run('app', { collStats: 'zero' }).max).toBe(0x7fffffff);
  });

  it("refuses capped without size (InvalidOptions 72), a negative size, max >= 2^31 (BadValue 2)", () => {
    const h = new CrudHarness();
    expect(h.run('app', { create: 'a', capped: true })).toMatchObject({ ok: 0, code: 72, errmsg: "the 'size' field is required when 'capped' is true" });
    expect(h.run('app', { create: 'a', capped: true, size: -1 })).toMatchObject({ ok: 0, code: 2, errmsg: 'size has to be >= 0' });
    expect(h.run('app', { create: 'a', capped: true, size: 4096, max: 2 ** 31 })).toMatchObject({ ok: 0, code: 2 });
    // Without capped, size and max are ignored.
    h.run('app', { create: 'plain', size: 4096, max: 3 });
    expect(h.run('app', { listCollections: 1 }).cursor.firstBatch[0].options).toEqual({});
  });
});

describe('capped deletes (capped_collection_maintenance.cpp)', () => {
  it('past max, each insert removes the oldest documents, logged as d entries after the insert', () => {
    const h = capped();
    h.run('app', { insert: 'log', documents: [{ _id: 1 }, { _id: 2 }, { _id: 3 }] });
    h.oplog.length = 0;
    h.run('app', { insert: 'log', documents: [{ _id: 4 }, { _id: 5 }] });
    expect(ids(h)).toEqual([3, 4, 5]);
    expect(h.oplog.map((entry) => [entry.op, entry.o._id])).toEqual([['i', 4], ['d', 1], ['i', 5], ['d', 2]]);
  });

  it('past size (bytes of documents), as many oldest as it takes; never the document just inserted', () => {
    const h = capped({ size: 256 });
    const pad = 'x'.repeat(80);
    h.run('app', { insert: 'log', documents: [1, 2, 3].map((_id) => ({ _id, pad })) });
    expect(ids(h)).toEqual([2, 3]);
    h.run('app', { insert: 'log', documents: [{ _id: 4, pad: 'y'.repeat(400) }] });
    expect(ids(h)).toEqual([4]);
    expect(h.storage.getCollection('app', 'log')!.sizeBytes).toBeGreaterThan(256);
  });

  it('a secondary applying the entries does no capped deletes of its own: it ends with the same documents', () => {
    const h = capped();
    h.run('app', { insert: 'log', documents: [1, 2, 3, 4, 5].map((_id) => ({ _id })) });
    expect(h.oplog.filter((entry) => entry.op === 'd').map((entry) => entry.o._id)).toEqual([1, 2]);
    const secondary = new Storage();
    // Only the inserts: a secondary that deleted by itself would drop to 3 documents.
    secondary.applyOps(h.oplog.filter((entry) => entry.op !== 'd'));
    expect(secondary.documents('app', 'log').map((doc) => doc._id)).toEqual([1, 2, 3, 4, 5]);
    const full = new Storage();
    full.applyOps(h.oplog);
    expect(full.dataDigest()).toBe(h.storage.dataDigest());
  });
});

describe('collMod cappedSize / cappedMax (6.0+, coll_mod.cpp; jstests/core/capped_resize.js)', () => {
  it('changes the limits (one collMod entry with the values as given); the next inserts delete down to them', () => {
    const h = capped({ size: 25 * 1024 });
    const doc = { key: 'a'.repeat(10 * 1024) };
    const insertFive = (): void => {
      for (let i = 0; i < 5; i++) h.run('app', { insert: 'log', documents: [{ ...doc }] });
    };
    insertFive();
    expect(h.run('app', { collStats: 'log' }).count).toBe(2);
    h.oplog.length = 0;
    expect(h.run('app', { collMod: 'log', cappedSize: 50 * 1024 })).toEqual({ ok: 1 });
    expect(h.oplog[0]).toMatchObject({ op: 'c', o: { collMod: 'log', cappedSize: 50 * 1024 }, o2: { collectionOptions_old: { capped: true, size: 25 * 1024 } } });
    insertFive();
    expect(h.run('app', { collStats: 'log' })).toMatchObject({ count: 4, maxSize: 50 * 1024 });
    h.run('app', { collMod: 'log', cappedMax: 3 });
    expect(h.run('app', { collStats: 'log' }).count).toBe(4);
    insertFive();
    expect(h.run('app', { collStats: 'log' })).toMatchObject({ count: 3, max: 3 });
    h.run('app', { collMod: 'log', cappedMax: -2 });
    expect(h.run('app', { collStats: 'log' }).max).toBe(0x7fffffff);
  });

  it('refuses a non-capped collection ("Collection must be capped.", InvalidOptions 72), a size of 0 or above 1 PB', () => {
    const h = capped({ size: 4096 });
    h.run('app', { insert: 'plain', documents: [{ _id: 1 }] });
    expect(h.run('app', { collMod: 'plain', cappedSize: 4096 })).toMatchObject({ ok: 0, code: 72, errmsg: 'Collection must be capped.' });
    expect(h.run('app', { collMod: 'log', cappedSize: 0 })).toMatchObject({ ok: 0 });
    expect(h.run('app', { collMod: 'log', cappedSize: 2 ** 50 + 1 })).toMatchObject({ ok: 0, code: 2 });
    expect(h.run('app', { collMod: 'log', cappedMax: 2 ** 31 })).toMatchObject({ ok: 0, code: 2 });
  });
});

describe('cloneCollectionAsCapped and convertToCapped (collection_crud/capped_utils.cpp)', () => {
  it('cloneCollectionAsCapped: a capped copy (create, then inserts, capped deletes as for any insert); the source stays', () => {
    const h = new CrudHarness();
    const pad = 'x'.repeat(100);
    h.run('app', { insert: 'src', documents: [1, 2, 3, 4].map((_id) => ({ _id, pad })) });
    h.oplog.length = 0;
    expect(h.run('app', { cloneCollectionAsCapped: 'src', toCollection: 'dst', size: 300 })).toEqual({ ok: 1 });
    expect(ids(h, 'dst')).toEqual([3, 4]);
    expect(ids(h, 'src')).toEqual([1, 2, 3, 4]);
    expect(h.oplog.map((entry) => [entry.op, entry.o.create ?? entry.o._id])).toEqual([['c', 'dst'], ['i', 1], ['i', 2], ['i', 3], ['d', 1], ['i', 4], ['d', 2]]);
    expect(h.run('app', { listCollections: 1, filter: { name: 'dst' } }).cursor.firstBatch[0].options).toEqual({ capped: true, size: 300 });
    expect(h.run('app', { cloneCollectionAsCapped: 'src', toCollection: 'dst', size: 300 })).toMatchObject({ ok: 0, code: 48 });
    expect(h.run('app', { cloneCollectionAsCapped: 'nope', toCollection: 'x', size: 300 })).toMatchObject({ ok: 0, code: 26, errmsg: 'source collection app.nope does not exist' });
    h.run('app', { create: 'v', viewOn: 'src' });
    expect(h.run('app', { cloneCollectionAsCapped: 'v', toCollection: 'x', size: 300 })).toMatchObject({ ok: 0, code: 166 });
  });

  it('convertToCapped: cloned into a temporary collection renamed over the original (dropTarget); other indexes are gone', () => {
    const h = new CrudHarness();
    h.run('app', { insert: 'c', documents: [1, 2, 3].map((_id) => ({ _id })) });
    h.run('app', { createIndexes: 'c', indexes: [{ key: { x: 1 }, name: 'x_1' }] });
    h.oplog.length = 0;
    const original = h.storage.getCollection('app', 'c')!.uuid;
    expect(h.run('app', { convertToCapped: 'c', size: 4096 })).toEqual({ ok: 1 });
    expect(ids(h, 'c')).toEqual([1, 2, 3]);
    expect(h.run('app', { collStats: 'c' })).toMatchObject({ capped: true, maxSize: 4096, nindexes: 1 });
    const rename = h.oplog.find((entry) => entry.o.renameCollection !== undefined)!;
    // dropTarget: the UUID of the collection the rename drops (OpObserverImpl::preRenameCollection).
    expect(rename.o).toMatchObject({ to: 'app.c', stayTemp: false, dropTarget: original });
    expect(String(rename.o.renameCollection)).toMatch(/^app\.tmp[0-9a-f]{5}\.convertToCapped\.c$/);
    expect(h.run('app', { convertToCapped: 'c' })).toMatchObject({ ok: 0, code: 40414 });
  });
});

describe('tailable cursors (find.cpp, query_request_helper.cpp, get_executor.cpp)', () => {
  it('stay open when drained and return later documents to getMore; an empty batch keeps the cursor (run-command spec "does not close the cursor when receiving an empty batch")', () => {
    const h = capped();
    h.run('app', { insert: 'log', documents: [{ _id: 1 }, { _id: 2 }] });
    const first = h.run('app', { find: 'log', tailable: true, batchSize: 2 }).cursor;
    expect(first.firstBatch).toEqual([{ _id: 1 }, { _id: 2 }]);
    expect(first.id).not.toEqual(Long.ZERO);
    const empty = h.run('app', { getMore: first.id, collection: 'log' }).cursor;
    expect(empty).toMatchObject({ nextBatch: [], id: first.id });
    h.run('app', { insert: 'log', documents: [{ _id: 3 }, { _id: 4, skip: true }] });
    const filtered = h.run('app', { find: 'log', tailable: true, filter: { skip: { $exists: false } } }).cursor;
    expect(h.run('app', { getMore: first.id, collection: 'log' }).cursor.nextBatch).toEqual([{ _id: 3 }, { _id: 4, skip: true }]);
    h.run('app', { insert: 'log', documents: [{ _id: 5 }] });
    expect(h.run('app', { getMore: filtered.id, collection: 'log' }).cursor.nextBatch).toEqual([{ _id: 5 }]);
    // Later documents come through the find's projection too.
    const projected = h.run('app', { find: 'log', tailable: true, projection: { _id: 0, n: 1 } }).cursor;
    h.run('app', { insert: 'log', documents: [{ _id: 6, n: 6, other: true }] });
    expect(h.run('app', { getMore: projected.id, collection: 'log' }).cursor.nextBatch).toEqual([{ n: 6 }]);
  });

  it('on an empty collection no cursor is kept (shouldSaveCursor: SERVER-13955)', () => {
    const h = capped();
    expect(h.run('app', { find: 'log', tailable: true }).cursor).toMatchObject({ firstBatch: [], id: Long.ZERO });
  });

  it('dies with CappedPositionLost (136) when the capped collection deleted where it rested', () => {
    const h = capped();
    h.run('app', { insert: 'log', documents: [{ _id: 1 }] });
    const cursor = h.run('app', { find: 'log', tailable: true }).cursor;
    h.run('app', { insert: 'log', documents: [2, 3, 4].map((_id) => ({ _id })) });
    expect(h.run('app', { getMore: cursor.id, collection: 'log' })).toMatchObject({ ok: 0, code: 136, codeName: 'CappedPositionLost' });
    expect(h.run('app', { getMore: cursor.id, collection: 'log' })).toMatchObject({ ok: 0, code: 43 });
  });

  it('a plain (not tailable) scan of a capped collection dies too when the collection deletes the document it rested on (jstests/core/capped_max1.js); a sorted one has its results in memory', () => {
    const h = capped({ size: 4096, max: 4 });
    h.run('app', { insert: 'log', documents: [1, 2, 3, 4].map((_id) => ({ _id })) });
    const scan = h.run('app', { find: 'log', batchSize: 1 }).cursor;
    const sorted = h.run('app', { find: 'log', batchSize: 1, sort: { _id: 1 } }).cursor;
    expect(h.run('app', { getMore: scan.id, collection: 'log', batchSize: 1 }).cursor.nextBatch).toEqual([{ _id: 2 }]);
    h.run('app', { insert: 'log', documents: [5, 6].map((_id) => ({ _id })) });
    expect(h.run('app', { getMore: scan.id, collection: 'log' })).toMatchObject({ ok: 0, code: 136, errmsg: 'CollectionScan died due to position in capped collection being deleted.' });
    expect(h.run('app', { getMore: scan.id, collection: 'log' })).toMatchObject({ ok: 0, code: 43 });
    expect(h.run('app', { getMore: sorted.id, collection: 'log' }).cursor.nextBatch).toEqual([{ _id: 2 }, { _id: 3 }, { _id: 4 }]);
  });

  it('refused: on a non-capped collection (BadValue), awaitData without tailable (FailedToParse), a sort but $natural, singleBatch', () => {
    const h = capped();
    h.run('app', { insert: 'plain', documents: [{ _id: 1 }] });
    const plain = h.run('app', { find: 'plain', tailable: true });
    expect(plain).toMatchObject({ ok: 0, code: 2, codeName: 'BadValue' });
    expect(plain.errmsg).toContain('tailable cursor requested on non capped collection');
    expect(h.run('app', { find: 'log', awaitData: true })).toMatchObject({ ok: 0, code: 9, errmsg: "Cannot set 'awaitData' without also setting 'tailable'" });
    expect(h.run('app', { find: 'log', tailable: true, sort: { _id: 1 } })).toMatchObject({ ok: 0, code: 2 });
    expect(h.run('app', { find: 'log', tailable: true, sort: { $natural: 1 } })).toMatchObject({ ok: 1 });
    expect(h.run('app', { find: 'log', tailable: true, singleBatch: true })).toMatchObject({ ok: 0, code: 2 });
  });
});
