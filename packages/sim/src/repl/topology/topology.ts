import type { Document } from 'bson';
import { serverError } from '../../base/errors';
import { tsSecs } from '../../base/optime';
import type { OpTime } from '../../base/optime';
import type { Oplog, OplogEntry, OplogOp } from '../../storage/oplog';
import type { RollbackFile } from '../../storage/replState';
import type { MemberConfig, ReplSetConfig, TagPattern } from '../config';
import type { PersistedReplState } from '../persisted';
import { MemberState, stateName } from '../state';
import type { MemberStateName } from '../state';
import type { Action, Candidacy, TimerName, VoteRound } from './actions';
import * as commit from './commitPoint';
import * as configChange from './configChange';
import * as core from './core';
import type { TopologyOptions, TopologyState } from './core';
import { TopologyState as State } from './core';
import * as election from './election';
import * as heartbeat from './heartbeat';
import type { HeartbeatRequest } from './heartbeat';
import { electionMetricsDocument } from './metrics';
import { logOps, oplogSizeBytes, resizeOplog } from './oplogWrite';
import * as primary from './primary';
import * as status from './status';
import type { PeerView } from './status';
import * as stepDown from './stepDown';
import * as syncSource from './syncSource';
import * as syncing from './syncing';
import * as votes from './votes';

/** Receives the actions of every decision, in order, as soon as the decision returns. */
export type ActionSink = (actions: readonly Action[]) => void;

/**
 * The topology core of one member: replication's state (member state, term, vote, config, what
 * it knows of the other members, commit point, sync source) and every decision about it. Each
 * decision is one step: a function of the state and one event (a heartbeat reply, a timer, a
 * vote request, a fetched batch...) that changes the state and hands its actions — send, persist,
 * arm a timer, wake a waiter, log — to the sink before the step returns. A step never waits, so
 * no I/O can land in the middle of one; the coordinator (coordinator.ts) applies the actions and
 * the I/O parts step the core again when their answers come (mongod's TopologyCoordinator; etcd
 * raft's `Step` and `Ready`).
 *
 * A command that first adopts a newer term and then decides (a vote request, a position update)
 * is two steps, so that what the first step's actions do is seen by the second.
 */
export class Topology {
  private readonly s: TopologyState;
  private readonly sink: ActionSink;

  constructor(options: TopologyOptions, sink: ActionSink) {
    this.s = new State(options);
    this.sink = sink;
  }

  private step<T>(decide: (s: TopologyState) => T): T {
    const outer = this.s.out;
    const out: Action[] = [];
    this.s.out = out;
    try {
      return decide(this.s);
    } finally {
      this.s.out = outer;
      if (out.length > 0) this.sink(out);
    }
  }

  // ---------------------------------------------------------------- reads

  get self(): string {
    return this.s.selfName;
  }

  isSelf(host: string): boolean {
    return core.isSelf(this.s, host);
  }

  get replSetName(): string | undefined {
    return this.s.replSetName;
  }

  get seeds(): readonly string[] {
    return this.s.seeds;
  }

  get persisted(): PersistedReplState {
    return this.s.persisted;
  }

  get isStopped(): boolean {
    return this.s.stopped;
  }

  get state(): MemberStateName {
    return stateName(this.s.stateCode);
  }

  get stateNumber(): number {
    return this.s.stateCode;
  }

  get term(): number {
    return this.s.persisted.term;
  }

  get config(): ReplSetConfig | undefined {
    return this.s.persisted.config;
  }

  get oplog(): Oplog {
    return this.s.persisted.oplog;
  }

  get commitPoint(): OpTime {
    return this.s.commitPoint;
  }

  /** The oplog's size cap in bytes (as created or resized, else --oplogSize's). */
  get oplogSizeBytes(): number {
    return oplogSizeBytes(this.s);
  }

  get syncSource(): string | null {
    return this.s.syncSource;
  }

  get lastApplied(): OpTime {
    return core.lastApplied(this.s);
  }

  get lastDurable(): OpTime {
    return core.lastDurable(this.s);
  }

  get lastAppliedWallMillis(): number {
    return core.lastAppliedWallMillis(this.s);
  }

  get topologyVersionCounter(): number {
    return this.s.topologyCounter;
  }

  get isWritablePrimary(): boolean {
    return core.isWritablePrimary(this.s);
  }

  /** Primary, not stepping down, not taking writes yet (catch-up): hello says secondary. */
  get isPrimaryNotYetWritable(): boolean {
    return core.isPrimaryNotYetWritable(this.s);
  }

