import type { Document } from 'bson';
import { compareOpTime, formatOpTime } from '../../base/optime';
import type { OpTime } from '../../base/optime';
import { LogIds } from '../../log/ids';
import { entryOpTime } from '../../storage/oplog';
import type { OplogEntry } from '../../storage/oplog';
import type { RollbackFile } from '../../storage/replState';
import { MemberState } from '../state';
import { processReplData } from './commitPoint';
import type { TopologyState } from './core';
import { cancelElectionTimer, emit, lastApplied, log, now, resetElectionTimer, setState, term } from './core';
import { entriesAppliedForMetrics } from './metrics';
import { capOplog } from './oplogWrite';
import { checkCatchUp } from './primary';

/**
 * A member following a sync source, decided: what a fetched batch's metadata tells (term, commit
 * point, a live primary), taking applied entries into the oplog (and out of initial sync), and the
 * states of a rollback (mongod's BackgroundSync/OplogFetcher metadata handling, RollbackImpl's
 * transitions). Fetching and applying themselves are oplogFetcher.ts, applier.ts, rollback.ts.
 */

/** Metadata of a reply from `source`: term, commit point, and (from a primary of our term) a reset election timer. */
export function fetchMetadata(s: TopologyState, reply: Document, source: string): Document {
  const data = (reply.$replData ?? {}) as Document;
  processReplData(s, data, source);
  const m = s.members.get(source);
  if (m) m.lastContactMillis = now(s);
  if (Number(data.primaryIndex ?? -1) >= 0 && Number(data.term ?? -1) === term(s) && s.stateCode === MemberState.SECONDARY) {
    resetElectionTimer(s);
  }
  return data;
}

/** Throws unless `entries` follow our last entry in strictly increasing optime order. */
export function checkBatchOrder(s: TopologyState, entries: readonly OplogEntry[]): void {
  let prev: OpTime = lastApplied(s);
  for (const e of entries) {
    if (!(e.ts > prev.ts) || compareOpTime(e, prev) <= 0) {
      throw new Error(`oplog batch out of order: ${formatOpTime(e)} after ${formatOpTime(prev)}`);
    }
    prev = e;
  }
}

/**
 * Entries from the sync source are applied to storage: they join the oplog. `caughtUp` (a short
 * batch) ends an initial sync.
 */
export function entriesApplied(s: TopologyState, entries: readonly OplogEntry[], caughtUp: boolean): void {
  if (entries.length > 0) {
    for (const e of entries) s.persisted.oplog.append(e);
    entriesAppliedForMetrics(s, entries);
    s.out.push({ kind: 'persistOplog', entries, fromSyncSource: true });
    capOplog(s);
    s.out.push({ kind: 'oplogChanged', rolledBack: false }, { kind: 'reportPosition' });
  }
  if (s.stateCode === MemberState.STARTUP2 && caughtUp && s.persisted.oplog.length > 0) {
    log(s, 'I', 'INITSYNC', LogIds.initialSyncDone, { lastApplied: formatOpTime(lastApplied(s)) });
    // The data is consistent from here on (mongod's initialDataTimestamp): durable before SECONDARY.
    s.persisted.initialDataOpTime = lastApplied(s);
    s.persisted.initialSyncFlag = false;
    s.out.push({ kind: 'persistReplState', what: 'initialData' });
    setState(s, MemberState.SECONDARY, 'initial sync done');
    resetElectionTimer(s);
    s.out.push({ kind: 'reportPosition' });
  }
  if (s.catchUp) checkCatchUp(s);
}

/** An initial sync (empty oplog) starts cloning `source`, whose last entry is `begin` (beginApplyingTimestamp). */
export function initialSyncStarted(s: TopologyState, source: string, begin: OplogEntry): void {
  log(s, 'I', 'INITSYNC', LogIds.initialSyncCloneStarted, { syncSource: source, beginApplyingTimestamp: formatOpTime(begin) });
  // Durable before the clone drops anything (InitialSyncer sets the initialSyncFlag first).
  s.persisted.initialSyncFlag = true;
  s.out.push({ kind: 'persistReplState', what: 'initialSync' });
}

