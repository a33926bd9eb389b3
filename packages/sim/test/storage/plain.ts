import type { OplogOp } from '../../src/storage';

/**
 * An entry as it crosses the wire, without the storage's private `undo` token, and without its
 * collection UUID (`ui`, random per collection: test/storage/uuid.test.ts checks it).
 */
export function plain(entry: OplogOp): OplogOp {
  const { undo: _undo, ui: _ui, ...rest } = entry;
  return rest as OplogOp;
}

export function plainAll(entries: readonly OplogOp[]): OplogOp[] {
  return entries.map((entry) => plain(entry));
}
