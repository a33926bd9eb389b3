import { Binary } from 'bson';
import type { Document } from 'bson';
import { describe, expect, it } from 'vitest';
import { Storage, entryFromBson, entryToBson } from '../../src/storage';
import type { OplogEntry, OplogOp } from '../../src/storage';

// Collection UUIDs as mongod 7.0 keeps them: every collection gets one when it is created,
// explicitly or by a write (catalog/collection_options.h `uuid`, set by create_collection.cpp /
// database_impl.cpp `createCollection` with `UUID::gen()`: a version-4 UUID, BSON Binary subtype
// 4). op_observer/op_observer_impl.cpp writes it as `ui` on every insert, update and delete and on
// the commands on a collection (onCreateCollection, onDropCollection, onCreateIndex,
// onDropIndex, onCollMod, preRenameCollection/onRenameCollection, whose `dropTarget` is the
// dropped target's UUID); oplog application (repl/oplog.cpp applyCommand_inlock `create`) creates
// the collection with the entry's `ui`, so every member has the same UUID. dropDatabase has none.

function hex(uuid: Binary | undefined): string {
  return uuid === undefined ? 'none' : Buffer.from(uuid.buffer).toString('hex');
}

function setup(): { storage: Storage; oplog: OplogOp[]; clock: { now: number } } {
  const clock = { now: 1_700_000_000_000 };
  return { storage: new Storage({ now: () => clock.now }), oplog: [], clock };
}

