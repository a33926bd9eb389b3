import type { Document } from 'bson';
import { serverError } from '../../base/errors';
import { NULL_OPTIME, compareOpTime } from '../../base/optime';
import type { OpTime } from '../../base/optime';
import { LogIds } from '../../log/ids';
import type { LogLine } from '../../log/ids';
import type { Random } from '../../random/random';
import { entryOpTime } from '../../storage/oplog';
import type { MemberConfig, ReplSetConfig } from '../config';
import { isElectableMember, normalizeHost, votingMembers } from '../config';
import type { ReplEventBody } from '../events';
import type { LogSeverity, ReplParameters } from '../parameters';
import type { PersistedReplState } from '../persisted';
import { MemberState, stateName } from '../state';
import type { Action, Candidacy } from './actions';

/**
 * The state of the topology core — everything replication decides from — and the small
 * transitions every decision module shares (state changes, terms, the election timer). Decision
 * modules are functions of this state and one event; they change it and push actions on `out`.
 * Nothing here waits or does I/O: time comes from `env.now`, randomness from the seeded `env.random`.
 */

/** What the core reads from outside: the clock's time, the seeded randomness, the journal's durable point. */
export interface TopologyEnv {
  now(): number;
  random: Random;
  /** The newest optime on disk (a journal); absent without one. */
  durableOpTime?: () => OpTime;
}

/** What this member knows of another one, from heartbeats and position updates (mongod's MemberData). */
export interface MemberData {
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
  /** Heartbeats it answered (mongod's PingStats count; the ping-based sync-source change waits for 5 per member). */
  pingCount: number;
  lastHeartbeatMessage: string;
  /** When the current heartbeat round began (retries share its heartbeatTimeoutSecs), mongod's PingStats. */
  hbRoundStartMillis: number;
  /** Failed tries in the current round. */
  hbFailures: number;
}

/** A catch-up in progress (a new primary fetching what the freshest member it can hear has). */
export interface CatchUp {
  /** Members heard from since the catch-up began (this one included). */
  heard: Set<string>;
  /** The optime to reach, once a majority has been heard. */
  target: OpTime | undefined;
  /** Someone was found ahead of us (electionMetrics.numCatchUps counts this catch-up). */
  ahead: boolean;
}

/**
 * The last election this member stood in, from the start of its real round (after the dry run)
 * while it is a candidate or primary: rs.status()'s electionCandidateMetrics (mongod's
 * ReplicationMetrics, replication_metrics.idl ElectionCandidateMetrics).
 */
export interface CandidateMetrics {
  reason: string;
  electionDateMillis: number;
  electionTerm: number;
  lastCommittedOpTime: OpTime;
  /** latestKnownOpTime() when the round began: the newest optime of this member and every up member. */
  lastSeenOpTime: OpTime;
  numVotesNeeded: number;
  priority: number;
  electionTimeoutMillis: number;
  /** The config `_id` of the primary this member knew of when it stood, if any. */
  priorPrimaryMemberId: number | undefined;
  /** Catch-up: the newest optime heard once someone was ahead of us. */
  targetCatchUpOpTime: OpTime | undefined;
  /** Entries fetched during catch-up, set when catch-up reaches its target (not on a timeout or a skip). */
  numCatchUpOps: number | undefined;
  /** The new term's first entry (the "new primary" no-op): its wall time, and when a write majority had it. */
  newTermStartMillis: number | undefined;
  wMajorityWriteAvailabilityMillis: number | undefined;
}

/** The last real (not dry-run) vote request this member answered: rs.status()'s electionParticipantMetrics. */
export interface ParticipantMetrics {
  votedForCandidate: boolean;
  electionTerm: number;
  lastVoteMillis: number;
  candidateMemberId: number;
  voteReason: string;
  lastAppliedOpTime: OpTime;
  maxAppliedOpTimeInSet: OpTime;
  priority: number;
  /** The next "new primary" no-op this member applied: its wall time and when it was applied. */
  newTermStartMillis: number | undefined;
  newTermAppliedMillis: number | undefined;
}

/** How a primary's catch-up ended (mongod's PrimaryCatchUpConclusionReason), counted in serverStatus.electionMetrics. */
export type CatchUpConclusion = 'succeeded' | 'alreadyCaughtUp' | 'skipped' | 'timedOut' | 'failedWithError' | 'failedWithNewTerm';

/** serverStatus().electionMetrics counters, since this process started (in memory, as mongod's). */
export interface ElectionCounters {
  /** Elections called and won, by mongod's counter name. */
  called: Record<ElectionCounterName, number>;
  successful: Record<ElectionCounterName, number>;
  numStepDownsCausedByHigherTerm: number;
  numCatchUps: number;
  catchUpsConcluded: Record<CatchUpConclusion, number>;
  totalNumCatchUpOps: number;
}

