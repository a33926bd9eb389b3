import type { OplogOp } from '../../src/storage';

/** An entry as it crosses the wire: without the storage's private `undo` token. */
export function plain(entry: OplogOp): OplogOp {
  const { undo: _undo, ...rest } = entry;
  return rest as OplogOp;
}

export function plainAll(entries: readonly OplogOp[]): OplogOp[] {
  return entries.map((entry) => plain(entry));
}

/**
 * An entry's shape for exact comparisons: `plain`, also without its collection UUID (`ui`, a new
 * one per collection: test/storage/uuid.test.ts checks it). Not for replaying: a replica needs `ui`.
 */
export function shape(entry: OplogOp): OplogOp {
  const { ui: _ui, ...rest } = plain(entry);
  return rest as OplogOp;
}

export function shapeAll(entries: readonly OplogOp[]): OplogOp[] {
  return entries.map((entry) => shape(entry));
}
