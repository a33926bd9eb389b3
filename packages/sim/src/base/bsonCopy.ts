import { Binary, calculateObjectSize, deserialize, Long, ObjectId, serialize, Timestamp, UUID } from 'bson';
import type { Document } from 'bson';

/** Thrown inside the fast walk when a value needs the real codec to say what it becomes. */
class NeedsCodec extends Error {}

const NEEDS_CODEC = new NeedsCodec();
/** Deeper than this the walk gives up (the codec then reports a cycle or copes). */
const DEPTH_MAX = 100;
/** Any surrogate half: a lone one would come back as U+FFFD, so such strings go to the codec. */
const SURROGATE = /[\uD800-\uDFFF]/;
/** The high 32 bits (signed) of 2^53: the codec reads an int64 from -2^53 to 2^53 inclusive as a number. */
const NUMBER_HIGH = 0x200000;
const TWO_POW_32 = 0x1_0000_0000;

/**
 * What `deserialize(serialize(doc))` returns, without the bytes: a deep copy that applies the
 * codec's conversions (undefined drops out of a document and becomes null in an array, a Long
 * from -2^53 to 2^53 becomes a number, a Timestamp comes back unsigned). Only the shapes the codec passes through plainly are
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

/**
 * What the transport does with a command: its size on the wire (`calculateObjectSize`, the same
 * number as serialize's length) checked against `sizeBytesMax`, then `bsonRoundTrip`. Returns the
 * copy, or the size when it is over the limit. The copying walk also adds up a bound on the size
 * (at least the real one: 3 bytes per UTF-16 unit of a string or key, 8 per number, and so on), so
 * the exact size is only computed when that bound is over the limit, or when the walk leaves the
 * document to the codec; the answer is always the one the exact size gives.
 */
export function bsonRoundTripWithin(doc: Document, sizeBytesMax: number): Document | number {
  if (doc !== null && typeof doc === 'object' && !Array.isArray(doc) && isPlain(doc)) {
    boundBytes = 0;
    let copy: Document | undefined;
    try {
      copy = copyObject(doc, 0);
    } catch (error) {
      if (error !== NEEDS_CODEC) throw error;
    }
    if (copy !== undefined) {
      if (boundBytes <= sizeBytesMax) return copy;
      const sizeBytes = calculateObjectSize(doc);
      return sizeBytes > sizeBytesMax ? sizeBytes : copy;
    }
  }
  const sizeBytes = calculateObjectSize(doc);
  if (sizeBytes > sizeBytesMax) return sizeBytes;
  return deserialize(serialize(doc));
}

/**
 * An upper bound on the BSON size of what the current walk has copied so far (see
 * bsonRoundTripWithin): every element's type byte, key (at most 3 bytes per UTF-16 unit) and NUL,
 * and its value's largest encoding.
 */
let boundBytes = 0;
/** Type byte and key terminator of one element. */
const ELEMENT_HEADER_BYTES = 2;
/** UTF-8 bytes per UTF-16 code unit, at most (a surrogate pair is 4 bytes for 2 units). */
const UTF8_BYTES_PER_UNIT_MAX = 3;
/** A document's length prefix and terminator; a string's length prefix and NUL. */
const FRAME_BYTES = 5;
/** Numbers, Long, Timestamp and Date take at most 8 bytes; an ObjectId 12. */
const SCALAR_BYTES_MAX = 8;
const OBJECT_ID_BYTES = 12;
/** Binary: length prefix and subtype (and the old subtype 2's inner length). */
const BINARY_FRAME_BYTES = 9;

function copyObject(source: Document, depth: number): Document {
  if (depth > DEPTH_MAX || typeof source.toBSON === 'function' || '$ref' in source || '_bsontype' in source) throw NEEDS_CODEC;
  const out: Document = {};
  boundBytes += FRAME_BYTES;
  for (const key of Object.keys(source)) {
    if (key === '__proto__' || key.includes('\u0000')) throw NEEDS_CODEC;
    boundBytes += ELEMENT_HEADER_BYTES + UTF8_BYTES_PER_UNIT_MAX * key.length;
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
      boundBytes += FRAME_BYTES + UTF8_BYTES_PER_UNIT_MAX * value.length;
      return value;
    case 'number':
    case 'boolean':
      boundBytes += SCALAR_BYTES_MAX;
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
    boundBytes += FRAME_BYTES + value.length * (ELEMENT_HEADER_BYTES + UTF8_BYTES_PER_UNIT_MAX * String(value.length).length);
    for (let i = 0; i < value.length; i++) out[i] = copyValue(value[i], depth + 1, true);
    return out;
  }
  if (isPlain(value)) return copyObject(value as Document, depth + 1);
  boundBytes += SCALAR_BYTES_MAX;
  // Timestamp's constructor takes the bits of a Long (it is one) unsigned, as the codec reads them.
  if (value instanceof Timestamp) return new Timestamp(value);
  if (value instanceof Long) return int64Value(value.low | 0, value.high | 0);
  if (value instanceof Binary) {
    // The codec writes `position` bytes and reads them back as a Binary of the same subtype, or as
    // a UUID when the subtype is 4 and the length is 16; subtypes 2 and 9 have extra framing.
    const subtype = value.sub_type;
    if (subtype === Binary.SUBTYPE_BYTE_ARRAY || subtype === Binary.SUBTYPE_VECTOR) throw NEEDS_CODEC;
    boundBytes += BINARY_FRAME_BYTES + value.position;
    const copy = new Binary(Uint8Array.prototype.slice.call(value.buffer, 0, value.position), subtype);
    return subtype === Binary.SUBTYPE_UUID && UUID.isValid(copy) ? copy.toUUID() : copy;
  }
  if (value instanceof ObjectId) {
    boundBytes += OBJECT_ID_BYTES;
    return new ObjectId(value); // copies its four words
  }
  if (value instanceof Date) {
    const ms = value.getTime();
    if (!Number.isSafeInteger(ms)) throw NEEDS_CODEC;
    return new Date(ms);
  }
  throw NEEDS_CODEC;
}

/**
 * An int64 read back with the codec's defaults (promoteLongs): a number from -2^53 to 2^53
 * inclusive, else a signed Long (whatever the source's `unsigned`: the wire has no such flag).
 */
function int64Value(low: number, high: number): number | Long {
  const asNumber = high >= -NUMBER_HIGH && (high < NUMBER_HIGH || (high === NUMBER_HIGH && low === 0));
  return asNumber ? high * TWO_POW_32 + (low >>> 0) : new Long(low, high);
}
