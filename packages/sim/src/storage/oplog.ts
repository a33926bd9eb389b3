import { Binary, calculateObjectSize, Long } from 'bson';
import type { Document } from 'bson';
import type { OpTime } from '../base/optime';
import { compareOpTime, opTimeEquals, tsFromBson, tsToBson } from '../base/optime';

/**
 * The oplog (`local.oplog.rs`): its entries and the capped in-memory collection that holds them.
 * Storage writes and applies entries; replication decides what goes in and in which order, and the
 * journal persists it — so the type lives here, below all of them.
 */

export type OpType = 'i' | 'u' | 'd' | 'c' | 'n';

const OP_TYPES: readonly string[] = ['i', 'u', 'd', 'c', 'n'];

/**
 * A write as storage describes it, before the oplog gives it an optime: MongoDB's field names.
 *
 * - `i`: `o` is the full document as inserted, `_id` first.
 * - `u`: `o2` is `{_id}`; `o` is the full post-image (a replacement, `_id` included) or a
 *   top-level diff `{$set?: {...}, $unset?: {field: true}}`; both are idempotent. `b`: the update
 *   was an upsert that applies as an insert if the document is missing.
 * - `d`: `o` is `{_id}`.
 * - `c`: `ns` is `<db>.$cmd`; `o` is one of `{create: coll, ...options}`, `{drop: coll}`,
 *   `{dropDatabase: 1}`, `{createIndexes: coll, v, key, name, unique?...}` (one index per entry,
 *   as mongod logs it), `{dropIndexes: coll, index: name}`.
 * - `n`: a no-op (the new primary's message); applying one changes nothing.
 *
 * `undo`: set by the storage on every op it applies (its own writes and entries applied with
 * `applyOplogEntry`/`applyOps`): an opaque token holding the pre-image, which `Storage.undo` uses
 * in a rollback. It stays with the entry when the oplog stamps it; it is not part of the entry's
 * BSON form and is never sent to other members.
 */
export interface OplogOp {
  op: OpType;
  ns: string;
  /**
   * The UUID of the collection the op is on (OpObserverImpl writes `ui` on inserts, updates,
   * deletes and commands on a collection: create, drop, createIndexes, dropIndexes, collMod,
   * renameCollection); absent on no-ops, dropDatabase and applyOps.
   */
  ui?: Binary;
  o: Document;
  o2?: Document;
  b?: boolean;
  /**
   * A retryable write's session, transaction number and statement id (mongod's
   * OperationSessionInfo on the entry): a member that becomes primary finds in its oplog which
   * statements a retry already executed (commands/crud/retryable.ts).
   */
  lsid?: Document;
  txnNumber?: number;
  stmtId?: number;
  undo?: unknown;
}

/** An oplog entry: an op stamped with its optime `{ts, t}` and wall-clock time. */
export interface OplogEntry extends OplogOp {
  readonly ts: number;
  readonly t: number;
  readonly wallMillis: number;
}

export function isOplogOp(value: unknown): value is OplogOp {
  if (value === null || typeof value !== 'object') return false;
  const entry = value as Record<string, unknown>;
  return typeof entry.op === 'string' && OP_TYPES.includes(entry.op) && typeof entry.ns === 'string' && entry.o !== null && typeof entry.o === 'object';
}

export function entryOpTime(e: OplogEntry): OpTime {
  return { ts: e.ts, t: e.t };
}

/** The `local.oplog.rs` document for an entry. */
export function entryToBson(e: OplogEntry): Document {
  const doc: Document = { op: e.op, ns: e.ns };
  if (e.ui !== undefined) doc.ui = e.ui;
  doc.o = e.o;
  if (e.o2 !== undefined) doc.o2 = e.o2;
  if (e.b !== undefined) doc.b = e.b;
  if (e.lsid !== undefined) doc.lsid = e.lsid;
  if (e.txnNumber !== undefined) doc.txnNumber = Long.fromNumber(e.txnNumber);
  if (e.stmtId !== undefined) doc.stmtId = e.stmtId;
  doc.ts = tsToBson(e.ts);
  doc.t = Long.fromNumber(e.t);
  doc.v = Long.fromNumber(2);
  doc.wall = new Date(e.wallMillis);
  return doc;
}

export function entryFromBson(doc: Document): OplogEntry {
  const op = doc.op as OpType;
  if (!OP_TYPES.includes(op)) throw new TypeError(`oplog entry with unknown op ${String(doc.op)}`);
  const entry: OplogEntry = {
    op,
    ns: String(doc.ns ?? ''),
    o: (doc.o as Document) ?? {},
    ts: tsFromBson(doc.ts),
    t: Number(doc.t),
    wallMillis: doc.wall instanceof Date ? doc.wall.getTime() : 0,
  };
  if (doc.ui instanceof Binary) entry.ui = doc.ui;
  if (doc.o2 !== undefined) entry.o2 = doc.o2 as Document;
  if (typeof doc.b === 'boolean') entry.b = doc.b;
  if (doc.lsid !== null && typeof doc.lsid === 'object') entry.lsid = doc.lsid as Document;
  if (doc.txnNumber !== undefined) entry.txnNumber = Number(doc.txnNumber);
  if (doc.stmtId !== undefined) entry.stmtId = Number(doc.stmtId);
  return entry;
}

/** An entry's size as mongod counts it against the oplog's cap: the BSON size of its document. */
export function entryBsonBytes(e: OplogEntry): number {
  return calculateObjectSize(entryToBson(e));
}

/**
 * The oplog: entries in strictly increasing `ts` order. `generation` changes whenever newer entries
 * are removed (rollback), so cursors can tell they are stale; dropping the oldest (capping) only
 * moves `droppedCount`, so cursors keep absolute positions. `sizeBytes` is the BSON size of the
 * entries held (what collStats calls `size` and the cap is measured in).
 */
export class Oplog {
  private readonly entries: OplogEntry[] = [];
  /** `entryBsonBytes` of each entry, parallel to `entries`. */
  private readonly entryBytes: number[] = [];
  private bytes = 0;
  private gen = 0;
  private dropped = 0;

  get sizeBytes(): number {
    return this.bytes;
  }

  /** The BSON size of the entry at `index`. */
  bytesAt(index: number): number {
    return this.entryBytes[index] ?? 0;
  }

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
    const size = entryBsonBytes(entry);
    this.entryBytes.push(size);
    this.bytes += size;
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
    for (const size of this.entryBytes.splice(0, count)) this.bytes -= size;
    this.dropped += count;
  }

  /** Entries dropped from the front so far: absolute position = dropped + index. */
  get droppedCount(): number {
    return this.dropped;
  }

  /** Remove and return every entry after index `keepThrough` (newest first). */
  truncateAfter(keepThrough: number): OplogEntry[] {
    const removed = this.entries.splice(keepThrough + 1).reverse();
    for (const size of this.entryBytes.splice(keepThrough + 1)) this.bytes -= size;
    if (removed.length > 0) this.gen++;
    return removed;
  }
}

/** Oplog entries after `opTime`, newest first (undo them on a copy to read as of `opTime`). */
export function entriesAfter(oplog: Oplog, opTime: OpTime): OplogEntry[] {
  const out: OplogEntry[] = [];
  for (let i = oplog.length - 1; i >= 0; i--) {
    const e = oplog.at(i)!;
    if (compareOpTime(e, opTime) <= 0) break;
    out.push(e);
  }
  return out;
}
