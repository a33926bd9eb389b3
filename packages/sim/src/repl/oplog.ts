import { Long } from 'bson';
import type { Document } from 'bson';
import type { OpTime } from '../base/optime';
import { compareOpTime, opTimeEquals, tsFromBson, tsToBson } from '../base/optime';

export type OpType = 'i' | 'u' | 'd' | 'c' | 'n';

/** What a write produces before the oplog gives it an optime. */
export interface OplogOp {
  op: OpType;
  ns: string;
  o: Document;
  o2?: Document;
  /** On an update: apply as an insert when the document is missing (an upsert). */
  b?: boolean;
}

/** An oplog entry as kept in memory. `undo` is private to the storage that applied it. */
export interface OplogEntry extends OplogOp {
  readonly ts: number;
  readonly t: number;
  readonly wallMillis: number;
  undo?: unknown;
}

export function entryOpTime(e: OplogEntry): OpTime {
  return { ts: e.ts, t: e.t };
}

/** The `local.oplog.rs` document for an entry. */
export function entryToBson(e: OplogEntry): Document {
  const doc: Document = { op: e.op, ns: e.ns, o: e.o };
  if (e.o2 !== undefined) doc.o2 = e.o2;
  if (e.b !== undefined) doc.b = e.b;
  doc.ts = tsToBson(e.ts);
  doc.t = Long.fromNumber(e.t);
  doc.v = Long.fromNumber(2);
  doc.wall = new Date(e.wallMillis);
  return doc;
}

export function entryFromBson(doc: Document): OplogEntry {
  const op = doc.op as OpType;
  if (!['i', 'u', 'd', 'c', 'n'].includes(op)) throw new TypeError(`oplog entry with unknown op ${String(doc.op)}`);
  const entry: OplogEntry = {
    op,
    ns: String(doc.ns ?? ''),
    o: (doc.o as Document) ?? {},
    ts: tsFromBson(doc.ts),
    t: Number(doc.t),
    wallMillis: doc.wall instanceof Date ? doc.wall.getTime() : 0,
  };
  if (doc.o2 !== undefined) entry.o2 = doc.o2 as Document;
  if (typeof doc.b === 'boolean') entry.b = doc.b;
  return entry;
}

/**
 * The oplog: entries in strictly increasing `ts` order. `generation` changes whenever newer entries
 * are removed (rollback), so cursors can tell they are stale; dropping the oldest (capping) only
 * moves `droppedCount`, so cursors keep absolute positions.
 */
export class Oplog {
  private readonly entries: OplogEntry[] = [];
  private gen = 0;
  private dropped = 0;

  get length(): number {
    return this.entries.length;
  }

  get generation(): number {
    return this.gen;
  }

  at(index: number): OplogEntry | undefined {
    return this.entries[index];
  }

  last(): OplogEntry | undefined {
    return this.entries[this.entries.length - 1];
  }

  all(): readonly OplogEntry[] {
    return this.entries;
  }

  append(entry: OplogEntry): void {
    const last = this.last();
    if (last && !(entry.ts > last.ts && compareOpTime(entry, last) > 0)) {
      throw new Error(`Oplog.append: entry (${entry.ts}, ${entry.t}) is not after the last (${last.ts}, ${last.t})`);
    }
    this.entries.push(entry);
  }

  /** Index of the first entry with ts >= `ts` (length when none). */
  lowerBound(ts: number): number {
    let lo = 0;
    let hi = this.entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.entries[mid]!.ts < ts) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Index of the entry with exactly this optime, or -1. */
  indexOf(o: OpTime): number {
    const i = this.lowerBound(o.ts);
    const e = this.entries[i];
    return e && opTimeEquals(e, o) ? i : -1;
  }

  contains(o: OpTime): boolean {
    return this.indexOf(o) >= 0;
  }

  /** Drop the `count` oldest entries (a capped collection rolling over). */
  dropOldest(count: number): void {
    if (count <= 0) return;
    this.entries.splice(0, count);
    this.dropped += count;
  }

  /** Entries dropped from the front so far: absolute position = dropped + index. */
  get droppedCount(): number {
    return this.dropped;
  }

  /** Remove and return every entry after index `keepThrough` (newest first). */
  truncateAfter(keepThrough: number): OplogEntry[] {
    const removed = this.entries.splice(keepThrough + 1).reverse();
    if (removed.length > 0) this.gen++;
    return removed;
  }
}
