import type { Document } from 'bson';
import { NULL_OPTIME, compareOpTime, isNullOpTime, opTimeFromBson, opTimeToBson } from '../../base/optime';
import type { OpTime } from '../../base/optime';
import type { MemberConfig, TagPattern } from '../config';
import { isVoter, tagPatternMatched, writeMajority } from '../config';
import { MemberState } from '../state';
import type { MemberData, TopologyState } from './core';
import { electionTimeoutMillis, emit, lastApplied, lastAppliedWallMillis, lastDurable, memberById, now, requireConfig, requireReplSet, selfConfig, term } from './core';
import { newTermMajorityCommitted } from './metrics';
import { replData } from './status';
import { updateTerm } from './stepDown';

/**
 * The majority commit point and the positions it is computed from: a primary from its members'
 * durable optimes (replSetUpdatePosition, heartbeats), a secondary from its sync source's
 * metadata; and whether an optime satisfies a `w` (mongod's TopologyCoordinator
 * updateLastCommittedOpTime, advanceLastCommittedOpTimeAndWallTime, haveNumNodesReachedOpTime).
 */

/** A primary: the newest optime of its term durable on a write majority becomes the commit point. */
export function updateCommitPoint(s: TopologyState): void {
  if (s.stateCode !== MemberState.PRIMARY) return;
  const config = s.persisted.config;
  if (!config) return;
  const optimes: OpTime[] = [];
  for (const mc of config.members) {
    if (!isVoter(mc) || mc.arbiterOnly) continue;
    if (mc.host === s.selfName) optimes.push(lastApplied(s));
    else optimes.push(s.members.get(mc.host)?.durable ?? NULL_OPTIME);
  }
  optimes.sort((a, b) => compareOpTime(b, a));
  const candidate = optimes[writeMajority(config) - 1];
  if (candidate && candidate.t === term(s) && compareOpTime(candidate, s.commitPoint) > 0) {
    setCommitPoint(s, candidate);
    // The commit point is in our term, so at or past the term's first entry.
    newTermMajorityCommitted(s);
  }
  s.out.push({ kind: 'checkWriteConcern' });
}

export function setCommitPoint(s: TopologyState, opTime: OpTime): void {
  if (compareOpTime(opTime, s.commitPoint) <= 0) return;
  s.commitPoint = opTime;
  emit(s, { type: 'commitPoint', opTime });
  s.out.push({ kind: 'checkWriteConcern' }, { kind: 'commitPointChanged' });
}

/** Secondaries learn the commit point from metadata, bounded by what they have. */
export function advanceCommitPointFromRemote(s: TopologyState, remote: OpTime): void {
  if (s.stateCode === MemberState.PRIMARY) return;
  if (compareOpTime(remote, s.commitPoint) <= 0) return;
  const mine = lastApplied(s);
  if (s.persisted.oplog.contains(remote)) {
    setCommitPoint(s, remote);
  } else if (mine.t === remote.t && compareOpTime(mine, remote) < 0) {
    setCommitPoint(s, mine);
  }
}

/** `$replData` from a peer: a newer term, and (in our term) its commit point. */
export function processReplData(s: TopologyState, data: Document, from: string): void {
  const theirTerm = Number(data.term ?? -1);
  if (theirTerm > term(s)) updateTerm(s, theirTerm, `metadata from ${from}`);
  if (data.lastOpCommitted && theirTerm === term(s)) advanceCommitPointFromRemote(s, opTimeFromBson(data.lastOpCommitted));
}

/** mongod's MemberData::lastUpdateStale: nothing from the member (heartbeat reply, position) for electionTimeoutMillis. */
export function isLastUpdateStale(s: TopologyState, m: MemberData, at: number): boolean {
  return at - m.lastContactMillis >= electionTimeoutMillis(s);
}

/**
 * Whether `opTime` has reached `w` members (this one counts by lastApplied, the others by
 * durable), the commit point, or — a custom mode's tag pattern — members carrying enough distinct
 * values of each tag key (TopologyCoordinator::haveTaggedNodesReachedOpTime).
 */
