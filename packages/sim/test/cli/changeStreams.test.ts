import type { ChildProcess } from 'node:child_process';
import { MongoClient } from 'mongodb';
import type { ChangeStreamDocument, CommandStartedEvent } from 'mongodb';
import { afterEach, describe, expect, it } from 'vitest';
import { killAll } from './spawn';
import { startProcessSet } from './replSetProcesses';

// A change stream through the official driver across a primary's death (the Change Streams
// specification, mongodb/specifications source/change-streams, "Resumable Error" and "Resume
// Process"): the getMore on the dead primary fails with a network error, the driver opens the
// stream again on the new primary with `resumeAfter` its last resume token, and the stream goes on
// with the next event, none lost and none repeated, because the token names an oplog position that
// every member shares (document_source_change_stream.cpp).

const children: ChildProcess[] = [];
afterEach(() => killAll(children));

describe('change streams on sim-mongod processes', () => {
  it('a collection stream resumes on the new primary after a primary kill, without losing or repeating events', { timeout: 120_000 }, async () => {
    const set = await startProcessSet(3, [], children);
    // The driver closes the dead cursor first, waiting serverSelectionTimeoutMS for its member: keep it short.
    const client = new MongoClient(set.uri, { monitorCommands: true, serverSelectionTimeoutMS: 8_000 });
    try {
      const coll = client.db('test').collection<{ _id: number }>('events');
      await coll.insertOne({ _id: 0 }, { writeConcern: { w: 'majority' } });
      const started: CommandStartedEvent[] = [];
      client.on('commandStarted', (e) => started.push(e));
      const stream = coll.watch([], { fullDocument: 'updateLookup' });
      const seen: ChangeStreamDocument<{ _id: number }>[] = [];
      const firstEvent = stream.next();
      await new Promise((r) => setTimeout(r, 300));
      await coll.insertOne({ _id: 1 }, { writeConcern: { w: 'majority' } });
      seen.push(await firstEvent);
      const primaryName = (await client.db('admin').command({ hello: 1 })).primary as string;
      set.procs[set.hosts.indexOf(primaryName)]!.child.kill('SIGKILL');
      const secondEvent = stream.next();
      await coll.insertOne({ _id: 2 }, { writeConcern: { w: 'majority' } });
      await coll.updateOne({ _id: 2 }, { $set: { x: 1 } }, { writeConcern: { w: 'majority' } });
      seen.push(await secondEvent, await stream.next());
      await stream.close();
      expect(seen.map((e) => e.operationType)).toEqual(['insert', 'insert', 'update']);
      expect(seen.map((e) => ('documentKey' in e ? e.documentKey._id : undefined))).toEqual([1, 2, 2]);
      const aggregates = started.filter((e) => e.commandName === 'aggregate');
      expect(aggregates.length).toBeGreaterThanOrEqual(2);
      const resume = aggregates.at(-1)!.command.pipeline[0].$changeStream as Record<string, unknown>;
      expect(resume.resumeAfter ?? resume.startAfter).toBeDefined();
      expect(aggregates.at(-1)!.address).not.toBe(primaryName);
    } finally {
      await client.close();
    }
  });
});
