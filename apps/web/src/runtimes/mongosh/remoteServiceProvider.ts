import * as bson from 'bson';
import { MongoshInvalidInputError, MongoshUnimplementedError } from '@mongosh/errors';
import { ServiceProviderCore } from '@mongosh/service-provider-core';
import { promoteValues } from './bsonValues';
import { RemoteCursor } from './remoteCursor';
import {
  DriverRpcError,
  type CursorMethod,
  type Document,
  type DriverErrorInfo,
  type DriverReply,
  type DriverRequest,
  type DriverTransport,
  type TopologyView,
  type ValueMethod,
  valueMethods,
} from './driverRpc';

/** A read preference as mongosh's helpers read it back (`db.getMongo().getReadPrefMode()`). */
export interface ReadPreferenceView {
  mode: string;
  tags?: Document[];
  maxStalenessSeconds?: number;
  hedge?: Document;
}

/** The error the shell prints for a failed driver call: the driver's class name and fields. */
export function driverError(info: DriverErrorInfo): Error {
  const error = new Error(info.message) as Error & Record<string, unknown>;
  Object.assign(error, info.fields ?? {});
  error.name = info.name;
  if (info.code !== undefined) error.code = info.code;
  if (info.codeName !== undefined) error.codeName = info.codeName;
  if (info.errorLabels !== undefined) error.errorLabels = info.errorLabels;
  // The stack would point into this file; mongosh shows the driver's message only.
  error.stack = `${info.name}: ${info.message}`;
  return error;
}

/** One connection (a driver client on the server) and the requests made through it. */
export class RemoteConnection {
  private readonly inFlight = new Set<AbortController>();
  topology: TopologyView;

  constructor(
    private readonly transport: DriverTransport,
    readonly id: string,
    topology: TopologyView,
  ) {
    this.topology = topology;
  }

  observe(topology: TopologyView | undefined): void {
    if (topology) this.topology = topology;
  }

  async request(request: DriverRequest, signal?: AbortSignal): Promise<DriverReply> {
    const controller = new AbortController();
    const onAbort = (): void => controller.abort(signal?.reason);
    signal?.addEventListener('abort', onAbort, { once: true });
    this.inFlight.add(controller);
    try {
      return promoteValues(await this.transport.request(request, controller.signal));
    } catch (error) {
      if (error instanceof DriverRpcError) throw driverError(promoteValues(error.info));
      throw error;
    } finally {
      signal?.removeEventListener('abort', onAbort);
      this.inFlight.delete(controller);
    }
  }

  /** Ctrl-C: give up on every request still waiting (their replies are dropped). */
  abortAll(): void {
    for (const controller of this.inFlight) controller.abort();
  }
}

function splitSignal(args: unknown[]): { args: unknown[]; signal: AbortSignal | undefined } {
  let signal: AbortSignal | undefined;
  const cleaned = args.map((arg) => {
    if (arg && typeof arg === 'object' && !Array.isArray(arg) && 'signal' in arg) {
      const { signal: found, ...rest } = arg as { signal?: AbortSignal };
      signal = found ?? signal;
      return rest;
    }
    return arg;
  });
  return { args: cleaned, signal };
}

function readPreferenceFromUri(uri: string): ReadPreferenceView {
  const query = uri.split('?')[1] ?? '';
  const mode = new URLSearchParams(query).get('readPreference');
  return { mode: mode ?? 'primary' };
}

/**
 * mongosh's ServiceProvider for a shell in the browser: every driver call becomes a request to the
 * server, which runs it with the official driver against the learner's sandbox. Only what needs no
 * server (the URI, the BSON library, the last topology seen) is answered here.
 */
export class RemoteServiceProvider extends ServiceProviderCore {
  readonly platform = 'CLI' as const;
  private readPreference: ReadPreferenceView;

  private constructor(
    private readonly transport: DriverTransport,
    private readonly connection: RemoteConnection,
    private readonly uri: string,
    readonly initialDb: string,
  ) {
    // mongosh's base class: it makes BSON values print as the shell prints them (`ObjectId('…')`).
    super(bson as never);
    this.readPreference = readPreferenceFromUri(uri);
    // Every method that answers one value is the same round trip: made from the list the
    // server's executor accepts, so the two cannot drift apart.
    const self = this as unknown as Record<string, unknown>;
    for (const method of valueMethods) {
      if (method !== 'resetConnectionOptions') self[method] = (...args: unknown[]) => this.call(method, args);
    }
  }

