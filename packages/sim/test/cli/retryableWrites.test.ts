import type { ChildProcess } from 'node:child_process';
import { MongoClient } from 'mongodb';
import type { CommandStartedEvent } from 'mongodb';
import { afterEach, describe, expect, it } from 'vitest';
import { killAll } from './spawn';
import { startProcessSet } from './replSetProcesses';

// Retryable writes through the official driver (the Retryable Writes specification): the server
// commits the write, the connection drops before the reply (onPrimaryTransactionalWrite's
// closeConnection, transaction_participant.cpp), the driver retries with the same txnNumber and
// the server answers from its record instead of inserting twice (which would be E11000).

const children: ChildProcess[] = [];
afterEach(() => killAll(children));

describe('retryable writes on sim-mongod processes', () => {
  it('a write whose reply was lost is retried once with the same txnNumber and applied once', { timeout: 90_000 }, async () => {
    const set = await startProcessSet(3, ['--setParameter', 'enableTestCommands=1'], children);
    const client = new MongoClient(set.uri, { monitorCommands: true });
    try {
      const coll = client.db('test').collection<{ _id: number; n?: number }>('c');
      await coll.insertOne({ _id: 1, n: 0 });
      await client.db('admin').command({ configureFailPoint: 'onPrimaryTransactionalWrite', mode: { times: 2 } });
      const started: CommandStartedEvent[] = [];
      client.on('commandStarted', (e) => started.push(e));
      await coll.insertOne({ _id: 2 });
      await coll.updateOne({ _id: 1 }, { $inc: { n: 1 } });
      const writes = started.filter((e) => e.commandName === 'insert' || e.commandName === 'update');
      expect(writes.map((e) => e.commandName)).toEqual(['insert', 'insert', 'update', 'update']);
      expect(writes[0]!.command.txnNumber).toEqual(writes[1]!.command.txnNumber);
      expect(writes[2]!.command.txnNumber).toEqual(writes[3]!.command.txnNumber);
      expect(await coll.find().sort({ _id: 1 }).toArray()).toEqual([{ _id: 1, n: 1 }, { _id: 2 }]);
    } finally {
      await client.close();
    }
  });
});
