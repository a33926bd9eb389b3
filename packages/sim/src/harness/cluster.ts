import type { Document } from 'bson';
import type { Clock } from '../clock/clock';
import { VirtualClock, VIRTUAL_EPOCH_MILLIS, drainMicrotasks } from '../clock/virtual';
import type { YieldFn } from '../clock/virtual';
import { createMemberCrudCommands } from '../commands/crud';
import type { CrudCommands } from '../commands/crud/context';
import type { LogEntry, MemberJournal } from '../member/member';
import { Member } from '../member/member';
import { DirectPeerTransport } from '../member/transport';
import { NetworkError } from '../net/network';
import { VirtualNetwork } from '../net/virtual';
import { Random } from '../random/random';
import type { PersistedReplState, ReplParameters } from '../repl/coordinator';
import { newPersistedReplState } from '../repl/coordinator';
import type { MemberEvent } from '../repl/events';
import type { OpTime } from '../base/optime';
import { NULL_OPTIME } from '../base/optime';
import type { MemberStateName } from '../repl/state';
import { Storage } from '../storage/storage';

export interface ClusterOptions {
  /** Number of members (default 3). */
  members?: number;
  /** Seed for every random choice in the cluster (default 1). */
  seed?: number;
  /** Host name of every member (default `morton.local`); ports count up from `basePort`. */
  hostName?: string;
  basePort?: number;
  /** Set name (default `rs0`). */
  replSetName?: string;
  /** Settings for the config `initiate()` builds (electionTimeoutMillis, ...). */
  settings?: Document;
  /** Per-member config fields for `initiate()` (priority, votes, arbiterOnly, hidden), by index. */
  memberConfigs?: Document[];
  /** Delay of every link (default 1 ms). */
  linkDelayMillis?: number;
  parameters?: Partial<ReplParameters>;
  /** Serve the test-only commands (configureFailPoint) on every member, as `--setParameter enableTestCommands=1`. */
  testCommandsEnabled?: boolean;
  /** localLogicalSessionTimeoutMinutes of every member (default 30). */
  logicalSessionTimeoutMinutes?: number;
  /** A CRUD module for every member (default: one set of the full CRUD commands, commands/crud/, shared by the members). */
  crud?: CrudCommands;
  /** Builds each member's storage (default: the shipped Storage on the cluster's clock). */
  storageFactory?: (host: string) => Storage;
  /**
   * Recover a member's storage and replication state at every (re)start, as a process does from
   * its dbpath (e.g. a storage/journal.ts Journal on a MemoryJournalFileSystem). `started` is
   * called with the new member (to attach the journal).
   */
  recover?: (host: string) => {
    storage: Storage;
    persisted: PersistedReplState;
    journal?: MemberJournal;
    started?: (member: Member) => void;
    /** The member died (`kill`: kill -9, e.g. Journal.abandon) or shut down cleanly (`shutdown`: e.g. Journal.close). */
    stopped?: (how: 'kill' | 'shutdown') => void;
  };
  log?: (host: string, entry: LogEntry) => void;
  startMillis?: number;
  /** Events kept in `events` (oldest dropped, in chunks: up to 25 % more may be held). */
  eventsMax?: number;
  /** Between virtual timers (default: drain microtasks; `yieldToEventLoop` from clock/realYield is the thorough one). */
  yieldFn?: YieldFn;
  /**
   * The clock (default: a new VirtualClock). With any other clock (a ScaledClock for a live
   * sandbox) time runs by itself: `advance`, `waitFor` and `command` wait for it instead of driving it.
   */
  clock?: Clock;
  /**
   * Each member's own clock over the cluster's (a SkewedClock to model clock skew), made once per
   * host and kept across restarts, as a machine keeps its clock. Default: the cluster's clock.
   */
  memberClock?: (host: string, clusterClock: Clock) => Clock;
  /** Called after a member (re)starts, e.g. to serve it on the VirtualNetwork with serveWire. */
  onMemberStarted?: (host: string, member: Member) => void;
  /** Called after a member dies or shuts down. */
  onMemberStopped?: (host: string) => void;
}

