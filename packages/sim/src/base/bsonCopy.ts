import { Binary, deserialize, Long, ObjectId, serialize, Timestamp, UUID } from 'bson';
import type { Document } from 'bson';

/** Thrown inside the fast walk when a value needs the real codec to say what it becomes. */
class NeedsCodec extends Error {}

const NEEDS_CODEC = new NeedsCodec();
/** Deeper than this the walk gives up (the codec then reports a cycle or copes). */
const DEPTH_MAX = 100;
/** Any surrogate half: a lone one would come back as U+FFFD, so such strings go to the codec. */
const SURROGATE = /[\uD800-\uDFFF]/;
const SAFE_MAX = Long.fromNumber(Number.MAX_SAFE_INTEGER);
const SAFE_MIN = Long.fromNumber(Number.MIN_SAFE_INTEGER);

/**
 * What `deserialize(serialize(doc))` returns, without the bytes: a deep copy that applies the
 * codec's conversions (undefined drops out of a document and becomes null in an array, a Long
 * inside the safe-integer range becomes a number, a Timestamp comes back unsigned). Only the shapes the codec passes through plainly are
 * walked here: plain objects and arrays, strings, numbers, booleans, null, valid Dates, Long,
 * Timestamp, ObjectId and Binary (UUID). Anything else (a class instance, a Map, a Buffer, a
 * DBRef-like `$ref`, a `_bsontype` or `__proto__` key, a key with a NUL, a string with a surrogate,
 * a cycle) sends the whole document through the real codec, so the answer, and any error thrown,
 * is the codec's.
 */
export function bsonRoundTrip(doc: Document): Document {
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc) || !isPlain(doc)) return deserialize(serialize(doc));
  try {
    return copyObject(doc, 0);
  } catch (error) {
    if (error !== NEEDS_CODEC) throw error;
    return deserialize(serialize(doc));
  }
}

function isPlain(value: object): boolean {
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function copyObject(source: Document, depth: number): Document {
  if (depth > DEPTH_MAX || typeof source.toBSON === 'function' || '$ref' in source || '_bsontype' in source) throw NEEDS_CODEC;
  const out: Document = {};
  for (const key of Object.keys(source)) {
    if (key === '__proto__' || key.includes('\u0000')) throw NEEDS_CODEC;
    const value = copyValue(source[key], depth, false);
    if (value !== SKIP) out[key] = value;
  }
  return out;
}

const SKIP = Symbol('skip');

function copyValue(value: unknown, depth: number, inArray: boolean): unknown {
  switch (typeof value) {
    case 'string':
      if (SURROGATE.test(value)) throw NEEDS_CODEC;
      return value;
    case 'number':
    case 'boolean':
      return value;
    case 'undefined':
      // serialize's default ignoreUndefined: left out of a document, null in an array.
      return inArray ? null : SKIP;
    case 'object':
      break;
    case 'function':
    case 'symbol':
      // The codec leaves these out of a document; in an array it would write nothing either.
      if (inArray) throw NEEDS_CODEC;
      return SKIP;
    default:
      throw NEEDS_CODEC;
  }
  if (value === null) return null;
  if (Array.isArray(value)) {
    if (depth + 1 > DEPTH_MAX || Object.getPrototypeOf(value) !== Array.prototype) throw NEEDS_CODEC;
    const out = new Array<unknown>(value.length);
    for (let i = 0; i < value.length; i++) out[i] = copyValue(value[i], depth + 1, true);
    return out;
  }
  if (isPlain(value)) return copyObject(value as Document, depth + 1);
  if (value instanceof Timestamp) return new Timestamp({ i: value.low >>> 0, t: value.high >>> 0 });
  if (value instanceof Long) {
    const signed = new Long(value.low, value.high);
    return signed.lessThanOrEqual(SAFE_MAX) && signed.greaterThanOrEqual(SAFE_MIN) ? signed.toNumber() : signed;
  }
  if (value instanceof Binary) {
    // The codec writes `position` bytes and reads them back as a Binary of the same subtype, or as
    // a UUID when the subtype is 4 and the length is 16; subtypes 2 and 9 have extra framing.
    const subtype = value.sub_type;
    if (subtype === Binary.SUBTYPE_BYTE_ARRAY || subtype === Binary.SUBTYPE_VECTOR) throw NEEDS_CODEC;
    const copy = new Binary(Uint8Array.prototype.slice.call(value.buffer, 0, value.position), subtype);
    return subtype === Binary.SUBTYPE_UUID && UUID.isValid(copy) ? copy.toUUID() : copy;
  }
  if (value instanceof ObjectId) return new ObjectId(value.toHexString());
  if (value instanceof Date) {
    const ms = value.getTime();
    if (!Number.isSafeInteger(ms)) throw NEEDS_CODEC;
    return new Date(ms);
  }
  throw NEEDS_CODEC;
}
