import type { Document } from 'bson';
import { compareOpTime, isNullOpTime, tsSecs } from '../../base/optime';
import { LogIds } from '../../log/ids';
import { MemberState } from '../state';
import type { MemberData, TopologyState } from './core';
import { lastApplied, log, now, primaryHost, settings, term } from './core';

/**
 * Which member to pull the oplog from, when to give one up, and the denylist of sources that
 * failed (mongod's TopologyCoordinator chooseNewSyncSource, shouldChangeSyncSource, denylistSyncSource).
 */

/**
 * The primary if it is ahead of us; else (chaining allowed, or an initial sync) the freshest
 * healthy member ahead of us that does not sync from us. Null when there is none.
 */
export function chooseSyncSource(s: TopologyState): string | null {
  const mine = lastApplied(s);
  const at = now(s);
  const initialSync = s.stateCode === MemberState.STARTUP2;
  let primary: MemberData | undefined;
  let best: MemberData | undefined;
  for (const m of s.members.values()) {
    if (m.health !== 1 || m.config.arbiterOnly) continue;
    if (m.state !== MemberState.PRIMARY && m.state !== MemberState.SECONDARY) continue;
    const denied = s.syncSourceDenylist.get(m.config.host);
    if (denied !== undefined) {
      if (at < denied) continue;
      s.syncSourceDenylist.delete(m.config.host);
    }
    // Never sync from a member that syncs from us: that would be a cycle.
    if (m.state !== MemberState.PRIMARY && m.syncSource === s.selfName) continue;
    if (initialSync) {
      if (isNullOpTime(m.applied)) continue;
    } else if (compareOpTime(m.applied, mine) < 0 || (m.state !== MemberState.PRIMARY && compareOpTime(m.applied, mine) === 0)) {
      continue;
    }
    if (m.state === MemberState.PRIMARY && m.term >= term(s)) primary = m;
    else if (!best || compareOpTime(m.applied, best.applied) > 0) best = m;
  }
  if (primary && (s.stateCode !== MemberState.PRIMARY || compareOpTime(primary.applied, mine) > 0)) return primary.config.host;
  if (!settings(s).chainingAllowed && !initialSync && s.stateCode !== MemberState.PRIMARY) return null;
  return best?.config.host ?? null;
}

/** Pass over `host` for syncSourceDenylistMillis. */
export function denylistSyncSource(s: TopologyState, host: string, reason: string): void {
  const until = now(s) + s.params.syncSourceDenylistMillis;
  s.syncSourceDenylist.set(host, until);
  log(s, 'I', 'REPL', LogIds.denylistingSyncSource, { syncSource: host, until: new Date(until).toISOString(), reason });
}

/**
 * After a batch from `source` (its `$replData` in `data`): give it up if it is down, syncs from
 * us, lags the primary by a term or maxSyncSourceLagSecs, or is a secondary without a source of
 * its own while a primary is known.
 */
export function shouldChangeSyncSource(s: TopologyState, source: string, data: Document): boolean {
  const m = s.members.get(source);
  if (!m || m.health === 0) return true;
  if (data.isPrimary !== true) {
    if (m.syncSource === s.selfName) {
      log(s, 'I', 'REPL', LogIds.syncSourceSyncsFromUs, { syncSource: source });
      return true;
    }
    const primary = primaryHost(s);
    const pm = primary ? s.members.get(primary) : undefined;
    if (pm && pm !== m && pm.health === 1) {
      const lagSecs = tsSecs(pm.applied.ts) - tsSecs(m.applied.ts);
      if (pm.applied.t > m.applied.t || lagSecs > s.params.maxSyncSourceLagSecs) {
        log(s, 'I', 'REPL', LogIds.syncSourceBehindPrimary, { syncSource: source, primary, lagSecs });
        return true;
      }
    }
  }
  if (data.isPrimary !== true && Number(data.syncSourceIndex ?? -1) < 0) {
    const primary = primaryHost(s);
    if (primary && primary !== source && primary !== s.selfName) {
      log(s, 'I', 'REPL', LogIds.syncSourceNotPrimaryWithoutSource, { syncSource: source });
      return true;
    }
  }
  return false;
}
