import type { Document } from 'bson';
import { describe, expect, it } from 'vitest';
import { Cluster } from '../../src/harness/cluster';

// collMod / renameCollection as change streams and secondaries see them: the `modify` and `rename`
// events (mongod's change_stream_event_transform.cpp, showExpandedEvents since 6.0; the Change
// Streams spec's change-streams.json "Test rename and invalidate event types"), pre- and
// post-images (6.0+: collMod changeStreamPreAndPostImages; document_source_change_stream_add_pre_image.cpp
// and ..._add_post_image.cpp; manual: reference/change-events, "Change Streams with Document Pre- and Post-Images").

async function started(seed: number): Promise<{ c: Cluster; primary: string }> {
  const c = new Cluster({ members: 3, seed });
  await c.initiate();
  return { c, primary: await c.waitForPrimary(30_000) };
}

const majority = { writeConcern: { w: 'majority' } };

async function open(c: Cluster, host: string, stage: Document, coll = 'c'): Promise<Document> {
  const reply = await c.command(host, { aggregate: coll, pipeline: [{ $changeStream: stage }], cursor: {} }, { db: 'test' });
  expect(reply).toMatchObject({ ok: 1 });
  return reply.cursor as Document;
}

async function getMore(c: Cluster, host: string, cursor: Document, coll = 'c'): Promise<Document> {
  return c.command(host, { getMore: cursor.id, collection: coll, maxTimeMS: 500 }, { db: 'test' });
}

describe('pre- and post-images (collMod changeStreamPreAndPostImages)', () => {
  it('whenAvailable/required give the images only for a collection that records them; required without them is NoMatchingDocument (47)', async () => {
    const { c, primary } = await started(71);
    await c.command(primary, { insert: 'c', documents: [{ _id: 1 }], ...majority }, { db: 'test' });
    const before = await open(c, primary, { fullDocument: 'whenAvailable', fullDocumentBeforeChange: 'whenAvailable' });
    const required = await open(c, primary, { fullDocumentBeforeChange: 'required' });
    await c.command(primary, { update: 'c', updates: [{ q: { _id: 1 }, u: { $set: { x: 1 } } }], ...majority }, { db: 'test' });
    const plain = ((await getMore(c, primary, before)).cursor as Document).nextBatch as Document[];
    expect(plain[0]).toMatchObject({ operationType: 'update', fullDocument: null, fullDocumentBeforeChange: null });
    expect(await getMore(c, primary, required)).toMatchObject({ ok: 0, code: 47, codeName: 'NoMatchingDocument' });

    expect(await c.command(primary, { collMod: 'c', changeStreamPreAndPostImages: { enabled: true }, ...majority }, { db: 'test' })).toMatchObject({ ok: 1 });
    const images = await open(c, primary, { fullDocument: 'required', fullDocumentBeforeChange: 'required' });
    await c.command(primary, { update: 'c', updates: [{ q: { _id: 1 }, u: { $set: { x: 2 } } }], ...majority }, { db: 'test' });
    await c.command(primary, { delete: 'c', deletes: [{ q: { _id: 1 }, limit: 1 }], ...majority }, { db: 'test' });
    const batch = ((await getMore(c, primary, images)).cursor as Document).nextBatch as Document[];
    expect(batch.map((e) => e.operationType)).toEqual(['update', 'delete']);
    expect(batch[0]).toMatchObject({ fullDocument: { _id: 1, x: 2 }, fullDocumentBeforeChange: { _id: 1, x: 1 } });
    expect(batch[1]).toMatchObject({ fullDocumentBeforeChange: { _id: 1, x: 2 } });
    // A secondary records them too as it applies the entries (each member writes its own config.system.preimages).
    const secondary = c.hosts.find((h) => h !== primary)!;
    const fromSecondary = await c.command(secondary, { aggregate: 'c', pipeline: [{ $changeStream: { startAfter: plain[0]!._id, fullDocumentBeforeChange: 'required' } }], cursor: {}, $readPreference: { mode: 'secondary' } }, { db: 'test' });
    expect(fromSecondary).toMatchObject({ ok: 1 });
    c.stopAll();
  });

  it('fullDocumentBeforeChange takes off, whenAvailable or required (BadValue 2 otherwise)', async () => {
    const { c, primary } = await started(72);
    const reply = await c.command(primary, { aggregate: 'c', pipeline: [{ $changeStream: { fullDocumentBeforeChange: 'always' } }], cursor: {} }, { db: 'test' });
    expect(reply).toMatchObject({ ok: 0, code: 2 });
    c.stopAll();
  });
});

