import type { Document } from 'bson';
import { MongoClient, MongoServerError } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CursorManager, crudCommandNames, runCrudCommand } from '../../src/commands/crud';
import type { CommandRequest, ConnectionInfo } from '../../src/commands/handler';
import { MemoryLogger } from '../../src/log/log';
import { TcpNetwork } from '../../src/net/tcp';
import { Storage } from '../../src/storage';
import { serveWire } from '../../src/wire/server';
import type { WireListener } from '../../src/wire/server';
import { StubHandler } from '../wire/stub';

/** A standalone: the wire tests' stub for the handshake, the storage's CRUD commands for the rest. */
class CrudStandalone extends StubHandler {
  readonly storage = new Storage({ now: () => 1_700_000_000_000 });
  readonly cursors = new CursorManager({ now: () => 1_700_000_000_000 });

  override async run(request: CommandRequest): Promise<Document> {
    const name = Object.keys(request.body)[0] ?? '';
    if (!crudCommandNames.has(name)) return super.run(request);
    return runCrudCommand(request.db, request.body, { storage: this.storage, cursors: this.cursors, connectionId: request.connection.id }).reply;
  }

  override connectionClosed(connection: ConnectionInfo): void {
    super.connectionClosed(connection);
    this.cursors.killForConnection(connection.id);
  }
}

let listener: WireListener;
let client: MongoClient;
let handler: CrudStandalone;

beforeAll(async () => {
  handler = new CrudStandalone();
  listener = await serveWire({ network: new TcpNetwork(), address: { host: '127.0.0.1', port: 0 }, handler, log: new MemoryLogger() });
  client = new MongoClient(`mongodb://127.0.0.1:${listener.address.port}/?directConnection=true&serverSelectionTimeoutMS=3000`);
  await client.connect();
});

afterAll(async () => {
  await client?.close();
  await listener?.close();
});

describe('the official driver against the storage CRUD commands', () => {
  it('inserts, finds with filter/sort/projection, and iterates a cursor over 1,000 documents', async () => {
    const coll = client.db('test').collection('people');
    const result = await coll.insertMany(Array.from({ length: 1000 }, (_, i) => ({ i, even: i % 2 === 0 })));
    expect(result.insertedCount).toBe(1000);
    const all = await coll.find({}).toArray();
    expect(all).toHaveLength(1000);
    const top = await coll.find({ even: true }, { sort: { i: -1 }, limit: 3, projection: { _id: 0, i: 1 } }).toArray();
    expect(top).toEqual([{ i: 998 }, { i: 996 }, { i: 994 }]);
    expect(await coll.countDocuments({ even: false })).toBe(500);
    expect(await coll.estimatedDocumentCount()).toBe(1000);
    expect((await coll.findOne({ i: 7 }))?.even).toBe(false);
  });

  it('updates, upserts, deletes and findOneAndUpdate through the driver', async () => {
    const coll = client.db('test').collection('things');
    await coll.insertOne({ _id: 1 as never, n: 1 });
    const updated = await coll.updateOne({ _id: 1 as never }, { $inc: { n: 1 } });
    expect(updated).toMatchObject({ matchedCount: 1, modifiedCount: 1, upsertedCount: 0 });
    const upserted = await coll.updateOne({ _id: 2 as never }, { $set: { n: 5 } }, { upsert: true });
    expect(upserted).toMatchObject({ matchedCount: 0, upsertedCount: 1, upsertedId: 2 });
    const after = await coll.findOneAndUpdate({ _id: 1 as never }, { $set: { tag: 'x' } }, { returnDocument: 'after' });
    expect(after).toEqual({ _id: 1, n: 2, tag: 'x' });
    const replaced = await coll.replaceOne({ _id: 2 as never }, { fresh: true });
    expect(replaced.modifiedCount).toBe(1);
    expect(await coll.distinct('n')).toEqual([2]);
    const deleted = await coll.deleteMany({});
    expect(deleted.deletedCount).toBe(2);
  });

  it('surfaces duplicate keys as the driver expects (MongoServerError / MongoBulkWriteError, code 11000)', async () => {
    const coll = client.db('test').collection('unique');
    await coll.createIndex({ email: 1 }, { unique: true });
    await coll.insertOne({ email: 'a@x' });
    const error = await coll.insertOne({ email: 'a@x' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MongoServerError);
    expect(error).toMatchObject({ code: 11000, keyPattern: { email: 1 }, keyValue: { email: 'a@x' } });
    const indexes = await coll.indexes();
    expect(indexes.map((index) => index.name)).toEqual(['_id_', 'email_1']);
  });

  it('aggregates, lists databases and collections, and drops', async () => {
    const db = client.db('agg');
    await db.collection('sales').insertMany([
      { item: 'a', qty: 2 },
      { item: 'b', qty: 3 },
      { item: 'a', qty: 5 },
    ]);
    const totals = await db
      .collection('sales')
      .aggregate([{ $group: { _id: '$item', total: { $sum: '$qty' } } }, { $sort: { _id: 1 } }])
      .toArray();
    expect(totals).toEqual([
      { _id: 'a', total: 7 },
      { _id: 'b', total: 3 },
    ]);
    const names = (await client.db('admin').admin().listDatabases()).databases.map((entry) => entry.name);
    expect(names).toContain('agg');
    const collections = await db.listCollections().toArray();
    expect(collections.map((entry) => entry.name)).toEqual(['sales']);
    expect(await db.collection('sales').drop()).toBe(true);
    await expect(db.collection('sales').drop()).resolves.toBe(false);
    await expect(db.createCollection('x')).resolves.toBeDefined();
    await expect(db.createCollection('x')).rejects.toMatchObject({ code: 48 });
  });

  it('kills a cursor when the driver closes it early', async () => {
    const coll = client.db('test').collection('people');
    const cursor = coll.find({}, { batchSize: 10 });
    await cursor.next();
    expect(handler.cursors.openCount).toBeGreaterThan(0);
    await cursor.close();
    expect(handler.cursors.openCount).toBe(0);
  });
});
