import { Long, ObjectId, Timestamp } from 'bson';
import { describe, expect, it } from 'vitest';
import { compileFilter, project } from '../../src/storage/query';
import { cloneDocument, formatDocument, fromMingo, indexKey, toMingo } from '../../src/storage/values';

describe('values for mingo', () => {
  it('passes plain documents through untouched (same object)', () => {
    const doc = { _id: new ObjectId(), a: [1, { b: 'x' }], d: new Date(0) };
    expect(toMingo(doc)).toBe(doc);
  });

  it('wraps Long and Timestamp so mingo compares them numerically, and unwraps them', () => {
    const doc = { big: Long.fromString('9007199254740993'), ts: new Timestamp({ t: 2, i: 0 }) };
    const view = toMingo(doc);
    expect(view).not.toBe(doc);
    expect(fromMingo(view)).toEqual(doc);
    expect(compileFilter({ big: { $gt: Long.fromString('9007199254740992') } })(doc)).toBe(true);
    expect(compileFilter({ big: { $lt: Long.fromString('-1') } })(doc)).toBe(false);
    expect(compileFilter({ ts: { $gt: new Timestamp({ t: 1, i: 99 }) } })(doc)).toBe(true);
    expect(compileFilter({ ts: new Timestamp({ t: 2, i: 0 }) })(doc)).toBe(true);
    expect(project([doc], { big: 1 })[0]?.big).toBeInstanceOf(Long);
  });

  it('gives equal numbers of any type one index key, and keeps field order significant', () => {
    expect(indexKey(1)).toBe(indexKey(Long.fromNumber(1)));
    expect(indexKey(null)).toBe(indexKey(undefined));
    expect(indexKey({ a: 1, b: 2 })).not.toBe(indexKey({ b: 2, a: 1 }));
    expect(indexKey('1')).not.toBe(indexKey(1));
  });

  it('deep-copies documents, sharing only immutable BSON values', () => {
    const doc = { a: { b: [1, 2] }, d: new Date(5) };
    const copy = cloneDocument(doc);
    expect(copy).toEqual(doc);
    (copy.a as { b: number[] }).b.push(3);
    (copy.d as Date).setTime(0);
    expect(doc.a.b).toEqual([1, 2]);
    expect(doc.d.getTime()).toBe(5);
  });

  it('formats values as mongod prints them in errors', () => {
    expect(formatDocument({ _id: new ObjectId('650000000000000000000001'), s: 'x', n: null })).toBe(
      "{ _id: ObjectId('650000000000000000000001'), s: \"x\", n: null }",
    );
  });
});