export type ElectionCounterName = 'stepUpCmd' | 'priorityTakeover' | 'catchUpTakeover' | 'electionTimeout' | 'freezeTimeout';

/** Who this member is in a replica set, and what it kept from its last run. */
export interface MemberIdentity {
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
}

export interface TopologyOptions extends MemberIdentity {
  params: ReplParameters;
  env: TopologyEnv;
}

export class TopologyState {
  selfName: string;
  readonly selfAliases: Set<string>;
  readonly replSetName: string | undefined;
  readonly seeds: readonly string[];
  readonly persisted: PersistedReplState;
  readonly params: ReplParameters;
  readonly env: TopologyEnv;

  stateCode: number = MemberState.STARTUP;
  selfIndex = -1;
  /** The other members of the config, by host. */
  readonly members = new Map<string, MemberData>();
  stopped = false;

  /** A primary takes writes only once catch-up is over. */
  writable = false;
  catchUp: CatchUp | undefined;
  /** The rollback under way began in initial sync (STARTUP2): the data was never consistent. */
  rollbackFromInitialSync = false;
  /** Initial sync attempts failed since the last one that succeeded (initial_syncer.cpp failedInitialSyncAttempts). */
  initialSyncFailedAttempts = 0;
  /** Oplog length when this primary's catch-up began (for electionCandidateMetrics.numCatchUpOps). */
  catchUpStartLength = 0;
  stepDownInProgress = false;
  frozenUntilMillis = 0;
  /** The election this member is running, if any (mongod's candidate role). */
  candidacy: Candidacy | undefined;
  /** When the election timer fires, while armed; and the timeout it was armed with. */
  electionDueMillis: number | undefined;
  electionTimerPeriodMillis = 0;
  /** A priority takeover is armed against this primary, with this member's priority then. */
  priorityTakeover: { primary: string; selfPriority: number } | undefined;
  /** A catch-up takeover is armed (against a primary still catching up), due at this time. */
  catchUpTakeoverDueMillis: number | undefined;
  electionTimeTs: number | undefined;
  /** rs.status()'s electionCandidateMetrics (while candidate or primary) and electionParticipantMetrics (last real vote). */
  candidateMetrics: CandidateMetrics | undefined;
  participantMetrics: ParticipantMetrics | undefined;
  readonly electionCounters: ElectionCounters = {
    called: { stepUpCmd: 0, priorityTakeover: 0, catchUpTakeover: 0, electionTimeout: 0, freezeTimeout: 0 },
    successful: { stepUpCmd: 0, priorityTakeover: 0, catchUpTakeover: 0, electionTimeout: 0, freezeTimeout: 0 },
    numStepDownsCausedByHigherTerm: 0,
    numCatchUps: 0,
    catchUpsConcluded: { succeeded: 0, alreadyCaughtUp: 0, skipped: 0, timedOut: 0, failedWithError: 0, failedWithNewTerm: 0 },
    totalNumCatchUpOps: 0,
  };
  lastWriteMillis = 0;

  commitPoint: OpTime = NULL_OPTIME;
  /**
   * The commit point when the current config took effect by a reconfig or a new primary's config
   * term (TopologyCoordinator::updateLastCommittedInPrevConfig): a safe reconfig waits for it to be
   * committed in the current config. Not persisted, as in mongod.
   */
  lastCommittedInPrevConfig: OpTime = NULL_OPTIME;
  syncSource: string | null = null;
  /** replSetSyncFrom's target, taken by the next sync-source choice (mongod's _forceSyncSourceIndex). */
  forcedSyncSource: string | undefined;
  /** The current sync source was set by replSetSyncFrom (mongod's _replSetSyncFromSet). */
  syncSourceFromRequest = false;
  /** rs.status's own infoMessage and when it was set (mongod's setMyHeartbeatMessage; shown for 2 minutes). */
  heartbeatMessage = { text: '', atMillis: 0 };
  /** When a sync source was last taken, newest last (mongod's RecentSyncSourceChanges). */
  readonly recentSyncSourceChanges: number[] = [];
  readonly syncSourceDenylist = new Map<string, number>();
  topologyCounter = 0;

  /** Actions of the decision being made (the coordinator takes them when it returns). */
  out: Action[] = [];

  constructor(options: TopologyOptions) {
    this.selfName = normalizeHost(options.self);
    this.selfAliases = new Set((options.selfAliases ?? []).map(normalizeHost));
    this.replSetName = options.replSetName;
    this.seeds = (options.seeds ?? []).map(normalizeHost);
    this.persisted = options.persisted;
    this.params = options.params;
    this.env = options.env;
  }
}

