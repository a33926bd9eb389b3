import { Long, ObjectId } from 'bson';
import type { Document } from 'bson';
import type { Clock, TimerHandle } from '../clock/clock';
import { serverError } from '../base/errors';
import type { ReplStorage } from '../storage/storage';
import type { DurableReplState, ReplPersistence as DurableReplPersistence, RollbackFile } from '../storage/replState';
import { newDurableReplState } from '../storage/replState';
import { compileFilter } from '../storage/query';
import { LogIds } from '../log/ids';
import type { LogLine } from '../log/ids';
import type { Random } from '../random/random';
import type { MemberConfig, ReplSetConfig } from './config';
import {
  cloneConfig,
  compareConfigVersion,
  configToDocument,
  isElectableMember,
  normalizeHost,
  parseConfig,
  votingMajority,
  writeMajority,
} from './config';
import type { ReplEventBody } from './events';
import type { Oplog, OplogEntry, OplogOp } from '../storage/oplog';
import { entryFromBson, entryOpTime, entryToBson } from '../storage/oplog';
import type { OpTime } from '../base/optime';
import {
  NULL_OPTIME,
  compareOpTime,
  formatOpTime,
  isNullOpTime,
  opTimeEquals,
  opTimeFromBson,
  opTimeToBson,
  packTs,
  tsFromBson,
  tsInc,
  tsSecs,
  tsToBson,
} from '../base/optime';
import type { MemberStateName } from './state';
import { MemberState, stateName, stateTitle } from './state';

/** What survives a restart of a member (mongod keeps these in local.* collections); storage persists it. */
export type PersistedReplState = DurableReplState<ReplSetConfig>;
export type { RollbackFile };

export function newPersistedReplState(): PersistedReplState {
  return newDurableReplState<ReplSetConfig>();
}

export type LogSeverity = 'F' | 'E' | 'W' | 'I' | 'D1';

/** Where a member makes `PersistedReplState` durable (storage/journal.ts); see storage/replState.ts. */
export type ReplPersistence = DurableReplPersistence<ReplSetConfig>;

export interface ReplPorts {
  clock: Clock;
  random: Random;
  storage: ReplStorage;
  /** Send a command to a peer; resolves with its reply (ok may be 0), rejects on network errors. */
  send(to: string, db: string, cmd: Document, timeoutMillis: number): Promise<Document>;
  emit(event: ReplEventBody): void;
  log(severity: LogSeverity, component: string, line: LogLine, attr?: Document): void;
  persistence?: ReplPersistence;
}

/** Limits and knobs that are server parameters rather than config settings. */
export interface ReplParameters {
  /** replElectionTimeoutOffsetLimitFraction */
  electionTimeoutOffsetLimitFraction: number;
  /** periodicNoopIntervalSecs (writePeriodicNoops) */
  periodicNoopIntervalSecs: number;
  /** priorityTakeoverFreshnessWindowSeconds */
  priorityTakeoverFreshnessWindowSeconds: number;
  /** Entries per oplog fetch batch. */
  oplogFetchBatchEntriesMax: number;
  /** Wait before looking for a sync source again. */
  syncSourceRetryMillis: number;
  /** maxSyncSourceLagSecs: a sync source this far behind the primary is abandoned. */
  maxSyncSourceLagSecs: number;
  /** How long a sync source that failed is passed over. */
  syncSourceDenylistMillis: number;
  oplogCursorsMax: number;
  oplogCursorIdleTimeoutMillis: number;
  writeConcernWaitersMax: number;
  topologyWaitersMax: number;
  rollbackFilesMax: number;
  /** Entries a rollback may undo. */
  rollbackEntriesMax: number;
  /** The oplog is capped: past this many entries the oldest tenth is dropped (mongod caps by size, --oplogSize). */
  oplogEntriesMax: number;
}

export const DEFAULT_REPL_PARAMETERS: ReplParameters = {
  electionTimeoutOffsetLimitFraction: 0.15,
  periodicNoopIntervalSecs: 10,
  priorityTakeoverFreshnessWindowSeconds: 2,
  oplogFetchBatchEntriesMax: 5000,
  syncSourceRetryMillis: 1000,
  maxSyncSourceLagSecs: 30,
  syncSourceDenylistMillis: 10_000,
  oplogCursorsMax: 1000,
  oplogCursorIdleTimeoutMillis: 600_000,
  writeConcernWaitersMax: 100_000,
  topologyWaitersMax: 10_000,
  rollbackFilesMax: 100,
  rollbackEntriesMax: 1_000_000,
  oplogEntriesMax: 1_000_000,
};

/** What this member knows of another one, from heartbeats and position updates. */
interface MemberData {
  config: MemberConfig;
  index: number;
  health: -1 | 0 | 1;
  state: number;
  term: number;
  applied: OpTime;
  appliedWallMillis: number;
  durable: OpTime;
  configVersion: number;
  configTerm: number;
  syncSource: string;
  electionTimeTs: number | undefined;
  lastHeartbeatMillis: number;
  lastHeartbeatRecvMillis: number;
  /** Last time we heard from it in any way (primary liveness). */
  lastContactMillis: number;
  upSinceMillis: number;
  pingMs: number;
  lastHeartbeatMessage: string;
  hbTimer: TimerHandle | undefined;
  hbInFlight: boolean;
  hbRoundStartMillis: number;
  hbFailures: number;
  hbGeneration: number;
}

/** Another member as seen through heartbeats (see `peerViews`). */
export interface PeerView {
  host: string;
  /** 1 up, 0 down, -1 not heard from yet. */
  health: -1 | 0 | 1;
  /** Its state code as last reported; DOWN or UNKNOWN while it is not healthy. */
  state: number;
  /** When its last heartbeat reply arrived, 0 if none has. */
  lastHeartbeatRecvMillis: number;
  pingMs: number;
}

export interface WriteConcern {
  w?: number | string;
  wtimeout?: number;
  j?: boolean;
}

interface WcWaiter {
  opTime: OpTime;
  w: number | 'majority';
  wtimeout: number;
  resolve: (error: Document | undefined) => void;
  timer: TimerHandle | undefined;
}

interface OplogCursor {
  id: bigint;
  position: number;
  reverse: boolean;
  tailable: boolean;
  generation: number;
  lastUsedMillis: number;
  /** Conditions other than the `ts` range (a person browsing the oplog), via mingo. */
  matcher: ((doc: Document) => boolean) | undefined;
  /** Entries still allowed by `limit` (Infinity without one). */
  remaining: number;
}

class ElectionAborted extends Error {
  override readonly name = 'ElectionAborted';
}

export interface ReplCoordinatorOptions {
  /** This member as clients dial it: `host:port`. */
  self: string;
  /**
   * Other names of this member (`localhost:port`, `127.0.0.1:port`, the host name, bound
   * addresses), as mongod's isSelf recognises them when it looks for itself in a config. When a
   * config names it by one of them, that name becomes `self` (hello's `me`).
   */
  selfAliases?: readonly string[];
  /** `--replSet` name; undefined when started without replication. */
  replSetName: string | undefined;
  /** Seeds from `--replSet name/h:p,h:p`. */
  seeds?: readonly string[];
  persisted: PersistedReplState;
  ports: ReplPorts;
  parameters?: Partial<ReplParameters>;
}

/**
 * MongoDB's replication coordinator, protocol version 1: member state, heartbeats, elections,
 * catch-up, oplog fetching and serving, the majority commit point, write concern, step-down and
 * rollback. All I/O goes through `ports` (clock timers, peer requests, storage), so a virtual
 * clock and network make every run reproducible.
 */
export class ReplCoordinator {
  private selfName: string;
  private readonly selfAliases: Set<string>;
  readonly replSetName: string | undefined;
  readonly seeds: readonly string[];
  readonly persisted: PersistedReplState;
  readonly params: ReplParameters;
  readonly processId: ObjectId;
  private readonly ports: ReplPorts;
  private readonly clock: Clock;

  private stateCode: number = MemberState.STARTUP;
  private selfIndex = -1;
  private readonly members = new Map<string, MemberData>();
  private stopped = false;
  private readonly timers = new Set<TimerHandle>();
  private readonly startMillis: number;

  private writable = false;
  private catchingUp = false;
  private catchUpTarget: OpTime | undefined;
  private catchUpTimer: TimerHandle | undefined;
  private catchUpHeard = new Set<string>();
  private stepDownInProgress = false;
  private frozenUntilMillis = 0;
  private electionTimer: TimerHandle | undefined;
  private electionTimerDueMillis: number | undefined;
  private priorityTakeoverTimer: TimerHandle | undefined;
  private electionId = 0;
  private electionInProgress = false;
  private electionTimeTs: number | undefined;
  /** rs.status()'s electionCandidateMetrics (while primary) and electionParticipantMetrics (last real vote). */
  private candidateMetrics: Document | undefined;
  private participantMetrics: Document | undefined;
  private catchUpStartLength = 0;
  private livenessTimer: TimerHandle | undefined;
  private noopTimer: TimerHandle | undefined;
  private lastWriteMillis = 0;

  private commitPointValue: OpTime = NULL_OPTIME;
  private syncSourceValue: string | null = null;
  private fetcherGeneration = 0;
  private fetcherRunning = false;
  private readonly syncSourceDenylist = new Map<string, number>();
  private updatePositionScheduled = false;

  private topologyCounter = 0;
  private readonly topologyWaiters = new Set<() => void>();
  private readonly wcWaiters = new Set<WcWaiter>();
  private readonly oplogCursors = new Map<bigint, OplogCursor>();
  private nextCursorId: bigint;
  private readonly oplogWaiters = new Set<() => void>();

  constructor(options: ReplCoordinatorOptions) {
    this.selfName = normalizeHost(options.self);
    this.selfAliases = new Set((options.selfAliases ?? []).map(normalizeHost));
    this.replSetName = options.replSetName;
    this.seeds = (options.seeds ?? []).map(normalizeHost);
    this.persisted = options.persisted;
    this.ports = options.ports;
    this.clock = options.ports.clock;
    this.params = { ...DEFAULT_REPL_PARAMETERS, ...options.parameters };
    this.processId = ObjectId.createFromHexString(this.ports.random.hex(12));
    this.nextCursorId = BigInt(this.ports.random.int(1, 2 ** 30)) * 1000n;
    this.startMillis = this.clock.now();
  }

  // ---------------------------------------------------------------- lifecycle and accessors

  /** This member's name: as the config lists it once it is in one, else as it was started. */
  get self(): string {
    return this.selfName;
  }

  /** Whether `host` (normalized) names this member. */
  isSelf(host: string): boolean {
    return host === this.selfName || this.selfAliases.has(host);
  }

  /** Load persisted config and begin; call once. */
  start(): void {
    const config = this.persisted.config;
    if (config) {
      this.log('I', 'REPL', LogIds.foundLocalConfigAtStartup, {
        config: configToDocument(config),
      });
      this.installConfig(config, 'startup');
    } else if (this.replSetName !== undefined) {
      this.log('I', 'REPL', LogIds.noLocalConfigAtStartup, {});
    }
  }

  /** Stop everything at once (kill or shutdown); pending waits resolve with errors. */
  stop(reason: 'kill' | 'shutdown'): void {
    if (this.stopped) return;
    this.stopped = true;
    for (const timer of this.timers) timer.cancel();
    this.timers.clear();
    for (const m of this.members.values()) m.hbTimer?.cancel();
    this.fetcherGeneration++;
    // After a kill nobody hears these answers (the connections are reset); after a shutdown they are mongod's.
    void reason;
    for (const waiter of [...this.wcWaiters]) this.finishWaiter(waiter, serverError('InterruptedAtShutdown', 'interrupted at shutdown').toWriteConcernError());
    for (const wake of [...this.topologyWaiters]) wake();
    for (const wake of [...this.oplogWaiters]) wake();
  }

  get isStopped(): boolean {
    return this.stopped;
  }

  get state(): MemberStateName {
    return stateName(this.stateCode);
  }

  get stateNumber(): number {
    return this.stateCode;
  }

  get term(): number {
    return this.persisted.term;
  }

  get config(): ReplSetConfig | undefined {
    return this.persisted.config;
  }

  get oplog(): Oplog {
    return this.persisted.oplog;
  }

  get commitPoint(): OpTime {
    return this.commitPointValue;
  }

  get syncSource(): string | null {
    return this.syncSourceValue;
  }

  get lastApplied(): OpTime {
    const last = this.persisted.oplog.last();
    return last ? entryOpTime(last) : NULL_OPTIME;
  }

  /** The newest optime on disk: lastApplied without a journal. */
  get lastDurable(): OpTime {
    const persistence = this.ports.persistence;
    if (!persistence) return this.lastApplied;
    const durable = persistence.durableOpTime();
    const applied = this.lastApplied;
    return compareOpTime(durable, applied) < 0 ? durable : applied;
  }

  /** The journal made more of the oplog durable: a secondary tells its sync source. */
  journalFlushed(): void {
    if (this.stopped || this.stateCode === MemberState.PRIMARY || !this.persisted.config) return;
    this.scheduleUpdatePosition();
  }

