import { Long, ObjectId, Timestamp } from 'bson';
import type { Document } from 'bson';
import { describe, expect, it } from 'vitest';
import { CursorManager } from '../../src/commands/crud';
import { CrudHarness } from './crud-helpers';

function seed(h: CrudHarness, count: number): void {
  const documents = Array.from({ length: count }, (_, i) => ({ _id: i, n: i, parity: i % 2 === 0 ? 'even' : 'odd' }));
  h.run('test', { insert: 'c', documents });
}

describe('find', () => {
  it('filters, sorts, skips, limits and projects', () => {
    const h = new CrudHarness();
    seed(h, 10);
    const reply = h.run('test', { find: 'c', filter: { parity: 'even' }, sort: { n: -1 }, skip: 1, limit: 2, projection: { _id: 0, n: 1 } });
    expect(reply).toEqual({ cursor: { firstBatch: [{ n: 6 }, { n: 4 }], id: Long.ZERO, ns: 'test.c' }, ok: 1 });
  });

  it('returns an empty batch for a missing collection', () => {
    const h = new CrudHarness();
    expect(h.run('test', { find: 'nothing' })).toEqual({ cursor: { firstBatch: [], id: Long.ZERO, ns: 'test.nothing' }, ok: 1 });
  });

  it('matches and sorts ObjectId and Timestamp values by BSON order', () => {
    const h = new CrudHarness();
    const ids = ['650000000000000000000003', '650000000000000000000001', '650000000000000000000002'].map((hex) => new ObjectId(hex));
    h.run('test', {
      insert: 'c',
      documents: ids.map((id, i) => ({ _id: id, ts: new Timestamp({ t: [10, 9, 100][i] as number, i: 1 }) })),
    });
    const byId = h.run('test', { find: 'c', filter: { _id: new ObjectId('650000000000000000000002') } });
    expect(byId.cursor.firstBatch).toHaveLength(1);
    const sorted = h.run('test', { find: 'c', sort: { _id: 1 } }).cursor.firstBatch.map((doc: Document) => (doc._id as ObjectId).toHexString());
    expect(sorted).toEqual(['650000000000000000000001', '650000000000000000000002', '650000000000000000000003']);
    // Timestamps compare numerically (t 9 < 10 < 100), not as strings.
    const byTs = h.run('test', { find: 'c', filter: { ts: { $gte: new Timestamp({ t: 10, i: 0 }) } }, sort: { ts: 1 } });
    expect(byTs.cursor.firstBatch.map((doc: Document) => (doc.ts as Timestamp).t)).toEqual([10, 100]);
    // Projection keeps BSON types.
    const projected = h.run('test', { find: 'c', projection: { ts: 1, _id: 0 }, limit: 1 });
    expect(projected.cursor.firstBatch[0].ts).toBeInstanceOf(Timestamp);
  });

  it('matches $type by BSON type (ObjectId, long, timestamp, int/double, arrays by element)', () => {
    const h = new CrudHarness();
    h.run('test', {
      insert: 'c',
      documents: [
        { _id: new ObjectId('650000000000000000000001'), v: Long.fromString('9007199254740993') },
        { _id: 2, v: new Timestamp({ t: 1, i: 1 }) },
        { _id: 3, v: 1.5 },
        { _id: 4, v: [1, 'x'] },
      ],
    });
    const ids = (filter: Document): string[] => h.run('test', { find: 'c', filter }).cursor.firstBatch.map((doc: Document) => String(doc._id));
    expect(ids({ _id: { $type: 'objectId' } })).toEqual(['650000000000000000000001']);
    expect(ids({ v: { $type: 'long' } })).toEqual(['650000000000000000000001']);
    expect(ids({ v: { $type: 17 } })).toEqual(['2']);
    expect(ids({ v: { $type: 'double' } })).toEqual(['3']);
    expect(ids({ v: { $type: 'string' } })).toEqual(['4']);
    expect(ids({ v: { $type: ['int', 'timestamp'] } })).toEqual(['2', '4']);
    expect(h.run('test', { find: 'c', filter: { v: { $type: 'nope' } } })).toMatchObject({ ok: 0, code: 2, errmsg: 'Unknown type name alias: nope' });
  });

  it('rejects bad arguments with real codes', () => {
    const h = new CrudHarness();
    expect(h.run('test', { find: 'c', filter: 'x' })).toMatchObject({ ok: 0, code: 14, errmsg: "BSON field 'find.filter' is the wrong type 'string', expected type 'object'" });
    expect(h.run('test', { find: 'c', skip: -1 })).toMatchObject({ ok: 0, code: 2, errmsg: 'Skip value must be non-negative, but received: -1' });
    expect(h.run('test', { find: 'c', batchSize: -1 })).toMatchObject({ ok: 0, code: 2 });
    expect(h.run('test', { find: 'c', sort: { a: 2 } })).toMatchObject({ ok: 0, code: 2 });
    expect(h.run('test', { find: 'c', filter: { a: { $nosuch: 1 } } })).toMatchObject({ ok: 0, code: 2 });
    // No server-side JavaScript: a learner's input never runs as code.
    expect(h.run('test', { find: 'c', filter: { $where: 'this.a == 1' } })).toMatchObject({ ok: 0, code: 2 });
  });
});

