import { ReplMetrics, ReplOpCounters } from './replOpCounters';
import { ObjectId } from 'bson';
import type { Binary, Document } from 'bson';
import { serverError } from '../base/errors';
import type { OpTime } from '../base/optime';
import { LogIds } from '../log/ids';
import type { Oplog, OplogOp } from '../storage/oplog';
import type { MemberConfig, ReplSetConfig } from './config';
import type { ReplContext, ReplPorts } from './context';
import { describeError } from './context';
import { Heartbeats } from './heartbeats';
import { OplogFetcher } from './oplogFetcher';
import { OplogServer } from './oplogServer';
import type { ReplParameters, WriteConcern } from './parameters';
import { DEFAULT_REPL_PARAMETERS } from './parameters';
import type { PersistedReplState } from './persisted';
import { PositionReporter } from './positionReporter';
import { initiate, reconfig, removeNewlyAdded } from './reconfig';
import { MemberState } from './state';
import type { MemberStateName } from './state';
import { Timers, WakeList } from './timers';
import type { SignalSource } from './timers';
import type { Action, Candidacy } from './topology/actions';
import type { MemberIdentity } from './topology/core';
import type { PeerView } from './topology/status';
import { Topology } from './topology/topology';
import { requestVotes } from './voteRequester';
import { WriteConcernWaiters } from './writeConcern';
import type { CursorReport } from '../base/cursorActivity';

export { DEFAULT_REPL_PARAMETERS, DEFAULT_OPLOG_BYTES_MAX, MIB_BYTES, type LogSeverity, type ReplParameters, type WriteConcern } from './parameters';
export { implicitDefaultWriteConcern } from './writeConcern';
export { copyPersistedReplState, newPersistedReplState, type PersistedReplState, type ReplPersistence, type RollbackFile } from './persisted';
export type { ReplPorts } from './context';
export type { PeerView } from './topology/status';
export { asBigInt } from './oplogServer';

export interface ReplCoordinatorOptions extends MemberIdentity {
  ports: ReplPorts;
  parameters?: Partial<ReplParameters>;
}

/**
 * MongoDB's replication coordinator, protocol version 1, as a thin shell around the topology core
 * (topology/): it applies the core's actions — sends, timers, persistence, waking waiters — and
 * steps the core with what comes back. The I/O parts are heartbeats, voteRequester, oplogFetcher
 * (with applier and rollback), oplogServer, positionReporter, writeConcern and reconfig. All I/O
 * goes through `ports`, so a virtual clock and network make every run reproducible.
 */
export class ReplCoordinator {
  readonly params: ReplParameters;
  readonly processId: ObjectId;
  private readonly ports: ReplPorts;
  private readonly topology: Topology;
  private readonly timers: Timers;
  private readonly ctx: ReplContext;
  private readonly heartbeats: Heartbeats;
  private readonly positions: PositionReporter;
  private readonly fetcher: OplogFetcher;
  private readonly oplogServer: OplogServer;
  private readonly writeConcern: WriteConcernWaiters;
  /** serverStatus().opcountersRepl: what this member applied of its sync source's oplog, since it started. */
  readonly replOpCounters = new ReplOpCounters();
  /** serverStatus().metrics.repl: batches applied and getMores fetched, since it started. */
  readonly replMetrics = new ReplMetrics();
  private readonly topologyWaiters = new WakeList();
  private readonly electionWaiters = new Map<Candidacy, ((won: boolean) => void)[]>();
  private readonly startMillis: number;
  private stopped = false;
  /** A replSetInitiate or replSetReconfig installing its config (mongod's kConfigInitiating / kConfigReconfiguring). */
  private configChange: 'initiating' | 'reconfiguring' | undefined;

  constructor(options: ReplCoordinatorOptions) {
    this.ports = options.ports;
    this.params = { ...DEFAULT_REPL_PARAMETERS, ...options.parameters };
    const persistence = options.ports.persistence;
    this.topology = new Topology(
      {
        self: options.self,
        selfAliases: options.selfAliases,
        replSetName: options.replSetName,
        seeds: options.seeds,
        persisted: options.persisted,
        params: this.params,
        env: {
          now: () => options.ports.clock.now(),
          random: options.ports.random,
          ...(persistence ? { durableOpTime: () => persistence.durableOpTime() } : {}),
        },
      },
      (actions) => this.apply(actions),
    );
    this.timers = new Timers(options.ports.clock);
    this.ctx = { topology: this.topology, timers: this.timers, ports: this.ports, params: this.params, replOpCounters: this.replOpCounters, replMetrics: this.replMetrics, stopped: () => this.stopped };
    this.processId = ObjectId.createFromHexString(this.ports.random.hex(12));
    this.oplogServer = new OplogServer(this.ctx, BigInt(this.ports.random.int(1, 2 ** 30)) * 1000n);
    this.heartbeats = new Heartbeats(this.ctx);
    this.positions = new PositionReporter(this.ctx);
    this.fetcher = new OplogFetcher(this.ctx, this.positions);
    this.writeConcern = new WriteConcernWaiters(this.ctx);
    this.startMillis = this.ports.clock.now();
  }

