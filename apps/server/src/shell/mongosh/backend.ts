/**
 * What the mongosh REPL needs from the sandbox: one connected client (the sandbox implements it
 * with the official `mongodb` Node driver; tests use an in-memory fake). Documents are plain
 * objects with the `bson` package's classes, as the driver returns them by default.
 */

export type Document = Record<string, unknown>;

export interface MongoshCallContext {
  signal: AbortSignal;
  onProgress(status: string | null): void;
}

/** The driver's TopologyDescription, reduced to what mongosh's prompt reads. */
export interface MongoshTopology {
  type: 'Single' | 'ReplicaSetNoPrimary' | 'ReplicaSetWithPrimary' | 'Sharded' | 'LoadBalanced' | 'Unknown';
  setName: string | null;
  /** Each known server's type (`RSPrimary`, `RSSecondary`, `RSArbiter`, `RSOther`, `Standalone`, `Mongos`, `Unknown`...). */
  servers: Array<{ address: string; type: string; setName: string | null }>;
}

export interface MongoshFindOptions {
  projection?: Document;
  sort?: Document;
  skip?: number;
  limit?: number;
}

/** Per-operation write options mongosh passes through (`{writeConcern: {w: 1}}`). */
export interface MongoshWriteOptions {
  writeConcern?: Document;
}

export interface MongoshBackend {
  /** The URI as mongosh prints it after `Connecting to:`. */
  readonly uri: string;
  /** The server version from buildInfo at connect (`7.0.14`). */
  serverVersion(): string;
  /** The driver's current topology view (no I/O). */
  topology(): MongoshTopology;
  /** Runs a command; a reply with ok: 0 must be thrown as a MongoshBackendError (`MongoServerError`). */
  runCommand(db: string, command: Document, ctx: MongoshCallContext): Promise<Document>;
  insertOne(db: string, collection: string, doc: Document, ctx: MongoshCallContext, options?: MongoshWriteOptions): Promise<{ acknowledged: boolean; insertedId: unknown }>;
  insertMany(
    db: string,
    collection: string,
    docs: Document[],
    ctx: MongoshCallContext,
    options?: MongoshWriteOptions,
  ): Promise<{ acknowledged: boolean; insertedIds: Record<number, unknown> }>;
  /** All matching documents, up to the backend's own cap. */
  find(db: string, collection: string, filter: Document, options: MongoshFindOptions, ctx: MongoshCallContext): Promise<Document[]>;
  findOne(db: string, collection: string, filter: Document, options: MongoshFindOptions, ctx: MongoshCallContext): Promise<Document | null>;
  updateOne(
    db: string,
    collection: string,
    filter: Document,
    update: Document | Document[],
    options: { upsert?: boolean } & MongoshWriteOptions,
    ctx: MongoshCallContext,
  ): Promise<{ acknowledged: boolean; matchedCount: number; modifiedCount: number; upsertedCount: number; upsertedId: unknown }>;
  deleteOne(
    db: string,
    collection: string,
    filter: Document,
    ctx: MongoshCallContext,
    options?: MongoshWriteOptions,
  ): Promise<{ acknowledged: boolean; deletedCount: number }>;
  countDocuments(db: string, collection: string, filter: Document, ctx: MongoshCallContext): Promise<number>;
  listDatabases(ctx: MongoshCallContext): Promise<Array<{ name: string; sizeOnDisk: number }>>;
  listCollectionNames(db: string, ctx: MongoshCallContext): Promise<string[]>;
  close(): Promise<void>;
}

/**
 * An error as mongosh prints it: `name[codeName]: message`. `name` is the driver's class
 * (`MongoServerError`, `MongoNetworkError`, `MongoServerSelectionError`, `MongoNetworkTimeoutError`,
 * `MongoBulkWriteError`...).
 */
export class MongoshBackendError extends Error {
  constructor(
    readonly errorName: string,
    message: string,
    readonly codeName: string | null = null,
    readonly code: number | null = null,
  ) {
    super(message);
    this.name = 'MongoshBackendError';
  }
}
