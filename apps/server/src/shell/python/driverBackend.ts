import {
  MongoNetworkError,
  MongoServerError,
  MongoServerSelectionError,
  ReadPreference,
  type Document,
  type MongoClientOptions,
} from 'mongodb';
import {
  PyMongoBackendError,
  type BackendCallContext,
  type BsonDocument,
  type FindOptions,
  type HostPort,
  type Namespace,
  type PyClientHandle,
  type PyConnectOptions,
  type PyMongoBackend,
} from './backend';
import { fromBson } from './bsonTypes';
import { repr } from './values';
import { abortable, InterruptedError } from '../io';
import type { DriverGateway, TrackedClient } from '../../driver/gateway';
import { networkFailure, serverErrorCode } from '../../driver/driverErrors';

/** The 2010 driver gave up at once; a short server selection stands in for its single try. */
const legacySelectionMillis = 1500;
/** Documents one `find` may bring back into the shell. */
const findDocumentsMax = 1000;
const notPrimaryCodes = new Set([10107, 13435, 10058, 189, 11602]);

function hostPort(address: string): HostPort {
  const at = address.lastIndexOf(':');
  return { host: address.slice(0, at), port: Number(address.slice(at + 1)) };
}

/** The `[Errno 111] Connection refused` flavour PyMongo shows for a socket error. */
function socketReason(error: Error): string {
  switch (networkFailure(error)) {
    case 'refused':
      return '[Errno 111] Connection refused';
    case 'timedOut':
      return 'timed out';
    case 'closed':
      return 'connection closed';
    default:
      return error.message;
  }
}

/**
 * PyMongo's API on the official Node driver. `Connection` (1.8) never retries and gives up after a
 * short server selection, so a read right after the primary dies raises AutoReconnect; `MongoClient`
 * is today's driver with its defaults: one retry and a wait for a new primary.
 */
export class DriverPyMongoBackend implements PyMongoBackend {
  constructor(
    private readonly gateway: DriverGateway,
    /** The sandbox's clock: while it is paused no member answers, and the wait line says why. */
    private readonly clock: { readonly paused: boolean } = { paused: false },
  ) {}

  async connect(options: PyConnectOptions, ctx: BackendCallContext): Promise<PyClientHandle> {
    const legacy = options.api === 'connection-1.8';
    const seeds = options.seeds.map((seed) => `${seed.host}:${seed.port}`);
    const direct = options.directConnection ?? (legacy ? options.slaveOkay === true && seeds.length === 1 : false);
    const driverOptions: MongoClientOptions = {
      directConnection: direct,
      serverSelectionTimeoutMS: options.serverSelectionTimeoutMS ?? (legacy ? legacySelectionMillis : 30_000),
      connectTimeoutMS: options.connectTimeoutMS ?? (legacy ? 2000 : 20_000),
      retryReads: options.retryReads ?? !legacy,
      retryWrites: options.retryWrites ?? !legacy,
      // Keep BSON's int/double distinction so Python prints 1 and 1.0 as PyMongo would.
      promoteValues: false,
      ...(options.replicaSet ? { replicaSet: options.replicaSet } : {}),
    };
    const readPreference = options.readPreference ?? (options.slaveOkay ? 'secondaryPreferred' : undefined);
    if (readPreference) driverOptions.readPreference = ReadPreference.fromString(readPreference);
    const tracked = this.gateway.open({ api: legacy ? 'Connection' : 'MongoClient', seeds, options: driverOptions });
    if (legacy) {
      // Connection() connected in its constructor and raised when it could not.
      try {
        await this.call(tracked, 'command', ctx, () => tracked.client.db('admin').command({ ping: 1 }));
      } catch (error) {
        await this.gateway.close(tracked.id);
        throw error;
      }
    }
    return { id: tracked.id };
  }

  runCommand(client: PyClientHandle, db: string, command: BsonDocument, ctx: BackendCallContext): Promise<BsonDocument> {
    const tracked = this.tracked(client);
    return this.call(tracked, 'command', ctx, () => tracked.client.db(db).command(command as Document, { promoteValues: false }));
  }

  async insertOne(client: PyClientHandle, ns: Namespace, doc: BsonDocument, ctx: BackendCallContext) {
    const tracked = this.tracked(client);
    const result = await this.call(tracked, 'write', ctx, () => this.collection(tracked, ns).insertOne(doc as Document));
    return { acknowledged: result.acknowledged };
  }

  async insertMany(client: PyClientHandle, ns: Namespace, docs: BsonDocument[], ordered: boolean, ctx: BackendCallContext) {
    const tracked = this.tracked(client);
    const result = await this.call(tracked, 'write', ctx, () => this.collection(tracked, ns).insertMany(docs as Document[], { ordered }));
    return { acknowledged: result.acknowledged };
  }

