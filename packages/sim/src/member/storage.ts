import { EJSON } from 'bson';
import type { Document } from 'bson';
import type { OplogEntry, OplogOp } from '../storage/oplog';
import type { ReplStorage, RolledBackDocument } from '../storage/storage';

export type RollbackDocument = RolledBackDocument;
export type { ReplStorage };
/** A write a primary made, before the oplog stamps it. */
export type LoggedOp = OplogOp;

function idKey(id: unknown): string {
  return EJSON.stringify({ k: id as Document[string] }, { relaxed: false });
}

interface UndoInfo {
  key: string;
  before: Document | null;
}

/**
 * A small document store keyed by `_id` per namespace, used by the harness and the simulator
 * until the mingo-backed storage module is plugged in. Writes produce oplog ops with undo data.
 */
export class SimpleStorage implements ReplStorage {
  private readonly collections = new Map<string, Map<string, Document>>();
  readonly documentsMax: number;
  private documentCount = 0;

  constructor(options: { documentsMax?: number } = {}) {
    this.documentsMax = options.documentsMax ?? 1_000_000;
  }

  private coll(ns: string): Map<string, Document> {
    let c = this.collections.get(ns);
    if (!c) {
      c = new Map();
      this.collections.set(ns, c);
    }
    return c;
  }

  /** The key `_id` values are indexed by. */
  keyOf(id: unknown): string {
    return idKey(id);
  }

  get(ns: string, id: unknown): Document | undefined {
    return this.collections.get(ns)?.get(idKey(id));
  }

  /** All documents of a namespace, in `_id` key order. */
  all(ns: string): Document[] {
    const c = this.collections.get(ns);
    if (!c) return [];
    return [...c.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, d]) => d);
  }

  namespaces(): string[] {
    return [...this.collections.keys()].filter((ns) => (this.collections.get(ns)?.size ?? 0) > 0).sort();
  }

  /** Insert on a primary: throws `{code: 11000}`-style errors via the caller; returns the op. */
  insert(ns: string, doc: Document): LoggedOp {
    if (doc._id === undefined) throw new TypeError('SimpleStorage.insert: document needs an _id');
    const key = idKey(doc._id);
    const c = this.coll(ns);
    if (c.has(key)) throw new DuplicateKeyError(ns, doc._id);
    if (this.documentCount >= this.documentsMax) throw new RangeError(`SimpleStorage: ${this.documentsMax} documents max`);
    c.set(key, doc);
    this.documentCount++;
    const undo: UndoInfo = { key, before: null };
    return { op: 'i', ns, o: doc, undo };
  }

  /** Replace (or upsert) by `_id` on a primary. */
  replace(ns: string, doc: Document): LoggedOp {
    const key = idKey(doc._id);
    const c = this.coll(ns);
    const before = c.get(key) ?? null;
    if (!before) this.documentCount++;
    c.set(key, doc);
    const undo: UndoInfo = { key, before };
    return before ? { op: 'u', ns, o: doc, o2: { _id: doc._id }, undo } : { op: 'i', ns, o: doc, undo };
  }

  remove(ns: string, id: unknown): LoggedOp | undefined {
    const key = idKey(id);
    const c = this.coll(ns);
    const before = c.get(key);
    if (!before) return undefined;
    c.delete(key);
    this.documentCount--;
    const undo: UndoInfo = { key, before };
    return { op: 'd', ns, o: { _id: id as Document[string] }, undo };
  }

  applyOps(entries: readonly OplogEntry[]): void {
    for (const e of entries) {
      if (e.op === 'n' || e.op === 'c') {
        e.undo = undefined;
        continue;
      }
      const c = this.coll(e.ns);
      const id = e.op === 'u' ? e.o2?._id : e.o._id;
      const key = idKey(id);
      const before = c.get(key) ?? null;
      if (e.op === 'd') {
        if (before) {
          c.delete(key);
          this.documentCount--;
        }
      } else {
        if (!before) this.documentCount++;
        c.set(key, e.o);
      }
      const undo: UndoInfo = { key, before };
      e.undo = undo;
    }
  }

  undo(entries: readonly OplogEntry[]): RollbackDocument[] {
    const out: RollbackDocument[] = [];
    for (const e of entries) {
      if (e.op === 'n' || e.op === 'c') continue;
      const u = e.undo as UndoInfo | undefined;
      if (!u) throw new Error(`SimpleStorage.undo: entry ${e.ts}/${e.t} has no undo information`);
      const c = this.coll(e.ns);
      const current = c.get(u.key) ?? null;
      out.push({ ns: e.ns, op: e.op, doc: current });
      if (u.before) {
        if (!current) this.documentCount++;
        c.set(u.key, u.before);
      } else if (current) {
        c.delete(u.key);
        this.documentCount--;
      }
    }
    return out;
  }

  dataDigest(): string {
    const parts: string[] = [];
    for (const ns of this.namespaces()) {
      const c = this.collections.get(ns)!;
      const keys = [...c.keys()].sort();
      parts.push(`${ns}:${keys.map((k) => `${k}=${EJSON.stringify(c.get(k)!, { relaxed: false })}`).join(',')}`);
    }
    return parts.join('|');
  }
}

export class DuplicateKeyError extends Error {
  override readonly name = 'DuplicateKeyError';
  constructor(
    readonly ns: string,
    readonly id: unknown,
  ) {
    super(`E11000 duplicate key error collection: ${ns} index: _id_ dup key: { _id: ${EJSON.stringify({ v: id as Document[string] }).slice(5, -1)} }`);
  }
}
