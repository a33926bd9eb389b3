import { randomBytes, randomInt } from 'node:crypto';
import type { Document } from 'bson';
import {
  DirectPeerTransport,
  MIB_BYTES,
  Member,
  copyPersistedReplState,
  MemberState,
  MongoLogger,
  Random,
  ScaledClock,
  Storage,
  VirtualNetwork,
  createMemberCrudCommands,
  formatLogLine,
  newPersistedReplState,
  serveWire,
  WireConnectionStats,
  stateName,
  tsInc,
  tsSecs,
  type PersistedReplState,
  type ReplParameters,
  type WireListener,
} from '@rslab/sim';
import type { ClusterSnapshot, HeartbeatView, LinkView, MemberStateName, MemberView } from '@rslab/protocol';
import type { DriverRoute } from '../driver/gateway';
import type { MongodOptions } from '../mongod/flags';
import type { EventLog } from '../timeline/eventLog';
import { defaultEngineLimits, EngineCommandError, reportEngineError, type EngineErrorReporter, type Engine, type EngineLimits, type EngineProcess, type Signal } from './engine';
import { ProcessTable, addressInUse, dbpathInUse, publicView, startedProcess, toStateName } from './processTable';
import { describeMemberEvent } from './memberEvents';

/** What stays on "disk" in a dbpath between runs of a member: its data and replication state. */
interface DbPath {
  storage: Storage | undefined;
  persisted: PersistedReplState;
  lockedBy: number | null;
}

interface SimProcess {
  member: Member;
  listener: WireListener | null;
  log: string[];
  followers: Set<(line: string) => void>;
  options: MongodOptions;
}

export interface SimEngineOptions {
  hostname: string;
  events: EventLog;
  /** Told of a failure with nobody waiting on it; without it, the failure is a line on the timeline. */
  onError?: EngineErrorReporter;
  /** The SOCKS bridge credentials that lead to this engine's network. */
  routeFor: (network: VirtualNetwork) => DriverRoute;
  limits?: Partial<EngineLimits>;
  parameters?: Partial<ReplParameters>;
  seed?: number;
  /** Documents and bytes one member may hold. */
  storageLimits?: { storageDocumentsMax: number; storageBytesMax: number };
  /**
   * Where the sandbox clock starts and how it runs (a fork starts where its source is), or the clock
   * itself (a worker's sandbox: one that follows the main thread's anchor).
   */
  clock?: { startMillis: number; speed: number; paused: boolean } | ScaledClock;
}

/** What `copyFrom` copied, for the page and the docs to say. */
export interface EngineCopyReport {
  /** Members started in the copy, with the options they ran with in the source. */
  started: string[];
  /** Data directories copied (data, oplog, config, term, vote), including those of stopped members. */
  dbpaths: string[];
  /** The member asked to step up because it was primary in the source, if any. */
  steppedUp: string | null;
}

const mongodVersion = '7.0.14';

/**
 * What a checkpoint's copy costs, roughly: documents and oplog entries are immutable and shared
 * with the live member, so a copy pays for its own map and index slots, not for the data again.
 */
const checkpointDocumentSlotBytesEstimate = 80;
const checkpointOplogSlotBytesEstimate = 16;

/** A SimEngine's dbpaths and process table at one moment, copied: what a branch starts from. */
export interface EngineCheckpoint {
  /** Sandbox-clock millis it was taken at. */
  atMillis: number;
  dbpaths: Map<string, { storage: Storage | undefined; persisted: PersistedReplState }>;
  processes: Array<{
    process: Omit<EngineProcess, 'pid'>;
    options: MongodOptions;
    primary: boolean;
    stopped: { member: Member; log: string[] } | null;
  }>;
  /** Estimated bytes it holds (documents and oplog entries). */
  sizeBytes: number;
}

/**
 * The default engine: every `mongod` is a simulated member in this process, on the sandbox's own
 * virtual network and clock, served over the real wire protocol so the driver talks to it as to a
 * real server.
 */
export class SimEngine implements Engine {
  readonly kind = 'sim';
  readonly clock: ScaledClock;
  readonly network: VirtualNetwork;
  readonly route: DriverRoute;
  private readonly transport: DirectPeerTransport;
  private readonly random: Random;
  private readonly table: ProcessTable<SimProcess>;
  private readonly dbpaths = new Map<string, DbPath>();
  private readonly limits: EngineLimits;
  private readonly crud = createMemberCrudCommands();
  private disposed = false;

