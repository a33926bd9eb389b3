import { ObjectId } from 'bson';
import type { Timestamp } from 'bson';
import { describe, expect, it } from 'vitest';
import { Storage } from '../../src/storage';
import { plainAll, shapeAll } from '../storage/plain';
import { CrudHarness } from './crud-helpers';

describe('insert', () => {
  it('inserts, reports n and logs one entry per document', () => {
    const h = new CrudHarness();
    expect(h.run('test', { insert: 'c', documents: [{ _id: 1 }, { _id: 2, a: 'x' }] })).toEqual({ n: 2, ok: 1 });
    expect(h.oplog.map((entry) => entry.op)).toEqual(['c', 'i', 'i']);
  });

  it('stops an ordered batch at the first duplicate and reports the real writeError', () => {
    const h = new CrudHarness();
    h.run('test', { insert: 'c', documents: [{ _id: 1 }] });
    const reply = h.run('test', { insert: 'c', documents: [{ _id: 2 }, { _id: 1 }, { _id: 3 }] });
    expect(reply).toEqual({
      n: 1,
      ok: 1,
      writeErrors: [
        {
          index: 1,
          code: 11000,
          errmsg: 'E11000 duplicate key error collection: test.c index: _id_ dup key: { _id: 1 }',
          keyPattern: { _id: 1 },
          keyValue: { _id: 1 },
        },
      ],
    });
    expect(h.storage.getCollection('test', 'c')?.getById(3)).toBeUndefined();
  });

  it('continues an unordered batch past errors', () => {
    const h = new CrudHarness();
    const reply = h.run('test', { insert: 'c', ordered: false, documents: [{ _id: 1 }, { _id: 1 }, { _id: 2 }, { _id: 2 }] });
    expect(reply.n).toBe(2);
    expect(reply.writeErrors.map((e: { index: number }) => e.index)).toEqual([1, 3]);
  });

  it('gives a server-made ObjectId to documents without _id', () => {
    const h = new CrudHarness();
    h.run('test', { insert: 'c', documents: [{ a: 1 }] });
    const [doc] = h.storage.documents('test', 'c');
    expect(doc?._id).toBeInstanceOf(ObjectId);
  });

  it('rejects bad batches and namespaces with real codes', () => {
    const h = new CrudHarness();
    expect(h.run('test', { insert: 'c', documents: [] })).toMatchObject({ ok: 0, code: 16, codeName: 'InvalidLength' });
    expect(h.run('test', { insert: 'c', documents: 'x' })).toMatchObject({ ok: 0, code: 14, codeName: 'TypeMismatch' });
    expect(h.run('test', { insert: 5, documents: [{}] })).toMatchObject({ ok: 0, code: 73 });
    expect(h.run('test', { insert: 'a$b', documents: [{}] })).toMatchObject({ ok: 0, code: 73, errmsg: "Invalid namespace specified 'test.a$b'" });
    expect(h.run('test', { nosuchcommand: 1 })).toMatchObject({ ok: 0, code: 59, codeName: 'CommandNotFound' });
    expect(shapeAll(h.oplog)).toEqual([]);
  });
});