  async save(client: PyClientHandle, ns: Namespace, doc: BsonDocument, ctx: BackendCallContext): Promise<void> {
    const tracked = this.tracked(client);
    await this.call(tracked, 'write', ctx, (): Promise<unknown> =>
      '_id' in doc
        ? this.collection(tracked, ns).replaceOne({ _id: doc._id } as Document, doc as Document, { upsert: true })
        : this.collection(tracked, ns).insertOne(doc as Document),
    );
  }

  find(client: PyClientHandle, ns: Namespace, filter: BsonDocument, options: FindOptions, ctx: BackendCallContext): Promise<BsonDocument[]> {
    const tracked = this.tracked(client);
    const limit = options.limit && options.limit > 0 ? Math.min(options.limit, findDocumentsMax) : findDocumentsMax;
    return this.call(tracked, 'read', ctx, () =>
      this.collection(tracked, ns)
        .find(filter as Document, {
          promoteValues: false,
          ...(options.projection ? { projection: options.projection as Document } : {}),
          ...(options.sort ? { sort: options.sort as Document } : {}),
          skip: options.skip ?? 0,
          limit,
        })
        .toArray(),
    );
  }

  findOne(client: PyClientHandle, ns: Namespace, filter: BsonDocument, options: FindOptions, ctx: BackendCallContext): Promise<BsonDocument | null> {
    const tracked = this.tracked(client);
    return this.call(tracked, 'read', ctx, () =>
      this.collection(tracked, ns).findOne(filter as Document, {
        promoteValues: false,
        ...(options.projection ? { projection: options.projection as Document } : {}),
        ...(options.sort ? { sort: options.sort as Document } : {}),
        ...(options.skip ? { skip: options.skip } : {}),
      }),
    );
  }

  async updateOne(client: PyClientHandle, ns: Namespace, filter: BsonDocument, update: BsonDocument, options: { upsert: boolean }, ctx: BackendCallContext) {
    const tracked = this.tracked(client);
    const result = await this.call(tracked, 'write', ctx, () =>
      this.collection(tracked, ns).updateOne(filter as Document, update as Document, { upsert: options.upsert }),
    );
    return { acknowledged: result.acknowledged, matchedCount: result.matchedCount, modifiedCount: result.modifiedCount, upsertedId: result.upsertedId };
  }

  async deleteOne(client: PyClientHandle, ns: Namespace, filter: BsonDocument, ctx: BackendCallContext) {
    const tracked = this.tracked(client);
    const result = await this.call(tracked, 'write', ctx, () => this.collection(tracked, ns).deleteOne(filter as Document));
    return { acknowledged: result.acknowledged, deletedCount: result.deletedCount };
  }

  countDocuments(client: PyClientHandle, ns: Namespace, filter: BsonDocument, ctx: BackendCallContext): Promise<number> {
    const tracked = this.tracked(client);
    return this.call(tracked, 'read', ctx, () => this.collection(tracked, ns).countDocuments(filter as Document));
  }

  async listDatabaseNames(client: PyClientHandle, ctx: BackendCallContext): Promise<string[]> {
    const tracked = this.tracked(client);
    const reply = await this.call(tracked, 'read', ctx, () => tracked.client.db('admin').admin().listDatabases({ nameOnly: true }));
    return reply.databases.map((db) => db.name);
  }

  async listCollectionNames(client: PyClientHandle, db: string, ctx: BackendCallContext): Promise<string[]> {
    const tracked = this.tracked(client);
    const list = await this.call(tracked, 'read', ctx, () => tracked.client.db(db).listCollections({}, { nameOnly: true }).toArray());
    return list.map((entry) => entry.name).sort();
  }

  async address(client: PyClientHandle, ctx: BackendCallContext): Promise<HostPort | null> {
    const tracked = this.tracked(client);
    if (tracked.view.api === 'Connection') {
      // 1.8's host/port name the member the connection last used.
      const last = tracked.lastServer ?? tracked.view.primary ?? tracked.view.seeds[0] ?? null;
      return last ? hostPort(last) : null;
    }
    if (tracked.view.primary) return hostPort(tracked.view.primary);
    await this.call(tracked, 'command', ctx, () => tracked.client.db('admin').command({ ping: 1 }));
    return tracked.lastServer ? hostPort(tracked.lastServer) : null;
  }

  topology(client: PyClientHandle) {
    const tracked = this.tracked(client);
    const servers = [...tracked.servers];
    const of = (type: string) => servers.filter(([, t]) => t === type).map(([address]) => hostPort(address));
    return {
      primary: of('RSPrimary')[0] ?? null,
      secondaries: of('RSSecondary'),
      arbiters: of('RSArbiter'),
      nodes: servers.filter(([, t]) => t !== 'Unknown').map(([address]) => hostPort(address)),
    };
  }