  constructor(private readonly options: SimEngineOptions) {
    const start = options.clock;
    if (start instanceof ScaledClock) {
      this.clock = start;
    } else {
      this.clock = new ScaledClock(start ? { startMillis: start.startMillis, speed: start.speed } : {});
      if (start?.paused) this.clock.pause();
    }
    this.network = new VirtualNetwork({ clock: this.clock, defaultDelayMillis: 1 });
    this.transport = new DirectPeerTransport({ clock: this.clock, faults: this.network.faults });
    this.random = new Random(options.seed ?? randomInt(1, 2 ** 31));
    this.table = new ProcessTable(2000 + randomInt(0, 3000));
    this.limits = { ...defaultEngineLimits, ...options.limits };
    this.route = options.routeFor(this.network);
  }

  private reportError(error: unknown, what: string): void {
    reportEngineError(this.options, error, what);
  }

  private address(port: number): string {
    return `${this.options.hostname}:${port}`;
  }

  async start(options: MongodOptions): Promise<EngineProcess> {
    if (this.disposed) throw new EngineCommandError('the sandbox is shutting down\n', 1);
    const address = this.address(options.port);
    if (this.table.onPort(options.port)) throw addressInUse(this.clock.now(), options.port);
    const dbpath = this.dbpaths.get(options.dbpath) ?? { storage: undefined, persisted: newPersistedReplState(), lockedBy: null };
    if (dbpath.lockedBy !== null && this.table.get(dbpath.lockedBy)?.running) throw dbpathInUse(this.clock.now(), options.dbpath);
    if (this.table.running().length >= this.limits.membersMax) {
      throw new EngineCommandError(
        `lab: this sandbox already runs ${this.limits.membersMax} mongod processes, its limit; kill one first (kill PID)\n`,
        1,
      );
    }
    this.dbpaths.set(options.dbpath, dbpath);
    const replSet = options.replSet === null ? undefined : options.seeds.length > 0 ? `${options.replSet}/${options.seeds.map((s) => `${s.host}:${s.port}`).join(',')}` : options.replSet;
    const log: string[] = [];
    const followers = new Set<(line: string) => void>();
    const sink = (line: string) => {
      log.push(line);
      if (log.length > this.limits.logLinesMax) log.shift();
      for (const follower of followers) follower(line);
    };
    const logger = new MongoLogger({ clock: this.clock, sink, recentLinesMax: 0 });
    const member = new Member({
      host: this.options.hostname,
      port: options.port,
      ...(replSet !== undefined ? { replSet } : {}),
      clock: this.clock,
      random: this.random.fork(),
      transport: this.transport,
      storage: dbpath.storage ?? new Storage({ limits: this.options.storageLimits ?? { storageDocumentsMax: 20_000, storageBytesMax: 32 * 1024 * 1024 } }),
      crud: this.crud,
      persisted: dbpath.persisted,
      // --oplogSize is in MB (mongod: replSettings.setOplogSizeBytes(MB * 1024 * 1024)).
      parameters: { ...this.options.parameters, ...(options.oplogSizeMB === null ? {} : { oplogBytesMax: options.oplogSizeMB * MIB_BYTES }) },
      version: mongodVersion,
      log: (entry) => sink(formatLogLine(entry.t.getTime(), entry)),
      onShutdown: () => this.exited(proc.pid, 'SIGTERM'),
    });
    dbpath.storage = member.storage;
    const proc = this.table.add(
      startedProcess(address, options, this.clock.now()),
      { member, listener: null, log, followers, options },
    );
    dbpath.lockedBy = proc.pid;
    member.on((event) => {
      const described = describeMemberEvent(event);
      if (described) this.options.events.add({ source: 'cluster', member: event.host, at: event.atMillis, ...described });
    });
    this.network.restart(address);
    this.transport.register(address, member);
    // serverStatus().connections counts what this listener serves.
    const stats = new WireConnectionStats();
    member.attachConnectionCounts(stats);
    proc.extra.listener = await serveWire({ network: this.network, address: { host: this.options.hostname, port: options.port }, handler: member, log: logger, stats });
    logger.log({ s: 'I', c: 'NETWORK', id: 23016, ctx: 'listener', msg: 'Waiting for connections', attr: { port: options.port, ssl: 'off' } });
    this.options.events.add({ source: 'cluster', kind: 'processStarted', member: address, text: `mongod started on ${address} (pid ${proc.pid})` });
    return publicView(proc);
  }

