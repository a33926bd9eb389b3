import { Long } from 'bson';
import type { Document } from 'bson';
import { compareOpTime, opTimeToBson, tsInc, tsSecs } from '../../base/optime';
import type { OpTime } from '../../base/optime';
import { LogIds } from '../../log/ids';
import { isVoter, memberPriority, votingMajority } from '../config';
import { MemberState } from '../state';
import type { Candidacy, VoteRound } from './actions';
import type { MemberData, TopologyState } from './core';
import {
  canStandForElection,
  cancelElectionTimer,
  electionTimeoutMillis,
  emit,
  lastApplied,
  log,
  now,
  persistTerm,
  primaryHost,
  randomizedElectionOffsetMillis,
  resetElectionTimer,
  selfConfig,
  settings,
  term,
} from './core';
import { candidateRoundStarted, candidateWon, clearCandidateMetrics } from './metrics';
import { becomePrimary } from './primary';
import { updateTerm } from './stepDown';

/**
 * Standing for election (the candidate side of protocol version 1): when to stand — the election
 * timeout, a priority takeover — then a dry run at the current term that changes nothing, then the real
 * round that takes the term and this member's own vote, and the outcome. The rounds' requests are
 * sent by voteRequester.ts; their replies come back here to be tallied (mongod's
 * ReplicationCoordinatorImpl::_startElectSelfV1, VoteRequester::Algorithm).
 */

/** The election timer fired: stand, unless this member cannot (then wait another timeout). */
export function electionTimerFired(s: TopologyState): Candidacy | undefined {
  s.electionDueMillis = undefined;
  if (!canStandForElection(s) || s.candidacy) {
    resetElectionTimer(s);
    return undefined;
  }
  log(s, 'I', 'ELECTION', LogIds.electionTimeout, { electionTimeoutPeriodMillis: s.electionTimerPeriodMillis });
  return startElection(s, 'electionTimeout', false);
}

/**
 * The newest optime this member knows of: its own and every up member's as heartbeats report it
 * (topology_coordinator.cpp latestKnownOpTime).
 */
export function latestKnownOpTime(s: TopologyState): OpTime {
  let latest = lastApplied(s);
  for (const m of s.members.values()) {
    if (m.health === 1 && m.state !== MemberState.REMOVED && compareOpTime(m.applied, latest) > 0) latest = m.applied;
  }
  return latest;
}

/**
 * Fresh enough for a priority takeover (topology_coordinator.cpp _amIFreshEnoughForPriorityTakeover):
 * our last optime is of the latest known optime's term and, in another second, within
 * priorityTakeoverFreshnessWindowSeconds of it, or in the same second within 1000 increments.
 */
function freshForTakeover(s: TopologyState): boolean {
  const mine = lastApplied(s);
  const latest = latestKnownOpTime(s);
  if (mine.t !== latest.t) return false;
  if (tsSecs(mine.ts) !== tsSecs(latest.ts)) return tsSecs(mine.ts) + s.params.priorityTakeoverFreshnessWindowSeconds >= tsSecs(latest.ts);
  return tsInc(mine.ts) + 1000 >= tsInc(latest.ts);
}

/**
 * A heartbeat from the primary of our term (topology_coordinator.cpp _updatePrimaryFromHBDataV1):
 * a catch-up takeover when it is behind us — it is still catching up, and catch-up and
 * catch-up takeover are both enabled (catchUpTimeoutMillis not 0, catchUpTakeoverDelayMillis not
 * -1) — a priority takeover when its priority is lower than ours; both at once, the priority
 * takeover only when this member has the highest priority of the set (rank 0), else the catch-up
 * one. Nothing is armed while another takeover is (replication_coordinator_impl_heartbeat.cpp,
 * HeartbeatResponseAction::PriorityTakeover and ::CatchupTakeover).
 */
