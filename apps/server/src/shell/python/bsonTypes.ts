/**
 * BSON values as PyMongo 4 shows them in Python, and the conversion between Python values and the
 * JS values the Node driver's `bson` reads and writes.
 *
 * PyMongo 4 decodes int64 as `bson.int64.Int64`, an `int` subclass without its own `__repr__`, so
 * it prints as a plain int (`5`); we do the same.
 */
import type { Int32} from 'bson';
import { Binary, Decimal128, Double, Long, ObjectId, Timestamp } from 'bson';
import type { PyContext, PyValue } from './values';
import { PyException, PyObject, bytes, dict, dictSet, list, repr, strRepr, typeName } from './values';

export class PyObjectId extends PyObject {
  readonly typeName = 'ObjectId';
  override get qualifiedTypeName(): string {
    return 'bson.objectid.ObjectId';
  }
  constructor(readonly hex: string) {
    super();
  }
  repr(): string {
    return `ObjectId('${this.hex}')`;
  }
  override str(): string {
    return this.hex;
  }
  override attributeNames(): string[] {
    return ['binary', 'generation_time', 'is_valid'];
  }
  override getAttr(name: string): PyValue | undefined {
    if (name === 'generation_time') return new PyDatetime(parseInt(this.hex.slice(0, 8), 16) * 1000, true);
    if (name === 'binary') {
      const data = new Uint8Array(12);
      for (let i = 0; i < 12; i++) data[i] = parseInt(this.hex.slice(i * 2, i * 2 + 2), 16);
      return bytes(data);
    }
    return undefined;
  }
}

/** `datetime.datetime`: naive UTC unless `tzAware` (PyMongo's default is naive). */
export class PyDatetime extends PyObject {
  readonly typeName = 'datetime';
  override get qualifiedTypeName(): string {
    return 'datetime.datetime';
  }
  constructor(
    readonly epochMillis: number,
    readonly tzAware = false,
  ) {
    super();
  }
  repr(): string {
    const d = new Date(this.epochMillis);
    if (Number.isNaN(d.getTime())) return 'datetime.datetime(1, 1, 1, 0, 0)';
    const parts = [d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate(), d.getUTCHours(), d.getUTCMinutes()];
    const seconds = d.getUTCSeconds();
    const micros = d.getUTCMilliseconds() * 1000;
    if (seconds !== 0 || micros !== 0) parts.push(seconds);
    if (micros !== 0) parts.push(micros);
    const tz = this.tzAware ? ', tzinfo=<bson.tz_util.FixedOffset object at 0x7f0c1e2d3a90>' : '';
    return `datetime.datetime(${parts.join(', ')}${tz})`;
  }
  override str(): string {
    const iso = new Date(this.epochMillis).toISOString();
    const [date, time = ''] = iso.split('T');
    const ms = time.slice(9, 12);
    const base = `${date} ${time.slice(0, 8)}`;
    return ms === '000' ? base : `${base}.${ms}000`;
  }
}

export class PyTimestamp extends PyObject {
  readonly typeName = 'Timestamp';
  override get qualifiedTypeName(): string {
    return 'bson.timestamp.Timestamp';
  }
  constructor(
    readonly time: number,
    readonly inc: number,
  ) {
    super();
  }
  repr(): string {
    return `Timestamp(${this.time}, ${this.inc})`;
  }
  override attributeNames(): string[] {
    return ['as_datetime', 'inc', 'time'];
  }
  override getAttr(name: string): PyValue | undefined {
    if (name === 'time') return BigInt(this.time);
    if (name === 'inc') return BigInt(this.inc);
    return undefined;
  }
}

export class PyDecimal128 extends PyObject {
  readonly typeName = 'Decimal128';
  override get qualifiedTypeName(): string {
    return 'bson.decimal128.Decimal128';
  }
  constructor(readonly text: string) {
    super();
  }
  repr(): string {
    return `Decimal128('${this.text}')`;
  }
  override str(): string {
    return this.text;
  }
}

export class PyRegex extends PyObject {
  readonly typeName = 'Regex';
  override get qualifiedTypeName(): string {
    return 'bson.regex.Regex';
  }
  constructor(
    readonly pattern: string,
    readonly flags: string,
  ) {
    super();
  }
  repr(): string {
    return `Regex(${strRepr(this.pattern)}, ${this.flags.length === 0 ? 0 : strRepr(this.flags)})`;
  }
}

/** A BSON value with no closer Python type (MinKey, Code, Binary with a subtype...). */
export class PyBsonOther extends PyObject {
  constructor(
    readonly typeName: string,
    private readonly text: string,
  ) {
    super();
  }
  repr(): string {
    return this.text;
  }
}

interface BsonTagged {
  _bsontype?: string;
}

/** Deepest document nesting converted (BSON itself allows 100 levels). */
export const documentDepthMax = 150;

