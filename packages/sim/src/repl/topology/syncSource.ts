import type { Document } from 'bson';
import { serverError } from '../../base/errors';
import { NULL_OPTIME, compareOpTime, opTimeFromBson, packTs, tsSecs } from '../../base/optime';
import type { OpTime } from '../../base/optime';
import { LogIds } from '../../log/ids';
import { isVoter, normalizeHost } from '../config';
import { MemberState } from '../state';
import type { MemberData, TopologyState } from './core';
import { isSelf, lastApplied, log, now, primaryHost, requireConfig, requireReplSet, selfConfig, settings } from './core';

/**
 * Which member to pull the oplog from, when to give one up, replSetSyncFrom, and the denylist of
 * sources that failed (mongod 7.0's TopologyCoordinator chooseNewSyncSource, _isEligibleSyncSource,
 * shouldChangeSyncSource, prepareSyncFromResponse, denylistSyncSource; the manual's "Replica Set
 * Data Synchronization" and replSetSyncFrom pages). Our last applied optime stands for mongod's
 * last fetched one: the simulator applies what it fetches at once.
 */

/**
 * The oldest optime a sync source may have on a first pass: maxSyncSourceLagSecs before the
 * primary's (topology_coordinator.cpp _getOldestSyncOpTime); null without a known primary.
 */
function oldestSyncOpTime(s: TopologyState): OpTime | undefined {
  const primary = primaryHost(s);
  if (!primary) return undefined;
  const applied = isSelf(s, primary) ? lastApplied(s) : s.members.get(primary)?.applied;
  if (!applied) return undefined;
  const maxLagSecs = s.params.maxSyncSourceLagSecs;
  if (tsSecs(applied.ts) < maxLagSecs) return undefined;
  return { ts: packTs(tsSecs(applied.ts) - maxLagSecs, 0), t: applied.t };
}

function denylisted(s: TopologyState, host: string): boolean {
  const until = s.syncSourceDenylist.get(host);
  if (until === undefined) return false;
  if (now(s) < until) return true;
  s.syncSourceDenylist.delete(host);
  return false;
}

/**
 * topology_coordinator.cpp _isEligibleSyncSource: up, PRIMARY or SECONDARY, and building indexes
 * if we do; on the first pass also a voter if we are one, not hidden, not more than
 * maxSyncSourceLagSecs behind the primary and delayed no more than we are; ahead of us (when
 * `checkStaleness`); not denylisted.
 */
function eligible(s: TopologyState, m: MemberData, firstAttempt: boolean, checkStaleness: boolean, fetched: OpTime = lastFetched(s)): boolean {
  const me = selfConfig(s)!;
  if (m.health !== 1) return false;
  if (m.state !== MemberState.PRIMARY && m.state !== MemberState.SECONDARY) return false;
  if (firstAttempt) {
    if (isVoter(me) && !isVoter(m.config)) return false;
    if (m.config.hidden) return false;
    const oldest = checkStaleness ? oldestSyncOpTime(s) : undefined;
    if (oldest && compareOpTime(m.applied, oldest) < 0) return false;
    if (me.secondaryDelaySecs < m.config.secondaryDelaySecs) return false;
  }
  if (me.buildIndexes && !m.config.buildIndexes) return false;
  if (checkStaleness && compareOpTime(m.applied, fetched) <= 0) return false;
  return !denylisted(s, m.config.host);
}

/**
 * What "ahead of us" is measured against: our last optime; in initial sync the null optime, as
 * mongod's initial syncer chooses its source before it has fetched anything and keeps it until the
 * end (the simulator clones first, then fetches from the clone's start through the same choice).
 */
function lastFetched(s: TopologyState): OpTime {
  return s.stateCode === MemberState.STARTUP2 ? NULL_OPTIME : lastApplied(s);
}

/** The other members in config order. */
function others(s: TopologyState): MemberData[] {
  return [...s.members.values()].sort((a, b) => a.index - b.index);
}

/**
 * _chooseNearbySyncSource: the eligible member with the lowest ping (on equal pings the later in
 * the config), strict rules first, then without the first-pass ones if nobody passed them.
 */
function chooseNearby(s: TopologyState): string | null {
  for (const firstAttempt of [true, false]) {
    let closest: MemberData | undefined;
    for (const m of others(s)) {
      if (!eligible(s, m, firstAttempt, true)) continue;
      if (closest && m.pingMs > closest.pingMs) continue;
      closest = m;
    }
    if (closest) {
      setHeartbeatMessage(s, `syncing from: ${closest.config.host}`);
      return closest.config.host;
    }
  }
  setHeartbeatMessage(s, 'Could not find member to sync from');
  return null;
}

function setHeartbeatMessage(s: TopologyState, text: string): void {
  s.heartbeatMessage = { text, atMillis: now(s) };
}

