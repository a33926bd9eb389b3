import type { Document } from 'bson';

/**
 * Oplog entries as the storage produces and applies them: MongoDB's field names, without the optime
 * (`ts`, `t`) and wall time, which the member stamps. Extra fields the member adds (`ts`, `t`, `v`,
 * `wall`, `ui`...) are carried along and ignored here.
 *
 * `undo`: set by the storage on every entry it applies (its own writes and entries applied with
 * `applyOplogEntry`/`applyOps`): an opaque token holding the pre-image, which `Storage.undo` uses in
 * a rollback. Keep it with the entry (copy it when re-wrapping the entry); it is not part of the
 * entry's BSON form and must not be sent to other members.
 */
export type OplogEntry = InsertEntry | UpdateEntry | DeleteEntry | CommandEntry | NoopEntry;

export interface InsertEntry {
  op: 'i';
  ns: string;
  /** The full document as inserted, `_id` first. */
  o: Document;
  undo?: unknown;
  [extra: string]: unknown;
}

export interface UpdateEntry {
  op: 'u';
  ns: string;
  o2: { _id: unknown };
  /**
   * Either the full post-image (a replacement, `_id` included) or a top-level diff
   * `{$set?: {...}, $unset?: {field: true}}`. Both are idempotent.
   */
  o: Document;
  /** Set when the update was an upsert that applies as an insert if the document is missing. */
  b?: boolean;
  undo?: unknown;
  [extra: string]: unknown;
}

export interface DeleteEntry {
  op: 'd';
  ns: string;
  o: { _id: unknown };
  undo?: unknown;
  [extra: string]: unknown;
}

/**
 * `ns` is `<db>.$cmd`; `o` is one of `{create: coll, ...options}`, `{drop: coll}`,
 * `{dropDatabase: 1}`, `{createIndexes: coll, v, key, name, unique?...}` (one index per entry, as
 * mongod logs it), `{dropIndexes: coll, index: name}`.
 */
export interface CommandEntry {
  op: 'c';
  ns: string;
  o: Document;
  undo?: unknown;
  [extra: string]: unknown;
}

/** No-op entries (the new primary's "new primary" message): applying one changes nothing. */
export interface NoopEntry {
  op: 'n';
  ns: string;
  o: Document;
  undo?: unknown;
  [extra: string]: unknown;
}

/**
 * What `applyOplogEntry`, `applyOps` and `undo` accept: any entry with these fields (the member's
 * own entry type with `ts`/`t` fits). `undo` is written by the storage.
 */
export interface AppliedEntry {
  op: 'i' | 'u' | 'd' | 'c' | 'n';
  ns: string;
  o: Document;
  o2?: Document;
  undo?: unknown;
}

export function isOplogEntry(value: unknown): value is OplogEntry {
  if (value === null || typeof value !== 'object') return false;
  const entry = value as Record<string, unknown>;
  return (
    typeof entry.op === 'string' &&
    ['i', 'u', 'd', 'c', 'n'].includes(entry.op) &&
    typeof entry.ns === 'string' &&
    entry.o !== null &&
    typeof entry.o === 'object'
  );
}
