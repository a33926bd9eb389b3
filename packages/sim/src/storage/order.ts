import { BSONRegExp, BSONSymbol, Binary, Code, DBRef, Decimal128, Double, Int32, Long, MaxKey, MinKey, ObjectId, Timestamp } from 'bson';
import type { Document } from 'bson';
import { isPlainObject } from './values';

/**
 * BSON's sort order across types, for `sort` (mingo orders BSON classes after its own types, by
 * class name, which puts ObjectId after dates). Ranks as in MongoDB's "Comparison/Sort Order":
 * MinKey, null, numbers, symbol/string, object, array, binData, ObjectId, bool, date, timestamp,
 * regex, MaxKey. Equality-based matching stays with mingo.
 */

const RANK_MIN_KEY = 1;
const RANK_EMPTY_ARRAY = 2;
const RANK_NULL = 3;
const RANK_NUMBER = 4;
const RANK_STRING = 5;
const RANK_OBJECT = 6;
const RANK_ARRAY = 7;
const RANK_BINARY = 8;
const RANK_OBJECT_ID = 9;
const RANK_BOOLEAN = 10;
const RANK_DATE = 11;
const RANK_TIMESTAMP = 12;
const RANK_REGEX = 13;
const RANK_CODE = 14;
const RANK_MAX_KEY = 15;

function rank(value: unknown): number {
  if (value === undefined || value === null) return RANK_NULL;
  switch (typeof value) {
    case 'number':
    case 'bigint':
      return RANK_NUMBER;
    case 'string':
      return RANK_STRING;
    case 'boolean':
      return RANK_BOOLEAN;
    default:
      break;
  }
  if (value instanceof Timestamp) return RANK_TIMESTAMP;
  if (value instanceof Long || value instanceof Int32 || value instanceof Double || value instanceof Decimal128) return RANK_NUMBER;
  if (value instanceof BSONSymbol) return RANK_STRING;
  if (value instanceof ObjectId) return RANK_OBJECT_ID;
  if (value instanceof Date) return RANK_DATE;
  if (value instanceof Binary) return RANK_BINARY;
  if (value instanceof RegExp || value instanceof BSONRegExp) return RANK_REGEX;
  if (value instanceof MinKey) return RANK_MIN_KEY;
  if (value instanceof MaxKey) return RANK_MAX_KEY;
  if (value instanceof Code) return RANK_CODE;
  if (Array.isArray(value)) return value.length === 0 ? RANK_EMPTY_ARRAY : RANK_ARRAY;
  if (value instanceof DBRef) return RANK_OBJECT;
  return RANK_OBJECT;
}

function toNumber(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint') return Number(value);
  if (value instanceof Long) return value.toNumber();
  if (value instanceof Int32 || value instanceof Double) return value.valueOf();
  if (value instanceof Decimal128) return Number(value.toString());
  return Number.NaN;
}

function compareScalars(a: number | string | bigint, b: number | string | bigint): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const size = Math.min(a.length, b.length);
  for (let i = 0; i < size; i++) {
    const diff = (a[i] as number) - (b[i] as number);
    if (diff !== 0) return diff < 0 ? -1 : 1;
  }
  return compareScalars(a.length, b.length);
}

