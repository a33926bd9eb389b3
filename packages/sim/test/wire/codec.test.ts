import { Long, serialize } from 'bson';
import { describe, expect, it } from 'vitest';
import { ServerError } from '../../src/base/errors';
import {
  MalformedMessageError,
  MessageFramer,
  decodeMessage,
  encodeOpMsg,
  encodeOpQuery,
  encodeOpReply,
  encodeRaw,
  opMsgCommand,
  opQueryCommand,
  readHeader,
} from '../../src/wire/codec';
import { OpCode, OpMsgFlags, OpQueryFlags } from '../../src/wire/constants';
import { crc32c } from '../../src/base/crc32c';

describe('crc32c', () => {
  it('matches the standard check value', () => {
    expect(crc32c(Buffer.from('123456789'))).toBe(0xe3069283);
    expect(crc32c(new Uint8Array(0))).toBe(0);
  });
});

describe('OP_MSG', () => {
  it('round-trips a body with document sequences merged into the command', () => {
    const bytes = encodeOpMsg({
      requestId: 7,
      flags: OpMsgFlags.exhaustAllowed,
      body: { insert: 'c', ordered: true, $db: 'test' },
      sequences: [{ identifier: 'documents', documents: [{ _id: 1 }, { _id: 2, n: Long.fromNumber(5) }] }],
    });
    const header = readHeader(bytes);
    expect(header).toEqual({ messageLength: bytes.length, requestId: 7, responseTo: 0, opCode: OpCode.OP_MSG });
    const message = decodeMessage(bytes);
    expect(message.type).toBe('OP_MSG');
    if (message.type !== 'OP_MSG') return;
    expect(message.flags).toBe(OpMsgFlags.exhaustAllowed);
    const command = opMsgCommand(message);
    expect(command.db).toBe('test');
    expect(command.body.insert).toBe('c');
    expect(command.body.documents).toEqual([{ _id: 1 }, { _id: 2, n: 5 }]);
  });

  it('verifies a checksum when one is present', () => {
    const bytes = encodeOpMsg({ requestId: 1, body: { ping: 1, $db: 'admin' }, checksum: true });
    const message = decodeMessage(bytes);
    expect(message.type === 'OP_MSG' && message.checksum).toBe(crc32c(bytes, 0, bytes.length - 4));
    const corrupt = Uint8Array.from(bytes);
    corrupt[corrupt.length - 1] = (corrupt[corrupt.length - 1] as number) ^ 0xff;
    expect(() => decodeMessage(corrupt)).toThrow(/checksum mismatch/);
  });

  it('rejects what mongod rejects: no $db, two bodies, a field in both body and sequence', () => {
    const noDb = decodeMessage(encodeOpMsg({ requestId: 1, body: { ping: 1 } }));
    expect(() => noDb.type === 'OP_MSG' && opMsgCommand(noDb)).toThrow(ServerError);
    try {
      if (noDb.type === 'OP_MSG') opMsgCommand(noDb);
    } catch (error) {
      expect((error as ServerError).code).toBe(40571);
    }
    const both = decodeMessage(
      encodeOpMsg({ requestId: 1, body: { insert: 'c', documents: [], $db: 't' }, sequences: [{ identifier: 'documents', documents: [{}] }] }),
    );
    expect(() => both.type === 'OP_MSG' && opMsgCommand(both)).toThrow(/Duplicate field/);
    // Two kind-0 sections: append a second body by hand.
    const one = encodeOpMsg({ requestId: 1, body: { ping: 1, $db: 'a' } });
    const second = serialize({ ping: 1 });
    const two = new Uint8Array(one.length + 1 + second.length);
    two.set(one);
    two[one.length] = 0;
    two.set(second, one.length + 1);
    new DataView(two.buffer).setInt32(0, two.length, true);
    const twoBodies = decodeMessage(two);
    expect(() => twoBodies.type === 'OP_MSG' && opMsgCommand(twoBodies)).toThrow(/Multiple body sections/);
  });

  it('treats unreadable messages as malformed', () => {
    const good = encodeOpMsg({ requestId: 1, body: { ping: 1, $db: 'admin' } });
    const unknownKind = Uint8Array.from(good);
    unknownKind[20] = 9;
    expect(() => decodeMessage(unknownKind)).toThrow(MalformedMessageError);
    const lyingBson = Uint8Array.from(good);
    new DataView(lyingBson.buffer).setInt32(21, 5000, true);
    expect(() => decodeMessage(lyingBson)).toThrow(MalformedMessageError);
    const brokenBson = Uint8Array.from(good);
    brokenBson[25] = 0x7f; // an element type that does not exist
    expect(() => decodeMessage(brokenBson)).toThrow(MalformedMessageError);
    const unknownRequiredFlag = Uint8Array.from(good);
    unknownRequiredFlag[16] = 0x04;
    expect(() => decodeMessage(unknownRequiredFlag)).toThrow(/unknown required flag/);
    expect(() => decodeMessage(good.subarray(0, 10))).toThrow(MalformedMessageError);
    expect(() => decodeMessage(encodeRaw(OpCode.OP_MSG, 1, 0, new Uint8Array(4)))).toThrow(/no sections/);
  });

  it('ignores unknown optional flag bits (17-31)', () => {
    const bytes = encodeOpMsg({ requestId: 1, body: { ping: 1, $db: 'admin' }, flags: 1 << 20 });
    expect(decodeMessage(bytes).type).toBe('OP_MSG');
  });
});