// ---------------------------------------------------------------- reading the state

export function now(s: TopologyState): number {
  return s.env.now();
}

export function isSelf(s: TopologyState, host: string): boolean {
  return host === s.selfName || s.selfAliases.has(host);
}

export function term(s: TopologyState): number {
  return s.persisted.term;
}

export function lastApplied(s: TopologyState): OpTime {
  const last = s.persisted.oplog.last();
  return last ? entryOpTime(last) : NULL_OPTIME;
}

export function lastAppliedWallMillis(s: TopologyState): number {
  return s.persisted.oplog.last()?.wallMillis ?? 0;
}

/** The newest optime on disk: lastApplied without a journal. */
export function lastDurable(s: TopologyState): OpTime {
  const durable = s.env.durableOpTime?.();
  const applied = lastApplied(s);
  if (durable === undefined) return applied;
  return compareOpTime(durable, applied) < 0 ? durable : applied;
}

export function selfConfig(s: TopologyState): MemberConfig | undefined {
  return s.selfIndex >= 0 ? s.persisted.config?.members[s.selfIndex] : undefined;
}

export function settings(s: TopologyState): ReplSetConfig['settings'] {
  const config = s.persisted.config;
  if (!config) throw new Error('topology: no config');
  return config.settings;
}

export function settingsOrDefault(s: TopologyState): { heartbeatIntervalMillis: number; heartbeatTimeoutSecs: number } {
  return s.persisted.config?.settings ?? { heartbeatIntervalMillis: 2000, heartbeatTimeoutSecs: 10 };
}

export function electionTimeoutMillis(s: TopologyState): number {
  return s.persisted.config?.settings.electionTimeoutMillis ?? 10_000;
}

export function votingMembersCount(s: TopologyState): number {
  return s.persisted.config ? votingMembers(s.persisted.config).length : 0;
}

export function memberById(s: TopologyState, id: number): MemberData | undefined {
  for (const m of s.members.values()) if (m.config._id === id) return m;
  return undefined;
}

export function isPrimary(s: TopologyState): boolean {
  return s.stateCode === MemberState.PRIMARY;
}

export function isWritablePrimary(s: TopologyState): boolean {
  return s.stateCode === MemberState.PRIMARY && s.writable && !s.stepDownInProgress;
}

/**
 * A primary that does not take writes yet (catch-up, the new term's first entry) and is not
 * stepping down: hello reports it as a secondary, as mongod's hello does while it cannot accept
 * non-local writes (replication_coordinator_impl.cpp, fillIsMasterForReplSet / _makeHelloResponse).
 */
export function isPrimaryNotYetWritable(s: TopologyState): boolean {
  return s.stateCode === MemberState.PRIMARY && !s.writable && !s.stepDownInProgress;
}

/** Host the member believes is primary (itself included), or undefined. */
export function primaryHost(s: TopologyState): string | undefined {
  if (s.stateCode === MemberState.PRIMARY) return s.selfName;
  let best: MemberData | undefined;
  for (const m of s.members.values()) {
    if (m.health === 1 && m.state === MemberState.PRIMARY && (!best || m.term > best.term)) best = m;
  }
  return best && best.term >= term(s) ? best.config.host : undefined;
}

export function canStandForElection(s: TopologyState): boolean {
  const me = selfConfig(s);
  if (!me || !isElectableMember(me)) return false;
  if (s.stateCode !== MemberState.SECONDARY) return false;
  if (now(s) < s.frozenUntilMillis) return false;
  return true;
}

/** Whether this member should pull the oplog from a sync source now. */
export function wantsToFetch(s: TopologyState): boolean {
  if (s.stopped || !s.persisted.config || s.selfIndex < 0) return false;
  if (selfConfig(s)?.arbiterOnly) return false;
  return s.stateCode === MemberState.SECONDARY || s.stateCode === MemberState.STARTUP2 || (s.stateCode === MemberState.PRIMARY && s.catchUp !== undefined);
}

/** The set name, or NoReplicationEnabled for a member started without --replSet. */
export function requireReplSet(s: TopologyState): string {
  if (s.replSetName === undefined) {
    throw serverError('NoReplicationEnabled', 'This node was not started with replication enabled.');
  }
  return s.replSetName;
}

/**
 * A stopped member (killed or shut down) decides nothing more: a write, initiate or reconfig that
 * was still waiting (a quorum check, a lock) when it stopped fails with InterruptedAtShutdown
 * (11600) instead of reaching the oplog or the config it kept for its restart — mongod interrupts
 * every operation at shutdown (replication_coordinator_impl.cpp's shutdown path).
 */