/** A value from the driver (a document, array or scalar) as a Python value. */
export function fromBson(value: unknown, depth = 0): PyValue {
  if (depth > documentDepthMax) throw new PyException('bson.errors.InvalidBSON', 'maximum nesting depth exceeded');
  if (value === null || value === undefined) return null;
  switch (typeof value) {
    case 'string':
      return value;
    case 'boolean':
      return value;
    case 'number':
      return Number.isInteger(value) && !Object.is(value, -0) ? BigInt(value) : value;
    case 'bigint':
      return value;
    case 'object':
      break;
    default:
      return String(value);
  }
  if (Array.isArray(value)) return list(value.map((v) => fromBson(v, depth + 1)));
  if (value instanceof Date) return new PyDatetime(value.getTime());
  if (value instanceof Uint8Array) return bytes(value);
  if (value instanceof RegExp) return new PyRegex(value.source, value.flags);
  const tag = (value as BsonTagged)._bsontype;
  switch (tag) {
    case 'ObjectId':
    case 'ObjectID':
      return new PyObjectId((value as ObjectId).toHexString());
    case 'Timestamp': {
      const ts = value as Timestamp;
      return new PyTimestamp(ts.t, ts.i);
    }
    case 'Long':
      return (value as Long).toBigInt();
    case 'Int32':
      return BigInt((value as Int32).value);
    case 'Double':
      return (value as Double).value;
    case 'Decimal128':
      return new PyDecimal128((value as Decimal128).toString());
    case 'Binary': {
      const bin = value as Binary;
      if (bin.sub_type === 0) return bytes(bin.buffer.subarray(0, bin.position));
      if (bin.sub_type === 4) return new PyBsonOther('UUID', `UUID('${bin.toUUID().toHexString(true)}')`);
      return new PyBsonOther('Binary', `Binary(${repr(bytes(bin.buffer.subarray(0, bin.position)))}, ${bin.sub_type})`);
    }
    case 'BSONRegExp': {
      const r = value as { pattern: string; options: string };
      return new PyRegex(r.pattern, r.options);
    }
    case 'MinKey':
      return new PyBsonOther('MinKey', 'MinKey()');
    case 'MaxKey':
      return new PyBsonOther('MaxKey', 'MaxKey()');
    case 'Code':
      return new PyBsonOther('Code', `Code(${strRepr(String((value as { code: unknown }).code))}, None)`);
    case undefined:
      break;
    default:
      return new PyBsonOther(tag, `${tag}(...)`);
  }
  const d = dict();
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) dictSet(d, k, fromBson(v, depth + 1));
  return d;
}

const int32Min = -(2n ** 31n);
const int32Max = 2n ** 31n - 1n;
const int64Min = -(2n ** 63n);
const int64Max = 2n ** 63n - 1n;

/** A Python value as the driver should encode it; raises bson.errors.InvalidDocument as PyMongo would. */
export function toBson(value: PyValue, ctx: Pick<PyContext, 'addressOf'>, depth = 0): unknown {
  if (depth > documentDepthMax) throw new PyException('bson.errors.InvalidDocument', 'maximum recursion depth exceeded while encoding an object to BSON');
  if (value === null) return null;
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'bigint':
      if (value >= int32Min && value <= int32Max) return Number(value);
      if (value >= int64Min && value <= int64Max) return Long.fromBigInt(value);
      throw new PyException('OverflowError', 'MongoDB can only handle up to 8-byte ints');
    case 'number':
      return new Double(value);
  }
  switch (value.kind) {
    case 'list':
    case 'tuple':
      return value.items.map((v) => toBson(v, ctx, depth + 1));
    case 'dict': {
      const out: Record<string, unknown> = {};
      for (const { key, value: v } of value.entries.values()) {
        if (typeof key !== 'string') {
          throw new PyException('bson.errors.InvalidDocument', `documents must have only string keys, key was ${repr(key)}`);
        }
        out[key] = toBson(v, ctx, depth + 1);
      }
      return out;
    }
    case 'bytes':
      return new Binary(value.data, 0);
    case 'set':
      break;
    case 'object':
      if (value instanceof PyObjectId) return ObjectId.createFromHexString(value.hex);
      if (value instanceof PyDatetime) return new Date(value.epochMillis);
      if (value instanceof PyTimestamp) return new Timestamp({ t: value.time, i: value.inc });
      if (value instanceof PyDecimal128) return Decimal128.fromString(value.text);
      break;
  }
  const shown = value.kind === 'object' ? value.repr() : repr(value);
  const qual = value.kind === 'object' ? value.qualifiedTypeName : typeName(value);
  throw new PyException('bson.errors.InvalidDocument', `cannot encode object: ${shown}, of type: <class '${qual}'>`);
}

/** A document for an insert: `_id` first, as PyMongo's encoder puts it. */
export function documentToBson(doc: PyValue, ctx: Pick<PyContext, 'addressOf'>): Record<string, unknown> {
  const out = toBson(doc, ctx) as Record<string, unknown>;
  if (!('_id' in out)) return out;
  const { _id, ...rest } = out;
  return { _id, ...rest };
}
