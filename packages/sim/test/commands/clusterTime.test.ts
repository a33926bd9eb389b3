import { Timestamp } from 'bson';
import type { Binary } from 'bson';
import { describe, expect, it } from 'vitest';
import { tsFromBson, tsToBson } from '../../src/base/optime';
import { Cluster } from '../../src/harness/cluster';

// Cluster time and causal consistency on a replica-set member: every reply of an initiated member
// carries $clusterTime (unsigned, as an unauthenticated mongod: logical_time_validator.cpp) and
// operationTime (the Causal Consistency specification, "operationTime"); afterClusterTime waits
// until the member has the time (read_concern_mongod.cpp waitForReadConcern); snapshot reads at
// atClusterTime read the past (the Snapshot Reads specification).

async function started(seed: number): Promise<{ c: Cluster; primary: string; secondary: string }> {
  const c = new Cluster({ members: 3, seed });
  await c.initiate();
  const primary = await c.waitForPrimary(30_000);
  const secondary = c.hosts.find((h) => h !== primary)!;
  return { c, primary, secondary };
}

describe('$clusterTime and operationTime', () => {
  it('an initiated member stamps every reply, errors too; before a config it sends neither', async () => {
    const c = new Cluster({ members: 3, seed: 21 });
    const before = await c.command(c.hosts[0]!, { ping: 1 });
    expect(before.$clusterTime).toBeUndefined();
    expect(before.operationTime).toBeUndefined();
    c.stopAll();

    const fresh = new Cluster({ members: 3, seed: 27 });
    const initiate = await fresh.command(fresh.hosts[0]!, { replSetInitiate: fresh.defaultConfig() });
    expect(initiate.ok).toBe(1);
    // The command started before the member had a config: no times in its reply either.
    expect(initiate.$clusterTime).toBeUndefined();
    fresh.stopAll();

    const { c: set, primary } = await started(22);
    const ping = await set.command(primary, { ping: 1 });
    expect(ping.$clusterTime.clusterTime).toBeInstanceOf(Timestamp);
    expect(Number(ping.$clusterTime.signature.keyId)).toBe(0);
    expect((ping.$clusterTime.signature.hash as Binary).toString('hex')).toBe('00'.repeat(20));
    expect(ping.operationTime).toBeInstanceOf(Timestamp);
    const failed = await set.command(primary, { noSuchCommand: 1 });
    expect(failed).toMatchObject({ ok: 0, code: 59 });
    expect(failed.$clusterTime).toBeDefined();
    set.stopAll();
  });

  it("a write's operationTime is its oplog entry's timestamp; a gossiped cluster time is reported back", async () => {
    const { c, primary } = await started(23);
    const reply = await c.command(primary, { insert: 'c', documents: [{ _id: 1 }] }, { db: 'test' });
    const last = c.member(primary)!.repl.lastApplied;
    expect(tsFromBson(reply.operationTime)).toBe(last.ts);
    expect(tsFromBson(reply.$clusterTime.clusterTime)).toBeGreaterThanOrEqual(last.ts);
    const ahead = last.ts + 1000;
    const gossiped = await c.command(primary, { ping: 1, $clusterTime: { clusterTime: tsToBson(ahead), signature: {} } });
    expect(tsFromBson(gossiped.$clusterTime.clusterTime)).toBe(ahead);
    c.stopAll();
  });
});

describe('afterClusterTime', () => {
  it('a read on a lagging secondary waits until it has applied the time, then sees the write', async () => {
    const { c, primary, secondary } = await started(24);
    const other = c.hosts.find((h) => h !== primary && h !== secondary)!;
    c.cut(primary, secondary);
    c.cut(other, secondary);
    const write = await c.command(primary, { insert: 'c', documents: [{ _id: 'w' }] }, { db: 'test' });
    // The secondary knows the time (the client gossips it) but has not applied it.
    const read = c.send(secondary, { find: 'c', readConcern: { afterClusterTime: write.operationTime }, $readPreference: { mode: 'secondary' }, $clusterTime: write.$clusterTime }, { db: 'test', timeoutMillis: 60_000 });
    let answered = false;
    void read.then(() => (answered = true));
    await c.advance(2_000);
    expect(answered).toBe(false);
    c.healAll();
    // It picks a sync source again and catches up; the waiting read then answers.
    expect(await c.waitFor(() => answered, 60_000)).toBe(true);
    const reply = await read;
    expect(reply.ok).toBe(1);
    expect(reply.cursor.firstBatch).toEqual([{ _id: 'w' }]);
    c.stopAll();
  });

  it('maxTimeMS bounds the wait (MaxTimeMSExpired, 50); a time past the cluster time is InvalidOptions (72)', async () => {
    const { c, primary, secondary } = await started(25);
    for (const h of c.hosts) if (h !== secondary) c.cut(h, secondary);
    const write = await c.command(primary, { insert: 'c', documents: [{ _id: 1 }] }, { db: 'test' });
    const waited = await c.command(secondary, { find: 'c', maxTimeMS: 500, readConcern: { afterClusterTime: write.operationTime }, $readPreference: { mode: 'secondary' }, $clusterTime: write.$clusterTime }, { db: 'test' });
    expect(waited).toMatchObject({ ok: 0, code: 50, codeName: 'MaxTimeMSExpired' });
    c.healAll();
    const future = tsToBson(tsFromBson(write.$clusterTime.clusterTime) + 100_000);
    expect(await c.command(primary, { find: 'c', readConcern: { afterClusterTime: future } }, { db: 'test' })).toMatchObject({ ok: 0, code: 72 });
    expect(await c.command(primary, { find: 'c', readConcern: { level: 'linearizable', afterClusterTime: write.operationTime } }, { db: 'test' })).toMatchObject({ ok: 0, code: 72 });
    c.stopAll();
  });
});

describe('readConcern snapshot', () => {
  it('atClusterTime reads the data as of that time and reports it in the cursor', async () => {
    const { c, primary } = await started(26);
    const first = await c.command(primary, { insert: 'c', documents: [{ _id: 1 }], writeConcern: { w: 'majority' } }, { db: 'test' });
    await c.command(primary, { insert: 'c', documents: [{ _id: 2 }], writeConcern: { w: 'majority' } }, { db: 'test' });
    const past = await c.command(primary, { find: 'c', readConcern: { level: 'snapshot', atClusterTime: first.operationTime } }, { db: 'test' });
    expect(past.cursor.firstBatch).toEqual([{ _id: 1 }]);
    expect(past.cursor.atClusterTime).toEqual(first.operationTime);
    const now = await c.command(primary, { find: 'c', readConcern: { level: 'snapshot' } }, { db: 'test' });
    expect(now.cursor.firstBatch).toEqual([{ _id: 1 }, { _id: 2 }]);
    expect(now.cursor.atClusterTime).toBeInstanceOf(Timestamp);
    // Only find, aggregate and distinct read at a snapshot outside a transaction.
    expect(await c.command(primary, { count: 'c', readConcern: { level: 'snapshot' } }, { db: 'test' })).toMatchObject({ ok: 0, code: 72 });
    // Older than the oldest oplog entry: SnapshotTooOld (239).
    expect(await c.command(primary, { find: 'c', readConcern: { level: 'snapshot', atClusterTime: new Timestamp({ t: 1, i: 1 }) } }, { db: 'test' })).toMatchObject({ ok: 0, code: 239 });
    c.stopAll();
  });
});