  get lastAppliedWallMillis(): number {
    return this.persisted.oplog.last()?.wallMillis ?? 0;
  }

  get topologyVersionCounter(): number {
    return this.topologyCounter;
  }

  get isWritablePrimary(): boolean {
    return this.stateCode === MemberState.PRIMARY && this.writable && !this.stepDownInProgress;
  }

  get electionTimeMillis(): number | undefined {
    return this.electionTimeTs === undefined ? undefined : tsSecs(this.electionTimeTs) * 1000;
  }

  get electionTimestamp(): number | undefined {
    return this.electionTimeTs;
  }

  get frozenUntil(): number {
    return this.frozenUntilMillis;
  }

  /** When this member's election timer fires next (for the UI countdown), if armed. */
  get electionTimeoutDueMillis(): number | undefined {
    return this.electionTimer ? this.electionTimerDueMillis : undefined;
  }

  get uptimeSecs(): number {
    return Math.floor((this.clock.now() - this.startMillis) / 1000);
  }

  get selfConfig(): MemberConfig | undefined {
    return this.selfIndex >= 0 ? this.persisted.config?.members[this.selfIndex] : undefined;
  }

  /** Host the member believes is primary (itself included), or undefined. */
  get primaryHost(): string | undefined {
    if (this.stateCode === MemberState.PRIMARY) return this.self;
    let best: MemberData | undefined;
    for (const m of this.members.values()) {
      if (m.health === 1 && m.state === MemberState.PRIMARY && (!best || m.term > best.term)) best = m;
    }
    return best && best.term >= this.term ? best.config.host : undefined;
  }

  /** Known views of the other members (for status and tests). */
  memberView(host: string): Readonly<{ health: number; state: MemberStateName; applied: OpTime; pingMs: number }> | undefined {
    const m = this.members.get(host);
    return m && { health: m.health, state: stateName(m.state), applied: m.applied, pingMs: m.pingMs };
  }

  // ---------------------------------------------------------------- small helpers

  private now(): number {
    return this.clock.now();
  }

  private log(severity: LogSeverity, component: string, line: LogLine, attr?: Document): void {
    this.ports.log(severity, component, line, attr);
  }

  private emit(event: ReplEventBody): void {
    this.ports.emit(event);
  }

  private setTimer(delayMillis: number, callback: () => void): TimerHandle {
    const handle = this.clock.setTimer(Math.max(0, delayMillis), () => {
      this.timers.delete(handle);
      if (!this.stopped) callback();
    });
    this.timers.add(handle);
    return {
      cancel: () => {
        handle.cancel();
        this.timers.delete(handle);
      },
    };
  }

  private sleep(millis: number): Promise<void> {
    return new Promise((resolve) => this.setTimer(millis, resolve));
  }

  private get settings(): ReplSetConfig['settings'] {
    const config = this.persisted.config;
    if (!config) throw new Error('ReplCoordinator: no config');
    return config.settings;
  }

  private get electionTimeoutMillis(): number {
    return this.persisted.config?.settings.electionTimeoutMillis ?? 10_000;
  }

  private bumpTopology(): void {
    this.topologyCounter++;
    for (const wake of [...this.topologyWaiters]) wake();
  }

  private setState(next: number, reason: string): void {
    if (next === this.stateCode) return;
    const from = stateName(this.stateCode);
    const to = stateName(next);
    this.stateCode = next;
    if (next !== MemberState.PRIMARY) this.writable = false;
    this.log('I', 'REPL', LogIds.stateTransition, { newState: to, oldState: from });
    if (from === 'PRIMARY' && to === 'SECONDARY') this.log('I', 'REPL', LogIds.steppedDownToSecondary, {});
    this.emit({ type: 'stateChange', from, to, reason });
    this.bumpTopology();
  }

  private persistTerm(term: number): void {
    if (term < this.persisted.term) throw new Error(`term may never decrease (${this.persisted.term} -> ${term})`);
    if (term === this.persisted.term) return;
    this.persisted.term = term;
    this.ports.persistence?.replStateChanged('term', this.persisted);
    this.emit({ type: 'termChange', term });
  }

  /** A message carried a newer term: adopt it, and a primary or candidate stands down. */
  private updateTerm(term: number, reason: string): boolean {
    if (!(term > this.persisted.term)) return false;
    this.log('I', 'REPL', LogIds.updatingTerm, { oldTerm: this.persisted.term, newTerm: term, reason });
    this.persistTerm(term);
    if (this.electionInProgress) this.electionId++;
    this.electionInProgress = false;
    if (this.stateCode === MemberState.PRIMARY) this.stepDownNow(`term changed to ${term} (${reason})`);
    return true;
  }

  private members_(): MemberData[] {
    return [...this.members.values()];
  }

  private memberById(id: number): MemberData | undefined {
    for (const m of this.members.values()) if (m.config._id === id) return m;
    return undefined;
  }

  private votingMembersCount(): number {
    return this.persisted.config?.members.filter((m) => m.votes > 0).length ?? 0;
  }

  // ---------------------------------------------------------------- config

  private installConfig(config: ReplSetConfig, reason: string): void {
    const previous = this.persisted.config;
    this.persisted.config = config;
    if (reason !== 'startup') this.ports.persistence?.replStateChanged('config', this.persisted);
    const selfIndex = config.members.findIndex((m) => this.isSelf(m.host));
    this.selfIndex = selfIndex;
    const listedAs = config.members[selfIndex]?.host;
    if (listedAs !== undefined && listedAs !== this.selfName) {
      this.log('D1', 'REPL', LogIds.listedUnderAlias, { name: this.selfName, listedAs });
      this.selfAliases.add(this.selfName);
      this.selfName = listedAs;
    }
    const old = new Map(this.members);
    this.members.clear();
    config.members.forEach((mc, index) => {
      if (index === selfIndex) return;
      const prior = old.get(mc.host);
      if (prior) {
        prior.config = mc;
        prior.index = index;
        this.members.set(mc.host, prior);
        old.delete(mc.host);
      } else {
        this.members.set(mc.host, this.newMemberData(mc, index));
      }
    });
    for (const gone of old.values()) gone.hbTimer?.cancel();
    if (!previous || previous.version !== config.version || previous.term !== config.term) {
      this.emit({ type: 'configChange', version: config.version, term: config.term });
    }
    this.log('I', 'REPL', LogIds.newConfigInUse, { config: configToDocument(config), reason });
    if (selfIndex < 0) {
      if (this.stateCode === MemberState.PRIMARY) this.stepDownNow('removed from config');
      this.setState(MemberState.REMOVED, 'not in the replica set config');
      this.stopFetcher();
    } else {
      const me = config.members[selfIndex]!;
      if (me.arbiterOnly) {
        this.setState(MemberState.ARBITER, 'arbiter in config');
      } else if (this.stateCode === MemberState.STARTUP || this.stateCode === MemberState.REMOVED || this.stateCode === MemberState.ARBITER) {
        if (this.persisted.oplog.length === 0) {
          this.setState(MemberState.STARTUP2, 'initial sync');
        } else {
          this.setState(MemberState.SECONDARY, reason === 'startup' ? 'restarted with data' : 'config installed');
        }
      }
      if (this.stateCode === MemberState.PRIMARY && !isElectableMember(me)) this.stepDownNow('no longer electable in new config');
    }
    this.bumpTopology();
    for (const m of this.members.values()) this.scheduleHeartbeat(m, 0);
    if (this.wantsToFetch()) this.startFetcher();
    this.resetElectionTimer();
    // A one-member set elects itself at once.
    if (this.stateCode === MemberState.SECONDARY && this.canStandForElection() && this.votingMembersCount() === 1) {
      this.setTimer(0, () => void this.runElection('single node replica set', true));
    }
    if (this.stateCode === MemberState.PRIMARY) this.updateCommitPoint();
  }

  private newMemberData(mc: MemberConfig, index: number): MemberData {
    return {
      config: mc,
      index,
      health: -1,
      state: MemberState.UNKNOWN,
      term: -1,
      applied: NULL_OPTIME,
      appliedWallMillis: 0,
      durable: NULL_OPTIME,
      configVersion: -1,
      configTerm: -1,
      syncSource: '',
      electionTimeTs: undefined,
      lastHeartbeatMillis: 0,
      lastHeartbeatRecvMillis: 0,
      lastContactMillis: this.now(),
      upSinceMillis: 0,
      pingMs: 0,
      lastHeartbeatMessage: '',
      hbTimer: undefined,
      hbInFlight: false,
      hbRoundStartMillis: 0,
      hbFailures: 0,
      hbGeneration: 0,
    };
  }

  private requireReplSet(): string {
    if (this.replSetName === undefined) {
      throw serverError('NoReplicationEnabled', 'This node was not started with replication enabled.');
    }
    return this.replSetName;
  }

  /** replSetInitiate, with a config document or (undefined) self plus seeds. */
  async initiate(configDoc: Document | undefined): Promise<Document> {
    const setName = this.requireReplSet();
    if (this.persisted.config) throw serverError('AlreadyInitialized', 'already initialized');
    let doc: Document;
    let info: string | undefined;
    if (configDoc === undefined) {
      const hosts = [this.self, ...this.seeds.filter((s) => s !== this.self)];
      doc = { _id: setName, version: 1, members: hosts.map((host, i) => ({ _id: i, host })) };
      info = 'Config now saved locally.  Should come online in about a minute.';
      this.log('I', 'REPL', LogIds.initiateWithDefaultConfig, {
        config: doc,
      });
    } else {
      doc = { ...configDoc };
      if (doc.version === undefined) doc.version = 1;
    }
    const config = parseConfig(doc, ObjectId.createFromHexString(this.ports.random.hex(12)));
    if (config._id !== setName) {
      throw serverError(
        'InvalidReplicaSetConfig',
        `Attempting to initiate a replica set with name ${config._id}, but command line reports ${setName}; rejecting`,
      );
    }
    if (config.version !== 1) throw serverError('InvalidReplicaSetConfig', `Initial config version must be 1, got ${config.version}`);
    config.term = 0;
    if (!config.members.some((m) => this.isSelf(m.host))) {
      throw serverError(
        'NodeNotFound',
        `No host described in new configuration with {version: ${config.version}, term: ${config.term}} for replica set ${config._id} maps to this node`,
      );
    }
    await this.quorumCheck(config, true);
    if (this.persisted.config) throw serverError('AlreadyInitialized', 'already initialized');
    // The first oplog entry of the set.
    this.appendLocal([{ op: 'n', ns: '', o: { msg: 'initiating set' } }], -1);
    this.installConfig(config, 'replSetInitiate');
    // mongod puts its notes before `ok` when it made the config itself.
    return info ? { info2: 'no configuration specified. Using a default configuration for the set', me: this.self, ok: 1 } : { ok: 1 };
  }

  /** Every proposed member must answer (initiate) or a majority of voters (reconfig). */
  private async quorumCheck(config: ReplSetConfig, all: boolean): Promise<void> {
    const others = config.members.filter((m) => !this.isSelf(m.host));
    const results = await Promise.all(
      others.map(async (m) => {
        try {
          const reply = await this.ports.send(
            m.host,
            'admin',
            { replSetHeartbeat: config._id, configVersion: config.version, configTerm: config.term, hbv: 1, from: this.self, fromId: -1, term: this.term, checkEmpty: all },
            config.settings.heartbeatTimeoutSecs * 1000,
          );
          if (reply.ok !== 1) return `${m.host} failed with ${String(reply.errmsg)}`;
          if (all && reply.set && reply.set !== config._id) return `${m.host} failed with is already a member of replica set ${String(reply.set)}`;
          if (all && typeof reply.configVersion === 'number' && reply.configVersion > 0 && reply.set === config._id) {
            return `${m.host} failed with Our replica set config is invalid or we are not a member of it`;
          }
          return null;
        } catch (e) {
          return `${m.host} failed with ${e instanceof Error ? e.message : String(e)}`;
        }
      }),
    );
    const failures = results.filter((r): r is string => r !== null);
    if (all && failures.length > 0) {
      throw serverError(
        'NodeNotFound',
        `replSetInitiate quorum check failed because not all proposed set members responded affirmatively: ${failures.join(', ')}`,
      );
    }
    if (!all) {
      const responded = config.members.filter((m) => this.isSelf(m.host) || !results[others.indexOf(m)]);
      const votes = responded.filter((m) => m.votes > 0).length;
      if (votes < votingMajority(config)) {
        throw serverError(
          'NodeNotFound',
          `Quorum check failed because not enough voting nodes responded; required ${votingMajority(config)} but only the following ${votes} voting nodes responded: ${responded.map((m) => m.host).join(', ')}; the following nodes did not respond affirmatively: ${failures.join(', ')}`,
        );
      }
    }
  }

