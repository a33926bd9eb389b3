/**
 * The server's side of the driver RPC: a client runtime in the learner's tab (our Python pymongo,
 * mongosh's service provider) asks for one driver operation at a time; this runs it with the
 * official Node driver through the sandbox's DriverGateway (so SDAM and command events still feed
 * the timeline and the lesson checks) and answers in canonical EJSON. Shaped like mongosh's
 * ServiceProvider; see /work/team/runtime-host.md.
 */
import { EJSON, type Document } from 'bson';
import type {
  FindCursor,
  AggregationCursor} from 'mongodb';
import {
  ChangeStream,
  type ClientSession,
  MongoBulkWriteError,
  MongoError,
  MongoNetworkError,
  MongoServerError,
  MongoServerSelectionError,
  ReadPreference,
  type AnyBulkWriteOperation,
  type MongoClientOptions,
} from 'mongodb';
import type { DriverRpcError } from '@rslab/runtime';
import { abortable, InterruptedError } from '../shell/io';
import type { DriverGateway, OperationRecord, TrackedClient } from '../driver/gateway';
import { networkFailure, serverErrorCode } from '../driver/driverErrors';
import { defaultDriverRpcLimits, type CallContext, type DriverRpcLimits, type RpcReply } from '../driver/labDriver';
import { driverWaitLine } from './waitLine';

export { defaultDriverRpcLimits, type CallContext, type DriverRpcLimits, type RpcReply } from '../driver/labDriver';

type Params = Record<string, unknown>;
type Cursorish = FindCursor | AggregationCursor | ChangeStream;

interface OpenCursor {
  cursor: Cursorish;
  client: TrackedClient;
  ns: string;
}

/** The member a network error came from, when the driver's error does not say. */
const networkAddresses = new WeakMap<Error, string>();

const notPrimaryCodes = new Set([10107, 13435, 10058, 189, 11602, 13436, 11600, 91, 21]);

/** Our own error for a call that is malformed or over a limit; stable names the runtimes map. */
export class RpcRefused extends Error {
  constructor(
    override readonly name: 'RpcInvalid' | 'RpcLimit' | 'UnknownHandle',
    message: string,
  ) {
    super(message);
  }
}

/** The exception PyMongo would raise, for the record the lesson checks read (the page's Python raises its own). */
function pymongoName(error: DriverRpcError, legacy: boolean): string {
  if (error.name === 'MongoServerSelectionError') return legacy ? 'AutoReconnect' : 'ServerSelectionTimeoutError';
  if (error.network) return error.network === 'timedOut' && !legacy ? 'NetworkTimeout' : 'AutoReconnect';
  if (error.code !== undefined && notPrimaryCodes.has(error.code)) return legacy ? 'AutoReconnect' : 'NotPrimaryError';
  if (error.code === 11000) return 'DuplicateKeyError';
  if (error.name === 'MongoServerError') return 'OperationFailure';
  return error.name;
}