describe('update', () => {
  it('applies operator updates with mingo and logs a diff', () => {
    const h = new CrudHarness();
    h.run('test', { insert: 'c', documents: [{ _id: 1, a: 1, tags: ['x'] }] });
    h.oplog.length = 0;
    const reply = h.run('test', { update: 'c', updates: [{ q: { _id: 1 }, u: { $inc: { a: 2 }, $push: { tags: 'y' } } }] });
    expect(reply).toEqual({ n: 1, nModified: 1, ok: 1 });
    expect(h.storage.documents('test', 'c')).toEqual([{ _id: 1, a: 3, tags: ['x', 'y'] }]);
    expect(shapeAll(h.oplog)).toEqual([{ op: 'u', ns: 'test.c', o2: { _id: 1 }, o: { $set: { a: 3, tags: ['x', 'y'] } } }]);
  });

  it('counts matched but unchanged documents in n, not nModified, and logs nothing for them', () => {
    const h = new CrudHarness();
    h.run('test', { insert: 'c', documents: [{ _id: 1, a: 1 }, { _id: 2, a: 1 }] });
    h.oplog.length = 0;
    expect(h.run('test', { update: 'c', updates: [{ q: {}, u: { $set: { a: 1 } }, multi: true }] })).toEqual({ n: 2, nModified: 0, ok: 1 });
    expect(shapeAll(h.oplog)).toEqual([]);
    expect(h.run('test', { update: 'c', updates: [{ q: { a: 1 }, u: { $set: { b: 1 } }, multi: true }] })).toEqual({ n: 2, nModified: 2, ok: 1 });
  });

  it('upserts with the _id from the query, or a new ObjectId, and reports upserted', () => {
    const h = new CrudHarness();
    const reply = h.run('test', {
      update: 'c',
      updates: [
        { q: { _id: 7, kind: 'a' }, u: { $set: { x: 1 }, $setOnInsert: { created: true } }, upsert: true },
        { q: { name: 'bob' }, u: { $inc: { visits: 1 } }, upsert: true },
      ],
    });
    expect(reply.n).toBe(2);
    expect(reply.nModified).toBe(0);
    expect(reply.upserted[0]).toEqual({ index: 0, _id: 7 });
    expect(reply.upserted[1].index).toBe(1);
    expect(reply.upserted[1]._id).toBeInstanceOf(ObjectId);
    expect(h.storage.getCollection('test', 'c')?.getById(7)).toEqual({ _id: 7, kind: 'a', x: 1, created: true });
    const bob = h.storage.documents('test', 'c')[1];
    expect(bob).toMatchObject({ name: 'bob', visits: 1 });
    // The upsert is logged as an insert.
    expect(h.oplog.filter((entry) => entry.op === 'i')).toHaveLength(2);
  });

  it('does not apply $setOnInsert to an existing document', () => {
    const h = new CrudHarness();
    h.run('test', { insert: 'c', documents: [{ _id: 1 }] });
    h.run('test', { update: 'c', updates: [{ q: { _id: 1 }, u: { $set: { a: 1 }, $setOnInsert: { b: 1 } }, upsert: true }] });
    expect(h.storage.documents('test', 'c')).toEqual([{ _id: 1, a: 1 }]);
  });

  it('replaces documents, keeping _id and logging the full document', () => {
    const h = new CrudHarness();
    h.run('test', { insert: 'c', documents: [{ _id: 1, a: 1 }] });
    h.oplog.length = 0;
    h.run('test', { update: 'c', updates: [{ q: { a: 1 }, u: { b: 2 } }] });
    expect(h.storage.documents('test', 'c')).toEqual([{ _id: 1, b: 2 }]);
    expect(shapeAll(h.oplog)).toEqual([{ op: 'u', ns: 'test.c', o2: { _id: 1 }, o: { _id: 1, b: 2 } }]);
  });

  it('supports arrayFilters, the positional operator and pipeline updates', () => {
    const h = new CrudHarness();
    h.run('test', { insert: 'c', documents: [{ _id: 1, grades: [80, 95, 100], n: 2 }] });
    h.run('test', { update: 'c', updates: [{ q: { _id: 1 }, u: { $set: { 'grades.$[g]': 0 } }, arrayFilters: [{ g: { $gte: 95 } }] }] });
    expect(h.storage.documents('test', 'c')[0]?.grades).toEqual([80, 0, 0]);
    h.run('test', { update: 'c', updates: [{ q: { _id: 1, grades: 80 }, u: { $set: { 'grades.$': 81 } } }] });
    expect(h.storage.documents('test', 'c')[0]?.grades).toEqual([81, 0, 0]);
    h.run('test', { update: 'c', updates: [{ q: { _id: 1 }, u: [{ $set: { m: { $multiply: ['$n', 10] } } }] }] });
    expect(h.storage.documents('test', 'c')[0]?.m).toBe(20);
  });

  it('rejects invalid updates with real codes', () => {
    const h = new CrudHarness();
    h.run('test', { insert: 'c', documents: [{ _id: 1, a: 1 }] });
    const err = (u: unknown, extra = {}) => h.run('test', { update: 'c', updates: [{ q: { _id: 1 }, u, ...extra }] }).writeErrors?.[0];
    expect(err({ $foo: { a: 1 } })).toMatchObject({ code: 9, errmsg: 'Unknown modifier: $foo. Expected a valid update modifier or pipeline-style update specified as an array' });
    expect(err({ $set: { a: 1 }, b: 1 })).toMatchObject({ code: 9 });
    expect(err({ b: 1, $set: { a: 1 } })).toMatchObject({ code: 52 });
    expect(err({ $set: 5 })).toMatchObject({ code: 9 });
    expect(err({ $set: { a: 1 }, $inc: { a: 1 } })).toMatchObject({ code: 40 });
    expect(err({ $set: { _id: 2 } })).toMatchObject({ code: 66 });
    expect(err({ _id: 2, a: 1 })).toMatchObject({ code: 66 });
    expect(err({ a: 2 }, { multi: true })).toMatchObject({ code: 9 });
    expect(err({ $inc: { a: 'x' } })).toMatchObject({ code: 14 });
    h.run('test', { update: 'c', updates: [{ q: { _id: 1 }, u: { $set: { s: 'text', n: 5 } } }] });
    expect(err({ $inc: { s: 1 } })).toMatchObject({
      code: 14,
      errmsg: "Cannot apply $inc to a value of non-numeric type. {_id: 1} has the field 's' of non-numeric type string",
    });
    expect(err({ $push: { s: 1 } })).toMatchObject({ code: 2, errmsg: "The field 's' must be an array but is of type string in document {_id: 1}" });
    expect(err({ $addToSet: { n: 1 } })).toMatchObject({ code: 2 });
    expect(err({ $pop: { n: 1 } })).toMatchObject({ code: 14 });
    expect(err({ $set: { 'n.x': 1 } })).toMatchObject({ code: 28, errmsg: "Cannot create field 'x' in element {n: 5}" });
    h.run('test', { update: 'c', updates: [{ q: { _id: 1 }, u: { $unset: { s: '', n: '' } } }] });
    expect(h.storage.documents('test', 'c')).toEqual([{ _id: 1, a: 1 }]);
  });

  it('takes $currentDate from the injected clock', () => {
    const h = new CrudHarness();
    h.nowMillis = 86_400_000;
    h.run('test', { update: 'c', updates: [{ q: { _id: 1 }, u: { $currentDate: { d: true, ts: { $type: 'timestamp' } } }, upsert: true }] });
    const doc = h.storage.documents('test', 'c')[0];
    expect((doc?.d as Date).getTime()).toBe(86_400_000);
    expect((doc?.ts as Timestamp).t).toBe(86_400);
  });

  it('refuses an update that breaks a unique index', () => {
    const h = new CrudHarness();
    h.run('test', { createIndexes: 'c', indexes: [{ key: { email: 1 }, name: 'email_1', unique: true }] });
    h.run('test', { insert: 'c', documents: [{ _id: 1, email: 'a' }, { _id: 2, email: 'b' }] });
    const reply = h.run('test', { update: 'c', updates: [{ q: { _id: 2 }, u: { $set: { email: 'a' } } }] });
    expect(reply.writeErrors[0]).toMatchObject({ code: 11000, keyPattern: { email: 1 }, keyValue: { email: 'a' } });
    expect(reply.nModified).toBe(0);
  });
});

