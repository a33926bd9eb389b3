import type { OplogEntry } from '../../src/storage';

/** An entry as it crosses the wire: without the storage's private `undo` token. */
export function plain(entry: OplogEntry): OplogEntry {
  const { undo: _undo, ...rest } = entry;
  return rest as OplogEntry;
}

export function plainAll(entries: readonly OplogEntry[]): OplogEntry[] {
  return entries.map((entry) => plain(entry));
}
