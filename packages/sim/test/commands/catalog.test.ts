import { Binary } from 'bson';
import type { Document } from 'bson';
import { describe, expect, it } from 'vitest';
import { Storage } from '../../src/storage';
import { CrudHarness } from './crud-helpers';

function setup(): CrudHarness {
  const h = new CrudHarness();
  h.run('app', { insert: 'c', documents: [{ _id: 1, x: 'foo' }] });
  return h;
}

describe('collMod (catalog/coll_mod.cpp, coll_mod.idl; manual: reference/command/collMod)', () => {
  it('sets a validator that later writes must pass (DocumentValidationFailure 121, errInfo.failingDocumentId, 5.0+)', () => {
    const h = setup();
    expect(h.run('app', { collMod: 'c', validator: { x: { $type: 'string' } } })).toEqual({ ok: 1 });
    const reply = h.run('app', { update: 'c', updates: [{ q: { _id: 1 }, u: { $set: { x: 1 } } }] });
    expect(reply.writeErrors[0].code).toBe(121);
    expect(reply.writeErrors[0].errInfo.failingDocumentId).toBe(1);
    const list = h.run('app', { listCollections: 1, filter: { name: 'c' } });
    expect(list.cursor.firstBatch[0].options).toEqual({ validator: { x: { $type: 'string' } } });
  });

  it('findAndModify failing the validator: 121 with errInfo {failingDocumentId, details} (crud spec findOneAndUpdate-errorResponse)', () => {
    const h = setup();
    h.run('app', { collMod: 'c', validator: { x: { $type: 'string' } } });
    const reply = h.run('app', { findAndModify: 'c', query: { _id: 1 }, update: { $set: { x: 1 } } });
    expect(reply).toMatchObject({ ok: 0, code: 121, errInfo: { failingDocumentId: 1, details: { operatorName: '$type', reason: 'type did not match' } } });
  });

  it('validationLevel and validationAction: enumerations (BadValue 2 for others), "warn" lets the write pass', () => {
    const h = setup();
    expect(h.run('app', { collMod: 'c', validationLevel: 'sometimes' })).toMatchObject({ ok: 0, code: 2 });
    h.run('app', { collMod: 'c', validator: { x: { $type: 'string' } }, validationAction: 'warn' });
    expect(h.run('app', { insert: 'c', documents: [{ _id: 2, x: 2 }] })).toMatchObject({ n: 1, ok: 1 });
  });

  it('logs one c entry {collMod, ...changes} with o2.collectionOptions_old (OpObserverImpl::onCollMod), even when it changes nothing', () => {
    const h = setup();
    h.oplog.length = 0;
    h.run('app', { collMod: 'c' });
    h.run('app', { collMod: 'c', changeStreamPreAndPostImages: { enabled: true } });
    // `ui`: the collection's UUID (OpObserverImpl::onCollMod).
    const ui = h.storage.getCollection('app', 'c')?.uuid;
    expect(h.oplog.map(({ undo: _undo, ...entry }) => entry)).toEqual([
      { op: 'c', ns: 'app.$cmd', ui, o: { collMod: 'c' }, o2: { collectionOptions_old: {} } },
      { op: 'c', ns: 'app.$cmd', ui, o: { collMod: 'c', changeStreamPreAndPostImages: { enabled: true } }, o2: { collectionOptions_old: {} } },
    ]);
  });

  it('index options: hidden and expireAfterSeconds with their _old/_new values; errors IndexNotFound 27, InvalidOptions 72', () => {
    const h = setup();
    h.run('app', { createIndexes: 'c', indexes: [{ key: { x: 1 }, name: 'x_1' }, { key: { t: 1 }, name: 't_1', expireAfterSeconds: 60 }] });
    expect(h.run('app', { collMod: 'c', index: { name: 'x_1', hidden: true } })).toEqual({ hidden_old: false, hidden_new: true, ok: 1 });
    expect(h.run('app', { collMod: 'c', index: { keyPattern: { t: 1 }, expireAfterSeconds: 120 } })).toEqual({ expireAfterSeconds_old: 60, expireAfterSeconds_new: 120, ok: 1 });
    const indexes = h.run('app', { listIndexes: 'c' }).cursor.firstBatch;
    expect(indexes.find((i: { name: string }) => i.name === 'x_1').hidden).toBe(true);
    expect(indexes.find((i: { name: string }) => i.name === 't_1').expireAfterSeconds).toBe(120);
    expect(h.run('app', { collMod: 'c', index: { name: 'nope', hidden: true } })).toMatchObject({ ok: 0, code: 27 });
    expect(h.run('app', { collMod: 'c', index: { name: 'x_1', expireAfterSeconds: 5 } })).toMatchObject({ ok: 0, code: 72 });
    expect(h.run('app', { collMod: 'c', index: { name: '_id_', hidden: true } })).toMatchObject({ ok: 0, code: 2 });
    expect(h.run('app', { collMod: 'c', index: { name: 'x_1', keyPattern: { x: 1 }, hidden: true } })).toMatchObject({ ok: 0, code: 72 });
    expect(h.run('app', { collMod: 'c', index: { name: 'x_1', hidden: 1 } })).toMatchObject({ ok: 0, code: 72, errmsg: 'hidden field must be a boolean' });
    // Hiding a hidden index is a no-op: no hidden_old/hidden_new, no index in the entry.
    h.oplog.length = 0;
    expect(h.run('app', { collMod: 'c', index: { name: 'x_1', hidden: true } })).toEqual({ ok: 1 });
    expect(h.oplog[0]?.o).toEqual({ collMod: 'c' });
  });

  it('unique conversion (6.0+): prepareUnique refuses new duplicates, unique: true lists the violations (CannotConvertIndexToUnique 359), then converts (collection-management modifyCollection-errorResponse)', () => {
    const h = setup();
    h.run('app', { insert: 'c', documents: [{ _id: 2, x: 'foo' }] });
    h.run('app', { createIndexes: 'c', indexes: [{ key: { x: 1 }, name: 'x_1' }] });
    expect(h.run('app', { collMod: 'c', index: { keyPattern: { x: 1 }, unique: true } })).toMatchObject({ ok: 0, code: 72 });
    expect(h.run('app', { collMod: 'c', index: { keyPattern: { x: 1 }, prepareUnique: true } })).toEqual({ prepareUnique_old: false, prepareUnique_new: true, ok: 1 });
    expect(h.run('app', { insert: 'c', documents: [{ _id: 3, x: 'foo' }] }).writeErrors[0].code).toBe(11000);
    // A document keeping its (duplicate) key can still be updated; one taking another's key cannot.
    expect(h.run('app', { update: 'c', updates: [{ q: { _id: 2 }, u: { $set: { y: 1 } } }] })).toMatchObject({ nModified: 1 });
    expect(h.run('app', { insert: 'c', documents: [{ _id: 4, x: 'bar' }] })).toMatchObject({ n: 1 });
    expect(h.run('app', { update: 'c', updates: [{ q: { _id: 4 }, u: { $set: { x: 'foo' } } }] }).writeErrors[0].code).toBe(11000);
    expect(h.run('app', { collMod: 'c', index: { keyPattern: { x: 1 }, unique: true } })).toMatchObject({ ok: 0, code: 359, codeName: 'CannotConvertIndexToUnique', violations: [{ ids: [1, 2] }] });
    h.run('app', { delete: 'c', deletes: [{ q: { _id: 2 }, limit: 1 }] });
    h.oplog.length = 0;
    expect(h.run('app', { collMod: 'c', index: { keyPattern: { x: 1 }, unique: true } })).toEqual({ unique_new: true, ok: 1 });
    expect(h.storage.listIndexes('app', 'c').find((i) => i.name === 'x_1')).toEqual({ v: 2, key: { x: 1 }, name: 'x_1', unique: true });
    const secondary = Storage.deserialize(h.storage.serialize());
    expect(h.run('app', { insert: 'c', documents: [{ _id: 5, x: 'bar' }] }).writeErrors[0].code).toBe(11000);
    expect(secondary.listIndexes('app', 'c').find((i) => i.name === 'x_1')?.unique).toBe(true);
    expect(h.run('app', { collMod: 'c', index: { keyPattern: { x: 1 }, unique: false } })).toMatchObject({ ok: 0, code: 2 });
  });

  it('create with changeStreamPreAndPostImages keeps it only when enabled (CollectionOptions), as collMod', () => {
    const h = new CrudHarness();
    h.run('app', { create: 'on', changeStreamPreAndPostImages: { enabled: true } });
    h.run('app', { create: 'off', changeStreamPreAndPostImages: { enabled: false } });
    h.run('app', { collMod: 'on', changeStreamPreAndPostImages: { enabled: false } });
    const list = h.run('app', { listCollections: 1 }).cursor.firstBatch;
    expect(list.map((c: { name: string; options: unknown }) => [c.name, c.options])).toEqual([
      ['off', {}],
      ['on', {}],
    ]);
  });

  it('errors: missing collection NamespaceNotFound 26; unknown field 40415', () => {
    const h = setup();
    expect(h.run('app', { collMod: 'nope', validator: {} })).toMatchObject({ ok: 0, code: 26, codeName: 'NamespaceNotFound' });
    expect(h.run('app', { collMod: 'c', bogus: 1 })).toMatchObject({ ok: 0, code: 40415 });
  });

  it('a secondary applying the entries has the same options and index changes (same digest), and a restart keeps them', () => {
    const h = setup();
    h.run('app', { createIndexes: 'c', indexes: [{ key: { x: 1 }, name: 'x_1' }] });
    h.run('app', { collMod: 'c', validator: { x: { $exists: true } }, index: { name: 'x_1', hidden: true } });
    const secondary = new Storage();
    secondary.applyOps(structuredClone(h.oplog));
    expect(secondary.dataDigest()).toBe(h.storage.dataDigest());
    expect(secondary.getCollection('app', 'c')?.options.validator).toEqual({ x: { $exists: true } });
    const restarted = Storage.deserialize(h.storage.serialize());
    expect(restarted.listIndexes('app', 'c').find((i) => i.name === 'x_1')?.hidden).toBe(true);
    expect(restarted.getCollection('app', 'c')?.options.validator).toEqual({ x: { $exists: true } });
  });

  it('rollback of a collMod restores the old options', () => {
    const h = setup();
    h.oplog.length = 0;
    h.run('app', { collMod: 'c', validator: { x: 1 } });
    h.storage.undo([...h.oplog].reverse());
    expect(h.storage.getCollection('app', 'c')?.options).toEqual({});
  });
});