  /** replSetReconfig: version must grow; only a writable primary (unless force). */
  async reconfig(configDoc: Document, force: boolean): Promise<Document> {
    this.requireReplSet();
    const current = this.persisted.config;
    if (!current) throw serverError('NotYetInitialized', 'no replset config has been received');
    if (!force && !this.isWritablePrimary) {
      throw serverError('NotWritablePrimary', `replSetReconfig should only be run on a writable PRIMARY. Current state ${this.state};`);
    }
    const config = parseConfig(configDoc, current.settings.replicaSetId);
    if (config._id !== current._id) {
      throw serverError('InvalidReplicaSetConfig', `New and old configurations differ in replica set name; old was ${current._id}, and new is ${config._id}`);
    }
    if (force) {
      config.version = Math.max(config.version, current.version + this.ports.random.int(10_000, 100_000));
      config.term = -1;
    } else {
      if (config.version <= current.version) {
        throw serverError(
          'NewReplicaSetConfigurationIncompatible',
          `New replica set configuration version must be greater than old, but ${config.version} is not greater than ${current.version} for replica set ${current._id}`,
        );
      }
      config.term = this.term;
      const oldVoters = new Set(current.members.filter((m) => m.votes > 0).map((m) => m.host));
      const newVoters = new Set(config.members.filter((m) => m.votes > 0).map((m) => m.host));
      const added = [...newVoters].filter((h) => !oldVoters.has(h)).length;
      const removed = [...oldVoters].filter((h) => !newVoters.has(h)).length;
      if (added + removed > 1) {
        throw serverError(
          'InvalidReplicaSetConfig',
          'Non force replica set reconfig can only add or remove at most 1 voting member.',
        );
      }
      if (!config.members.some((m) => this.isSelf(m.host))) {
        throw serverError('InvalidReplicaSetConfig', `This node, ${this.self}, with _id ${this.selfConfig?._id ?? -1} is not electable under the new configuration with {version: ${config.version}, term: ${config.term}} for replica set ${config._id}`);
      }
      for (const m of config.members) {
        const before = current.members.find((c) => c._id === m._id);
        if (before && before.host !== m.host && current.members.some((c) => c.host === m.host && c._id !== m._id)) {
          throw serverError('InvalidReplicaSetConfig', `New and old configurations both have members with host of ${m.host} but in the new configuration the _id field is ${m._id} and in the old configuration it is ${before._id} for replica set ${config._id}`);
        }
        if (before && before.arbiterOnly !== m.arbiterOnly) {
          throw serverError('InvalidReplicaSetConfig', `New and old configurations differ in the setting of the arbiterOnly field for member ${m.host}; to make this change, remove then re-add the member`);
        }
      }
      await this.quorumCheck(config, false);
      if (!this.isWritablePrimary) throw serverError('NotWritablePrimary', 'not primary');
    }
    this.installConfig(config, 'replSetReconfig');
    if (this.stateCode === MemberState.PRIMARY) {
      this.logOps([{ op: 'n', ns: '', o: { msg: 'Reconfig set', version: config.version } }]);
    }
    return { ok: 1 };
  }

  // ---------------------------------------------------------------- heartbeats

  private scheduleHeartbeat(m: MemberData, delayMillis: number): void {
    m.hbTimer?.cancel();
    const generation = ++m.hbGeneration;
    m.hbTimer = this.setTimer(delayMillis, () => {
      m.hbTimer = undefined;
      if (generation !== m.hbGeneration || this.members.get(m.config.host) !== m) return;
      this.sendHeartbeat(m);
    });
  }

  private sendHeartbeat(m: MemberData): void {
    const config = this.persisted.config;
    if (!config || m.hbInFlight || this.stopped) return;
    const now = this.now();
    if (m.hbFailures === 0) m.hbRoundStartMillis = now;
    const timeoutMillis = Math.max(1, config.settings.heartbeatTimeoutSecs * 1000 - (now - m.hbRoundStartMillis));
    m.hbInFlight = true;
    const sentAt = now;
    this.emit({ type: 'heartbeatSent', to: m.config.host });
    const cmd: Document = {
      replSetHeartbeat: config._id,
      configVersion: config.version,
      configTerm: config.term,
      hbv: 1,
      from: this.self,
      fromId: this.selfConfig?._id ?? -1,
      term: this.term,
    };
    this.ports.send(m.config.host, 'admin', cmd, timeoutMillis).then(
      (reply) => {
        m.hbInFlight = false;
        if (this.stopped) return;
        if (reply.ok === 1) this.onHeartbeatReply(m, reply, sentAt);
        else this.onHeartbeatFailure(m, String(reply.errmsg ?? 'heartbeat failed'), reply);
      },
      (error: unknown) => {
        m.hbInFlight = false;
        if (this.stopped) return;
        this.onHeartbeatFailure(m, error instanceof Error ? error.message : String(error), undefined);
      },
    );
  }

  private onHeartbeatReply(m: MemberData, reply: Document, sentAt: number): void {
    if (this.members.get(m.config.host) !== m) return;
    const primaryBefore = this.primaryHost;
    this.applyHeartbeatReply(m, reply, sentAt);
    // hello's `primary` changed: wake awaitable hellos so clients learn at once.
    if (!this.stopped && this.primaryHost !== primaryBefore) this.bumpTopology();
  }

  private applyHeartbeatReply(m: MemberData, reply: Document, sentAt: number): void {
    const now = this.now();
    const wasHealthy = m.health === 1;
    const priorState = m.state;
    m.hbFailures = 0;
    m.pingMs = now - sentAt;
    m.lastHeartbeatMillis = now;
    m.lastContactMillis = now;
    m.lastHeartbeatMessage = '';
    if (!wasHealthy) m.upSinceMillis = now;
    m.health = 1;
    m.state = typeof reply.state === 'number' ? reply.state : MemberState.UNKNOWN;
    m.term = Number(reply.term ?? -1);
    // Take what the member reports, even if lower than before: it may have rolled back.
    if (reply.opTime) m.applied = opTimeFromBson(reply.opTime);
    if (reply.durableOpTime) m.durable = opTimeFromBson(reply.durableOpTime);
    if (reply.wallTime instanceof Date) m.appliedWallMillis = reply.wallTime.getTime();
    m.configVersion = Number(reply.configVersion ?? -1);
    m.configTerm = Number(reply.configTerm ?? -1);
    m.syncSource = typeof reply.syncingTo === 'string' ? reply.syncingTo : '';
    m.electionTimeTs = reply.electionTime ? tsFromBson(reply.electionTime) : undefined;
    this.emit({ type: 'heartbeatReply', from: m.config.host, state: stateName(m.state), pingMs: m.pingMs });
    if (!wasHealthy || priorState !== m.state) {
      this.emit({ type: 'memberHealth', member: m.config.host, health: 1, state: stateName(m.state) });
      if (!wasHealthy) this.log('I', 'REPL', LogIds.memberInNewState, { hostAndPort: m.config.host, newState: stateName(m.state) });
    }
    if (this.updateTerm(m.term, `heartbeat reply from ${m.config.host}`)) {
      /* stepped down if needed */
    }
    // A newer config travels in heartbeat replies.
    const config = this.persisted.config;
    if (reply.config && config) {
      const theirs = reply.config as Document;
      const version = Number(theirs.version);
      const term = Number(theirs.term ?? -1);
      if (compareConfigVersion(version, term, config.version, config.term) > 0 && theirs._id === config._id) {
        try {
          this.installConfig(parseConfig(theirs, config.settings.replicaSetId), `heartbeat from ${m.config.host}`);
        } catch (e) {
          this.log('W', 'REPL', LogIds.invalidConfigFromHeartbeat, { error: String(e) });
        }
      }
    }
    if (reply.$replData) this.processReplData(reply.$replData as Document, m.config.host);
    if (m.state === MemberState.PRIMARY && m.term === this.term && this.stateCode !== MemberState.PRIMARY) {
      this.resetElectionTimer();
      this.maybeSchedulePriorityTakeover(m);
    }
    if (this.stateCode === MemberState.PRIMARY) {
      this.updateCommitPoint();
      if (this.catchingUp) this.catchUpHeartbeat(m);
    }
    if (this.wantsToFetch() && !this.fetcherRunning) this.startFetcher();
    if (this.members.get(m.config.host) === m) this.scheduleHeartbeat(m, this.settingsOrDefault().heartbeatIntervalMillis);
  }

  private settingsOrDefault(): { heartbeatIntervalMillis: number; heartbeatTimeoutSecs: number } {
    return this.persisted.config?.settings ?? { heartbeatIntervalMillis: 2000, heartbeatTimeoutSecs: 10 };
  }

  private onHeartbeatFailure(m: MemberData, message: string, reply: Document | undefined): void {
    if (this.members.get(m.config.host) !== m) return;
    const primaryBefore = this.primaryHost;
    this.applyHeartbeatFailure(m, message, reply);
    if (!this.stopped && this.primaryHost !== primaryBefore) this.bumpTopology();
  }

  private applyHeartbeatFailure(m: MemberData, message: string, reply: Document | undefined): void {
    const now = this.now();
    m.hbFailures++;
    m.lastHeartbeatMillis = now;
    this.emit({ type: 'heartbeatFailed', to: m.config.host, error: message });
    const settings = this.settingsOrDefault();
    const elapsed = now - m.hbRoundStartMillis;
    if (reply === undefined && m.hbFailures <= 2 && elapsed < settings.heartbeatTimeoutSecs * 1000) {
      this.scheduleHeartbeat(m, 0);
      return;
    }
    if (m.health !== 0) {
      m.health = 0;
      m.state = MemberState.DOWN;
      m.pingMs = 0;
      m.upSinceMillis = 0;
      m.lastHeartbeatMessage = reply ? message : `Error connecting to ${m.config.host} :: caused by :: ${message}`;
      this.log('I', 'REPL', LogIds.memberDown, { hostAndPort: m.config.host, heartbeatMessage: m.lastHeartbeatMessage });
      this.emit({ type: 'memberHealth', member: m.config.host, health: 0, state: 'DOWN' });
      if (this.catchingUp) this.checkCatchUp();
    }
    m.hbFailures = 0;
    this.scheduleHeartbeat(m, settings.heartbeatIntervalMillis);
  }

  /** replSetHeartbeat from a peer. */
  processHeartbeat(cmd: Document): Document {
    const setName = this.requireReplSet();
    const from = typeof cmd.from === 'string' ? normalizeHost(cmd.from) : '';
    const theirSet = String(cmd.replSetHeartbeat ?? '');
    if (theirSet !== setName) {
      throw serverError('InconsistentReplicaSetNames', `Our set name of ${setName} does not match name ${theirSet} reported by remote node`);
    }
    const theirVersion = Number(cmd.configVersion ?? -2);
    const theirConfigTerm = Number(cmd.configTerm ?? -1);
    const theirTerm = Number(cmd.term ?? -1);
    const config = this.persisted.config;
    if (from) this.emit({ type: 'heartbeatReceived', from });
    const reply: Document = { ok: 1 };
    if (!config) {
      // Not initiated: learn the config by heartbeating the sender back.
      if (from && theirVersion > 0 && !cmd.checkEmpty) this.fetchConfigFrom(from);
      reply.state = this.stateCode;
      reply.configVersion = -2;
      reply.configTerm = -1;
      reply.term = this.term;
      reply.set = '';
      reply.opTime = opTimeToBson(this.lastApplied);
      reply.durableOpTime = opTimeToBson(this.lastApplied);
      reply.electable = false;
      return reply;
    }
    if (theirTerm > this.term) this.updateTerm(theirTerm, `heartbeat from ${from}`);
    const sender = this.members.get(from);
    if (sender) {
      sender.lastHeartbeatRecvMillis = this.now();
      sender.lastContactMillis = this.now();
    }
    if (compareConfigVersion(theirVersion, theirConfigTerm, config.version, config.term) > 0 && from) this.fetchConfigFrom(from);
    reply.set = config._id;
    reply.state = this.stateCode;
    reply.term = this.term;
    reply.configVersion = config.version;
    reply.configTerm = config.term;
    reply.syncingTo = this.syncSourceValue ?? '';
    reply.opTime = opTimeToBson(this.lastApplied);
    reply.wallTime = new Date(this.lastAppliedWallMillis);
    reply.durableOpTime = opTimeToBson(this.lastDurable);
    reply.durableWallTime = new Date(this.lastAppliedWallMillis);
    reply.electable = this.canStandForElection();
    if (this.stateCode === MemberState.PRIMARY && this.electionTimeTs !== undefined) reply.electionTime = tsToBson(this.electionTimeTs);
    if (compareConfigVersion(theirVersion, theirConfigTerm, config.version, config.term) < 0) reply.config = configToDocument(config);
    reply.$replData = this.replData();
    return reply;
  }

