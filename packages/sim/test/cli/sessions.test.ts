import type { ChildProcess } from 'node:child_process';
import type { Binary} from 'mongodb';
import { MongoClient } from 'mongodb';
import { afterEach, describe, expect, it } from 'vitest';
import { killAll } from './spawn';
import { startProcessSet } from './replSetProcesses';

// Driver sessions against sim-mongod (mongodb/specifications source/sessions/driver-sessions.md):
// the driver's lsid reaches the server, which lists it and ends it when asked.

const children: ChildProcess[] = [];
afterEach(() => killAll(children));

describe('logical sessions through the official driver', () => {
  it('an explicit session is listed by $listLocalSessions and killSessions ends it', { timeout: 60_000 }, async () => {
    const set = await startProcessSet(1, [], children);
    const client = new MongoClient(set.uri);
    try {
      const session = client.startSession();
      await client.db('test').collection('c').insertOne({ x: 1 }, { session });
      const id = session.id?.id as Binary;
      const listed = async (): Promise<string[]> =>
        (await client.db('admin').aggregate([{ $listLocalSessions: {} }]).toArray()).map((s) => Buffer.from((s._id.id as Binary).buffer).toString('hex'));
      expect(await listed()).toContain(Buffer.from(id.buffer).toString('hex'));
      await client.db('admin').command({ killSessions: [{ id }] });
      expect(await listed()).not.toContain(Buffer.from(id.buffer).toString('hex'));
      await session.endSession();
      const started = await client.db('admin').command({ startSession: 1 });
      expect(started.timeoutMinutes).toBe(30);
    } finally {
      await client.close();
    }
  });
});