export function maybeScheduleTakeover(s: TopologyState, primary: MemberData): void {
  const me = selfConfig(s);
  if (!me || !canStandForElection(s)) return;
  const config = s.persisted.config!;
  const catchUpTakeoverDisabled = config.settings.catchUpTimeoutMillis === 0 || config.settings.catchUpTakeoverDelayMillis === -1;
  const catchUp = !catchUpTakeoverDisabled && compareOpTime(primary.applied, lastApplied(s)) < 0;
  const priority = memberPriority(me) > memberPriority(primary.config);
  // ReplSetConfig::calculatePriorityRank: how many members have a higher priority.
  const rank = config.members.filter((m) => memberPriority(m) > memberPriority(me)).length;
  if (catchUp && !(priority && rank === 0)) scheduleCatchUpTakeover(s);
  else if (priority) schedulePriorityTakeover(s, primary, rank);
}

/**
 * After electionTimeoutMillis times (this member's priority rank + 1) plus a random offset, so the
 * highest priority goes first. Whether this member is fresh enough is checked when it fires.
 */
function schedulePriorityTakeover(s: TopologyState, primary: MemberData, rank: number): void {
  if (s.priorityTakeover || s.catchUpTakeoverDueMillis !== undefined) return;
  const delayMillis = electionTimeoutMillis(s) * (rank + 1) + randomizedElectionOffsetMillis(s);
  s.priorityTakeover = { primary: primary.config.host, selfPriority: memberPriority(selfConfig(s)!) };
  s.out.push({ kind: 'setTimer', timer: 'priorityTakeover', delayMillis });
}

/** After catchUpTakeoverDelayMillis; whether it is still warranted is checked when it fires. */
function scheduleCatchUpTakeover(s: TopologyState): void {
  if (s.priorityTakeover || s.catchUpTakeoverDueMillis !== undefined) return;
  const delayMillis = settings(s).catchUpTakeoverDelayMillis;
  s.catchUpTakeoverDueMillis = now(s) + delayMillis;
  log(s, 'I', 'ELECTION', LogIds.catchUpTakeoverScheduled, { when: new Date(s.catchUpTakeoverDueMillis).toISOString() });
  s.out.push({ kind: 'setTimer', timer: 'catchUpTakeover', delayMillis });
}

/** ReplicationCoordinatorImpl::_cancelCatchupTakeover. */
export function cancelCatchUpTakeover(s: TopologyState): void {
  if (s.catchUpTakeoverDueMillis === undefined) return;
  s.catchUpTakeoverDueMillis = undefined;
  log(s, 'I', 'REPL', LogIds.catchUpTakeoverCanceled, {});
  s.out.push({ kind: 'cancelTimer', timer: 'catchUpTakeover' });
}

/**
 * A heartbeat reply reporting an optime of the current term: the primary wrote in its term, so it
 * is no longer catching up and an armed catch-up takeover is called off
 * (replication_coordinator_impl_heartbeat.cpp, _handleHeartbeatResponse).
 */
export function maybeCancelCatchUpTakeover(s: TopologyState, applied: OpTime): void {
  if (s.catchUpTakeoverDueMillis !== undefined && applied.t === term(s)) cancelCatchUpTakeover(s);
}

/**
 * Fresh enough for a catch-up takeover (topology_coordinator.cpp _amIFreshEnoughForCatchupTakeover):
 * nobody up is fresher than us, a primary is known and is behind us, and our last optime is of an
 * older term than the current one — the primary has written nothing in its term yet.
 */
function freshForCatchUpTakeover(s: TopologyState): boolean {
  const mine = lastApplied(s);
  if (compareOpTime(mine, latestKnownOpTime(s)) < 0) return false;
  const primary = primaryHost(s);
  const pm = primary ? s.members.get(primary) : undefined;
  if (!pm) return false;
  if (compareOpTime(mine, pm.applied) <= 0) return false;
  return mine.t < term(s);
}