describe('document validation', () => {
  it('refuses documents the collection validator rejects (121), unless bypassed', () => {
    const h = new CrudHarness();
    expect(h.run('test', { create: 'c', validator: { qty: { $gte: 0 } } })).toEqual({ ok: 1 });
    expect(h.run('test', { insert: 'c', documents: [{ _id: 1, qty: 5 }, { _id: 2, qty: -1 }] })).toEqual({
      n: 1,
      ok: 1,
      writeErrors: [{ index: 1, code: 121, errmsg: 'Document failed validation', errInfo: { failingDocumentId: 2, details: { operatorName: '$gte', specifiedAs: { qty: { $gte: 0 } }, reason: 'comparison failed', consideredValue: -1 } } }],
    });
    expect(h.run('test', { update: 'c', updates: [{ q: { _id: 1 }, u: { $set: { qty: -5 } } }] }).writeErrors[0]).toMatchObject({ code: 121 });
    expect(h.run('test', { insert: 'c', documents: [{ _id: 3, qty: -1 }], bypassDocumentValidation: true }).n).toBe(1);
    expect(h.run('test', { create: 'j', validator: { $jsonSchema: { required: ['a'] } } })).toMatchObject({ ok: 0, code: 115 });
  });

  it('lets moderate validation update documents that were already invalid, and warn let everything pass', () => {
    const h = new CrudHarness();
    h.run('test', { insert: 'm', documents: [{ _id: 1, qty: -1 }] });
    h.storage.getCollection('test', 'm')!.options.validator = { qty: { $gte: 0 } };
    h.storage.getCollection('test', 'm')!.options.validationLevel = 'moderate';
    expect(h.run('test', { update: 'm', updates: [{ q: { _id: 1 }, u: { $set: { qty: -2 } } }] }).nModified).toBe(1);
    h.run('test', { create: 'w', validator: { qty: { $gte: 0 } }, validationAction: 'warn' });
    expect(h.run('test', { insert: 'w', documents: [{ qty: -1 }] }).n).toBe(1);
  });

  it('does not validate entries applied from the oplog', () => {
    const h = new CrudHarness();
    h.run('test', { create: 'c', validator: { qty: { $gte: 0 } } });
    h.run('test', { insert: 'c', documents: [{ _id: 1, qty: -1 }], bypassDocumentValidation: true });
    const replica = new Storage();
    replica.applyOps(plainAll(h.oplog));
    expect(replica.digest()).toBe(h.storage.digest());
  });
});