  get electionTimestamp(): number | undefined {
    return this.s.electionTimeTs;
  }

  get electionTimeMillis(): number | undefined {
    return this.s.electionTimeTs === undefined ? undefined : tsSecs(this.s.electionTimeTs) * 1000;
  }

  get frozenUntil(): number {
    return this.s.frozenUntilMillis;
  }

  /** When the election timer fires next, while it is armed. */
  get electionTimeoutDueMillis(): number | undefined {
    return this.s.electionDueMillis;
  }

  get electionTimeoutMillis(): number {
    return core.electionTimeoutMillis(this.s);
  }

  get selfConfig(): MemberConfig | undefined {
    return core.selfConfig(this.s);
  }

  get primaryHost(): string | undefined {
    return core.primaryHost(this.s);
  }

  get isCatchingUp(): boolean {
    return this.s.catchUp !== undefined;
  }

  get wantsToFetch(): boolean {
    return core.wantsToFetch(this.s);
  }

  /** What this member last heard `host` has applied, if it is in the config. */
  memberApplied(host: string): OpTime | undefined {
    return this.s.members.get(host)?.applied;
  }

  memberView(host: string): ReturnType<typeof status.memberView> {
    return status.memberView(this.s, host);
  }

  peerViews(): PeerView[] {
    return status.peerViews(this.s);
  }

  status(uptimeSecs: number): Document {
    return status.status(this.s, core.now(this.s), uptimeSecs);
  }

  replicationProgress(): Document[] {
    return status.replicationProgress(this.s);
  }

  /** serverStatus().electionMetrics. */
  electionMetrics(): Document {
    return electionMetricsDocument(this.s);
  }

  configDocument(includeNewlyAdded: boolean): Document {
    return status.configDocument(this.s, includeNewlyAdded);
  }

  topologyLists(): { hosts: string[]; passives: string[]; arbiters: string[] } {
    return status.topologyLists(this.s);
  }

  replData(): Document {
    return status.replData(this.s);
  }

  oplogQueryData(): Document {
    return status.oplogQueryData(this.s);
  }

  requireReplSet(): string {
    return core.requireReplSet(this.s);
  }

  requireConfig(): ReplSetConfig {
    return core.requireConfig(this.s);
  }

  satisfied(opTime: OpTime, w: number | 'majority' | TagPattern): boolean {
    return commit.satisfied(this.s, opTime, w);
  }

  caughtUpElectable(): string | undefined {
    return stepDown.caughtUpElectable(this.s);
  }

  updatePositionCommand(): { target: string; command: Document } | undefined {
    return commit.updatePositionCommand(this.s);
  }

  configFetchCommand(): Document | undefined {
    return heartbeat.configFetchCommand(this.s);
  }

  heartbeatResponse(cmd: Document): Document {
    return heartbeat.heartbeatResponse(this.s, cmd);
  }

  checkBatchOrder(entries: readonly OplogEntry[]): void {
    syncing.checkBatchOrder(this.s, entries);
  }

  /** Throw NotWritablePrimary unless this member takes writes for `db` now. */
  checkCanAcceptWrites(db: string): void {
    if (db === 'local' || this.s.replSetName === undefined) return;
    if (!core.isWritablePrimary(this.s)) throw serverError('NotWritablePrimary', 'not primary');
  }

  /** A primary always serves reads; a secondary with secondaryOk; other states never (NotPrimaryOrSecondary). */
  checkCanServeReads(db: string, secondaryOk: boolean): void {
    if (db === 'local' || this.s.replSetName === undefined) return;
    if (this.s.stateCode === MemberState.PRIMARY) return;
    if (this.s.stateCode === MemberState.SECONDARY) {
      if (secondaryOk) return;
      throw serverError('NotPrimaryNoSecondaryOk', 'not primary and secondaryOk=false');
    }
    if (!this.s.persisted.config && secondaryOk) return;
    if (!this.s.persisted.config) throw serverError('NotPrimaryNoSecondaryOk', 'not primary and secondaryOk=false');
    throw serverError('NotPrimaryOrSecondary', 'node is not in primary or recovering state');
  }

  // ---------------------------------------------------------------- lifecycle and config

  start(): void {
    this.step((s) => configChange.startUp(s));
  }

  /** From now on nothing is decided to be done: a stopped member's timers and replies are dropped. */
  stop(): void {
    this.s.stopped = true;
  }

