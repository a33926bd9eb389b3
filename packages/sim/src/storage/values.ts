import { Binary, Decimal128, Double, Int32, Long, MaxKey, MinKey, ObjectId, Timestamp, BSONRegExp, serialize } from 'bson';
import type { Document } from 'bson';

/**
 * BSON values as the storage holds them, and the translation to and from what `mingo` understands.
 *
 * Documents are stored as the `bson` package deserializes them with its defaults: JS numbers for
 * int32/double (and int64 that fits), `Long` for larger int64, `ObjectId`, `Timestamp`, `Date`,
 * `Binary`, `Decimal128`, `MinKey`/`MaxKey`... mingo compares class instances of one class by their
 * `toString()`; that is right for ObjectId (hex is byte order) but wrong for Long and Timestamp
 * (decimal strings). So before mingo sees a value, Long and Timestamp are wrapped in objects whose
 * `toString()` sorts in numeric order, Int32/Double wrappers become numbers, and on the way back
 * the wrappers are unwrapped to the original instance. Documents without such values are passed
 * through as the same object (no copy).
 *
 * Known gap (documented, mingo decides): mixed-type ordering puts ObjectId, Timestamp, Long and
 * other BSON classes after the JS types, where BSON puts ObjectId before booleans and dates. Same-type
 * ordering and equality are BSON's.
 */

const HEX_WIDTH = 8;

function hex32(value: number): string {
  return (value >>> 0).toString(16).padStart(HEX_WIDTH, '0');
}

/** A Long as mingo sees it: same class ⇒ compared by toString(), which sorts numerically. */
export class MingoLong {
  constructor(readonly original: Long) {}
  toString(): string {
    // Flip the sign bit so that two's complement values sort as unsigned hex.
    const high = this.original.unsigned ? this.original.high >>> 0 : (this.original.high ^ 0x80000000) >>> 0;
    return hex32(high) + hex32(this.original.low);
  }
}

/** A Timestamp as mingo sees it: (t, i) as 16 hex digits, unsigned. */
export class MingoTimestamp {
  constructor(readonly original: Timestamp) {}
  toString(): string {
    return hex32(this.original.high) + hex32(this.original.low);
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/** Convert a stored value (document, filter, update, pipeline) to mingo's view. Returns the same reference when nothing changes. */
export function toMingo(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (value instanceof Timestamp) return new MingoTimestamp(value);
  if (value instanceof Long) {
    return new MingoLong(value);
  }
  if (value instanceof Int32 || value instanceof Double) return value.valueOf();
  if (value instanceof BSONRegExp) return new RegExp(value.pattern, value.options.replace(/[^gimsuy]/g, ''));
  return mapChildren(value, toMingo);
}

/**
 * `convert` applied to each element of an array or value of a plain object, copying the container
 * only when something changed (most documents need no conversion at all); other values as they are.
 */
function mapChildren(value: unknown, convert: (item: unknown) => unknown): unknown {
  let out: unknown[] | Record<string, unknown> | undefined;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      const converted = convert(item);
      if (converted !== item) {
        out ??= value.slice();
        (out as unknown[])[i] = converted;
      }
    }
    return out ?? value;
  }
  if (isPlainObject(value)) {
    for (const key of Object.keys(value)) {
      const item = value[key];
      const converted = convert(item);
      if (converted !== item) {
        out ??= { ...value };
        (out as Record<string, unknown>)[key] = converted;
      }
    }
    return out ?? value;
  }
  return value;
}

/** Undo `toMingo` on a value mingo produced (projection, aggregation, update result). */
export function fromMingo(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (value instanceof MingoTimestamp || value instanceof MingoLong) return value.original;
  return mapChildren(value, fromMingo);
}

/**
 * Deep copy of a stored value: plain objects, arrays and Dates are copied; immutable BSON class
 * instances (ObjectId, Long, Timestamp, Decimal128, MinKey, MaxKey) are shared; Binary is copied.
 */
export function cloneValue<T>(value: T): T {
  if (value === null || typeof value !== 'object') return value;
  if (value instanceof Date) return new Date(value.getTime()) as T;
  if (value instanceof Binary) return new Binary(new Uint8Array(value.buffer.subarray(0, value.position)), value.sub_type) as T;
  if (Array.isArray(value)) return value.map((item: unknown) => cloneValue(item)) as T;
  if (isPlainObject(value)) {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value)) out[key] = cloneValue(value[key]);
    return out as T;
  }
  return value;
}

export function cloneDocument(doc: Document): Document {
  return cloneValue(doc);
}

