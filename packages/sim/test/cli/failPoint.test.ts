import type { ChildProcess } from 'node:child_process';
import { MongoClient, MongoServerError } from 'mongodb';
import type { CommandFailedEvent, CommandStartedEvent } from 'mongodb';
import { afterEach, describe, expect, it } from 'vitest';
import { killAll } from './spawn';
import { startProcessSet } from './replSetProcesses';

// configureFailPoint/failCommand through the official driver, as the drivers' unified spec tests use
// it (mongodb/specifications, source/unified-test-format: failPoint; mongod's commands.cpp).

const children: ChildProcess[] = [];
afterEach(() => killAll(children));

describe('failCommand on sim-mongod processes', () => {
  it('is refused (CommandNotFound) without --setParameter enableTestCommands=1', { timeout: 60_000 }, async () => {
    const set = await startProcessSet(1, [], children);
    const client = new MongoClient(set.uri);
    try {
      const error = await client.db('admin').command({ configureFailPoint: 'failCommand', mode: 'alwaysOn' }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(MongoServerError);
      expect((error as MongoServerError).code).toBe(59);
    } finally {
      await client.close();
    }
  });

  it('closeConnection for one appName: the driver retries the write once on a new connection, other clients untouched', { timeout: 60_000 }, async () => {
    const set = await startProcessSet(1, ['--setParameter', 'enableTestCommands=1'], children);
    const admin = new MongoClient(set.uri);
    const client = new MongoClient(set.uri, { appName: 'flaky', monitorCommands: true });
    try {
      await admin.db('admin').command({ configureFailPoint: 'failCommand', mode: { times: 1 }, data: { failCommands: ['insert'], closeConnection: true, appName: 'flaky' } });
      // Another application's insert does not match the appName and does not use up {times: 1}.
      await admin.db('test').collection<{ _id: string }>('c').insertOne({ _id: 'admin' });
      const started: CommandStartedEvent[] = [];
      const failed: CommandFailedEvent[] = [];
      client.on('commandStarted', (e) => started.push(e));
      client.on('commandFailed', (e) => failed.push(e));
      await client.db('test').collection<{ _id: string }>('c').insertOne({ _id: 'flaky' });
      const inserts = started.filter((e) => e.commandName === 'insert');
      expect(inserts).toHaveLength(2);
      expect(inserts[0]!.command.txnNumber).toEqual(inserts[1]!.command.txnNumber);
      expect(failed[0]?.failure.name).toBe('MongoNetworkError');
      expect(await admin.db('test').collection('c').countDocuments()).toBe(2);
    } finally {
      await client.close();
      await admin.close();
    }
  });

  it('errorCode with errorLabels as given; blockConnection delays the command', { timeout: 60_000 }, async () => {
    const set = await startProcessSet(1, ['--setParameter', 'enableTestCommands=1'], children);
    const client = new MongoClient(set.uri, { retryReads: false });
    try {
      const admin = client.db('admin');
      await admin.command({ configureFailPoint: 'failCommand', mode: { times: 1 }, data: { failCommands: ['find'], errorCode: 2, errorLabels: ['SomeLabel'] } });
      const error = (await client.db('test').collection('c').findOne({}).catch((e: unknown) => e)) as MongoServerError;
      expect(error).toBeInstanceOf(MongoServerError);
      expect(error.code).toBe(2);
      expect(error.hasErrorLabel('SomeLabel')).toBe(true);
      expect(await client.db('test').collection('c').findOne({})).toBeNull();
      await admin.command({ configureFailPoint: 'failCommand', mode: { times: 1 }, data: { failCommands: ['find'], blockConnection: true, blockTimeMS: 300 } });
      const before = Date.now();
      await client.db('test').collection('c').findOne({});
      expect(Date.now() - before).toBeGreaterThanOrEqual(280);
      const off = await admin.command({ configureFailPoint: 'failCommand', mode: 'off' });
      // timesEntered counts every hit since the process started, across settings (fail_point.h _hitCount).
      expect(off.count).toBe(2);
    } finally {
      await client.close();
    }
  });
});
