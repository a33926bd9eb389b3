import { deserialize, serialize, type Document } from 'bson';
import type { Duplex } from '@rslab/sim';
import type { AddressBook } from './mongodAddresses';

/**
 * Rewrites member names in MongoDB wire messages between the driver (which knows members by the
 * learner's names, `morton.local:27018`) and a real process (which knows them as
 * `127.0.0.1:41873`). Requests: only the commands that carry member names the learner typed
 * (`replSetInitiate`, `replSetReconfig`, `replSetSyncFrom`). Replies: every string outside the
 * learner's own data (cursor batches, findAndModify's `value`), so `hello`'s `hosts`/`me`/`primary`,
 * `replSetGetStatus`, `replSetGetConfig` and error messages all speak the learner's names.
 */

const opReply = 1;
const opMsg = 2013;
const checksumPresent = 1;
/** mongod's own cap on a message (48 MB). */
const messageSizeBytesMax = 48 * 1024 * 1024;
const headerBytes = 16;

const bsonRead = { promoteValues: false, promoteBuffers: false, bsonRegExp: true, useBigInt64: false } as const;

/** Commands whose arguments name members the learner's way. */
const memberNamingCommands = new Set(['replSetInitiate', 'replSetReconfig', 'replSetSyncFrom']);

/** Our own error for a byte stream that is not MongoDB's wire protocol. */
export class WireTranslationError extends Error {
  override readonly name = 'WireTranslationError';
}

/** What a no-config `replSetInitiate` becomes: the 1.6-style default config (self plus seeds). */
export interface DefaultInitiate {
  config: Document;
  /** The learner's name for the member that was asked, for the reply's `me`. */
  me: string;
}

export interface TranslatorHooks {
  /** The config a bare `replSetInitiate` stands for on this member, or null to leave it to the server. */
  defaultInitiate(): Promise<DefaultInitiate | null>;
}

/** Splits a byte stream into whole wire messages by their length prefix. */
class Framer {
  private buffered: Buffer = Buffer.alloc(0);

  push(chunk: Uint8Array): Buffer[] {
    this.buffered = this.buffered.length === 0 ? Buffer.from(chunk) : Buffer.concat([this.buffered, chunk]);
    const messages: Buffer[] = [];
    while (this.buffered.length >= 4) {
      const length = this.buffered.readInt32LE(0);
      if (length < headerBytes || length > messageSizeBytesMax) throw new WireTranslationError(`message length ${length} is out of range`);
      if (this.buffered.length < length) break;
      messages.push(this.buffered.subarray(0, length));
      this.buffered = this.buffered.subarray(length);
    }
    return messages;
  }
}

interface OpMsgParts {
  flags: number;
  /** Offset and length of the kind-0 body inside the message. */
  bodyStart: number;
  bodyLength: number;
  /** End of the sections (before any checksum). */
  sectionsEnd: number;
}

function parseOpMsg(message: Buffer): OpMsgParts | null {
  const flags = message.readUInt32LE(headerBytes);
  const sectionsEnd = message.length - ((flags & checksumPresent) !== 0 ? 4 : 0);
  let offset = headerBytes + 4;
  let body: { start: number; length: number } | null = null;
  while (offset < sectionsEnd) {
    const kind = message[offset];
    if (kind === 0) {
      const length = message.readInt32LE(offset + 1);
      if (length < 5 || offset + 1 + length > sectionsEnd) throw new WireTranslationError('OP_MSG body overruns the message');
      body = { start: offset + 1, length };
      offset += 1 + length;
    } else if (kind === 1) {
      const size = message.readInt32LE(offset + 1);
      if (size < 4 || offset + 1 + size > sectionsEnd) throw new WireTranslationError('OP_MSG document sequence overruns the message');
      offset += 1 + size;
    } else {
      throw new WireTranslationError(`OP_MSG section kind ${String(kind)} is unknown`);
    }
  }
  return body ? { flags, bodyStart: body.start, bodyLength: body.length, sectionsEnd } : null;
}

/** The same OP_MSG with a new body; the checksum (if any) is dropped, since the bytes changed. */
function withBody(message: Buffer, parts: OpMsgParts, body: Document): Buffer {
  const encoded = serialize(body);
  const before = message.subarray(headerBytes + 4, parts.bodyStart);
  const after = message.subarray(parts.bodyStart + parts.bodyLength, parts.sectionsEnd);
  const out = Buffer.concat([message.subarray(0, headerBytes + 4), before, encoded, after]);
  out.writeInt32LE(out.length, 0);
  out.writeUInt32LE(parts.flags & ~checksumPresent, headerBytes);
  return out;
}

function isOk(reply: Document): boolean {
  return Number((reply.ok as { valueOf(): unknown } | undefined)?.valueOf()) === 1;
}

function firstKey(doc: Document): string | undefined {
  for (const key in doc) return key;
  return undefined;
}

/** A bare initiate: `{replSetInitiate: 1}`, `{replSetInitiate: {}}` or with no usable config. */
function isBareInitiate(body: Document): boolean {
  const config = body.replSetInitiate as unknown;
  if (config === null || typeof config !== 'object') return true;
  return '_bsontype' in config || Object.keys(config).length === 0;
}

