import { Long, ObjectId, Timestamp } from 'bson';
import type { Document } from 'bson';
import { codeOf } from '../serverErrorCode';
import { describe, expect, it } from 'vitest';
import { ServerError } from '../../src/base/errors';
import { Storage, StorageRollbackError } from '../../src/storage';
import type { OplogOp } from '../../src/storage';
import { plain, shape, shapeAll } from './plain';

describe('Storage documents and indexes', () => {
  it('creates the collection implicitly on insert and logs create before the insert', () => {
    const storage = new Storage();
    const oplog: OplogOp[] = [];
    storage.insert('test', 'c', { x: 1, _id: 1 }, oplog);
    expect(shapeAll(oplog)).toEqual([
      { op: 'c', ns: 'test.$cmd', o: { create: 'c' } },
      { op: 'i', ns: 'test.c', o: { _id: 1, x: 1 } },
    ]);
    expect(Object.keys(storage.documents('test', 'c')[0] as Document)).toEqual(['_id', 'x']);
  });

  it('generates an ObjectId _id, first, from the injected clock when missing', () => {
    const storage = new Storage({ now: () => 1_700_000_000_000, processUnique: new Uint8Array([1, 2, 3, 4, 5]) });
    const doc = storage.insert('test', 'c', { a: 1 }, []);
    expect(doc._id).toBeInstanceOf(ObjectId);
    expect((doc._id as ObjectId).getTimestamp().getTime()).toBe(1_700_000_000_000);
    expect(Object.keys(doc)).toEqual(['_id', 'a']);
    const second = storage.insert('test', 'c', { a: 2 }, []);
    expect((second._id as ObjectId).equals(doc._id as ObjectId)).toBe(false);
  });

  it('refuses a duplicate _id with E11000, keyPattern and keyValue; numbers of different types collide', () => {
    const storage = new Storage();
    storage.insert('test', 'c', { _id: 1 }, []);
    let caught: ServerError | undefined;
    try {
      storage.insert('test', 'c', { _id: 1 }, []);
    } catch (error) {
      caught = error as ServerError;
    }
    expect(codeOf(() => storage.insert('test', 'c', { _id: Long.fromNumber(1) }, []))).toBe(11000);
    expect(codeOf(() => storage.insert('test', 'c', { _id: 1.0 }, []))).toBe(11000);
    expect(caught?.code).toBe(11000);
    expect(caught?.errmsg).toBe('E11000 duplicate key error collection: test.c index: _id_ dup key: { _id: 1 }');
    expect(caught?.extra).toEqual({ keyPattern: { _id: 1 }, keyValue: { _id: 1 } });
  });

  it('accepts any non-array _id type and tells ObjectIds apart by value', () => {
    const storage = new Storage();
    const a = new ObjectId('650000000000000000000001');
    storage.insert('test', 'c', { _id: a }, []);
    storage.insert('test', 'c', { _id: 'a' }, []);
    storage.insert('test', 'c', { _id: { x: 1 } }, []);
    expect(codeOf(() => storage.insert('test', 'c', { _id: new ObjectId('650000000000000000000001') }, []))).toBe(11000);
    expect(codeOf(() => storage.insert('test', 'c', { _id: [1] }, []))).toBe(53);
    expect(storage.getCollection('test', 'c')?.getById(new ObjectId(a.toHexString()))).toBeDefined();
  });

  it('enforces unique compound indexes, including on documents already present', () => {
    const storage = new Storage();
    storage.insert('test', 'c', { _id: 1, a: 1, b: 1 }, []);
    storage.insert('test', 'c', { _id: 2, a: 1, b: 2 }, []);
    const oplog: OplogOp[] = [];
    const result = storage.createIndexes('test', 'c', [{ key: { a: 1, b: 1 }, unique: true }], oplog);
    expect(result).toEqual({ numIndexesBefore: 1, numIndexesAfter: 2, createdCollectionAutomatically: false });
    expect(shapeAll(oplog)).toEqual([{ op: 'c', ns: 'test.$cmd', o: { createIndexes: 'c', v: 2, key: { a: 1, b: 1 }, name: 'a_1_b_1', unique: true } }]);
    expect(codeOf(() => storage.insert('test', 'c', { _id: 3, a: 1, b: 2 }, []))).toBe(11000);
    storage.insert('test', 'c', { _id: 3, a: 2, b: 2 }, []);
    // A unique index that existing documents violate is refused and not created.
    expect(codeOf(() => storage.createIndexes('test', 'c', [{ key: { a: 1 }, unique: true }], []))).toBe(11000);
    expect(storage.listIndexes('test', 'c').map((spec) => spec.name)).toEqual(['_id_', 'a_1_b_1']);
  });

  it('treats a missing field as null in a unique index (one document may lack it)', () => {
    const storage = new Storage();
    storage.createIndexes('test', 'c', [{ key: { email: 1 }, unique: true, name: 'email' }], []);
    storage.insert('test', 'c', { _id: 1 }, []);
    let caught: ServerError | undefined;
    try {
      storage.insert('test', 'c', { _id: 2, email: null }, []);
    } catch (error) {
      caught = error as ServerError;
    }
    expect(caught?.errmsg).toBe('E11000 duplicate key error collection: test.c index: email dup key: { email: null }');
  });

  it('frees unique keys on delete and on update', () => {
    const storage = new Storage();
    storage.createIndexes('test', 'c', [{ key: { a: 1 }, unique: true }], []);
    storage.insert('test', 'c', { _id: 1, a: 1 }, []);
    storage.replace('test', 'c', { _id: 1, a: 2 }, []);
    storage.insert('test', 'c', { _id: 2, a: 1 }, []);
    storage.remove('test', 'c', 2, []);
    storage.insert('test', 'c', { _id: 3, a: 1 }, []);
    expect(codeOf(() => storage.replace('test', 'c', { _id: 3, a: 2 }, []))).toBe(11000);
  });

  it('refuses documents over documentSizeBytesMax and enforces sandbox caps', () => {
    const storage = new Storage({ limits: { documentSizeBytesMax: 100, storageDocumentsMax: 2 } });
    expect(codeOf(() => storage.insert('test', 'c', { _id: 1, s: 'x'.repeat(200) }, []))).toBe(2);
    storage.insert('test', 'c', { _id: 1 }, []);
    storage.insert('test', 'c', { _id: 2 }, []);
    expect(codeOf(() => storage.insert('test', 'c', { _id: 3 }, []))).toBe(14031);
    const bytesCapped = new Storage({ limits: { storageBytesMax: 60 } });
    bytesCapped.insert('test', 'c', { _id: 1, s: 'abc' }, []);
    expect(codeOf(() => bytesCapped.insert('test', 'c', { _id: 2, s: 'x'.repeat(40) }, []))).toBe(14031);
    expect(bytesCapped.totalDocuments).toBe(1);
  });

  it('reports NamespaceExists, NamespaceNotFound and InvalidNamespace', () => {
    const storage = new Storage();
    storage.createCollection('test', 'c', {}, []);
    expect(codeOf(() => storage.createCollection('test', 'c', {}, []))).toBe(48);
    expect(codeOf(() => storage.dropCollection('test', 'nope', []))).toBe(26);
    expect(codeOf(() => storage.insert('te.st', 'c', {}, []))).toBe(73);
    expect(codeOf(() => storage.insert('test', '', {}, []))).toBe(73);
  });

  it('logs nothing for the local database', () => {
    const storage = new Storage();
    const oplog: OplogOp[] = [];
    storage.insert('local', 'startup_log', { _id: 1 }, oplog);
    expect(shapeAll(oplog)).toEqual([]);
    expect(storage.documents('local', 'startup_log')).toHaveLength(1);
  });

  it('logs a $set/$unset diff for updates, and the full document when asked', () => {
    const storage = new Storage();
    storage.insert('test', 'c', { _id: 1, a: 1, b: 2 }, []);
    const oplog: OplogOp[] = [];
    expect(storage.replace('test', 'c', { _id: 1, a: 5 }, oplog)).toBe(true);
    expect(shapeAll(oplog)).toEqual([{ op: 'u', ns: 'test.c', o2: { _id: 1 }, o: { $set: { a: 5 }, $unset: { b: true } } }]);
    expect(storage.replace('test', 'c', { _id: 1, a: 5 }, oplog)).toBe(false);
    expect(oplog).toHaveLength(1);
    storage.replace('test', 'c', { _id: 1, z: 1 }, oplog, 'full');
    expect(shape(oplog[1] as OplogOp)).toEqual({ op: 'u', ns: 'test.c', o2: { _id: 1 }, o: { _id: 1, z: 1 } });
  });
});

