import { compareOpTime } from '../../base/optime';
import { LogIds } from '../../log/ids';
import { cloneConfig, isVoter, votingMajority } from '../config';
import { MemberState } from '../state';
import { updateCommitPoint } from './commitPoint';
import type { CatchUpConclusion, TopologyState } from './core';
import {
  bumpTopology,
  cancelElectionTimer,
  electionTimeoutMillis,
  emit,
  heartbeatEveryoneNow,
  isWritablePrimary,
  lastApplied,
  lastAppliedWallMillis,
  log,
  now,
  setSyncSource,
  setState,
  settings,
  term,
} from './core';
import { catchUpConcluded, catchUpTargetSet, newTermStarted } from './metrics';
import { logOps, nextTs } from './oplogWrite';
import { stepDownNow } from './stepDown';

/**
 * Taking up the primary role after a won election: catch-up (fetch what the freshest reachable
 * member has, up to catchUpTimeoutMillis), then writes; and keeping it — the liveness check that
 * steps down without a majority in sight, and the periodic no-op (mongod's
 * ReplicationCoordinatorImpl::CatchupState, TopologyCoordinator::checkMemberTimeouts).
 */

/** The election for `newTerm` is won. */
export function becomePrimary(s: TopologyState, newTerm: number): void {
  log(s, 'I', 'ELECTION', LogIds.electionSucceeded, { term: newTerm });
  s.catchUpStartLength = s.persisted.oplog.length;
  emit(s, { type: 'electionWon', term: newTerm });
  cancelElectionTimer(s);
  s.electionTimeTs = nextTs(s);
  setState(s, MemberState.PRIMARY, 'won election');
  s.writable = false;
  // Catch up to the freshest member we can hear from, then take writes.
  const timeout = settings(s).catchUpTimeoutMillis;
  // CatchupState::start: no catch-up in a one-member set or with catchUpTimeoutMillis 0.
  if (timeout === 0 || s.members.size === 0) {
    finishCatchUp(s, 'catch-up skipped', 'skipped');
    return;
  }
  s.catchUp = { heard: new Set([s.selfName]), target: undefined, ahead: false };
  log(s, 'I', 'REPL', LogIds.enteringCatchUp, {});
  heartbeatEveryoneNow(s);
  if (timeout > 0) s.out.push({ kind: 'setTimer', timer: 'catchUp', delayMillis: timeout });
  // Fetch from a member that is ahead, not from whichever source we had as a secondary.
  s.out.push({ kind: 'stopFetcher' }, { kind: 'startFetcher' });
}

/** A heartbeat reply from `host` during catch-up. */
export function catchUpHeard(s: TopologyState, host: string): void {
  s.catchUp?.heard.add(host);
  checkCatchUp(s);
}

/** Whether catch-up is over: caught up with the freshest member heard, or nobody ahead is reachable. */
export function checkCatchUp(s: TopologyState): void {
  const catchUp = s.catchUp;
  if (!catchUp) return;
  const config = s.persisted.config!;
  // Wait to hear from a majority of voters since the catch-up began (or the rest are down).
  const reachable = config.members.filter((mc) => mc.host === s.selfName || s.members.get(mc.host)?.health !== 0);
  const heardVoters = config.members.filter((mc) => isVoter(mc) && catchUp.heard.has(mc.host)).length;
  const allReachableHeard = reachable.every((mc) => catchUp.heard.has(mc.host));
  if (heardVoters < votingMajority(config) && !allReachableHeard) return;
  let target = lastApplied(s);
  for (const host of catchUp.heard) {
    const m = s.members.get(host);
    if (m && m.health === 1 && compareOpTime(m.applied, target) > 0) target = m.applied;
  }
  const previous = catchUp.target;
  catchUp.target = target;
  if (compareOpTime(lastApplied(s), target) >= 0) {
    // CatchupState::signalHeartbeatUpdate: already caught up (21364), or reached the target (21368).
    finishCatchUp(s, 'caught up', catchUp.ahead ? 'succeeded' : 'alreadyCaughtUp');
    return;
  }
  if (!previous || compareOpTime(previous, target) !== 0 || !catchUp.ahead) {
    catchUpTargetSet(s, target, !catchUp.ahead);
    catchUp.ahead = true;
  }
  // Nobody ahead is still reachable: stop waiting (mongod waits on until catchUpTimeoutMillis; counted as timed out).
  const mine = lastApplied(s);
  const aheadReachable = [...s.members.values()].some((m) => m.health === 1 && compareOpTime(m.applied, mine) > 0);
  if (!aheadReachable) finishCatchUp(s, 'no reachable member is ahead', 'timedOut');
}

