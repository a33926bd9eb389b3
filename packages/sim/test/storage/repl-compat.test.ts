import { describe, expect, it } from 'vitest';
import { Storage } from '../../src/storage';
import type { OplogEntry, OplogOp, ReplStorage } from '../../src/storage';

describe('Storage as the replication core sees it (ReplStorage)', () => {
  it('applies wrapped entries, undoes them through their undo token, and digests', () => {
    const primary = new Storage();
    const ops: OplogOp[] = [];
    primary.insert('test', 'c', { _id: 1, a: 1 }, ops);
    primary.replace('test', 'c', { _id: 1, a: 2 }, ops);
    // The member stamps optimes by wrapping each op.
    const entries: OplogEntry[] = ops.map((op, i) => ({ ...op, ts: i + 1, t: 1, wallMillis: 0 }));

    const secondary: ReplStorage = new Storage();
    secondary.applyOps(entries.map(({ undo: _undo, ...rest }) => ({ ...rest })));
    expect(secondary.dataDigest()).toBe(primary.digest());

    const asRepl: ReplStorage = primary;
    const undone = asRepl.undo([...entries].reverse());
    expect(undone).toEqual([
      { ns: 'test.c', op: 'u', doc: { _id: 1, a: 2 } },
      { ns: 'test.c', op: 'i', doc: { _id: 1, a: 1 } },
    ]);
    expect(primary.documents('test', 'c')).toEqual([]);
  });
});