  async close(client: PyClientHandle): Promise<void> {
    await this.gateway.close(client.id);
  }

  private tracked(handle: PyClientHandle): TrackedClient {
    const tracked = this.gateway.get(handle.id);
    if (!tracked || tracked.view.closed) throw new PyMongoBackendError('InvalidOperation', 'Cannot use MongoClient after close');
    return tracked;
  }

  private collection(tracked: TrackedClient, ns: Namespace) {
    return tracked.client.db(ns.db).collection(ns.collection);
  }

  private async call<T>(tracked: TrackedClient, kind: 'read' | 'write' | 'command', ctx: BackendCallContext, run: () => Promise<T>): Promise<T> {
    const legacy = tracked.view.api === 'Connection';
    if (legacy && !tracked.view.directConnection) {
      // 1.8 kept talking to the member it had found as primary. Once that member is no longer the
      // primary, the next operation fails with AutoReconnect and the one after looks for a new one.
      const lost = tracked.pinned;
      if (lost !== null && lost !== tracked.view.primary) {
        tracked.pinned = null;
        // A member still answering as a secondary (stepped down) said "not master"; a gone one refused.
        const stillUp = tracked.servers.get(lost) === 'RSSecondary';
        const heartbeat = tracked.heartbeatFailures.get(lost);
        const reason = heartbeat ? socketReason(heartbeat) : '[Errno 111] Connection refused';
        const failure = new PyMongoBackendError('AutoReconnect', stillUp ? 'not master' : `could not connect to ${lost}: ${reason}`);
        return this.gateway.record(tracked, kind, () => Promise.reject(failure), () => failure.exceptionName);
      }
    }
    const started = Date.now();
    const ticker = legacy
      ? null
      : setInterval(() => {
          const waited = `waiting for a primary… ${Math.round((Date.now() - started) / 1000)}s`;
          if (this.clock.paused) ctx.onProgress(`${waited} (time is paused: press resume time in the cluster view)`);
          else if (!tracked.view.primary) ctx.onProgress(waited);
        }, 1000);
    try {
      const result = await this.gateway.record(tracked, kind, () => abortable(run(), ctx.signal), (error) => this.translate(error, tracked).exceptionName);
      if (legacy && tracked.lastServer !== null && tracked.lastServer === tracked.view.primary) tracked.pinned = tracked.lastServer;
      return result;
    } catch (error) {
      if (error instanceof InterruptedError) throw error;
      if (legacy) tracked.pinned = null;
      throw this.translate(error, tracked);
    } finally {
      if (ticker) clearInterval(ticker);
      ctx.onProgress(null);
    }
  }

  /** The exception PyMongo would raise for what the Node driver reported. */
  translate(error: unknown, tracked: TrackedClient): PyMongoBackendError {
    const legacy = tracked.view.api === 'Connection';
    if (error instanceof PyMongoBackendError) return error;
    if (error instanceof InterruptedError) return new PyMongoBackendError('PyMongoError', 'interrupted');
    if (error instanceof MongoServerSelectionError) {
      const servers = [...(error.reason?.servers.values() ?? [])];
      const failing = servers.find((server) => server.error);
      const detail = failing?.error ? `${failing.address}: ${socketReason(failing.error)}` : 'No replica set members match selector "Primary()"';
      if (legacy) return new PyMongoBackendError('AutoReconnect', failing ? `could not connect to ${detail}` : 'could not find master/primary');
      return new PyMongoBackendError('ServerSelectionTimeoutError', `${detail}, Timeout: ${tracked.serverSelectionTimeoutMillis / 1000}s`);
    }
    if (error instanceof MongoNetworkError) {
      return new PyMongoBackendError(/timed out/i.test(error.message) ? 'NetworkTimeout' : 'AutoReconnect', socketReason(error));
    }
    if (error instanceof MongoServerError) {
      const code = serverErrorCode(error);
      const full = repr(fromBson({ ok: 0, errmsg: error.errmsg ?? error.message, code: error.code, codeName: error.codeName }));
      if (code !== undefined && notPrimaryCodes.has(code)) {
        return new PyMongoBackendError(legacy ? 'AutoReconnect' : 'NotPrimaryError', legacy ? 'not master' : `${error.errmsg ?? error.message}, full error: ${full}`);
      }
      if (code === 11000) return new PyMongoBackendError('DuplicateKeyError', `${error.errmsg ?? error.message}, full error: ${full}`);
      return new PyMongoBackendError('OperationFailure', `${error.errmsg ?? error.message}, full error: ${full}`);
    }
    const message = error instanceof Error ? error.message : String(error);
    return new PyMongoBackendError('PyMongoError', message);
  }
}
