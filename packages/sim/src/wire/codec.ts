import { deserialize, serialize } from 'bson';
import type { Document } from 'bson';
import { ServerError } from '../base/errors';
import type { ErrorCodeName } from '../base/errors';
import { crc32c } from '../base/crc32c';
import {
  DEFAULT_MESSAGE_SIZE_BYTES_MAX,
  MESSAGE_HEADER_BYTES,
  OP_MSG_REQUIRED_FLAGS_MASK,
  OpCode,
  OpMsgFlags,
  OpQueryFlags,
  opCodeName,
} from './constants';

/**
 * Encoding and decoding of MongoDB wire messages. Everything is little-endian. A message that cannot
 * be read (bad framing, bad BSON, unknown section kinds, a wrong checksum) raises
 * `MalformedMessageError`: the server closes that connection. A message that can be read but is
 * not a valid command (no `$db`, two bodies, ...) becomes a `ServerError`, which the server answers
 * with an error reply as mongod does.
 */

export interface MessageHeader {
  readonly messageLength: number;
  readonly requestId: number;
  readonly responseTo: number;
  readonly opCode: number;
}

export interface DocumentSequence {
  readonly identifier: string;
  readonly documents: Document[];
}

export interface OpMsgMessage {
  readonly type: 'OP_MSG';
  readonly header: MessageHeader;
  readonly flags: number;
  /** Kind-0 sections, in order. A valid request has exactly one. */
  readonly bodies: Document[];
  /** Kind-1 sections, in order. */
  readonly sequences: DocumentSequence[];
  readonly checksum?: number;
}

export interface OpQueryMessage {
  readonly type: 'OP_QUERY';
  readonly header: MessageHeader;
  readonly flags: number;
  readonly fullCollectionName: string;
  readonly numberToSkip: number;
  readonly numberToReturn: number;
  readonly query: Document;
  readonly returnFieldsSelector?: Document;
}

export interface OpReplyMessage {
  readonly type: 'OP_REPLY';
  readonly header: MessageHeader;
  readonly responseFlags: number;
  readonly cursorId: bigint;
  readonly startingFrom: number;
  readonly numberReturned: number;
  readonly documents: Document[];
}

/** Any other opcode (OP_COMPRESSED, legacy writes, unknown): header only, body bytes kept raw. */
export interface OtherMessage {
  readonly type: 'OTHER';
  readonly header: MessageHeader;
  readonly payload: Uint8Array;
}

export type WireMessage = OpMsgMessage | OpQueryMessage | OpReplyMessage | OtherMessage;

/** The bytes cannot be read as a message: close the connection. */
export class MalformedMessageError extends Error {
  override readonly name = 'MalformedMessageError';
}

// ---------------------------------------------------------------------------------------------
// Reading

class Reader {
  private offset: number;
  private readonly view: DataView;

