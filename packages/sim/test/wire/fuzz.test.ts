import * as net from 'node:net';
import { Long } from 'bson';
import type { Document } from 'bson';
import { describe, expect, it } from 'vitest';
import { commandNotFound } from '../../src/base/errors';
import type { CommandHandler, CommandRequest } from '../../src/commands/handler';
import { RealClock } from '../../src/clock/realClock';
import { MemoryLogger } from '../../src/log/log';
import { Member } from '../../src/member/member';
import type { PeerTransport } from '../../src/member/transport';
import { NetworkError } from '../../src/net/network';
import { Random } from '../../src/random/random';
import { TcpNetwork } from '../../src/net/tcp';
import { MalformedMessageError, MessageFramer, decodeMessage, encodeOpMsg, encodeOpQuery, encodeRaw } from '../../src/wire/codec';
import type { WireMessage } from '../../src/wire/codec';
import { OpCode, OpMsgFlags } from '../../src/wire/constants';
import { serveWire } from '../../src/wire/server';

/**
 * Bad input against a running server on loopback TCP: random and mutated messages (cut headers,
 * lying lengths, lengths over 48 MB, broken BSON, unknown opcodes and commands, huge batch sizes).
 * The server must stay up and keep answering ping; every bad connection must get a reply or be
 * closed (or, when the bytes sent end inside a message, be left waiting for the rest).
 * FUZZ_SEED=n reruns one seed; FUZZ_CASES=n changes the count.
 */

const CASES = Number(process.env.FUZZ_CASES ?? 10_000);
const SEED = Number(process.env.FUZZ_SEED ?? (Date.now() % 2 ** 31));
const CONCURRENCY = Number(process.env.FUZZ_CONCURRENCY ?? 32);
const WAIT_MILLIS = 5000;
const MID_MESSAGE_WAIT_MILLIS = 100;

class PingHandler implements CommandHandler {
  async run(request: CommandRequest): Promise<Document> {
    const name = Object.keys(request.body)[0] ?? '';
    if (name === 'ping') return { ok: 1 };
    return commandNotFound(name).toReply();
  }
}

let requestId = 1;
const ping = (): Uint8Array => encodeOpMsg({ requestId: requestId++, body: { ping: 1, $db: 'admin' } });

function nested(depth: number): Uint8Array {
  // {a: {a: {... {} ...}}}: the document at level L starts at 7·L and is 5 + 8·(depth − L) bytes
  // long (int32 length, 0x03 'a' NUL, the inner document, NUL); the NULs at the end come free.
  const out = new Uint8Array(5 + 8 * depth);
  const view = new DataView(out.buffer);
  for (let level = 0; level <= depth; level++) {
    view.setInt32(7 * level, 5 + 8 * (depth - level), true);
    if (level < depth) out.set([0x03, 0x61, 0x00], 7 * level + 4);
  }
  return out;
}

function withLength(bytes: Uint8Array, length: number): Uint8Array {
  const copy = Uint8Array.from(bytes);
  new DataView(copy.buffer).setInt32(0, length | 0, true);
  return copy;
}

function mutate(random: Random, bytes: Uint8Array, flips: number): Uint8Array {
  const copy = Uint8Array.from(bytes);
  for (let i = 0; i < flips; i++) copy[random.int(0, copy.length - 1)] = random.int(0, 255);
  return copy;
}

function randomBytes(random: Random, length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = random.int(0, 255);
  return out;
}

function validCommand(random: Random): Document {
  return random.pick<Document>([
    { ping: 1, $db: 'admin' },
    { find: 'c', filter: { x: random.int(0, 9) }, batchSize: random.pick([0, 1, 2 ** 31 - 1, -1]), $db: 'test' },
    { getMore: Long.fromString('9223372036854775807'), collection: 'c', batchSize: 2 ** 31 - 1, $db: 'test' },
    { aggregate: 'c', pipeline: [{ $match: {} }], cursor: { batchSize: 1e9 }, $db: 'test' },
    { [`no_such_${random.hex(3)}`]: 1, $db: 'test' },
    { hello: 1, topologyVersion: { processId: 'x', counter: -1 }, maxAwaitTimeMS: 1, $db: 'admin' },
    { $db: 'admin' },
    { insert: 'c', documents: Array.from({ length: random.int(0, 300) }, (_, i) => ({ _id: i })), $db: 'test' },
  ]);
}

