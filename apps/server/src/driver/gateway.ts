import { MongoClient, MongoTopologyClosedError, type MongoClientOptions } from 'mongodb';
import { connectionStringParts } from './connectionString';
import type { EventLog } from '../timeline/eventLog';
import { driverNetworkMessage } from './driverErrors';

/** A driver client as the timeline and the lesson checks see it. */
export interface ClientView {
  id: string;
  api: 'Connection' | 'MongoClient' | 'mongosh';
  seeds: string[];
  directConnection: boolean;
  createdAt: number;
  /** Members the client's topology knows, `host:port`. */
  knownMembers: string[];
  primary: string | null;
  closed: boolean;
}

/** How the driver reaches a sandbox's members: through the SOCKS bridge, with that sandbox's login. */
export interface DriverRoute {
  proxyHost: string;
  proxyPort: number;
  proxyUsername: string;
  proxyPassword: string;
  /** Resolves once `proxyPort` is the bridge's real port (a worker thread's bridge may still be starting); clients open after it. */
  ready?: () => Promise<void>;
}

export interface OpenClientOptions {
  api: ClientView['api'];
  /** `host:port` seeds as the learner gave them. */
  seeds: string[];
  /** A full connection string, when the learner typed one; else one is made from the seeds. */
  uri?: string;
  /** Driver options besides routing (directConnection, replicaSet, timeouts, retries, read preference). */
  options: MongoClientOptions;
  /** PyMongo 1.8's Connection: stays on the primary it found (see DriverRpcExecutor). Default: api is 'Connection'. */
  legacy?: boolean;
}

/** One operation a shell ran through a client: what the lesson checks and the timeline see. */
export interface OperationRecord {
  at: number;
  client: string;
  kind: 'read' | 'write' | 'command';
  ok: boolean;
  errorName?: string;
  /** The server error's codeName (`WriteConcernFailed`, `NotWritablePrimary`...), when it had one. */
  codeName?: string;
  /** The member that answered, `host:port`, or null when none did. */
  servedBy: string | null;
}

export interface TrackedClient {
  id: string;
  view: ClientView;
  client: MongoClient;
  readonly request: OpenClientOptions;
  /** `host:port` of the member the last command went to. */
  lastServer: string | null;
  /** The client's topology as its last description had it: `host:port` → server type. */
  servers: Map<string, string>;
  /** Why each member's last heartbeat failed, until one succeeds again. */
  heartbeatFailures: Map<string, Error>;
  /** The set name the client's topology reports, once known. */
  setName: string | null;
  /** The driver's topology type (`Single`, `ReplicaSetWithPrimary`, `ReplicaSetNoPrimary`, `Unknown`...). */
  topologyType: string;
  /** 1.8's Connection stays on the member it found as primary until that one fails it. */
  pinned: string | null;
  /** This client behaves as PyMongo 1.8's Connection. */
  legacy: boolean;
  /** The server selection timeout this client was made with, for error messages. */
  serverSelectionTimeoutMillis: number;
}

const serverTypeNames: Record<string, string> = {
  RSPrimary: 'PRIMARY',
  RSSecondary: 'SECONDARY',
  RSArbiter: 'ARBITER',
  RSGhost: 'a member not yet in a set',
  RSOther: 'another member type',
  Unknown: 'Unknown',
  Standalone: 'a standalone',
  Mongos: 'a mongos',
};

/**
 * PyMongo maintains its pools (prunes perished connections, opens up to minPoolSize) from one
 * background task a second (mongo_client.py `_init_background`: a PeriodicExecutor at
 * `common.KILL_CURSOR_FREQUENCY`, 1 s); the Node driver, which runs a Python learner's calls here,
 * does it from a 100 ms timer per pool (connection_pool.js `minPoolSizeCheckFrequencyMS`, an
 * internal option its constructor refuses). A Python client gets PyMongo's period, set on the
 * parsed options before the topology copies them: a worker of 250 walkthrough sandboxes ran 15,000
 * of those timers a second, 6 % of its busy time (docs/BENCHMARKS.md). mongosh, itself the Node
 * driver, keeps the driver's own period.
 */
export const pythonPoolMaintenanceMillis = 1000;

function poolMaintenanceAsPyMongo(client: MongoClient): void {
  (client.options as typeof client.options & { minPoolSizeCheckFrequencyMS?: number }).minPoolSizeCheckFrequencyMS = pythonPoolMaintenanceMillis;
}