describe('renameCollection (catalog/rename_collection.cpp; manual: reference/command/renameCollection)', () => {
  it('renames within a database, logging {renameCollection, to, stayTemp, dropTarget} on <db>.$cmd', () => {
    const h = setup();
    h.oplog.length = 0;
    const ui = h.storage.getCollection('app', 'c')?.uuid;
    expect(h.run('admin', { renameCollection: 'app.c', to: 'app.d' })).toEqual({ ok: 1 });
    // OpObserverImpl::onRenameCollection: `ui` is the source's UUID, which the collection keeps.
    expect(h.oplog.map(({ undo: _undo, ...entry }) => entry)).toEqual([{ op: 'c', ns: 'app.$cmd', ui, o: { renameCollection: 'app.c', to: 'app.d', stayTemp: false } }]);
    expect(h.storage.getCollection('app', 'd')?.uuid).toEqual(ui);
    expect(h.run('app', { find: 'd' }).cursor.firstBatch).toEqual([{ _id: 1, x: 'foo' }]);
    expect(h.storage.getCollection('app', 'c')).toBeUndefined();
  });

  it('errors: not on admin Unauthorized 13; missing source 26; existing target 48 unless dropTarget; to itself 20; system 20', () => {
    const h = setup();
    h.run('app', { insert: 'd', documents: [{ _id: 9 }] });
    expect(h.run('app', { renameCollection: 'app.c', to: 'app.e' })).toMatchObject({ ok: 0, code: 13 });
    expect(h.run('admin', { renameCollection: 'app.nope', to: 'app.e' })).toMatchObject({ ok: 0, code: 26 });
    expect(h.run('admin', { renameCollection: 'app.c', to: 'app.d' })).toMatchObject({ ok: 0, code: 48, codeName: 'NamespaceExists' });
    expect(h.run('admin', { renameCollection: 'app.c', to: 'app.c' })).toMatchObject({ ok: 0, code: 20 });
    expect(h.run('admin', { renameCollection: 'app.c', to: 'app.system.x' })).toMatchObject({ ok: 0, code: 20 });
    expect(h.run('admin', { renameCollection: 'app.c', to: 'app.d', dropTarget: true })).toEqual({ ok: 1 });
    expect(h.run('app', { find: 'd' }).cursor.firstBatch).toEqual([{ _id: 1, x: 'foo' }]);
  });

  it('across databases copies through a temporary collection, then drops the source', () => {
    const h = setup();
    h.run('app', { createIndexes: 'c', indexes: [{ key: { x: 1 }, name: 'x_1' }] });
    h.oplog.length = 0;
    expect(h.run('admin', { renameCollection: 'app.c', to: 'other.c2' })).toEqual({ ok: 1 });
    expect(h.oplog.map((e) => Object.keys(e.o)[0] ?? e.op)).toEqual(['create', '_id', 'createIndexes', 'renameCollection', 'drop']);
    expect(h.run('other', { find: 'c2' }).cursor.firstBatch).toEqual([{ _id: 1, x: 'foo' }]);
    expect(h.storage.listIndexes('other', 'c2').map((i) => i.name)).toEqual(['_id_', 'x_1']);
    expect(h.storage.getCollection('app', 'c')).toBeUndefined();
  });

  it('a secondary applying the entries converges; rollback restores source and dropped target', () => {
    const h = setup();
    h.run('app', { insert: 'd', documents: [{ _id: 9 }] });
    const secondary = new Storage();
    secondary.applyOps(structuredClone(h.oplog));
    const before = h.storage.dataDigest();
    h.oplog.length = 0;
    h.run('admin', { renameCollection: 'app.c', to: 'app.d', dropTarget: true });
    secondary.applyOps(structuredClone(h.oplog));
    expect(secondary.dataDigest()).toBe(h.storage.dataDigest());
    h.storage.undo([...h.oplog].reverse());
    expect(h.storage.dataDigest()).toBe(before);
  });
});

describe('listCollections info (commands/list_collections.cpp)', () => {
  it('a collection shows info {readOnly: false, uuid} (buildCollectionBson: the UUID is a catalog option, shown under info, not options); a view info {readOnly: true} and no uuid (buildViewBson)', () => {
    const h = setup();
    h.run('app', { create: 'v', viewOn: 'c', pipeline: [] });
    const entries = h.run('app', { listCollections: 1 }).cursor.firstBatch as Document[];
    const coll = entries.find((e) => e.name === 'c')!;
    expect(coll.info).toEqual({ readOnly: false, uuid: h.storage.getCollection('app', 'c')!.uuid });
    expect((coll.info as Document).uuid).toBeInstanceOf(Binary);
    expect(((coll.info as Document).uuid as Binary).sub_type).toBe(Binary.SUBTYPE_UUID);
    expect(coll.options).not.toHaveProperty('uuid');
    expect(entries.find((e) => e.name === 'v')!.info).toEqual({ readOnly: true });
    // nameOnly drops info, as before.
    expect(h.run('app', { listCollections: 1, nameOnly: true }).cursor.firstBatch).toContainEqual({ name: 'c', type: 'collection' });
  });
});
