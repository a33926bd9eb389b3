/**
 * What the Python REPL's PyMongo needs from the sandbox. The sandbox implements it with the
 * official `mongodb` Node driver; tests use an in-memory fake.
 *
 * Documents go in and come out as the Node driver's `bson` represents them (plain objects, with
 * `Double`/`Long`/`ObjectId`/`Timestamp`/`Date`... instances; plain JS numbers are read as int when
 * integral, float otherwise). Long-running calls honour `ctx.signal` (Ctrl-C) and may report a live
 * status through `ctx.onProgress` ("waiting for a primary… 4s").
 */

export interface HostPort {
  host: string;
  port: number;
}

/**
 * Which PyMongo the learner is using. `connection-1.8` is the 2010 `Connection`: connects in its
 * constructor, no retries, no waiting for an election (the sandbox maps it onto the driver with
 * `retryReads`/`retryWrites` false and a short server selection, reported as AutoReconnect).
 * `mongo-client` is today's `MongoClient` (PyMongo 4: lazy connect, one retry, waits for a primary).
 */
export type PyMongoApi = 'connection-1.8' | 'mongo-client';

export interface PyConnectOptions {
  api: PyMongoApi;
  /** Seeds as parsed from the host argument(s); never empty. Port defaults to 27017. */
  seeds: HostPort[];
  /** The URI when one was given (`mongodb://...`), as typed. */
  uri: string | null;
  /** Options from keyword arguments and the URI, with their MongoDB URI names. */
  replicaSet?: string;
  directConnection?: boolean;
  serverSelectionTimeoutMS?: number;
  connectTimeoutMS?: number;
  retryReads?: boolean;
  retryWrites?: boolean;
  /** `primary`, `primaryPreferred`, `secondary`, `secondaryPreferred`, `nearest`. */
  readPreference?: string;
  /** 1.8's `slave_okay=True` (single seed only; may talk to a non-primary). */
  slaveOkay?: boolean;
}

export interface BackendCallContext {
  signal: AbortSignal;
  onProgress(status: string | null): void;
}

/** A connected client, opaque to the REPL. */
export interface PyClientHandle {
  readonly id: string;
}

export interface Namespace {
  db: string;
  collection: string;
}

export type BsonDocument = Record<string, unknown>;

export interface FindOptions {
  projection?: BsonDocument;
  sort?: BsonDocument;
  skip?: number;
  /** 0 = no limit. The backend also applies its own cap on documents returned. */
  limit?: number;
}

export interface PyMongoBackend {
  /**
   * `Connection(...)` (which connects before returning, and raises if it cannot) or
   * `MongoClient(...)` (which returns at once and connects in the background).
   */
  connect(options: PyConnectOptions, ctx: BackendCallContext): Promise<PyClientHandle>;
  runCommand(client: PyClientHandle, db: string, command: BsonDocument, ctx: BackendCallContext): Promise<BsonDocument>;
  insertOne(client: PyClientHandle, ns: Namespace, doc: BsonDocument, ctx: BackendCallContext): Promise<{ acknowledged: boolean }>;
  insertMany(client: PyClientHandle, ns: Namespace, docs: BsonDocument[], ordered: boolean, ctx: BackendCallContext): Promise<{ acknowledged: boolean }>;
  /** 1.8's `save`: insert when the document has no `_id` (the REPL adds one first), else replace with upsert. */
  save(client: PyClientHandle, ns: Namespace, doc: BsonDocument, ctx: BackendCallContext): Promise<void>;
  find(client: PyClientHandle, ns: Namespace, filter: BsonDocument, options: FindOptions, ctx: BackendCallContext): Promise<BsonDocument[]>;
  findOne(client: PyClientHandle, ns: Namespace, filter: BsonDocument, options: FindOptions, ctx: BackendCallContext): Promise<BsonDocument | null>;
  updateOne(
    client: PyClientHandle,
    ns: Namespace,
    filter: BsonDocument,
    update: BsonDocument,
    options: { upsert: boolean },
    ctx: BackendCallContext,
  ): Promise<{ acknowledged: boolean; matchedCount: number; modifiedCount: number; upsertedId: unknown }>;
  deleteOne(client: PyClientHandle, ns: Namespace, filter: BsonDocument, ctx: BackendCallContext): Promise<{ acknowledged: boolean; deletedCount: number }>;
  countDocuments(client: PyClientHandle, ns: Namespace, filter: BsonDocument, ctx: BackendCallContext): Promise<number>;
  listDatabaseNames(client: PyClientHandle, ctx: BackendCallContext): Promise<string[]>;
  listCollectionNames(client: PyClientHandle, db: string, ctx: BackendCallContext): Promise<string[]>;
  /**
   * `client.address` (4.x: the primary/standalone, selecting a server if needed) and 1.8's
   * `connection.host`/`.port` (the member the connection last talked to). Null when unknown.
   */
  address(client: PyClientHandle, ctx: BackendCallContext): Promise<HostPort | null>;
  /** The client's current view of the topology (no I/O): `primary`, `secondaries`, `arbiters`, `nodes`. */
  topology(client: PyClientHandle): { primary: HostPort | null; secondaries: HostPort[]; arbiters: HostPort[]; nodes: HostPort[] };
  close(client: PyClientHandle): Promise<void>;
}

/**
 * PyMongo's exception classes the REPL can show. The backend throws `PyMongoBackendError` with one
 * of these and the message PyMongo would put after the colon.
 */
export type PyMongoExceptionName =
  | 'PyMongoError'
  | 'ConnectionFailure'
  | 'AutoReconnect'
  | 'NetworkTimeout'
  | 'NotPrimaryError'
  | 'ServerSelectionTimeoutError'
  | 'ConfigurationError'
  | 'InvalidURI'
  | 'OperationFailure'
  | 'WriteError'
  | 'WriteConcernError'
  | 'DuplicateKeyError'
  | 'BulkWriteError'
  | 'ExecutionTimeout'
  | 'InvalidOperation';

export const pymongoExceptionNames: readonly PyMongoExceptionName[] = [
  'PyMongoError', 'ConnectionFailure', 'AutoReconnect', 'NetworkTimeout', 'NotPrimaryError', 'ServerSelectionTimeoutError',
  'ConfigurationError', 'InvalidURI', 'OperationFailure', 'WriteError', 'WriteConcernError', 'DuplicateKeyError',
  'BulkWriteError', 'ExecutionTimeout', 'InvalidOperation',
];

export class PyMongoBackendError extends Error {
  override readonly name = 'PyMongoBackendError';
  constructor(
    readonly exceptionName: PyMongoExceptionName,
    message: string,
  ) {
    super(message);
  }
}
