import * as bson from 'bson';
import { MongoshInvalidInputError, MongoshUnimplementedError } from '@mongosh/errors';
import { ServiceProviderCore, getConnectExtraInfo } from '@mongosh/service-provider-core';
import ConnectionString from 'mongodb-connection-string-url';
import { identifyServerName } from 'mongodb-build-info';
import { RpcCursor } from './cursor';
import { asDriverError, callDriver, DriverCallError, networkMessage, type DriverCalls, type Document } from './driverCalls';

/** A read preference as mongosh's helpers read it back (`db.getMongo().getReadPrefMode()`). */
export interface ReadPreferenceView {
  mode: string;
  tags?: Document[];
  maxStalenessSeconds?: number;
  hedge?: Document;
}

/** The client's topology as the RPC's `topology` call reports it (no I/O on the server). */
interface TopologyReply {
  type: string;
  setName: string | null;
  servers: Array<{ address: string; type: string }>;
}

const noTopology: TopologyReply = { type: 'Unknown', setName: null, servers: [] };

/**
 * Driver options and `dbOptions` as the call's `options`: the abort signal stays here (it is the
 * call's own), a session handle is not supported yet, the rest goes to the driver as given.
 */
function callOptions(options: unknown, dbOptions?: unknown): { options: Document; signal: AbortSignal | undefined } {
  const merged: Document = { ...((dbOptions as Document | undefined) ?? {}), ...((options as Document | undefined) ?? {}) };
  const signal = merged.signal as AbortSignal | undefined;
  delete merged.signal;
  if (merged.session !== undefined) throw new MongoshUnimplementedError("Sessions are not available in this lab's mongosh");
  return { options: merged, signal };
}

function readPreferenceFromUri(uri: string): ReadPreferenceView {
  const query = uri.split('?')[1] ?? '';
  return { mode: new URLSearchParams(query).get('readPreference') ?? 'primary' };
}

/**
 * mongosh's ServiceProvider for a shell in the learner's browser: each driver call is one call of
 * the lab's driver RPC, which the server runs with the official driver against the learner's
 * sandbox (runtime-host.md). Only what needs no server is answered here: the URI, the BSON
 * library, read preference views, and the topology last reported.
 */
export class RpcServiceProvider extends ServiceProviderCore {
  readonly platform = 'CLI' as const;
  private topology: TopologyReply = noTopology;
  private readPreference: ReadPreferenceView;
  private readonly inFlight = new Set<AbortController>();

  private constructor(
    private readonly calls: DriverCalls,
    private client: string | null,
    private readonly uri: string,
    private connectOptions: Document,
    readonly initialDb: string,
  ) {
    // mongosh's base class makes BSON values print as the shell prints them (`ObjectId('…')`).
    super(bson as never);
    this.readPreference = readPreferenceFromUri(uri);
  }

  /**
   * Open a client for `uri` and wait until it answers, as mongosh does before its prompt: a member
   * that is not there fails here with the driver's network error.
   */
  static async connect(calls: DriverCalls, uri: string, options: Document = {}, signal?: AbortSignal): Promise<RpcServiceProvider> {
    const path = /^mongodb(?:\+srv)?:\/\/[^/]*\/([^?]*)/.exec(uri)?.[1] ?? '';
    // The gateway records whether a client connects directly from its options; mongosh's
    // connection string says it (`directConnection=true` for one host without a set name).
    const direct = new ConnectionString(uri).typedSearchParams<{ directConnection: string }>().get('directConnection');
    const connectOptions = direct === null ? options : { ...options, directConnection: direct === 'true' };
    const provider = new RpcServiceProvider(calls, null, uri, connectOptions, decodeURIComponent(path) || 'test');
    await provider.open(signal);
    return provider;
  }

  /** `mongosh --nodb`: BSON helpers and no database until `connect()`. */
  static disconnected(calls: DriverCalls): RpcServiceProvider {
    return new RpcServiceProvider(calls, null, '', {}, 'test');
  }