/** A driver error described for the runtime (runtime-host.md, "Errors"). */
export function describeError(error: unknown): DriverRpcError {
  if (error instanceof SyntheticDriverError) return error.described;
  if (error instanceof InterruptedError) return { name: 'Interrupted', message: 'interrupted' };
  if (error instanceof RpcRefused) return { name: error.name, message: error.message };
  if (error instanceof MongoServerSelectionError) {
    const servers = [...(error.reason?.servers.entries() ?? [])].map(([address, server]) => ({
      address,
      type: server.type,
      ...(server.error ? { error: { message: server.error.message, ...(networkFailure(server.error) ? { network: networkFailure(server.error) as string } : {}) } } : {}),
    }));
    return { name: error.name, message: error.message, selection: { timeoutMillis: 0, servers } };
  }
  if (error instanceof MongoBulkWriteError) {
    const result = error.result;
    return {
      name: error.name,
      message: error.message,
      ...(error.code !== undefined ? { code: Number(error.code) } : {}),
      bulkResult: EJSON.serialize(
        {
          writeErrors: error.writeErrors instanceof Array ? error.writeErrors.map((e) => ({ index: e.index, code: e.code, errmsg: e.errmsg, op: e.getOperation() })) : [],
          writeConcernErrors: [],
          nInserted: result?.insertedCount ?? 0,
          nUpserted: result?.upsertedCount ?? 0,
          nMatched: result?.matchedCount ?? 0,
          nModified: result?.modifiedCount ?? 0,
          nRemoved: result?.deletedCount ?? 0,
          upserted: [],
        },
        { relaxed: false },
      ),
    };
  }
  if (error instanceof MongoServerError) {
    const code = serverErrorCode(error);
    return {
      name: error.name,
      message: error.message,
      ...(code !== undefined ? { code } : {}),
      ...(error.codeName ? { codeName: error.codeName } : {}),
      errmsg: error.errmsg ?? error.message,
      ...(error.errorLabels.length > 0 ? { errorLabels: [...error.errorLabels] } : {}),
      ...(error.errorResponse ? { errorResponse: EJSON.serialize(error.errorResponse, { relaxed: false }) } : {}),
    };
  }
  if (error instanceof MongoNetworkError) {
    const address = networkAddresses.get(error);
    return {
      name: error.name,
      message: error.message,
      network: networkFailure(error) ?? 'other',
      ...(address ? { address } : {}),
      ...(error.errorLabels.length > 0 ? { errorLabels: [...error.errorLabels] } : {}),
    };
  }
  if (error instanceof MongoError) return { name: error.name, message: error.message, ...(error.errorLabels.length > 0 ? { errorLabels: [...error.errorLabels] } : {}) };
  // Node's own socket error, which mongodb 7.5.0 hands on unwrapped when a write waited for 'drain'
  // (cmap/connection.ts writeCommand): a network error to the learner's driver, as a MongoNetworkError would be.
  const failure = networkFailure(error);
  if (failure) return { name: 'MongoNetworkError', message: (error as Error).message, network: failure };
  return { name: 'RpcInvalid', message: error instanceof Error ? error.message : String(error) };
}

function text(value: unknown, what: string): string {
  if (typeof value !== 'string' || value.length === 0) throw new RpcRefused('RpcInvalid', `${what} must be a non-empty string`);
  return value;
}

function doc(value: unknown, what: string): Document {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw new RpcRefused('RpcInvalid', `${what} must be a document`);
  return value as Document;
}

/**
 * One connection's (one page's, or the Node host's) driver calls, against one sandbox's gateway.
 * Clients it opens belong to the runtime session that opened them and close when it ends.
 */
export class DriverRpcExecutor {
  private readonly cursors = new Map<string, OpenCursor>();
  private readonly sessions = new Map<string, { session: ClientSession; client: TrackedClient }>();
  private readonly clientsBySession = new Map<string, Set<string>>();
  private readonly inFlight = new Map<number, AbortController>();
  private readonly limits: DriverRpcLimits;
  private counter = 0;
  private windowStart = 0;
  private windowCount = 0;

  constructor(
    private readonly gateway: DriverGateway,
    /** The sandbox's clock: while it is paused no member answers, and the wait line says why. */
    private readonly clock: { readonly paused: boolean },
    limits: Partial<DriverRpcLimits> = {},
  ) {
    this.limits = { ...defaultDriverRpcLimits, ...limits };
  }

  get openCursors(): number {
    return this.cursors.size;
  }

  /** Run one call; never throws: failures are answered as `{ok: false, error}`. */
  async call(id: number, runtimeSession: string, method: string, rawParams: unknown, ctx: CallContext): Promise<RpcReply> {
    if (this.inFlight.size >= this.limits.callsInFlightMax) {
      return { ok: false, error: { name: 'RpcLimit', message: `at most ${this.limits.callsInFlightMax} driver calls at once` } };
    }
    const controller = new AbortController();
    this.inFlight.set(id, controller);
    try {
      await this.throttle(controller.signal);
      const params = this.decode(rawParams);
      const result = await this.dispatch(runtimeSession, method, params, controller.signal, ctx);
      return { ok: true, result: this.encode(result) };
    } catch (error) {
      return { ok: false, error: describeError(error) };
    } finally {
      this.inFlight.delete(id);
      ctx.onProgress(null);
    }
  }

  /** Ctrl-C in the page: the call it waits for gives up. */
  cancel(id: number): void {
    this.inFlight.get(id)?.abort();
  }

  /** The runtime session ended (exit, tab closed, page gone): close what it opened. */
  async endSession(runtimeSession: string): Promise<void> {
    const clients = this.clientsBySession.get(runtimeSession);
    this.clientsBySession.delete(runtimeSession);
    if (!clients) return;
    for (const [key, open] of this.cursors) if (clients.has(open.client.id)) this.cursors.delete(key);
    for (const [key, open] of this.sessions) {
      if (clients.has(open.client.id)) {
        this.sessions.delete(key);
        void open.session.endSession().catch(() => undefined);
      }
    }
    await Promise.allSettled([...clients].map((client) => this.gateway.close(client)));
  }