  constructor(
    private readonly bytes: Uint8Array,
    start: number,
    private readonly end: number,
  ) {
    this.offset = start;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  get position(): number {
    return this.offset;
  }

  get remaining(): number {
    return this.end - this.offset;
  }

  need(count: number, what: string): void {
    if (count < 0 || this.offset + count > this.end) {
      throw new MalformedMessageError(`message too short: ${what} needs ${count} bytes, ${this.remaining} left`);
    }
  }

  int32(what: string): number {
    this.need(4, what);
    const value = this.view.getInt32(this.offset, true);
    this.offset += 4;
    return value;
  }

  uint32(what: string): number {
    this.need(4, what);
    const value = this.view.getUint32(this.offset, true);
    this.offset += 4;
    return value;
  }

  int64(what: string): bigint {
    this.need(8, what);
    const value = this.view.getBigInt64(this.offset, true);
    this.offset += 8;
    return value;
  }

  byte(what: string): number {
    this.need(1, what);
    return this.bytes[this.offset++] as number;
  }

  cstring(what: string, end = this.end): string {
    const stop = this.bytes.indexOf(0, this.offset);
    if (stop < 0 || stop >= end) throw new MalformedMessageError(`${what}: missing NUL terminator`);
    const text = Buffer.from(this.bytes.buffer, this.bytes.byteOffset + this.offset, stop - this.offset).toString('utf8');
    this.offset = stop + 1;
    return text;
  }

  /** One BSON document, which must lie entirely before `end`. */
  document(what: string, end = this.end): Document {
    if (this.offset + 4 > end) throw new MalformedMessageError(`${what}: truncated BSON length`);
    const size = this.view.getInt32(this.offset, true);
    if (size < 5 || this.offset + size > end) {
      throw new MalformedMessageError(`${what}: BSON length ${size} does not fit in the ${end - this.offset} bytes left`);
    }
    const slice = this.bytes.subarray(this.offset, this.offset + size);
    let doc: Document;
    try {
      doc = deserialize(slice, { validation: { utf8: true } });
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new MalformedMessageError(`${what}: invalid BSON: ${reason}`);
    }
    this.offset += size;
    return doc;
  }

  bytesUntil(end: number): Uint8Array {
    const out = this.bytes.subarray(this.offset, end);
    this.offset = end;
    return out;
  }
}

export function readHeader(bytes: Uint8Array, offset = 0): MessageHeader {
  if (bytes.length - offset < MESSAGE_HEADER_BYTES) throw new MalformedMessageError('message shorter than its 16-byte header');
  const view = new DataView(bytes.buffer, bytes.byteOffset + offset, MESSAGE_HEADER_BYTES);
  return {
    messageLength: view.getInt32(0, true),
    requestId: view.getInt32(4, true),
    responseTo: view.getInt32(8, true),
    opCode: view.getInt32(12, true),
  };
}

export interface DecodeOptions {
  messageSizeBytesMax?: number;
}

/** Decode one whole message (exactly `messageLength` bytes). */
export function decodeMessage(bytes: Uint8Array, options: DecodeOptions = {}): WireMessage {
  const header = readHeader(bytes);
  const sizeMax = options.messageSizeBytesMax ?? DEFAULT_MESSAGE_SIZE_BYTES_MAX;
  if (header.messageLength !== bytes.length) {
    throw new MalformedMessageError(`messageLength ${header.messageLength} but ${bytes.length} bytes given`);
  }
  checkMessageLength(header.messageLength, sizeMax);
  switch (header.opCode) {
    case OpCode.OP_MSG:
      return decodeOpMsg(header, bytes);
    case OpCode.OP_QUERY:
      return decodeOpQuery(header, bytes);
    case OpCode.OP_REPLY:
      return decodeOpReply(header, bytes);
    default:
      return { type: 'OTHER', header, payload: bytes.subarray(MESSAGE_HEADER_BYTES) };
  }
}

export function checkMessageLength(messageLength: number, sizeMax: number): void {
  if (messageLength < MESSAGE_HEADER_BYTES) throw new MalformedMessageError(`messageLength ${messageLength} is less than the 16-byte header`);
  if (messageLength > sizeMax) throw new MalformedMessageError(`messageLength ${messageLength} is over the maximum message size ${sizeMax}`);
}

function decodeOpMsg(header: MessageHeader, bytes: Uint8Array): OpMsgMessage {
  const reader = new Reader(bytes, MESSAGE_HEADER_BYTES, bytes.length);
  const flags = reader.uint32('OP_MSG flagBits');
  const unknownRequired = flags & OP_MSG_REQUIRED_FLAGS_MASK & ~(OpMsgFlags.checksumPresent | OpMsgFlags.moreToCome);
  if (unknownRequired !== 0) throw new MalformedMessageError(`OP_MSG has unknown required flag bits 0x${unknownRequired.toString(16)}`);
  let sectionsEnd = bytes.length;
  let checksum: number | undefined;
  if (flags & OpMsgFlags.checksumPresent) {
    if (bytes.length < MESSAGE_HEADER_BYTES + 4 + 4) throw new MalformedMessageError('OP_MSG with checksumPresent has no room for the checksum');
    sectionsEnd = bytes.length - 4;
    checksum = new DataView(bytes.buffer, bytes.byteOffset + sectionsEnd, 4).getUint32(0, true);
    const computed = crc32c(bytes, 0, sectionsEnd);
    if (computed !== checksum) {
      throw new MalformedMessageError(`OP_MSG checksum mismatch: message says 0x${checksum.toString(16)}, computed 0x${computed.toString(16)}`);
    }
  }
  const bodies: Document[] = [];
  const sequences: DocumentSequence[] = [];
  if (reader.position >= sectionsEnd) throw new MalformedMessageError('OP_MSG has no sections');
  while (reader.position < sectionsEnd) {
    const kind = reader.byte('section kind');
    if (kind === 0) {
      bodies.push(reader.document('OP_MSG body section', sectionsEnd));
    } else if (kind === 1) {
      const start = reader.position;
      const size = reader.int32('document sequence size');
      if (size < 4 + 1 || start + size > sectionsEnd) {
        throw new MalformedMessageError(`document sequence size ${size} does not fit in the ${sectionsEnd - start} bytes left`);
      }
      const end = start + size;
      const identifier = reader.cstring('document sequence identifier', end);
      const documents: Document[] = [];
      while (reader.position < end) documents.push(reader.document(`document sequence '${identifier}'`, end));
      sequences.push({ identifier, documents });
    } else {
      throw new MalformedMessageError(`OP_MSG has unknown section kind ${kind}`);
    }
  }
  return { type: 'OP_MSG', header, flags, bodies, sequences, ...(checksum === undefined ? {} : { checksum }) };
}

function decodeOpQuery(header: MessageHeader, bytes: Uint8Array): OpQueryMessage {
  const reader = new Reader(bytes, MESSAGE_HEADER_BYTES, bytes.length);
  const flags = reader.int32('OP_QUERY flags');
  const fullCollectionName = reader.cstring('OP_QUERY fullCollectionName');
  const numberToSkip = reader.int32('OP_QUERY numberToSkip');
  const numberToReturn = reader.int32('OP_QUERY numberToReturn');
  const query = reader.document('OP_QUERY query');
  const returnFieldsSelector = reader.remaining > 0 ? reader.document('OP_QUERY returnFieldsSelector') : undefined;
  if (reader.remaining !== 0) throw new MalformedMessageError(`OP_QUERY has ${reader.remaining} trailing bytes`);
  return {
    type: 'OP_QUERY',
    header,
    flags,
    fullCollectionName,
    numberToSkip,
    numberToReturn,
    query,
    ...(returnFieldsSelector === undefined ? {} : { returnFieldsSelector }),
  };
}

function decodeOpReply(header: MessageHeader, bytes: Uint8Array): OpReplyMessage {
  const reader = new Reader(bytes, MESSAGE_HEADER_BYTES, bytes.length);
  const responseFlags = reader.int32('OP_REPLY responseFlags');
  const cursorId = reader.int64('OP_REPLY cursorID');
  const startingFrom = reader.int32('OP_REPLY startingFrom');
  const numberReturned = reader.int32('OP_REPLY numberReturned');
  if (numberReturned < 0) throw new MalformedMessageError(`OP_REPLY numberReturned ${numberReturned} is negative`);
  const documents: Document[] = [];
  for (let i = 0; i < numberReturned; i++) documents.push(reader.document(`OP_REPLY document ${i}`));
  if (reader.remaining !== 0) throw new MalformedMessageError(`OP_REPLY has ${reader.remaining} trailing bytes`);
  return { type: 'OP_REPLY', header, responseFlags, cursorId, startingFrom, numberReturned, documents };
}

// ---------------------------------------------------------------------------------------------
// From messages to commands

export interface DecodedCommand {
  readonly db: string;
  readonly body: Document;
}

function protocolError(name: ErrorCodeName, errmsg: string): ServerError {
  return new ServerError(name, errmsg);
}

/**
 * The command an OP_MSG carries: the body with each document sequence merged in as an array field.
 * Raises `ServerError` with mongod's codes for messages that are readable but not a valid command.
 */
export function opMsgCommand(message: OpMsgMessage): DecodedCommand {
  if (message.bodies.length === 0) throw protocolError('Location40587', 'OP_MSG messages must have a body');
  if (message.bodies.length > 1) throw protocolError('Location40430', 'Multiple body sections in message');
  const body: Document = { ...(message.bodies[0] as Document) };
  const seen = new Set<string>();
  for (const sequence of message.sequences) {
    if (seen.has(sequence.identifier)) throw protocolError('Location40431', `Duplicate document sequence: ${sequence.identifier}`);
    seen.add(sequence.identifier);
    if (Object.prototype.hasOwnProperty.call(body, sequence.identifier)) {
      throw protocolError('Location40433', `Duplicate field between body and document sequence ${sequence.identifier}`);
    }
    body[sequence.identifier] = sequence.documents;
  }
  const db: unknown = body.$db;
  if (db === undefined) throw protocolError('Location40571', 'OP_MSG requests require a $db argument');
  if (typeof db !== 'string') throw new ServerError('TypeMismatch', `BSON field '$db' is the wrong type '${bsonTypeName(db)}', expected type 'string'`);
  return { db, body };
}

/** `db.$cmd` → `db`; other namespaces are not commands. */
export function commandDbFromNamespace(fullCollectionName: string): string | undefined {
  const dot = fullCollectionName.indexOf('.');
  if (dot <= 0) return undefined;
  return fullCollectionName.slice(dot + 1) === '$cmd' ? fullCollectionName.slice(0, dot) : undefined;
}

/**
 * The command an OP_QUERY to `db.$cmd` carries. Legacy clients wrap it as `{$query: cmd,
 * $readPreference: ...}` (or `query`); unwrap that.
 */
export function opQueryCommand(message: OpQueryMessage): DecodedCommand | undefined {
  const db = commandDbFromNamespace(message.fullCollectionName);
  if (db === undefined) return undefined;
  let body = message.query;
  const first = firstKey(body);
  if ((first === '$query' || first === 'query') && typeof body[first] === 'object' && body[first] !== null && !Array.isArray(body[first])) {
    const wrapper = body;
    body = { ...(wrapper[first] as Document) };
    if (wrapper.$readPreference !== undefined && body.$readPreference === undefined) body.$readPreference = wrapper.$readPreference;
  }
  // The secondaryOk flag (PyMongo 3's slave_okay) reads as mongod reads it: secondaryPreferred.
  if ((message.flags & OpQueryFlags.secondaryOk) !== 0 && body.$readPreference === undefined) {
    return { db, body: { ...body, $readPreference: { mode: 'secondaryPreferred' }, $db: db } };
  }
  return { db, body: { ...body, $db: db } };
}

export function firstKey(doc: Document): string | undefined {
  for (const key in doc) return key;
  return undefined;
}

function bsonTypeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'int' : 'double';
  if (typeof value === 'object') {
    const bsontype = (value as { _bsontype?: unknown })._bsontype;
    return typeof bsontype === 'string' ? bsontype.toLowerCase() : 'object';
  }
  return typeof value === 'boolean' ? 'bool' : typeof value;
}