  prepareInitiate(configDoc: Document | undefined): { config: ReplSetConfig; defaultConfig: boolean } {
    return this.step((s) => configChange.prepareInitiate(s, configDoc));
  }

  commitInitiate(config: ReplSetConfig): void {
    this.step((s) => configChange.commitInitiate(s, config));
  }

  prepareReconfig(configDoc: Document, force: boolean): ReplSetConfig {
    return this.step((s) => configChange.prepareReconfig(s, configDoc, force));
  }

  commitReconfig(config: ReplSetConfig, force: boolean): void {
    this.step((s) => configChange.commitReconfig(s, config, force));
  }

  /** The automatic reconfig removing `memberId`'s newlyAdded mark, from config {version, configTerm}. */
  prepareNewlyAddedRemoval(memberId: number, version: number, configTerm: number): ReplSetConfig {
    return this.step((s) => configChange.prepareNewlyAddedRemoval(s, memberId, version, configTerm));
  }

  /**
   * awaitConfigCommitment's test: undefined once the current config is committed, else the error
   * message saying what is missing (`waited`: as after waiting for it, else as the reconfig's check).
   */
  configNotCommitted(waited: boolean): string | undefined {
    const missing = configChange.configCommitment(this.s);
    return missing ? configChange.configCommitmentMessage(this.s, missing, waited) : undefined;
  }

  // ---------------------------------------------------------------- heartbeats

  prepareHeartbeat(host: string): HeartbeatRequest | undefined {
    return this.step((s) => heartbeat.prepareHeartbeat(s, host));
  }

  heartbeatReply(host: string, reply: Document, sentAtMillis: number): void {
    this.step((s) => heartbeat.heartbeatReply(s, host, reply, sentAtMillis));
  }

  heartbeatFailed(host: string, message: string, reply: Document | undefined): void {
    this.step((s) => heartbeat.heartbeatFailed(s, host, message, reply));
  }

  /** replSetHeartbeat from a member: the decision, then the reply from the state it left. */
  receiveHeartbeat(cmd: Document): Document {
    this.step((s) => heartbeat.receiveHeartbeat(s, cmd));
    return heartbeat.heartbeatResponse(this.s, cmd);
  }

  configFetched(host: string, reply: Document): void {
    this.step((s) => heartbeat.configFetched(s, host, reply));
  }

  // ---------------------------------------------------------------- timers and elections

  /** One of the core's timers fired; an election it starts is returned. */
  timerFired(timer: TimerName): Candidacy | undefined {
    return this.step((s): Candidacy | undefined => {
      switch (timer) {
        case 'election':
          return election.electionTimerFired(s);
        case 'priorityTakeover':
          return election.priorityTakeoverFired(s);
        case 'catchUpTakeover':
          return election.catchUpTakeoverFired(s);
        case 'catchUp':
          primary.catchUpTimedOut(s);
          return undefined;
        case 'liveness':
          primary.livenessCheck(s);
          return undefined;
        case 'noop':
          primary.periodicNoop(s);
          return undefined;
      }
    });
  }

  startElection(reason: string, skipDryRun: boolean): Candidacy | undefined {
    return this.step((s) => election.startElection(s, reason, skipDryRun));
  }

  voteReply(round: VoteRound, from: string, reply: Document): void {
    this.step((s) => election.voteReply(s, round, from, reply));
  }

  voteFailed(round: VoteRound, from: string, error: string): void {
    this.step((s) => election.voteFailed(s, round, from, error));
  }

  voteRoundComplete(round: VoteRound): void {
    this.step((s) => election.voteRoundComplete(s, round));
  }

  /** replSetRequestVotes: a newer term first (its own step), then the vote. */
  requestVotes(cmd: Document): Document {
    this.step((s) => votes.voteRequestTerm(s, cmd));
    return this.step((s) => votes.castVote(s, cmd));
  }

  // ---------------------------------------------------------------- step-down, step-up, freeze

  beginStepDown(stepDownSecs: number, secondaryCatchUpPeriodSecs: number): number {
    return this.step((s) => stepDown.beginStepDown(s, stepDownSecs, secondaryCatchUpPeriodSecs));
  }

  completeStepDown(target: string | undefined, stepDownSecs: number, force: boolean): void {
    this.step((s) => stepDown.completeStepDown(s, target, stepDownSecs, force));
  }

  endStepDownAttempt(): void {
    this.step((s) => stepDown.endStepDownAttempt(s));
  }