  private async open(signal?: AbortSignal): Promise<void> {
    const reply = await callDriver(this.calls, 'connect', { uri: this.uri, options: this.connectOptions, label: 'mongosh' }, signal);
    this.client = reply.client as string;
    try {
      await this.calls.call('runCommand', { client: this.client, db: 'admin', command: { ping: 1 } }, signal);
    } catch (error) {
      await this.calls.call('close', { client: this.client }).catch(() => undefined);
      // mongosh reports the first member's network error, not the selection timeout around it.
      const failure = error instanceof DriverCallError ? error.failure : undefined;
      const failing = failure?.selection?.servers.find((server) => server.error?.network);
      if (failing?.error) {
        const network = Object.assign(new Error(networkMessage(failing.error.network, failing.address, failing.error.message)), { name: 'MongoNetworkError' });
        network.stack = `${network.name}: ${network.message}`;
        throw network;
      }
      if (failure) throw asDriverError(failure);
      throw error;
    }
    await this.refreshTopology();
  }

  /** One call on this provider's client; Ctrl-C (`suspend`) abandons every call still waiting. */
  async call(method: string, params: Document, signal?: AbortSignal): Promise<Document> {
    if (this.client === null) throw new MongoshInvalidInputError('No connected database');
    const controller = new AbortController();
    const onAbort = (): void => controller.abort(signal?.reason);
    signal?.addEventListener('abort', onAbort, { once: true });
    this.inFlight.add(controller);
    try {
      const result = await callDriver(this.calls, method, { client: this.client, ...params }, controller.signal);
      delete result.servedBy;
      return result;
    } finally {
      signal?.removeEventListener('abort', onAbort);
      this.inFlight.delete(controller);
    }
  }

  /** Ask the server what the driver sees now (members come and go between lines). */
  async refreshTopology(): Promise<void> {
    if (this.client === null) return;
    const reply = await this.call('topology', {});
    this.topology = { type: String(reply.type), setName: (reply.setName as string | null) ?? null, servers: (reply.servers as TopologyReply['servers']) ?? [] };
  }

  getTopologyDescription(): { type: string; setName: string | null; servers: Map<string, { type: string; setName: string | null }> } | undefined {
    if (this.client === null) return undefined;
    const { topology } = this;
    return { type: topology.type, setName: topology.setName, servers: new Map(topology.servers.map((s) => [s.address, { type: s.type, setName: topology.setName }])) };
  }

  getURI(): string {
    return this.uri;
  }

  getRawClient(): { options: Document } {
    return { options: {} };
  }

  getReadPreference(): ReadPreferenceView {
    return this.readPreference;
  }

  getReadConcern(): undefined {
    return undefined;
  }

  getWriteConcern(): undefined {
    return undefined;
  }

  getFleOptions(): undefined {
    return undefined;
  }

  hasUnifiedAggregateOptions(): boolean {
    return true;
  }

  readPreferenceFromOptions(options?: { readPreference?: string | ReadPreferenceView; readPreferenceTags?: Document[]; maxStalenessSeconds?: number; hedge?: Document }): ReadPreferenceView | undefined {
    if (!options?.readPreference) return undefined;
    const base = typeof options.readPreference === 'string' ? { mode: options.readPreference } : { ...options.readPreference };
    return {
      ...base,
      ...(options.readPreferenceTags ? { tags: options.readPreferenceTags } : {}),
      ...(options.maxStalenessSeconds !== undefined ? { maxStalenessSeconds: options.maxStalenessSeconds } : {}),
      ...(options.hedge ? { hedge: options.hedge } : {}),
    };
  }

