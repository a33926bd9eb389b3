import { serverError } from '../../base/errors';
import { entryOpTime } from '../../storage/oplog';
import type { OplogEntry, OplogOp } from '../../storage/oplog';
import { packTs, tsInc, tsSecs } from '../../base/optime';
import type { OpTime } from '../../base/optime';
import { MemberState } from '../state';
import { updateCommitPoint } from './commitPoint';
import type { TopologyState } from './core';
import { emit, lastApplied, log, now, requireRunning, term } from './core';
import { LogIds } from '../../log/ids';

/**
 * The oplog as the core keeps it in memory: optimes for new entries, appends (the primary's own
 * writes; entries fetched from a sync source in syncing.ts), and the cap. Every append asks for
 * the entries to be persisted and for tailing readers to be woken.
 */

/** The next timestamp: this second, after the last entry's increment within it. */
export function nextTs(s: TopologyState): number {
  const secs = Math.floor(now(s) / 1000);
  const last = s.persisted.oplog.last();
  if (!last) return packTs(secs, 1);
  const lastSecs = tsSecs(last.ts);
  if (secs > lastSecs) return packTs(secs, 1);
  return packTs(lastSecs, tsInc(last.ts) + 1);
}

/** Append this member's own writes in `term` (-1 for the set's first entry); returns the last optime. */
export function appendLocal(s: TopologyState, ops: readonly OplogOp[], entryTerm: number): OpTime {
  let opTime = lastApplied(s);
  const wallMillis = now(s);
  const appended: OplogEntry[] = [];
  for (const op of ops) {
    const entry: OplogEntry = { op: op.op, ns: op.ns, o: op.o, ts: nextTs(s), t: entryTerm, wallMillis };
    if (op.ui !== undefined) entry.ui = op.ui;
    if (op.o2 !== undefined) entry.o2 = op.o2;
    if (op.b !== undefined) entry.b = op.b;
    if (op.lsid !== undefined) Object.assign(entry, { lsid: op.lsid, txnNumber: op.txnNumber, stmtId: op.stmtId });
    entry.undo = op.undo;
    s.persisted.oplog.append(entry);
    appended.push(entry);
    opTime = entryOpTime(entry);
  }
  s.out.push({ kind: 'persistOplog', entries: appended, fromSyncSource: false });
  s.lastWriteMillis = wallMillis;
  capOplog(s);
  s.out.push({ kind: 'oplogChanged', rolledBack: false });
  return opTime;
}

/**
 * The cap (mongod: WiredTigerRecordStore::reclaimOplog, run by the OplogCapMaintainerThread): once
 * the oplog holds more than `oplogBytesMax` bytes of BSON, the oldest entries go until it fits
 * again — but never an entry at or after the majority commit point (since 4.4 the oplog grows past
 * its size rather than lose it: a rollback may need what is not committed) and, with
 * `oplogMinRetentionHours`, never one whose wall time is younger than that. Past the simulator's
 * own `oplogEntriesMax` the oldest tenth goes, under the same guards.
 */
export function capOplog(s: TopologyState): void {
  const oplog = s.persisted.oplog;
  // The oplog takes its size when it is created (its first entry) and keeps it (oplog.cpp createOplog).
  if (s.persisted.oplogSizeBytes === undefined && oplog.length > 0) s.persisted.oplogSizeBytes = s.params.oplogBytesMax;
  const bytesMax = oplogSizeBytes(s);
  const entriesMax = s.params.oplogEntriesMax;
  if (oplog.sizeBytes <= bytesMax && oplog.length <= entriesMax) return;
  const entriesDrop = oplog.length > entriesMax ? oplog.length - entriesMax + Math.floor(entriesMax / 10) : 0;
  // reclaimOplog keeps every truncate marker whose last entry is at or after the pinned point
  // (the stable timestamp, never past the commit point): the commit point's entry stays.
  const limit = oplog.lowerBound(s.commitPoint.ts);
  const retentionMillis = s.params.oplogMinRetentionHours * 3_600_000;
  const newestDroppableMillis = now(s) - retentionMillis;
  // Each pass drops one entry, so a cap held back by the commit point costs nothing per append.
  let drop = 0;
  let bytes = oplog.sizeBytes;
  while (drop < limit && (drop < entriesDrop || bytes > bytesMax)) {
    if (retentionMillis > 0 && oplog.at(drop)!.wallMillis >= newestDroppableMillis) break;
    bytes -= oplog.bytesAt(drop);
    drop++;
  }
  oplog.dropOldest(drop);
}

/** The oplog's size cap: the one it was created with or resized to, else the start options' (--oplogSize). */
export function oplogSizeBytes(s: TopologyState): number {
  return s.persisted.oplogSizeBytes ?? s.params.oplogBytesMax;
}

/**
 * replSetResizeOplog on this member (commands/resize_oplog.cpp): a new size in bytes and/or
 * minimum retention; a smaller size truncates at once (mongod's cap thread does so shortly after).
 */
export function resizeOplog(s: TopologyState, change: { sizeBytes?: number; minRetentionHours?: number }): { sizeBytes: number; minRetentionHours: number } {
  if (change.sizeBytes !== undefined) {
    // Durable, as the collection options mongod updates (updateCappedSize).
    s.persisted.oplogSizeBytes = change.sizeBytes;
    s.out.push({ kind: 'persistReplState', what: 'oplogSize' });
  }
  // storageGlobalParams.oplogMinRetentionHours: in memory only, as in mongod.
  if (change.minRetentionHours !== undefined) s.params.oplogMinRetentionHours = change.minRetentionHours;
  log(s, 'I', 'STORAGE', LogIds.replSetResizeOplogSuccess, { size: oplogSizeBytes(s), minRetentionHours: s.params.oplogMinRetentionHours });
  capOplog(s);
  return { sizeBytes: oplogSizeBytes(s), minRetentionHours: s.params.oplogMinRetentionHours };
}

/** A running primary records the writes it made (InterruptedAtShutdown once stopped, NotWritablePrimary otherwise); returns the optime of the last one. */
export function logOps(s: TopologyState, ops: readonly OplogOp[]): OpTime {
  requireRunning(s);
  if (s.stateCode !== MemberState.PRIMARY) throw serverError('NotWritablePrimary', 'not primary');
  if (ops.length === 0) return lastApplied(s);
  const opTime = appendLocal(s, ops, term(s));
  emit(s, { type: 'write', opTime, ops: ops.length });
  updateCommitPoint(s);
  return opTime;
}