  async dispose(): Promise<void> {
    for (const controller of this.inFlight.values()) controller.abort();
    await Promise.allSettled([...this.clientsBySession.keys()].map((session) => this.endSession(session)));
  }

  private async throttle(signal: AbortSignal): Promise<void> {
    for (;;) {
      const now = Date.now();
      if (now - this.windowStart >= 1000) {
        this.windowStart = now;
        this.windowCount = 0;
      }
      if (this.windowCount < this.limits.callsPerSecondMax) {
        this.windowCount += 1;
        return;
      }
      await abortable(new Promise((resolve) => setTimeout(resolve, 1000 - (now - this.windowStart))), signal);
    }
  }

  /** Documents keep BSON's types (Int32, Double, Long…); option values become plain numbers. */
  private decode(raw: unknown): Params {
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new RpcRefused('RpcInvalid', 'params must be an object');
    const exact = EJSON.deserialize(raw as Document, { relaxed: false }) as Params;
    if ('options' in exact) exact.options = EJSON.deserialize({ options: (raw as Params).options } as Document, { relaxed: true }).options;
    return exact;
  }

  private encode(result: unknown): unknown {
    const encoded = EJSON.serialize(result as Document, { relaxed: false });
    const size = JSON.stringify(encoded).length;
    if (size > this.limits.replyBytesMax) throw new RpcRefused('RpcLimit', `the answer is ${size} bytes; at most ${this.limits.replyBytesMax} go back in one call (use a smaller batch_size)`);
    return encoded;
  }

  private client(params: Params): TrackedClient {
    const id = text(params.client, 'client');
    const tracked = this.gateway.get(id);
    if (!tracked || tracked.view.closed) throw new RpcRefused('UnknownHandle', 'Cannot use MongoClient after close');
    return tracked;
  }

  private options(params: Params): Document {
    const options = { ...doc(params.options, 'options') };
    if (typeof options.session === 'string') {
      const open = this.sessions.get(options.session);
      if (!open) throw new RpcRefused('UnknownHandle', 'Cannot use ended session');
      options.session = open.session;
    }
    if (typeof options.readPreference === 'string') options.readPreference = ReadPreference.fromString(options.readPreference);
    return options;
  }

  private collection(tracked: TrackedClient, params: Params) {
    return tracked.client.db(text(params.db, 'db')).collection(text(params.coll, 'coll'));
  }