/**
 * The clone is in storage: the source's entry noted before cloning starts our oplog (not applied:
 * the clone holds its effect). Still STARTUP2: the fetcher applies from it, and a short batch ends
 * the initial sync (entriesApplied).
 */
export function initialSyncCloned(s: TopologyState, source: string, begin: OplogEntry, stats: Document): void {
  if (s.stateCode !== MemberState.STARTUP2 || s.persisted.oplog.length > 0) throw new Error('initial sync clone done outside an initial sync');
  log(s, 'I', 'INITSYNC', LogIds.initialSyncCloneDone, { syncSource: source, beginApplyingTimestamp: formatOpTime(begin), ...stats });
  s.initialSyncFailedAttempts = 0;
  s.persisted.oplog.append(begin);
  s.out.push({ kind: 'persistOplog', entries: [begin], fromSyncSource: true }, { kind: 'oplogChanged', rolledBack: false });
}

/**
 * An initial sync attempt failed (initial_syncer.cpp `_finishInitialSyncAttempt`): logged with the
 * attempts left; the next attempt starts over (the fetcher finds our oplog still empty). After
 * numInitialSyncAttempts failures mongod gives up and fasserts (replication_coordinator_impl.cpp:
 * the member shuts down; a restart tries again).
 */
export function initialSyncAttemptFailed(s: TopologyState, source: string, error: string): void {
  s.initialSyncFailedAttempts++;
  const attemptsLeft = Math.max(0, s.params.numInitialSyncAttempts - s.initialSyncFailedAttempts);
  log(s, 'E', 'INITSYNC', LogIds.initialSyncAttemptFailed, { attemptsLeft, error: `OplogStartMissing: ${error}`, syncSource: source });
  if (attemptsLeft > 0) return;
  log(s, 'F', 'INITSYNC', LogIds.initialSyncRetriesExhausted, {});
  s.out.push({ kind: 'abort', reason: 'initial sync failed: the maximum number of retries have been exhausted' });
}

/** The source's oplog starts after our last entry: this member cannot catch up from it. */
export function tooStale(s: TopologyState, source: string): void {
  log(s, 'E', 'REPL', LogIds.tooStaleForSyncSource, { syncSource: source, lastApplied: formatOpTime(lastApplied(s)) });
  cancelElectionTimer(s);
  setState(s, MemberState.RECOVERING, `too stale to sync from ${source}`);
  s.out.push({ kind: 'stopFetcher' });
}

/** Our oplog diverged from the primary's: ROLLBACK while the common point is looked for. */
export function rollbackStarted(s: TopologyState, source: string): void {
  log(s, 'I', 'ROLLBACK', LogIds.transitionToRollback, { syncSource: source });
  cancelElectionTimer(s);
  s.rollbackFromInitialSync = s.stateCode === MemberState.STARTUP2;
  setState(s, MemberState.ROLLBACK, `diverged from ${source}`);
}

/**
 * Whether the common point (entry `common`) is one this member may not roll back to: before the
 * point where initial sync made its data consistent, or any point while the initial sync had not
 * got there yet. What initial sync cloned is a copy taken while the source kept writing, not the
 * data as of any oplog entry, so undoing entries from it cannot give the data at the common point
 * (mongod's storage only takes stable timestamps from the initialDataTimestamp on, and
 * rollback_impl.cpp recovers to a stable timestamp and refuses a common point before it: the
 * member must be resynced). Then it goes RECOVERING, keeps its oplog and data, and stops syncing.
 */
