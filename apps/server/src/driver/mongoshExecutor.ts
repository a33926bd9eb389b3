import { EventEmitter } from 'node:events';
import { NodeDriverServiceProvider } from '@mongosh/service-provider-node-driver';
import { ConnectionString } from 'mongodb-connection-string-url';
import { MongoError, MongoServerError, MongoServerSelectionError, ReadPreference, type MongoClient } from 'mongodb';
import {
  cursorMethods,
  cursorModifiers,
  valueMethods,
  type CursorAction,
  type Document,
  type DriverErrorInfo,
  type DriverReply,
  type DriverRequest,
  type TopologyView,
} from '../protocol/driverRpc';
import { abortable } from '../shell/io';
import type { DriverGateway, OperationRecord, TrackedClient } from './gateway';
import { driverNetworkMessage, networkFailure, serverErrorCode } from './driverErrors';

export interface MongoshExecutorLimits {
  /** Open cursors one shell may hold; the oldest is closed past it. */
  cursorsMax: number;
  /** Documents one reply may carry. */
  batchDocumentsMax: number;
  /** Connections (`new Mongo()`, `connect()`) one shell may hold. */
  connectionsMax: number;
}

export const defaultMongoshExecutorLimits: MongoshExecutorLimits = { cursorsMax: 64, batchDocumentsMax: 101, connectionsMax: 8 };

/** Our error for a request the executor refuses (unknown method, connection or cursor). */
export class MongoshRequestError extends Error {
  override readonly name = 'MongoshRequestError';
}

/** The error a shell receives, in the driver's names and the Node driver's network wording. */
export function driverErrorInfo(error: unknown): DriverErrorInfo {
  if (error instanceof MongoServerSelectionError) {
    const failing = [...(error.reason?.servers.entries() ?? [])].find(([, server]) => server.error && networkFailure(server.error));
    if (failing) return { name: error.name, message: driverNetworkMessage(failing[1].error, failing[0]) };
  }
  if (error instanceof MongoError) {
    const info: DriverErrorInfo = { name: error.name, message: error.message };
    if (error instanceof MongoServerError) {
      const code = serverErrorCode(error);
      if (code !== undefined) info.code = code;
      if (error.codeName) info.codeName = error.codeName;
    }
    if (error.errorLabels.length > 0) info.errorLabels = [...error.errorLabels];
    const fields: Document = {};
    const raw = error as unknown as Record<string, unknown>;
    if (raw.errInfo !== undefined) fields.errInfo = raw.errInfo;
    if (Array.isArray(raw.writeErrors)) {
      fields.writeErrors = raw.writeErrors.map((writeError: { index?: number; code?: number; errmsg?: string; errInfo?: unknown }) => ({
        index: writeError.index,
        code: writeError.code,
        errmsg: writeError.errmsg,
        ...(writeError.errInfo !== undefined ? { errInfo: writeError.errInfo } : {}),
      }));
    }
    if (Object.keys(fields).length > 0) info.fields = fields;
    return info;
  }
  if (error instanceof MongoshRequestError) return { name: error.name, message: error.message };
  return { name: 'MongoshInternalError', message: error instanceof Error ? error.message : String(error) };
}

const readMethods = new Set(['find', 'aggregate', 'aggregateDb', 'count', 'countDocuments', 'estimatedDocumentCount', 'distinct', 'listDatabases', 'listCollections', 'getIndexes', 'getSearchIndexes']);
const commandMethods = new Set(['runCommand', 'runCommandWithCheck', 'runCursorCommand', 'getConnectionInfo', 'resetConnectionOptions']);

function operationKind(method: string): OperationRecord['kind'] {
  if (readMethods.has(method)) return 'read';
  if (commandMethods.has(method)) return 'command';
  return 'write';
}

/** Driver results that are classes with getters: the fields mongosh's shell API reads. */
function plainResult(method: string, value: unknown): unknown {
  if (method === 'bulkWrite' && value && typeof value === 'object') {
    const result = value as Record<string, unknown>;
    const fields = ['acknowledged', 'insertedCount', 'insertedIds', 'matchedCount', 'modifiedCount', 'deletedCount', 'upsertedCount', 'upsertedIds'];
    return Object.fromEntries(fields.map((field) => [field, result[field]]));
  }
  if (method === 'renameCollection') return null;
  return value;
}

