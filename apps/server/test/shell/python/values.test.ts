import { describe, expect, it } from 'vitest';
import { Binary, Decimal128, Double, Int32, Long, ObjectId, Timestamp } from 'bson';
import { PyDatetime, fromBson, toBson } from '../../../src/shell/python/bsonTypes';
import { pformat } from '../../../src/shell/python/stdlib';
import { PyException, bytes, dict, floatRepr, list, repr, set, strRepr, tuple } from '../../../src/shell/python/values';

const ctx = { addressOf: () => '0x7f0000000000' };

describe('Python reprs', () => {
  it('prints floats with the shortest round-trip digits and Python exponent rules', () => {
    const cases: Array<[number, string]> = [
      [1, '1.0'], [0.5, '0.5'], [100, '100.0'], [1e15, '1000000000000000.0'], [1e16, '1e+16'], [1.5e16, '1.5e+16'],
      [123456789012345680, '1.2345678901234568e+17'], [0.0001, '0.0001'], [0.00001, '1e-05'], [1.25e-7, '1.25e-07'],
      [-0, '-0.0'], [NaN, 'nan'], [Infinity, 'inf'], [-Infinity, '-inf'], [1e300 * 10, '1e+301'], [5e-324, '5e-324'],
    ];
    for (const [x, shown] of cases) expect(floatRepr(x), String(x)).toBe(shown);
  });

  it('quotes strings as Python does', () => {
    expect(strRepr('abc')).toBe("'abc'");
    expect(strRepr("it's")).toBe('"it\'s"');
    expect(strRepr('both \' and "')).toBe('\'both \\\' and "\'');
    expect(strRepr('tab\tnl\n\\')).toBe("'tab\\tnl\\n\\\\'");
    expect(strRepr('\x00\x7f\u0085é€😀')).toBe("'\\x00\\x7f\\x85é€😀'");
    expect(strRepr('\ud800')).toBe("'\\ud800'");
  });

  it('prints containers, sets and bytes', () => {
    expect(repr(dict([['a', 1n], ['b', list([tuple([]), tuple([1n])])]]))).toBe("{'a': 1, 'b': [(), (1,)]}");
    expect(repr(set([]))).toBe('set()');
    expect(repr(set([], true))).toBe('frozenset()');
    expect(repr(bytes(new Uint8Array([0x61, 0x27, 0x00, 0xff])))).toBe('b"a\'\\x00\\xff"');
    expect(() => repr(10n ** 5000n)).toThrow(PyException);
  });

  it('pretty-prints like pprint', () => {
    const reply = dict([
      ['ok', 1],
      ['info2', 'no configuration specified. Using a default configuration for the set'],
      ['me', 'morton.local:27017'],
    ]);
    expect(pformat(reply)).toBe(
      "{'info2': 'no configuration specified. Using a default configuration for the set',\n 'me': 'morton.local:27017',\n 'ok': 1.0}",
    );
    expect(pformat(dict([['b', 1n], ['a', 2n]]))).toBe("{'a': 2, 'b': 1}");
  });
});

describe('BSON in Python', () => {
  it('decodes driver values as PyMongo 4 shows them', () => {
    const doc = fromBson({
      _id: ObjectId.createFromHexString('5f0000000000000000000001'),
      i: 5,
      d: new Double(1),
      f: 2.5,
      l: Long.fromNumber(5),
      i32: new Int32(7),
      ts: new Timestamp({ t: 1700000000, i: 1 }),
      at: new Date(Date.UTC(2026, 10, 25, 13, 0, 0, 123)),
      at0: new Date(Date.UTC(2026, 10, 25, 13, 0, 0, 0)),
      dec: Decimal128.fromString('1.5'),
      bin: new Binary(new Uint8Array([1, 2]), 0),
      nested: { list: [1, 'x', null, true] },
    });
    expect(repr(doc)).toBe(
      "{'_id': ObjectId('5f0000000000000000000001'), 'i': 5, 'd': 1.0, 'f': 2.5, 'l': 5, 'i32': 7, 'ts': Timestamp(1700000000, 1), " +
        "'at': datetime.datetime(2026, 11, 25, 13, 0, 0, 123000), 'at0': datetime.datetime(2026, 11, 25, 13, 0), " +
        "'dec': Decimal128('1.5'), 'bin': b'\\x01\\x02', 'nested': {'list': [1, 'x', None, True]}}",
    );
  });

  it('encodes Python values for the driver, _id first, and refuses what BSON cannot hold', () => {
    const encoded = toBson(dict([['x', 1n], ['y', 1.5], ['big', 2n ** 40n], ['when', new PyDatetime(0)]]), ctx) as Record<string, unknown>;
    expect(encoded.x).toBe(1);
    expect(encoded.y).toBeInstanceOf(Double);
    expect(encoded.big).toBeInstanceOf(Long);
    expect(encoded.when).toEqual(new Date(0));
    expect(() => toBson(dict([[1n, 'x']]), ctx)).toThrow('documents must have only string keys, key was 1');
    expect(() => toBson(dict([['s', set([1n])]]), ctx)).toThrow("cannot encode object: {1}, of type: <class 'set'>");
    expect(() => toBson(2n ** 70n, ctx)).toThrow('MongoDB can only handle up to 8-byte ints');
  });
});