/** The catch-up takeover is due: stand if still electable and still warranted (_startElectSelfIfEligibleV1). */
export function catchUpTakeoverFired(s: TopologyState): Candidacy | undefined {
  if (s.catchUpTakeoverDueMillis === undefined) return undefined;
  s.catchUpTakeoverDueMillis = undefined;
  let reason: string | undefined;
  if (s.candidacy) reason = 'Not standing for election again; already candidate';
  else if (!canStandForElection(s)) reason = 'Not standing for election because member is not currently a secondary or is not electable';
  else if (!freshForCatchUpTakeover(s)) {
    reason = 'Not standing for election because member is either not the most up-to-date member or not ahead of the primary, and therefore cannot call for catchup takeover';
  }
  if (reason !== undefined) {
    log(s, 'I', 'ELECTION', LogIds.catchUpTakeoverNotElectable, { reason });
    return undefined;
  }
  log(s, 'I', 'ELECTION', LogIds.catchUpTakeover, {});
  return startElection(s, 'catchupTakeover', false);
}

export function priorityTakeoverFired(s: TopologyState): Candidacy | undefined {
  const armed = s.priorityTakeover;
  s.priorityTakeover = undefined;
  if (!armed) return undefined;
  const current = s.members.get(armed.primary);
  if (!current || current.state !== MemberState.PRIMARY || current.health !== 1 || current.term !== term(s)) return undefined;
  if (!canStandForElection(s) || s.candidacy || !(armed.selfPriority > memberPriority(current.config))) return undefined;
  // mongod: unelectable with NotCloseEnoughToLatestForPriorityTakeover; the next heartbeat from the primary schedules again.
  if (!freshForTakeover(s)) return undefined;
  log(s, 'I', 'ELECTION', LogIds.priorityTakeover, {});
  return startElection(s, 'priorityTakeover', false);
}

/** Stand for election: a dry run first unless `skipDryRun`. Undefined when this member cannot stand now. */
export function startElection(s: TopologyState, reason: string, skipDryRun: boolean): Candidacy | undefined {
  if (!s.persisted.config || !canStandForElection(s) || s.candidacy) return undefined;
  const candidacy: Candidacy = { reason, skipDryRun };
  s.candidacy = candidacy;
  cancelElectionTimer(s);
  s.priorityTakeover = undefined;
  s.out.push({ kind: 'cancelTimer', timer: 'priorityTakeover' });
  cancelCatchUpTakeover(s);
  if (!skipDryRun) {
    // The dry run asks at the current term, changing no one's term or vote
    // (replication_coordinator_impl_elect_v1.cpp: VoteRequester::start(..., term, dryRun=true)).
    emit(s, { type: 'electionStarted', term: term(s), dryRun: true, reason });
    log(s, 'I', 'ELECTION', LogIds.dryRunElection, { currentTerm: term(s) });
    requestVotes(s, candidacy, term(s), true);
  } else {
    startRealElection(s, candidacy);
  }
  return candidacy;
}

/** The real round: term+1, this member's vote for itself (both durable), then the requests. */
function startRealElection(s: TopologyState, candidacy: Candidacy): void {
  const electionTerm = term(s) + 1;
  // Before the term is taken: the prior primary is the one of the current term.
  candidateRoundStarted(s, candidacy.reason, electionTerm, latestKnownOpTime(s));
  persistTerm(s, electionTerm);
  s.persisted.lastVote = { term: electionTerm, candidateIndex: s.selfIndex };
  s.out.push({ kind: 'persistReplState', what: 'vote' });
  emit(s, { type: 'electionStarted', term: electionTerm, dryRun: false, reason: candidacy.reason });
  log(s, 'I', 'ELECTION', LogIds.dryRunSucceeded, { newTerm: electionTerm });
  requestVotes(s, candidacy, electionTerm, false);
}