  private dispatch(runtimeSession: string, method: string, params: Params, signal: AbortSignal, ctx: CallContext): Promise<unknown> {
    switch (method) {
      case 'connect':
        // A sandbox on a worker that is still starting (one replacing a lost worker) has no bridge port yet.
        return this.gateway.routeReady().then(() => this.connect(runtimeSession, params));
      case 'close': {
        const id = text(params.client, 'client');
        this.clientsBySession.get(runtimeSession)?.delete(id);
        return this.gateway.close(id).then(() => ({}));
      }
      case 'topology':
        return Promise.resolve(this.topology(this.client(params)));
    }
    const tracked = this.client(params);
    const run = <T>(kind: OperationRecord['kind'], operation: () => Promise<T>): Promise<T> => this.run(tracked, kind, operation, signal, ctx);
    switch (method) {
      case 'runCommand':
        return run('command', () => tracked.client.db(text(params.db, 'db')).command(doc(params.command, 'command'), { ...this.options(params), promoteValues: false })).then((document) => ({ document }));
      case 'insertOne':
        return run('write', () => this.collection(tracked, params).insertOne(doc(params.doc, 'doc'), this.options(params)));
      case 'insertMany':
        return run('write', () => this.collection(tracked, params).insertMany((params.docs as Document[]) ?? [], this.options(params)));
      case 'updateOne':
        return run('write', () => this.collection(tracked, params).updateOne(doc(params.filter, 'filter'), params.update as Document, this.options(params)));
      case 'updateMany':
        return run('write', () => this.collection(tracked, params).updateMany(doc(params.filter, 'filter'), params.update as Document, this.options(params)));
      case 'replaceOne':
        return run('write', () => this.collection(tracked, params).replaceOne(doc(params.filter, 'filter'), doc(params.replacement, 'replacement'), this.options(params)));
      case 'deleteOne':
        return run('write', () => this.collection(tracked, params).deleteOne(doc(params.filter, 'filter'), this.options(params)));
      case 'deleteMany':
        return run('write', () => this.collection(tracked, params).deleteMany(doc(params.filter, 'filter'), this.options(params)));
      case 'bulkWrite':
        return run('write', () => this.collection(tracked, params).bulkWrite((params.operations as AnyBulkWriteOperation[]) ?? [], this.options(params))).then((result) => ({
          acknowledged: result.isOk(),
          result: { writeErrors: [], writeConcernErrors: [], nInserted: result.insertedCount, nUpserted: result.upsertedCount, nMatched: result.matchedCount, nModified: result.modifiedCount, nRemoved: result.deletedCount, upserted: Object.entries(result.upsertedIds).map(([index, _id]) => ({ index: Number(index), _id })) },
        }));
      case 'findOneAndUpdate':
        return run('write', () => this.collection(tracked, params).findOneAndUpdate(doc(params.filter, 'filter'), params.update as Document, { ...this.options(params), includeResultMetadata: false, promoteValues: false } as never)).then((document) => ({ document }));
      case 'findOneAndReplace':
        return run('write', () => this.collection(tracked, params).findOneAndReplace(doc(params.filter, 'filter'), doc(params.replacement, 'replacement'), { ...this.options(params), includeResultMetadata: false, promoteValues: false } as never)).then((document) => ({ document }));
      case 'findOneAndDelete':
        return run('write', () => this.collection(tracked, params).findOneAndDelete(doc(params.filter, 'filter'), { ...this.options(params), includeResultMetadata: false, promoteValues: false } as never)).then((document) => ({ document }));
      case 'countDocuments':
        return run('read', () => this.collection(tracked, params).countDocuments(doc(params.filter, 'filter'), this.options(params))).then((count) => ({ count }));
      case 'estimatedDocumentCount':
        return run('read', () => this.collection(tracked, params).estimatedDocumentCount(this.options(params))).then((count) => ({ count }));
      case 'distinct':
        return run('read', () => this.collection(tracked, params).distinct(text(params.key, 'key'), doc(params.filter, 'filter'), this.options(params))).then((values) => ({ values }));
      case 'listDatabases':
        return run('read', () => tracked.client.db('admin').admin().listDatabases(this.options(params))).then((document) => ({ document }));
      case 'listCollections':
        return run('read', () => tracked.client.db(text(params.db, 'db')).listCollections(doc(params.filter, 'filter'), this.options(params)).toArray()).then((collections) => ({
          collections: [...collections].sort((a, b) => String(a.name).localeCompare(String(b.name))),
        }));
      case 'createIndexes':
        return run('write', () => this.collection(tracked, params).createIndexes((params.indexes as never[]) ?? [], this.options(params))).then((names) => ({ names }));
      case 'dropCollection':
        return run('write', () => this.collection(tracked, params).drop(this.options(params)).catch((error: unknown) => {
          if (error instanceof MongoServerError && serverErrorCode(error) === 26) return false;
          throw error;
        })).then((dropped) => ({ dropped }));
      case 'dropDatabase':
        return run('write', () => tracked.client.db(text(params.db, 'db')).dropDatabase(this.options(params))).then((dropped) => ({ dropped }));
      case 'find':
        return this.openCursor(tracked, `${params.db}.${params.coll}`, () => this.collection(tracked, params).find(doc(params.filter, 'filter'), { ...this.options(params), promoteValues: false }), signal, ctx);
      case 'aggregate': {
        const pipeline = (params.pipeline as Document[]) ?? [];
        const db = tracked.client.db(text(params.db, 'db'));
        const make = params.coll ? () => db.collection(String(params.coll)).aggregate(pipeline, { ...this.options(params), promoteValues: false }) : () => db.aggregate(pipeline, { ...this.options(params), promoteValues: false });
        return this.openCursor(tracked, `${params.db}.${params.coll ?? '$cmd.aggregate'}`, make, signal, ctx);
      }
      case 'watch': {
        const pipeline = (params.pipeline as Document[]) ?? [];
        const options = { maxAwaitTimeMS: 1000, ...this.options(params) };
        const target = params.coll ? tracked.client.db(String(params.db)).collection(String(params.coll)) : params.db ? tracked.client.db(String(params.db)) : tracked.client;
        return this.openCursor(tracked, String(params.coll ?? params.db ?? ''), () => target.watch(pipeline, options), signal, ctx);
      }
      case 'getMore':
        return this.getMore(text(params.cursor, 'cursor'), signal, ctx);
      case 'killCursors': {
        const key = text(params.cursor, 'cursor');
        const open = this.cursors.get(key);
        this.cursors.delete(key);
        return (open ? open.cursor.close() : Promise.resolve()).then(() => ({}));
      }
      case 'startSession': {
        if (this.sessions.size >= this.limits.sessionsMax) throw new RpcRefused('RpcLimit', `at most ${this.limits.sessionsMax} sessions at once`);
        const session = tracked.client.startSession(doc(params.options, 'options'));
        const key = `s${++this.counter}`;
        this.sessions.set(key, { session, client: tracked });
        return Promise.resolve({ session: key });
      }
      case 'endSession':
      case 'startTransaction':
      case 'commitTransaction':
      case 'abortTransaction': {
        const key = text(params.session, 'session');
        const open = this.sessions.get(key);
        if (!open) throw new RpcRefused('UnknownHandle', 'Cannot use ended session');
        if (method === 'endSession') {
          this.sessions.delete(key);
          return open.session.endSession().then(() => ({}));
        }
        if (method === 'startTransaction') {
          open.session.startTransaction(doc(params.options, 'options'));
          return Promise.resolve({});
        }
        return run('write', () => (method === 'commitTransaction' ? open.session.commitTransaction() : open.session.abortTransaction())).then(() => ({}));
      }
      default:
        throw new RpcRefused('RpcInvalid', `no driver method '${method}'`);
    }
  }