  private fetchConfigFrom(host: string): void {
    const setName = this.replSetName;
    if (setName === undefined) return;
    this.setTimer(0, () => {
      const current = this.persisted.config;
      this.ports
        .send(
          host,
          'admin',
          { replSetHeartbeat: setName, configVersion: current?.version ?? -2, configTerm: current?.term ?? -1, hbv: 1, from: this.self, fromId: this.selfConfig?._id ?? -1, term: this.term },
          10_000,
        )
        .then(
          (reply) => {
            if (this.stopped || reply.ok !== 1 || !reply.config) return;
            const doc = reply.config as Document;
            const now = this.persisted.config;
            if (now && compareConfigVersion(Number(doc.version), Number(doc.term ?? -1), now.version, now.term) <= 0) return;
            try {
              const replicaSetId = doc.settings?.replicaSetId instanceof ObjectId ? doc.settings.replicaSetId : ObjectId.createFromHexString(this.ports.random.hex(12));
              this.installConfig(parseConfig(doc, replicaSetId), `config from ${host}`);
              if (reply.term !== undefined) this.updateTerm(Number(reply.term), 'config fetch');
            } catch (e) {
              this.log('W', 'REPL', LogIds.invalidConfigInHeartbeatReply, { error: String(e), from: host });
            }
          },
          (error: unknown) => {
            // Not fatal: the next heartbeat that shows a newer config asks again.
            this.log('D1', 'REPL', LogIds.configFetchFailed, { from: host, error: describeError(error) });
          },
        );
    });
  }

  // ---------------------------------------------------------------- elections

  private canStandForElection(): boolean {
    const me = this.selfConfig;
    if (!me || !isElectableMember(me)) return false;
    if (this.stateCode !== MemberState.SECONDARY) return false;
    if (this.now() < this.frozenUntilMillis) return false;
    return true;
  }

  private resetElectionTimer(): void {
    this.electionTimer?.cancel();
    this.electionTimer = undefined;
    this.electionTimerDueMillis = undefined;
    const me = this.selfConfig;
    if (this.stopped || !me || !isElectableMember(me) || this.stateCode !== MemberState.SECONDARY) return;
    const timeout = this.electionTimeoutMillis;
    const offsetMax = Math.floor(timeout * this.params.electionTimeoutOffsetLimitFraction);
    const delay = timeout + (offsetMax > 0 ? this.ports.random.int(0, offsetMax) : 0);
    this.electionTimerDueMillis = this.now() + delay;
    this.electionTimer = this.setTimer(delay, () => {
      this.electionTimer = undefined;
      this.electionTimerDueMillis = undefined;
      if (!this.canStandForElection() || this.electionInProgress) {
        this.resetElectionTimer();
        return;
      }
      this.log('I', 'ELECTION', LogIds.electionTimeout, {
        electionTimeoutPeriodMillis: timeout,
      });
      void this.runElection('electionTimeout', false);
    });
  }

  private maybeSchedulePriorityTakeover(primary: MemberData): void {
    const me = this.selfConfig;
    if (!me || this.priorityTakeoverTimer || !this.canStandForElection()) return;
    if (!(me.priority > primary.config.priority)) return;
    if (!this.freshForTakeover(primary)) return;
    const config = this.persisted.config!;
    const rank = config.members.filter((m) => m.priority > me.priority && isElectableMember(m)).length;
    const delay = this.electionTimeoutMillis * (rank + 1);
    this.priorityTakeoverTimer = this.setTimer(delay, () => {
      this.priorityTakeoverTimer = undefined;
      const current = this.members.get(primary.config.host);
      if (!current || current.state !== MemberState.PRIMARY || current.health !== 1 || current.term !== this.term) return;
      if (!this.canStandForElection() || this.electionInProgress || !(me.priority > current.config.priority) || !this.freshForTakeover(current)) return;
      this.log('I', 'ELECTION', LogIds.priorityTakeover, {});
      void this.runElection('priorityTakeover', false);
    });
  }

  private freshForTakeover(primary: MemberData): boolean {
    const mine = this.lastApplied;
    return tsSecs(primary.applied.ts) - tsSecs(mine.ts) <= this.params.priorityTakeoverFreshnessWindowSeconds && mine.t >= primary.applied.t - 0;
  }

  /** Dry run (unless skipped), then the real election at term+1. */
  async runElection(reason: string, skipDryRun: boolean): Promise<boolean> {
    const config = this.persisted.config;
    if (!config || !this.canStandForElection() || this.electionInProgress) return false;
    this.electionInProgress = true;
    this.electionTimer?.cancel();
    this.electionTimer = undefined;
    this.priorityTakeoverTimer?.cancel();
    this.priorityTakeoverTimer = undefined;
    const id = ++this.electionId;
    try {
      if (!skipDryRun) {
        const dryTerm = this.term + 1;
        this.emit({ type: 'electionStarted', term: dryTerm, dryRun: true, reason });
        this.log('I', 'ELECTION', LogIds.dryRunElection, { currentTerm: this.term });
        const ok = await this.requestVotes(id, dryTerm, true);
        if (!ok) throw new ElectionAborted('not enough votes in the dry run');
      }
      if (id !== this.electionId || !this.canStandForElection()) throw new ElectionAborted('election interrupted');
      const term = this.term + 1;
      this.persistTerm(term);
      this.persisted.lastVote = { term, candidateIndex: this.selfIndex };
      this.ports.persistence?.replStateChanged('vote', this.persisted);
      this.emit({ type: 'electionStarted', term, dryRun: false, reason });
      this.log('I', 'ELECTION', LogIds.dryRunSucceeded, { newTerm: term });
      const won = await this.requestVotes(id, term, false);
      if (!won) throw new ElectionAborted('not enough votes');
      if (id !== this.electionId || this.term !== term || this.stateCode !== MemberState.SECONDARY) throw new ElectionAborted('election interrupted');
      this.electionInProgress = false;
      this.becomePrimary(term, reason);
      return true;
    } catch (e) {
      if (!(e instanceof ElectionAborted)) throw e;
      if (id === this.electionId) this.electionInProgress = false;
      this.emit({ type: 'electionLost', term: this.term, reason: e.message });
      this.log('I', 'ELECTION', LogIds.notBecomingPrimary, { reason: e.message });
      if (!this.stopped) this.resetElectionTimer();
      return false;
    }
  }

  private requestVotes(id: number, term: number, dryRun: boolean): Promise<boolean> {
    const config = this.persisted.config!;
    const me = this.selfConfig!;
    const needed = votingMajority(config);
    const voters = config.members.filter((m) => m.votes > 0 && m.host !== this.self);
    let granted = me.votes > 0 ? 1 : 0;
    let pending = voters.length;
    const lastApplied = this.lastApplied;
    return new Promise<boolean>((resolve) => {
      let done = false;
      const finish = (result: boolean): void => {
        if (done) return;
        done = true;
        resolve(result);
      };
      if (granted >= needed) {
        finish(true);
        return;
      }
      const cmd: Document = {
        replSetRequestVotes: 1,
        setName: config._id,
        dryRun,
        term: Long.fromNumber(term),
        candidateIndex: this.selfIndex,
        configVersion: config.version,
        configTerm: config.term,
        lastAppliedOpTime: opTimeToBson(lastApplied),
      };
      for (const voter of voters) {
        this.emit({ type: 'voteRequested', to: voter.host, term, dryRun });
        this.ports.send(voter.host, 'admin', cmd, this.electionTimeoutMillis).then(
          (reply) => {
            if (done || this.stopped) return;
            pending--;
            if (id !== this.electionId) return finish(false);
            const replyTerm = Number(reply.term ?? -1);
            if (reply.ok === 1 && reply.voteGranted === true) {
              granted++;
              this.emit({ type: 'voteGranted', from: voter.host, term, dryRun });
            } else {
              const reason = String(reply.reason ?? reply.errmsg ?? 'refused');
              this.emit({ type: 'voteRefused', from: voter.host, term, dryRun, reason });
              if (replyTerm > this.term) {
                this.updateTerm(replyTerm, `vote reply from ${voter.host}`);
                return finish(false);
              }
            }
            if (granted >= needed) finish(true);
            else if (granted + pending < needed) finish(false);
          },
          (error: unknown) => {
            if (done || this.stopped) return;
            pending--;
            this.emit({ type: 'voteRefused', from: voter.host, term, dryRun, reason: error instanceof Error ? error.message : String(error) });
            if (granted + pending < needed) finish(false);
          },
        );
      }
    });
  }

  /** replSetRequestVotes from a candidate. */
  processRequestVotes(cmd: Document): Document {
    this.requireReplSet();
    const config = this.persisted.config;
    if (!config) throw serverError('NotYetInitialized', 'no replset config has been received');
    const term = Number(cmd.term);
    const dryRun = cmd.dryRun === true;
    const candidateIndex = Number(cmd.candidateIndex);
    const candidate = config.members[candidateIndex]?.host ?? `#${candidateIndex}`;
    if (!dryRun && term > this.term) this.updateTerm(term, `vote request from ${candidate}`);
    const theirOpTime = cmd.lastAppliedOpTime ? opTimeFromBson(cmd.lastAppliedOpTime) : NULL_OPTIME;
    const mine = this.lastApplied;
    let reason = '';
    if (term < this.term) {
      reason = `candidate's term (${term}) is lower than mine (${this.term})`;
    } else if (cmd.setName !== config._id) {
      reason = `candidate's set name (${String(cmd.setName)}) differs from mine (${config._id})`;
    } else if (compareConfigVersion(Number(cmd.configVersion), Number(cmd.configTerm ?? -1), config.version, config.term) < 0) {
      reason = `candidate's config with {version: ${String(cmd.configVersion)}, term: ${String(cmd.configTerm)}} is older than mine with {version: ${config.version}, term: ${config.term}}`;
    } else if (compareOpTime(mine, theirOpTime) > 0) {
      reason = `candidate's data is staler than mine. candidate's last applied OpTime: ${formatOpTime(theirOpTime)}, my last applied OpTime: ${formatOpTime(mine)}`;
    } else if (!dryRun && this.persisted.lastVote.term === term && this.persisted.lastVote.candidateIndex !== candidateIndex) {
      const votedFor = config.members[this.persisted.lastVote.candidateIndex]?.host ?? '?';
      reason = `already voted for another candidate (${votedFor}) this term (${term})`;
    } else if (this.stateCode === MemberState.ARBITER && this.primaryOfEqualOrGreaterPriority(config.members[candidateIndex])) {
      reason = `can see a healthy primary (${this.primaryHost ?? '?'}) of equal or greater priority`;
    }
    const granted = reason === '';
    if (granted && !dryRun) {
      this.persisted.lastVote = { term, candidateIndex };
      this.ports.persistence?.replStateChanged('vote', this.persisted);
      this.resetElectionTimer();
    }
    if (!dryRun) {
      let maxApplied = mine;
      for (const m of this.members.values()) if (m.health === 1 && compareOpTime(m.applied, maxApplied) > 0) maxApplied = m.applied;
      this.participantMetrics = {
        votedForCandidate: granted,
        electionTerm: Long.fromNumber(term),
        lastVoteDate: new Date(this.now()),
        electionCandidateMemberId: config.members[candidateIndex]?._id ?? -1,
        voteReason: reason,
        lastAppliedOpTimeAtElection: opTimeToBson(mine),
        maxAppliedOpTimeInSet: opTimeToBson(maxApplied),
        priorityAtElection: this.selfConfig?.priority ?? 0,
      };
    }
    this.emit({ type: 'voteCast', candidate, term, dryRun, granted, reason });
    this.log('I', 'ELECTION', LogIds.votingForCandidate, { candidate, term, dryRun, granted, reason });
    return { term: Long.fromNumber(this.term), voteGranted: granted, reason, ok: 1 };
  }

  private primaryOfEqualOrGreaterPriority(candidate: MemberConfig | undefined): boolean {
    if (!candidate) return false;
    for (const m of this.members.values()) {
      if (m.health === 1 && m.state === MemberState.PRIMARY && m.term === this.term && m.config.priority >= candidate.priority) return true;
    }
    return false;
  }

  private becomePrimary(term: number, reason: string): void {
    this.log('I', 'ELECTION', LogIds.electionSucceeded, { term });
    this.candidateMetrics = {
      lastElectionReason: reason,
      lastElectionDate: new Date(this.now()),
      electionTerm: Long.fromNumber(term),
      lastCommittedOpTimeAtElection: opTimeToBson(this.commitPointValue),
      lastSeenOpTimeAtElection: opTimeToBson(this.lastApplied),
      numVotesNeeded: votingMajority(this.persisted.config!),
      priorityAtElection: this.selfConfig?.priority ?? 0,
      electionTimeoutMillis: Long.fromNumber(this.electionTimeoutMillis),
    };
    this.catchUpStartLength = this.persisted.oplog.length;
    this.emit({ type: 'electionWon', term });
    this.electionTimer?.cancel();
    this.electionTimer = undefined;
    this.electionTimeTs = this.nextTs();
    this.setState(MemberState.PRIMARY, 'won election');
    this.writable = false;
    // Catch up to the freshest member we can hear from, then take writes.
    const timeout = this.settings.catchUpTimeoutMillis;
    if (timeout === 0 || this.members.size === 0) {
      this.finishCatchUp('catch-up skipped');
      return;
    }
    this.catchingUp = true;
    this.catchUpTarget = undefined;
    this.catchUpHeard = new Set([this.self]);
    this.log('I', 'REPL', LogIds.enteringCatchUp, {});
    for (const m of this.members.values()) {
      m.hbFailures = 0;
      this.scheduleHeartbeat(m, 0);
    }
    if (timeout > 0) {
      this.catchUpTimer = this.setTimer(timeout, () => {
        if (this.catchingUp) this.finishCatchUp('catch-up timed out');
      });
    }
    // Fetch from a member that is ahead, not from whichever source we had as a secondary.
    this.stopFetcher();
    this.startFetcher();
  }