describe('collection UUIDs (collection_options.h uuid, OpObserverImpl `ui`)', () => {
  it('a collection gets a version-4 UUID (Binary subtype 4) when created, explicitly or by an insert; distinct collections get distinct ones', () => {
    const { storage, oplog } = setup();
    storage.createCollection('test', 'explicit', {}, oplog);
    storage.insert('test', 'implicit', { _id: 1 }, oplog);
    const a = storage.getCollection('test', 'explicit')!.uuid;
    const b = storage.getCollection('test', 'implicit')!.uuid;
    for (const uuid of [a, b]) {
      expect(uuid).toBeInstanceOf(Binary);
      expect(uuid.sub_type).toBe(Binary.SUBTYPE_UUID);
      expect(uuid.buffer).toHaveLength(16);
      // RFC 4122 version 4, variant 1 (mongod's UUID::gen()).
      expect(uuid.buffer[6]! >> 4).toBe(4);
      expect(uuid.buffer[8]! >> 6).toBe(2);
    }
    expect(hex(a)).not.toBe(hex(b));
  });

  it('every insert, update, delete and command on a collection carries its `ui`; dropDatabase none', () => {
    const { storage, oplog } = setup();
    storage.insert('test', 'c', { _id: 1, a: 1 }, oplog);
    const uuid = hex(storage.getCollection('test', 'c')!.uuid);
    storage.replace('test', 'c', { _id: 1, a: 2 }, oplog);
    storage.createIndexes('test', 'c', [{ key: { a: 1 }, name: 'a_1' }], oplog);
    storage.collMod('test', 'c', { options: { validationLevel: 'moderate' } }, oplog);
    storage.dropIndexes('test', 'c', 'a_1', oplog);
    storage.remove('test', 'c', 1, oplog);
    storage.dropCollection('test', 'c', oplog);
    storage.insert('test', 'c', { _id: 2 }, oplog);
    storage.dropDatabase('test', oplog);
    const shapes = oplog.map((e) => `${e.op} ${Object.keys(e.o)[0]} ${hex(e.ui)}`);
    const second = hex(oplog[8]!.ui);
    expect(shapes).toEqual([
      `c create ${uuid}`,
      `i _id ${uuid}`,
      `u $set ${uuid}`,
      `c createIndexes ${uuid}`,
      `c collMod ${uuid}`,
      `c dropIndexes ${uuid}`,
      `d _id ${uuid}`,
      `c drop ${uuid}`,
      // Dropped and re-created: a new collection, a new UUID.
      `c create ${second}`,
      `i _id ${second}`,
      'c dropDatabase none',
    ]);
    expect(second).not.toBe(uuid);
  });

  it('a rename within a database keeps the UUID; with dropTarget the entry names the dropped target by its UUID (preRenameCollection)', () => {
    const { storage, oplog } = setup();
    storage.insert('test', 'from', { _id: 1 }, oplog);
    storage.insert('test', 'to', { _id: 2 }, oplog);
    const from = storage.getCollection('test', 'from')!.uuid;
    const to = storage.getCollection('test', 'to')!.uuid;
    oplog.length = 0;
    storage.renameCollection({ db: 'test', coll: 'from' }, { db: 'test', coll: 'to' }, true, oplog);
    expect(oplog).toHaveLength(1);
    expect(hex(oplog[0]!.ui)).toBe(hex(from));
    expect(oplog[0]!.o).toEqual({ renameCollection: 'test.from', to: 'test.to', stayTemp: false, dropTarget: to });
    expect(hex(storage.getCollection('test', 'to')!.uuid)).toBe(hex(from));
    // Without a target there is no dropTarget field.
    oplog.length = 0;
    storage.renameCollection({ db: 'test', coll: 'to' }, { db: 'test', coll: 'again' }, false, oplog);
    expect(oplog[0]!.o).toEqual({ renameCollection: 'test.to', to: 'test.again', stayTemp: false });
    expect(hex(storage.getCollection('test', 'again')!.uuid)).toBe(hex(from));
  });

  it('a rename across databases is a copy: the target is a new collection (the temporary one’s UUID), the source’s drop carries the source’s', () => {
    const { storage, oplog } = setup();
    storage.insert('test', 'c', { _id: 1 }, oplog);
    const source = hex(storage.getCollection('test', 'c')!.uuid);
    oplog.length = 0;
    storage.renameCollection({ db: 'test', coll: 'c' }, { db: 'other', coll: 'c' }, false, oplog);
    const tmp = hex(oplog[0]!.ui);
    expect(oplog.map((e) => `${Object.keys(e.o)[0]} ${hex(e.ui)}`)).toEqual([`create ${tmp}`, `_id ${tmp}`, `renameCollection ${tmp}`, `drop ${source}`]);
    expect(tmp).not.toBe(source);
    expect(hex(storage.getCollection('other', 'c')!.uuid)).toBe(tmp);
  });

  it('a secondary applying the entries has the primary’s UUIDs, also after a drop and re-create; the data digest covers them', () => {
    const { storage, oplog } = setup();
    storage.insert('test', 'c', { _id: 1 }, oplog);
    storage.createCollection('test', 'd', {}, oplog);
    storage.dropCollection('test', 'c', oplog);
    storage.insert('test', 'c', { _id: 2 }, oplog);
    // As the entries cross the wire: BSON and back.
    const wire = oplog.map((op, i) => entryFromBson(entryToBson({ ...op, ts: i + 1, t: 1, wallMillis: 0 } as OplogEntry)));
    const secondary = new Storage();
    secondary.applyOps(wire);
    for (const coll of ['c', 'd']) expect(hex(secondary.getCollection('test', coll)!.uuid)).toBe(hex(storage.getCollection('test', coll)!.uuid));
    expect(secondary.dataDigest()).toBe(storage.dataDigest());
    // Entries without `ui` (a secondary making its own UUID) do not converge.
    const other = new Storage({ now: () => 5 });
    other.applyOps(wire.map(({ ui: _ui, ...rest }) => rest as OplogOp));
    expect(other.dataDigest()).not.toBe(storage.dataDigest());
  });

  it('the BSON form of an entry has `ui` after `ns`, as mongod’s oplog documents', () => {
    const { storage, oplog } = setup();
    storage.insert('test', 'c', { _id: 1 }, oplog);
    const doc: Document = entryToBson({ ...oplog[1]!, ts: 1, t: 1, wallMillis: 0 } as OplogEntry);
    expect(Object.keys(doc).slice(0, 4)).toEqual(['op', 'ns', 'ui', 'o']);
    expect(hex(doc.ui as Binary)).toBe(hex(storage.getCollection('test', 'c')!.uuid));
  });

  it('checkpoints (serialize/deserialize), clones and rollback keep the UUID', () => {
    const { storage, oplog } = setup();
    storage.insert('test', 'c', { _id: 1 }, oplog);
    const uuid = hex(storage.getCollection('test', 'c')!.uuid);
    expect(hex(Storage.deserialize(storage.serialize()).getCollection('test', 'c')!.uuid)).toBe(uuid);
    expect(hex(storage.clone().getCollection('test', 'c')!.uuid)).toBe(uuid);
    const dropped: OplogOp[] = [];
    storage.dropCollection('test', 'c', dropped);
    storage.insert('test', 'c', { _id: 2 }, dropped);
    expect(hex(storage.getCollection('test', 'c')!.uuid)).not.toBe(uuid);
    storage.undo([...dropped].reverse());
    expect(hex(storage.getCollection('test', 'c')!.uuid)).toBe(uuid);
  });
});