// ---------------------------------------------------------------------------------------------
// Writing

function writeHeader(out: Uint8Array, header: MessageHeader): void {
  const view = new DataView(out.buffer, out.byteOffset, MESSAGE_HEADER_BYTES);
  view.setInt32(0, header.messageLength, true);
  view.setInt32(4, header.requestId, true);
  view.setInt32(8, header.responseTo, true);
  view.setInt32(12, header.opCode, true);
}

export interface EncodeOpMsgOptions {
  requestId: number;
  responseTo?: number;
  flags?: number;
  /** The body document, or its BSON bytes when the caller has serialized it already (to check its size). */
  body: Document | Uint8Array;
  sequences?: readonly DocumentSequence[];
  /** Append a CRC-32C and set checksumPresent (clients may; our server's replies never do). */
  checksum?: boolean;
}

export function encodeOpMsg(options: EncodeOpMsgOptions): Uint8Array {
  let flags = (options.flags ?? 0) >>> 0;
  if (options.checksum === true) flags |= OpMsgFlags.checksumPresent;
  else flags &= ~OpMsgFlags.checksumPresent;
  const body = options.body instanceof Uint8Array ? options.body : serialize(options.body);
  const parts: Uint8Array[] = [Uint8Array.of(0), body];
  for (const sequence of options.sequences ?? []) {
    const identifier = Buffer.from(`${sequence.identifier}\0`, 'utf8');
    const docs = sequence.documents.map((d) => serialize(d));
    const size = 4 + identifier.length + docs.reduce((n, d) => n + d.length, 0);
    const head = new Uint8Array(1 + 4);
    head[0] = 1;
    new DataView(head.buffer).setInt32(1, size, true);
    parts.push(head, identifier, ...docs);
  }
  const sectionsLength = parts.reduce((n, p) => n + p.length, 0);
  const checksumBytes = flags & OpMsgFlags.checksumPresent ? 4 : 0;
  const messageLength = MESSAGE_HEADER_BYTES + 4 + sectionsLength + checksumBytes;
  const out = new Uint8Array(messageLength);
  writeHeader(out, { messageLength, requestId: options.requestId, responseTo: options.responseTo ?? 0, opCode: OpCode.OP_MSG });
  new DataView(out.buffer).setUint32(MESSAGE_HEADER_BYTES, flags, true);
  let offset = MESSAGE_HEADER_BYTES + 4;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  if (checksumBytes > 0) new DataView(out.buffer).setUint32(offset, crc32c(out, 0, offset), true);
  return out;
}