export interface MemberSnapshot {
  host: string;
  alive: boolean;
  state: MemberStateName | 'DOWN';
  term: number;
  lastApplied: OpTime;
  commitPoint: OpTime;
  syncSource: string | null;
  configVersion: number;
  writable: boolean;
  /** When this member's election timer fires, if armed (the UI's countdown). */
  electionDueMillis: number | undefined;
}

/** How often `waitFor` looks again when time runs by itself. */
const REAL_POLL_MILLIS = 20;

export class CommandTimeoutError extends Error {
  override readonly name = 'CommandTimeoutError';
}

/**
 * An in-process replica set on a VirtualNetwork with a VirtualClock: create members, initiate,
 * run commands, inject faults, advance virtual time, read every member's state.
 */
export class Cluster {
  readonly clock: Clock;
  /** The VirtualClock when the cluster drives its own time, else undefined. */
  readonly virtualClock: VirtualClock | undefined;
  readonly network: VirtualNetwork;
  readonly transport: DirectPeerTransport;
  readonly random: Random;
  readonly hosts: readonly string[];
  readonly replSetName: string;
  readonly events: MemberEvent[] = [];
  private readonly options: ClusterOptions;
  private readonly live = new Map<string, Member>();
  private readonly persisted = new Map<string, PersistedReplState>();
  private readonly storages = new Map<string, Storage>();
  private readonly crud: CrudCommands;
  private readonly memberRandoms = new Map<string, Random>();
  private readonly memberClocks = new Map<string, Clock>();
  private readonly stoppedHooks = new Map<string, (how: 'kill' | 'shutdown') => void>();
  private readonly listeners = new Set<(event: MemberEvent) => void>();
  private readonly eventsMax: number;
  /** What runs between virtual timers so promise chains settle (see VirtualClock.runUntilAsync). */
  private readonly yieldFn: YieldFn;

  constructor(options: ClusterOptions = {}) {
    this.options = options;
    const count = options.members ?? 3;
    if (!Number.isInteger(count) || count < 1 || count > 50) throw new RangeError(`Cluster: members must be 1..50, got ${count}`);
    if (options.clock && !(options.clock instanceof VirtualClock)) {
      this.clock = options.clock;
      this.virtualClock = undefined;
    } else {
      this.virtualClock = options.clock ?? new VirtualClock(options.startMillis ?? VIRTUAL_EPOCH_MILLIS);
      this.clock = this.virtualClock;
    }
    this.network = new VirtualNetwork({ clock: this.clock, defaultDelayMillis: options.linkDelayMillis ?? 1 });
    this.transport = new DirectPeerTransport({ clock: this.clock, faults: this.network.faults });
    this.random = new Random(options.seed ?? 1);
    this.replSetName = options.replSetName ?? 'rs0';
    this.eventsMax = options.eventsMax ?? 100_000;
    this.yieldFn = options.yieldFn ?? (() => drainMicrotasks());
    this.crud = options.crud ?? createMemberCrudCommands();
    const hostName = options.hostName ?? 'morton.local';
    const basePort = options.basePort ?? 27017;
    this.hosts = Array.from({ length: count }, (_, i) => `${hostName}:${basePort + i}`);
    for (const host of this.hosts) {
      this.persisted.set(host, newPersistedReplState());
      this.storages.set(host, options.storageFactory?.(host) ?? new Storage({ now: () => this.clock.now() }));
      this.memberRandoms.set(host, this.random.fork());
      if (options.memberClock) this.memberClocks.set(host, options.memberClock(host, this.clock));
      this.start(host);
    }
  }