  restart(address: string): Promise<EngineProcess> {
    return this.table.restart(address, (options) => this.start(options));
  }

  async signal(pid: number, signal: Signal): Promise<boolean> {
    const proc = this.table.get(pid);
    if (!proc?.running) return false;
    const member = proc.extra.member;
    const stateThen = stateName(member.repl.stateNumber) as MemberStateName;
    proc.killed = { at: this.clock.now(), signal, stateThen, termThen: member.repl.term };
    if (signal === 'SIGKILL') {
      member.kill();
      this.exited(pid, signal);
    } else {
      // SIGTERM and SIGINT: mongod shuts down cleanly (a primary steps down first).
      await member.shutdown({ force: true, timeoutSecs: 10 });
      this.exited(pid, signal);
    }
    return true;
  }

  private exited(pid: number, signal: Signal): void {
    const proc = this.table.get(pid);
    if (!proc?.running) return;
    proc.running = false;
    if (!proc.killed) {
      proc.killed = { at: this.clock.now(), signal, stateThen: 'UNKNOWN', termThen: proc.extra.member.repl.term };
    }
    this.transport.unregister(proc.address, proc.extra.member);
    this.network.kill(proc.address);
    proc.extra.listener?.close().catch((error: unknown) => this.reportError(error, `closing the listener of ${proc.address} failed`));
    const dbpath = this.dbpaths.get(proc.dbpath);
    if (dbpath?.lockedBy === pid) dbpath.lockedBy = null;
    this.options.events.add({
      source: 'cluster',
      kind: 'processExited',
      member: proc.address,
      text: `mongod on ${proc.address} (pid ${pid}) ${signal === 'SIGKILL' ? 'was killed' : 'shut down'}`,
    });
  }

  processes(): EngineProcess[] {
    return this.table.views();
  }

  async logLines(pid: number): Promise<string[] | null> {
    return this.table.logLines(pid);
  }

  followLog(pid: number, listener: (line: string) => void): () => void {
    return this.table.followLog(pid, listener);
  }

  async snapshot(): Promise<ClusterSnapshot> {
    return this.snapshotNow();
  }

  /**
   * The cluster view and a checkpoint of the members taken together, in one synchronous step, so
   * nothing happens between them: a history moment whose view and whose branch agree.
   */
  moment(): { snapshot: ClusterSnapshot; checkpoint: EngineCheckpoint } {
    return { snapshot: this.snapshotNow(), checkpoint: this.checkpoint() };
  }

  private snapshotNow(): ClusterSnapshot {
    const now = this.clock.now();
    const latestByAddress = new Map<string, EngineProcess & { extra: SimProcess }>();
    for (const proc of this.table.all()) latestByAddress.set(proc.address, proc);
    const members: MemberView[] = [];
    let setName: string | null = null;
    for (const proc of latestByAddress.values()) {
      const member = proc.extra.member;
      const repl = member.repl;
      if (proc.running && repl.config) setName = repl.config._id;
      const heartbeats: Record<string, HeartbeatView> = {};
      if (proc.running) {
        for (const peer of repl.peerViews()) {
          heartbeats[peer.host] = {
            lastReplyAt: peer.lastHeartbeatRecvMillis > 0 ? peer.lastHeartbeatRecvMillis : null,
            ok: peer.health === 1,
            pingMillis: peer.health === 1 ? peer.pingMs : null,
            peerState: toStateName(stateName(peer.state)),
          };
        }
      }
      const self = repl.selfConfig;
      const optime = repl.lastApplied;
      members.push({
        host: proc.address,
        pid: proc.pid,
        process: proc.running ? 'running' : proc.killed?.signal === 'SIGKILL' ? 'killed' : 'stopped',
        state: proc.running ? toStateName(stateName(repl.stateNumber)) : 'DOWN',
        term: repl.term,
        optime: optime.t < 0 ? null : { ts: tsSecs(optime.ts), i: tsInc(optime.ts), t: optime.t },
        lagMillis: null,
        syncSource: proc.running ? repl.syncSource : null,
        // A newlyAdded member (added by a safe reconfig, still before SECONDARY) does not vote yet:
        // mongod's MemberConfig::isVoter counts it as votes 0 though rs.conf() says 1.
        votes: self?.newlyAdded ? 0 : (self?.votes ?? 1),
        priority: self?.priority ?? 1,
        hidden: self?.hidden ?? false,
        arbiterOnly: self?.arbiterOnly ?? false,
        heartbeats,
        electionDeadlineAt: proc.running ? (repl.electionTimeoutDueMillis ?? null) : null,
        electionTimeoutMillis: repl.config?.settings.electionTimeoutMillis ?? 10_000,
        argv: [...proc.argv],
      });
    }
    const primary = members.find((m) => m.state === 'PRIMARY');
    if (primary?.optime) {
      for (const member of members) {
        if (member.optime && member.state !== 'DOWN') member.lagMillis = Math.max(0, (primary.optime.ts - member.optime.ts) * 1000);
      }
    }
    return { at: now, speed: this.clock.speed, paused: this.clock.paused, setName, members, links: this.links(members.map((m) => m.host)) };
  }