/** _choosePrimaryAsSyncSource: the primary, unless unknown, ourselves, denylisted or behind us. */
function choosePrimary(s: TopologyState): string | null {
  const primary = primaryHost(s);
  if (!primary || isSelf(s, primary) || denylisted(s, primary)) return null;
  const pm = s.members.get(primary);
  if (!pm || compareOpTime(pm.applied, lastFetched(s)) < 0) return null;
  setHeartbeatMessage(s, `syncing from primary: ${primary}`);
  return primary;
}

/**
 * chooseNewSyncSource: a replSetSyncFrom target first (once); with chaining disabled
 * (settings.chainingAllowed: false) only the primary — except for a primary catching up, which
 * syncs from whoever is ahead, and an initial sync (the simulator has no
 * initialSyncSourceReadPreference); else the nearest eligible member. Each choice sets the
 * member's heartbeat message (rs.status's own `infoMessage`: "syncing from: h:p", "syncing from
 * primary: h:p", "Could not find member to sync from").
 */
export function chooseSyncSource(s: TopologyState): string | null {
  if (s.selfIndex < 0 || !s.persisted.config) return null;
  const forced = s.forcedSyncSource;
  if (forced !== undefined) {
    s.forcedSyncSource = undefined;
    if (s.members.has(forced)) {
      log(s, 'I', 'REPL', LogIds.syncSourceByRequest, { syncSource: forced });
      setHeartbeatMessage(s, `syncing from: ${forced} by request`);
      s.syncSourceFromRequest = true;
      return forced;
    }
  }
  s.syncSourceFromRequest = false;
  if (!settings(s).chainingAllowed && s.stateCode !== MemberState.PRIMARY && s.stateCode !== MemberState.STARTUP2) return choosePrimary(s);
  return chooseNearby(s);
}

/** Pass over `host` for syncSourceDenylistMillis. */
export function denylistSyncSource(s: TopologyState, host: string, reason: string): void {
  const until = now(s) + s.params.syncSourceDenylistMillis;
  s.syncSourceDenylist.set(host, until);
  log(s, 'I', 'REPL', LogIds.denylistingSyncSource, { syncSource: host, until: new Date(until).toISOString(), reason });
}

/**
 * After a batch from `source` (its `$replData` in `data`), in shouldChangeSyncSource's order: a
 * replSetSyncFrom request; a source no longer in the config; chaining disabled and a primary
 * known that is not the source; a source that is not primary, has no sync source and is not ahead
 * of us; during our catch-up, a source that syncs from us and is not ahead; a source more than
 * maxSyncSourceLagSecs behind an eligible member; a source that fails the strict first-pass rules
 * while another member passes them.
 */
export function shouldChangeSyncSource(s: TopologyState, source: string, data: Document, fetchedBefore?: OpTime): boolean {
  // An initial sync keeps its source to the end (data_replicator_external_state_initial_sync.cpp
  // shouldStopFetching is always false).
  if (s.selfIndex < 0 || s.stateCode === MemberState.STARTUP2) return false;
  if (s.forcedSyncSource !== undefined) {
    log(s, 'I', 'REPL', LogIds.syncSourceUserRequested, { syncSource: s.forcedSyncSource });
    return true;
  }
  const m = s.members.get(source);
  if (!m) {
    log(s, 'I', 'REPL', LogIds.syncSourceNotInConfig, { currentSyncSource: source });
    return true;
  }
  const isPrimary = data.isPrimary === true;
  const primary = primaryHost(s);
  if (!isPrimary && !settings(s).chainingAllowed && primary && !isSelf(s, primary) && primary !== source) {
    log(s, 'I', 'REPL', LogIds.syncSourceChainingNewPrimary, { syncSource: source, newPrimary: primary });
    return true;
  }
  const visible = data.lastOpVisible ? opTimeFromBson(data.lastOpVisible) : undefined;
  const sourceOpTime = visible && compareOpTime(visible, m.applied) > 0 ? visible : m.applied;
  const mine = lastApplied(s);
  const sourceSyncIndex = Number(data.syncSourceIndex ?? -1);
  const notAhead = compareOpTime(sourceOpTime, mine) <= 0;
  if (sourceSyncIndex === -1 && notAhead && !isPrimary) {
    log(s, 'I', 'REPL', LogIds.syncSourceNotPrimaryWithoutSource, { syncSource: source });
    return true;
  }
  if (sourceSyncIndex === s.selfIndex && s.stateCode === MemberState.PRIMARY && notAhead) {
    log(s, 'I', 'REPL', LogIds.syncSourceCycleInCatchUp, { syncSource: source });
    return true;
  }
  const thresholdSecs = tsSecs(sourceOpTime.ts) + s.params.maxSyncSourceLagSecs;
  for (const other of others(s)) {
    if (thresholdSecs < tsSecs(other.applied.ts) && eligible(s, other, true, true)) {
      log(s, 'I', 'REPL', LogIds.syncSourceLagging, { syncSource: source, otherMember: other.config.host });
      return true;
    }
  }
  if (!eligible(s, m, true, false)) {
    const better = others(s).find((other) => eligible(s, other, true, true));
    if (better) {
      log(s, 'I', 'REPL', LogIds.syncSourceNotPreferred, { currentSyncSource: source, eligibleCandidateSyncSource: better.config.host });
      return true;
    }
  }
  return muchCloserSource(s, m, fetchedBefore ?? mine);
}

