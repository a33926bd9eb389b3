import { Binary, calculateObjectSize, Decimal128, deserialize, Int32, Long, MaxKey, ObjectId, serialize, Timestamp, UUID } from 'bson';
import type { Document } from 'bson';
import { describe, expect, it } from 'vitest';
import { bsonRoundTrip, bsonRoundTripWithin } from '../../src/base/bsonCopy';

// bsonRoundTrip stands in for deserialize(serialize(doc)) in DirectPeerTransport (what a peer
// would decode from the wire); each case compares it with the codec itself.
function viaCodec(doc: Document): Document {
  return deserialize(serialize(doc));
}

const cases: Record<string, () => Document> = {
  scalars: () => ({ s: 'héllo', n: 1, d: 1.5, neg0: -0, nan: Number.NaN, big: 2 ** 40, t: true, f: false, nil: null }),
  undefinedDroppedOrNull: () => ({ u: undefined, a: [1, undefined, 3] }),
  nested: () => ({ a: { b: { c: [{ d: 1 }, [2, [3]]] } }, '1': 'numeric key', '': 'empty key' }),
  sparseArray: () => ({ a: [1, , 3] }), // eslint-disable-line no-sparse-arrays
  longs: () => ({ small: Long.fromNumber(42), unsigned: Long.fromNumber(7, true), huge: Long.fromString('9223372036854775807'), neg: Long.fromNumber(-5) }),
  // The codec's int64 rule: a number from -2^53 to 2^53 inclusive (bson's JS_INT_MIN/MAX), else a Long.
  longEdges: () => ({ max: Long.fromString('9007199254740992'), min: Long.fromString('-9007199254740992'), over: Long.fromString('9007199254740993'), under: Long.fromString('-9007199254740993'), safe: Long.fromString('-9007199254740991') }),
  timestamps: () => ({ ts: new Timestamp({ t: 0xffffffff, i: 0x80000001 }), zero: new Timestamp({ t: 0, i: 0 }) }),
  objectIdAndDate: () => ({ _id: ObjectId.createFromHexString('65a1b2c3d4e5f60718293a4b'), at: new Date(1_700_000_000_123) }),
  binaries: () => ({
    uuid: new UUID('0123456789abcdef0123456789abcdef'),
    uuidSubtypeShort: new Binary(new Uint8Array([1, 2, 3]), Binary.SUBTYPE_UUID),
    generic: new Binary(new Uint8Array([9, 8, 7, 6])),
    md5: new Binary(new Uint8Array(16).fill(5), Binary.SUBTYPE_MD5),
  }),
  functionsAndSymbolsDropped: () => ({ keep: 1, fn: () => 1, sym: Symbol('x') }),
  // The rest go through the codec (fallback): the answer must still be the codec's.
  wrappers: () => ({ i: new Int32(5), dec: Decimal128.fromString('1.5'), max: new MaxKey() }),
  dbRefLike: () => ({ r: { $ref: 'c', $id: 1 } }),
  loneSurrogate: () => ({ s: 'a\uD800b' }),
  buffer: () => ({ b: Buffer.from([1, 2, 3]) }),
  map: () => ({ m: new Map([['k', 1]]) }),
  deep: () => {
    let d: Document = { leaf: 1 };
    for (let i = 0; i < 150; i++) d = { d };
    return d;
  },
};

describe('bsonRoundTrip gives what deserialize(serialize(doc)) gives', () => {
  for (const [name, make] of Object.entries(cases)) {
    it(name, () => {
      const copy = bsonRoundTrip(make());
      const expected = viaCodec(make());
      expect(copy).toStrictEqual(expected);
      // Same bytes again, and a real copy: nothing shared with the source.
      expect(Buffer.from(serialize(copy)).equals(Buffer.from(serialize(expected)))).toBe(true);
    });
  }

  it('shares nothing mutable with the source', () => {
    const source = { a: { b: [1] }, bin: new Binary(new Uint8Array([1, 2])) };
    const copy = bsonRoundTrip(source);
    source.a.b.push(2);
    source.bin.buffer[0] = 99;
    expect(copy).toStrictEqual({ a: { b: [1] }, bin: new Binary(new Uint8Array([1, 2])) });
  });

  it('throws the codec error for a cycle', () => {
    const cyclic: Document = { a: 1 };
    cyclic.self = cyclic;
    expect(() => bsonRoundTrip(cyclic)).toThrow(/circular/);
  });

  it('calculateObjectSize is serialize length (the transport size check)', () => {
    for (const make of Object.values(cases)) {
      if (make === cases.deep) continue;
      const doc = make();
      expect(calculateObjectSize(doc)).toBe(serialize(doc).byteLength);
    }
  });
});

// DirectPeerTransport refuses a command over maxMessageSizeBytes (the size serialize would give),
// else delivers bsonRoundTrip's copy: bsonRoundTripWithin does both with one walk.
describe('bsonRoundTripWithin', () => {
  const sized: Record<string, () => Document> = {
    ...cases,
    // Multi-byte UTF-8 in keys and values, a long array (index keys of several digits).
    multiByte: () => ({ s: '€'.repeat(1000), ['é'.repeat(50)]: 1 }),
    wide: () => ({ 'ключ': 'значение €', emoji: '😀😀', list: Array.from({ length: 1500 }, (_, i) => (i % 2 === 0 ? i : `s${i}`)) }),
  };
  for (const [name, make] of Object.entries(sized)) {
    if (make === cases.deep) continue;
    it(`${name}: the copy at the limit, the size one byte over it`, () => {
      const sizeBytes = calculateObjectSize(make());
      expect(bsonRoundTripWithin(make(), sizeBytes)).toStrictEqual(viaCodec(make()));
      expect(bsonRoundTripWithin(make(), sizeBytes - 1)).toBe(sizeBytes);
      expect(bsonRoundTripWithin(make(), Number.MAX_SAFE_INTEGER)).toStrictEqual(viaCodec(make()));
    });
  }

  it('throws the codec error for a cycle', () => {
    const cyclic: Document = { a: 1 };
    cyclic.self = cyclic;
    expect(() => bsonRoundTripWithin(cyclic, 1000)).toThrow(/circular/);
  });
});