describe('cursors', () => {
  it('returns 101 documents first, then the rest through getMore', () => {
    const h = new CrudHarness();
    seed(h, 250);
    const first = h.run('test', { find: 'c' });
    expect(first.cursor.firstBatch).toHaveLength(101);
    const id = first.cursor.id as Long;
    expect(id.isZero()).toBe(false);
    const more = h.run('test', { getMore: id, collection: 'c', batchSize: 100 });
    expect(more.cursor.nextBatch).toHaveLength(100);
    expect(more.cursor.nextBatch[0]._id).toBe(101);
    expect(more.cursor.id.equals(id)).toBe(true);
    const last = h.run('test', { getMore: id, collection: 'c' });
    expect(last.cursor.nextBatch).toHaveLength(49);
    expect(last.cursor.id.isZero()).toBe(true);
    expect(h.run('test', { getMore: id, collection: 'c' })).toMatchObject({ ok: 0, code: 43, codeName: 'CursorNotFound', errmsg: `cursor id ${id.toString()} not found` });
  });

  it('honours batchSize and singleBatch', () => {
    const h = new CrudHarness();
    seed(h, 10);
    const first = h.run('test', { find: 'c', batchSize: 3 });
    expect(first.cursor.firstBatch).toHaveLength(3);
    const zero = h.run('test', { find: 'c', batchSize: 0 });
    expect(zero.cursor.firstBatch).toHaveLength(0);
    expect(zero.cursor.id.isZero()).toBe(false);
    const single = h.run('test', { find: 'c', batchSize: 3, singleBatch: true });
    expect(single.cursor.firstBatch).toHaveLength(3);
    expect(single.cursor.id.isZero()).toBe(true);
  });

  it('refuses getMore on another namespace', () => {
    const h = new CrudHarness();
    seed(h, 5);
    const id = h.run('test', { find: 'c', batchSize: 1 }).cursor.id;
    expect(h.run('test', { getMore: id, collection: 'other' })).toMatchObject({ ok: 0, code: 13 });
  });

  it('killCursors reports killed and not found ids', () => {
    const h = new CrudHarness();
    seed(h, 5);
    const id = h.run('test', { find: 'c', batchSize: 1 }).cursor.id as Long;
    const reply = h.run('test', { killCursors: 'c', cursors: [id, Long.fromNumber(999)] });
    expect(reply).toEqual({ cursorsKilled: [id], cursorsNotFound: [Long.fromNumber(999)], cursorsAlive: [], cursorsUnknown: [], ok: 1 });
    expect(h.run('test', { getMore: id, collection: 'c' })).toMatchObject({ code: 43 });
  });

  it('times out idle cursors after cursorTimeoutMillis, unless noCursorTimeout', () => {
    const h = new CrudHarness();
    seed(h, 5);
    const idle = h.run('test', { find: 'c', batchSize: 1 }).cursor.id;
    const kept = h.run('test', { find: 'c', batchSize: 1, noCursorTimeout: true }).cursor.id;
    h.advance(599_000);
    expect(h.run('test', { getMore: idle, collection: 'c', batchSize: 1 }).ok).toBe(1);
    h.advance(600_001);
    expect(h.run('test', { getMore: idle, collection: 'c' })).toMatchObject({ code: 43 });
    expect(h.run('test', { getMore: kept, collection: 'c', batchSize: 1 }).ok).toBe(1);
  });

  it('kills the cursors of a closed connection only', () => {
    const h = new CrudHarness();
    seed(h, 5);
    const mine = h.run('test', { find: 'c', batchSize: 1 }, 1).cursor.id;
    const theirs = h.run('test', { find: 'c', batchSize: 1 }, 2).cursor.id;
    expect(h.cursors.killForConnection(1)).toBe(1);
    expect(h.run('test', { getMore: mine, collection: 'c' })).toMatchObject({ code: 43 });
    expect(h.run('test', { getMore: theirs, collection: 'c' }).ok).toBe(1);
  });

  it('limits a getMore batch to batchSizeBytesMax', () => {
    const h = new CrudHarness();
    h.run('test', { insert: 'c', documents: Array.from({ length: 6 }, (_, i) => ({ _id: i, s: 'x'.repeat(1000) })) });
    const capped = new CursorManager({ now: () => 0, limits: { batchSizeBytesMax: 2100 } });
    const reply = capped.open('test.c', h.storage.documents('test', 'c'), 1, { batchSize: 0 });
    const batch = capped.getMore(reply.id.toBigInt(), 'test.c');
    expect(batch.batch).toHaveLength(2);
  });
});