/** What a DriverGateway tells its observer. */
export interface GatewayObserver {
  viewsChanged(): void;
  operationRecorded(record: OperationRecord): void;
}

/**
 * Every client a sandbox's shells open goes through here: it adds the route to the sandbox's
 * members, records what each client knows of the topology, and feeds the driver's SDAM and
 * command events into the sandbox's timeline.
 */
export class DriverGateway {
  private readonly clients = new Map<string, TrackedClient>();
  private readonly operationLog: OperationRecord[] = [];
  private counter = 0;
  private changed: GatewayObserver | null = null;

  constructor(
    private readonly route: DriverRoute,
    private readonly events: EventLog,
    private readonly now: () => number,
    private readonly limits: { clientsMax: number; operationsKept: number } = { clientsMax: 32, operationsKept: 1000 },
  ) {}

  get operations(): readonly OperationRecord[] {
    return this.operationLog;
  }

  /** Be told when the client views change or an operation is recorded (a worker mirrors them to the main thread). */
  observe(observer: GatewayObserver): void {
    this.changed = observer;
  }

  views(): ClientView[] {
    return [...this.clients.values()].map((tracked) => ({ ...tracked.view, knownMembers: [...tracked.view.knownMembers] }));
  }

  /** Resolves once the route's bridge listens, so a client opened after it reaches the members. */
  async routeReady(): Promise<void> {
    await this.route.ready?.();
  }

  get(id: string): TrackedClient | undefined {
    return this.clients.get(id);
  }

  open(request: OpenClientOptions): TrackedClient {
    const open = [...this.clients.values()].filter((c) => !c.view.closed);
    if (open.length >= this.limits.clientsMax) {
      // The oldest idle client goes first, as a learner who keeps making clients would expect.
      const oldest = open[0];
      if (oldest) {
        this.close(oldest.id).catch((error: unknown) => this.closeFailed(oldest.id, error));
      }
    }
    this.counter += 1;
    const id = `c${this.counter}`;
    const fromUri = request.uri ? connectionStringParts(request.uri) : null;
    const tracked: TrackedClient = {
      id,
      request,
      client: this.makeClient(request),
      lastServer: null,
      servers: new Map(),
      heartbeatFailures: new Map(),
      pinned: null,
      legacy: request.legacy ?? request.api === 'Connection',
      setName: null,
      topologyType: 'Unknown',
      serverSelectionTimeoutMillis: request.options.serverSelectionTimeoutMS ?? 30_000,
      view: {
        id,
        api: request.api,
        // A client made from a connection string (mongosh "mongodb://…") has its seeds and
        // directConnection there, not in the options: the view says what the learner asked for.
        seeds: request.seeds.length > 0 ? request.seeds : (fromUri?.hosts ?? []),
        directConnection: (request.options.directConnection ?? fromUri?.directConnection) === true,
        createdAt: this.now(),
        knownMembers: [],
        primary: null,
        closed: false,
      },
    };
    this.clients.set(id, tracked);
    this.watch(tracked);
    this.changed?.viewsChanged();
    return tracked;
  }

  private makeClient(request: OpenClientOptions): MongoClient {
    const uri = request.uri ?? `mongodb://${request.seeds.join(',')}/`;
    const client = new MongoClient(uri, {
      ...request.options,
      proxyHost: this.route.proxyHost,
      proxyPort: this.route.proxyPort,
      proxyUsername: this.route.proxyUsername,
      proxyPassword: this.route.proxyPassword,
      monitorCommands: true,
      maxPoolSize: 5,
      appName: `rslab-${request.api}`,
    });
    if (request.api !== 'mongosh') poolMaintenanceAsPyMongo(client);
    return client;
  }

  /**
   * The Node driver gives up on a client whose first connection failed ("Topology is closed");
   * PyMongo and mongosh clients keep trying. Start the client afresh, keeping its identity.
   */
  revive(tracked: TrackedClient): void {
    if (tracked.view.closed) return;
    // The old client is given up; a failure to close it is noted, not thrown at the shell.
    tracked.client.close(true).catch((error: unknown) => this.closeFailed(tracked.view.id, error));
    tracked.client = this.makeClient(tracked.request);
    tracked.servers = new Map();
    tracked.heartbeatFailures = new Map();
    this.watch(tracked);
  }

  async close(id: string): Promise<void> {
    const tracked = this.clients.get(id);
    if (!tracked || tracked.view.closed) return;
    tracked.view.closed = true;
    // Closing is best effort (the client may be half-connected to a member that is gone); noted on the timeline.
    await tracked.client.close(true).catch((error: unknown) => this.closeFailed(id, error));
    this.clients.delete(id);
    this.changed?.viewsChanged();
  }