  // ---------------------------------------------------------------- applying the core's actions

  private apply(actions: readonly Action[]): void {
    for (const action of actions) {
      switch (action.kind) {
        case 'emit':
          this.ports.emit(action.event);
          break;
        case 'log':
          this.ports.log(action.severity, action.component, action.line, action.attr);
          break;
        case 'persistReplState':
          this.ports.persistence?.replStateChanged(action.what, this.topology.persisted);
          break;
        case 'persistOplog':
          this.ports.persistence?.oplogAppended(action.entries, action.fromSyncSource);
          break;
        case 'persistRollback':
          this.ports.persistence?.rolledBack(action.commonPoint, action.file, this.topology.persisted);
          break;
        case 'topologyChanged':
          this.topologyWaiters.wakeAll();
          break;
        case 'oplogChanged':
          this.oplogServer.oplogChanged(action.rolledBack);
          break;
        case 'commitPointChanged':
          this.oplogServer.wakeAll();
          break;
        case 'setTimer': {
          const timer = action.timer;
          this.timers.arm(timer, action.delayMillis, () => void this.topology.timerFired(timer));
          break;
        }
        case 'cancelTimer':
          this.timers.cancel(action.timer);
          break;
        case 'electSoon': {
          const { reason, skipDryRun } = action;
          this.timers.set(0, () => void this.topology.startElection(reason, skipDryRun));
          break;
        }
        case 'requestVotes': {
          const round = action.round;
          void requestVotes(this.ctx, round).then(() => this.topology.voteRoundComplete(round));
          break;
        }
        case 'electionFinished': {
          const waiters = this.electionWaiters.get(action.candidacy);
          this.electionWaiters.delete(action.candidacy);
          for (const resolve of waiters ?? []) resolve(action.won);
          break;
        }
        case 'scheduleHeartbeat':
          this.heartbeats.schedule(action.host, action.delayMillis);
          break;
        case 'forgetMember':
          this.heartbeats.forget(action.host);
          break;
        case 'fetchConfig':
          this.heartbeats.fetchConfig(action.from);
          break;
        case 'startFetcher':
          this.fetcher.start();
          break;
        case 'stopFetcher':
          this.fetcher.stop();
          break;
        case 'reportPosition':
          this.positions.schedule();
          break;
        case 'checkWriteConcern':
          this.writeConcern.check();
          break;
        case 'failWriteConcern':
          this.writeConcern.failAll(action.error);
          break;
        case 'requestStepUp':
          this.requestStepUp(action.to);
          break;
        case 'removeNewlyAdded': {
          const { memberId, version, term } = action;
          this.timers.set(0, () => void this.removeNewlyAdded(memberId, version, term));
          break;
        }
        case 'abort':
          this.ports.abort(action.reason);
          return;
      }
    }
  }

  private requestStepUp(target: string): void {
    this.ports.send(target, 'admin', { replSetStepUp: 1, skipDryRun: true }, this.topology.electionTimeoutMillis).then(
      (reply) => {
        if (reply.ok !== 1) this.ports.log('I', 'REPL', LogIds.stepUpRequestFailed, { target, error: reply.errmsg });
      },
      (error: unknown) => {
        // A hint only: without it the target still stands once its election timeout passes.
        this.ports.log('I', 'REPL', LogIds.stepUpRequestFailed, { target, error: describeError(error) });
      },
    );
  }

  // ---------------------------------------------------------------- lifecycle and accessors

  /** This member's name: as the config lists it once it is in one, else as it was started. */
  get self(): string {
    return this.topology.self;
  }

  /** Whether `host` (normalized) names this member. */
  isSelf(host: string): boolean {
    return this.topology.isSelf(host);
  }

  get replSetName(): string | undefined {
    return this.topology.replSetName;
  }

  get seeds(): readonly string[] {
    return this.topology.seeds;
  }