  /** What mongosh's connection info reads (the prompt, the greeting, `db.version()`), asked as mongosh asks it. */
  async getConnectionInfo(): Promise<Document> {
    const admin = (command: Document): Promise<Document> => this.call('runCommand', { db: 'admin', command }).then((reply) => reply.document as Document);
    const buildInfo = await admin({ buildInfo: 1 }).catch(() => ({}));
    const [atlasVersion, fcv, atlascli, serverName] = await Promise.all([
      admin({ atlasVersion: 1 }).catch(() => null),
      admin({ getParameter: 1, featureCompatibilityVersion: 1 }).catch(() => null),
      this.call('countDocuments', { db: 'admin', coll: 'atlascli', filter: { managedClusterType: 'atlasCliLocalDevCluster' } }).then((reply) => Number(reply.count)).catch(() => 0),
      identifyServerName({ connectionString: this.uri, adminCommand: (command: Document) => (command.buildInfo ? Promise.resolve(buildInfo) : admin(command)) }),
    ]);
    const resolvedHostname = this.topology.servers[0]?.address.split(':')[0];
    const extraInfo = getConnectExtraInfo({
      connectionString: new ConnectionString(this.uri) as never,
      buildInfo,
      atlasVersion,
      ...(resolvedHostname ? { resolvedHostname } : {}),
      isLocalAtlas: atlascli > 0,
      serverName,
    });
    const version = ((fcv as Document | null)?.featureCompatibilityVersion as Document | undefined)?.version;
    return { buildInfo, resolvedHostname, extraInfo: { ...extraInfo, fcv: version, topology_type: this.topology.type, is_csfle: false, has_csfle_schema: false } };
  }

  async getNewConnection(uri: string, options: Document = {}): Promise<RpcServiceProvider> {
    return RpcServiceProvider.connect(this.calls, uri, options);
  }

  /** `db.getMongo().setReadPref()` and friends: a new client with the new options, as mongosh reconnects. */
  async resetConnectionOptions(options: Document): Promise<void> {
    const readPreference = this.readPreferenceFromOptions(options as never);
    const next: Document = { ...this.connectOptions };
    if (readPreference) next.readPreference = readPreference.mode;
    for (const key of ['w', 'wtimeoutMS', 'journal', 'readConcernLevel']) if (options[key] !== undefined) next[key] = options[key];
    const old = this.client;
    this.connectOptions = next;
    await this.open();
    if (old !== null) await this.calls.call('close', { client: old }).catch(() => undefined);
    if (readPreference) this.readPreference = readPreference;
  }

  async suspend(): Promise<() => Promise<void>> {
    for (const controller of this.inFlight) controller.abort();
    return async () => undefined;
  }

  async close(): Promise<void> {
    await this.suspend();
    if (this.client !== null) await this.calls.call('close', { client: this.client }).catch(() => undefined);
    this.client = null;
  }

  startSession(): never {
    throw new MongoshUnimplementedError("Sessions are not available in this lab's mongosh");
  }

  async initializeBulkOp(): Promise<never> {
    throw new MongoshUnimplementedError("initializeOrderedBulkOp and initializeUnorderedBulkOp are not available in this lab's mongosh; use bulkWrite()");
  }

  async authenticate(): Promise<never> {
    throw new MongoshUnimplementedError("The lab's members run without authentication");
  }

  async getSearchIndexes(): Promise<never> {
    throw new MongoshUnimplementedError('Search indexes need Atlas');
  }

  // ---- cursors: opened on the server on their first read ----

  find(db: string, coll: string, filter: Document = {}, options?: Document, dbOptions?: Document): RpcCursor {
    return new RpcCursor(this, { method: 'find', db, coll, params: { filter }, options: callOptions(options, dbOptions).options });
  }

  aggregate(db: string, coll: string, pipeline: Document[] = [], options?: Document, dbOptions?: Document): RpcCursor {
    return new RpcCursor(this, { method: 'aggregate', db, coll, params: { pipeline }, options: callOptions(options, dbOptions).options });
  }

  aggregateDb(db: string, pipeline: Document[] = [], options?: Document, dbOptions?: Document): RpcCursor {
    return new RpcCursor(this, { method: 'aggregate', db, coll: null, params: { pipeline }, options: callOptions(options, dbOptions).options });
  }