describe('delete', () => {
  it('deletes one or all matching documents', () => {
    const h = new CrudHarness();
    h.run('test', { insert: 'c', documents: [{ _id: 1, a: 1 }, { _id: 2, a: 1 }, { _id: 3, a: 2 }] });
    h.oplog.length = 0;
    expect(h.run('test', { delete: 'c', deletes: [{ q: { a: 1 }, limit: 1 }] })).toEqual({ n: 1, ok: 1 });
    expect(shapeAll(h.oplog)).toEqual([{ op: 'd', ns: 'test.c', o: { _id: 1 } }]);
    expect(h.run('test', { delete: 'c', deletes: [{ q: {}, limit: 0 }] })).toEqual({ n: 2, ok: 1 });
    expect(h.storage.documents('test', 'c')).toEqual([]);
    expect(h.run('test', { delete: 'c', deletes: [{ q: {}, limit: 2 }] }).writeErrors[0]).toMatchObject({ code: 9 });
  });
});

describe('findAndModify', () => {
  it('returns the pre-image by default and the post-image with new:true', () => {
    const h = new CrudHarness();
    h.run('test', { insert: 'c', documents: [{ _id: 1, n: 1 }] });
    expect(h.run('test', { findAndModify: 'c', query: { _id: 1 }, update: { $inc: { n: 1 } } })).toEqual({
      lastErrorObject: { n: 1, updatedExisting: true },
      value: { _id: 1, n: 1 },
      ok: 1,
    });
    expect(h.run('test', { findAndModify: 'c', query: { _id: 1 }, update: { $inc: { n: 1 } }, new: true, fields: { _id: 0 } }).value).toEqual({ n: 3 });
  });

  it('upserts and reports lastErrorObject.upserted', () => {
    const h = new CrudHarness();
    const reply = h.run('test', { findAndModify: 'c', query: { _id: 'k' }, update: { $set: { v: 1 } }, upsert: true, new: true });
    expect(reply).toEqual({ lastErrorObject: { n: 1, updatedExisting: false, upserted: 'k' }, value: { _id: 'k', v: 1 }, ok: 1 });
    const old = h.run('test', { findAndModify: 'c', query: { _id: 'z' }, update: { $set: { v: 1 } }, upsert: true });
    expect(old.value).toBeNull();
  });

  it('removes with sort, and validates remove/update combinations', () => {
    const h = new CrudHarness();
    h.run('test', { insert: 'c', documents: [{ _id: 1, p: 5 }, { _id: 2, p: 9 }] });
    expect(h.run('test', { findAndModify: 'c', query: {}, sort: { p: -1 }, remove: true })).toEqual({ lastErrorObject: { n: 1 }, value: { _id: 2, p: 9 }, ok: 1 });
    expect(h.run('test', { findAndModify: 'c', query: {}, remove: true, update: { $set: { a: 1 } } })).toMatchObject({ ok: 0, code: 9 });
    expect(h.run('test', { findAndModify: 'c', query: {} })).toMatchObject({ ok: 0, code: 9 });
    expect(h.run('test', { findAndModify: 'c', query: { _id: 99 }, remove: true })).toEqual({ lastErrorObject: { n: 0 }, value: null, ok: 1 });
  });
});