  private catchUpHeartbeat(m: MemberData): void {
    this.catchUpHeard.add(m.config.host);
    this.checkCatchUp();
  }

  private checkCatchUp(): void {
    if (!this.catchingUp) return;
    const config = this.persisted.config!;
    // Wait to hear from a majority of voters since the catch-up began (or the rest are down).
    const reachable = config.members.filter((mc) => mc.host === this.self || this.members.get(mc.host)?.health !== 0);
    const heardVoters = config.members.filter((mc) => mc.votes > 0 && this.catchUpHeard.has(mc.host)).length;
    const allReachableHeard = reachable.every((mc) => this.catchUpHeard.has(mc.host));
    if (heardVoters < votingMajority(config) && !allReachableHeard) return;
    let target = this.lastApplied;
    for (const host of this.catchUpHeard) {
      const m = this.members.get(host);
      if (m && m.health === 1 && compareOpTime(m.applied, target) > 0) target = m.applied;
    }
    this.catchUpTarget = target;
    if (compareOpTime(this.lastApplied, target) >= 0) {
      this.finishCatchUp('caught up');
      return;
    }
    // Nobody ahead is still reachable: stop waiting.
    const aheadReachable = this.members_().some((m) => m.health === 1 && compareOpTime(m.applied, this.lastApplied) > 0);
    if (!aheadReachable) this.finishCatchUp('no reachable member is ahead');
  }

  private finishCatchUp(reason: string): void {
    if (this.stateCode !== MemberState.PRIMARY) return;
    this.catchingUp = false;
    this.catchUpTimer?.cancel();
    this.catchUpTimer = undefined;
    this.log('I', 'REPL', LogIds.exitedCatchUp, { reason });
    this.stopFetcher();
    this.setSyncSource(null);
    // The config term follows the new term.
    const config = this.persisted.config!;
    if (config.term !== this.term && config.term !== -1) {
      const next = cloneConfig(config);
      next.term = this.term;
      this.persisted.config = next;
      this.ports.persistence?.replStateChanged('config', this.persisted);
      this.emit({ type: 'configChange', version: next.version, term: next.term });
    } else if (config.term === -1) {
      const next = cloneConfig(config);
      next.term = this.term;
      this.persisted.config = next;
      this.ports.persistence?.replStateChanged('config', this.persisted);
    }
    // Tell everyone about the new config term at once.
    for (const m of this.members.values()) {
      m.hbFailures = 0;
      this.scheduleHeartbeat(m, 0);
    }
    this.logOps([{ op: 'n', ns: '', o: { msg: 'new primary' } }]);
    this.writable = true;
    for (const m of this.members.values()) {
      m.lastContactMillis = Math.max(m.lastContactMillis, this.now() - this.electionTimeoutMillis / 2);
    }
    this.log('I', 'REPL', LogIds.transitionToPrimaryComplete, {});
    this.emit({ type: 'primaryWritable', term: this.term });
    if (this.candidateMetrics) {
      this.candidateMetrics.numCatchUpOps = Long.fromNumber(Math.max(0, this.persisted.oplog.length - 1 - this.catchUpStartLength));
      this.candidateMetrics.newTermStartDate = new Date(this.now());
    }
    this.bumpTopology();
    this.scheduleLivenessCheck();
    this.scheduleNoop();
    this.updateCommitPoint();
  }

  private scheduleLivenessCheck(): void {
    this.livenessTimer?.cancel();
    const interval = Math.max(50, Math.floor(this.electionTimeoutMillis / 2));
    this.livenessTimer = this.setTimer(interval, () => {
      this.livenessTimer = undefined;
      if (this.stateCode !== MemberState.PRIMARY) return;
      const config = this.persisted.config!;
      const now = this.now();
      let seen = 0;
      for (const mc of config.members) {
        if (mc.votes === 0) continue;
        if (mc.host === this.self) seen++;
        else {
          const m = this.members.get(mc.host);
          if (m && now - m.lastContactMillis < this.electionTimeoutMillis) seen++;
        }
      }
      if (seen < votingMajority(config)) {
        this.log('I', 'REPL', LogIds.cannotSeeMajority, {});
        this.stepDownNow("can't see a majority of the set, relinquishing primary");
        return;
      }
      this.scheduleLivenessCheck();
    });
  }

  private scheduleNoop(): void {
    this.noopTimer?.cancel();
    const interval = this.params.periodicNoopIntervalSecs * 1000;
    if (!(interval > 0)) return;
    this.noopTimer = this.setTimer(interval, () => {
      this.noopTimer = undefined;
      if (!this.isWritablePrimary) return;
      if (this.now() - this.lastWriteMillis >= interval) this.logOps([{ op: 'n', ns: '', o: { msg: 'periodic noop' } }]);
      this.scheduleNoop();
    });
  }

  /** Leave PRIMARY now (higher term, lost majority, stepdown command, removal). */
  private stepDownNow(reason: string): void {
    if (this.stateCode !== MemberState.PRIMARY) return;
    this.log('I', 'REPL', LogIds.steppingDown, { reason });
    this.emit({ type: 'stepDown', term: this.term, reason });
    this.catchingUp = false;
    this.catchUpTimer?.cancel();
    this.livenessTimer?.cancel();
    this.livenessTimer = undefined;
    this.noopTimer?.cancel();
    this.noopTimer = undefined;
    this.writable = false;
    this.electionTimeTs = undefined;
    this.candidateMetrics = undefined;
    this.setState(MemberState.SECONDARY, reason);
    for (const waiter of [...this.wcWaiters]) {
      this.finishWaiter(waiter, serverError('PrimarySteppedDown', 'Primary stepped down while waiting for replication').toWriteConcernError());
    }
    this.resetElectionTimer();
    this.startFetcher();
  }

  /** replSetStepDown. */
  async stepDown(stepDownSecs: number, secondaryCatchUpPeriodSecs: number, force: boolean): Promise<void> {
    this.requireReplSet();
    if (this.stateCode !== MemberState.PRIMARY) throw serverError('NotWritablePrimary', 'not primary so can\'t step down');
    if (!(stepDownSecs >= secondaryCatchUpPeriodSecs)) {
      throw serverError('BadValue', 'stepdown period must be longer than secondaryCatchUpPeriodSecs');
    }
    if (this.stepDownInProgress) throw serverError('ConflictingOperationInProgress', 'Stepdown already in progress');
    this.stepDownInProgress = true;
    this.bumpTopology();
    const deadline = this.now() + secondaryCatchUpPeriodSecs * 1000;
    try {
      let target = this.caughtUpElectable();
      while (!target && this.now() < deadline && this.stateCode === MemberState.PRIMARY && !this.stopped) {
        await this.sleep(Math.min(100, deadline - this.now()));
        target = this.caughtUpElectable();
      }
      if (this.stateCode !== MemberState.PRIMARY) throw serverError('NotWritablePrimary', 'not primary so can\'t step down');
      if (!target && !force) {
        throw serverError(
          'ExceededTimeLimit',
          `No electable secondaries caught up as of ${new Date(this.now()).toISOString()}. Please use the replSetStepDown command with the argument {force: true} to force node to step down.`,
        );
      }
      this.stepDownInProgress = false;
      this.stepDownNow('replSetStepDown command');
      this.frozenUntilMillis = this.now() + stepDownSecs * 1000;
      this.resetElectionTimer();
      if (target) {
        this.log('I', 'REPL', LogIds.handingOffElection, { target: target.config.host });
        this.ports.send(target.config.host, 'admin', { replSetStepUp: 1, skipDryRun: true }, this.electionTimeoutMillis).then(
          (reply) => {
            if (reply.ok !== 1) this.log('I', 'REPL', LogIds.stepUpRequestFailed, { target: target.config.host, error: reply.errmsg });
          },
          (error: unknown) => {
            // A hint only: without it the target still stands once its election timeout passes.
            this.log('I', 'REPL', LogIds.stepUpRequestFailed, { target: target.config.host, error: describeError(error) });
          },
        );
      }
    } finally {
      if (this.stepDownInProgress) {
        this.stepDownInProgress = false;
        this.bumpTopology();
      }
    }
  }

  private caughtUpElectable(): MemberData | undefined {
    const mine = this.lastApplied;
    let best: MemberData | undefined;
    for (const m of this.members.values()) {
      if (m.health !== 1 || !isElectableMember(m.config) || m.state !== MemberState.SECONDARY) continue;
      if (compareOpTime(m.applied, mine) < 0) continue;
      if (!best || m.config.priority > best.config.priority) best = m;
    }
    return best;
  }

  /** replSetStepUp: stand for election now. */
  async stepUp(skipDryRun: boolean): Promise<void> {
    this.requireReplSet();
    if (this.stateCode === MemberState.PRIMARY) throw serverError('CommandFailed', 'Already primary.');
    if (!this.canStandForElection()) {
      throw serverError('CommandFailed', `Election failed. ${this.stateCode !== MemberState.SECONDARY ? `Not electable: state ${this.state}` : 'Not electable'}`);
    }
    const won = await this.runElection(skipDryRun ? 'stepUpRequestSkipDryRun' : 'stepUpRequest', skipDryRun);
    if (!won) throw serverError('CommandFailed', 'Election failed.');
  }

  /** replSetFreeze. */
  freeze(secs: number): Document {
    this.requireReplSet();
    if (!this.persisted.config) throw serverError('NotYetInitialized', 'no replset config has been received');
    if (this.stateCode === MemberState.PRIMARY || this.electionInProgress) {
      throw serverError('NotSecondary', `cannot freeze node when primary or running for election. state: ${stateTitle(this.state)}`);
    }
    const reply: Document = { ok: 1 };
    if (secs <= 0) {
      this.frozenUntilMillis = 0;
      reply.info = 'unfreezing';
      if (this.votingMembersCount() === 1 && this.canStandForElection()) this.setTimer(0, () => void this.runElection('single node replica set', true));
      else this.resetElectionTimer();
    } else {
      this.frozenUntilMillis = this.now() + secs * 1000;
      if (secs === 1) reply.warning = 'you really want to freeze for only 1 second?';
    }
    return reply;
  }

  // ---------------------------------------------------------------- writes, commit point, write concern

  private nextTs(): number {
    const secs = Math.floor(this.now() / 1000);
    const last = this.persisted.oplog.last();
    if (!last) return packTs(secs, 1);
    const lastSecs = tsSecs(last.ts);
    if (secs > lastSecs) return packTs(secs, 1);
    return packTs(lastSecs, tsInc(last.ts) + 1);
  }

  private appendLocal(ops: readonly OplogOp[], term: number): OpTime {
    let opTime = this.lastApplied;
    const wallMillis = this.now();
    const appended: OplogEntry[] = [];
    for (const op of ops) {
      const entry: OplogEntry = { op: op.op, ns: op.ns, o: op.o, ts: this.nextTs(), t: term, wallMillis };
      if (op.o2 !== undefined) entry.o2 = op.o2;
      if (op.b !== undefined) entry.b = op.b;
      entry.undo = op.undo;
      this.persisted.oplog.append(entry);
      appended.push(entry);
      opTime = entryOpTime(entry);
    }
    this.ports.persistence?.oplogAppended(appended, false);
    this.lastWriteMillis = wallMillis;
    this.capOplog();
    for (const wake of [...this.oplogWaiters]) wake();
    return opTime;
  }

  private capOplog(): void {
    const oplog = this.persisted.oplog;
    const max = this.params.oplogEntriesMax;
    if (oplog.length <= max) return;
    const drop = oplog.length - max + Math.floor(max / 10);
    // Never drop what is not yet majority-committed: a rollback may still need it.
    let committed = oplog.lowerBound(this.commitPointValue.ts + 1);
    if (committed > 0 && !opTimeEquals(oplog.at(committed - 1)!, this.commitPointValue)) committed = Math.max(0, committed - 1);
    oplog.dropOldest(Math.min(drop, committed));
  }

  /** Throw NotWritablePrimary unless this member takes writes for `db` now. */
  checkCanAcceptWrites(db: string): void {
    if (db === 'local' || this.replSetName === undefined) return;
    if (!this.isWritablePrimary) throw serverError('NotWritablePrimary', 'not primary');
  }

  /**
   * Throw unless reads are allowed: a primary always; a secondary only with secondaryOk;
   * other states never (NotPrimaryOrSecondary).
   */
  checkCanServeReads(db: string, secondaryOk: boolean): void {
    if (db === 'local' || this.replSetName === undefined) return;
    if (this.stateCode === MemberState.PRIMARY) return;
    if (this.stateCode === MemberState.SECONDARY) {
      if (secondaryOk) return;
      throw serverError('NotPrimaryNoSecondaryOk', 'not primary and secondaryOk=false');
    }
    if (!this.persisted.config && secondaryOk) return;
    if (!this.persisted.config) throw serverError('NotPrimaryNoSecondaryOk', 'not primary and secondaryOk=false');
    throw serverError('NotPrimaryOrSecondary', 'node is not in primary or recovering state');
  }