/**
 * Which arguments of each method are documents for the server (filters, documents, updates,
 * pipelines, commands). They keep the BSON types they came with; every other argument (options,
 * cursor modifiers: `limit(1)`, `sort({$natural: -1})`) was plain JavaScript numbers in the shell,
 * which canonical Extended JSON brought here as Int32/Double, and the driver wants numbers back.
 */
const documentArguments: Record<string, readonly number[]> = {
  find: [2],
  aggregate: [2],
  aggregateDb: [1],
  runCursorCommand: [1],
  runCommand: [1],
  runCommandWithCheck: [1],
  insertOne: [2],
  insertMany: [2],
  updateOne: [2, 3],
  updateMany: [2, 3],
  replaceOne: [2, 3],
  deleteOne: [2],
  deleteMany: [2],
  findOneAndDelete: [2],
  findOneAndReplace: [2, 3],
  findOneAndUpdate: [2, 3],
  countDocuments: [2],
  count: [2],
  distinct: [3],
  listCollections: [1],
  bulkWrite: [2],
  createIndexes: [2],
};

function promoteNumbers(value: unknown, depth = 0): unknown {
  if (value === null || typeof value !== 'object' || depth > 100) return value;
  const bsontype = (value as { _bsontype?: unknown })._bsontype;
  if (bsontype === 'Int32' || bsontype === 'Double') return (value as { value: number }).value;
  if (Array.isArray(value)) return value.map((item) => promoteNumbers(item, depth + 1));
  if (bsontype !== undefined || Object.getPrototypeOf(value) !== Object.prototype) return value;
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, promoteNumbers(item, depth + 1)]));
}

/** Arguments as the shell made them: `undefined` for what JSON made `null`, numbers outside documents. */
function argumentsOf(method: string, args: unknown[]): unknown[] {
  const documents = documentArguments[method] ?? [];
  return args.map((arg, index) => (arg === null ? undefined : documents.includes(index) ? arg : promoteNumbers(arg)));
}

function readPreferenceOf(value: unknown): ReadPreference | string {
  if (typeof value === 'string') return value;
  const view = value as { mode: string; tags?: Document[]; maxStalenessSeconds?: number; hedge?: Document };
  return new ReadPreference(view.mode as never, view.tags as never, {
    ...(view.maxStalenessSeconds !== undefined ? { maxStalenessSeconds: view.maxStalenessSeconds } : {}),
    ...(view.hedge ? { hedge: view.hedge } : {}),
  });
}

interface Connection {
  tracked: TrackedClient;
  /** mongosh's own provider around the client the gateway tracks (rebuilt when the gateway revives it). */
  provider: NodeDriverServiceProvider;
  client: MongoClient;
  uri: string;
}

interface DriverCursor {
  hasNext(): Promise<boolean>;
  bufferedCount(): number;
  readBufferedDocuments(count?: number): Document[];
  close(): Promise<void>;
  readonly closed: boolean;
  explain?(verbosity?: unknown): Promise<Document>;
  count?(options?: unknown): Promise<number>;
}

/**
 * Runs the driver calls of one mongosh shell (a browser tab's, or a CI run's) against its
 * sandbox: each connection is a client of the sandbox's DriverGateway, wrapped in mongosh's own
 * NodeDriverServiceProvider so the options and defaults are mongosh's (promoteLongs off,
 * serializeFunctions on...). Every call is recorded by the gateway for the timeline and the checks.
 * Learner code never arrives here: only method names from fixed lists and their BSON arguments.
 */
export class MongoshExecutor {
  private readonly connections = new Map<string, Connection>();
  private readonly cursors = new Map<string, { connection: string; cursor: DriverCursor }>();
  private counter = 0;

  constructor(
    private readonly gateway: DriverGateway,
    private readonly limits: MongoshExecutorLimits = defaultMongoshExecutorLimits,
  ) {}