function validMessage(random: Random): Uint8Array {
  const body = validCommand(random);
  const flags = random.pick([0, 0, 0, OpMsgFlags.exhaustAllowed, OpMsgFlags.moreToCome, 1 << 20]);
  const sequences = random.bool(0.2) ? [{ identifier: random.pick(['documents', 'updates', '$db', 'x']), documents: [{ a: 1 }, { b: 2 }] }] : [];
  return encodeOpMsg({ requestId: requestId++, flags, body, sequences, checksum: random.bool(0.1) });
}

type Kind = string;

function generate(random: Random): { kind: Kind; bytes: Uint8Array } {
  const kind = random.pick([
    'valid',
    'random',
    'cutHeader',
    'lyingLength',
    'overMax',
    'brokenBson',
    'unknownOpcode',
    'compressed',
    'legacyOp',
    'mutated',
    'badSection',
    'badChecksum',
    'opQuery',
    'concatenated',
    'deepNesting',
    'tinyLength',
  ]);
  const valid = validMessage(random);
  switch (kind) {
    case 'valid':
      return { kind, bytes: valid };
    case 'random':
      return { kind, bytes: randomBytes(random, random.int(1, 300)) };
    case 'cutHeader':
      return { kind, bytes: valid.subarray(0, random.int(1, 15)) };
    case 'lyingLength':
      return { kind, bytes: withLength(valid, valid.length + random.pick([-1, 1, -8, 64, random.int(-valid.length, 4096)])) };
    case 'overMax':
      return { kind, bytes: withLength(valid, random.int(48_000_001, 2 ** 31 - 1)) };
    case 'tinyLength':
      return { kind, bytes: withLength(valid, random.int(-(2 ** 31), 15)) };
    case 'brokenBson': {
      const bytes = Uint8Array.from(valid);
      // Body starts at 21 (header 16, flags 4, kind 1): break its length, an element type or the terminator.
      const where = random.pick(['length', 'type', 'end', 'string']);
      const view = new DataView(bytes.buffer);
      if (where === 'length') view.setInt32(21, random.pick([0, 4, -1, 2 ** 31 - 1, random.int(5, 100_000)]), true);
      else if (where === 'type') bytes[25] = random.pick([0x00, 0x06, 0x0c, 0x0e, 0x14, 0x7e, 0xee]);
      else if (where === 'end') bytes[bytes.length - 1] = random.int(1, 255);
      else bytes.set([0xff, 0xfe], 27);
      return { kind, bytes };
    }
    case 'unknownOpcode': {
      let opCode = random.int(-(2 ** 31), 2 ** 31 - 1);
      while (Object.values(OpCode).includes(opCode as never)) opCode++;
      return { kind, bytes: encodeRaw(opCode, requestId++, 0, randomBytes(random, random.int(0, 64))) };
    }
    case 'compressed':
      return { kind, bytes: encodeRaw(OpCode.OP_COMPRESSED, requestId++, 0, Buffer.concat([Buffer.from([0xdd, 0x07, 0, 0, 0, 1, 0, 0, 1]), randomBytes(random, 20)])) };
    case 'legacyOp':
      return {
        kind,
        bytes: encodeRaw(random.pick([OpCode.OP_INSERT, OpCode.OP_UPDATE, OpCode.OP_DELETE, OpCode.OP_GET_MORE, OpCode.OP_KILL_CURSORS, OpCode.OP_REPLY]), requestId++, 0, randomBytes(random, random.int(0, 64))),
      };
    case 'mutated':
      return { kind, bytes: mutate(random, valid, random.int(1, 6)) };
    case 'badSection': {
      const section = Buffer.concat([Buffer.from([random.pick([1, 2, 9, 255])]), randomBytes(random, random.int(0, 40))]);
      return { kind, bytes: withLength(Buffer.concat([valid, section]), valid.length + section.length) };
    }
    case 'badChecksum': {
      const bytes = encodeOpMsg({ requestId: requestId++, body: validCommand(random), checksum: true });
      const at = bytes.length - random.int(1, 4);
      bytes[at] = (bytes[at] as number) ^ 0x5a;
      return { kind, bytes };
    }
    case 'opQuery':
      return {
        kind,
        bytes: encodeOpQuery({
          requestId: requestId++,
          fullCollectionName: random.pick(['admin.$cmd', 'test.$cmd', 'test.c', '.$cmd', 'x', '']),
          query: random.pick<Document>([{ isMaster: 1 }, { $query: { hello: 1 } }, { find: 'c' }, { $query: 5 }, {}]),
          flags: random.int(0, 255),
          numberToReturn: random.pick([-1, 0, 1, 2 ** 31 - 1]),
        }),
      };
    case 'concatenated':
      return { kind, bytes: Buffer.concat([validMessage(random), mutate(random, validMessage(random), 2), validMessage(random)]) };
    case 'deepNesting': {
      const body = nested(random.int(1000, 50_000));
      const out = new Uint8Array(16 + 4 + 1 + body.length);
      out.set(encodeRaw(OpCode.OP_MSG, requestId++, 0, new Uint8Array(0)).subarray(0, 16));
      new DataView(out.buffer).setInt32(0, out.length, true);
      out[20] = 0;
      out.set(body, 21);
      return { kind, bytes: out };
    }
    default:
      throw new Error(`no generator for ${kind}`);
  }
}