  /** A writable primary records the writes it made; returns the optime of the last one. */
  logOps(ops: readonly OplogOp[]): OpTime {
    if (this.stateCode !== MemberState.PRIMARY) throw serverError('NotWritablePrimary', 'not primary');
    if (ops.length === 0) return this.lastApplied;
    const opTime = this.appendLocal(ops, this.term);
    this.emit({ type: 'write', opTime, ops: ops.length });
    this.updateCommitPoint();
    return opTime;
  }

  private updateCommitPoint(): void {
    if (this.stateCode !== MemberState.PRIMARY) return;
    const config = this.persisted.config;
    if (!config) return;
    const optimes: OpTime[] = [];
    for (const mc of config.members) {
      if (mc.votes === 0 || mc.arbiterOnly) continue;
      if (mc.host === this.self) optimes.push(this.lastApplied);
      else optimes.push(this.members.get(mc.host)?.durable ?? NULL_OPTIME);
    }
    optimes.sort((a, b) => compareOpTime(b, a));
    const candidate = optimes[writeMajority(config) - 1];
    if (candidate && candidate.t === this.term && compareOpTime(candidate, this.commitPointValue) > 0) {
      this.setCommitPoint(candidate);
      if (this.candidateMetrics && this.candidateMetrics.wMajorityWriteAvailabilityDate === undefined) {
        this.candidateMetrics.wMajorityWriteAvailabilityDate = new Date(this.now());
      }
    }
    this.checkWaiters();
  }

  private setCommitPoint(opTime: OpTime): void {
    if (compareOpTime(opTime, this.commitPointValue) <= 0) return;
    this.commitPointValue = opTime;
    this.emit({ type: 'commitPoint', opTime });
    this.checkWaiters();
  }

  /** Secondaries learn the commit point from metadata, bounded by what they have. */
  private advanceCommitPointFromRemote(remote: OpTime): void {
    if (this.stateCode === MemberState.PRIMARY) return;
    if (compareOpTime(remote, this.commitPointValue) <= 0) return;
    const mine = this.lastApplied;
    if (this.persisted.oplog.contains(remote)) {
      this.setCommitPoint(remote);
    } else if (mine.t === remote.t && compareOpTime(mine, remote) < 0) {
      this.setCommitPoint(mine);
    }
  }

  private checkWaiters(): void {
    if (this.wcWaiters.size === 0) return;
    for (const waiter of [...this.wcWaiters]) {
      if (this.satisfied(waiter.opTime, waiter.w)) this.finishWaiter(waiter, undefined);
    }
  }

  private satisfied(opTime: OpTime, w: number | 'majority'): boolean {
    if (w === 'majority') return compareOpTime(this.commitPointValue, opTime) >= 0;
    let count = compareOpTime(this.lastApplied, opTime) >= 0 ? 1 : 0;
    for (const m of this.members.values()) {
      if (!m.config.arbiterOnly && compareOpTime(m.durable, opTime) >= 0) count++;
    }
    return count >= w;
  }

  private finishWaiter(waiter: WcWaiter, error: Document | undefined): void {
    if (!this.wcWaiters.delete(waiter)) return;
    waiter.timer?.cancel();
    waiter.resolve(error);
  }

  /**
   * Wait for `opTime` to satisfy the write concern. Resolves with undefined when satisfied, or
   * with the `writeConcernError` document mongod would send.
   */
  waitForWriteConcern(opTime: OpTime, wc: WriteConcern | undefined): Promise<Document | undefined> {
    const w = wc?.w ?? 1;
    const wtimeout = Number(wc?.wtimeout ?? 0);
    const wcDoc: Document = { w, wtimeout, provenance: wc?.w === undefined ? 'implicitDefault' : 'clientSupplied' };
    if (typeof w === 'number') {
      if (w <= 1) return Promise.resolve(undefined);
      const config = this.persisted.config;
      const dataBearing = config ? config.members.filter((m) => !m.arbiterOnly).length : 1;
      if (w > dataBearing) {
        return Promise.resolve(serverError('UnsatisfiableWriteConcern', 'Not enough data-bearing nodes', { extra: { errInfo: { writeConcern: wcDoc } } }).toWriteConcernError());
      }
    } else if (w !== 'majority') {
      return Promise.reject(serverError('UnknownReplWriteConcern', `Unrecognized write concern mode: ${w}`));
    }
    const wv: number | 'majority' = typeof w === 'number' ? w : 'majority';
    if (!this.persisted.config) return Promise.resolve(undefined);
    if (this.satisfied(opTime, wv)) return Promise.resolve(undefined);
    if (this.wcWaiters.size >= this.params.writeConcernWaitersMax) {
      return Promise.reject(serverError('ExceededMemoryLimit', `too many writes waiting for write concern (${this.params.writeConcernWaitersMax})`));
    }
    return new Promise((resolve) => {
      const waiter: WcWaiter = { opTime, w: wv, wtimeout, resolve, timer: undefined };
      this.wcWaiters.add(waiter);
      if (wtimeout > 0) {
        waiter.timer = this.setTimer(wtimeout, () => {
          this.finishWaiter(waiter, serverError('WriteConcernFailed', 'waiting for replication timed out', { extra: { errInfo: { wtimeout: true, writeConcern: wcDoc } } }).toWriteConcernError());
        });
      }
    });
  }

  // ---------------------------------------------------------------- position reporting

  private replData(): Document {
    const config = this.persisted.config;
    let primaryIndex = -1;
    if (this.stateCode === MemberState.PRIMARY) primaryIndex = this.selfIndex;
    else {
      const primary = this.primaryHost;
      if (primary) primaryIndex = this.members.get(primary)?.index ?? -1;
    }
    const syncSourceIndex = this.syncSourceValue ? (this.members.get(this.syncSourceValue)?.index ?? -1) : -1;
    return {
      term: Long.fromNumber(this.term),
      lastOpCommitted: opTimeToBson(this.commitPointValue),
      lastOpVisible: opTimeToBson(this.lastApplied),
      configVersion: config?.version ?? -2,
      configTerm: config?.term ?? -1,
      replicaSetId: config?.settings.replicaSetId,
      primaryIndex,
      syncSourceIndex,
      isPrimary: this.stateCode === MemberState.PRIMARY,
    };
  }

  private processReplData(data: Document, from: string): void {
    const term = Number(data.term ?? -1);
    if (term > this.term) this.updateTerm(term, `metadata from ${from}`);
    if (data.lastOpCommitted && term === this.term) this.advanceCommitPointFromRemote(opTimeFromBson(data.lastOpCommitted));
  }

  private scheduleUpdatePosition(): void {
    if (this.updatePositionScheduled) return;
    this.updatePositionScheduled = true;
    this.setTimer(0, () => {
      this.updatePositionScheduled = false;
      const target = this.syncSourceValue;
      const config = this.persisted.config;
      if (!target || !config || this.stateCode === MemberState.PRIMARY) return;
      const optimes: Document[] = [];
      const me = this.selfConfig;
      if (me) {
        optimes.push({
          durableOpTime: opTimeToBson(this.lastDurable),
          durableWallTime: new Date(this.lastAppliedWallMillis),
          appliedOpTime: opTimeToBson(this.lastApplied),
          appliedWallTime: new Date(this.lastAppliedWallMillis),
          memberId: me._id,
          cfgver: config.version,
        });
      }
      for (const m of this.members.values()) {
        if (isNullOpTime(m.applied) || m.config.arbiterOnly) continue;
        optimes.push({
          durableOpTime: opTimeToBson(m.durable),
          durableWallTime: new Date(m.appliedWallMillis),
          appliedOpTime: opTimeToBson(m.applied),
          appliedWallTime: new Date(m.appliedWallMillis),
          memberId: m.config._id,
          cfgver: config.version,
        });
      }
      this.ports.send(target, 'admin', { replSetUpdatePosition: 1, optimes, $replData: this.replData() }, this.electionTimeoutMillis).then(
        (reply) => {
          if (!this.stopped && reply.ok !== 1) this.log('D1', 'REPL', LogIds.updatePositionFailed, { target, error: reply.errmsg });
        },
        (error: unknown) => {
          // The next position update (every heartbeat, and on every new entry) carries the same news.
          if (!this.stopped) this.log('D1', 'REPL', LogIds.updatePositionFailed, { target, error: describeError(error) });
        },
      );
    });
  }

  /** replSetUpdatePosition from a member syncing from us. */
  processUpdatePosition(cmd: Document): Document {
    this.requireReplSet();
    const config = this.persisted.config;
    if (!config) throw serverError('NotYetInitialized', 'no replset config has been received');
    if (cmd.$replData) {
      const term = Number((cmd.$replData as Document).term ?? -1);
      if (term > this.term) this.updateTerm(term, 'replSetUpdatePosition');
    }
    const list = Array.isArray(cmd.optimes) ? (cmd.optimes as Document[]) : [];
    let changed = false;
    const now = this.now();
    for (const entry of list) {
      const m = this.memberById(Number(entry.memberId));
      if (!m) continue;
      const applied = opTimeFromBson(entry.appliedOpTime);
      const durable = entry.durableOpTime ? opTimeFromBson(entry.durableOpTime) : applied;
      m.lastContactMillis = now;
      if (compareOpTime(applied, m.applied) > 0 || compareOpTime(durable, m.durable) > 0) {
        m.applied = applied;
        m.durable = durable;
        if (entry.appliedWallTime instanceof Date) m.appliedWallMillis = entry.appliedWallTime.getTime();
        changed = true;
      } else if (!opTimeEquals(applied, m.applied)) {
        // A member that rolled back reports lower optimes; accept what it reports now.
        m.applied = applied;
        m.durable = durable;
        changed = true;
      }
    }
    if (changed) {
      if (this.stateCode === MemberState.PRIMARY) this.updateCommitPoint();
      else this.scheduleUpdatePosition();
    }
    return { ok: 1, $replData: this.replData() };
  }

  // ---------------------------------------------------------------- oplog serving

  /** `find` on local.oplog.rs: forward from a ts (tailable) or backwards ($natural: -1). */
  oplogFind(cmd: Document): Document {
    if (cmd.term !== undefined && Number(cmd.term) > this.term) this.updateTerm(Number(cmd.term), 'oplog query');
    const filter = (cmd.filter ?? {}) as Document;
    const tsCond = (filter.ts ?? {}) as Document;
    const reverse = Number((cmd.sort as Document | undefined)?.$natural ?? 1) < 0;
    const batchSize = Math.min(Number(cmd.batchSize ?? 101) || 101, this.params.oplogFetchBatchEntriesMax);
    const oplog = this.persisted.oplog;
    let position: number;
    if (reverse) {
      position = oplog.length - 1;
      if (tsCond.$lte !== undefined) position = oplog.lowerBound(tsFromBson(tsCond.$lte) + 1) - 1;
      else if (tsCond.$lt !== undefined) position = oplog.lowerBound(tsFromBson(tsCond.$lt)) - 1;
    } else {
      position = 0;
      if (tsCond.$gte !== undefined) position = oplog.lowerBound(tsFromBson(tsCond.$gte));
      else if (tsCond.$gt !== undefined) position = oplog.lowerBound(tsFromBson(tsCond.$gt) + 1);
    }
    const rest: Document = { ...filter };
    delete rest.ts;
    const matcher = Object.keys(rest).length > 0 ? compileFilter(rest) : undefined;
    const limit = Math.abs(Number(cmd.limit ?? 0));
    const cursor: OplogCursor = {
      id: 0n,
      position: position + oplog.droppedCount,
      reverse,
      tailable: cmd.tailable === true && !reverse,
      generation: oplog.generation,
      lastUsedMillis: this.now(),
      matcher,
      remaining: limit > 0 ? limit : Number.POSITIVE_INFINITY,
    };
    const batch = this.takeBatch(cursor, batchSize);
    const exhausted = cursor.remaining <= 0 || cmd.singleBatch === true || this.cursorAtEnd(cursor);
    if (!exhausted) {
      this.pruneCursors();
      if (this.oplogCursors.size >= this.params.oplogCursorsMax) {
        throw serverError('ExceededMemoryLimit', `too many open oplog cursors (${this.params.oplogCursorsMax})`);
      }
      cursor.id = this.nextCursorId++;
      this.oplogCursors.set(cursor.id, cursor);
    }
    return { cursor: { firstBatch: batch, id: Long.fromBigInt(cursor.id), ns: 'local.oplog.rs' }, ok: 1, $replData: this.replData(), $oplogQueryData: this.oplogQueryData() };
  }

  private oplogQueryData(): Document {
    const data = this.replData();
    return { lastOpCommitted: data.lastOpCommitted, lastOpApplied: opTimeToBson(this.lastApplied), rbid: this.persisted.rbid, primaryIndex: data.primaryIndex, syncSourceIndex: data.syncSourceIndex };
  }