describe('OP_QUERY and OP_REPLY', () => {
  it('unwraps $query for a legacy handshake on admin.$cmd', () => {
    const bytes = encodeOpQuery({
      requestId: 3,
      fullCollectionName: 'admin.$cmd',
      query: { $query: { ismaster: 1, helloOk: true }, $readPreference: { mode: 'primaryPreferred' } },
      numberToReturn: -1,
    });
    const message = decodeMessage(bytes);
    expect(message.type).toBe('OP_QUERY');
    if (message.type !== 'OP_QUERY') return;
    expect(message.numberToReturn).toBe(-1);
    const command = opQueryCommand(message);
    expect(command).toEqual({ db: 'admin', body: { ismaster: 1, helloOk: true, $readPreference: { mode: 'primaryPreferred' }, $db: 'admin' } });
    expect(Object.keys(command?.body ?? {})[0]).toBe('ismaster');
  });

  it('reads the secondaryOk flag (PyMongo 3 slave_okay) as $readPreference secondaryPreferred, unless one is given', () => {
    const flagged = decodeMessage(encodeOpQuery({ requestId: 4, flags: OpQueryFlags.secondaryOk, fullCollectionName: 'admin.$cmd', query: { ismaster: 1 } }));
    expect(flagged.type === 'OP_QUERY' && opQueryCommand(flagged)).toEqual({ db: 'admin', body: { ismaster: 1, $readPreference: { mode: 'secondaryPreferred' }, $db: 'admin' } });
    const explicit = decodeMessage(
      encodeOpQuery({ requestId: 5, flags: OpQueryFlags.secondaryOk, fullCollectionName: 'admin.$cmd', query: { $query: { ismaster: 1 }, $readPreference: { mode: 'nearest' } } }),
    );
    expect(explicit.type === 'OP_QUERY' && opQueryCommand(explicit)).toEqual({ db: 'admin', body: { ismaster: 1, $readPreference: { mode: 'nearest' }, $db: 'admin' } });
    const plain = decodeMessage(encodeOpQuery({ requestId: 6, fullCollectionName: 'admin.$cmd', query: { ismaster: 1 } }));
    expect(plain.type === 'OP_QUERY' && opQueryCommand(plain)).toEqual({ db: 'admin', body: { ismaster: 1, $db: 'admin' } });
  });

  it('knows a command namespace from a collection', () => {
    const message = decodeMessage(encodeOpQuery({ requestId: 1, fullCollectionName: 'test.things', query: {} }));
    expect(message.type === 'OP_QUERY' && opQueryCommand(message)).toBeUndefined();
  });

  it('round-trips OP_REPLY', () => {
    const bytes = encodeOpReply({ requestId: 9, responseTo: 3, documents: [{ ok: 1, ismaster: true }] });
    const message = decodeMessage(bytes);
    expect(message).toMatchObject({ type: 'OP_REPLY', responseFlags: 0, cursorId: 0n, startingFrom: 0, numberReturned: 1, documents: [{ ok: 1, ismaster: true }] });
    expect(message.header.responseTo).toBe(3);
  });

  it('refuses an OP_REPLY whose numberReturned lies', () => {
    const bytes = encodeOpReply({ requestId: 9, responseTo: 3, documents: [{ ok: 1 }] });
    new DataView(bytes.buffer).setInt32(32, 1_000_000, true);
    expect(() => decodeMessage(bytes)).toThrow(MalformedMessageError);
  });
});

describe('MessageFramer', () => {
  const messages = [1, 2, 3].map((i) => encodeOpMsg({ requestId: i, body: { ping: 1, i, pad: 'x'.repeat(i * 50), $db: 'admin' } }));
  const stream = Buffer.concat(messages);

  it('finds messages split byte by byte', () => {
    const framer = new MessageFramer();
    const out: Uint8Array[] = [];
    for (let i = 0; i < stream.length; i++) out.push(...framer.push(stream.subarray(i, i + 1)));
    expect(out.map((m) => readHeader(m).requestId)).toEqual([1, 2, 3]);
    expect(out.map((m) => Buffer.from(m))).toEqual(messages.map((m) => Buffer.from(m)));
    expect(framer.bufferedBytes).toBe(0);
  });

  it('finds many messages in one chunk, and a partial one after them', () => {
    const framer = new MessageFramer();
    const out = framer.push(Buffer.concat([stream, (messages[0] as Uint8Array).subarray(0, 7)]));
    expect(out).toHaveLength(3);
    expect(framer.bufferedBytes).toBe(7);
    expect(framer.push((messages[0] as Uint8Array).subarray(7))).toHaveLength(1);
  });

  it('rejects lengths under 16 or over the maximum as soon as the length is seen', () => {
    const tooBig = new Uint8Array(4);
    new DataView(tooBig.buffer).setInt32(0, 48_000_001, true);
    expect(() => new MessageFramer().push(tooBig)).toThrow(/over the maximum message size 48000000/);
    const tooSmall = new Uint8Array(4);
    new DataView(tooSmall.buffer).setInt32(0, 15, true);
    expect(() => new MessageFramer().push(tooSmall)).toThrow(/less than the 16-byte header/);
    const negative = new Uint8Array([0xff, 0xff, 0xff, 0xff]);
    expect(() => new MessageFramer().push(negative)).toThrow(MalformedMessageError);
    const small = new MessageFramer({ messageSizeBytesMax: 100 });
    expect(() => small.push(stream)).toThrow(/over the maximum/);
  });
});
