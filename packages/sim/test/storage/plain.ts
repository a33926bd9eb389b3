import type { OplogOp } from '../../src/storage';

/** An entry as it crosses the wire: without the storage's private `undo` token. */
export function plain(entry: OplogOp): OplogOp {
  const { undo: _undo, ...rest } = entry;
  return rest as OplogOp;
}

export function plainAll(entries: readonly OplogOp[]): OplogOp[] {
  return entries.map((entry) => plain(entry));
}