  /** Nothing more for this cursor: a reverse scan past the start, a plain forward one past the end. */
  private cursorAtEnd(cursor: OplogCursor): boolean {
    const oplog = this.persisted.oplog;
    const rel = cursor.position - oplog.droppedCount;
    return cursor.reverse ? rel < 0 : !cursor.tailable && rel >= oplog.length;
  }

  private takeBatch(cursor: OplogCursor, batchSize: number): Document[] {
    const oplog = this.persisted.oplog;
    const out: Document[] = [];
    const step = cursor.reverse ? -1 : 1;
    if (!cursor.reverse && cursor.position < oplog.droppedCount) {
      throw serverError('CappedPositionLost', 'CollectionScan died due to position in capped collection being deleted.');
    }
    for (;;) {
      const rel = cursor.position - oplog.droppedCount;
      if (out.length >= batchSize || cursor.remaining <= 0 || rel < 0 || rel >= oplog.length) break;
      const doc = entryToBson(oplog.at(rel)!);
      cursor.position += step;
      if (cursor.matcher && !cursor.matcher(doc)) continue;
      out.push(doc);
      cursor.remaining--;
    }
    return out;
  }

  private pruneCursors(): void {
    const now = this.now();
    for (const [id, c] of this.oplogCursors) {
      if (now - c.lastUsedMillis > this.params.oplogCursorIdleTimeoutMillis) this.oplogCursors.delete(id);
    }
  }

  hasOplogCursor(id: bigint): boolean {
    return this.oplogCursors.has(id);
  }

  killOplogCursor(id: bigint): boolean {
    return this.oplogCursors.delete(id);
  }

  /** `getMore` on an oplog cursor; a tailable awaitData cursor waits up to maxTimeMS for entries. */
  async oplogGetMore(cmd: Document, signal: AbortSignal | undefined): Promise<Document> {
    const id = asBigInt(cmd.getMore);
    const cursor = this.oplogCursors.get(id);
    if (!cursor) throw serverError('CursorNotFound', `cursor id ${id} not found`);
    if (cmd.term !== undefined && Number(cmd.term) > this.term) this.updateTerm(Number(cmd.term), 'oplog getMore');
    const batchSize = Math.min(Number(cmd.batchSize ?? this.params.oplogFetchBatchEntriesMax) || this.params.oplogFetchBatchEntriesMax, this.params.oplogFetchBatchEntriesMax);
    const maxTimeMS = Math.max(0, Number(cmd.maxTimeMS ?? 1000));
    const oplog = this.persisted.oplog;
    const check = (): void => {
      if (cursor.generation !== oplog.generation) {
        this.oplogCursors.delete(id);
        throw serverError('CappedPositionLost', 'CollectionScan died due to position in capped collection being deleted.');
      }
    };
    check();
    if (cursor.tailable && cursor.position - oplog.droppedCount >= oplog.length && maxTimeMS > 0) {
      await new Promise<void>((resolve) => {
        let finished = false;
        const done = (): void => {
          if (finished) return;
          finished = true;
          this.oplogWaiters.delete(done);
          timer.cancel();
          signal?.removeEventListener('abort', done);
          resolve();
        };
        const timer = this.setTimer(maxTimeMS, done);
        this.oplogWaiters.add(done);
        signal?.addEventListener('abort', done);
      });
      if (this.stopped) throw serverError('InterruptedAtShutdown', 'interrupted at shutdown');
      check();
    }
    cursor.lastUsedMillis = this.now();
    const batch = this.takeBatch(cursor, batchSize);
    let cursorId = id;
    if (cursor.remaining <= 0 || this.cursorAtEnd(cursor)) {
      this.oplogCursors.delete(id);
      cursorId = 0n;
    }
    return { cursor: { nextBatch: batch, id: Long.fromBigInt(cursorId), ns: 'local.oplog.rs' }, ok: 1, $replData: this.replData(), $oplogQueryData: this.oplogQueryData() };
  }

  // ---------------------------------------------------------------- oplog fetching (secondary side)

  private wantsToFetch(): boolean {
    if (this.stopped || !this.persisted.config || this.selfIndex < 0) return false;
    if (this.selfConfig?.arbiterOnly) return false;
    return this.stateCode === MemberState.SECONDARY || this.stateCode === MemberState.STARTUP2 || (this.stateCode === MemberState.PRIMARY && this.catchingUp);
  }

  private setSyncSource(host: string | null): void {
    if (this.syncSourceValue === host) return;
    this.syncSourceValue = host;
    this.emit({ type: 'syncSourceChange', syncSource: host });
    if (host) this.log('I', 'REPL', LogIds.syncSourceChosen, { syncSource: host });
  }

  private stopFetcher(): void {
    this.fetcherGeneration++;
    this.fetcherRunning = false;
  }

  private startFetcher(): void {
    if (this.fetcherRunning || !this.wantsToFetch()) return;
    this.fetcherRunning = true;
    const gen = ++this.fetcherGeneration;
    void this.fetchLoop(gen).catch((e: unknown) => {
      this.log('E', 'REPL', LogIds.oplogFetcherFailed, { error: e instanceof Error ? `${e.name}: ${e.message}` : String(e) });
      if (gen === this.fetcherGeneration) {
        this.fetcherRunning = false;
        this.setTimer(this.params.syncSourceRetryMillis, () => this.startFetcher());
      }
    });
  }

  private denylistSyncSource(host: string, reason: string): void {
    const until = this.now() + this.params.syncSourceDenylistMillis;
    this.syncSourceDenylist.set(host, until);
    this.log('I', 'REPL', LogIds.denylistingSyncSource, { syncSource: host, until: new Date(until).toISOString(), reason });
  }

  private chooseSyncSource(): string | null {
    const mine = this.lastApplied;
    const now = this.now();
    const initialSync = this.stateCode === MemberState.STARTUP2;
    let primary: MemberData | undefined;
    let best: MemberData | undefined;
    for (const m of this.members.values()) {
      if (m.health !== 1 || m.config.arbiterOnly) continue;
      if (m.state !== MemberState.PRIMARY && m.state !== MemberState.SECONDARY) continue;
      const denied = this.syncSourceDenylist.get(m.config.host);
      if (denied !== undefined) {
        if (now < denied) continue;
        this.syncSourceDenylist.delete(m.config.host);
      }
      // Never sync from a member that syncs from us: that would be a cycle.
      if (m.state !== MemberState.PRIMARY && m.syncSource === this.self) continue;
      if (initialSync) {
        if (isNullOpTime(m.applied)) continue;
      } else if (compareOpTime(m.applied, mine) < 0 || (m.state !== MemberState.PRIMARY && compareOpTime(m.applied, mine) === 0)) {
        continue;
      }
      if (m.state === MemberState.PRIMARY && m.term >= this.term) primary = m;
      else if (!best || compareOpTime(m.applied, best.applied) > 0) best = m;
    }
    if (primary && (this.stateCode !== MemberState.PRIMARY || compareOpTime(primary.applied, mine) > 0)) return primary.config.host;
    if (!this.settings.chainingAllowed && !initialSync && this.stateCode !== MemberState.PRIMARY) return null;
    return best?.config.host ?? null;
  }

  private async fetchLoop(gen: number): Promise<void> {
    const alive = (): boolean => gen === this.fetcherGeneration && !this.stopped;
    while (alive()) {
      if (!this.wantsToFetch()) break;
      const source = this.chooseSyncSource();
      if (!source) {
        this.setSyncSource(null);
        if (this.catchingUp) {
          this.finishCatchUp('no sync source to catch up from');
          break;
        }
        await this.sleep(this.params.syncSourceRetryMillis);
        continue;
      }
      this.setSyncSource(source);
      try {
        await this.fetchFrom(source, alive);
      } catch (e) {
        if (!alive()) break;
        this.denylistSyncSource(source, e instanceof Error ? e.message : String(e));
      }
      if (!alive()) break;
      this.setSyncSource(null);
      await this.sleep(50);
    }
    if (gen === this.fetcherGeneration) this.fetcherRunning = false;
  }

  private async fetchFrom(source: string, alive: () => boolean): Promise<void> {
    const last = this.persisted.oplog.last();
    const batchSize = this.params.oplogFetchBatchEntriesMax;
    const find: Document = {
      find: 'oplog.rs',
      filter: last ? { ts: { $gte: tsToBson(last.ts) } } : {},
      tailable: true,
      awaitData: true,
      batchSize,
      term: Long.fromNumber(this.term),
      readConcern: { level: 'local' },
    };
    const reply = await this.ports.send(source, 'local', find, this.electionTimeoutMillis);
    if (!alive()) return;
    if (reply.ok !== 1) throw new Error(`find on ${source} failed: ${String(reply.errmsg)}`);
    this.processFetchMetadata(reply, source);
    const cursor = reply.cursor as Document;
    let entries = (cursor.firstBatch as Document[]).map(entryFromBson);
    if (last) {
      const first = entries[0];
      if (!first) throw new Error(`sync source ${source} has no entry at or after our last optime; not ahead of us`);
      if (!opTimeEquals(first, last)) {
        if (this.catchingUp) {
          // The member ahead of us is on another branch: nothing to catch up to there.
          this.finishCatchUp(`sync source ${source} diverged from our oplog`);
          return;
        }
        // Roll back only to follow a primary: its oplog holds every majority-committed entry, so
        // nothing committed is undone. A diverged secondary is just not a usable sync source.
        if ((reply.$replData as Document | undefined)?.isPrimary !== true) {
          this.denylistSyncSource(source, 'our last optime is not in its oplog and it is not primary');
          return;
        }
        await this.rollback(source, alive);
        return;
      }
      entries = entries.slice(1);
    }
    this.applyBatch(entries, entries.length < batchSize - 1);
    let cursorId = asBigInt(cursor.id);
    while (alive() && this.wantsToFetch() && this.syncSourceValue === source) {
      if (cursorId === 0n) return;
      const maxTimeMS = Math.max(1, Math.floor(this.electionTimeoutMillis / 2));
      const more = await this.ports.send(
        source,
        'local',
        { getMore: Long.fromBigInt(cursorId), collection: 'oplog.rs', batchSize, maxTimeMS, term: Long.fromNumber(this.term), lastKnownCommittedOpTime: opTimeToBson(this.commitPointValue) },
        maxTimeMS + this.electionTimeoutMillis,
      );
      if (!alive()) return;
      if (more.ok !== 1) throw new Error(`getMore on ${source} failed: ${String(more.errmsg)}`);
      const data = this.processFetchMetadata(more, source);
      const moreCursor = more.cursor as Document;
      const batch = (moreCursor.nextBatch as Document[]).map(entryFromBson);
      this.applyBatch(batch, batch.length < batchSize);
      // Keep-alive: the sync source hears from us at least every half election timeout.
      this.scheduleUpdatePosition();
      cursorId = asBigInt(moreCursor.id);
      if (this.shouldChangeSyncSource(source, data)) return;
      if (this.catchingUp) {
        const m = this.members.get(source);
        if (!m || compareOpTime(m.applied, this.lastApplied) <= 0) return;
      }
    }
  }

  private processFetchMetadata(reply: Document, source: string): Document {
    const data = (reply.$replData ?? {}) as Document;
    this.processReplData(data, source);
    const m = this.members.get(source);
    if (m) m.lastContactMillis = this.now();
    if (Number(data.primaryIndex ?? -1) >= 0 && Number(data.term ?? -1) === this.term && this.stateCode === MemberState.SECONDARY) {
      this.resetElectionTimer();
    }
    return data;
  }

  private shouldChangeSyncSource(source: string, data: Document): boolean {
    const m = this.members.get(source);
    if (!m || m.health === 0) return true;
    if (data.isPrimary !== true) {
      if (m.syncSource === this.self) {
        this.log('I', 'REPL', LogIds.syncSourceSyncsFromUs, { syncSource: source });
        return true;
      }
      const primaryHost = this.primaryHost;
      const primary = primaryHost ? this.members.get(primaryHost) : undefined;
      if (primary && primary !== m && primary.health === 1) {
        const lagSecs = tsSecs(primary.applied.ts) - tsSecs(m.applied.ts);
        if (primary.applied.t > m.applied.t || lagSecs > this.params.maxSyncSourceLagSecs) {
          this.log('I', 'REPL', LogIds.syncSourceBehindPrimary, { syncSource: source, primary: primaryHost, lagSecs });
          return true;
        }
      }
    }
    if (data.isPrimary !== true && Number(data.syncSourceIndex ?? -1) < 0) {
      const primary = this.primaryHost;
      if (primary && primary !== source && primary !== this.self) {
        this.log('I', 'REPL', LogIds.syncSourceNotPrimaryWithoutSource, { syncSource: source });
        return true;
      }
    }
    return false;
  }