  async handle(request: DriverRequest, signal: AbortSignal = new AbortController().signal): Promise<DriverReply> {
    switch (request.op) {
      case 'connect':
        return this.connect(request.uri, request.options, signal);
      case 'call':
        return this.call(request.connection, request.method, argumentsOf(request.method, request.args), signal);
      case 'cursor.open':
        return this.openCursor(request, signal);
      case 'cursor.more': {
        const entry = this.cursors.get(request.cursor);
        if (!entry) throw new MongoshRequestError(`no cursor ${request.cursor}`);
        const connection = this.connection(entry.connection);
        return this.run(connection, 'find', signal, () => this.batch(request.cursor, entry.cursor, connection, request.max));
      }
      case 'cursor.close': {
        const entry = this.cursors.get(request.cursor);
        this.cursors.delete(request.cursor);
        await entry?.cursor.close().catch(() => undefined);
        return { op: 'closed' };
      }
      case 'topology':
        return { op: 'topology', topology: this.topology(this.connection(request.connection)) };
      case 'close':
        await this.closeConnection(request.connection);
        return { op: 'closed' };
    }
  }

  private connection(id: string): Connection {
    const connection = this.connections.get(id);
    if (!connection) throw new MongoshRequestError(`no connection ${id}`);
    // The gateway starts a client afresh after "Topology is closed"; follow it.
    if (connection.client !== connection.tracked.client) {
      connection.client = connection.tracked.client;
      connection.provider = this.provider(connection.tracked.client, connection.uri);
    }
    return connection;
  }

  private provider(client: MongoClient, uri: string): NodeDriverServiceProvider {
    const options = { productName: 'MongoDB Shell', productDocsLink: 'https://www.mongodb.com/docs/mongodb-shell/' };
    return new NodeDriverServiceProvider(client, new EventEmitter() as never, options as never, new ConnectionString(uri));
  }

  private topology(connection: Connection): TopologyView {
    const { tracked } = connection;
    const type = tracked.view.directConnection ? 'Single' : tracked.topologyType;
    return {
      type,
      setName: tracked.setName,
      servers: [...tracked.servers].map(([address, serverType]) => ({ address, type: serverType, setName: tracked.setName })),
    };
  }

  private run<T>(connection: Connection, method: string, signal: AbortSignal, work: () => Promise<T>): Promise<T> {
    return this.gateway.record(connection.tracked, operationKind(method), () => abortable(work(), signal), (error) => driverErrorInfo(error).name);
  }

  private async connect(uri: string, options: Document, signal: AbortSignal): Promise<DriverReply> {
    if (this.connections.size >= this.limits.connectionsMax) {
      throw new MongoshRequestError(`a shell may hold at most ${this.limits.connectionsMax} connections; close one first`);
    }
    const parsed = new ConnectionString(uri);
    const search = parsed.typedSearchParams<{ directConnection: string; replicaSet: string; loadBalanced: string }>();
    const explicit = search.get('directConnection');
    const direct = explicit !== null ? explicit === 'true' : parsed.hosts.length === 1 && !search.has('replicaSet') && !search.has('loadBalanced');
    const driverOptions = Object.fromEntries(Object.entries(options).filter(([key]) => ['retryWrites', 'retryReads', 'serverSelectionTimeoutMS', 'appName'].includes(key)));
    const tracked = this.gateway.open({ api: 'mongosh', seeds: parsed.hosts, uri, options: { ...driverOptions, directConnection: direct } });
    this.counter += 1;
    const id = `m${this.counter}`;
    const connection: Connection = { tracked, client: tracked.client, provider: this.provider(tracked.client, uri), uri };
    try {
      await this.run(connection, 'runCommand', signal, () => tracked.client.connect());
    } catch (error) {
      await this.gateway.close(tracked.id);
      throw error;
    }
    this.connections.set(id, connection);
    return { op: 'connect', connection: id, topology: this.topology(connection) };
  }

  private async call(id: string, method: string, args: unknown[], signal: AbortSignal): Promise<DriverReply> {
    if (!(valueMethods as readonly string[]).includes(method)) throw new MongoshRequestError(`mongosh cannot call ${method} here`);
    const connection = this.connection(id);
    if (method === 'resetConnectionOptions') return this.resetConnectionOptions(id, connection, (args[0] ?? {}) as Document, signal);
    const provider = connection.provider as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>;
    const value = await this.run(connection, method, signal, () => (provider[method] as (...a: unknown[]) => Promise<unknown>).apply(connection.provider, args));
    return { op: 'call', value: plainResult(method, value), topology: this.topology(connection) };
  }