  private connect(runtimeSession: string, params: Params): { client: string } {
    const label = params.label === 'Connection' || params.label === 'mongosh' ? params.label : 'MongoClient';
    const seeds = Array.isArray(params.seeds) ? params.seeds.map(String) : [];
    const uri = typeof params.uri === 'string' ? params.uri : undefined;
    if (seeds.length === 0 && !uri) throw new RpcRefused('RpcInvalid', 'connect needs seeds or a uri');
    const raw = doc(params.options, 'options');
    const options: MongoClientOptions = { promoteValues: false };
    for (const key of ['directConnection', 'replicaSet', 'serverSelectionTimeoutMS', 'connectTimeoutMS', 'socketTimeoutMS', 'heartbeatFrequencyMS', 'localThresholdMS', 'retryReads', 'retryWrites', 'appName', 'w', 'wtimeoutMS', 'journal', 'readConcernLevel'] as const) {
      if (raw[key] !== undefined) (options as Record<string, unknown>)[key] = raw[key];
    }
    if (typeof raw.readPreference === 'string') options.readPreference = ReadPreference.fromString(raw.readPreference);
    const tracked = this.gateway.open({ api: label, seeds, ...(uri ? { uri } : {}), options, legacy: params.legacy === 'pymongo-1.8' });
    const mine = this.clientsBySession.get(runtimeSession) ?? new Set<string>();
    mine.add(tracked.id);
    this.clientsBySession.set(runtimeSession, mine);
    // Today's drivers start monitoring when the client is made; the Node driver waits for a first
    // operation unless told to connect.
    if (label !== 'Connection') void tracked.client.connect().catch(() => undefined);
    return { client: tracked.id };
  }

  private topology(tracked: TrackedClient): Document {
    const servers = [...tracked.servers].map(([address, type]) => ({ address, type }));
    const primary = servers.find((s) => s.type === 'RSPrimary')?.address ?? null;
    const replicaSet = servers.some((s) => s.type.startsWith('RS'));
    const type = tracked.view.directConnection ? 'Single' : replicaSet ? (primary ? 'ReplicaSetWithPrimary' : 'ReplicaSetNoPrimary') : servers.some((s) => s.type === 'Mongos') ? 'Sharded' : 'Unknown';
    return { type, setName: tracked.setName, primary, servers, servedBy: tracked.lastServer };
  }

  private async openCursor(tracked: TrackedClient, ns: string, make: () => Cursorish, signal: AbortSignal, ctx: CallContext): Promise<Document> {
    const cursor = make();
    const batch = await this.run(tracked, 'read', () => this.nextBatch(cursor), signal, ctx);
    const exhausted = cursor instanceof ChangeStream ? cursor.closed : cursor.closed || (cursor.id !== undefined && cursor.id.isZero() && cursor.bufferedCount() === 0);
    if (exhausted) {
      await cursor.close().catch(() => undefined);
      return { cursor: null, batch, ns, servedBy: tracked.lastServer };
    }
    if (this.cursors.size >= this.limits.cursorsMax) {
      const [oldestKey, oldest] = this.cursors.entries().next().value as [string, OpenCursor];
      this.cursors.delete(oldestKey);
      void oldest.cursor.close().catch(() => undefined);
    }
    const key = `k${++this.counter}`;
    this.cursors.set(key, { cursor, client: tracked, ns });
    return { cursor: key, batch, ns, servedBy: tracked.lastServer };
  }