  private applyBatch(entries: OplogEntry[], caughtUp: boolean): void {
    if (entries.length > 0) {
      const last = this.persisted.oplog.last();
      let prev = last ? entryOpTime(last) : NULL_OPTIME;
      for (const e of entries) {
        if (!(e.ts > prev.ts) || compareOpTime(e, prev) <= 0) {
          throw new Error(`oplog batch out of order: ${formatOpTime(e)} after ${formatOpTime(prev)}`);
        }
        prev = e;
      }
      this.ports.storage.applyOps(entries);
      for (const e of entries) this.persisted.oplog.append(e);
      this.ports.persistence?.oplogAppended(entries, true);
      this.capOplog();
      for (const wake of [...this.oplogWaiters]) wake();
      this.scheduleUpdatePosition();
    }
    if (this.stateCode === MemberState.STARTUP2 && caughtUp && this.persisted.oplog.length > 0) {
      this.log('I', 'INITSYNC', LogIds.initialSyncDone, { lastApplied: formatOpTime(this.lastApplied) });
      this.setState(MemberState.SECONDARY, 'initial sync done');
      this.resetElectionTimer();
      this.scheduleUpdatePosition();
    }
    if (this.catchingUp) this.checkCatchUp();
  }

  // ---------------------------------------------------------------- rollback

  private async rollback(source: string, alive: () => boolean): Promise<void> {
    const oplog = this.persisted.oplog;
    const last = oplog.last()!;
    // Walk both oplogs backwards to the newest entry they share.
    let reply = await this.ports.send(source, 'local', { find: 'oplog.rs', filter: { ts: { $lte: tsToBson(last.ts) } }, sort: { $natural: -1 }, batchSize: 1000 }, this.electionTimeoutMillis);
    if (!alive()) return;
    if (reply.ok !== 1) throw new Error(`rollback: find on ${source} failed: ${String(reply.errmsg)}`);
    let batch = ((reply.cursor as Document).firstBatch as Document[]).map(entryFromBson);
    if (batch.length === 0) {
      // Its oplog starts after our last entry: it has rolled over past us.
      this.log('E', 'REPL', LogIds.tooStaleForSyncSource, { syncSource: source, lastApplied: formatOpTime(this.lastApplied) });
      this.electionTimer?.cancel();
      this.electionTimer = undefined;
      this.setState(MemberState.RECOVERING, `too stale to sync from ${source}`);
      this.stopFetcher();
      return;
    }
    this.log('I', 'ROLLBACK', LogIds.transitionToRollback, { syncSource: source });
    this.electionTimer?.cancel();
    this.electionTimer = undefined;
    this.setState(MemberState.ROLLBACK, `diverged from ${source}`);
    try {
      let cursorId = asBigInt((reply.cursor as Document).id);
      let i = oplog.length - 1;
      let j = 0;
      let common = -1;
      let scanned = 0;
      while (i >= 0) {
        if (j >= batch.length) {
          if (cursorId === 0n) break;
          reply = await this.ports.send(source, 'local', { getMore: Long.fromBigInt(cursorId), collection: 'oplog.rs', batchSize: 1000 }, this.electionTimeoutMillis);
          if (!alive()) return;
          if (reply.ok !== 1) throw new Error(`rollback: getMore on ${source} failed: ${String(reply.errmsg)}`);
          batch = ((reply.cursor as Document).nextBatch as Document[]).map(entryFromBson);
          cursorId = asBigInt((reply.cursor as Document).id);
          j = 0;
          if (batch.length === 0) break;
          continue;
        }
        if (++scanned > this.params.rollbackEntriesMax) throw new Error(`rollback: no common point within ${this.params.rollbackEntriesMax} entries`);
        const mine = oplog.at(i)!;
        const theirs = batch[j]!;
        if (theirs.ts > mine.ts) j++;
        else if (mine.ts > theirs.ts) i--;
        else if (mine.t === theirs.t) {
          common = i;
          break;
        } else {
          i--;
          j++;
        }
      }
      if (common < 0) {
        this.log('F', 'ROLLBACK', LogIds.rollbackNoCommonPoint, { syncSource: source });
        this.setState(MemberState.RECOVERING, 'rollback found no common point');
        this.stopFetcher();
        return;
      }
      const commonPoint = entryOpTime(oplog.at(common)!);
      if (compareOpTime(commonPoint, this.commitPointValue) < 0) {
        this.log('F', 'ROLLBACK', LogIds.rollbackPastCommitPoint, { commonPoint: formatOpTime(commonPoint), commitPoint: formatOpTime(this.commitPointValue) });
      }
      const undone = oplog.truncateAfter(common);
      const documents = this.ports.storage.undo(undone);
      const undoneOpTimes = undone.map(entryOpTime).reverse();
      this.persisted.rbid++;
      const file: RollbackFile = { atMillis: this.now(), commonPoint, undone: undoneOpTimes, documents };
      this.persisted.rollbackFiles.push(file);
      if (this.persisted.rollbackFiles.length > this.params.rollbackFilesMax) this.persisted.rollbackFiles.shift();
      this.ports.persistence?.rolledBack(commonPoint, file, this.persisted);
      for (const [id, c] of this.oplogCursors) if (c.generation !== oplog.generation) this.oplogCursors.delete(id);
      for (const wake of [...this.oplogWaiters]) wake();
      this.log('I', 'ROLLBACK', LogIds.rollbackSummary, {
        commonPoint: formatOpTime(commonPoint),
        entriesRolledBack: undone.length,
        documentsWrittenToRollbackFiles: documents.length,
        syncSource: source,
      });
      this.emit({ type: 'rollback', commonPoint, undone: undoneOpTimes, documents: documents.map((d) => ({ ns: d.ns, op: d.op, doc: d.doc })) });
    } finally {
      if (this.stateCode === MemberState.ROLLBACK) {
        this.setState(MemberState.SECONDARY, 'rollback finished');
        this.resetElectionTimer();
        this.scheduleUpdatePosition();
      }
    }
  }

  // ---------------------------------------------------------------- status

  /** Wait until the topology version counter passes `counter`, or `maxAwaitMillis` runs out. */
  awaitTopologyChange(counter: number, maxAwaitMillis: number, signal?: AbortSignal): Promise<void> {
    if (this.topologyCounter !== counter || this.stopped) return Promise.resolve();
    if (this.topologyWaiters.size >= this.params.topologyWaitersMax) return Promise.resolve();
    return new Promise((resolve) => {
      let finished = false;
      const done = (): void => {
        if (finished) return;
        finished = true;
        this.topologyWaiters.delete(done);
        timer.cancel();
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = this.setTimer(maxAwaitMillis, done);
      this.topologyWaiters.add(done);
      signal?.addEventListener('abort', done);
    });
  }

  /** replSetGetStatus reply (without ok). */
  /**
   * Each other member of the config as this one's heartbeats see it, as plain values: what a live
   * view needs of `status()` without building its BSON document.
   */
  peerViews(): PeerView[] {
    const config = this.persisted.config;
    if (!config) return [];
    const peers: PeerView[] = [];
    for (const mc of config.members) {
      const m = mc.host === this.self ? undefined : this.members.get(mc.host);
      if (!m) continue;
      peers.push({
        host: mc.host,
        health: m.health,
        state: m.health === 1 ? m.state : m.health === 0 ? MemberState.DOWN : MemberState.UNKNOWN,
        lastHeartbeatRecvMillis: m.lastHeartbeatRecvMillis,
        pingMs: m.pingMs,
      });
    }
    return peers;
  }

  status(): Document {
    const setName = this.requireReplSet();
    const config = this.persisted.config;
    if (!config) throw serverError('NotYetInitialized', 'no replset config has been received');
    void setName;
    const now = this.now();
    const applied = this.lastApplied;
    const appliedWall = new Date(this.lastAppliedWallMillis);
    const members: Document[] = [];
    for (const mc of config.members) {
      if (mc.host === this.self) {
        const doc: Document = {
          _id: mc._id,
          name: mc.host,
          health: 1,
          state: this.stateCode,
          stateStr: this.state,
          uptime: this.uptimeSecs,
          optime: opTimeToBson(applied),
          optimeDate: new Date(tsSecs(applied.ts) * 1000),
          lastAppliedWallTime: appliedWall,
          lastDurableWallTime: appliedWall,
          syncSourceHost: this.syncSourceValue ?? '',
          syncSourceId: this.syncSourceValue ? (this.members.get(this.syncSourceValue)?.config._id ?? -1) : -1,
          infoMessage: '',
          configVersion: config.version,
          configTerm: config.term,
          self: true,
          lastHeartbeatMessage: '',
        };
        if (this.stateCode === MemberState.PRIMARY && this.electionTimeTs !== undefined) {
          doc.electionTime = tsToBson(this.electionTimeTs);
          doc.electionDate = new Date(tsSecs(this.electionTimeTs) * 1000);
        }
        members.push(doc);
        continue;
      }
      const m = this.members.get(mc.host)!;
      const up = m.health === 1;
      const doc: Document = {
        _id: mc._id,
        name: mc.host,
        health: up ? 1 : 0,
        state: up ? m.state : m.health === 0 ? MemberState.DOWN : MemberState.UNKNOWN,
        stateStr: up ? stateName(m.state) : m.health === 0 ? '(not reachable/healthy)' : 'UNKNOWN',
        uptime: up ? Math.floor((now - m.upSinceMillis) / 1000) : 0,
        optime: opTimeToBson(m.applied),
        optimeDurable: opTimeToBson(m.durable),
        optimeDate: new Date(tsSecs(m.applied.ts) * 1000),
        optimeDurableDate: new Date(tsSecs(m.durable.ts) * 1000),
        lastAppliedWallTime: new Date(m.appliedWallMillis),
        lastDurableWallTime: new Date(m.appliedWallMillis),
        lastHeartbeat: new Date(m.lastHeartbeatMillis),
        lastHeartbeatRecv: new Date(m.lastHeartbeatRecvMillis),
        pingMs: Long.fromNumber(m.pingMs),
        lastHeartbeatMessage: m.lastHeartbeatMessage,
        syncSourceHost: up ? m.syncSource : '',
        syncSourceId: up && m.syncSource ? (config.members.find((c) => c.host === m.syncSource)?._id ?? -1) : -1,
        infoMessage: '',
        configVersion: m.configVersion,
        configTerm: m.configTerm,
      };
      if (up && m.state === MemberState.PRIMARY && m.electionTimeTs !== undefined) {
        doc.electionTime = tsToBson(m.electionTimeTs);
        doc.electionDate = new Date(tsSecs(m.electionTimeTs) * 1000);
      }
      members.push(doc);
    }
    const voting = config.members.filter((m) => m.votes > 0);
    return {
      set: config._id,
      date: new Date(now),
      myState: this.stateCode,
      term: Long.fromNumber(this.term),
      syncSourceHost: this.syncSourceValue ?? '',
      syncSourceId: this.syncSourceValue ? (this.members.get(this.syncSourceValue)?.config._id ?? -1) : -1,
      heartbeatIntervalMillis: Long.fromNumber(config.settings.heartbeatIntervalMillis),
      majorityVoteCount: votingMajority(config),
      writeMajorityCount: writeMajority(config),
      votingMembersCount: voting.length,
      writableVotingMembersCount: voting.filter((m) => !m.arbiterOnly).length,
      optimes: {
        lastCommittedOpTime: opTimeToBson(this.commitPointValue),
        lastCommittedWallTime: new Date(this.wallOf(this.commitPointValue)),
        readConcernMajorityOpTime: opTimeToBson(this.commitPointValue),
        appliedOpTime: opTimeToBson(applied),
        durableOpTime: opTimeToBson(applied),
        lastAppliedWallTime: appliedWall,
        lastDurableWallTime: appliedWall,
      },
      ...(this.candidateMetrics && this.stateCode === MemberState.PRIMARY ? { electionCandidateMetrics: { ...this.candidateMetrics } } : {}),
      ...(this.participantMetrics ? { electionParticipantMetrics: { ...this.participantMetrics } } : {}),
      members,
    };
  }

  private wallOf(o: OpTime): number {
    const i = this.persisted.oplog.indexOf(o);
    return i >= 0 ? this.persisted.oplog.at(i)!.wallMillis : 0;
  }

  /** replSetGetConfig reply (without ok). */
  configDocument(): Document {
    this.requireReplSet();
    const config = this.persisted.config;
    if (!config) throw serverError('NotYetInitialized', 'no replset config has been received');
    return { config: configToDocument(config) };
  }

  /** Members as SDAM sees them: hosts, passives, arbiters. */
  topologyLists(): { hosts: string[]; passives: string[]; arbiters: string[] } {
    const config = this.persisted.config;
    const hosts: string[] = [];
    const passives: string[] = [];
    const arbiters: string[] = [];
    for (const m of config?.members ?? []) {
      if (m.hidden) continue;
      if (m.arbiterOnly) arbiters.push(m.host);
      else if (m.priority === 0) passives.push(m.host);
      else hosts.push(m.host);
    }
    return { hosts, passives, arbiters };
  }
}


/** A cursor id as a bigint, whether it arrived as Long, number or bigint. */
export function asBigInt(value: unknown): bigint {
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number') return BigInt(Math.trunc(value));
  if (value instanceof Long) return value.toBigInt();
  throw new TypeError(`expected a cursor id, got ${String(value)}`);
}

function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