/**
 * A canonical string for a BSON value, equal for values MongoDB's indexes treat as equal: numbers
 * of any type with the same value, and `null` with missing. Used as the key of the `_id` index and of
 * unique indexes. Field order inside embedded documents matters, as in BSON.
 */
export function indexKey(value: unknown): string {
  if (value === undefined || value === null) return 'z';
  switch (typeof value) {
    case 'number':
      return numberKey(value);
    case 'bigint':
      return numberKey(Number(value));
    case 'string':
      return `s${JSON.stringify(value)}`;
    case 'boolean':
      return value ? 'bT' : 'bF';
    default:
      break;
  }
  if (value instanceof Timestamp) return `t${value.high >>> 0}:${value.low >>> 0}`;
  if (value instanceof Long) return value.greaterThan(Number.MAX_SAFE_INTEGER) || value.lessThan(Number.MIN_SAFE_INTEGER) ? `n${value.toString()}` : numberKey(value.toNumber());
  if (value instanceof Int32 || value instanceof Double) return numberKey(value.valueOf());
  if (value instanceof Decimal128) return numberKey(Number(value.toString()));
  if (value instanceof ObjectId) return `o${value.toHexString()}`;
  if (value instanceof Date) return `d${value.getTime()}`;
  if (value instanceof Binary) return `x${value.sub_type}:${Buffer.from(value.buffer.subarray(0, value.position)).toString('hex')}`;
  if (value instanceof RegExp) return `r${value.source}/${value.flags}`;
  if (value instanceof BSONRegExp) return `r${value.pattern}/${value.options}`;
  if (value instanceof MinKey) return 'm-';
  if (value instanceof MaxKey) return 'm+';
  if (Array.isArray(value)) return `a[${value.map((item: unknown) => indexKey(item)).join(',')}]`;
  if (isPlainObject(value)) {
    return `{${Object.keys(value)
      .map((key) => `${JSON.stringify(key)}:${indexKey(value[key])}`)
      .join(',')}}`;
  }
  // Any other BSON class: its serialized form is canonical enough.
  return `?${Buffer.from(serialize({ v: value })).toString('hex')}`;
}

function numberKey(value: number): string {
  if (Number.isNaN(value)) return 'nNaN';
  if (Object.is(value, -0)) return 'n0';
  return `n${value}`;
}

/** A value as mongod prints it in error messages (`{ _id: 1 }`, `"a"`, `ObjectId('…')`). */
export function formatValue(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (value === null) return 'null';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (value instanceof ObjectId) return `ObjectId('${value.toHexString()}')`;
  if (value instanceof Timestamp) return `Timestamp(${value.high >>> 0}, ${value.low >>> 0})`;
  if (value instanceof Long) return value.toString();
  if (value instanceof Date) return `new Date(${value.getTime()})`;
  if (Array.isArray(value)) return `[ ${value.map((item: unknown) => formatValue(item)).join(', ')} ]`;
  if (isPlainObject(value)) return formatDocument(value);
  return String(value);
}

export function formatDocument(doc: Record<string, unknown>): string {
  const keys = Object.keys(doc);
  if (keys.length === 0) return '{}';
  return `{ ${keys.map((key) => `${key}: ${formatValue(doc[key])}`).join(', ')} }`;
}

export { isPlainObject };

/** BSON type names as mongod reports them in errors (`int`, `string`, `objectId`...). */
export function bsonTypeName(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'missing';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) && Math.abs(value) <= 0x7fffffff ? 'int' : 'double';
  if (typeof value === 'string') return 'string';
  if (typeof value === 'boolean') return 'bool';
  if (typeof value === 'bigint' || value instanceof Long) return 'long';
  if (value instanceof Int32) return 'int';
  if (value instanceof Double) return 'double';
  if (value instanceof Decimal128) return 'decimal';
  if (value instanceof Date) return 'date';
  if (value instanceof Timestamp) return 'timestamp';
  if (isPlainObject(value)) return 'object';
  const bsontype = (value as { _bsontype?: string })._bsontype;
  return bsontype ? bsontype.charAt(0).toLowerCase() + bsontype.slice(1) : typeof value;
}

/** Whether a value is one of BSON's numeric types. */
export function isNumeric(value: unknown): boolean {
  return typeof value === 'number' || value instanceof Long || value instanceof Int32 || value instanceof Double || value instanceof Decimal128;
}

/** The value at a dotted path through embedded documents (no array traversal); undefined when missing. */
export function valueAtDottedPath(doc: Document, path: string): unknown {
  let current: unknown = doc;
  for (const segment of path.split('.')) {
    if (!isPlainObject(current)) return undefined;
    current = current[segment];
  }
  return current;
}