function requestVotes(s: TopologyState, candidacy: Candidacy, roundTerm: number, dryRun: boolean): void {
  const config = s.persisted.config!;
  const me = selfConfig(s)!;
  const command: Document = {
    replSetRequestVotes: 1,
    setName: config._id,
    dryRun,
    term: Long.fromNumber(roundTerm),
    candidateIndex: s.selfIndex,
    configVersion: config.version,
    configTerm: config.term,
    lastAppliedOpTime: opTimeToBson(lastApplied(s)),
  };
  // vote_requester.cpp: only voters (isVoter: not newlyAdded) are asked.
  const voters = config.members.filter((m) => isVoter(m) && m.host !== s.selfName).map((m) => m.host);
  const round: VoteRound = {
    candidacy,
    term: roundTerm,
    dryRun,
    command,
    voters,
    timeoutMillis: electionTimeoutMillis(s),
    needed: votingMajority(config),
    granted: isVoter(me) ? 1 : 0,
    pending: voters.length,
    outcome: undefined,
  };
  if (round.granted >= round.needed) round.outcome = 'won';
  s.out.push({ kind: 'requestVotes', round });
}

function decide(round: VoteRound, won: boolean): void {
  round.outcome = won ? 'won' : 'lost';
}

function tally(round: VoteRound): void {
  if (round.granted >= round.needed) decide(round, true);
  else if (round.granted + round.pending < round.needed) decide(round, false);
}

/** A voter answered. A newer term in a refusal ends the round (and this member adopts the term). */
export function voteReply(s: TopologyState, round: VoteRound, from: string, reply: Document): void {
  if (round.outcome !== undefined) return;
  round.pending--;
  if (s.candidacy !== round.candidacy) return decide(round, false);
  const replyTerm = Number(reply.term ?? -1);
  if (reply.ok === 1 && reply.voteGranted === true) {
    round.granted++;
    emit(s, { type: 'voteGranted', from, term: round.term, dryRun: round.dryRun });
  } else {
    const reason = String(reply.reason ?? reply.errmsg ?? 'refused');
    emit(s, { type: 'voteRefused', from, term: round.term, dryRun: round.dryRun, reason });
    if (replyTerm > term(s)) {
      updateTerm(s, replyTerm, `vote reply from ${from}`);
      return decide(round, false);
    }
  }
  tally(round);
}

/** A voter could not be reached. */
export function voteFailed(s: TopologyState, round: VoteRound, from: string, error: string): void {
  if (round.outcome !== undefined) return;
  round.pending--;
  emit(s, { type: 'voteRefused', from, term: round.term, dryRun: round.dryRun, reason: error });
  if (round.granted + round.pending < round.needed) decide(round, false);
}

/** A round is decided: after a won dry run the real round; after a won real round, primary. */
export function voteRoundComplete(s: TopologyState, round: VoteRound): void {
  const candidacy = round.candidacy;
  const won = round.outcome === 'won';
  if (round.dryRun) {
    if (!won) return electionLost(s, candidacy, 'not enough votes in the dry run');
    if (s.candidacy !== candidacy || !canStandForElection(s)) return electionLost(s, candidacy, 'election interrupted');
    startRealElection(s, candidacy);
    return;
  }
  if (!won) return electionLost(s, candidacy, 'not enough votes');
  if (s.candidacy !== candidacy || term(s) !== round.term || s.stateCode !== MemberState.SECONDARY) return electionLost(s, candidacy, 'election interrupted');
  s.candidacy = undefined;
  candidateWon(s, candidacy.reason);
  becomePrimary(s, round.term);
  s.out.push({ kind: 'electionFinished', candidacy, won: true });
}

function electionLost(s: TopologyState, candidacy: Candidacy, reason: string): void {
  if (s.candidacy === candidacy) s.candidacy = undefined;
  if (s.stateCode !== MemberState.PRIMARY) clearCandidateMetrics(s);
  emit(s, { type: 'electionLost', term: term(s), reason });
  log(s, 'I', 'ELECTION', LogIds.notBecomingPrimary, { reason });
  if (!s.stopped) resetElectionTimer(s);
  s.out.push({ kind: 'electionFinished', candidacy, won: false });
}