export function satisfied(s: TopologyState, opTime: OpTime, w: number | 'majority' | TagPattern): boolean {
  if (typeof w === 'object') {
    const reached: MemberConfig[] = [];
    const me = selfConfig(s);
    if (me && compareOpTime(lastApplied(s), opTime) >= 0) reached.push(me);
    for (const m of s.members.values()) {
      if (!m.config.arbiterOnly && compareOpTime(m.durable, opTime) >= 0) reached.push(m.config);
    }
    return tagPatternMatched(w, reached);
  }
  if (w === 'majority') {
    // Injected bug (simulations only): "majority" once applied here.
    if (s.params.injectedBugs.includes('ack-before-majority')) return compareOpTime(lastApplied(s), opTime) >= 0;
    return compareOpTime(s.commitPoint, opTime) >= 0;
  }
  let count = compareOpTime(lastApplied(s), opTime) >= 0 ? 1 : 0;
  for (const m of s.members.values()) {
    if (!m.config.arbiterOnly && compareOpTime(m.durable, opTime) >= 0) count++;
  }
  return count >= w;
}

/** replSetUpdatePosition, first step: the sender's term. */
export function updatePositionTerm(s: TopologyState, cmd: Document): void {
  requireReplSet(s);
  requireConfig(s);
  if (cmd.$replData) {
    const theirTerm = Number((cmd.$replData as Document).term ?? -1);
    if (theirTerm > term(s)) updateTerm(s, theirTerm, 'replSetUpdatePosition');
  }
}

/** replSetUpdatePosition, second step: the positions it reports; a primary's commit point follows. */
export function updatePositions(s: TopologyState, cmd: Document): void {
  const list = Array.isArray(cmd.optimes) ? (cmd.optimes as Document[]) : [];
  let changed = false;
  const at = now(s);
  for (const entry of list) {
    const m = memberById(s, Number(entry.memberId));
    if (!m) continue;
    const applied = opTimeFromBson(entry.appliedOpTime);
    const durable = entry.durableOpTime ? opTimeFromBson(entry.durableOpTime) : applied;
    m.lastContactMillis = at;
    // topology_coordinator.cpp setLastOptimeForMember: a position only ever advances (MemberData's
    // advanceLastAppliedOpTimeAndWallTime / advanceLastDurableOpTimeAndWallTime, each with its wall
    // time). Positions come forwarded along a sync chain and can be older than what a heartbeat
    // already said; a member that rolled back is lowered by its next heartbeat reply (setUpValues).
    if (compareOpTime(applied, m.applied) > 0) {
      m.applied = applied;
      if (entry.appliedWallTime instanceof Date) m.appliedWallMillis = entry.appliedWallTime.getTime();
      changed = true;
    }
    if (compareOpTime(durable, m.durable) > 0) {
      m.durable = durable;
      changed = true;
    }
  }
  if (changed) {
    if (s.stateCode === MemberState.PRIMARY) updateCommitPoint(s);
    else s.out.push({ kind: 'reportPosition' });
  }
}

/**
 * The replSetUpdatePosition this member sends its sync source: its own position and what it
 * knows of the others, or undefined when there is no one to tell (mongod's
 * prepareReplSetUpdatePositionCommand).
 */
export function updatePositionCommand(s: TopologyState): { target: string; command: Document } | undefined {
  const target = s.syncSource;
  const config = s.persisted.config;
  if (!target || !config || s.stateCode === MemberState.PRIMARY) return undefined;
  // A member in initial sync sends no replSetUpdatePosition at all (mongod's
  // jstests/replsets/no_progress_updates_during_initial_sync.js): it is in no write majority.
  if (s.stateCode === MemberState.STARTUP2) return undefined;
  const optimes: Document[] = [];
  const me = selfConfig(s);
  if (me) {
    optimes.push({
      durableOpTime: opTimeToBson(lastDurable(s)),
      durableWallTime: new Date(lastAppliedWallMillis(s)),
      appliedOpTime: opTimeToBson(lastApplied(s)),
      appliedWallTime: new Date(lastAppliedWallMillis(s)),
      memberId: me._id,
      cfgver: config.version,
    });
  }
  const at = now(s);
  for (const m of s.members.values()) {
    if (isNullOpTime(m.applied) || m.config.arbiterOnly) continue;
    // A member not heard from within electionTimeoutMillis is down as far as we know: forwarding
    // its old position would refresh the primary's contact with it (mongod skips a member whose
    // lastUpdate is stale, topology_coordinator.cpp prepareReplSetUpdatePositionCommand).
    if (isLastUpdateStale(s, m, at)) continue;
    optimes.push({
      durableOpTime: opTimeToBson(m.durable),
      durableWallTime: new Date(m.appliedWallMillis),
      appliedOpTime: opTimeToBson(m.applied),
      appliedWallTime: new Date(m.appliedWallMillis),
      memberId: m.config._id,
      cfgver: config.version,
    });
  }
  return { target, command: { replSetUpdatePosition: 1, optimes, $replData: replData(s) } };
}