  checkStepUp(): void {
    stepDown.checkStepUp(this.s);
  }

  freeze(secs: number): Document {
    return this.step((s) => stepDown.freeze(s, secs));
  }

  // ---------------------------------------------------------------- writes, terms, positions

  logOps(ops: readonly OplogOp[]): OpTime {
    return this.step((s) => logOps(s, ops));
  }

  /** replSetResizeOplog: this member's oplog size and minimum retention. */
  resizeOplog(change: { sizeBytes?: number; minRetentionHours?: number }): { sizeBytes: number; minRetentionHours: number } {
    return this.step((s) => resizeOplog(s, change));
  }

  /** A request carried `term` (oplog queries): adopt it if newer. */
  observeTerm(theirTerm: number, reason: string): void {
    this.step((s) => stepDown.updateTerm(s, theirTerm, reason));
  }

  /** replSetUpdatePosition: a newer term (its own step), then the positions. */
  updatePosition(cmd: Document): void {
    this.step((s) => commit.updatePositionTerm(s, cmd));
    this.step((s) => commit.updatePositions(s, cmd));
  }

  // ---------------------------------------------------------------- following a sync source

  chooseSyncSource(): string | null {
    return this.step((s) => syncSource.chooseSyncSource(s));
  }

  setSyncSource(host: string | null): void {
    this.step((s) => core.setSyncSource(s, host));
  }

  denylistSyncSource(host: string, reason: string): void {
    this.step((s) => syncSource.denylistSyncSource(s, host, reason));
  }

  /** replSetSyncFrom: the reply (ok added by the caller); throws the command's errors. */
  prepareSyncFrom(target: string): Document {
    return this.step((s) => syncSource.prepareSyncFrom(s, target));
  }

  shouldChangeSyncSource(source: string, data: Document, fetchedBefore?: OpTime): boolean {
    return this.step((s) => syncSource.shouldChangeSyncSource(s, source, data, fetchedBefore));
  }

  fetchMetadata(reply: Document, source: string): Document {
    return this.step((s) => syncing.fetchMetadata(s, reply, source));
  }

  /**
   * The fetcher ends catch-up (no member ahead to fetch from, a diverged one). Nobody was ever
   * ahead: already caught up, as mongod's heartbeat check concludes; else mongod would wait on
   * until catchUpTimeoutMillis, so it counts as timed out.
   */
  finishCatchUp(reason: string): void {
    this.step((s) => primary.finishCatchUp(s, reason, s.catchUp?.ahead ? 'timedOut' : 'alreadyCaughtUp'));
  }

  entriesApplied(entries: readonly OplogEntry[], caughtUp: boolean): void {
    this.step((s) => syncing.entriesApplied(s, entries, caughtUp));
  }

  initialSyncStarted(source: string, begin: OplogEntry): void {
    this.step((s) => syncing.initialSyncStarted(s, source, begin));
  }

  initialSyncAttemptFailed(source: string, error: string): void {
    this.step((s) => syncing.initialSyncAttemptFailed(s, source, error));
  }

  initialSyncCloned(source: string, begin: OplogEntry, stats: Document): void {
    this.step((s) => syncing.initialSyncCloned(s, source, begin, stats));
  }

  tooStale(source: string): void {
    this.step((s) => syncing.tooStale(s, source));
  }

  rollbackStarted(source: string): void {
    this.step((s) => syncing.rollbackStarted(s, source));
  }

  /** True (and RECOVERING) when the common point is before the data's initial consistency point. */
  rollbackBeforeInitialData(source: string, common: number): boolean {
    return this.step((s) => syncing.rollbackBeforeInitialData(s, source, common));
  }

  rollbackNoCommonPoint(source: string): void {
    this.step((s) => syncing.rollbackNoCommonPoint(s, source));
  }

  /** Undefined when the member aborted instead (the common point is before the commit point). */
  rollbackTruncate(common: number): { commonPoint: OpTime; undone: OplogEntry[] } | undefined {
    return this.step((s) => syncing.rollbackTruncate(s, common));
  }

  rollbackRecorded(source: string, commonPoint: OpTime, undone: readonly OplogEntry[], documents: RollbackFile['documents']): void {
    this.step((s) => syncing.rollbackRecorded(s, source, commonPoint, undone, documents));
  }

  rollbackFinished(): void {
    this.step((s) => syncing.rollbackFinished(s));
  }
}