  get persisted(): PersistedReplState {
    return this.topology.persisted;
  }

  /** Load persisted config and begin; call once. */
  start(): void {
    this.topology.start();
  }

  /** Stop everything at once (kill or shutdown); pending waits resolve with errors. */
  stop(reason: 'kill' | 'shutdown'): void {
    if (this.stopped) return;
    this.stopped = true;
    this.topology.stop();
    this.timers.stopAll();
    this.fetcher.stop();
    // After a kill nobody hears these answers (the connections are reset); after a shutdown they are mongod's.
    void reason;
    this.writeConcern.failAll(serverError('InterruptedAtShutdown', 'interrupted at shutdown').toWriteConcernError());
    this.topologyWaiters.wakeAll();
    this.oplogServer.wakeAll();
  }

  get isStopped(): boolean {
    return this.stopped;
  }

  get state(): MemberStateName {
    return this.topology.state;
  }

  get stateNumber(): number {
    return this.topology.stateNumber;
  }

  get term(): number {
    return this.topology.term;
  }

  get config(): ReplSetConfig | undefined {
    return this.topology.config;
  }

  get oplog(): Oplog {
    return this.topology.oplog;
  }

  get commitPoint(): OpTime {
    return this.topology.commitPoint;
  }

  /** The oplog's size cap in bytes: as created (--oplogSize, else 990 MB) or resized by replSetResizeOplog. */
  get oplogSizeBytes(): number {
    return this.topology.oplogSizeBytes;
  }

  /** This member's own UUIDs of local.oplog.rs and local.system.replset, once it has a config. */
  localCollectionUuid(name: string): Binary | undefined {
    return this.topology.persisted.localUuids[name];
  }

  get syncSource(): string | null {
    return this.topology.syncSource;
  }

  get lastApplied(): OpTime {
    return this.topology.lastApplied;
  }

  /** The newest optime on disk: lastApplied without a journal. */
  get lastDurable(): OpTime {
    return this.topology.lastDurable;
  }

  /** The journal made more of the oplog durable: a secondary tells its sync source. */
  journalFlushed(): void {
    if (this.stopped || this.topology.stateNumber === MemberState.PRIMARY || !this.topology.config) return;
    this.positions.schedule();
  }

  get lastAppliedWallMillis(): number {
    return this.topology.lastAppliedWallMillis;
  }

  get topologyVersionCounter(): number {
    return this.topology.topologyVersionCounter;
  }

  get isWritablePrimary(): boolean {
    return this.topology.isWritablePrimary;
  }

  /** Primary, not stepping down, not taking writes yet (catch-up): hello says secondary. */
  get isPrimaryNotYetWritable(): boolean {
    return this.topology.isPrimaryNotYetWritable;
  }

  get electionTimeMillis(): number | undefined {
    return this.topology.electionTimeMillis;
  }

  get electionTimestamp(): number | undefined {
    return this.topology.electionTimestamp;
  }

  get frozenUntil(): number {
    return this.topology.frozenUntil;
  }

  /** When this member's election timer fires next (for the UI countdown), if armed. */
  get electionTimeoutDueMillis(): number | undefined {
    return this.topology.electionTimeoutDueMillis;
  }

  get uptimeSecs(): number {
    return Math.floor((this.ports.clock.now() - this.startMillis) / 1000);
  }

  get selfConfig(): MemberConfig | undefined {
    return this.topology.selfConfig;
  }

  /** Host the member believes is primary (itself included), or undefined. */
  get primaryHost(): string | undefined {
    return this.topology.primaryHost;
  }

  /** Known views of the other members (for status and tests). */
  memberView(host: string): Readonly<{ health: number; state: MemberStateName; applied: OpTime; pingMs: number }> | undefined {
    return this.topology.memberView(host);
  }

  // ---------------------------------------------------------------- commands

  /** replSetInitiate, with a config document or (undefined) self plus seeds; one at a time ("already initialized"). */
  async initiate(configDoc: Document | undefined): Promise<Document> {
    if (this.configChange) throw serverError('AlreadyInitialized', 'already initialized');
    this.configChange = 'initiating';
    try {
      return await initiate(this.ctx, configDoc);
    } finally {
      this.configChange = undefined;
    }
  }