/** Catch-up is over (or skipped): the config takes the new term, a no-op opens it, writes are taken. */
export function finishCatchUp(s: TopologyState, reason: string, conclusion: CatchUpConclusion): void {
  if (s.stateCode !== MemberState.PRIMARY) return;
  if (s.catchUp || conclusion === 'skipped') catchUpConcluded(s, conclusion, Math.max(0, s.persisted.oplog.length - s.catchUpStartLength));
  s.catchUp = undefined;
  s.out.push({ kind: 'cancelTimer', timer: 'catchUp' });
  log(s, 'I', 'REPL', LogIds.exitedCatchUp, { reason });
  s.out.push({ kind: 'stopFetcher' });
  setSyncSource(s, null);
  // The config term follows the new term.
  const config = s.persisted.config!;
  if (config.term !== term(s) && config.term !== -1) {
    const next = cloneConfig(config);
    next.term = term(s);
    s.persisted.config = next;
    s.out.push({ kind: 'persistReplState', what: 'config' });
    emit(s, { type: 'configChange', version: next.version, term: next.term });
  } else if (config.term === -1) {
    const next = cloneConfig(config);
    next.term = term(s);
    s.persisted.config = next;
    s.out.push({ kind: 'persistReplState', what: 'config' });
  }
  // The step-up config is a reconfig in mongod (doOptimizedReconfig → _finishReplSetReconfig).
  s.lastCommittedInPrevConfig = s.commitPoint;
  // Tell everyone about the new config term at once.
  heartbeatEveryoneNow(s);
  logOps(s, [{ op: 'n', ns: '', o: { msg: 'new primary' } }]);
  newTermStarted(s, lastAppliedWallMillis(s));
  s.writable = true;
  const at = now(s);
  for (const m of s.members.values()) {
    m.lastContactMillis = Math.max(m.lastContactMillis, at - electionTimeoutMillis(s) / 2);
  }
  log(s, 'I', 'REPL', LogIds.transitionToPrimaryComplete, {});
  emit(s, { type: 'primaryWritable', term: term(s) });
  bumpTopology(s);
  scheduleLivenessCheck(s);
  scheduleNoop(s);
  updateCommitPoint(s);
}

/** catchUpTimeoutMillis ran out. */
export function catchUpTimedOut(s: TopologyState): void {
  if (s.catchUp) finishCatchUp(s, 'catch-up timed out', 'timedOut');
}

export function scheduleLivenessCheck(s: TopologyState): void {
  s.out.push({ kind: 'setTimer', timer: 'liveness', delayMillis: Math.max(50, Math.floor(electionTimeoutMillis(s) / 2)) });
}

/** Every half election timeout a primary counts the voters it heard from within one; short of a majority it steps down. */
export function livenessCheck(s: TopologyState): void {
  if (s.stateCode !== MemberState.PRIMARY) return;
  const config = s.persisted.config!;
  const at = now(s);
  let seen = 0;
  for (const mc of config.members) {
    if (!isVoter(mc)) continue;
    if (mc.host === s.selfName) seen++;
    else {
      const m = s.members.get(mc.host);
      if (m && at - m.lastContactMillis < electionTimeoutMillis(s)) seen++;
    }
  }
  if (seen < votingMajority(config)) {
    log(s, 'I', 'REPL', LogIds.cannotSeeMajority, {});
    stepDownNow(s, "can't see a majority of the set, relinquishing primary");
    return;
  }
  scheduleLivenessCheck(s);
}

function noopIntervalMillis(s: TopologyState): number {
  return s.params.periodicNoopIntervalSecs * 1000;
}

export function scheduleNoop(s: TopologyState): void {
  s.out.push({ kind: 'cancelTimer', timer: 'noop' });
  const interval = noopIntervalMillis(s);
  if (!(interval > 0)) return;
  s.out.push({ kind: 'setTimer', timer: 'noop', delayMillis: interval });
}

/** writePeriodicNoops: an idle primary writes a no-op every periodicNoopIntervalSecs, so that optimes move. */
export function periodicNoop(s: TopologyState): void {
  if (!isWritablePrimary(s)) return;
  if (now(s) - s.lastWriteMillis >= noopIntervalMillis(s)) logOps(s, [{ op: 'n', ns: '', o: { msg: 'periodic noop' } }]);
  scheduleNoop(s);
}
