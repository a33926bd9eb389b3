import { Double, Long } from 'bson';
import type { Document } from 'bson';
import { opTimeToBson } from '../../base/optime';
import type { OpTime } from '../../base/optime';
import type { OplogEntry } from '../../storage/oplog';
import { votingMajority } from '../config';
import { MemberState } from '../state';
import type { CatchUpConclusion, ElectionCounterName, TopologyState } from './core';
import { electionTimeoutMillis, now, primaryHost, selfConfig } from './core';

/**
 * Election metrics as mongod keeps them (replication_metrics.cpp ReplicationMetrics, its IDL
 * replication_metrics.idl): the candidate's metrics of its last election — set when its real
 * round starts (replication_coordinator_impl_elect_v1.cpp `_startRealElection`), shown while it is
 * candidate or primary, cleared when it loses or steps down — the participant's metrics of the
 * last real vote request it answered (replication_coordinator_impl.cpp
 * `processReplSetRequestVotes`), and serverStatus's electionMetrics counters. In memory only: a
 * restart starts them over, as mongod's decoration on the ServiceContext.
 */

/** mongod's StartElectionReasonEnum value → its ElectionReasonCounter (ReplicationMetrics::incrementNumElectionsCalledForReason). */
function counterOf(reason: string): ElectionCounterName | undefined {
  switch (reason) {
    case 'stepUpRequest':
    case 'stepUpRequestSkipDryRun':
      return 'stepUpCmd';
    case 'priorityTakeover':
      return 'priorityTakeover';
    case 'catchupTakeover':
      return 'catchUpTakeover';
    case 'electionTimeout':
      return 'electionTimeout';
    case 'singleNodePromptElection':
      return 'freezeTimeout';
    default:
      return undefined;
  }
}

/**
 * The real round of an election for `electionTerm` begins (before the term is taken):
 * setElectionCandidateMetrics with 7.0's values — the commit point, latestKnownOpTime
 * (`lastSeen`), the config's majority vote count, our priority, electionTimeoutMillis and the
 * primary we knew of — and the reason's `called` counter.
 */
export function candidateRoundStarted(s: TopologyState, reason: string, electionTerm: number, lastSeen: OpTime): void {
  const config = s.persisted.config!;
  const prior = primaryHost(s);
  const priorMember = prior === undefined ? undefined : config.members.find((m) => m.host === prior);
  s.candidateMetrics = {
    reason,
    electionDateMillis: now(s),
    electionTerm,
    lastCommittedOpTime: s.commitPoint,
    lastSeenOpTime: lastSeen,
    numVotesNeeded: votingMajority(config),
    priority: selfConfig(s)?.priority ?? 0,
    electionTimeoutMillis: electionTimeoutMillis(s),
    priorPrimaryMemberId: priorMember?._id,
    targetCatchUpOpTime: undefined,
    numCatchUpOps: undefined,
    newTermStartMillis: undefined,
    wMajorityWriteAvailabilityMillis: undefined,
  };
  const counter = counterOf(reason);
  if (counter) s.electionCounters.called[counter]++;
}

/** Won: the reason's `successful` counter (ReplicationMetrics::incrementNumElectionsSuccessfulForReason). */
export function candidateWon(s: TopologyState, reason: string): void {
  const counter = counterOf(reason);
  if (counter) s.electionCounters.successful[counter]++;
}

/** Lost (dry run or real round), or no longer primary: clearElectionCandidateMetrics. */
export function clearCandidateMetrics(s: TopologyState): void {
  s.candidateMetrics = undefined;
}

/**
 * Catch-up found a member ahead: the target optime (setTargetCatchupOpTime); the first time in
 * this catch-up it also counts one catch-up (incrementNumCatchUps, "only the first time we add a
 * waiter").
 */
export function catchUpTargetSet(s: TopologyState, target: OpTime, first: boolean): void {
  if (s.candidateMetrics) s.candidateMetrics.targetCatchUpOpTime = target;
  if (first) s.electionCounters.numCatchUps++;
}