/** A scripted workload touching every kind of entry. */
function workload(storage: Storage): OplogOp[] {
  const oplog: OplogOp[] = [];
  storage.insert('test', 'c', { _id: 1, a: 1 }, oplog);
  storage.insert('test', 'c', { _id: 2, a: 2, t: new Timestamp({ t: 5, i: 1 }) }, oplog);
  storage.createIndexes('test', 'c', [{ key: { a: 1 }, unique: true }], oplog);
  storage.replace('test', 'c', { _id: 1, a: 10, b: [1, 2] }, oplog);
  storage.remove('test', 'c', 2, oplog);
  storage.insert('test', 'd', { _id: 'x' }, oplog);
  storage.dropCollection('test', 'd', oplog);
  storage.insert('other', 'e', { _id: 1 }, oplog);
  storage.dropDatabase('other', oplog);
  storage.dropIndexes('test', 'c', 'a_1', oplog);
  storage.insert('test', 'c', { _id: 3, a: 10 }, oplog);
  return oplog;
}

describe('Storage oplog application and rollback', () => {
  it('applying the primary oplog on a second storage reproduces the same state (and digest)', () => {
    const primary = new Storage();
    const oplog = workload(primary);
    const secondary = new Storage();
    for (const entry of oplog) secondary.applyOplogEntry(structuredCloneEntry(entry));
    expect(secondary.digest()).toBe(primary.digest());
    expect(secondary.documents('test', 'c')).toEqual(primary.documents('test', 'c'));
    expect(secondary.listIndexes('test', 'c')).toEqual(primary.listIndexes('test', 'c'));
  });

  it('applying each entry twice in a row gives the same state (idempotent re-delivery)', () => {
    const primary = new Storage();
    const oplog = workload(primary);
    const secondary = new Storage();
    for (const entry of oplog) {
      secondary.applyOplogEntry(entry);
      secondary.applyOplogEntry(entry);
    }
    expect(secondary.digest()).toBe(primary.digest());
  });

  it('undo restores the exact earlier state and returns the rolled-back documents', () => {
    const storage = new Storage();
    const base: OplogOp[] = [];
    storage.insert('test', 'c', { _id: 1, a: 1 }, base);
    storage.insert('test', 'c', { _id: 2, a: 2 }, base);
    const before = storage.digest();
    const beforeDocs = storage.documents('test', 'c');
    const later: OplogOp[] = [];
    storage.insert('test', 'c', { _id: 3, a: 3 }, later);
    storage.replace('test', 'c', { _id: 1, a: 100 }, later);
    storage.remove('test', 'c', 2, later);
    storage.insert('test', 'n', { _id: 'new' }, later);
    storage.dropCollection('test', 'c', later);
    // The member wraps entries with its optime, keeping `undo`.
    const stamped = later.map((entry, i) => ({ ...entry, ts: i + 1, t: 2 }));
    const files = storage.undo([...stamped].reverse());
    expect(storage.digest()).toBe(before);
    expect(storage.documents('test', 'c')).toEqual(beforeDocs);
    expect(storage.getCollection('test', 'n')).toBeUndefined();
    expect(files).toEqual([
      { ns: 'test.n', op: 'i', doc: { _id: 'new' } },
      { ns: 'test.c', op: 'd', doc: null },
      { ns: 'test.c', op: 'u', doc: { _id: 1, a: 100 } },
      { ns: 'test.c', op: 'i', doc: { _id: 3, a: 3 } },
    ]);
  });

  it('refuses to undo entries it did not apply, changing nothing', () => {
    const storage = new Storage();
    const oplog = workload(storage);
    const digest = storage.digest();
    const foreign = { ...(oplog[oplog.length - 1] as OplogOp), undo: undefined };
    expect(() => storage.undo([oplog[oplog.length - 1] as OplogOp, foreign])).toThrow(StorageRollbackError);
    expect(storage.digest()).toBe(digest);
  });

  it('skips the member\'s own no-op entries when undoing, and can view the data before entries', () => {
    const storage = new Storage();
    const oplog: OplogOp[] = [];
    storage.insert('test', 'c', { _id: 1 }, oplog);
    const before = storage.digest();
    storage.insert('test', 'c', { _id: 2 }, oplog);
    const newPrimary: OplogOp = { op: 'n', ns: '', o: { msg: 'new primary' } };
    new Storage().applyOplogEntry({ op: 'n', ns: '', o: { msg: 'initiating set' } });
    const latest = [newPrimary, oplog[oplog.length - 1] as OplogOp];
    const view = storage.viewBefore(latest);
    expect(view.digest()).toBe(before);
    expect(storage.documents('test', 'c')).toHaveLength(2);
    storage.undo(latest);
    expect(storage.digest()).toBe(before);
  });

  it('applies a batch all or nothing', () => {
    const storage = new Storage();
    storage.insert('test', 'c', { _id: 1 }, []);
    const before = storage.digest();
    const batch: OplogOp[] = [
      { op: 'i', ns: 'test.c', o: { _id: 2 } },
      { op: 'u', ns: 'test.c', o2: { _id: 1 }, o: { $set: { a: 1 } } },
      // emptycapped: an oplog command mongod knows (capped collections) and the simulator does not apply.
      { op: 'c', ns: 'test.$cmd', o: { emptycapped: 'c' } },
    ];
    expect(() => storage.applyOps(batch)).toThrow(ServerError);
    expect(storage.digest()).toBe(before);
    expect(batch.every((entry) => entry.undo === undefined)).toBe(true);
  });

  it('keeps the first pre-image when the same entry object is applied twice', () => {
    const primary = new Storage();
    const oplog = workload(primary);
    const replica = new Storage();
    const fresh = oplog.map((entry) => plain(entry));
    for (const entry of fresh.slice(0, -1)) replica.applyOplogEntry(entry);
    const before = replica.digest();
    const last = fresh[fresh.length - 1] as OplogOp;
    replica.applyOplogEntry(last);
    replica.applyOplogEntry(last);
    replica.undo([last]);
    expect(replica.digest()).toBe(before);
  });

  it('undo of a secondary-applied dropDatabase and createIndexes restores collections and indexes', () => {
    const source = new Storage();
    const oplog = workload(source);
    const replica = new Storage();
    const fresh = oplog.map((entry) => plain(entry));
    replica.applyOps(fresh.slice(0, 4));
    const atPrefix = replica.digest();
    replica.applyOps(fresh.slice(4));
    replica.undo(fresh.slice(4).reverse());
    expect(replica.digest()).toBe(atPrefix);
    expect(replica.listIndexes('test', 'c').map((spec) => spec.name)).toEqual(['_id_', 'a_1']);
  });
});

