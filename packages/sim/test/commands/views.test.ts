import { describe, expect, it } from 'vitest';
import { Storage } from '../../src/storage';
import { CrudHarness } from './crud-helpers';
import { shapeAll } from '../storage/plain';

// Views as mongod 7.0 keeps and runs them: a view is a document {_id: "db.view", viewOn, pipeline,
// collation?} in <db>.system.views (catalog/durable_view_catalog.cpp), written by create with
// viewOn (create_collection.cpp _createView); a read of a view runs its definition's pipeline
// (views/resolved_view.cpp); commands that need a collection refuse it with
// CommandNotSupportedOnView (166) "Namespace db.v is a view, not a collection" (AutoGetCollection,
// views forbidden). Manual: core/views, reference/command/create (viewOn, pipeline, collation).

function withView(): CrudHarness {
  const h = new CrudHarness();
  h.run('app', { insert: 'c', documents: [{ _id: 1, x: 'a' }, { _id: 2, x: 'b' }, { _id: 3, x: 'c' }] });
  expect(h.run('app', { create: 'v', viewOn: 'c', pipeline: [{ $match: { _id: { $gt: 1 } } }] })).toEqual({ ok: 1 });
  return h;
}

describe('create with viewOn (create_collection.cpp _createView, durable_view_catalog.cpp)', () => {
  it('writes the definition to system.views: one insert entry, after creating system.views', () => {
    const h = new CrudHarness();
    h.run('app', { insert: 'c', documents: [{ _id: 1 }] });
    h.oplog.length = 0;
    h.run('app', { create: 'v', viewOn: 'c', pipeline: [{ $project: { x: 1 } }], collation: { locale: 'en', strength: 2 } });
    // Both carry system.views' UUID as `ui` (OpObserverImpl: the create and the insert into it).
    const systemViews = h.storage.getCollection('app', 'system.views')!.uuid;
    expect(h.oplog.map((entry) => entry.ui)).toEqual([systemViews, systemViews]);
    expect(shapeAll(h.oplog)).toEqual([
      { op: 'c', ns: 'app.$cmd', o: { create: 'system.views' } },
      { op: 'i', ns: 'app.system.views', o: { _id: 'app.v', viewOn: 'c', pipeline: [{ $project: { x: 1 } }], collation: { locale: 'en', strength: 2 } } },
    ]);
  });

  it('listCollections shows it as type "view" with its options, read-only and without an _id index (list_collections.cpp)', () => {
    const h = withView();
    const entries = h.run('app', { listCollections: 1 }).cursor.firstBatch;
    expect(entries.map((e: { name: string; type: string }) => [e.name, e.type])).toEqual([['c', 'collection'], ['system.views', 'collection'], ['v', 'view']]);
    expect(entries[2]).toEqual({ name: 'v', type: 'view', options: { viewOn: 'c', pipeline: [{ $match: { _id: { $gt: 1 } } }] }, info: { readOnly: true } });
    expect(h.run('app', { listCollections: 1, filter: { type: 'view' }, nameOnly: true }).cursor.firstBatch).toEqual([{ name: 'v', type: 'view' }]);
    expect(h.run('app', { dbStats: 1 }).views).toBe(1);
  });

  it('refuses a name in use (NamespaceExists 48), a pipeline stage that writes (OptionNotSupportedOnView 167), a cycle (GraphContainsCycle 5), pipeline without viewOn (BadValue)', () => {
    const h = withView();
    expect(h.run('app', { create: 'v', viewOn: 'c' })).toMatchObject({ ok: 0, code: 48, codeName: 'NamespaceExists' });
    expect(h.run('app', { create: 'c', viewOn: 'v' })).toMatchObject({ ok: 0, code: 48 });
    expect(h.run('app', { create: 'v' })).toMatchObject({ ok: 0, code: 48 });
    expect(h.run('app', { create: 'w', viewOn: 'c', pipeline: [{ $out: 'x' }] })).toMatchObject({ ok: 0, code: 167, codeName: 'OptionNotSupportedOnView' });
    expect(h.run('app', { create: 'w', viewOn: 'c', pipeline: { $match: {} } })).toMatchObject({ ok: 0, code: 14, codeName: 'TypeMismatch' });
    expect(h.run('app', { create: 'w', pipeline: [] })).toMatchObject({ ok: 0, code: 2 });
    h.run('app', { create: 'a', viewOn: 'b' });
    expect(h.run('app', { create: 'b', viewOn: 'a' })).toMatchObject({ ok: 0, code: 5, codeName: 'GraphContainsCycle' });
  });
});

