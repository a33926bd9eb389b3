import type { ChildProcess } from 'node:child_process';
import { MongoClient } from 'mongodb';
import type { CommandStartedEvent } from 'mongodb';
import { afterEach, describe, expect, it } from 'vitest';
import { killAll } from './spawn';
import { startProcessSet } from './replSetProcesses';

// A transaction through the official driver across a primary's death (the Transactions and
// Convenient API for Transactions specifications, mongodb/specifications source/transactions and
// source/transactions-convenient-api): the primary dies with the transaction in progress; the
// driver's commitTransaction fails with a network error and is retried (as a retryable write) on
// the new primary, which never saw the transaction and answers NoSuchTransaction with
// TransientTransactionError (error_labels.cpp); `session.withTransaction` then runs the callback
// again from the start with a new txnNumber. The commit is one applyOps entry (op_observer_impl.cpp).

const children: ChildProcess[] = [];
afterEach(() => killAll(children));

describe('transactions on sim-mongod processes', () => {
  it('withTransaction survives a primary kill: the callback reruns on the new primary and commits once', { timeout: 120_000 }, async () => {
    const set = await startProcessSet(3, ['--setParameter', 'enableTestCommands=1'], children);
    // Polling monitors: a streaming monitor can see the kill first and clear the pool, and the driver
    // then leaves the in-flight statement's network error without TransientTransactionError
    // (server.ts decorateCommandError skips errors from a stale connection) — a race, not a rule.
    const client = new MongoClient(set.uri, { monitorCommands: true, serverSelectionTimeoutMS: 30_000, serverMonitoringMode: 'poll' });
    try {
      const accounts = client.db('bank').collection<{ _id: string; balance: number }>('accounts');
      await accounts.insertMany([{ _id: 'alice', balance: 100 }, { _id: 'bob', balance: 0 }], { writeConcern: { w: 'majority' } });
      const started: CommandStartedEvent[] = [];
      client.on('commandStarted', (e) => started.push(e));
      const primaryName = (await client.db('admin').command({ hello: 1 })).primary as string;
      const primaryIndex = set.hosts.indexOf(primaryName);
      expect(primaryIndex).toBeGreaterThanOrEqual(0);
      // The old primary holds its second update (before running it) long enough to be killed under it.
      await client.db('admin').command({ configureFailPoint: 'failCommand', mode: { skip: 1 }, data: { failCommands: ['update'], blockConnection: true, blockTimeMS: 5000 } });
      let attempts = 0;
      const session = client.startSession();
      try {
        await session.withTransaction(async () => {
          attempts++;
          await accounts.updateOne({ _id: 'alice' }, { $inc: { balance: -30 } }, { session });
          // The primary dies with the transaction in progress, while its second statement is on the wire.
          if (attempts === 1) setTimeout(() => set.procs[primaryIndex]!.child.kill('SIGKILL'), 500);
          await accounts.updateOne({ _id: 'bob' }, { $inc: { balance: 30 } }, { session });
        }, { writeConcern: { w: 'majority' } });
      } finally {
        await session.endSession();
      }
      expect(attempts).toBe(2);
      const txnNumbers = new Set(started.filter((e) => e.commandName === 'update').map((e) => String(e.command.txnNumber)));
      expect(txnNumbers.size).toBe(2);
      const commits = started.filter((e) => e.commandName === 'commitTransaction');
      expect(commits).toHaveLength(1);
      expect(commits[0]!.address).not.toBe(primaryName);
      expect(await accounts.find().sort({ _id: 1 }).toArray()).toEqual([{ _id: 'alice', balance: 70 }, { _id: 'bob', balance: 30 }]);
      // The commit is one applyOps entry in the new primary's oplog, with the session's number.
      const oplog = client.db('local').collection('oplog.rs');
      const entries = await oplog.find({ op: 'c', ns: 'admin.$cmd' }).toArray();
      expect(entries).toHaveLength(1);
      expect((entries[0]!.o as { applyOps: unknown[] }).applyOps).toHaveLength(2);
    } finally {
      await client.close();
    }
  });
});