  /** Subscribe to every member's events. */
  onEvent(listener: (event: MemberEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  member(host: string): Member | undefined {
    return this.live.get(this.check(host));
  }

  /** The running member on `host`, or an error. */
  running(host: string): Member {
    const m = this.live.get(this.check(host));
    if (!m) throw new Error(`${host} is not running`);
    return m;
  }

  /** The clock the member on `host` runs by (its own under `memberClock`, else the cluster's). */
  clockOf(host: string): Clock {
    return this.memberClocks.get(this.check(host)) ?? this.clock;
  }

  storage(host: string): Storage {
    return this.storages.get(this.check(host))!;
  }

  persistedState(host: string): PersistedReplState {
    return this.persisted.get(this.check(host))!;
  }

  private check(host: string): string {
    if (!this.persisted.has(host)) throw new RangeError(`no member ${host} in this cluster (${this.hosts.join(', ')})`);
    return host;
  }

  /** Start (or restart) the mongod on `host` with its persisted state and data. */
  start(host: string): Member {
    this.check(host);
    if (this.live.has(host)) throw new Error(`${host} is already running`);
    this.network.restart(host);
    const [name, port] = [host.slice(0, host.lastIndexOf(':')), Number(host.slice(host.lastIndexOf(':') + 1))];
    const recovered = this.options.recover?.(host);
    if (recovered) {
      this.storages.set(host, recovered.storage);
      this.persisted.set(host, recovered.persisted);
    }
    const member = new Member({
      host: name,
      port,
      replSet: this.replSetName,
      clock: this.clockOf(host),
      random: this.memberRandoms.get(host)!.fork(),
      transport: this.transport,
      storage: this.storages.get(host)!,
      persisted: this.persisted.get(host)!,
      ...(recovered?.journal === undefined ? {} : { journal: recovered.journal }),
      parameters: this.options.parameters,
      ...(this.options.testCommandsEnabled === undefined ? {} : { testCommandsEnabled: this.options.testCommandsEnabled }),
      ...(this.options.logicalSessionTimeoutMinutes === undefined ? {} : { logicalSessionTimeoutMinutes: this.options.logicalSessionTimeoutMinutes }),
      crud: this.crud,
      log: this.options.log ? (entry) => this.options.log!(host, entry) : undefined,
      onShutdown: () => this.forget(host, member, 'shutdown'),
      // An aborted member is gone as after kill -9: its data and persisted state stay for a restart.
      onAbort: () => this.forget(host, member, 'kill'),
    });
    member.on((event) => {
      this.events.push(event);
      // Trim in chunks: dropping one at a time from the front would cost O(eventsMax) per event.
      if (this.events.length > this.eventsMax + Math.ceil(this.eventsMax / 4)) this.events.splice(0, this.events.length - this.eventsMax);
      for (const listener of this.listeners) listener(event);
    });
    recovered?.started?.(member);
    if (recovered?.stopped) this.stoppedHooks.set(host, recovered.stopped);
    else this.stoppedHooks.delete(host);
    this.live.set(host, member);
    this.transport.register(host, member);
    this.options.onMemberStarted?.(host, member);
    return member;
  }

  private forget(host: string, member: Member, how: 'kill' | 'shutdown'): void {
    if (this.live.get(host) !== member) return;
    this.live.delete(host);
    const stopped = this.stoppedHooks.get(host);
    this.stoppedHooks.delete(host);
    stopped?.(how);
    this.transport.unregister(host, member);
    this.network.kill(host);
    this.options.onMemberStopped?.(host);
  }

  /** kill -9: the process dies at once; its persisted state and data stay for a restart. */
  kill(host: string): void {
    const member = this.live.get(this.check(host));
    if (!member) return;
    member.kill();
    this.forget(host, member, 'kill');
  }

  /**
   * Clean shutdown (the `shutdown` command): a primary hands off first unless forced. As with
   * mongod, a successful shutdown answers by closing the connection; a refusal is an `ok: 0` reply.
   */
  async shutdown(host: string, options: { force?: boolean; timeoutSecs?: number } = {}): Promise<Document> {
    try {
      return await this.command(host, { shutdown: 1, ...options });
    } catch (error) {
      if (error instanceof NetworkError && error.code === 'ECONNRESET' && !this.isAlive(host)) return { ok: 1 };
      throw error;
    }
  }

  /**
   * An operator empties the member's data directory and starts it again (a resync): it comes back
   * with no data and no replication state and catches up by initial sync. With `recover`, empty
   * what it reads first (the member's dbpath).
   */
  wipe(host: string): Member {
    this.kill(host);
    this.persisted.set(host, newPersistedReplState());
    this.storages.set(host, this.options.storageFactory?.(host) ?? new Storage({ now: () => this.clock.now() }));
    return this.start(host);
  }

  restart(host: string): Member {
    this.kill(host);
    return this.start(host);
  }

  isAlive(host: string): boolean {
    return this.live.has(this.check(host));
  }

  /** The config `initiate()` sends. */
  defaultConfig(): Document {
    const config: Document = {
      _id: this.replSetName,
      members: this.hosts.map((host, i) => ({ _id: i, host, ...(this.options.memberConfigs?.[i] ?? {}) })),
    };
    if (this.options.settings) config.settings = { ...this.options.settings };
    return config;
  }

  /** replSetInitiate on `host` (default the first) with `config` (default: every member). */
  async initiate(config: Document | null = this.defaultConfig(), host: string = this.hosts[0]!): Promise<Document> {
    const reply = await this.command(host, config === null ? { replSetInitiate: {} } : { replSetInitiate: config });
    if (reply.ok !== 1) throw new Error(`replSetInitiate failed: ${String(reply.errmsg)}`);
    return reply;
  }

  /**
   * Run a command as a client on `from` (default `client`) would, through the fault model, and
   * advance virtual time until it answers. Rejects with the NetworkError a driver would see.
   */
  async command(host: string, cmd: Document, options: { db?: string; timeoutMillis?: number; from?: string } = {}): Promise<Document> {
    this.check(host);
    const timeoutMillis = options.timeoutMillis ?? 60_000;
    let settled = false;
    let result: Document | undefined;
    let failure: unknown;
    void this.transport.request(options.from ?? 'client', host, options.db ?? 'admin', cmd, { timeoutMillis }).then(
      (r) => {
        settled = true;
        result = r;
      },
      (e: unknown) => {
        settled = true;
        failure = e;
      },
    );
    await this.runUntil(() => settled, timeoutMillis + 1000);
    if (!settled) throw new CommandTimeoutError(`command to ${host} did not finish within ${timeoutMillis} ms of virtual time`);
    if (failure !== undefined) throw failure;
    return result!;
  }

  /** Start a command without waiting (advance time yourself); the promise settles as time passes. */
  send(host: string, cmd: Document, options: { db?: string; timeoutMillis?: number; from?: string } = {}): Promise<Document> {
    return this.transport.request(options.from ?? 'client', this.check(host), options.db ?? 'admin', cmd, { timeoutMillis: options.timeoutMillis ?? 60_000 });
  }

  /** Insert documents into `db.coll` on `host` (default: the primary) with a write concern. */
  async insert(documents: Document[], options: { host?: string; db?: string; coll?: string; writeConcern?: Document; timeoutMillis?: number } = {}): Promise<Document> {
    const host = options.host ?? this.primary();
    if (!host) throw new Error('insert: no primary');
    const cmd: Document = { insert: options.coll ?? 'test', documents };
    if (options.writeConcern) cmd.writeConcern = options.writeConcern;
    return this.command(host, cmd, { db: options.db ?? 'test', timeoutMillis: options.timeoutMillis });
  }

  async advance(millis: number): Promise<void> {
    if (this.virtualClock) await this.virtualClock.advanceAsync(millis, this.yieldFn);
    else await new Promise<void>((resolve) => this.clock.setTimer(millis, resolve));
  }

  /** Advance until `predicate()` holds or `limitMillis` passes; returns whether it held. */
  async waitFor(predicate: () => boolean, limitMillis: number): Promise<boolean> {
    return this.runUntil(predicate, limitMillis);
  }

  private async runUntil(predicate: () => boolean, limitMillis: number): Promise<boolean> {
    if (this.virtualClock) return this.virtualClock.runUntilTrue(predicate, limitMillis, this.yieldFn);
    const deadline = this.clock.now() + limitMillis;
    while (!predicate()) {
      const left = deadline - this.clock.now();
      if (left <= 0) return false;
      await new Promise<void>((resolve) => this.clock.setTimer(Math.min(REAL_POLL_MILLIS, left), resolve));
    }
    return true;
  }

  /**
   * Advance until the primary's current config is committed (a majority has it, and the commit
   * point of the one before it): what a safe replSetReconfig needs first. Returns the primary.
   */
  async waitForConfigCommitted(limitMillis = 30_000): Promise<string> {
    const ok = await this.runUntil(() => {
      const host = this.primary();
      return host !== undefined && this.running(host).repl.configCommitted;
    }, limitMillis);
    if (!ok) throw new Error(`no primary with a committed config within ${limitMillis} ms of virtual time`);
    return this.primary()!;
  }

  /** The writable primary (highest term if, transiently, two think they are primary). */
  primary(): string | undefined {
    let best: Member | undefined;
    for (const m of this.live.values()) {
      if (m.repl.isWritablePrimary && (!best || m.repl.term > best.repl.term)) best = m;
    }
    return best?.name;
  }

  primaries(): string[] {
    return [...this.live.values()].filter((m) => m.repl.state === 'PRIMARY').map((m) => m.name);
  }

  async waitForPrimary(limitMillis = 60_000): Promise<string> {
    const ok = await this.waitFor(() => this.primary() !== undefined, limitMillis);
    if (!ok) throw new Error(`no writable primary within ${limitMillis} ms of virtual time`);
    return this.primary()!;
  }

  state(host: string): MemberStateName | 'DOWN' {
    const m = this.live.get(this.check(host));
    return m ? m.repl.state : 'DOWN';
  }

  snapshot(): MemberSnapshot[] {
    return this.hosts.map((host) => {
      const m = this.live.get(host);
      const p = this.persisted.get(host)!;
      const last = p.oplog.last();
      return {
        host,
        alive: m !== undefined,
        state: m ? m.repl.state : 'DOWN',
        term: p.term,
        lastApplied: last ? { ts: last.ts, t: last.t } : NULL_OPTIME,
        commitPoint: m ? m.repl.commitPoint : NULL_OPTIME,
        syncSource: m ? m.repl.syncSource : null,
        configVersion: p.config?.version ?? -1,
        writable: m ? m.repl.isWritablePrimary : false,
        electionDueMillis: m?.repl.electionTimeoutDueMillis,
      };
    });
  }

  // Faults, by member host (a client is the endpoint `client`).
  cut(a: string, b: string, oneWay = false): void {
    this.network.faults.cut(a, b, oneWay);
  }

  heal(a: string, b: string, oneWay = false): void {
    this.network.faults.heal(a, b, oneWay);
  }

  partition(...groups: string[][]): void {
    this.network.faults.partition(groups);
  }

  healAll(): void {
    this.network.faults.healAll();
  }

  clearDelays(): void {
    this.network.faults.clearDelays();
  }

  setDelay(a: string, b: string, delayMillis: number, oneWay = false): void {
    this.network.faults.setDelay(a, b, delayMillis, oneWay);
  }

  /** Stop every member's timers (end of a test). */
  stopAll(): void {
    for (const host of [...this.live.keys()]) this.kill(host);
  }
}
