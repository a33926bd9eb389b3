import type { Document } from 'bson';
import { serverError } from '../../base/errors';
import { compareOpTime } from '../../base/optime';
import { LogIds } from '../../log/ids';
import { isElectableMember, isVoter, writeMajority } from '../config';
import { MemberState, stateName, stateTitle } from '../state';
import type { MemberData, TopologyState } from './core';
import { catchUpConcluded, clearCandidateMetrics, steppedDownForHigherTerm } from './metrics';
import {
  bumpTopology,
  canStandForElection,
  emit,
  lastApplied,
  log,
  now,
  persistTerm,
  requireConfig,
  requireReplSet,
  resetElectionTimer,
  setState,
  term,
  votingMembersCount,
} from './core';

/**
 * Leaving and refusing the primary role: a newer term, step-down (the command's attempt and the
 * immediate one), freeze, and whether this member may step up (mongod's TopologyCoordinator
 * stepdown attempt, prepareFreezeResponse).
 */

/** Leave PRIMARY now (higher term, lost majority, stepdown command, removal). */
export function stepDownNow(s: TopologyState, reason: string, higherTerm = false): void {
  if (s.stateCode !== MemberState.PRIMARY) return;
  log(s, 'I', 'REPL', LogIds.steppingDown, { reason });
  emit(s, { type: 'stepDown', term: term(s), reason });
  // A catch-up cut short by the step-down (_updateMemberStateFromTopologyCoordinator).
  if (s.catchUp) catchUpConcluded(s, higherTerm ? 'failedWithNewTerm' : 'failedWithError', 0);
  s.catchUp = undefined;
  s.out.push({ kind: 'cancelTimer', timer: 'catchUp' }, { kind: 'cancelTimer', timer: 'liveness' }, { kind: 'cancelTimer', timer: 'noop' });
  s.writable = false;
  s.electionTimeTs = undefined;
  clearCandidateMetrics(s);
  setState(s, MemberState.SECONDARY, reason);
  s.out.push({ kind: 'failWriteConcern', error: serverError('PrimarySteppedDown', 'Primary stepped down while waiting for replication').toWriteConcernError() });
  resetElectionTimer(s);
  s.out.push({ kind: 'startFetcher' });
}

/** A message carried a newer term: adopt it; a candidate gives up and a primary steps down. */
export function updateTerm(s: TopologyState, next: number, reason: string): boolean {
  if (!(next > s.persisted.term)) return false;
  log(s, 'I', 'REPL', LogIds.updatingTerm, { oldTerm: s.persisted.term, newTerm: next, reason });
  persistTerm(s, next);
  // A candidate loses its election (the LoseElectionGuard clears its candidate metrics).
  if (s.candidacy) clearCandidateMetrics(s);
  s.candidacy = undefined;
  if (s.stateCode === MemberState.PRIMARY) {
    steppedDownForHigherTerm(s);
    stepDownNow(s, `term changed to ${next} (${reason})`, true);
  }
  return true;
}

/**
 * Whether a non-forced step-down may go ahead now, and to whom (topology_coordinator.cpp
 * isSafeToStepDown): a write majority (voting data-bearing members, this primary included) has
 * applied everything this primary has, and at least one electable secondary has; that one (the
 * highest priority) is the election hand-off target. Undefined while either is missing.
 */
export function caughtUpElectable(s: TopologyState): string | undefined {
  const config = s.persisted.config;
  if (!config) return undefined;
  const mine = lastApplied(s);
  let caughtUpVoters = 1;
  let best: MemberData | undefined;
  for (const m of s.members.values()) {
    if (m.health !== 1 || compareOpTime(m.applied, mine) < 0) continue;
    if (isVoter(m.config) && !m.config.arbiterOnly) caughtUpVoters++;
    if (!isElectableMember(m.config) || m.state !== MemberState.SECONDARY) continue;
    if (!best || m.config.priority > best.config.priority) best = m;
  }
  if (caughtUpVoters < writeMajority(config)) return undefined;
  return best?.config.host;
}