/**
 * Catch-up is over. Reaching the target (already or after fetching) reports the entries fetched
 * meanwhile (setNumCatchUpOps, which also feeds averageCatchUpOps); a skip, a timeout or a failure
 * leaves numCatchUpOps out (replication_coordinator_impl.cpp CatchupState).
 */
export function catchUpConcluded(s: TopologyState, conclusion: CatchUpConclusion, catchUpOps: number): void {
  s.electionCounters.catchUpsConcluded[conclusion]++;
  if (conclusion !== 'succeeded' && conclusion !== 'alreadyCaughtUp') return;
  if (s.candidateMetrics) s.candidateMetrics.numCatchUpOps = catchUpOps;
  s.electionCounters.totalNumCatchUpOps += catchUpOps;
}

/** The new term's first entry was written (ReplicationCoordinatorExternalStateImpl::onTransitionToPrimary). */
export function newTermStarted(s: TopologyState, wallMillis: number): void {
  if (s.candidateMetrics) s.candidateMetrics.newTermStartMillis = wallMillis;
}

/**
 * The commit point moved into this primary's term, so past the term's first entry (the
 * wMajorityWriteAvailabilityDate waiter on it).
 */
export function newTermMajorityCommitted(s: TopologyState): void {
  const m = s.candidateMetrics;
  if (m && m.wMajorityWriteAvailabilityMillis === undefined) m.wMajorityWriteAvailabilityMillis = now(s);
}

/** A primary stepped down because it learned of a higher term (ReplicationCoordinatorImpl::_updateTerm_inlock). */
export function steppedDownForHigherTerm(s: TopologyState): void {
  s.electionCounters.numStepDownsCausedByHigherTerm++;
}

/**
 * A real vote request was answered, granted or not (setElectionParticipantMetrics, then
 * clearParticipantNewTermDates): our last applied optime, the newest we know in the set
 * (latestKnownOpTime, `maxApplied`), our priority.
 */
export function participantVoted(s: TopologyState, granted: boolean, electionTerm: number, candidateMemberId: number, voteReason: string, lastApplied: OpTime, maxApplied: OpTime): void {
  s.participantMetrics = {
    votedForCandidate: granted,
    electionTerm,
    lastVoteMillis: now(s),
    candidateMemberId,
    voteReason,
    lastAppliedOpTime: lastApplied,
    maxAppliedOpTimeInSet: maxApplied,
    priority: selfConfig(s)?.priority ?? 0,
    newTermStartMillis: undefined,
    newTermAppliedMillis: undefined,
  };
}

/**
 * Entries applied from a sync source: a "new primary" no-op (`{msg: "new primary"}`) sets the
 * participant's newTermStartDate (its wall time) and newTermAppliedDate (now)
 * (oplog_applier_utils.cpp, applyOplogEntryOrGroupedInserts: ReplicationMetrics::setParticipantNewTermDates).
 */
export function entriesAppliedForMetrics(s: TopologyState, entries: readonly OplogEntry[]): void {
  const m = s.participantMetrics;
  if (!m) return;
  for (const e of entries) {
    if (e.op === 'n' && (e.o as Document | undefined)?.msg === 'new primary') {
      m.newTermStartMillis = e.wallMillis;
      m.newTermAppliedMillis = now(s);
    }
  }
}