  /**
   * replSetReconfig: version must grow; only a writable primary (unless force). While an initiate
   * or another reconfig is installing its config (its quorum check), ConfigurationInProgress, as
   * _doReplSetReconfig answers in kConfigInitiating/kConfigReconfiguring; the wait for the new
   * config to be committed comes after, with no config change in progress (a reconfig then gets
   * CurrentConfigNotCommittedYet).
   */
  async reconfig(configDoc: Document, force: boolean, maxTimeMS?: number): Promise<Document> {
    if (this.configChange) {
      throw serverError('ConfigurationInProgress', 'Cannot run replSetReconfig because the node is currently updating its configuration');
    }
    this.configChange = 'reconfiguring';
    let installing = true;
    try {
      return await reconfig(this.ctx, configDoc, force, maxTimeMS, () => {
        installing = false;
        this.configChange = undefined;
      });
    } finally {
      if (installing) this.configChange = undefined;
    }
  }

  /**
   * The automatic reconfig removing a newlyAdded mark: a safe reconfig like any other, so it waits
   * its turn (_doReplSetReconfig answers ConfigurationInProgress while another config change
   * installs its config; the attempt is logged as failed and the next heartbeat retries).
   */
  private async removeNewlyAdded(memberId: number, version: number, term: number): Promise<void> {
    if (this.stopped) return;
    if (this.configChange) {
      this.ports.log('D1', 'REPL', LogIds.newlyAddedRemovalFailed, {
        memberId,
        error: 'ConfigurationInProgress: Cannot run replSetReconfig because the node is currently updating its configuration',
      });
      return;
    }
    this.configChange = 'reconfiguring';
    try {
      await removeNewlyAdded(this.ctx, memberId, version, term);
    } finally {
      this.configChange = undefined;
    }
  }

  /** replSetHeartbeat from a peer. */
  processHeartbeat(cmd: Document): Document {
    return this.topology.receiveHeartbeat(cmd);
  }

  /** replSetRequestVotes from a candidate. */
  processRequestVotes(cmd: Document): Document {
    return this.topology.requestVotes(cmd);
  }

  /** replSetUpdatePosition from a member syncing from us. */
  processUpdatePosition(cmd: Document): Document {
    this.topology.updatePosition(cmd);
    return { ok: 1, $replData: this.topology.replData() };
  }

  /** Stand for election now (a dry run first unless skipped); resolves with whether this member won. */
  runElection(reason: string, skipDryRun: boolean): Promise<boolean> {
    const candidacy = this.topology.startElection(reason, skipDryRun);
    if (!candidacy) return Promise.resolve(false);
    return new Promise((resolve) => {
      const waiters = this.electionWaiters.get(candidacy) ?? [];
      waiters.push(resolve);
      this.electionWaiters.set(candidacy, waiters);
    });
  }

  /** replSetStepDown: wait up to secondaryCatchUpPeriodSecs for an electable secondary to catch up, then step down and hand off. */
  async stepDown(stepDownSecs: number, secondaryCatchUpPeriodSecs: number, force: boolean): Promise<void> {
    const topology = this.topology;
    const deadline = topology.beginStepDown(stepDownSecs, secondaryCatchUpPeriodSecs);
    try {
      let target = topology.caughtUpElectable();
      while (!target && this.timers.now() < deadline && topology.stateNumber === MemberState.PRIMARY && !this.stopped) {
        await this.timers.sleep(Math.min(100, deadline - this.timers.now()));
        target = topology.caughtUpElectable();
      }
      topology.completeStepDown(target, stepDownSecs, force);
    } finally {
      topology.endStepDownAttempt();
    }
  }

  /** replSetStepUp: stand for election now. */
  async stepUp(skipDryRun: boolean): Promise<void> {
    this.topology.checkStepUp();
    const won = await this.runElection(skipDryRun ? 'stepUpRequestSkipDryRun' : 'stepUpRequest', skipDryRun);
    if (!won) throw serverError('CommandFailed', 'Election failed.');
  }

  /** replSetSyncFrom: the next sync source is `target` (taken at the fetcher's next batch). */
  syncFrom(target: string): Document {
    return { ...this.topology.prepareSyncFrom(target), ok: 1 };
  }

  /** replSetFreeze. */
  freeze(secs: number): Document {
    return this.topology.freeze(secs);
  }

  // ---------------------------------------------------------------- writes and write concern

  /** Throw NotWritablePrimary unless this member takes writes for `db` now. */
  checkCanAcceptWrites(db: string): void {
    this.topology.checkCanAcceptWrites(db);
  }

  /**
   * Throw unless reads are allowed: a primary always; a secondary only with secondaryOk;
   * other states never (NotPrimaryOrSecondary).
   */
  checkCanServeReads(db: string, secondaryOk: boolean): void {
    this.topology.checkCanServeReads(db, secondaryOk);
  }