/** Compares two BSON values in MongoDB's order. */
export function compareBson(a: unknown, b: unknown): number {
  const rankA = rank(a);
  const rankB = rank(b);
  if (rankA !== rankB) return rankA < rankB ? -1 : 1;
  switch (rankA) {
    case RANK_NUMBER: {
      if (a instanceof Long && b instanceof Long) return a.compare(b);
      const x = toNumber(a);
      const y = toNumber(b);
      // NaN sorts before all other numbers.
      if (Number.isNaN(x) || Number.isNaN(y)) return Number.isNaN(x) ? (Number.isNaN(y) ? 0 : -1) : 1;
      return compareScalars(x, y);
    }
    case RANK_STRING:
      // MongoDB compares strings by their UTF-8 bytes (simple collation).
      return compareBytes(Buffer.from(String(a)), Buffer.from(String(b)));
    case RANK_OBJECT:
      return compareObjects(a as Document, b as Document);
    case RANK_ARRAY: {
      const x = a as unknown[];
      const y = b as unknown[];
      const size = Math.min(x.length, y.length);
      for (let i = 0; i < size; i++) {
        const order = compareBson(x[i], y[i]);
        if (order !== 0) return order;
      }
      return compareScalars(x.length, y.length);
    }
    case RANK_BINARY: {
      const x = a as Binary;
      const y = b as Binary;
      if (x.position !== y.position) return compareScalars(x.position, y.position);
      if (x.sub_type !== y.sub_type) return compareScalars(x.sub_type, y.sub_type);
      return compareBytes(x.buffer.subarray(0, x.position), y.buffer.subarray(0, y.position));
    }
    case RANK_OBJECT_ID:
      return compareBytes((a as ObjectId).id, (b as ObjectId).id);
    case RANK_BOOLEAN:
      return compareScalars(Number(a), Number(b));
    case RANK_DATE:
      return compareScalars((a as Date).getTime(), (b as Date).getTime());
    case RANK_TIMESTAMP: {
      const x = a as Timestamp;
      const y = b as Timestamp;
      return compareScalars(x.t, y.t) || compareScalars(x.i, y.i);
    }
    case RANK_REGEX: {
      const [px, fx] = regexParts(a);
      const [py, fy] = regexParts(b);
      return compareScalars(px, py) || compareScalars(fx, fy);
    }
    default:
      return 0;
  }
}

function regexParts(value: unknown): [string, string] {
  if (value instanceof RegExp) return [value.source, value.flags];
  const regex = value as BSONRegExp;
  return [regex.pattern, regex.options];
}

function compareObjects(a: Document, b: Document): number {
  const keysA = isPlainObject(a) ? Object.keys(a) : [];
  const keysB = isPlainObject(b) ? Object.keys(b) : [];
  const size = Math.min(keysA.length, keysB.length);
  for (let i = 0; i < size; i++) {
    const keyA = keysA[i] as string;
    const keyB = keysB[i] as string;
    // Field by field: first the value's type, then the name, then the value.
    const byRank = compareScalars(rank(a[keyA]), rank(b[keyB]));
    if (byRank !== 0) return byRank;
    const byName = compareBytes(Buffer.from(keyA), Buffer.from(keyB));
    if (byName !== 0) return byName;
    const byValue = compareBson(a[keyA], b[keyB]);
    if (byValue !== 0) return byValue;
  }
  return compareScalars(keysA.length, keysB.length);
}

/** The values at a dotted path, arrays unwound (a multikey sort key). Missing ⇒ [undefined]. */
function sortKeyValues(doc: unknown, path: readonly string[]): unknown[] {
  if (path.length === 0) return [doc];
  if (Array.isArray(doc)) {
    const [head] = path as [string];
    if (/^\d+$/.test(head)) return sortKeyValues(doc[Number(head)], path.slice(1));
    const out = doc.flatMap((item: unknown) => (isPlainObject(item) || Array.isArray(item) ? sortKeyValues(item, path) : []));
    return out.length === 0 ? [undefined] : out;
  }
  if (!isPlainObject(doc)) return [undefined];
  const [head, ...rest] = path as [string, ...string[]];
  return sortKeyValues(doc[head], rest);
}

/** The one value a document sorts by on a path: the smallest element for ascending, the largest for descending. */
function sortKey(doc: Document, path: readonly string[], direction: 1 | -1): unknown {
  const values = sortKeyValues(doc, path).flatMap((value) => (Array.isArray(value) && value.length > 0 ? value : [value]));
  let best = values[0];
  for (const value of values.slice(1)) {
    const order = compareBson(value, best);
    if ((direction === 1 && order < 0) || (direction === -1 && order > 0)) best = value;
  }
  return best;
}

/** Stable sort of documents by a sort specification, in BSON order. */
export function sortByBson(docs: readonly Document[], spec: Record<string, 1 | -1>): Document[] {
  const fields = Object.entries(spec).map(([path, direction]) => ({ path: path.split('.'), direction }));
  const keyed = docs.map((doc, index) => ({ doc, index, keys: fields.map((field) => sortKey(doc, field.path, field.direction)) }));
  keyed.sort((x, y) => {
    for (let i = 0; i < fields.length; i++) {
      const order = compareBson(x.keys[i], y.keys[i]);
      if (order !== 0) return order * (fields[i] as { direction: 1 | -1 }).direction;
    }
    return x.index - y.index;
  });
  return keyed.map((entry) => entry.doc);
}