describe('collection and index commands', () => {
  it('create, NamespaceExists, drop, NamespaceNotFound', () => {
    const h = new CrudHarness();
    expect(h.run('test', { create: 'c' })).toEqual({ ok: 1 });
    expect(h.run('test', { create: 'c' })).toMatchObject({ ok: 0, code: 48, codeName: 'NamespaceExists' });
    expect(h.run('test', { drop: 'c' })).toEqual({ nIndexesWas: 1, ns: 'test.c', ok: 1 });
    expect(h.run('test', { drop: 'c' })).toEqual({ ok: 0, code: 26, codeName: 'NamespaceNotFound', errmsg: 'ns not found' });
  });

  it('createIndexes reports counts, creates the collection, and is idempotent', () => {
    const h = new CrudHarness();
    expect(h.run('test', { createIndexes: 'c', indexes: [{ key: { a: 1 }, name: 'a_1' }] })).toEqual({
      numIndexesBefore: 1,
      numIndexesAfter: 2,
      createdCollectionAutomatically: true,
      ok: 1,
    });
    expect(h.run('test', { createIndexes: 'c', indexes: [{ key: { a: 1 }, name: 'a_1' }] })).toEqual({
      numIndexesBefore: 2,
      numIndexesAfter: 2,
      createdCollectionAutomatically: false,
      note: 'all indexes already exist',
      ok: 1,
    });
    expect(h.run('test', { createIndexes: 'c', indexes: [{ key: { a: 1 }, name: 'other' }] })).toMatchObject({ ok: 0, code: 85 });
    expect(h.run('test', { dropIndexes: 'c', index: 'nope' })).toMatchObject({ ok: 0, code: 27, codeName: 'IndexNotFound' });
    expect(h.run('test', { dropIndexes: 'c', index: '*' })).toEqual({ nIndexesWas: 2, ok: 1 });
    expect(h.run('test', { dropIndexes: 'c', index: '_id_' })).toMatchObject({ ok: 0, code: 72 });
  });

  it('dropDatabase logs one entry and removes everything', () => {
    const h = new CrudHarness();
    h.run('test', { insert: 'c', documents: [{ _id: 1 }] });
    h.oplog.length = 0;
    expect(h.run('test', { dropDatabase: 1 })).toMatchObject({ ok: 1 });
    expect(shapeAll(h.oplog)).toEqual([{ op: 'c', ns: 'test.$cmd', o: { dropDatabase: 1 } }]);
    expect(h.storage.hasDatabase('test')).toBe(false);
  });
});

describe('the oplog of commands replays on another storage', () => {
  it('gives the same digest after a mixed workload', () => {
    const h = new CrudHarness();
    h.run('test', { insert: 'c', documents: [{ _id: 1, a: 1 }, { a: 2 }, { _id: 3, arr: [1, 2] }] });
    h.run('test', { createIndexes: 'c', indexes: [{ key: { a: 1 }, name: 'a_1', unique: true }] });
    h.run('test', { update: 'c', updates: [{ q: { _id: 3 }, u: { $pull: { arr: 1 }, $set: { 'x.y': 1 } } }, { q: { z: 1 }, u: { $set: { a: 9 } }, upsert: true }] });
    h.run('test', { update: 'c', updates: [{ q: { _id: 1 }, u: { b: 1 } }] });
    h.run('test', { findAndModify: 'c', query: { a: 2 }, remove: true });
    h.run('test', { delete: 'c', deletes: [{ q: { _id: 'none' }, limit: 1 }] });
    h.run('app', { create: 'logs' });
    const replica = new Storage();
    replica.applyOps(plainAll(h.oplog));
    expect(replica.digest()).toBe(h.storage.digest());
  });
});