export interface EncodeOpQueryOptions {
  requestId: number;
  fullCollectionName: string;
  query: Document;
  flags?: number;
  numberToSkip?: number;
  numberToReturn?: number;
  returnFieldsSelector?: Document;
}

export function encodeOpQuery(options: EncodeOpQueryOptions): Uint8Array {
  const ns = Buffer.from(`${options.fullCollectionName}\0`, 'utf8');
  const query = serialize(options.query);
  const selector = options.returnFieldsSelector === undefined ? new Uint8Array(0) : serialize(options.returnFieldsSelector);
  const messageLength = MESSAGE_HEADER_BYTES + 4 + ns.length + 8 + query.length + selector.length;
  const out = new Uint8Array(messageLength);
  writeHeader(out, { messageLength, requestId: options.requestId, responseTo: 0, opCode: OpCode.OP_QUERY });
  const view = new DataView(out.buffer);
  let offset = MESSAGE_HEADER_BYTES;
  view.setInt32(offset, options.flags ?? 0, true);
  offset += 4;
  out.set(ns, offset);
  offset += ns.length;
  view.setInt32(offset, options.numberToSkip ?? 0, true);
  view.setInt32(offset + 4, options.numberToReturn ?? -1, true);
  offset += 8;
  out.set(query, offset);
  out.set(selector, offset + query.length);
  return out;
}