describe('count, distinct, aggregate', () => {
  it('count applies query, skip and limit', () => {
    const h = new CrudHarness();
    seed(h, 10);
    expect(h.run('test', { count: 'c', query: { parity: 'odd' } })).toEqual({ n: 5, ok: 1 });
    expect(h.run('test', { count: 'c', skip: 8 })).toEqual({ n: 2, ok: 1 });
    expect(h.run('test', { count: 'c', limit: 3 })).toEqual({ n: 3, ok: 1 });
    expect(h.run('test', { count: 'none' })).toEqual({ n: 0, ok: 1 });
  });

  it('distinct unwinds arrays and treats equal numbers as one value', () => {
    const h = new CrudHarness();
    h.run('test', { insert: 'c', documents: [{ _id: 1, tags: ['a', 'b'] }, { _id: 2, tags: 'a' }, { _id: 3, tags: ['c'] }, { _id: 4 }] });
    expect(h.run('test', { distinct: 'c', key: 'tags' })).toEqual({ values: ['a', 'b', 'c'], ok: 1 });
    expect(h.run('test', { distinct: 'c', key: 'tags', query: { _id: { $gt: 2 } } })).toEqual({ values: ['c'], ok: 1 });
  });

  it('aggregate runs a mingo pipeline with a cursor reply, $lookup within the database', () => {
    const h = new CrudHarness();
    seed(h, 10);
    h.run('test', { insert: 'labels', documents: [{ _id: 'even', text: 'Even' }, { _id: 'odd', text: 'Odd' }] });
    const reply = h.run('test', {
      aggregate: 'c',
      pipeline: [
        { $group: { _id: '$parity', total: { $sum: '$n' } } },
        { $sort: { _id: 1 } },
        { $lookup: { from: 'labels', localField: '_id', foreignField: '_id', as: 'label' } },
      ],
      cursor: {},
    });
    expect(reply.cursor.firstBatch).toEqual([
      { _id: 'even', total: 20, label: [{ _id: 'even', text: 'Even' }] },
      { _id: 'odd', total: 25, label: [{ _id: 'odd', text: 'Odd' }] },
    ]);
    expect(reply.cursor.ns).toBe('test.c');
  });

  it('aggregate and pipeline updates take $$NOW from the injected clock', () => {
    const h = new CrudHarness();
    h.nowMillis = 5_000;
    h.run('test', { insert: 'c', documents: [{ _id: 1 }] });
    const reply = h.run('test', { aggregate: 'c', pipeline: [{ $project: { now: '$$NOW', lit: { $literal: '$$NOW' } } }], cursor: {} });
    expect(reply.cursor.firstBatch).toEqual([{ _id: 1, now: new Date(5_000), lit: '$$NOW' }]);
    h.nowMillis = 7_000;
    h.run('test', { update: 'c', updates: [{ q: { _id: 1 }, u: [{ $set: { at: '$$NOW' } }] }] });
    expect(h.storage.documents('test', 'c')).toEqual([{ _id: 1, at: new Date(7_000) }]);
  });

  it('aggregate batches through a cursor and refuses a $currentOp stage and a missing cursor', () => {
    const h = new CrudHarness();
    seed(h, 10);
    const reply = h.run('test', { aggregate: 'c', pipeline: [{ $match: {} }], cursor: { batchSize: 4 } });
    expect(reply.cursor.firstBatch).toHaveLength(4);
    expect(h.run('test', { getMore: reply.cursor.id, collection: 'c' }).cursor.nextBatch).toHaveLength(6);
    expect(h.run('test', { aggregate: 'c', pipeline: [{ $currentOp: {} }], cursor: {} })).toMatchObject({ ok: 0, code: 115 });
    expect(h.run('test', { aggregate: 'c', pipeline: [] })).toMatchObject({ ok: 0, code: 9 });
    expect(h.run('test', { aggregate: 'c', pipeline: [{ $nosuch: 1 }], cursor: {} })).toMatchObject({ ok: 0, code: 2 });
  });
});