interface Outcome {
  replies: WireMessage[];
  closed: boolean;
  badReply?: string;
}

function exchange(port: number, bytes: Uint8Array, waitMillis: number): Promise<Outcome> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    const framer = new MessageFramer();
    const outcome: Outcome = { replies: [], closed: false };
    let finished = false;
    const finish = (): void => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(outcome);
    };
    const timer = setTimeout(finish, waitMillis);
    socket.on('connect', () => {
      socket.write(bytes);
      // A ping after the bad bytes: answered if the bad bytes were a whole message the server could skip past.
      socket.write(ping());
    });
    socket.on('data', (chunk) => {
      try {
        for (const message of framer.push(chunk)) {
          const decoded = decodeMessage(message);
          outcome.replies.push(decoded);
          const doc = decoded.type === 'OP_MSG' ? decoded.bodies[0] : decoded.type === 'OP_REPLY' ? decoded.documents[0] : undefined;
          if (doc?.ok === 1 && decoded.type === 'OP_MSG' && Object.keys(doc).length === 1) finish();
        }
      } catch (error) {
        outcome.badReply = String(error);
        finish();
      }
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      outcome.closed = true;
      finish();
    });
  });
}

/** True when the bytes end inside a message (so a server may rightly wait for more). */
function endsMidMessage(bytes: Uint8Array): boolean {
  const framer = new MessageFramer();
  try {
    framer.push(bytes);
    framer.push(ping());
  } catch (error) {
    if (error instanceof MalformedMessageError) return false;
    throw error;
  }
  return framer.bufferedBytes > 0;
}

async function pingOk(port: number): Promise<boolean> {
  const outcome = await exchange(port, new Uint8Array(0), 5000);
  return outcome.replies.some((r) => r.type === 'OP_MSG' && r.bodies[0]?.ok === 1);
}

