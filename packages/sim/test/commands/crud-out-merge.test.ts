import { describe, expect, it } from 'vitest';
import { CrudHarness } from './crud-helpers';

/**
 * `$out` and `$merge` (MongoDB 7.0 manual, "$out (aggregation)" and "$merge (aggregation)";
 * pipeline/document_source_out.cpp, document_source_merge.cpp): the last stage writes the results
 * and the aggregate answers an empty cursor. `$out` replaces the target's documents (keeping its
 * indexes), all or nothing; `$merge` matches on `on` (default `_id`) with whenMatched (default
 * merge) and whenNotMatched (default insert).
 */

function seeded(): CrudHarness {
  const h = new CrudHarness();
  h.run('db', { insert: 'src', documents: [{ _id: 1, x: 11 }, { _id: 2, x: 22 }, { _id: 3, x: 33 }] });
  return h;
}

const aggregate = (h: CrudHarness, pipeline: unknown[], extra = {}) => h.run('db', { aggregate: 'src', pipeline, cursor: {}, ...extra });

describe('$out', () => {
  it('replaces the target documents, keeps its indexes, and answers an empty cursor', () => {
    const h = seeded();
    h.run('db', { insert: 'dst', documents: [{ _id: 9, old: true }] });
    h.run('db', { createIndexes: 'dst', indexes: [{ key: { x: 1 }, name: 'x_1' }] });
    const reply = aggregate(h, [{ $match: { _id: { $gt: 1 } } }, { $out: 'dst' }]);
    expect(reply).toMatchObject({ ok: 1, cursor: { firstBatch: [], ns: 'db.src' } });
    expect(Number(reply.cursor.id)).toBe(0);
    expect(h.storage.documents('db', 'dst')).toEqual([{ _id: 2, x: 22 }, { _id: 3, x: 33 }]);
    expect(h.storage.listIndexes('db', 'dst').map((index) => index.name)).toEqual(['_id_', 'x_1']);
    // Each write is logged, so secondaries apply the same result.
    expect(h.oplog.slice(-3).map((entry) => entry.op)).toEqual(['d', 'i', 'i']);
  });

  it('creates the target, also in another database ({db, coll})', () => {
    const h = seeded();
    aggregate(h, [{ $project: { _id: 1 } }, { $out: { db: 'other', coll: 'copy' } }]);
    expect(h.storage.documents('other', 'copy')).toEqual([{ _id: 1 }, { _id: 2 }, { _id: 3 }]);
  });

  it('leaves the target as it was when the results break a unique index', () => {
    const h = seeded();
    h.run('db', { insert: 'dst', documents: [{ _id: 9, x: 1 }] });
    h.run('db', { createIndexes: 'dst', indexes: [{ key: { y: 1 }, name: 'y_1', unique: true }] });
    const reply = aggregate(h, [{ $project: { y: { $literal: 5 } } }, { $out: 'dst' }]);
    expect(reply).toMatchObject({ ok: 0, code: 11000 });
    expect(h.storage.documents('db', 'dst')).toEqual([{ _id: 9, x: 1 }]);
  });

  it('must be the last stage', () => {
    const h = seeded();
    expect(aggregate(h, [{ $out: 'dst' }, { $match: {} }])).toMatchObject({ ok: 0, code: 40601 });
  });
});

describe('$merge', () => {
  it('merges matched documents and inserts the others by default', () => {
    const h = seeded();
    h.run('db', { insert: 'dst', documents: [{ _id: 1, keep: 'k', x: 0 }] });
    expect(aggregate(h, [{ $merge: { into: 'dst' } }])).toMatchObject({ ok: 1, cursor: { firstBatch: [] } });
    expect(h.storage.documents('db', 'dst')).toEqual([{ _id: 1, keep: 'k', x: 11 }, { _id: 2, x: 22 }, { _id: 3, x: 33 }]);
  });

  it('whenMatched replace / keepExisting / fail, whenNotMatched discard', () => {
    const h = seeded();
    h.run('db', { insert: 'dst', documents: [{ _id: 1, keep: 'k' }] });
    aggregate(h, [{ $merge: { into: 'dst', whenMatched: 'replace', whenNotMatched: 'discard' } }]);
    expect(h.storage.documents('db', 'dst')).toEqual([{ _id: 1, x: 11 }]);
    aggregate(h, [{ $set: { x: 0 } }, { $merge: { into: 'dst', whenMatched: 'keepExisting' } }]);
    expect(h.storage.documents('db', 'dst')).toEqual([{ _id: 1, x: 11 }, { _id: 2, x: 0 }, { _id: 3, x: 0 }]);
    // The CRUD spec's aggregate-merge-errorResponse: the reply names the index's key and value.
    expect(aggregate(h, [{ $merge: { into: 'dst', whenMatched: 'fail' } }])).toMatchObject({ ok: 0, code: 11000, keyPattern: { _id: 1 }, keyValue: { _id: 1 } });
    expect(aggregate(h, [{ $set: { _id: 7 } }, { $merge: { into: 'dst', whenNotMatched: 'fail' } }])).toMatchObject({ ok: 0, code: 13113 });
  });

  it('runs a whenMatched pipeline with $$new', () => {
    const h = seeded();
    h.run('db', { insert: 'dst', documents: [{ _id: 2, total: 100 }] });
    aggregate(h, [{ $match: { _id: 2 } }, { $merge: { into: 'dst', whenMatched: [{ $set: { total: { $add: ['$total', '$$new.x'] } } }] } }]);
    expect(h.storage.documents('db', 'dst')).toEqual([{ _id: 2, total: 122 }]);
  });

  it('on fields other than _id need a unique index', () => {
    const h = seeded();
    expect(aggregate(h, [{ $merge: { into: 'dst', on: 'x' } }])).toMatchObject({ ok: 0, code: 51183 });
    h.run('db', { createIndexes: 'dst', indexes: [{ key: { x: 1 }, name: 'x_1', unique: true }] });
    h.run('db', { insert: 'dst', documents: [{ _id: 'a', x: 11, tag: 't' }] });
    aggregate(h, [{ $project: { _id: 0, x: 1, y: { $literal: 1 } } }, { $merge: { into: 'dst', on: 'x' } }]);
    const docs = h.storage.documents('db', 'dst');
    expect(docs[0]).toEqual({ _id: 'a', x: 11, tag: 't', y: 1 });
    expect(docs).toHaveLength(3);
  });
});