describe('Storage snapshots', () => {
  it('clone is independent of the original', () => {
    const storage = new Storage();
    workload(storage);
    const copy = storage.clone();
    expect(copy.digest()).toBe(storage.digest());
    copy.insert('test', 'c', { _id: 99 }, []);
    copy.createIndexes('test', 'c', [{ key: { z: 1 } }], []);
    expect(copy.digest()).not.toBe(storage.digest());
    expect(storage.getCollection('test', 'c')?.getById(99)).toBeUndefined();
    expect(storage.listIndexes('test', 'c')).toHaveLength(1);
  });

  it('serialize/deserialize round-trips types, indexes and digest', () => {
    const storage = new Storage();
    storage.insert('test', 'c', { _id: new ObjectId('650000000000000000000001'), big: Long.fromString('9007199254740993'), ts: new Timestamp({ t: 1, i: 2 }), d: new Date(5), f: 1.5 }, []);
    storage.createIndexes('test', 'c', [{ key: { f: 1 }, unique: true, name: 'f' }], []);
    const restored = Storage.deserialize(storage.serialize());
    expect(restored.digest()).toBe(storage.digest());
    expect(restored.documents('test', 'c')).toEqual(storage.documents('test', 'c'));
    expect(() => restored.insert('test', 'c', { f: 1.5 }, [])).toThrow(ServerError);
  });

  it('dataDigest leaves out the local database; digest covers it', () => {
    const a = new Storage();
    const b = new Storage();
    a.insert('test', 'c', { _id: 1 }, []);
    b.insert('test', 'c', { _id: 1 }, []);
    a.insert('local', 'startup_log', { _id: 'a' }, []);
    expect(a.dataDigest()).toBe(b.dataDigest());
    expect(a.digest()).not.toBe(b.digest());
  });

  it('digest does not depend on insertion order', () => {
    const a = new Storage();
    const b = new Storage();
    a.insert('test', 'c', { _id: 1 }, []);
    a.insert('test', 'c', { _id: 2 }, []);
    b.insert('test', 'c', { _id: 2 }, []);
    b.insert('test', 'c', { _id: 1 }, []);
    expect(a.digest()).toBe(b.digest());
    b.replace('test', 'c', { _id: 1, x: 1 }, []);
    expect(a.digest()).not.toBe(b.digest());
  });
});

function structuredCloneEntry(entry: OplogOp): OplogOp {
  // Entries cross the wire between members: make sure nothing relies on object identity.
  return { ...plain(entry), o: { ...entry.o } } as OplogOp;
}