  /** `db.getMongo().setReadPref()` and friends: the same client with new options, as mongosh reconnects. */
  private async resetConnectionOptions(id: string, old: Connection, options: Document, signal: AbortSignal): Promise<DriverReply> {
    const request = old.tracked.request;
    const merged = { ...request.options, ...Object.fromEntries(Object.entries(options).filter(([key]) => ['readPreference', 'readConcern', 'writeConcern', 'readPreferenceTags'].includes(key))) };
    const tracked = this.gateway.open({ ...request, options: merged as never });
    const connection: Connection = { tracked, client: tracked.client, provider: this.provider(tracked.client, old.uri), uri: old.uri };
    await this.run(connection, 'resetConnectionOptions', signal, () => tracked.client.connect());
    this.connections.set(id, connection);
    await this.gateway.close(old.tracked.id);
    return { op: 'call', value: null, topology: this.topology(connection) };
  }

  private async openCursor(request: Extract<DriverRequest, { op: 'cursor.open' }>, signal: AbortSignal): Promise<DriverReply> {
    if (!(cursorMethods as readonly string[]).includes(request.method)) throw new MongoshRequestError(`mongosh cannot open a cursor with ${request.method}`);
    const connection = this.connection(request.connection);
    return this.run(connection, request.method, signal, async () => {
      const provider = connection.provider as unknown as Record<string, (...a: unknown[]) => DriverCursor>;
      const cursor = (provider[request.method] as (...a: unknown[]) => DriverCursor).apply(connection.provider, argumentsOf(request.method, request.args));
      try {
        for (const [name, ...raw] of request.modifiers) {
          if (!(cursorModifiers as readonly string[]).includes(name)) throw new MongoshRequestError(`unknown cursor method ${name}`);
          const args = raw.map((arg) => promoteNumbers(arg));
          const modifierArgs = name === 'withReadPreference' ? [readPreferenceOf(args[0])] : args;
          (cursor as unknown as Record<string, (...a: unknown[]) => unknown>)[name]?.(...modifierArgs);
        }
        return await this.act(cursor, request.connection, connection, request.action);
      } catch (error) {
        await cursor.close().catch(() => undefined);
        throw error;
      }
    });
  }

  private async act(cursor: DriverCursor, connectionId: string, connection: Connection, action: CursorAction): Promise<DriverReply> {
    if (action.kind === 'explain') {
      const value = await cursor.explain?.(action.verbosity);
      await cursor.close();
      return { op: 'cursor', cursor: null, batch: [], value, topology: this.topology(connection) };
    }
    if (action.kind === 'count') {
      if (!cursor.count) throw new MongoshRequestError('this cursor has no count()');
      const value = await cursor.count(action.options);
      await cursor.close();
      return { op: 'cursor', cursor: null, batch: [], value, topology: this.topology(connection) };
    }
    this.counter += 1;
    const id = `k${this.counter}`;
    if (this.cursors.size >= this.limits.cursorsMax) {
      const [oldest] = this.cursors;
      if (oldest) {
        this.cursors.delete(oldest[0]);
        void oldest[1].cursor.close().catch(() => undefined);
      }
    }
    this.cursors.set(id, { connection: connectionId, cursor });
    return this.batch(id, cursor, connection, action.max);
  }

  /** The next documents of a cursor, at most `max` (and never more than the executor allows). */
  private async batch(id: string, cursor: DriverCursor, connection: Connection, max: number): Promise<DriverReply> {
    const limit = Math.max(1, Math.min(max, this.limits.batchDocumentsMax));
    if (cursor.bufferedCount() === 0) await cursor.hasNext();
    const batch = cursor.readBufferedDocuments(Math.min(limit, cursor.bufferedCount()));
    const done = cursor.closed;
    if (done) this.cursors.delete(id);
    return { op: 'cursor', cursor: done ? null : id, batch, topology: this.topology(connection) };
  }

  private async closeConnection(id: string): Promise<void> {
    const connection = this.connections.get(id);
    if (!connection) return;
    this.connections.delete(id);
    for (const [cursorId, entry] of this.cursors) {
      if (entry.connection === id) {
        this.cursors.delete(cursorId);
        await entry.cursor.close().catch(() => undefined);
      }
    }
    await this.gateway.close(connection.tracked.id);
  }

  /** The shell is gone (tab closed, mongosh exited): close everything it opened. */
  async dispose(): Promise<void> {
    for (const id of [...this.connections.keys()]) await this.closeConnection(id);
  }
}