  private links(hosts: string[]): LinkView[] {
    const links: LinkView[] = [];
    const faults = this.network.faults;
    for (let i = 0; i < hosts.length; i += 1) {
      for (let j = i + 1; j < hosts.length; j += 1) {
        const from = hosts[i] as string;
        const to = hosts[j] as string;
        const down = faults.isDown(from) || faults.isDown(to);
        const cut = !faults.canSend(from, to) || !faults.canSend(to, from);
        links.push({ from, to, status: down ? 'down' : cut ? 'cut' : 'up', delayMillis: faults.delayMillis(from, to) });
      }
    }
    return links;
  }

  async documents(address: string, ns: string): Promise<Document[] | null> {
    const proc = this.table.onPort(Number(address.slice(address.lastIndexOf(':') + 1)));
    if (!proc || proc.address !== address) return null;
    const dot = ns.indexOf('.');
    const reply = await proc.extra.member.run(
      internalRequest(ns.slice(0, dot), {
        find: ns.slice(dot + 1),
        filter: {},
        limit: 1000,
        singleBatch: true,
        $readPreference: { mode: 'secondaryPreferred' },
      }),
    );
    if (reply.ok !== 1) return [];
    return ((reply.cursor as Document | undefined)?.firstBatch as Document[] | undefined) ?? [];
  }

  rolledBack(address: string): Array<{ ns: string; document: Document }> {
    const proc = this.table.latest(address);
    if (!proc) return [];
    return proc.extra.member.rollbackFiles.flatMap((file) => file.documents.filter((entry) => entry.doc !== null).map((entry) => ({ ns: entry.ns, document: entry.doc as Document })));
  }

  partition(groups: string[][]): void {
    this.network.faults.partition(groups);
  }

  heal(): void {
    this.network.faults.healAll();
  }

  cut(a: string, b: string): void {
    this.network.faults.cut(a, b);
  }

  healLink(a: string, b: string): void {
    const faults = this.network.faults;
    const groups = faults.snapshot().partitions;
    const groupOf = (endpoint: string) => groups.findIndex((group) => group.includes(endpoint));
    if (groupOf(a) !== -1 && groupOf(b) !== -1 && groupOf(a) !== groupOf(b)) {
      // A partition is one rule over groups; to heal one link across it, it becomes the cut links
      // it stands for, and this one is healed. Cuts made before stay as they were.
      for (const [i, from] of groups.entries()) {
        for (const to of groups.slice(i + 1).flat()) for (const x of from) faults.cut(x, to);
      }
      faults.partition([]);
    }
    faults.heal(a, b);
  }

  slow(a: string, b: string, delayMillis: number): void {
    this.network.faults.setDelay(a, b, delayMillis);
  }

  async command(address: string, command: Document): Promise<Document> {
    const proc = this.table.onPort(Number(address.slice(address.lastIndexOf(':') + 1)));
    if (!proc) return { ok: 0, errmsg: `no mongod is running on ${address}`, code: 6, codeName: 'HostUnreachable' };
    return proc.extra.member.run(internalRequest('admin', command));
  }

  /**
   * Make this fresh engine a copy of `source` as it is now, as if every data directory had been
   * copied and the members that were running had been started again with the same options: user
   * data, oplog, replica-set config, term and vote are copied; in-flight network traffic,
   * heartbeat history, election timers, cursors and client connections are not. The member that was
   * primary is asked to step up so the copy has a primary at once instead of after an election.
   */
  async copyFrom(source: SimEngine): Promise<EngineCopyReport> {
    return this.restore(source.checkpoint());
  }