  /** A writable primary records the writes it made; returns the optime of the last one. */
  logOps(ops: readonly OplogOp[]): OpTime {
    return this.topology.logOps(ops);
  }

  /** replSetResizeOplog: a new oplog size (bytes) and/or minimum retention for this member only; returns both as they now are. */
  resizeOplog(change: { sizeBytes?: number; minRetentionHours?: number }): { sizeBytes: number; minRetentionHours: number } {
    return this.topology.resizeOplog(change);
  }

  /**
   * Wait for `opTime` to satisfy the write concern. Resolves with undefined when satisfied, or
   * with the `writeConcernError` document mongod would send.
   */
  waitForWriteConcern(opTime: OpTime, wc: WriteConcern | undefined, signal?: AbortSignal): Promise<Document | undefined> {
    return this.writeConcern.wait(opTime, wc, signal);
  }

  /** How many writes wait for their write concern now. */
  get writeConcernWaiterCount(): number {
    return this.writeConcern.size;
  }

  // ---------------------------------------------------------------- oplog serving

  /** `find` on local.oplog.rs: forward from a ts (tailable) or backwards ($natural: -1). */
  oplogFind(cmd: Document): Document {
    return this.oplogServer.find(cmd);
  }

  /** The open oplog cursors, for $currentOp. */
  oplogCursorReports(): CursorReport[] {
    return this.oplogServer.reports();
  }

    /** `getMore` on an oplog cursor; a tailable awaitData cursor waits up to maxTimeMS for entries. */
  oplogGetMore(cmd: Document, connection: SignalSource | undefined): Promise<Document> {
    return this.oplogServer.getMore(cmd, connection);
  }

  hasOplogCursor(id: bigint): boolean {
    return this.oplogServer.has(id);
  }

  killOplogCursor(id: bigint): boolean {
    return this.oplogServer.kill(id);
  }

  // ---------------------------------------------------------------- status

  /** Wait until the topology version counter passes `counter`, or `maxAwaitMillis` runs out. */
  awaitTopologyChange(counter: number, maxAwaitMillis: number, signal?: AbortSignal): Promise<void> {
    if (this.topology.topologyVersionCounter !== counter || this.stopped) return Promise.resolve();
    if (this.topologyWaiters.size >= this.params.topologyWaitersMax) return Promise.resolve();
    return this.topologyWaiters.wait(this.timers, maxAwaitMillis, signal);
  }

  /**
   * Each other member of the config as this one's heartbeats see it, as plain values: what a live
   * view needs of `status()` without building its BSON document.
   */
  peerViews(): PeerView[] {
    return this.topology.peerViews();
  }

  /** replSetGetStatus reply (without ok). */
  status(): Document {
    return this.topology.status(this.uptimeSecs);
  }

  /** The cursors other members and clients hold on local.oplog.rs (serverStatus().metrics.cursor). */
  oplogCursorCounts(): { open: number; totalOpened: number; timedOut: number } {
    return this.oplogServer.cursorCounts();
  }

  /** serverStatus({repl: 1}).repl.replicationProgress: each member's durable and applied optimes as this member knows them. */
  replicationProgress(): Document[] {
    return this.topology.replicationProgress();
  }

  /** serverStatus().electionMetrics: this process's election and catch-up counters. */
  electionMetrics(): Document {
    return this.topology.electionMetrics();
  }

  /**
   * replSetGetConfig reply (without ok); `commitmentStatus` (primary only) says whether the config
   * is committed; `includeNewlyAdded` keeps the newlyAdded marks (toBSON), else they are left out
   * (toBSONWithoutNewlyAdded).
   */
  configDocument(commitmentStatus = false, includeNewlyAdded = false): Document {
    const doc = this.topology.configDocument(includeNewlyAdded);
    if (!commitmentStatus) return doc;
    if (!this.topology.isWritablePrimary) throw serverError('NotWritablePrimary', 'commitmentStatus is only supported on primary.');
    return { ...doc, commitmentStatus: this.configCommitted };
  }

  /** Whether the current config is committed: what a safe reconfig waits for (awaitConfigCommitment). */
  get configCommitted(): boolean {
    return this.topology.configNotCommitted(true) === undefined;
  }

  /** Members as SDAM sees them: hosts, passives, arbiters. */
  topologyLists(): { hosts: string[]; passives: string[]; arbiters: string[] } {
    return this.topology.topologyLists();
  }
}