  /** Open a client on the server for `uri` (what mongosh does at start and for `new Mongo()`). */
  static async connect(transport: DriverTransport, uri: string, options: Document = {}, signal?: AbortSignal): Promise<RemoteServiceProvider> {
    const reply = await transport.request({ op: 'connect', uri, options }, signal).catch((error: unknown) => {
      if (error instanceof DriverRpcError) throw driverError(promoteValues(error.info));
      throw error;
    });
    if (reply.op !== 'connect') throw new Error(`unexpected reply ${reply.op} to connect`);
    const path = /^mongodb(?:\+srv)?:\/\/[^/]*\/([^?]*)/.exec(uri)?.[1] ?? '';
    const initialDb = decodeURIComponent(path) || 'test';
    return new RemoteServiceProvider(transport, new RemoteConnection(transport, reply.connection, reply.topology), uri, initialDb);
  }

  /** `mongosh --nodb`: the shell API has its BSON helpers but no database until `connect()`. */
  static disconnected(transport: DriverTransport): RemoteServiceProvider {
    const none: DriverTransport = {
      request: async () => {
        throw new MongoshInvalidInputError('No connected database');
      },
    };
    return new RemoteServiceProvider(transport, new RemoteConnection(none, '', { type: 'Unknown', setName: null, servers: [] }), '', 'test');
  }

  get connectionId(): string {
    return this.connection.id;
  }

  /** Used by the methods installed below from `valueMethods`. */
  async call(method: ValueMethod, rawArgs: unknown[]): Promise<unknown> {
    const { args, signal } = splitSignal(rawArgs);
    const reply = await this.connection.request({ op: 'call', connection: this.connection.id, method, args }, signal);
    if (reply.op !== 'call') throw new Error(`unexpected reply ${reply.op} to ${method}`);
    this.connection.observe(reply.topology);
    return reply.value;
  }

  private cursor(method: CursorMethod, rawArgs: unknown[]): RemoteCursor {
    return new RemoteCursor(this.connection, method, splitSignal(rawArgs).args);
  }

  // ---- answered here ----

  getURI(): string {
    return this.uri;
  }

  getTopologyDescription(): { type: string; setName: string | null; servers: Map<string, { type: string; setName: string | null }> } {
    const { topology } = this.connection;
    return {
      type: topology.type,
      setName: topology.setName,
      servers: new Map(topology.servers.map((server) => [server.address, { type: server.type, setName: server.setName }])),
    };
  }

  /** Ask the server what the driver sees now (servers come and go between lines). */
  async refreshTopology(): Promise<void> {
    if (this.connection.id === '') return;
    const reply = await this.connection.request({ op: 'topology', connection: this.connection.id });
    if (reply.op === 'topology') this.connection.observe(reply.topology);
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

  async getNewConnection(uri: string, options: Document = {}): Promise<RemoteServiceProvider> {
    return RemoteServiceProvider.connect(this.transport, uri, options);
  }

  async suspend(): Promise<() => Promise<void>> {
    this.connection.abortAll();
    return async () => undefined;
  }

  async close(): Promise<void> {
    this.connection.abortAll();
    await this.connection.request({ op: 'close', connection: this.connection.id }).catch(() => undefined);
  }

  startSession(): never {
    throw new MongoshUnimplementedError('Sessions are not available in this lab\'s mongosh');
  }

  async initializeBulkOp(): Promise<never> {
    throw new MongoshUnimplementedError('initializeOrderedBulkOp and initializeUnorderedBulkOp are not available in this lab\'s mongosh; use bulkWrite()');
  }

  watch(): never {
    throw new MongoshUnimplementedError('Change streams are not available in this lab\'s mongosh');
  }

  async authenticate(): Promise<never> {
    throw new MongoshUnimplementedError('The lab\'s members run without authentication');
  }

  async resetConnectionOptions(options: Document): Promise<void> {
    await this.call('resetConnectionOptions', [options]);
    const readPreference = this.readPreferenceFromOptions(options as never);
    if (readPreference) this.readPreference = readPreference;
  }

  // ---- cursors ----

  find(...args: unknown[]): RemoteCursor {
    return this.cursor('find', args);
  }

  aggregate(...args: unknown[]): RemoteCursor {
    return this.cursor('aggregate', args);
  }

  aggregateDb(...args: unknown[]): RemoteCursor {
    return this.cursor('aggregateDb', args);
  }

  runCursorCommand(...args: unknown[]): RemoteCursor {
    return this.cursor('runCursorCommand', args);
  }
}