/** rs.status()'s electionCandidateMetrics, in the IDL's field order; undefined unless candidate or primary. */
export function candidateMetricsDocument(s: TopologyState): Document | undefined {
  const m = s.candidateMetrics;
  if (!m || (s.candidacy === undefined && s.stateCode !== MemberState.PRIMARY)) return undefined;
  const doc: Document = {
    lastElectionReason: m.reason,
    lastElectionDate: new Date(m.electionDateMillis),
    electionTerm: Long.fromNumber(m.electionTerm),
    lastCommittedOpTimeAtElection: opTimeToBson(m.lastCommittedOpTime),
    lastSeenOpTimeAtElection: opTimeToBson(m.lastSeenOpTime),
    numVotesNeeded: m.numVotesNeeded,
    priorityAtElection: new Double(m.priority),
    electionTimeoutMillis: Long.fromNumber(m.electionTimeoutMillis),
  };
  if (m.priorPrimaryMemberId !== undefined) doc.priorPrimaryMemberId = m.priorPrimaryMemberId;
  if (m.targetCatchUpOpTime) doc.targetCatchupOpTime = opTimeToBson(m.targetCatchUpOpTime);
  if (m.numCatchUpOps !== undefined) doc.numCatchUpOps = Long.fromNumber(m.numCatchUpOps);
  if (m.newTermStartMillis !== undefined) doc.newTermStartDate = new Date(m.newTermStartMillis);
  if (m.wMajorityWriteAvailabilityMillis !== undefined) doc.wMajorityWriteAvailabilityDate = new Date(m.wMajorityWriteAvailabilityMillis);
  return doc;
}

/** rs.status()'s electionParticipantMetrics, in the IDL's field order; undefined until this member answered a real vote request. */
export function participantMetricsDocument(s: TopologyState): Document | undefined {
  const m = s.participantMetrics;
  if (!m) return undefined;
  const doc: Document = {
    votedForCandidate: m.votedForCandidate,
    electionTerm: Long.fromNumber(m.electionTerm),
    lastVoteDate: new Date(m.lastVoteMillis),
    electionCandidateMemberId: m.candidateMemberId,
    voteReason: m.voteReason,
    lastAppliedOpTimeAtElection: opTimeToBson(m.lastAppliedOpTime),
    maxAppliedOpTimeInSet: opTimeToBson(m.maxAppliedOpTimeInSet),
    priorityAtElection: new Double(m.priority),
  };
  if (m.newTermStartMillis !== undefined) doc.newTermStartDate = new Date(m.newTermStartMillis);
  if (m.newTermAppliedMillis !== undefined) doc.newTermAppliedDate = new Date(m.newTermAppliedMillis);
  return doc;
}

/** serverStatus().electionMetrics (ElectionMetrics in the IDL's field order; counters are longs). */
export function electionMetricsDocument(s: TopologyState): Document {
  const c = s.electionCounters;
  const counter = (name: ElectionCounterName): Document => ({ called: Long.fromNumber(c.called[name]), successful: Long.fromNumber(c.successful[name]) });
  const concluded = c.catchUpsConcluded;
  return {
    stepUpCmd: counter('stepUpCmd'),
    priorityTakeover: counter('priorityTakeover'),
    catchUpTakeover: counter('catchUpTakeover'),
    electionTimeout: counter('electionTimeout'),
    freezeTimeout: counter('freezeTimeout'),
    numStepDownsCausedByHigherTerm: Long.fromNumber(c.numStepDownsCausedByHigherTerm),
    numCatchUps: Long.fromNumber(c.numCatchUps),
    numCatchUpsSucceeded: Long.fromNumber(concluded.succeeded),
    numCatchUpsAlreadyCaughtUp: Long.fromNumber(concluded.alreadyCaughtUp),
    numCatchUpsSkipped: Long.fromNumber(concluded.skipped),
    numCatchUpsTimedOut: Long.fromNumber(concluded.timedOut),
    numCatchUpsFailedWithError: Long.fromNumber(concluded.failedWithError),
    numCatchUpsFailedWithNewTerm: Long.fromNumber(concluded.failedWithNewTerm),
    numCatchUpsFailedWithReplSetAbortPrimaryCatchUpCmd: Long.fromNumber(0),
    // _updateAverageCatchUpOps: the total over numCatchUps, once there was one.
    averageCatchUpOps: new Double(c.numCatchUps > 0 ? c.totalNumCatchUpOps / c.numCatchUps : 0),
  };
}
