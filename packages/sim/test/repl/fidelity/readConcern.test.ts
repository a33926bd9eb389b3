import { Long, Timestamp } from 'bson';
import { describe, expect, it } from 'vitest';
import { opTimeToBson } from '../../../src/base/optime';
import { Cluster } from '../../../src/harness/cluster';

/**
 * readConcern as mongod 7.0 parses and waits for it. read_concern_args.cpp ReadConcernArgs::parse:
 * every field is one of afterOpTime, afterClusterTime, atClusterTime, level (and the internal
 * allowTransactionTableSnapshot, provenance), else InvalidOptions "Unrecognized option in
 * readConcern: …"; a field of the wrong type is bson_extract.cpp's TypeMismatch ("\"level\" had the
 * wrong type. Expected string, found int"); then, in this order: afterClusterTime with afterOpTime,
 * afterClusterTime with atClusterTime ("Specifying a timestamp for readConcern snapshot in a
 * causally consistent session is not allowed…"), afterClusterTime only with majority/local/snapshot
 * (so not with `available` nor `linearizable`), afterOpTime not with snapshot, atClusterTime only
 * with snapshot, null timestamps refused. replication_coordinator_impl.cpp _waitUntilOpTime: a read
 * with afterOpTime waits until this member's last applied optime (majority: its commit point) reaches it.
 */
describe('readConcern parse and afterOpTime (read_concern_args.cpp)', () => {
  it("refuses what ReadConcernArgs::parse refuses, with mongod's codes and messages", async () => {
    const c = new Cluster({ members: 3, seed: 171 });
    await c.initiate();
    const primary = await c.waitForPrimary(30_000);
    await c.insert([{ _id: 1 }], { writeConcern: { w: 'majority', wtimeout: 5000 } });
    const ts = new Timestamp({ t: 1, i: 1 });
    const find = (readConcern: unknown) => c.command(primary, { find: 'test', filter: {}, readConcern }, { db: 'test' });
    const cases: [unknown, string, string][] = [
      [5, 'FailedToParse', 'readConcern field should be an object'],
      [{ level: 'local', wait: true }, 'InvalidOptions', 'Unrecognized option in readConcern: wait'],
      [{ level: 3 }, 'TypeMismatch', '"level" had the wrong type. Expected string, found int'],
      [{ level: 'strong' }, 'FailedToParse', "readConcern.level must be either 'local', 'majority', 'linearizable', 'available', or 'snapshot'"],
      [{ afterClusterTime: 5 }, 'TypeMismatch', '"afterClusterTime" had the wrong type. Expected timestamp, found int'],
      [{ afterOpTime: { ts } }, 'NoSuchKey', 'Missing expected field "t"'],
      [{ afterOpTime: { ts, t: 'x' } }, 'TypeMismatch', 'Expected field "t" to have numeric type, but found string'],
      [{ afterClusterTime: ts, afterOpTime: { ts, t: Long.fromNumber(1) } }, 'InvalidOptions', 'Can not specify both afterClusterTime and afterOpTime'],
      [
        { level: 'snapshot', afterClusterTime: ts, atClusterTime: ts },
        'InvalidOptions',
        'Specifying a timestamp for readConcern snapshot in a causally consistent session is not allowed. See https://docs.mongodb.com/manual/core/read-isolation-consistency-recency/#causal-consistency',
      ],
      [{ level: 'available', afterClusterTime: ts }, 'InvalidOptions', 'afterClusterTime field can be set only if level is equal to majority, local, or snapshot'],
      [{ level: 'linearizable', afterClusterTime: ts }, 'InvalidOptions', 'afterClusterTime field can be set only if level is equal to majority, local, or snapshot'],
      [{ level: 'snapshot', afterOpTime: { ts, t: Long.fromNumber(1) } }, 'InvalidOptions', 'afterOpTime field cannot be set if level is equal to snapshot'],
      [{ level: 'majority', atClusterTime: ts }, 'InvalidOptions', 'atClusterTime field can be set only if level is equal to snapshot'],
      [{ level: 'snapshot', atClusterTime: new Timestamp({ t: 0, i: 0 }) }, 'InvalidOptions', 'atClusterTime cannot be a null timestamp'],
      [{ afterClusterTime: new Timestamp({ t: 0, i: 0 }) }, 'InvalidOptions', 'afterClusterTime cannot be a null timestamp'],
    ];
    for (const [readConcern, codeName, errmsg] of cases) {
      const reply = await find(readConcern);
      expect({ readConcern, codeName: reply.codeName, errmsg: reply.errmsg }).toEqual({ readConcern, codeName, errmsg });
    }
    // `available` without a time is served.
    expect((await find({ level: 'available' })).ok).toBe(1);
    c.stopAll();
  });

  it('afterOpTime waits until this member has applied the optime (majority: committed it)', async () => {
    const c = new Cluster({ members: 3, seed: 172, settings: { electionTimeoutMillis: 2000 } });
    await c.initiate();
    const primary = await c.waitForPrimary(30_000);
    await c.advance(3000);
    const lagging = c.hosts.find((h) => h !== primary)!;
    c.cut(primary, lagging);
    for (const h of c.hosts) if (h !== primary && h !== lagging) c.cut(lagging, h);
    await c.insert([{ _id: 'new' }], { writeConcern: { w: 2, wtimeout: 5000 } });
    const last = c.persistedState(primary).oplog.last()!;
    const afterOpTime = opTimeToBson({ ts: last.ts, t: last.t });
    const read = (host: string, level: string, maxTimeMS: number) =>
      c.command(host, { find: 'test', filter: { _id: 'new' }, readConcern: { level, afterOpTime }, maxTimeMS, $readPreference: { mode: 'secondaryPreferred' } }, { db: 'test' });
    // The primary has it: at once.
    expect((await read(primary, 'local', 1000)).cursor.firstBatch).toEqual([{ _id: 'new' }]);
    // The cut-off secondary has not: it waits, and maxTimeMS ends the wait.
    expect(await read(lagging, 'local', 1000)).toMatchObject({ ok: 0, codeName: 'MaxTimeMSExpired' });
    // Healed, it catches up during the wait and answers with the document.
    const pending = read(lagging, 'majority', 20_000);
    c.healAll();
    const reply = await pending;
    expect(reply.ok).toBe(1);
    expect(reply.cursor.firstBatch).toEqual([{ _id: 'new' }]);
    c.stopAll();
  });
});