/**
 * replSetStepDown begins: checks, then writes are refused while secondaries catch up. Returns
 * the deadline of secondaryCatchUpPeriodSecs.
 */
export function beginStepDown(s: TopologyState, stepDownSecs: number, secondaryCatchUpPeriodSecs: number): number {
  requireReplSet(s);
  if (s.stateCode !== MemberState.PRIMARY) throw serverError('NotWritablePrimary', 'not primary so can\'t step down');
  if (!(stepDownSecs >= secondaryCatchUpPeriodSecs)) {
    throw serverError('BadValue', 'stepdown period must be longer than secondaryCatchUpPeriodSecs');
  }
  if (s.stepDownInProgress) throw serverError('ConflictingOperationInProgress', 'Stepdown already in progress');
  s.stepDownInProgress = true;
  bumpTopology(s);
  return now(s) + secondaryCatchUpPeriodSecs * 1000;
}

/**
 * replSetStepDown's wait is over: step down, or fail with ExceededTimeLimit when it was not safe
 * (no `target`) and not forced. Only a non-forced step-down hands the election off to `target`
 * (replication_coordinator_impl.cpp stepDown: the hand-off is skipped with force).
 */
export function completeStepDown(s: TopologyState, target: string | undefined, stepDownSecs: number, force: boolean): void {
  if (s.stateCode !== MemberState.PRIMARY) throw serverError('NotWritablePrimary', 'not primary so can\'t step down');
  if (!target && !force) {
    throw serverError(
      'ExceededTimeLimit',
      `No electable secondaries caught up as of ${new Date(now(s)).toISOString()}. Please use the replSetStepDown command with the argument {force: true} to force node to step down.`,
    );
  }
  s.stepDownInProgress = false;
  stepDownNow(s, 'replSetStepDown command');
  s.frozenUntilMillis = now(s) + stepDownSecs * 1000;
  resetElectionTimer(s);
  if (target && !force) {
    log(s, 'I', 'REPL', LogIds.handingOffElection, { target });
    s.out.push({ kind: 'requestStepUp', to: target });
  }
}

/** However the attempt ended, writes are taken again if it did not step down. */
export function endStepDownAttempt(s: TopologyState): void {
  if (s.stepDownInProgress) {
    s.stepDownInProgress = false;
    bumpTopology(s);
  }
}

/** replSetStepUp: whether this member may stand now (throws mongod's answer if not). */
export function checkStepUp(s: TopologyState): void {
  requireReplSet(s);
  if (s.stateCode === MemberState.PRIMARY) throw serverError('CommandFailed', 'Already primary.');
  if (!canStandForElection(s)) {
    throw serverError('CommandFailed', `Election failed. ${s.stateCode !== MemberState.SECONDARY ? `Not electable: state ${stateName(s.stateCode)}` : 'Not electable'}`);
  }
}

/** replSetFreeze: no election for `secs` (0 unfreezes; a one-member set then elects itself). */
export function freeze(s: TopologyState, secs: number): Document {
  requireReplSet(s);
  requireConfig(s);
  if (s.stateCode === MemberState.PRIMARY || s.candidacy !== undefined) {
    throw serverError('NotSecondary', `cannot freeze node when primary or running for election. state: ${stateTitle(stateName(s.stateCode))}`);
  }
  const reply: Document = { ok: 1 };
  if (secs <= 0) {
    s.frozenUntilMillis = 0;
    reply.info = 'unfreezing';
    if (votingMembersCount(s) === 1 && canStandForElection(s)) s.out.push({ kind: 'electSoon', reason: 'singleNodePromptElection', skipDryRun: true });
    else resetElectionTimer(s);
  } else {
    s.frozenUntilMillis = now(s) + secs * 1000;
    if (secs === 1) reply.warning = 'you really want to freeze for only 1 second?';
  }
  return reply;
}