async function runFuzz(handler: CommandHandler, cases: number, seed: number): Promise<void> {
  const log = new MemoryLogger(false, 1000);
  const listener = await serveWire({ network: new TcpNetwork(), address: { host: '127.0.0.1', port: 0 }, handler, log });
  const port = listener.address.port;
  const random = new Random(seed);
  const failures: string[] = [];
  const counts = new Map<string, { replied: number; closed: number; waiting: number }>();
  let next = 0;
  try {
    const worker = async (): Promise<void> => {
      for (;;) {
        const index = next++;
        if (index >= cases) return;
        const { kind, bytes } = generate(random);
        // Bytes that end inside a message may rightly be left waiting: give those a short look only.
        const midMessage = endsMidMessage(bytes);
        const outcome = await exchange(port, bytes, midMessage ? MID_MESSAGE_WAIT_MILLIS : WAIT_MILLIS);
        const count = counts.get(kind) ?? { replied: 0, closed: 0, waiting: 0 };
        counts.set(kind, count);
        if (outcome.badReply !== undefined) failures.push(`case ${index} (${kind}): unreadable reply: ${outcome.badReply}`);
        if (outcome.replies.length > 0) count.replied++;
        else if (outcome.closed) count.closed++;
        else if (midMessage) count.waiting++;
        else failures.push(`case ${index} (${kind}): neither a reply nor a close for ${Buffer.from(bytes.subarray(0, 64)).toString('hex')}`);
        for (const reply of outcome.replies) {
          if (reply.type === 'OP_MSG' && (reply.bodies.length !== 1 || reply.sequences.length !== 0 || (reply.flags & ~OpMsgFlags.moreToCome) !== 0)) {
            failures.push(`case ${index} (${kind}): reply is not one kind-0 section without checksum`);
          }
        }
        // A well-formed request is answered, unless it asked for no reply (moreToCome) and was refused by closing.
        const flags = bytes.length >= 20 ? new DataView(bytes.buffer, bytes.byteOffset).getUint32(16, true) : 0;
        if (kind === 'valid' && outcome.replies.length === 0 && (flags & OpMsgFlags.moreToCome) === 0) {
          failures.push(`case ${index}: a valid message got no reply`);
        }
        if (index % 1000 === 999 && !(await pingOk(port))) failures.push(`after case ${index}: ping failed`);
        if (failures.length > 20) return;
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    if (!(await pingOk(port))) failures.push('ping failed after the last case');
  } finally {
    await listener.close();
    if (failures.length > 0) console.error(`wire fuzz failed with FUZZ_SEED=${seed}:\n${failures.join('\n')}`);
  }
  if (process.env.FUZZ_VERBOSE !== undefined) console.log(counts);
  expect(failures, `FUZZ_SEED=${seed}`).toEqual([]);
  const total = [...counts.values()].reduce((n, c) => n + c.replied + c.closed + c.waiting, 0);
  expect(total).toBe(cases);
  // Every kind of bad input was tried, and the server said why it closed connections.
  expect(counts.size).toBeGreaterThanOrEqual(Math.min(15, cases));
  expect(log.entries.some((e) => e.c === 'NETWORK' && e.s === 'W')).toBe(true);
}

/** Peers are never reached by a standalone member. */
const noPeers: PeerTransport = { request: () => Promise.reject(new NetworkError('ECONNREFUSED', 'no peers in this test')) };

describe('wire fuzz', () => {
  it(`survives ${CASES} random and mutated messages against a stub handler (seed ${SEED})`, { timeout: 120_000 }, async () => {
    await runFuzz(new PingHandler(), CASES, SEED);
  });

  it(`survives ${CASES} against a real Member (seed ${SEED + 1})`, { timeout: 120_000 }, async () => {
    const member = new Member({ host: '127.0.0.1', port: 27017, clock: new RealClock(), random: new Random(SEED), transport: noPeers });
    try {
      await runFuzz(member, CASES, SEED + 1);
    } finally {
      await member.shutdown({ force: true, timeoutSecs: 1 });
    }
  });
});
