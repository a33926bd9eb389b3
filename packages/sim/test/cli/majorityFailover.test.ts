import type { ChildProcess } from 'node:child_process';
import { MongoClient, MongoServerError } from 'mongodb';
import { afterEach, describe, expect, it } from 'vitest';
import { killAll } from './spawn';
import { startProcessSet, waitUntil } from './replSetProcesses';

// What the server's progress store relies on (apps/server rooms store; issue 18, the rooms-cluster
// e2e's kill -9 of the store's primary during 20 joins): a write acknowledged with w:majority is
// on a majority and survives the loss of the primary (MongoDB manual, "Write Concern": majority
// "requests acknowledgment that write operations have been durably committed to the calculated
// majority of the data-bearing voting members"), so once a new primary is elected a majority read
// there returns every one of them: the new primary acknowledged the later ones at its own commit
// point, which is then past every earlier acknowledged write too.

const children: ChildProcess[] = [];
afterEach(() => killAll(children));

describe('w:majority across a kill -9 of the primary on sim-mongod processes', () => {
  it('every insert acknowledged with w:majority, before and during the election, is read with readConcern majority on the new primary', { timeout: 120_000 }, async () => {
    const set = await startProcessSet(3, [], children);
    const options = { writeConcern: { w: 'majority' as const, journal: true }, readConcern: { level: 'majority' as const }, retryWrites: true, timeoutMS: 30_000 };
    const client = new MongoClient(set.uri, options);
    try {
      const progress = client.db('rslab').collection<{ _id: string; n: number }>('progress');
      const acknowledged: string[] = [];
      const insert = async (id: string, n: number): Promise<void> => {
        for (let attempt = 0; ; attempt++) {
          try {
            await progress.insertOne({ _id: id, n });
            acknowledged.push(id);
            return;
          } catch (error) {
            // A retry after a lost reply finds it stored: not a second acknowledgment to count.
            if (error instanceof MongoServerError && error.code === 11000) return;
            if (attempt >= 10) throw error;
            await new Promise((resolve) => setTimeout(resolve, 500));
          }
        }
      };
      for (let i = 0; i < 3; i++) await insert(`before-${i}`, i);
      const primary = (await client.db('admin').command({ hello: 1 })).primary as string;
      const index = set.hosts.indexOf(primary);
      expect(index).toBeGreaterThanOrEqual(0);
      const writes = Array.from({ length: 5 }, (_, i) => insert(`racing-${i}`, i));
      await new Promise((resolve) => setTimeout(resolve, 5));
      set.procs[index]!.child.kill('SIGKILL');
      await set.procs[index]!.exit;
      for (let i = 0; i < 15; i++) writes.push(insert(`during-${i}`, i));
      await Promise.all(writes);
      expect(acknowledged.length).toBeGreaterThanOrEqual(18);

      const survivors = set.hosts.filter((_, i) => i !== index);
      const newPrimary = await waitUntil(
        'a new primary',
        async () => {
          for (const host of survivors) {
            const direct = new MongoClient(`mongodb://${host}/?directConnection=true`, { serverSelectionTimeoutMS: 2000 });
            try {
              if ((await direct.db('admin').command({ hello: 1 })).isWritablePrimary === true) return host;
            } finally {
              await direct.close();
            }
          }
          return undefined;
        },
        30_000,
      );
      const direct = new MongoClient(`mongodb://${newPrimary}/?directConnection=true`, { readConcern: { level: 'majority' } });
      try {
        const stored = await direct.db('rslab').collection('progress').find({}).toArray();
        const ids = new Set(stored.map((doc) => String(doc._id)));
        expect(acknowledged.filter((id) => !ids.has(id))).toEqual([]);
      } finally {
        await direct.close();
      }
    } finally {
      await client.close();
    }
  });
});