  private async getMore(key: string, signal: AbortSignal, ctx: CallContext): Promise<Document> {
    const open = this.cursors.get(key);
    if (!open) throw new RpcRefused('UnknownHandle', 'cursor id not found (it was closed, or the shell that opened it restarted)');
    const batch = await this.run(open.client, 'read', () => this.nextBatch(open.cursor), signal, ctx);
    const cursor = open.cursor;
    const exhausted = cursor instanceof ChangeStream ? cursor.closed : cursor.closed || (cursor.id !== undefined && cursor.id.isZero() && cursor.bufferedCount() === 0);
    if (exhausted) {
      this.cursors.delete(key);
      await cursor.close().catch(() => undefined);
      return { cursor: null, batch, servedBy: open.client.lastServer };
    }
    return { cursor: key, batch, servedBy: open.client.lastServer };
  }

  /** One batch: what the driver has buffered (after fetching a batch if it has none), capped. */
  private async nextBatch(cursor: Cursorish): Promise<Document[]> {
    if (cursor instanceof ChangeStream) {
      const change = await cursor.tryNext();
      return change ? [change as Document] : [];
    }
    const first = await cursor.tryNext();
    if (first === null) return [];
    const batch: Document[] = [first];
    const buffered = Math.min(cursor.bufferedCount(), this.limits.batchDocumentsMax - 1);
    if (buffered > 0) batch.push(...cursor.readBufferedDocuments(buffered));
    return batch;
  }

  /** Run one operation through the gateway (which records it), with 1.8's pinning and the wait line. */
  private async run<T>(tracked: TrackedClient, kind: OperationRecord['kind'], operation: () => Promise<T>, signal: AbortSignal, ctx: CallContext): Promise<T> {
    const legacy = tracked.legacy;
    if (legacy && !tracked.view.directConnection) {
      // 1.8 kept talking to the member it had found as primary. Once that member is no longer the
      // primary, the next operation fails and the one after looks for a new primary.
      const lost = tracked.pinned;
      if (lost !== null && lost !== tracked.view.primary) {
        tracked.pinned = null;
        const stillUp = tracked.servers.get(lost) === 'RSSecondary';
        const heartbeat = tracked.heartbeatFailures.get(lost);
        const failure: DriverRpcError = stillUp
          ? { name: 'MongoServerError', message: 'not master', errmsg: 'not master', code: 10107, codeName: 'NotWritablePrimary' }
          : { name: 'MongoNetworkError', message: `connection to ${lost} failed`, network: (heartbeat ? networkFailure(heartbeat) : null) ?? 'refused', address: lost };
        const error = new SyntheticDriverError(failure);
        return this.gateway.record(tracked, kind, () => Promise.reject(error), () => pymongoName(failure, true));
      }
    }
    const started = Date.now();
    const ticker = legacy
      ? null
      : setInterval(() => {
          const line = driverWaitLine({
            servers: tracked.servers,
            hasPrimary: Boolean(tracked.view.primary),
            waitedSeconds: Math.round((Date.now() - started) / 1000),
            paused: this.clock.paused,
          });
          if (line !== null) ctx.onProgress(line);
        }, 1000);
    try {
      const result = await this.gateway.record(tracked, kind, () => abortable(operation(), signal), (error) => {
        const described = describeError(error);
        return tracked.view.api === 'mongosh' ? described.name : pymongoName(described, legacy);
      });
      if (legacy && tracked.lastServer !== null && tracked.lastServer === tracked.view.primary) tracked.pinned = tracked.lastServer;
      return result;
    } catch (error) {
      if (legacy) tracked.pinned = null;
      if (error instanceof MongoNetworkError && tracked.lastServer) networkAddresses.set(error, tracked.lastServer);
      throw error;
    } finally {
      if (ticker) clearInterval(ticker);
    }
  }
}

/** A failure the lab makes up for 1.8's Connection (it had no server discovery to find out later). */
class SyntheticDriverError extends Error {
  override readonly name = 'SyntheticDriverError';
  constructor(readonly described: DriverRpcError) {
    super(described.message);
  }
}
