import { Double, serialize } from 'bson';
import type { Document } from 'bson';
import { NOT_PRIMARY_CODES, ServerError, errorToReply, serverError } from '../base/errors';
import { sleepOn } from '../clock/clock';
import type { Clock } from '../clock/clock';
import type { CommandHandler, CommandRequest, ConnectionInfo } from '../commands/handler';
import { LogIds } from '../log/ids';
import type { Logger } from '../log/log';
import { logError, logInfo, logWarning } from '../log/log';
import type { Duplex, HostPort, Listener, Network } from '../net/network';
import {
  MalformedMessageError,
  MessageFramer,
  decodeMessage,
  encodeOpMsg,
  encodeOpReply,
  firstKey,
  opMsgCommand,
  opQueryCommand,
} from './codec';
import type { DecodedCommand, OpMsgMessage, OpQueryMessage } from './codec';
import {
  BSON_OBJECT_INTERNAL_SLACK_BYTES,
  DEFAULT_BSON_OBJECT_SIZE_BYTES_MAX,
  DEFAULT_MESSAGE_SIZE_BYTES_MAX,
  OpCode,
  OpMsgFlags,
  OpReplyFlags,
  opCodeName,
} from './constants';

/**
 * The server side of the wire protocol: accepts connections on a `Network`, cuts the byte stream
 * into messages, runs each command through a `CommandHandler` (one at a time per connection, in
 * arrival order, as mongod does) and writes the replies. A message that cannot be read closes its
 * connection with a log line; nothing a client sends can take the listener down.
 */

export interface WireServerLimits {
  /** Open connections per listener; one more is closed at once with a log line. */
  connectionsMax?: number;
  /** Largest message accepted (mongod's `maxMessageSizeBytes`). */
  messageSizeBytesMax?: number;
  /** Largest reply document (mongod's `maxBsonObjectSize`; replies may exceed it by 16 KiB). */
  bsonObjectSizeBytesMax?: number;
  /** Bytes a client may have queued (received, not yet processed) before its connection is closed. */
  pendingBytesMax?: number;
}

export const DEFAULT_WIRE_SERVER_LIMITS: Required<WireServerLimits> = {
  connectionsMax: 1000,
  messageSizeBytesMax: DEFAULT_MESSAGE_SIZE_BYTES_MAX,
  bsonObjectSizeBytesMax: DEFAULT_BSON_OBJECT_SIZE_BYTES_MAX,
  pendingBytesMax: 2 * DEFAULT_MESSAGE_SIZE_BYTES_MAX,
};

/**
 * What serverStatus().connections reports (transport/service_entry_point_impl.cpp appendStats;
 * manual, serverStatus "connections"), counted where connections are accepted and served. One
 * instance is shared by a process's listeners (mongod's counts are per process).
 */
export class WireConnectionStats {
  /** Connections open now. */
  current = 0;
  /** Connections accepted since the process started. */
  totalCreated = 0;
  /** Connections refused because `connectionsMax` were open. */
  rejected = 0;
  /** Connections with a command in progress. */
  active = 0;
  /** Connections whose last request was an isMaster (hello) with exhaustAllowed. */
  exhaustIsMaster = 0;
  exhaustHello = 0;
  /** Clients waiting in an awaitable hello/isMaster for a topology change. */
  awaitingTopologyChanges = 0;
  /** serverStatus().network: bytes received and sent on client connections, and messages received. */
  bytesIn = 0;
  bytesOut = 0;
  numRequests = 0;

  /** mongod's maxIncomingConnections as this process applies it: `available` is this minus `current`. */
  constructor(readonly connectionsMax: number = DEFAULT_WIRE_SERVER_LIMITS.connectionsMax) {}
}

export interface ServeWireOptions {
  network: Network;
  address: HostPort;
  handler: CommandHandler;
  log: Logger;
  limits?: WireServerLimits;
  /** Hands out connection ids; share one between listeners of the same member (mongod's ids are per process). */
  nextConnectionId?: () => number;
  /** When given, a streamed hello that comes back early and unchanged is held until maxAwaitTimeMS (see holdUnchangedReply). */
  clock?: Clock;
  /** Counts for serverStatus().connections; share one between listeners of the same member. A new one when omitted. */
  stats?: WireConnectionStats;
}

export interface WireListener extends Listener {
  /** Connections currently open. */
  readonly connectionCount: number;
}