export function rollbackBeforeInitialData(s: TopologyState, source: string, common: number): boolean {
  const commonPoint = entryOpTime(s.persisted.oplog.at(common)!);
  const initial = s.persisted.initialDataOpTime;
  const refused = s.rollbackFromInitialSync || (initial !== undefined && compareOpTime(commonPoint, initial) < 0);
  if (!refused) return false;
  log(s, 'F', 'ROLLBACK', LogIds.rollbackBeforeInitialData, { syncSource: source, commonPoint: formatOpTime(commonPoint), initialDataOpTime: initial === undefined ? 'initial sync not done' : formatOpTime(initial) });
  setState(s, MemberState.RECOVERING, 'rollback before the initial data point');
  s.out.push({ kind: 'stopFetcher' });
  return true;
}

export function rollbackNoCommonPoint(s: TopologyState, source: string): void {
  log(s, 'F', 'ROLLBACK', LogIds.rollbackNoCommonPoint, { syncSource: source });
  setState(s, MemberState.RECOVERING, 'rollback found no common point');
  s.out.push({ kind: 'stopFetcher' });
}

/**
 * Cut our oplog after entry `common`; returns the common point and the entries cut (oldest first),
 * for storage to undo. A common point before the commit point would undo majority-committed
 * entries: mongod's rollback_impl.cpp (_findCommonPoint) asserts `invariant(commonPointOpTime >=
 * lastCommittedOpTime)` and the process aborts — so does this member, undoing nothing (undefined).
 */
export function rollbackTruncate(s: TopologyState, common: number): { commonPoint: OpTime; undone: OplogEntry[] } | undefined {
  const oplog = s.persisted.oplog;
  const commonPoint = entryOpTime(oplog.at(common)!);
  log(s, 'I', 'ROLLBACK', LogIds.rollbackCommonPoint, { commonPointOpTime: formatOpTime(commonPoint) });
  if (compareOpTime(commonPoint, s.commitPoint) < 0) {
    const expr = commonPoint.ts < s.commitPoint.ts ? 'commonPointOpTime.getTimestamp() >= lastCommittedOpTime.getTimestamp()' : 'commonPointOpTime >= lastCommittedOpTime';
    log(s, 'F', '-', LogIds.invariantFailure, { expr, file: 'src/mongo/db/repl/rollback_impl.cpp', commonPoint: formatOpTime(commonPoint), lastCommittedOpTime: formatOpTime(s.commitPoint) });
    log(s, 'F', '-', LogIds.abortingAfterInvariantFailure, undefined);
    s.out.push({ kind: 'abort', reason: `rollback common point ${formatOpTime(commonPoint)} is before the commit point ${formatOpTime(s.commitPoint)}` });
    return undefined;
  }
  return { commonPoint, undone: oplog.truncateAfter(common) };
}

/** Storage undid the entries: a new rollback id, the rollback file, made durable and reported. */
export function rollbackRecorded(s: TopologyState, source: string, commonPoint: OpTime, undone: readonly OplogEntry[], documents: RollbackFile['documents']): void {
  const undoneOpTimes = undone.map(entryOpTime).reverse();
  s.persisted.rbid++;
  const file: RollbackFile = { atMillis: now(s), commonPoint, undone: undoneOpTimes, documents };
  s.persisted.rollbackFiles.push(file);
  if (s.persisted.rollbackFiles.length > s.params.rollbackFilesMax) s.persisted.rollbackFiles.shift();
  s.out.push({ kind: 'persistRollback', commonPoint, file }, { kind: 'oplogChanged', rolledBack: true });
  log(s, 'I', 'ROLLBACK', LogIds.rollbackSummary, {
    commonPoint: formatOpTime(commonPoint),
    entriesRolledBack: undone.length,
    documentsWrittenToRollbackFiles: documents.length,
    syncSource: source,
  });
  emit(s, { type: 'rollback', commonPoint, undone: undoneOpTimes, documents: documents.map((d) => ({ ns: d.ns, op: d.op, doc: d.doc })) });
}

/** However the rollback ended, a member still in ROLLBACK is a SECONDARY again. */
export function rollbackFinished(s: TopologyState): void {
  if (s.stateCode === MemberState.ROLLBACK) {
    setState(s, MemberState.SECONDARY, 'rollback finished');
    resetElectionTimer(s);
    s.out.push({ kind: 'reportPosition' });
  }
}