  private closeFailed(id: string, error: unknown): void {
    this.events.add({ source: 'driver', kind: 'clientCloseFailed', text: `closing client ${id} failed: ${error instanceof Error ? error.message : String(error)}` });
  }

  async closeAll(): Promise<void> {
    await Promise.all([...this.clients.keys()].map((id) => this.close(id)));
  }

  /** Run one operation for a shell and record how it went. */
  async record<T>(tracked: TrackedClient, kind: OperationRecord['kind'], run: () => Promise<T>, errorName: (error: unknown) => string): Promise<T> {
    const at = this.now();
    tracked.lastServer = null;
    try {
      let result: T;
      try {
        result = await run();
      } catch (error) {
        if (!(error instanceof MongoTopologyClosedError) || tracked.view.closed) throw error;
        this.revive(tracked);
        result = await run();
      }
      this.push({ at, client: tracked.id, kind, ok: true, servedBy: tracked.lastServer });
      return result;
    } catch (error) {
      const codeName = (error as { codeName?: unknown } | null)?.codeName;
      this.push({ at, client: tracked.id, kind, ok: false, errorName: errorName(error), ...(typeof codeName === 'string' ? { codeName } : {}), servedBy: null });
      throw error;
    }
  }

  private push(record: OperationRecord): void {
    this.operationLog.push(record);
    if (this.operationLog.length > this.limits.operationsKept) this.operationLog.shift();
    this.changed?.operationRecorded(record);
  }

  private watch(tracked: TrackedClient): void {
    const { client, view } = tracked;
    const label = view.api === 'mongosh' ? 'mongosh' : view.api;
    client.on('commandStarted', (event) => {
      tracked.lastServer = event.address;
    });
    client.on('commandFailed', (event) => {
      this.events.add({
        source: 'driver',
        kind: 'commandFailed',
        member: event.address,
        text: `${label} ${tracked.id}: ${event.commandName} on ${event.address} failed: ${driverNetworkMessage(event.failure, event.address)}`,
      });
    });
    client.on('serverDescriptionChanged', (event) => {
      const before = event.previousDescription.type;
      const after = event.newDescription.type;
      if (before === after) return;
      this.events.add({
        source: 'driver',
        kind: 'serverDescriptionChanged',
        member: event.address,
        text: `${label} ${tracked.id} now sees ${event.address} as ${serverTypeNames[after] ?? after} (was ${serverTypeNames[before] ?? before})`,
      });
    });
    client.on('topologyDescriptionChanged', (event) => {
      const servers = [...event.newDescription.servers.values()];
      tracked.servers = new Map(servers.map((server) => [server.address, server.type]));
      tracked.topologyType = event.newDescription.type;
      tracked.setName = event.newDescription.setName ?? servers.find((server) => server.setName)?.setName ?? tracked.setName;
      view.knownMembers = servers.map((server) => server.address).sort();
      const primary = servers.find((server) => server.type === 'RSPrimary');
      const previous = view.primary;
      view.primary = primary ? primary.address : null;
      this.changed?.viewsChanged();
      if (previous !== view.primary) {
        this.events.add({
          source: 'driver',
          kind: view.primary ? 'primaryFound' : 'primaryLost',
          ...(view.primary || previous ? { member: (view.primary ?? previous) as string } : {}),
          text: view.primary ? `${label} ${tracked.id} found the primary ${view.primary}` : `${label} ${tracked.id} has no primary (${previous} is gone)`,
        });
      }
    });
    // A member that stays down fails a heartbeat every few hundred ms for every client: the
    // timeline shows the first failure and nothing more until the member answers again.
    client.on('serverHeartbeatSucceeded', (event) => {
      tracked.heartbeatFailures.delete(event.connectionId);
    });
    client.on('serverHeartbeatFailed', (event) => {
      const known = tracked.heartbeatFailures.has(event.connectionId);
      tracked.heartbeatFailures.set(event.connectionId, event.failure);
      if (known) return;
      this.events.add({
        source: 'driver',
        kind: 'serverHeartbeatFailed',
        member: event.connectionId,
        text: `${label} ${tracked.id}: heartbeat to ${event.connectionId} failed: ${driverNetworkMessage(event.failure, event.connectionId)} (not listed again until it answers)`,
      });
    });
  }
}