export function requireRunning(s: TopologyState): void {
  if (s.stopped) throw serverError('InterruptedAtShutdown', 'interrupted at shutdown');
}

/** The config, or NotYetInitialized. */
export function requireConfig(s: TopologyState): ReplSetConfig {
  const config = s.persisted.config;
  if (!config) throw serverError('NotYetInitialized', 'no replset config has been received');
  return config;
}

// ---------------------------------------------------------------- transitions every decision shares

export function log(s: TopologyState, severity: LogSeverity, component: string, line: LogLine, attr?: Document): void {
  s.out.push({ kind: 'log', severity, component, line, attr });
}

export function emit(s: TopologyState, event: ReplEventBody): void {
  s.out.push({ kind: 'emit', event });
}

export function bumpTopology(s: TopologyState): void {
  s.topologyCounter++;
  s.out.push({ kind: 'topologyChanged' });
}

export function setState(s: TopologyState, next: number, reason: string): void {
  if (next === s.stateCode) return;
  const from = stateName(s.stateCode);
  const to = stateName(next);
  s.stateCode = next;
  if (next !== MemberState.PRIMARY) s.writable = false;
  log(s, 'I', 'REPL', LogIds.stateTransition, { newState: to, oldState: from });
  if (from === 'PRIMARY' && to === 'SECONDARY') log(s, 'I', 'REPL', LogIds.steppedDownToSecondary, {});
  emit(s, { type: 'stateChange', from, to, reason });
  bumpTopology(s);
}

/** Raise the term (never lower it) and have it made durable. */
export function persistTerm(s: TopologyState, next: number): void {
  if (next < s.persisted.term) throw new Error(`term may never decrease (${s.persisted.term} -> ${next})`);
  if (next === s.persisted.term) return;
  s.persisted.term = next;
  s.out.push({ kind: 'persistReplState', what: 'term' });
  emit(s, { type: 'termChange', term: next });
}

export function setSyncSource(s: TopologyState, host: string | null): void {
  if (host === null) s.syncSourceFromRequest = false;
  if (s.syncSource === host) return;
  s.syncSource = host;
  if (host) {
    s.recentSyncSourceChanges.push(now(s));
    while (s.recentSyncSourceChanges.length > Math.max(1, s.params.maxNumSyncSourceChangesPerHour)) s.recentSyncSourceChanges.shift();
  }
  emit(s, { type: 'syncSourceChange', syncSource: host });
  if (host) log(s, 'I', 'REPL', LogIds.syncSourceChosen, { syncSource: host });
}

export function scheduleHeartbeat(s: TopologyState, host: string, delayMillis: number): void {
  s.out.push({ kind: 'scheduleHeartbeat', host, delayMillis });
}

/** Heartbeat every member now, as a fresh round (a new primary, the end of catch-up). */
export function heartbeatEveryoneNow(s: TopologyState): void {
  for (const m of s.members.values()) {
    m.hbFailures = 0;
    scheduleHeartbeat(s, m.config.host, 0);
  }
}

export function cancelElectionTimer(s: TopologyState): void {
  s.electionDueMillis = undefined;
  s.out.push({ kind: 'cancelTimer', timer: 'election' });
}

/**
 * A random offset of up to replElectionTimeoutOffsetLimitFraction of electionTimeoutMillis, added
 * to the election timeout and to a priority takeover's delay
 * (replication_coordinator_impl.cpp _getRandomizedElectionOffset).
 */
export function randomizedElectionOffsetMillis(s: TopologyState): number {
  const offsetMax = Math.floor(electionTimeoutMillis(s) * s.params.electionTimeoutOffsetLimitFraction);
  return offsetMax > 0 ? s.env.random.int(0, offsetMax) : 0;
}

/**
 * (Re)arm the election timer: electionTimeoutMillis plus a random offset of up to
 * replElectionTimeoutOffsetLimitFraction of it, while this member could stand for election.
 */
export function resetElectionTimer(s: TopologyState): void {
  cancelElectionTimer(s);
  const me = selfConfig(s);
  if (s.stopped || !me || !isElectableMember(me) || s.stateCode !== MemberState.SECONDARY) return;
  const timeout = electionTimeoutMillis(s);
  const delay = timeout + randomizedElectionOffsetMillis(s);
  s.electionDueMillis = now(s) + delay;
  s.electionTimerPeriodMillis = timeout;
  s.out.push({ kind: 'setTimer', timer: 'election', delayMillis: delay });
}
