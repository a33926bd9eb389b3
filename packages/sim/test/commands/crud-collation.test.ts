import { describe, expect, it } from 'vitest';
import { CrudHarness } from './crud-helpers';

/**
 * `collation` on find, count, distinct, aggregate, update, delete and findAndModify (manual,
 * "Collation"): strength 2 compares strings case-insensitively, 1 also ignores diacritics, 3 (the
 * default) is case-sensitive; `locale` is required and `simple` is binary comparison.
 */

function seeded(): CrudHarness {
  const h = new CrudHarness();
  h.run('db', { insert: 'c', documents: [{ _id: 1, x: 'ping' }, { _id: 2, x: 'pINg' }, { _id: 3, x: 'pîng' }, { _id: 4, x: 'pong' }] });
  return h;
}

const en2 = { locale: 'en_US', strength: 2 };

describe('collation', () => {
  it('strength 2 matches case-insensitively in find, count and distinct', () => {
    const h = seeded();
    expect(h.run('db', { find: 'c', filter: { x: 'PING' }, collation: en2 }).cursor.firstBatch.map((d: { _id: number }) => d._id)).toEqual([1, 2]);
    expect(h.run('db', { count: 'c', query: { x: 'PING' }, collation: en2 }).n).toBe(2);
    expect(h.run('db', { distinct: 'c', key: '_id', query: { x: { $in: ['PONG'] } }, collation: en2 }).values).toEqual([4]);
  });

  it('strength 1 also ignores diacritics; strength 3 and simple are case-sensitive', () => {
    const h = seeded();
    expect(h.run('db', { count: 'c', query: { x: 'PING' }, collation: { locale: 'fr', strength: 1 } }).n).toBe(3);
    expect(h.run('db', { count: 'c', query: { x: 'PING' }, collation: { locale: 'en_US', strength: 3 } }).n).toBe(0);
    expect(h.run('db', { count: 'c', query: { x: 'PING' }, collation: { locale: 'simple' } }).n).toBe(0);
  });

  it('applies to update, delete and findAndModify statements, returning the stored documents unchanged', () => {
    const h = seeded();
    expect(h.run('db', { update: 'c', updates: [{ q: { x: 'PING' }, u: { $set: { y: 1 } }, multi: true, collation: en2 }] })).toMatchObject({ n: 2, nModified: 2 });
    const fam = h.run('db', { findAndModify: 'c', query: { x: 'PONG' }, update: { $set: { y: 2 } }, new: true, collation: en2 });
    expect(fam.value).toEqual({ _id: 4, x: 'pong', y: 2 });
    expect(h.run('db', { delete: 'c', deletes: [{ q: { x: 'PING' }, limit: 0, collation: en2 }] })).toMatchObject({ n: 2 });
    expect(h.storage.documents('db', 'c').map((d) => d._id)).toEqual([3, 4]);
  });

  it("applies to an aggregate's leading $match", () => {
    const h = seeded();
    const reply = h.run('db', { aggregate: 'c', pipeline: [{ $match: { x: 'PING' } }, { $project: { _id: 1 } }], cursor: {}, collation: en2 });
    expect(reply.cursor.firstBatch).toEqual([{ _id: 1 }, { _id: 2 }]);
  });

  it('needs a locale', () => {
    const h = seeded();
    expect(h.run('db', { find: 'c', filter: {}, collation: { strength: 2 } })).toMatchObject({ ok: 0, codeName: 'FailedToParse' });
  });
});