describe('reads through a view run its pipeline (views/resolved_view.cpp)', () => {
  it('find (filter, sort, skip, limit, projection apply after the pipeline), aggregate, count, distinct', () => {
    const h = withView();
    expect(h.run('app', { find: 'v' }).cursor.firstBatch).toEqual([{ _id: 2, x: 'b' }, { _id: 3, x: 'c' }]);
    expect(h.run('app', { find: 'v', filter: { x: 'c' }, projection: { _id: 0 } }).cursor.firstBatch).toEqual([{ x: 'c' }]);
    expect(h.run('app', { find: 'v', sort: { _id: -1 }, limit: 1 }).cursor.firstBatch).toEqual([{ _id: 3, x: 'c' }]);
    expect(h.run('app', { aggregate: 'v', pipeline: [{ $count: 'n' }], cursor: {} }).cursor.firstBatch).toEqual([{ n: 2 }]);
    // estimatedDocumentCount on a view (crud spec estimatedDocumentCount "works correctly on views"): count without a query.
    expect(h.run('app', { count: 'v' })).toEqual({ n: 2, ok: 1 });
    expect(h.run('app', { count: 'v', query: { x: 'b' } })).toEqual({ n: 1, ok: 1 });
    expect(h.run('app', { distinct: 'v', key: 'x' }).values).toEqual(['b', 'c']);
  });

  it('a view on a view runs the inner pipeline first; the view sees later writes to its collection', () => {
    const h = withView();
    h.run('app', { create: 'w', viewOn: 'v', pipeline: [{ $project: { y: '$x' } }] });
    h.run('app', { insert: 'c', documents: [{ _id: 4, x: 'd' }] });
    expect(h.run('app', { find: 'w' }).cursor.firstBatch).toEqual([{ _id: 2, y: 'b' }, { _id: 3, y: 'c' }, { _id: 4, y: 'd' }]);
  });

  it('a $lookup from a view reads the view (resolved_view.cpp)', () => {
    const h = withView();
    h.run('app', { insert: 'o', documents: [{ _id: 'o1', x: 'b' }, { _id: 'o2', x: 'a' }] });
    const joined = h.run('app', { aggregate: 'o', pipeline: [{ $lookup: { from: 'v', localField: 'x', foreignField: 'x', as: 'm' } }], cursor: {} }).cursor.firstBatch;
    expect(joined).toEqual([{ _id: 'o1', x: 'b', m: [{ _id: 2, x: 'b' }] }, { _id: 'o2', x: 'a', m: [] }]);
  });

  it("a view's collation is its reads' default", () => {
    const h = withView();
    h.run('app', { create: 'ci', viewOn: 'c', collation: { locale: 'en', strength: 2 } });
    expect(h.run('app', { find: 'ci', filter: { x: 'B' } }).cursor.firstBatch).toEqual([{ _id: 2, x: 'b' }]);
    expect(h.run('app', { count: 'ci', query: { x: 'C' } }).n).toBe(1);
  });
});

describe('what a view refuses: CommandNotSupportedOnView (166)', () => {
  const onView = { code: 166, codeName: 'CommandNotSupportedOnView', errmsg: 'Namespace app.v is a view, not a collection' };
  // A write error has no codeName.
  const writeError = { code: 166, errmsg: 'Namespace app.v is a view, not a collection' };

  it('insert, update and delete statements fail one by one as write errors (write_ops_exec.cpp); findAndModify fails the command', () => {
    const h = withView();
    h.oplog.length = 0;
    const insert = h.run('app', { insert: 'v', documents: [{ _id: 9 }, { _id: 10 }], ordered: false });
    expect(insert).toMatchObject({ n: 0, ok: 1, writeErrors: [{ index: 0, ...writeError }, { index: 1, ...writeError }] });
    expect(h.run('app', { update: 'v', updates: [{ q: {}, u: { $set: { y: 1 } }, upsert: true }] })).toMatchObject({ n: 0, nModified: 0, writeErrors: [{ index: 0, ...writeError }] });
    expect(h.run('app', { delete: 'v', deletes: [{ q: {}, limit: 0 }] })).toMatchObject({ n: 0, writeErrors: [{ index: 0, ...writeError }] });
    expect(h.run('app', { findAndModify: 'v', query: {}, remove: true })).toMatchObject({ ok: 0, ...onView });
    expect(h.oplog).toEqual([]);
    expect(h.storage.getCollection('app', 'v')).toBeUndefined();
  });

  it('createIndexes "Cannot create indexes on a view" (create_indexes_cmd.cpp); listIndexes, dropIndexes, collStats', () => {
    const h = withView();
    expect(h.run('app', { createIndexes: 'v', indexes: [{ key: { x: 1 }, name: 'x_1' }] })).toMatchObject({ ok: 0, code: 166, errmsg: 'Cannot create indexes on a view' });
    expect(h.run('app', { listIndexes: 'v' })).toMatchObject({ ok: 0, ...onView });
    expect(h.run('app', { dropIndexes: 'v', index: '*' })).toMatchObject({ ok: 0, ...onView });
    expect(h.run('app', { collStats: 'v' })).toMatchObject({ ok: 0, ...onView });
  });

  it('a tailable find on a view: the find becomes an aggregate, which has no tailable (InvalidPipelineOperator 168, query_request_conversion.cpp)', () => {
    const h = withView();
    expect(h.run('app', { find: 'v', tailable: true })).toMatchObject({ ok: 0, code: 168, errmsg: 'Option tailable not supported in aggregation.' });
  });
});