describe('modify and rename events; secondaries after sync', () => {
  it('collMod is a modify event with showExpandedEvents; a secondary has the new options', async () => {
    const { c, primary } = await started(73);
    await c.command(primary, { create: 'c', ...majority }, { db: 'test' });
    const cursor = await open(c, primary, { showExpandedEvents: true });
    await c.command(primary, { collMod: 'c', validator: { a: { $exists: true } }, ...majority }, { db: 'test' });
    const batch = ((await getMore(c, primary, cursor)).cursor as Document).nextBatch as Document[];
    expect(batch).toMatchObject([{ operationType: 'modify', ns: { db: 'test', coll: 'c' }, operationDescription: { validator: { a: { $exists: true } } }, stateBeforeChange: { collectionOptions: {} } }]);
    for (const host of c.hosts) {
      const list = await c.command(host, { listCollections: 1, filter: { name: 'c' }, $readPreference: { mode: 'secondaryPreferred' } }, { db: 'test' });
      expect(((list.cursor as Document).firstBatch as Document[])[0]!.options).toEqual({ validator: { a: { $exists: true } } });
    }
    c.stopAll();
  });

  it('renameCollection: rename (with to) then invalidate on the source stream; every member has the renamed collection', async () => {
    const { c, primary } = await started(74);
    await c.command(primary, { insert: 'c', documents: [{ _id: 1 }], ...majority }, { db: 'test' });
    const cursor = await open(c, primary, { showExpandedEvents: true });
    expect(await c.command(primary, { renameCollection: 'test.c', to: 'test.d', ...majority }, { db: 'admin' })).toMatchObject({ ok: 1 });
    const end = (await getMore(c, primary, cursor)).cursor as Document;
    expect(end.nextBatch).toMatchObject([
      { operationType: 'rename', ns: { db: 'test', coll: 'c' }, to: { db: 'test', coll: 'd' }, operationDescription: { to: { db: 'test', coll: 'd' } } },
      { operationType: 'invalidate' },
    ]);
    expect(Number(end.id)).toBe(0);
    for (const host of c.hosts) {
      const found = await c.command(host, { find: 'd', $readPreference: { mode: 'secondaryPreferred' } }, { db: 'test' });
      expect((found.cursor as Document).firstBatch).toEqual([{ _id: 1 }]);
      const old = await c.command(host, { find: 'c', $readPreference: { mode: 'secondaryPreferred' } }, { db: 'test' });
      expect((old.cursor as Document).firstBatch).toEqual([]);
    }
    c.stopAll();
  });
});

