import { describe, expect, it } from 'vitest';
import { CrudHarness } from './crud-helpers';

/**
 * Issue 14: command options the drivers' CRUD spec tests use on a 7.0 server.
 * - `let` (MongoDB 5.0+): find, aggregate, update, delete and findAndModify take a `let` document of
 *   constants usable as `$$name` in `$expr` filters, pipelines and pipeline updates (manual, "let"
 *   option of each command; variable_validation.cpp for the names).
 * - Pipeline updates: the pipeline's output replaces the document; an output without `_id` keeps the
 *   original (update/pipeline_executor.cpp hands it to ObjectReplaceExecutor, which keeps `_id`).
 * - `sort` in update and delete statements came in 8.0: 7.0's strict write_ops.idl refuses it as an
 *   unknown field (40415), failing the whole command.
 */

function seeded(): CrudHarness {
  const h = new CrudHarness();
  h.run('db', { insert: 'c', documents: [{ _id: 1, name: 'a' }, { _id: 2, name: 'b' }, { _id: 3, name: 'c' }] });
  return h;
}

const byId = { $expr: { $eq: ['$_id', '$$id'] } };

describe('let', () => {
  it('find and aggregate read $$ variables in $expr and in stages', () => {
    const h = seeded();
    expect(h.run('db', { find: 'c', filter: byId, let: { id: 2 } }).cursor.firstBatch).toEqual([{ _id: 2, name: 'b' }]);
    const reply = h.run('db', { aggregate: 'c', pipeline: [{ $match: byId }, { $project: { _id: 0, tag: '$$tag' } }], cursor: {}, let: { id: 3, tag: 'x' } });
    expect(reply.cursor.firstBatch).toEqual([{ tag: 'x' }]);
  });

  it('evaluates each let value as an expression once, before the command runs', () => {
    const h = seeded();
    expect(h.run('db', { find: 'c', filter: byId, let: { id: { $add: [1, 1] } } }).cursor.firstBatch).toEqual([{ _id: 2, name: 'b' }]);
  });

  it('update, delete and findAndModify match and write with $$ variables', () => {
    const h = seeded();
    expect(h.run('db', { update: 'c', updates: [{ q: byId, u: [{ $set: { name: '$$v' } }] }], let: { id: 1, v: 'z' } })).toMatchObject({ n: 1, nModified: 1 });
    expect(h.storage.getCollection('db', 'c')?.getById(1)).toEqual({ _id: 1, name: 'z' });
    expect(h.run('db', { delete: 'c', deletes: [{ q: byId, limit: 1 }], let: { id: 2 } })).toMatchObject({ n: 1 });
    const fam = h.run('db', { findAndModify: 'c', query: byId, remove: true, let: { id: 3 } });
    expect(fam.value).toEqual({ _id: 3, name: 'c' });
    expect(h.storage.documents('db', 'c')).toEqual([{ _id: 1, name: 'z' }]);
  });

  it('an undefined variable is still an error', () => {
    const h = seeded();
    expect(h.run('db', { find: 'c', filter: byId })).toMatchObject({ ok: 0 });
  });

  it('refuses a let name that does not start with a lowercase letter', () => {
    const h = seeded();
    expect(h.run('db', { find: 'c', filter: {}, let: { Id: 1 } })).toMatchObject({ ok: 0, codeName: 'FailedToParse' });
  });
});

describe('pipeline updates', () => {
  it('keep the original _id when the pipeline output has none', () => {
    const h = new CrudHarness();
    h.run('db', { insert: 'c', documents: [{ _id: 1, x: 1, t: { u: { v: 1 } } }] });
    const reply = h.run('db', { update: 'c', updates: [{ q: { _id: 1 }, u: [{ $replaceRoot: { newRoot: '$t' } }, { $addFields: { foo: 1 } }] }] });
    expect(reply).toMatchObject({ n: 1, nModified: 1 });
    expect(h.storage.documents('db', 'c')).toEqual([{ _id: 1, u: { v: 1 }, foo: 1 }]);
  });

  it('may set dotted and dollar-prefixed field names through $setField', () => {
    const h = new CrudHarness();
    h.run('db', { insert: 'c', documents: [{ _id: 1, foo: {} }] });
    const u = [{ $replaceWith: { $setField: { field: { $literal: '$a' }, value: 1, input: '$$ROOT' } } }];
    expect(h.run('db', { update: 'c', updates: [{ q: { _id: 1 }, u }] })).toMatchObject({ n: 1, nModified: 1 });
    expect(h.storage.documents('db', 'c')).toEqual([{ _id: 1, foo: {}, $a: 1 }]);
  });
});

describe('sort in update and delete statements (8.0+)', () => {
  it('is an unknown field on 7.0, failing the whole command', () => {
    const h = seeded();
    const update = h.run('db', { update: 'c', updates: [{ q: {}, u: { $set: { y: 1 } }, sort: { _id: -1 } }] });
    expect(update).toMatchObject({ ok: 0, code: 40415, errmsg: "BSON field 'update.updates.sort' is an unknown field." });
    const del = h.run('db', { delete: 'c', deletes: [{ q: {}, limit: 1, sort: { _id: -1 } }] });
    expect(del).toMatchObject({ ok: 0, code: 40415 });
    expect(h.storage.documents('db', 'c')).toHaveLength(3);
  });

  it('findAndModify still sorts', () => {
    const h = seeded();
    expect(h.run('db', { findAndModify: 'c', query: {}, sort: { _id: -1 }, update: { $set: { y: 1 } } }).value).toEqual({ _id: 3, name: 'c' });
  });
});

describe('dollar-prefixed fields in _id', () => {
  // storage_validation.cpp storageValidIdField: MongoDB 5.0+ stores `$` fields, but not inside `_id`.
  it('an insert whose _id document holds a $-prefixed field is refused (52)', () => {
    const h = new CrudHarness();
    const reply = h.run('db', { insert: 'c', documents: [{ _id: { $a: 1 } }, { _id: { a: { $b: 1 } } }], ordered: false });
    expect(reply.writeErrors.map((e: { code: number }) => e.code)).toEqual([52, 52]);
    expect(h.run('db', { insert: 'c', documents: [{ _id: 1, $a: 1, 'b.c': 2 }] })).toMatchObject({ n: 1 });
  });
});