  watch(pipeline: Document[], options: Document, dbOptions?: Document, db?: string, coll?: string): RpcCursor {
    return new RpcCursor(this, { method: 'watch', db: db ?? '', coll: coll ?? null, params: { pipeline }, options: callOptions(options, dbOptions).options });
  }

  /** `db.runCursorCommand()`: the command's first batch (the lab's RPC continues only its own cursors). */
  runCursorCommand(db: string, spec: Document, options?: Document, dbOptions?: Document): RpcCursor {
    const { options: opts } = callOptions(options, dbOptions);
    const host = { call: (method: string, params: Document) => (method === 'aggregate' ? this.call('runCommand', { db, command: spec, options: opts }).then((reply) => ({ batch: ((reply.document as Document).cursor as Document)?.firstBatch ?? [], cursor: null })) : this.call(method, params)) };
    return new RpcCursor(host, { method: 'aggregate', db, coll: null, params: {}, options: {} });
  }

  // ---- one value each ----

  private async value(method: string, params: Document, options: unknown, dbOptions?: unknown): Promise<Document> {
    const { options: opts, signal } = callOptions(options, dbOptions);
    return this.call(method, { ...params, options: opts }, signal);
  }

  async runCommand(db: string, command: Document, options?: Document, dbOptions?: Document): Promise<Document> {
    return (await this.value('runCommand', { db, command }, options, dbOptions)).document as Document;
  }

  /** The driver throws for a reply with `ok: 0` already; mongosh's check is the same. */
  runCommandWithCheck(db: string, command: Document, options?: Document, dbOptions?: Document): Promise<Document> {
    return this.runCommand(db, command, options, dbOptions);
  }

  async listDatabases(db: string, options?: Document): Promise<Document> {
    return (await this.value('listDatabases', {}, options)).document as Document;
  }

  async listCollections(db: string, filter: Document = {}, options?: Document, dbOptions?: Document): Promise<Document[]> {
    return (await this.value('listCollections', { db, filter }, options, dbOptions)).collections as Document[];
  }

  /** listIndexes' first batch: a collection has at most 64 indexes, fewer than a batch. */
  async getIndexes(db: string, coll: string, options?: Document, dbOptions?: Document): Promise<Document[]> {
    const reply = await this.runCommand(db, { listIndexes: coll }, options, dbOptions);
    return ((reply.cursor as Document | undefined)?.firstBatch as Document[] | undefined) ?? [];
  }

  async count(db: string, coll: string, query: Document = {}, options?: Document, dbOptions?: Document): Promise<number> {
    const { options: opts } = callOptions(options, dbOptions);
    const command: Document = { count: coll, query };
    for (const key of ['limit', 'skip', 'hint', 'collation', 'maxTimeMS']) if (opts[key] !== undefined) command[key] = opts[key];
    return Number((await this.runCommand(db, command)).n);
  }

  async countDocuments(db: string, coll: string, filter: Document = {}, options?: Document, dbOptions?: Document): Promise<number> {
    return Number((await this.value('countDocuments', { db, coll, filter }, options, dbOptions)).count);
  }

  async estimatedDocumentCount(db: string, coll: string, options?: Document, dbOptions?: Document): Promise<number> {
    return Number((await this.value('estimatedDocumentCount', { db, coll }, options, dbOptions)).count);
  }

  async distinct(db: string, coll: string, key: string, filter: Document = {}, options?: Document, dbOptions?: Document): Promise<unknown[]> {
    return (await this.value('distinct', { db, coll, key, filter }, options, dbOptions)).values as unknown[];
  }

  insertOne(db: string, coll: string, doc: Document, options?: Document, dbOptions?: Document): Promise<Document> {
    return this.value('insertOne', { db, coll, doc }, options, dbOptions);
  }

  insertMany(db: string, coll: string, docs: Document[], options?: Document, dbOptions?: Document): Promise<Document> {
    return this.value('insertMany', { db, coll, docs }, options, dbOptions);
  }

  updateOne(db: string, coll: string, filter: Document, update: Document, options?: Document, dbOptions?: Document): Promise<Document> {
    return this.value('updateOne', { db, coll, filter, update }, options, dbOptions);
  }