/** RecentSyncSourceChanges::changedTooOftenRecently: maxNumSyncSourceChangesPerHour changes, all within the hour. */
function changedTooOftenRecently(s: TopologyState): boolean {
  const changes = s.recentSyncSourceChanges;
  const max = s.params.maxNumSyncSourceChangesPerHour;
  if (changes.length < max) return false;
  return changes[changes.length - max]! > now(s) - 3_600_000;
}

/**
 * shouldChangeSyncSourceDueToPingTime: another eligible member's ping is more than
 * changeSyncSourceThresholdMillis lower than the source's. Not for a source replSetSyncFrom set,
 * in initial sync, for a delayed member, after maxNumSyncSourceChangesPerHour changes in the hour,
 * with chaining disabled (the primary only), or before 5 heartbeats per member have answered.
 * Candidates need only be ahead of where we were before the batch (`previousOpTimeFetched`).
 */
function muchCloserSource(s: TopologyState, current: MemberData, fetchedBefore: OpTime): boolean {
  const threshold = s.params.changeSyncSourceThresholdMillis;
  if (s.syncSourceFromRequest || s.stateCode === MemberState.STARTUP2 || threshold === 0) return false;
  if ((selfConfig(s)?.secondaryDelaySecs ?? 0) > 0 || changedTooOftenRecently(s)) return false;
  if (!settings(s).chainingAllowed && s.stateCode !== MemberState.PRIMARY) return false;
  const all = others(s);
  if (all.reduce((n, m) => n + m.pingCount, 0) < all.length * 5 || current.pingCount === 0) return false;
  for (const candidate of all) {
    if (candidate.pingCount === 0 || current.pingMs - candidate.pingMs <= threshold) continue;
    if (!eligible(s, candidate, true, true, fetchedBefore)) continue;
    log(s, 'I', 'REPL', LogIds.syncSourceMuchCloser, {
      syncSourcePingTime: current.pingMs,
      changeSyncSourceThreshold: threshold,
      candidateNode: candidate.config.host,
      candidatePingTime: candidate.pingMs,
    });
    return true;
  }
  return false;
}

/**
 * replSetSyncFrom (topology_coordinator.cpp prepareSyncFromResponse): check the target, answer
 * with `syncFromRequested` (and `prevSyncTarget`, and a `warning` when the target is more than 10
 * seconds behind us), and have the next sync-source choice take it. Errors carry
 * `syncFromRequested` too, as mongod's reply does.
 */
export function prepareSyncFrom(s: TopologyState, requested: string): Document {
  requireReplSet(s);
  requireConfig(s);
  const target = normalizeHost(requested);
  const reply: Document = { syncFromRequested: target };
  const fail = (code: 'NotSecondary' | 'NodeNotFound' | 'InvalidOptions' | 'HostUnreachable', errmsg: string): never => {
    throw serverError(code, errmsg, { extra: { syncFromRequested: target } });
  };
  const me = selfConfig(s);
  if (!me) return fail('NotSecondary', 'Removed and uninitialized nodes do not sync');
  if (me.arbiterOnly) fail('NotSecondary', "arbiters don't sync");
  if (s.stateCode === MemberState.PRIMARY) fail('NotSecondary', "primaries don't sync");
  const targetConfig = s.persisted.config!.members.find((mc) => mc.host === target);
  if (!targetConfig) return fail('NodeNotFound', `Could not find member "${target}" in replica set`);
  if (targetConfig.host === me.host) fail('InvalidOptions', 'I cannot sync from myself');
  if (targetConfig.arbiterOnly) fail('InvalidOptions', `Cannot sync from "${target}" because it is an arbiter`);
  if (!targetConfig.buildIndexes && me.buildIndexes) fail('InvalidOptions', `Cannot sync from "${target}" because it does not build indexes`);
  if (isVoter(me) && !isVoter(targetConfig)) fail('InvalidOptions', `Cannot sync from "${target}" because it is not a voter`);
  const m = s.members.get(target)!;
  if (m.health === 0) fail('HostUnreachable', `I cannot reach the requested member: ${target}`);
  const mine = lastApplied(s);
  if (tsSecs(m.applied.ts) + 10 < tsSecs(mine.ts)) {
    log(s, 'W', 'REPL', LogIds.syncFromBehind, { syncSource: target, syncSourceHeartbeatAppliedOpTime: tsSecs(m.applied.ts), lastOpApplied: tsSecs(mine.ts) });
    reply.warning = `requested member "${target}" is more than 10 seconds behind us`;
  }
  if (s.syncSource) reply.prevSyncTarget = s.syncSource;
  s.forcedSyncSource = target;
  return reply;
}
