import { MongoError, MongoServerError, MongoServerSelectionError, type Document as DriverDocument } from 'mongodb';
import {
  MongoshBackendError,
  type Document,
  type MongoshBackend,
  type MongoshCallContext,
  type MongoshFindOptions,
  type MongoshTopology,
  type MongoshWriteOptions,
} from './backend';
import { abortable, InterruptedError } from '../io';
import type { DriverGateway, TrackedClient } from '../../driver/gateway';
import { driverNetworkMessage, networkFailure, serverErrorCode } from '../../driver/driverErrors';

const findDocumentsMax = 1000;

/** How mongosh reads a connection string: one host and no replicaSet means a direct connection. */
export function mongoshClientOptions(uri: string): { seeds: string[]; direct: boolean } {
  const match = /^mongodb:\/\/(?:[^@/]*@)?([^/?]+)(\/[^?]*)?(\?.*)?$/.exec(uri);
  const seeds = match ? (match[1] as string).split(',') : [];
  const query = new URLSearchParams((match?.[3] ?? '').slice(1));
  const explicit = query.get('directConnection');
  const direct = explicit !== null ? explicit === 'true' : seeds.length === 1 && !query.has('replicaSet');
  return { seeds, direct };
}

/** The error as mongosh names it: the driver's class, and the server's code name when there is one. */
function toMongoshError(error: unknown): MongoshBackendError {
  if (error instanceof MongoshBackendError) return error;
  if (error instanceof MongoServerError) {
    return new MongoshBackendError('MongoServerError', error.errmsg ?? error.message, error.codeName ?? null, serverErrorCode(error) ?? null);
  }
  if (error instanceof MongoServerSelectionError) {
    // Through the SOCKS bridge the reason is in the proxy's words; mongosh shows the driver's.
    const failing = [...(error.reason?.servers.entries() ?? [])].find(([, server]) => server.error && networkFailure(server.error));
    if (failing) return new MongoshBackendError(error.name, driverNetworkMessage(failing[1].error, failing[0]));
  }
  if (error instanceof MongoError) return new MongoshBackendError(error.name, error.message);
  return new MongoshBackendError('MongoshInternalError', error instanceof Error ? error.message : String(error));
}

/** mongosh's one connection, made with the official driver through the sandbox's route. */
export class DriverMongoshBackend implements MongoshBackend {
  private version = '7.0.14';

  private constructor(
    readonly uri: string,
    private readonly gateway: DriverGateway,
    private readonly tracked: TrackedClient,
  ) {}

  /** Connect as mongosh does: fetch buildInfo, or fail with the error mongosh prints. */
  static async connect(uri: string, gateway: DriverGateway, ctx: MongoshCallContext): Promise<DriverMongoshBackend> {
    const { seeds, direct } = mongoshClientOptions(uri);
    const tracked = gateway.open({ api: 'mongosh', seeds, uri, options: { directConnection: direct, serverSelectionTimeoutMS: 10_000 } });
    const backend = new DriverMongoshBackend(uri, gateway, tracked);
    try {
      const info = await backend.runCommand('admin', { buildInfo: 1 }, ctx);
      if (typeof info.version === 'string') backend.version = info.version;
    } catch (error) {
      await gateway.close(tracked.id);
      throw error;
    }
    return backend;
  }

  serverVersion(): string {
    return this.version;
  }

  topology(): MongoshTopology {
    const servers = [...this.tracked.servers].map(([address, type]) => ({ address, type, setName: null as string | null }));
    const hasPrimary = servers.some((s) => s.type === 'RSPrimary');
    const replicaSet = servers.some((s) => s.type.startsWith('RS'));
    const type: MongoshTopology['type'] = this.tracked.view.directConnection
      ? 'Single'
      : replicaSet
        ? hasPrimary
          ? 'ReplicaSetWithPrimary'
          : 'ReplicaSetNoPrimary'
        : 'Unknown';
    return { type, setName: this.tracked.setName, servers: servers.map((s) => ({ ...s, setName: this.tracked.setName })) };
  }