describe('listing and stats', () => {
  // A mongod always has admin, config and local (https://www.mongodb.com/docs/manual/reference/local-database/,
  // .../reference/config-database/): `show dbs` lists them before anything is written.
  it('listDatabases reports name, sizeOnDisk, empty and totalSize, admin, config and local included; only on admin', () => {
    const h = new CrudHarness();
    h.run('test', { insert: 'c', documents: [{ _id: 1 }] });
    h.run('empty', { create: 'c' });
    const reply = h.run('admin', { listDatabases: 1 });
    expect(reply.databases).toEqual([
      { name: 'admin', sizeOnDisk: 40960, empty: false },
      { name: 'config', sizeOnDisk: 12288, empty: false },
      { name: 'empty', sizeOnDisk: 4096, empty: true },
      { name: 'local', sizeOnDisk: 40960, empty: false },
      { name: 'test', sizeOnDisk: 4096, empty: false },
    ]);
    expect(reply.totalSize).toBe(40960 + 12288 + 4096 + 40960 + 4096);
    expect(h.run('admin', { listDatabases: 1, nameOnly: true }).databases).toEqual([{ name: 'admin' }, { name: 'config' }, { name: 'empty' }, { name: 'local' }, { name: 'test' }]);
    expect(h.run('admin', { listDatabases: 1, filter: { name: 'test' } }).databases).toHaveLength(1);
    expect(h.run('test', { listDatabases: 1 })).toMatchObject({ ok: 0, code: 13 });
  });

  it('listCollections returns a cursor of collection infos, with filter and nameOnly', () => {
    const h = new CrudHarness();
    h.run('test', { create: 'b' });
    h.run('test', { create: 'a', capped: true, size: 4096 });
    const reply = h.run('test', { listCollections: 1 });
    expect(reply.cursor.ns).toBe('test.$cmd.listCollections');
    expect(reply.cursor.firstBatch[0]).toEqual({
      name: 'a',
      type: 'collection',
      options: { capped: true, size: 4096 },
      info: { readOnly: false, uuid: h.storage.getCollection('test', 'a')!.uuid },
      idIndex: { v: 2, key: { _id: 1 }, name: '_id_' },
    });
    expect(h.run('test', { listCollections: 1, nameOnly: true, filter: { name: 'b' } }).cursor.firstBatch).toEqual([{ name: 'b', type: 'collection' }]);
  });

  it('listIndexes lists the _id index first; NamespaceNotFound for a missing collection', () => {
    const h = new CrudHarness();
    h.run('test', { createIndexes: 'c', indexes: [{ key: { a: 1, b: -1 }, name: 'ab', unique: true }] });
    const reply = h.run('test', { listIndexes: 'c' });
    expect(reply.cursor.firstBatch).toEqual([
      { v: 2, key: { _id: 1 }, name: '_id_' },
      { v: 2, key: { a: 1, b: -1 }, name: 'ab', unique: true },
    ]);
    expect(reply.cursor.ns).toBe('test.$cmd.listIndexes.c');
    expect(h.run('test', { listIndexes: 'nope' })).toMatchObject({ ok: 0, code: 26 });
  });

  it('$collStats gives what mongosh db.coll.stats() and totalIndexSize() read', () => {
    const h = new CrudHarness();
    h.run('test', { insert: 'c', documents: [{ _id: 1 }, { _id: 2 }] });
    const reply = h.run('test', { aggregate: 'c', pipeline: [{ $collStats: { storageStats: { scale: 1 } } }], cursor: {} });
    expect(reply.cursor.firstBatch[0]).toMatchObject({ ns: 'test.c', storageStats: { count: 2, nindexes: 1, indexSizes: { _id_: 4096 }, scaleFactor: 1 } });
    const total = h.run('test', {
      aggregate: 'c',
      pipeline: [{ $collStats: { storageStats: {} } }, { $group: { _id: null, value: { $sum: '$storageStats.totalIndexSize' } } }],
      cursor: {},
    });
    expect(total.cursor.firstBatch).toEqual([{ _id: null, value: 4096 }]);
    expect(h.run('test', { aggregate: 'c', pipeline: [{ $match: {} }, { $collStats: {} }], cursor: {} })).toMatchObject({ ok: 0, code: 40602 });
  });

  it('collStats and dbStats count documents and bytes', () => {
    const h = new CrudHarness();
    h.run('test', { insert: 'c', documents: [{ _id: 1, s: 'abc' }, { _id: 2, s: 'def' }] });
    const coll = h.run('test', { collStats: 'c' });
    expect(coll).toMatchObject({ ns: 'test.c', count: 2, nindexes: 1, ok: 1 });
    expect(coll.size).toBe(h.storage.databaseSizeBytes('test'));
    expect(coll.avgObjSize).toBe(Math.floor(coll.size / 2));
    expect(h.run('test', { dbStats: 1 })).toMatchObject({ db: 'test', collections: 1, objects: 2, dataSize: coll.size, indexes: 1, ok: 1 });
    expect(h.run('test', { collStats: 'nope' })).toMatchObject({ ns: 'test.nope', count: 0, size: 0, nindexes: 0, ok: 1 });
  });
});
