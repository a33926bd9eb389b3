import { serverError } from '../../base/errors';
import { entryOpTime } from '../../storage/oplog';
import type { OplogEntry, OplogOp } from '../../storage/oplog';
import { opTimeEquals, packTs, tsInc, tsSecs } from '../../base/optime';
import type { OpTime } from '../../base/optime';
import { MemberState } from '../state';
import { updateCommitPoint } from './commitPoint';
import type { TopologyState } from './core';
import { emit, lastApplied, now, requireRunning, term } from './core';

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

/** Past oplogEntriesMax, drop the oldest tenth — but never what is not yet majority-committed. */
export function capOplog(s: TopologyState): void {
  const oplog = s.persisted.oplog;
  const max = s.params.oplogEntriesMax;
  if (oplog.length <= max) return;
  const drop = oplog.length - max + Math.floor(max / 10);
  // A rollback may still need what is not committed.
  let committed = oplog.lowerBound(s.commitPoint.ts + 1);
  if (committed > 0 && !opTimeEquals(oplog.at(committed - 1)!, s.commitPoint)) committed = Math.max(0, committed - 1);
  oplog.dropOldest(Math.min(drop, committed));
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