/** One connection's translation, both ways. */
export class WireTranslator {
  /** requestId of a bare initiate we filled in → the learner's name of the member asked. */
  private readonly bareInitiates = new Map<number, string>();

  constructor(
    private readonly book: AddressBook,
    private readonly hooks: TranslatorHooks,
  ) {}

  async request(message: Buffer): Promise<Buffer> {
    if (message.readInt32LE(12) !== opMsg) return message;
    const parts = parseOpMsg(message);
    if (!parts) return message;
    let body = deserialize(message.subarray(parts.bodyStart, parts.bodyStart + parts.bodyLength), bsonRead);
    const command = firstKey(body);
    if (command === undefined || !memberNamingCommands.has(command)) return message;
    let changed = false;
    if (command === 'replSetInitiate' && isBareInitiate(body)) {
      const filled = await this.hooks.defaultInitiate();
      if (filled) {
        body = { ...body, replSetInitiate: filled.config };
        this.bareInitiates.set(message.readInt32LE(4), filled.me);
        changed = true;
      }
    }
    await this.book.reserveNamedIn(body);
    const translated = this.book.toRealDocument(body);
    return changed || translated.changed ? withBody(message, parts, translated.doc) : message;
  }

  response(message: Buffer): Buffer {
    const opCode = message.readInt32LE(12);
    if (opCode === opMsg) {
      const parts = parseOpMsg(message);
      if (!parts) return message;
      const body = deserialize(message.subarray(parts.bodyStart, parts.bodyStart + parts.bodyLength), bsonRead);
      let { doc, changed } = this.book.toLearnerDocument(body);
      const responseTo = message.readInt32LE(8);
      const me = this.bareInitiates.get(responseTo);
      if (me !== undefined) {
        this.bareInitiates.delete(responseTo);
        if (isOk(doc)) {
          // What mongod answers to an initiate without a config (sim-mongod and MongoDB 1.6 alike).
          const { ok, ...rest } = doc;
          doc = { info2: 'no configuration specified. Using a default configuration for the set', me, ok, ...rest };
          changed = true;
        }
      }
      return changed ? withBody(message, parts, doc) : message;
    }
    if (opCode === opReply) return this.legacyReply(message);
    return message;
  }

  /** OP_REPLY (answers to a legacy OP_QUERY handshake): rewrite each returned document. */
  private legacyReply(message: Buffer): Buffer {
    const docsStart = headerBytes + 20;
    const docs: Buffer[] = [];
    let changedAny = false;
    let offset = docsStart;
    while (offset < message.length) {
      const length = message.readInt32LE(offset);
      if (length < 5 || offset + length > message.length) throw new WireTranslationError('OP_REPLY document overruns the message');
      const raw = message.subarray(offset, offset + length);
      const { doc, changed } = this.book.toLearnerDocument(deserialize(raw, bsonRead));
      docs.push(changed ? Buffer.from(serialize(doc)) : raw);
      changedAny ||= changed;
      offset += length;
    }
    if (!changedAny) return message;
    const out = Buffer.concat([message.subarray(0, docsStart), ...docs]);
    out.writeInt32LE(out.length, 0);
    return out;
  }
}

/**
 * A `Duplex` to a real process that translates each whole message on its way: the driver's side
 * writes requests into it and reads translated replies from it.
 */
export class TranslatingDuplex implements Duplex {
  private readonly requests = new Framer();
  private readonly replies = new Framer();
  private readonly listeners: Array<(chunk: Uint8Array) => void> = [];
  private chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly inner: Duplex,
    private readonly translator: WireTranslator,
    private readonly onError: (error: Error) => void,
  ) {
    inner.onData((chunk) => {
      try {
        for (const message of this.replies.push(chunk)) {
          const out = this.translator.response(message);
          for (const listener of this.listeners) listener(out);
        }
      } catch (error) {
        this.fail(error);
      }
    });
  }

  get remote(): string {
    return this.inner.remote;
  }

  get closed(): boolean {
    return this.inner.closed;
  }

  write(chunk: Uint8Array): void {
    let messages: Buffer[];
    try {
      messages = this.requests.push(chunk);
    } catch (error) {
      this.fail(error);
      return;
    }
    for (const message of messages) {
      // Requests keep their order even when one waits (a port reservation for a new member).
      this.chain = this.chain
        .then(() => this.translator.request(message))
        .then((out) => this.inner.write(out))
        .catch((error: unknown) => this.fail(error));
    }
  }

  end(): void {
    this.chain.then(() => this.inner.end()).catch((error: unknown) => this.fail(error));
  }

  destroy(): void {
    this.inner.destroy();
  }

  onData(listener: (chunk: Uint8Array) => void): void {
    this.listeners.push(listener);
  }

  onClose(listener: () => void): void {
    this.inner.onClose(listener);
  }

  private fail(error: unknown): void {
    this.onError(error instanceof Error ? error : new Error(String(error)));
    this.inner.destroy();
  }
}