  private call<T>(ctx: MongoshCallContext, kind: 'read' | 'write' | 'command', run: () => Promise<T>): Promise<T> {
    return this.gateway
      .record(this.tracked, kind, () => abortable(run(), ctx.signal), (error) => toMongoshError(error).errorName)
      .catch((error: unknown) => {
        if (error instanceof InterruptedError) throw error;
        throw toMongoshError(error);
      });
  }

  private collection(db: string, collection: string) {
    return this.tracked.client.db(db).collection(collection);
  }

  runCommand(db: string, command: Document, ctx: MongoshCallContext): Promise<Document> {
    return this.call(ctx, 'command', () => this.tracked.client.db(db).command(command as DriverDocument));
  }

  insertOne(db: string, collection: string, doc: Document, ctx: MongoshCallContext, options: MongoshWriteOptions = {}) {
    return this.call(ctx, 'write', () => this.collection(db, collection).insertOne(doc as DriverDocument, options));
  }

  insertMany(db: string, collection: string, docs: Document[], ctx: MongoshCallContext, options: MongoshWriteOptions = {}) {
    return this.call(ctx, 'write', () => this.collection(db, collection).insertMany(docs as DriverDocument[], options));
  }

  find(db: string, collection: string, filter: Document, options: MongoshFindOptions, ctx: MongoshCallContext): Promise<Document[]> {
    const limit = options.limit && options.limit > 0 ? Math.min(options.limit, findDocumentsMax) : findDocumentsMax;
    return this.call(ctx, 'read', () =>
      this.collection(db, collection)
        .find(filter as DriverDocument, {
          ...(options.projection ? { projection: options.projection as DriverDocument } : {}),
          ...(options.sort ? { sort: options.sort as DriverDocument } : {}),
          skip: options.skip ?? 0,
          limit,
        })
        .toArray(),
    );
  }

  findOne(db: string, collection: string, filter: Document, options: MongoshFindOptions, ctx: MongoshCallContext): Promise<Document | null> {
    return this.call(ctx, 'read', () =>
      this.collection(db, collection).findOne(filter as DriverDocument, {
        ...(options.projection ? { projection: options.projection as DriverDocument } : {}),
        ...(options.sort ? { sort: options.sort as DriverDocument } : {}),
        ...(options.skip ? { skip: options.skip } : {}),
      }),
    );
  }

  updateOne(
    db: string,
    collection: string,
    filter: Document,
    update: Document | Document[],
    options: { upsert?: boolean } & MongoshWriteOptions,
    ctx: MongoshCallContext,
  ) {
    return this.call(ctx, 'write', () =>
      this.collection(db, collection).updateOne(filter as DriverDocument, update as DriverDocument, {
        upsert: options.upsert === true,
        ...(options.writeConcern ? { writeConcern: options.writeConcern } : {}),
      }),
    );
  }

  deleteOne(db: string, collection: string, filter: Document, ctx: MongoshCallContext, options: MongoshWriteOptions = {}) {
    return this.call(ctx, 'write', () => this.collection(db, collection).deleteOne(filter as DriverDocument, options));
  }

  countDocuments(db: string, collection: string, filter: Document, ctx: MongoshCallContext): Promise<number> {
    return this.call(ctx, 'read', () => this.collection(db, collection).countDocuments(filter as DriverDocument));
  }

  async listDatabases(ctx: MongoshCallContext): Promise<Array<{ name: string; sizeOnDisk: number }>> {
    const reply = await this.call(ctx, 'read', () => this.tracked.client.db('admin').admin().listDatabases());
    return reply.databases.map((db) => ({ name: db.name, sizeOnDisk: db.sizeOnDisk ?? 0 }));
  }

  async listCollectionNames(db: string, ctx: MongoshCallContext): Promise<string[]> {
    const list = await this.call(ctx, 'read', () => this.tracked.client.db(db).listCollections({}, { nameOnly: true }).toArray());
    return list.map((entry) => entry.name).sort();
  }

  async close(): Promise<void> {
    await this.gateway.close(this.tracked.id);
  }
}
