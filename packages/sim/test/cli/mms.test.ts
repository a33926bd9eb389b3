import { MongoClient } from 'mongodb';
import { MongoMemoryReplSet } from 'mongodb-memory-server-core';
import { describe, expect, it } from 'vitest';
import { BIN } from './spawn';

describe('sim-mongod under mongodb-memory-server', () => {
  it('MongoMemoryReplSet with MONGOMS_SYSTEM_BINARY=sim-mongod starts, serves the driver and stops cleanly', { timeout: 90_000 }, async () => {
    const saved = { binary: process.env.MONGOMS_SYSTEM_BINARY, check: process.env.MONGOMS_SYSTEM_BINARY_VERSION_CHECK };
    process.env.MONGOMS_SYSTEM_BINARY = BIN;
    process.env.MONGOMS_SYSTEM_BINARY_VERSION_CHECK = 'false';
    let replSet: MongoMemoryReplSet | undefined;
    try {
      replSet = await MongoMemoryReplSet.create({ replSet: { count: 3 } });
      const uri = replSet.getUri();
      expect(uri).toMatch(/replicaSet=testset/);
      const client = new MongoClient(uri, { serverSelectionTimeoutMS: 20_000 });
      try {
        await client.db('t').collection('c').insertOne({ a: 1 }, { writeConcern: { w: 'majority' } });
        expect(await client.db('t').collection('c').findOne({ a: 1 })).toMatchObject({ a: 1 });
        const status = await client.db('admin').command({ replSetGetStatus: 1 });
        expect((status.members as { stateStr: string }[]).map((m) => m.stateStr).sort()).toEqual(['PRIMARY', 'SECONDARY', 'SECONDARY']);
      } finally {
        await client.close();
      }
      const stopStarted = Date.now();
      expect(await replSet.stop()).toBe(true);
      replSet = undefined;
      expect(Date.now() - stopStarted).toBeLessThan(10_000);
    } finally {
      await replSet?.stop({ doCleanup: true, force: true });
      if (saved.binary === undefined) delete process.env.MONGOMS_SYSTEM_BINARY;
      else process.env.MONGOMS_SYSTEM_BINARY = saved.binary;
      if (saved.check === undefined) delete process.env.MONGOMS_SYSTEM_BINARY_VERSION_CHECK;
      else process.env.MONGOMS_SYSTEM_BINARY_VERSION_CHECK = saved.check;
    }
  });
});