export interface EncodeOpReplyOptions {
  requestId: number;
  responseTo: number;
  responseFlags?: number;
  cursorId?: bigint;
  startingFrom?: number;
  /** Documents, or their BSON bytes. */
  documents: readonly (Document | Uint8Array)[];
}

export function encodeOpReply(options: EncodeOpReplyOptions): Uint8Array {
  const docs = options.documents.map((d) => (d instanceof Uint8Array ? d : serialize(d)));
  const messageLength = MESSAGE_HEADER_BYTES + 20 + docs.reduce((n, d) => n + d.length, 0);
  const out = new Uint8Array(messageLength);
  writeHeader(out, { messageLength, requestId: options.requestId, responseTo: options.responseTo, opCode: OpCode.OP_REPLY });
  const view = new DataView(out.buffer);
  view.setInt32(16, options.responseFlags ?? 0, true);
  view.setBigInt64(20, options.cursorId ?? 0n, true);
  view.setInt32(28, options.startingFrom ?? 0, true);
  view.setInt32(32, docs.length, true);
  let offset = 36;
  for (const doc of docs) {
    out.set(doc, offset);
    offset += doc.length;
  }
  return out;
}

/** A raw message with the given header fields around `payload` (for OP_COMPRESSED and tests). */
export function encodeRaw(opCode: number, requestId: number, responseTo: number, payload: Uint8Array): Uint8Array {
  const messageLength = MESSAGE_HEADER_BYTES + payload.length;
  const out = new Uint8Array(messageLength);
  writeHeader(out, { messageLength, requestId, responseTo, opCode });
  out.set(payload, MESSAGE_HEADER_BYTES);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Framing

export interface FramerOptions {
  messageSizeBytesMax?: number;
}

/**
 * Cuts a byte stream into whole messages: a message may arrive over many chunks and a chunk may
 * hold many messages. A length outside [16, messageSizeBytesMax] raises `MalformedMessageError` as
 * soon as the header is seen, before any of the body is buffered.
 */
export class MessageFramer {
  private readonly chunks: Uint8Array[] = [];
  private buffered = 0;
  private expected = -1;
  private failed = false;
  readonly messageSizeBytesMax: number;

  constructor(options: FramerOptions = {}) {
    this.messageSizeBytesMax = options.messageSizeBytesMax ?? DEFAULT_MESSAGE_SIZE_BYTES_MAX;
    if (!Number.isInteger(this.messageSizeBytesMax) || this.messageSizeBytesMax < MESSAGE_HEADER_BYTES) {
      throw new RangeError(`messageSizeBytesMax must be an integer ≥ 16, got ${this.messageSizeBytesMax}`);
    }
  }

  /** Bytes received but not yet returned as a message. */
  get bufferedBytes(): number {
    return this.buffered;
  }

  /** Feed a chunk; returns the messages it completes, in order. */
  push(chunk: Uint8Array): Uint8Array[] {
    if (this.failed) throw new MalformedMessageError('framer already failed on this stream');
    if (chunk.length === 0) return [];
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    const out: Uint8Array[] = [];
    for (;;) {
      if (this.expected < 0) {
        if (this.buffered < 4) break;
        const length = this.peekInt32();
        try {
          checkMessageLength(length, this.messageSizeBytesMax);
        } catch (error) {
          this.failed = true;
          throw error;
        }
        this.expected = length;
      }
      if (this.buffered < this.expected) break;
      out.push(this.take(this.expected));
      this.expected = -1;
    }
    return out;
  }

  private peekInt32(): number {
    const first = this.chunks[0] as Uint8Array;
    if (first.length >= 4) return new DataView(first.buffer, first.byteOffset, 4).getInt32(0, true);
    const head = new Uint8Array(4);
    let filled = 0;
    for (const chunk of this.chunks) {
      const n = Math.min(4 - filled, chunk.length);
      head.set(chunk.subarray(0, n), filled);
      filled += n;
      if (filled === 4) break;
    }
    return new DataView(head.buffer).getInt32(0, true);
  }

  private take(count: number): Uint8Array {
    const first = this.chunks[0] as Uint8Array;
    if (first.length >= count) {
      const message = first.subarray(0, count);
      if (first.length === count) this.chunks.shift();
      else this.chunks[0] = first.subarray(count);
      this.buffered -= count;
      return message;
    }
    const message = new Uint8Array(count);
    let filled = 0;
    while (filled < count) {
      const chunk = this.chunks[0] as Uint8Array;
      const n = Math.min(count - filled, chunk.length);
      message.set(chunk.subarray(0, n), filled);
      filled += n;
      if (n === chunk.length) this.chunks.shift();
      else this.chunks[0] = chunk.subarray(n);
    }
    this.buffered -= count;
    return message;
  }
}

export function describeOpCode(opCode: number): string {
  return opCodeName(opCode);
}