  /**
   * The data directories and the process table as they are now, copied (documents are shared,
   * being immutable): what `restore` starts a copy from, now or later (a branch from the past).
   */
  checkpoint(): EngineCheckpoint {
    const dbpaths = new Map<string, { storage: Storage | undefined; persisted: PersistedReplState }>();
    let sizeBytes = 0;
    for (const [path, dir] of this.dbpaths) {
      const storage = dir.storage instanceof Storage ? dir.storage.clone() : undefined;
      const persisted = copyPersistedReplState(dir.persisted);
      sizeBytes += (storage?.totalDocuments ?? 0) * checkpointDocumentSlotBytesEstimate + persisted.oplog.length * checkpointOplogSlotBytesEstimate;
      dbpaths.set(path, { storage, persisted });
    }
    const processes = this.table.all().map((proc) => {
      const { pid: _pid, extra, ...rest } = proc;
      return {
        process: { ...rest, seeds: [...rest.seeds], argv: [...rest.argv], killed: rest.killed ? { ...rest.killed } : null },
        options: extra.options,
        primary: proc.running && extra.member.repl.stateNumber === MemberState.PRIMARY,
        // A stopped member's object is only read (its term, optime and config for the cluster view).
        stopped: proc.running ? null : { member: extra.member, log: [...extra.log] },
      };
    });
    return { atMillis: this.clock.now(), dbpaths, processes, sizeBytes };
  }

  /** Start this fresh engine from `checkpoint` (see `copyFrom`); the checkpoint is copied again, so it can be restored more than once. */
  async restore(checkpoint: EngineCheckpoint): Promise<EngineCopyReport> {
    if (this.table.all().length > 0) throw new Error('SimEngine.restore: the engine already has processes');
    const dbpaths: string[] = [];
    for (const [path, dir] of checkpoint.dbpaths) {
      const persisted = copyPersistedReplState(dir.persisted);
      this.dbpaths.set(path, { storage: dir.storage?.clone(), persisted, lockedBy: null });
      dbpaths.push(path);
    }
    const started: string[] = [];
    let primary: string | null = null;
    // In the source's order, so PIDs keep their order: running members start again; stopped ones are
    // listed as stopped (with when and how they died, which the lesson checks read) and can be restarted.
    for (const saved of checkpoint.processes) {
      if (!saved.stopped) {
        if (saved.primary) primary = saved.process.address;
        await this.start(saved.options);
        started.push(saved.process.address);
        continue;
      }
      this.table.add(
        { ...saved.process, seeds: [...saved.process.seeds], argv: [...saved.process.argv], killed: saved.process.killed ? { ...saved.process.killed } : null },
        { member: saved.stopped.member, listener: null, log: [...saved.stopped.log], followers: new Set(), options: saved.options },
      );
    }
    let steppedUp: string | null = null;
    if (primary !== null) {
      const reply = await this.command(primary, { replSetStepUp: 1 });
      if (reply.ok === 1) steppedUp = primary;
    }
    return { started, dbpaths, steppedUp };
  }

  async clear(): Promise<number> {
    const running = this.table.running();
    for (const proc of running) {
      proc.extra.member.kill();
      this.exited(proc.pid, 'SIGKILL');
    }
    this.table.clear();
    this.dbpaths.clear();
    this.network.faults.healAll();
    return running.length;
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    for (const proc of this.table.running()) {
      proc.extra.member.kill();
      this.exited(proc.pid, 'SIGKILL');
    }
    this.clock.pause();
  }
}


let internalConnectionId = 1_000_000;

/** A command from the lab itself (the cluster view), not from a client connection. */
function internalRequest(db: string, body: Document) {
  internalConnectionId += 1;
  return {
    db,
    body,
    exhaustAllowed: false,
    moreToCome: false,
    connection: { id: internalConnectionId, remote: 'lab' },
    signal: new AbortController().signal,
  };
}







/** Credentials a SOCKS login for this sandbox uses. */
export function newProxyCredentials(): { username: string; password: string } {
  return { username: `sb${randomBytes(6).toString('hex')}`, password: randomBytes(18).toString('base64url') };
}