describe('collMod and renameCollection of a view (coll_mod.cpp, rename_collection.cpp)', () => {
  it('collMod takes viewOn and pipeline, replacing the system.views document (one u entry); other options are InvalidOptions', () => {
    const h = withView();
    h.oplog.length = 0;
    expect(h.run('app', { collMod: 'v', pipeline: [{ $match: { _id: 1 } }] })).toEqual({ ok: 1 });
    expect(shapeAll(h.oplog)).toEqual([
      { op: 'u', ns: 'app.system.views', o2: { _id: 'app.v' }, o: { _id: 'app.v', viewOn: 'c', pipeline: [{ $match: { _id: 1 } }] } },
    ]);
    expect(h.run('app', { find: 'v' }).cursor.firstBatch).toEqual([{ _id: 1, x: 'a' }]);
    expect(h.run('app', { collMod: 'v', validator: { x: 1 } })).toMatchObject({ ok: 0, code: 72, errmsg: 'option not supported on a view: validator' });
    expect(h.run('app', { collMod: 'c', viewOn: 'v' })).toMatchObject({ ok: 0, code: 72, errmsg: 'option only supported on a view: viewOn' });
    h.run('app', { create: 'w', viewOn: 'v' });
    expect(h.run('app', { collMod: 'v', viewOn: 'w' })).toMatchObject({ ok: 0, code: 5 });
  });

  it('renameCollection refuses a view as source (166) and as target (NamespaceExists 48)', () => {
    const h = withView();
    expect(h.run('admin', { renameCollection: 'app.v', to: 'app.v2' })).toMatchObject({ ok: 0, code: 166, errmsg: 'cannot rename view: app.v' });
    expect(h.run('admin', { renameCollection: 'app.c', to: 'app.v', dropTarget: true })).toMatchObject({ ok: 0, code: 48 });
  });
});

describe('drop, replication and restart', () => {
  it('drop removes the definition (one delete entry on system.views); the collection stays', () => {
    const h = withView();
    h.oplog.length = 0;
    expect(h.run('app', { drop: 'v' })).toEqual({ ns: 'app.v', ok: 1 });
    expect(shapeAll(h.oplog)).toEqual([{ op: 'd', ns: 'app.system.views', o: { _id: 'app.v' } }]);
    expect(h.run('app', { find: 'v' }).cursor.firstBatch).toEqual([]);
    expect(h.run('app', { count: 'c' }).n).toBe(3);
    expect(h.run('app', { drop: 'v' })).toMatchObject({ ok: 0, code: 26 });
  });

  it('a secondary applying the entries has the view (same digest), a rollback of them removes it, a restart keeps it', () => {
    const h = withView();
    const secondary = new Storage();
    secondary.applyOps(h.oplog);
    expect(secondary.dataDigest()).toBe(h.storage.dataDigest());
    expect(secondary.getView('app', 'v')).toEqual({ name: 'v', viewOn: 'c', pipeline: [{ $match: { _id: { $gt: 1 } } }] });
    const createEntries = h.oplog.filter((entry) => entry.ns.startsWith('app.system.views') || entry.o.create === 'system.views');
    secondary.undo([...createEntries].reverse());
    expect(secondary.getView('app', 'v')).toBeUndefined();
    const restarted = Storage.deserialize(h.storage.serialize());
    expect(restarted.resolveView('app', 'v')).toEqual({ coll: 'c', pipeline: [{ $match: { _id: { $gt: 1 } } }] });
  });
});
