import { describe, expect, it } from 'vitest';
import type { OplogOp } from '../../src/storage/oplog';
import { Storage } from '../../src/storage/storage';

// A committed transaction is one oplog entry `{op: 'c', ns: 'admin.$cmd', o: {applyOps: [...]}}`
// (mongod's op_observer_impl.cpp onUnpreparedTransactionCommit): a secondary applies its ops in
// order, all or none, and a rollback undoes them as one entry.

describe('applyOps entries', () => {
  it('apply their ops in order, and undo (rollback, majority views) restores the state before them', () => {
    const storage = new Storage();
    const seed: OplogOp[] = [];
    storage.insert('test', 'c', { _id: 1, v: 0 }, seed);
    const before = storage.dataDigest();
    const entry: OplogOp = {
      op: 'c',
      ns: 'admin.$cmd',
      o: {
        applyOps: [
          { op: 'c', ns: 'test.$cmd', o: { create: 'd' } },
          { op: 'i', ns: 'test.d', o: { _id: 'x' } },
          { op: 'u', ns: 'test.c', o2: { _id: 1 }, o: { $set: { v: 1 } } },
          { op: 'd', ns: 'test.c', o: { _id: 1 } },
          { op: 'i', ns: 'test.c', o: { _id: 2 } },
        ],
      },
    };
    storage.applyOps([entry]);
    expect(storage.documents('test', 'c')).toEqual([{ _id: 2 }]);
    expect(storage.documents('test', 'd')).toEqual([{ _id: 'x' }]);
    const view = storage.viewBefore([entry]);
    expect(view.dataDigest()).toBe(before);
    const undone = storage.undo([entry]);
    expect(storage.dataDigest()).toBe(before);
    expect(storage.totalDocuments).toBe(1);
    // Per undone document, what the transaction had left (newest first): the rollback file.
    expect(undone.filter((d) => d.op !== 'c').map((d) => d.doc)).toEqual([{ _id: 2 }, null, { _id: 1, v: 1 }, { _id: 'x' }]);
  });

  it('a failing op undoes the ones before it in the same entry', () => {
    const storage = new Storage();
    storage.createCollection('test', 'c', {}, []);
    const before = storage.dataDigest();
    const entry: OplogOp = { op: 'c', ns: 'admin.$cmd', o: { applyOps: [{ op: 'i', ns: 'test.c', o: { _id: 1 } }, { op: 'u', ns: 'test.c', o: { $set: { a: 1 } } }] } };
    expect(() => storage.applyOps([entry])).toThrow(/o2\._id/);
    expect(storage.dataDigest()).toBe(before);
    expect(storage.totalDocuments).toBe(0);
  });
});
