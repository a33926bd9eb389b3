import { Binary, Long, MaxKey, MinKey, ObjectId, Timestamp } from 'bson';
import { describe, expect, it } from 'vitest';
import { compareBson, sortByBson } from '../../src/storage/order';

describe('BSON sort order', () => {
  it('ranks types as MongoDB does', () => {
    const ordered = [
      new MinKey(),
      null,
      -5,
      Long.fromNumber(2),
      2.5,
      'a',
      'b',
      { a: 1 },
      [1],
      new Binary(new Uint8Array([1])),
      new ObjectId('650000000000000000000001'),
      false,
      true,
      new Date(0),
      new Timestamp({ t: 1, i: 0 }),
      /x/,
      new MaxKey(),
    ];
    const shuffled = [...ordered].reverse();
    expect([...shuffled].sort(compareBson)).toEqual(ordered);
    // As sort keys, arrays stand for their elements: [1] sorts with the numbers.
    const withoutArray = ordered.filter((value) => !Array.isArray(value));
    const sorted = sortByBson([...withoutArray].reverse().map((v, i) => ({ _id: i, v })), { v: 1 }).map((doc) => doc.v);
    expect(sorted).toEqual(withoutArray);
  });

  it('compares numbers across types and Timestamps by (t, i)', () => {
    expect(compareBson(1, Long.fromNumber(1))).toBe(0);
    expect(compareBson(Long.fromString('9007199254740993'), Long.fromString('9007199254740992'))).toBe(1);
    expect(compareBson(new Timestamp({ t: 9, i: 5 }), new Timestamp({ t: 10, i: 0 }))).toBe(-1);
    expect(compareBson(new ObjectId('650000000000000000000002'), new ObjectId('650000000000000000000010'))).toBe(-1);
  });

  it('sorts array fields by their smallest element ascending and largest descending', () => {
    const docs = [
      { _id: 'a', v: [1, 9] },
      { _id: 'b', v: 5 },
      { _id: 'c', v: [] },
      { _id: 'd' },
    ];
    expect(sortByBson(docs, { v: 1 }).map((doc) => doc._id)).toEqual(['c', 'd', 'a', 'b']);
    expect(sortByBson(docs, { v: -1 }).map((doc) => doc._id)).toEqual(['a', 'b', 'd', 'c']);
  });

  it('is stable and honours compound keys and dotted paths', () => {
    const docs = [
      { _id: 1, a: { b: 2 }, c: 1 },
      { _id: 2, a: { b: 1 }, c: 1 },
      { _id: 3, a: { b: 2 }, c: 0 },
      { _id: 4, a: { b: 2 }, c: 1 },
    ];
    expect(sortByBson(docs, { 'a.b': -1, c: 1 }).map((doc) => doc._id)).toEqual([3, 1, 4, 2]);
  });
});