/** Commands that may come as OP_QUERY in mongod 7.0 (the handshake); others get error 352. */
const OP_QUERY_COMMANDS: ReadonlySet<string> = new Set(['hello', 'isMaster', 'ismaster']);
const HELLO_COMMANDS: ReadonlySet<string> = new Set(['hello', 'isMaster', 'ismaster']);

export async function serveWire(options: ServeWireOptions): Promise<WireListener> {
  const limits = { ...DEFAULT_WIRE_SERVER_LIMITS, ...definedOnly(options.limits ?? {}) };
  checkLimits(limits);
  let connectionIdCounter = 0;
  const nextConnectionId = options.nextConnectionId ?? (() => ++connectionIdCounter);
  const connections = new Set<WireConnection>();
  const stats = options.stats ?? new WireConnectionStats(limits.connectionsMax);
  let requestIdCounter = 0;
  const nextRequestId = (): number => {
    requestIdCounter = requestIdCounter >= 0x7fffffff ? 1 : requestIdCounter + 1;
    return requestIdCounter;
  };
  let closing = false;

  const onConnection = (duplex: Duplex): void => {
    if (closing) {
      duplex.destroy();
      return;
    }
    if (connections.size >= limits.connectionsMax) {
      stats.rejected++;
      logInfo(options.log, 'NETWORK', LogIds.connectionRefusedTooMany, 'listener', {
        remote: duplex.remote,
        connectionCount: connections.size,
      });
      duplex.destroy();
      return;
    }
    const id = nextConnectionId();
    const connection = new WireConnection(duplex, { id, remote: duplex.remote }, options.handler, options.log, limits, nextRequestId, options.clock, stats, () => {
      connections.delete(connection);
      stats.current--;
      if (!options.log.quiet) {
        logInfo(options.log, 'NETWORK', LogIds.connectionEnded, `conn${id}`, {
          remote: duplex.remote,
          connectionId: id,
          connectionCount: connections.size,
        });
      }
    });
    connections.add(connection);
    stats.current++;
    stats.totalCreated++;
    if (!options.log.quiet) {
      logInfo(options.log, 'NETWORK', LogIds.connectionAccepted, 'listener', {
        remote: duplex.remote,
        connectionId: id,
        connectionCount: connections.size,
      });
    }
    connection.start();
  };

  const listener = await options.network.listen(options.address, onConnection);
  return {
    address: listener.address,
    get connectionCount() {
      return connections.size;
    },
    async close() {
      closing = true;
      const closed = listener.close();
      for (const connection of [...connections]) connection.close();
      await closed;
    },
  };
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function checkLimits(limits: Required<WireServerLimits>): void {
  for (const [name, value] of Object.entries(limits)) {
    if (!Number.isInteger(value) || value <= 0) throw new RangeError(`wire limit ${name} must be a positive integer, got ${value}`);
  }
  if (limits.pendingBytesMax < limits.messageSizeBytesMax) {
    throw new RangeError(`pendingBytesMax (${limits.pendingBytesMax}) must be at least messageSizeBytesMax (${limits.messageSizeBytesMax})`);
  }
}

class WireConnection {
  private readonly framer: MessageFramer;
  private readonly queue: Uint8Array[] = [];
  private queuedBytes = 0;
  private processing = false;
  private closed = false;
  private readonly abort = new AbortController();
  private readonly ctx: string;
  private sawClientMetadata = false;
  private readonly closeFromHandler = (): void => this.close();
  /** Commands of this connection now running (a streamed hello and the next request may overlap). */
  private running = 0;
  /** Whether the last request was an exhaust hello or isMaster (serverStatus exhaustHello/exhaustIsMaster). */
  private exhaust: 'hello' | 'isMaster' | undefined;

  constructor(
    private readonly duplex: Duplex,
    private readonly info: ConnectionInfo,
    private readonly handler: CommandHandler,
    private readonly log: Logger,
    private readonly limits: Required<WireServerLimits>,
    private readonly nextRequestId: () => number,
    private readonly clock: Clock | undefined,
    private readonly stats: WireConnectionStats,
    private readonly onEnded: () => void,
  ) {
    this.framer = new MessageFramer({ messageSizeBytesMax: limits.messageSizeBytesMax });
    this.ctx = `conn${info.id}`;
  }

  start(): void {
    this.duplex.onData((chunk) => this.onData(chunk));
    this.duplex.onClose(() => this.onClosed());
    if (this.duplex.closed) this.onClosed();
  }

  /** Close from our side (bad input, server shutdown). */
  close(): void {
    if (!this.duplex.closed) this.duplex.destroy();
    this.onClosed();
  }

  private onClosed(): void {
    if (this.closed) return;
    this.closed = true;
    this.queue.length = 0;
    this.queuedBytes = 0;
    this.abort.abort(new Error(`connection ${this.info.id} closed`));
    this.markExhaust(undefined);
    try {
      this.handler.connectionClosed?.(this.info);
    } catch (error) {
      // Runs inside a socket event: a throw here would take the process down. Say so instead.
      logError(this.log, 'NETWORK', LogIds.connectionClosedHandlerFailed, this.ctx, { error: describe(error) });
    } finally {
      this.onEnded();
    }
  }

  private onData(chunk: Uint8Array): void {
    if (this.closed) return;
    this.stats.bytesIn += chunk.length;
    let messages: Uint8Array[];
    try {
      messages = this.framer.push(chunk);
    } catch (error) {
      this.fail(error);
      return;
    }
    for (const message of messages) {
      this.queue.push(message);
      this.queuedBytes += message.length;
    }
    if (this.queuedBytes + this.framer.bufferedBytes > this.limits.pendingBytesMax) {
      this.fail(new MalformedMessageError(`more than ${this.limits.pendingBytesMax} bytes queued on one connection`));
      return;
    }
    if (!this.processing) void this.drain();
  }

  private async drain(): Promise<void> {
    this.processing = true;
    try {
      while (!this.closed && this.queue.length > 0) {
        const message = this.queue.shift() as Uint8Array;
        this.queuedBytes -= message.length;
        await this.handleMessage(message);
      }
    } catch (error) {
      // A bug on our side: say so and drop only this connection.
      logError(this.log, 'NETWORK', LogIds.requestProcessingFailed, this.ctx, {
        remote: this.info.remote,
        connectionId: this.info.id,
        error: describe(error),
      });
      this.close();
    } finally {
      this.processing = false;
    }
  }

  private fail(error: unknown): void {
    if (this.closed) return;
    logWarning(this.log, 'NETWORK', LogIds.errorReceivingRequest, this.ctx, {
      error: describe(error),
      remote: this.info.remote,
      connectionId: this.info.id,
    });
    this.close();
  }

  private async handleMessage(bytes: Uint8Array): Promise<void> {
    this.stats.numRequests += 1;
    let message;
    try {
      message = decodeMessage(bytes, { messageSizeBytesMax: this.limits.messageSizeBytesMax });
    } catch (error) {
      this.fail(error);
      return;
    }
    switch (message.type) {
      case 'OP_MSG':
        return this.handleOpMsg(message);
      case 'OP_QUERY':
        return this.handleOpQuery(message);
      default:
        break;
    }
    const { opCode, requestId } = message.header;
    if (opCode === OpCode.OP_GET_MORE) {
      this.send(
        encodeOpReply({
          requestId: this.nextRequestId(),
          responseTo: requestId,
          responseFlags: OpReplyFlags.queryFailure,
          documents: [serverError('Location5739101', 'OP_GET_MORE is no longer supported. The client driver may require an upgrade.').toQueryFailure()],
        }),
      );
      return;
    }
    const reason =
      opCode === OpCode.OP_COMPRESSED
        ? 'OP_COMPRESSED received, but this server never offers compression'
        : opCode === OpCode.OP_REPLY
          ? 'OP_REPLY is a server reply, not a request'
          : `unsupported opcode ${opCodeName(opCode)}`;
    logWarning(this.log, 'NETWORK', LogIds.unsupportedOpCode, this.ctx, {
      opCode,
      reason,
      remote: this.info.remote,
      connectionId: this.info.id,
    });
    this.close();
  }

  private request(command: DecodedCommand, flags: { exhaustAllowed: boolean; moreToCome: boolean }): CommandRequest {
    return {
      db: command.db,
      body: command.body,
      exhaustAllowed: flags.exhaustAllowed,
      moreToCome: flags.moreToCome,
      connection: this.info,
      signal: this.abort.signal,
      closeConnection: this.closeFromHandler,
    };
  }

  /** Count this connection's last request as an exhaust hello/isMaster, or as neither. */
  private markExhaust(kind: 'hello' | 'isMaster' | undefined): void {
    if (this.exhaust === kind) return;
    if (this.exhaust === 'hello') this.stats.exhaustHello--;
    else if (this.exhaust === 'isMaster') this.stats.exhaustIsMaster--;
    if (kind === 'hello') this.stats.exhaustHello++;
    else if (kind === 'isMaster') this.stats.exhaustIsMaster++;
    this.exhaust = kind;
  }

  private async run(request: CommandRequest): Promise<Document> {
    this.logClientMetadata(request.body);
    const name = firstKey(request.body) ?? '';
    const hello = HELLO_COMMANDS.has(name);
    if (!this.closed) this.markExhaust(hello && request.exhaustAllowed ? (name === 'hello' ? 'hello' : 'isMaster') : undefined);
    // An awaitable hello (topologyVersion and maxAwaitTimeMS) waits for a topology change.
    const awaiting = hello && request.body.topologyVersion !== undefined && request.body.maxAwaitTimeMS !== undefined;
    if (this.running++ === 0) this.stats.active++;
    if (awaiting) this.stats.awaitingTopologyChanges++;
    try {
      const reply = await this.handler.run(request);
      if (typeof reply !== 'object' || reply === null) throw new TypeError(`handler returned ${String(reply)} instead of a document`);
      return reply;
    } catch (error) {
      logError(this.log, 'COMMAND', LogIds.assertionWhileExecutingCommand, this.ctx, {
        command: firstKey(request.body) ?? '',
        db: request.db,
        error: describe(error),
      });
      return errorToReply(error);
    } finally {
      if (--this.running === 0) this.stats.active--;
      if (awaiting) this.stats.awaitingTopologyChanges--;
    }
  }

  private logClientMetadata(body: Document): void {
    if (this.sawClientMetadata) return;
    const name = firstKey(body);
    if (name === undefined || !HELLO_COMMANDS.has(name)) return;
    this.sawClientMetadata = true;
    const client: unknown = body.client;
    if (body.internalClient !== undefined) this.info.internalClient = true;
    if (typeof client === 'object' && client !== null) {
      this.info.clientMetadata = client as Document;
      const application: unknown = (client as Document).application;
      const appName: unknown = typeof application === 'object' && application !== null ? (application as Document).name : undefined;
      if (typeof appName === 'string') this.info.appName = appName;
    }
    if (this.log.quiet || typeof client !== 'object' || client === null) return;
    logInfo(this.log, 'NETWORK', LogIds.clientMetadata, this.ctx, {
      remote: this.info.remote,
      client: this.ctx,
      doc: client as Document,
    });
  }

  private async handleOpMsg(message: OpMsgMessage): Promise<void> {
    const moreToCome = (message.flags & OpMsgFlags.moreToCome) !== 0;
    const exhaustAllowed = (message.flags & OpMsgFlags.exhaustAllowed) !== 0;
    let command: DecodedCommand;
    try {
      command = opMsgCommand(message);
    } catch (error) {
      if (!(error instanceof ServerError)) throw error;
      if (moreToCome) {
        // No reply is allowed, and the client would never learn of the error: close instead.
        this.fail(error);
        return;
      }
      this.replyMsg(error.toReply(), message.header.requestId, 0);
      return;
    }
    const request = this.request(command, { exhaustAllowed, moreToCome });
    let reply = await this.run(request);
    if (this.closed) return;
    if (moreToCome) {
      // Fire-and-forget (w:0): no reply. A not-primary error closes the connection, as the OP_MSG spec says.
      if (Number(reply.ok) !== 1 && NOT_PRIMARY_CODES.has(Number(reply.code))) {
        logInfo(this.log, 'NETWORK', LogIds.fireAndForgetOnNonPrimary, this.ctx, {
          remote: this.info.remote,
          code: reply.code,
        });
        this.close();
      }
      return;
    }
    let responseTo = message.header.requestId;
    let body = command.body;
    for (;;) {
      if (!shouldStream(body, exhaustAllowed, reply)) {
        this.replyMsg(reply, responseTo, 0);
        return;
      }
      responseTo = this.replyMsg(reply, responseTo, OpMsgFlags.moreToCome);
      if (this.closed) return;
      body = { ...body, topologyVersion: reply.topologyVersion as Document };
      const startedMillis = this.clock?.now();
      reply = await this.run({ ...request, body });
      if (this.closed) return;
      await this.holdUnchangedReply(body, reply, startedMillis);
      if (this.closed) return;
    }
  }

  /**
   * An awaitable hello must not answer before maxAwaitTimeMS unless the topology changed. If the
   * handler did (a bug), hold the reply for the rest of the wait, so a stream can never spin.
   */
  private async holdUnchangedReply(body: Document, reply: Document, startedMillis: number | undefined): Promise<void> {
    const clock = this.clock;
    if (clock === undefined || startedMillis === undefined || !sameTopologyVersion(body.topologyVersion, reply.topologyVersion)) return;
    const maxAwaitMillis = Number(body.maxAwaitTimeMS);
    if (!Number.isFinite(maxAwaitMillis)) return;
    const remainingMillis = Math.min(maxAwaitMillis, MAX_AWAIT_HOLD_MILLIS) - (clock.now() - startedMillis);
    if (remainingMillis <= 0) return;
    await sleepOn(clock, remainingMillis, this.abort.signal);
  }

  private async handleOpQuery(message: OpQueryMessage): Promise<void> {
    const command = opQueryCommand(message);
    const responseTo = message.header.requestId;
    if (command === undefined) {
      this.replyQuery(serverError('Location5739101', 'OP_QUERY is no longer supported. The client driver may require an upgrade.').toQueryFailure(), responseTo, OpReplyFlags.queryFailure);
      return;
    }
    const name = firstKey(command.body) ?? '';
    if (!OP_QUERY_COMMANDS.has(name)) {
      const error = new ServerError(
        'UnsupportedOpQueryCommand',
        `Unsupported OP_QUERY command: ${name}. The client driver may require an upgrade. For more details see https://dochub.mongodb.org/core/legacy-opcode-removal`,
      );
      this.replyQuery(error.toReply(), responseTo, 0);
      return;
    }
    const reply = await this.run(this.request(command, { exhaustAllowed: false, moreToCome: false }));
    if (this.closed) return;
    this.replyQuery(reply, responseTo, 0);
  }

  /** Serialize a reply, replacing one over the size limit by mongod's BSONObjectTooLarge error. */
  private serializeReply(reply: Document): Uint8Array {
    const sizeMax = this.limits.bsonObjectSizeBytesMax + BSON_OBJECT_INTERNAL_SLACK_BYTES;
    let bytes: Uint8Array;
    try {
      // mongod sends `ok` as a double (drivers print 1.0); a JS number 1 would go out as an int32.
      bytes = serialize(typeof reply.ok === 'number' ? { ...reply, ok: new Double(reply.ok) } : reply);
    } catch (error) {
      logError(this.log, 'NETWORK', LogIds.replySerializationFailed, this.ctx, { error: describe(error) });
      return serialize(errorToReply(error));
    }
    if (bytes.length <= sizeMax) return bytes;
    return serialize(
      new ServerError(
        'BSONObjectTooLarge',
        `BSONObj size: ${bytes.length} (0x${bytes.length.toString(16).toUpperCase()}) is invalid. Size must be between 0 and ${sizeMax}(16MB)`,
      ).toReply(),
    );
  }

  /** Send an OP_MSG reply; returns its requestID (the next streamed reply answers to it). */
  private replyMsg(reply: Document, responseTo: number, flags: number): number {
    const requestId = this.nextRequestId();
    this.send(encodeOpMsg({ requestId, responseTo, flags, body: this.serializeReply(reply) }));
    return requestId;
  }

  private replyQuery(reply: Document, responseTo: number, responseFlags: number): void {
    this.send(encodeOpReply({ requestId: this.nextRequestId(), responseTo, responseFlags, documents: [this.serializeReply(reply)] }));
  }

  private send(bytes: Uint8Array): void {
    if (this.closed || this.duplex.closed) return;
    this.stats.bytesOut += bytes.length;
    this.duplex.write(bytes);
  }
}

/** The longest a streamed reply is held back (mongod caps maxAwaitTimeMS nowhere; drivers send 10 s). */
const MAX_AWAIT_HOLD_MILLIS = 60_000;

function sameTopologyVersion(a: unknown, b: unknown): boolean {
  if (typeof a !== 'object' || a === null || typeof b !== 'object' || b === null) return false;
  const left = a as { processId?: unknown; counter?: unknown };
  const right = b as { processId?: unknown; counter?: unknown };
  return String(left.processId) === String(right.processId) && Number(left.counter) === Number(right.counter);
}

/** Stream (exhaust) only awaitable hellos the client allowed to stream, and never an error. */
function shouldStream(body: Document, exhaustAllowed: boolean, reply: Document): boolean {
  if (!exhaustAllowed) return false;
  const name = firstKey(body);
  if (name === undefined || !HELLO_COMMANDS.has(name)) return false;
  if (body.topologyVersion === undefined || body.maxAwaitTimeMS === undefined) return false;
  if (Number(reply.ok) !== 1) return false;
  return typeof reply.topologyVersion === 'object' && reply.topologyVersion !== null;
}

function describe(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}