// collectionUUID: change_stream_event_transform.cpp (ChangeStreamDefaultEventTransformation::
// applyTransformation) adds the oplog entry's `ui` as `collectionUUID`, after clusterTime, when
// showExpandedEvents is set ("If the UUID is a missing value (which can be true for events like
// 'dropDatabase'), 'addField' will not add anything"); invalidate events come from
// document_source_change_stream_check_invalidate.cpp without it, and view events
// (ChangeStreamViewDefinitionEventTransformation) have none. Manual: reference/change-events
// ("collectionUUID ... only if showExpandedEvents is true").
describe('collectionUUID on events (showExpandedEvents)', () => {
  it('insert, update, replace, delete, createIndexes, modify, drop and rename carry the collection’s UUID; invalidate and dropDatabase none; not without showExpandedEvents', async () => {
    const { c, primary } = await started(75);
    const db = (await c.command(primary, { aggregate: 1, pipeline: [{ $changeStream: { showExpandedEvents: true } }], cursor: {} }, { db: 'test' })).cursor as Document;
    await c.command(primary, { create: 'c', ...majority }, { db: 'test' });
    const list = await c.command(primary, { listCollections: 1, filter: { name: 'c' } }, { db: 'test' });
    const uuid = ((list.cursor as Document).firstBatch as Document[])[0]!.info.uuid as Document;
    const expanded = await open(c, primary, { showExpandedEvents: true });
    const plain = await open(c, primary, {});
    await c.command(primary, { insert: 'c', documents: [{ _id: 1 }], ...majority }, { db: 'test' });
    await c.command(primary, { update: 'c', updates: [{ q: { _id: 1 }, u: { $set: { a: 1 } } }], ...majority }, { db: 'test' });
    await c.command(primary, { update: 'c', updates: [{ q: { _id: 1 }, u: { b: 1 } }], ...majority }, { db: 'test' });
    await c.command(primary, { delete: 'c', deletes: [{ q: { _id: 1 }, limit: 1 }], ...majority }, { db: 'test' });
    await c.command(primary, { createIndexes: 'c', indexes: [{ key: { a: 1 }, name: 'a_1' }], ...majority }, { db: 'test' });
    await c.command(primary, { collMod: 'c', validationLevel: 'moderate', ...majority }, { db: 'test' });
    await c.command(primary, { create: 'v', viewOn: 'c', pipeline: [], ...majority }, { db: 'test' });
    await c.command(primary, { drop: 'c', ...majority }, { db: 'test' });
    const events = ((await getMore(c, primary, expanded)).cursor as Document).nextBatch as Document[];
    expect(events.map((e) => e.operationType)).toEqual(['insert', 'update', 'replace', 'delete', 'createIndexes', 'modify', 'drop', 'invalidate']);
    for (const event of events.slice(0, -1)) {
      expect(event.collectionUUID).toEqual(uuid);
      expect(Object.keys(event).slice(0, 5)).toEqual(['_id', 'operationType', 'clusterTime', 'collectionUUID', 'wallTime']);
    }
    expect(events.at(-1)).not.toHaveProperty('collectionUUID');
    const plainEvents = ((await getMore(c, primary, plain)).cursor as Document).nextBatch as Document[];
    expect(plainEvents.length).toBeGreaterThan(0);
    for (const event of plainEvents) expect(event).not.toHaveProperty('collectionUUID');
    // A database stream: the create names the new collection's UUID, the view's create none,
    // and dropDatabase (no `ui` in its entry) none.
    await c.command(primary, { dropDatabase: 1, ...majority }, { db: 'test' });
    const dbEvents = ((await c.command(primary, { getMore: db.id, collection: '$cmd.aggregate', maxTimeMS: 500 }, { db: 'test' })).cursor as Document).nextBatch as Document[];
    const create = dbEvents.find((e) => e.operationType === 'create' && (e.ns as Document).coll === 'c');
    expect(create?.collectionUUID).toEqual(uuid);
    const viewCreate = dbEvents.find((e) => e.operationType === 'create' && (e.ns as Document).coll === 'v');
    expect(viewCreate).toBeDefined();
    expect(viewCreate).not.toHaveProperty('collectionUUID');
    const dropDatabase = dbEvents.find((e) => e.operationType === 'dropDatabase');
    expect(dropDatabase).toBeDefined();
    expect(dropDatabase).not.toHaveProperty('collectionUUID');
    c.stopAll();
  });

  it('rename: collectionUUID is the renamed collection’s, operationDescription.dropTarget the dropped target’s UUID (preRenameCollection)', async () => {
    const { c, primary } = await started(76);
    await c.command(primary, { insert: 'c', documents: [{ _id: 1 }], ...majority }, { db: 'test' });
    await c.command(primary, { insert: 'd', documents: [{ _id: 2 }], ...majority }, { db: 'test' });
    const list = await c.command(primary, { listCollections: 1 }, { db: 'test' });
    const uuidOf = (name: string): Document => (((list.cursor as Document).firstBatch as Document[]).find((e) => e.name === name)!.info as Document).uuid as Document;
    const cursor = await open(c, primary, { showExpandedEvents: true });
    expect(await c.command(primary, { renameCollection: 'test.c', to: 'test.d', dropTarget: true, ...majority }, { db: 'admin' })).toMatchObject({ ok: 1 });
    const [rename] = ((await getMore(c, primary, cursor)).cursor as Document).nextBatch as Document[];
    expect(rename).toMatchObject({ operationType: 'rename', collectionUUID: uuidOf('c'), operationDescription: { to: { db: 'test', coll: 'd' }, dropTarget: uuidOf('d') } });
    c.stopAll();
  });
});