  updateMany(db: string, coll: string, filter: Document, update: Document, options?: Document, dbOptions?: Document): Promise<Document> {
    return this.value('updateMany', { db, coll, filter, update }, options, dbOptions);
  }

  replaceOne(db: string, coll: string, filter: Document, replacement: Document, options?: Document, dbOptions?: Document): Promise<Document> {
    return this.value('replaceOne', { db, coll, filter, replacement }, options, dbOptions);
  }

  deleteOne(db: string, coll: string, filter: Document, options?: Document, dbOptions?: Document): Promise<Document> {
    return this.value('deleteOne', { db, coll, filter }, options, dbOptions);
  }

  deleteMany(db: string, coll: string, filter: Document, options?: Document, dbOptions?: Document): Promise<Document> {
    return this.value('deleteMany', { db, coll, filter }, options, dbOptions);
  }

  async findOneAndDelete(db: string, coll: string, filter: Document, options?: Document, dbOptions?: Document): Promise<Document | null> {
    return (await this.value('findOneAndDelete', { db, coll, filter }, options, dbOptions)).document as Document | null;
  }

  async findOneAndReplace(db: string, coll: string, filter: Document, replacement: Document, options?: Document, dbOptions?: Document): Promise<Document | null> {
    return (await this.value('findOneAndReplace', { db, coll, filter, replacement }, options, dbOptions)).document as Document | null;
  }

  async findOneAndUpdate(db: string, coll: string, filter: Document, update: Document | Document[], options?: Document, dbOptions?: Document): Promise<Document | null> {
    return (await this.value('findOneAndUpdate', { db, coll, filter, update }, options, dbOptions)).document as Document | null;
  }

  /** The driver's BulkWriteResult fields, from the RPC's counts. */
  async bulkWrite(db: string, coll: string, operations: Document[], options?: Document, dbOptions?: Document): Promise<Document> {
    const reply = await this.value('bulkWrite', { db, coll, operations }, options, dbOptions);
    const result = (reply.result as Document | undefined) ?? {};
    const upserted = (result.upserted as Array<{ index: number; _id: unknown }> | undefined) ?? [];
    return {
      acknowledged: reply.acknowledged !== false,
      insertedCount: result.nInserted ?? 0,
      insertedIds: (reply.insertedIds as Document | undefined) ?? {},
      matchedCount: result.nMatched ?? 0,
      modifiedCount: result.nModified ?? 0,
      deletedCount: result.nRemoved ?? 0,
      upsertedCount: result.nUpserted ?? 0,
      upsertedIds: Object.fromEntries(upserted.map((entry) => [entry.index, entry._id])),
    };
  }

  async createIndexes(db: string, coll: string, indexes: Document[], options?: Document, dbOptions?: Document): Promise<string[]> {
    return (await this.value('createIndexes', { db, coll, indexes }, options, dbOptions)).names as string[];
  }

  async createCollection(db: string, coll: string, options?: Document, dbOptions?: Document): Promise<{ ok: number }> {
    await this.runCommand(db, { create: coll, ...callOptions(options).options }, {}, dbOptions);
    return { ok: 1 };
  }

  async dropCollection(db: string, coll: string, options?: Document, dbOptions?: Document): Promise<boolean> {
    return (await this.value('dropCollection', { db, coll }, options, dbOptions)).dropped === true;
  }

  async dropDatabase(db: string, options?: Document, dbOptions?: Document): Promise<Document> {
    const reply = await this.value('dropDatabase', { db }, options, dbOptions);
    return reply.dropped === false ? { ok: 0 } : { ok: 1, dropped: db };
  }

  async renameCollection(db: string, from: string, to: string, options?: Document): Promise<null> {
    const { dropTarget } = callOptions(options).options;
    await this.runCommand('admin', { renameCollection: `${db}.${from}`, to: `${db}.${to}`, ...(dropTarget !== undefined ? { dropTarget } : {}) });
    return null;
  }
}

