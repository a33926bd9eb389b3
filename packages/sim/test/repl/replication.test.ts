import { Binary, Long } from 'bson';
import { describe, expect, it } from 'vitest';
import { Cluster } from '../../src/harness/cluster';
import { compareOpTime } from '../../src/base/optime';

describe('replication, write concern and read concern', () => {
  it('w:N waits for N members; wtimeout gives WriteConcernFailed (64) with ok:1; w above the set size is unsatisfiable', async () => {
    const c = new Cluster({ members: 3, seed: 41 });
    await c.initiate();
    const primary = await c.waitForPrimary(30_000);
    await c.advance(2000);
    const w3 = await c.insert([{ _id: 1 }], { writeConcern: { w: 3, wtimeout: 5000 } });
    expect(w3).toMatchObject({ ok: 1, n: 1 });
    expect(w3.writeConcernError).toBeUndefined();
    const [b, d] = c.hosts.filter((h) => h !== primary) as [string, string];
    c.kill(b);
    const started = c.clock.now();
    const timedOut = await c.insert([{ _id: 2 }], { writeConcern: { w: 3, wtimeout: 1500 } });
    expect(c.clock.now() - started).toBeGreaterThanOrEqual(1500);
    expect(timedOut).toMatchObject({
      ok: 1,
      n: 1,
      writeConcernError: { code: 64, codeName: 'WriteConcernFailed', errmsg: 'waiting for replication timed out', errInfo: { wtimeout: true, writeConcern: { w: 3, wtimeout: 1500 } } },
    });
    const majority = await c.insert([{ _id: 3 }], { writeConcern: { w: 'majority', wtimeout: 5000 } });
    expect(majority.writeConcernError).toBeUndefined();
    const tooMany = await c.insert([{ _id: 4 }], { writeConcern: { w: 4 } });
    expect(tooMany.writeConcernError).toMatchObject({ code: 100, codeName: 'UnsatisfiableWriteConcern', errmsg: 'Not enough data-bearing nodes' });
    void d;
    c.stopAll();
  });

  it('secondaries sync from the primary, report progress upstream and learn the commit point', async () => {
    const c = new Cluster({ members: 3, seed: 42 });
    await c.initiate();
    const primary = await c.waitForPrimary(30_000);
    await c.insert([{ _id: 'a' }], { writeConcern: { w: 'majority', wtimeout: 5000 } });
    await c.advance(3000);
    const p = c.running(primary).repl;
    for (const h of c.hosts) {
      if (h === primary) continue;
      const r = c.running(h).repl;
      expect(r.syncSource).toBe(primary);
      expect(compareOpTime(r.lastApplied, p.lastApplied)).toBe(0);
      expect(compareOpTime(r.commitPoint, p.commitPoint)).toBe(0);
    }
    const status = await c.command(primary, { replSetGetStatus: 1 });
    expect(status.optimes.lastCommittedOpTime).toEqual(status.optimes.appliedOpTime);
    c.stopAll();
  });

  // RetryableWriteError only on retryable writes (txnNumber), as mongod's error_labels.cpp labels them.
  it('writes on a secondary are NotWritablePrimary, retryable ones with RetryableWriteError; reads need secondaryOk', async () => {
    const c = new Cluster({ members: 3, seed: 43 });
    await c.initiate();
    const primary = await c.waitForPrimary(30_000);
    await c.advance(2000);
    const secondary = c.hosts.find((h) => h !== primary)!;
    const lsid = { id: new Binary(new Uint8Array(16), Binary.SUBTYPE_UUID) };
    const write = await c.command(secondary, { insert: 'test', documents: [{ _id: 1 }], lsid, txnNumber: Long.fromNumber(1) }, { db: 'test' });
    expect(write).toMatchObject({ ok: 0, errmsg: 'not primary', code: 10107, codeName: 'NotWritablePrimary', errorLabels: ['RetryableWriteError'] });
    const plainWrite = await c.insert([{ _id: 1 }], { host: secondary });
    expect(plainWrite).toMatchObject({ ok: 0, errmsg: 'not primary', code: 10107, codeName: 'NotWritablePrimary' });
    expect(plainWrite.errorLabels).toBeUndefined();
    const read = await c.command(secondary, { find: 'test', filter: {} }, { db: 'test' });
    expect(read).toMatchObject({ ok: 0, code: 13435, codeName: 'NotPrimaryNoSecondaryOk', errmsg: 'not primary and secondaryOk=false' });
    const ok = await c.command(secondary, { find: 'test', filter: {}, $readPreference: { mode: 'secondaryPreferred' } }, { db: 'test' });
    expect(ok.ok).toBe(1);
    c.stopAll();
  });

  it('readConcern majority shows only majority-committed writes', async () => {
    const c = new Cluster({ members: 3, seed: 44 });
    await c.initiate();
    const primary = await c.waitForPrimary(30_000);
    await c.insert([{ _id: 'committed' }], { writeConcern: { w: 'majority', wtimeout: 5000 } });
    for (const h of c.hosts) if (h !== primary) c.cut(primary, h);
    await c.insert([{ _id: 'local-only' }], { writeConcern: { w: 1 } });
    const local = await c.command(primary, { find: 'test', filter: {} }, { db: 'test' });
    expect(local.cursor.firstBatch.map((d: { _id: string }) => d._id).sort()).toEqual(['committed', 'local-only']);
    const majority = await c.command(primary, { find: 'test', filter: {}, readConcern: { level: 'majority' } }, { db: 'test' });
    expect(majority.cursor.firstBatch.map((d: { _id: string }) => d._id)).toEqual(['committed']);
    c.stopAll();
  });

  it('a new member added with replSetReconfig (rs.add) syncs the data and becomes SECONDARY', async () => {
    const c = new Cluster({ members: 4, seed: 45 });
    const three = c.defaultConfig();
    three.members = (three.members as unknown[]).slice(0, 3);
    await c.initiate(three);
    const primary = await c.waitForPrimary(30_000);
    await c.insert([{ _id: 'before-add' }], { writeConcern: { w: 'majority', wtimeout: 5000 } });
    // A safe reconfig needs the current config (the new primary's config term) committed first.
    await c.waitForConfigCommitted();
    const fourth = c.hosts[3]!;
    const current = (await c.command(primary, { replSetGetConfig: 1 })).config;
    const next = { ...current, version: current.version + 1, members: [...current.members, { _id: 3, host: fourth }] };
    const reply = await c.command(primary, { replSetReconfig: next });
    expect(reply).toMatchObject({ ok: 1 });
    await c.waitFor(() => c.state(fourth) === 'SECONDARY', 30_000);
    expect(c.state(fourth)).toBe('SECONDARY');
    expect(c.events.some((e) => e.type === 'stateChange' && e.host === fourth && e.to === 'STARTUP2')).toBe(true);
    const found = await c.command(fourth, { find: 'test', filter: { _id: 'before-add' }, $readPreference: { mode: 'secondary' } }, { db: 'test' });
    expect(found.cursor.firstBatch).toEqual([{ _id: 'before-add' }]);
    // The new voter was newlyAdded; once SECONDARY the primary's automatic reconfig removes the
    // mark at the next version (replication_coordinator_impl.cpp _reconfigToRemoveNewlyAddedField).
    expect(await c.waitFor(() => c.running(primary).repl.config?.version === next.version + 1, 20_000)).toBe(true);
    // That reconfig does not wait for its config to be committed; the next one must (else 308).
    await c.waitForConfigCommitted();
    const term = c.running(primary).repl.config!.term;
    const stale = await c.command(primary, { replSetReconfig: next });
    expect(stale).toMatchObject({ ok: 0, code: 103, errmsg: `New replica set configuration version and term must be greater than old, but {version: ${next.version}, term: ${term}} is not greater than {version: ${next.version + 1}, term: ${term}} for replica set rs0` });
    c.stopAll();
  });
});

describe('config changes', () => {
  it('hidden members are left out of hello.hosts; a member removed by reconfig goes REMOVED', async () => {
    const c = new Cluster({ members: 4, seed: 46, memberConfigs: [{}, {}, {}, { hidden: true, priority: 0 }] });
    await c.initiate();
    const primary = await c.waitForPrimary(30_000);
    await c.advance(3000);
    const hello = await c.command(primary, { hello: 1 });
    expect(hello.hosts).toEqual(c.hosts.slice(0, 3));
    expect(hello).not.toHaveProperty('passives');
    const hiddenHello = await c.command(c.hosts[3]!, { hello: 1 });
    expect(hiddenHello).toMatchObject({ hidden: true, secondary: true });
    const current = (await c.command(primary, { replSetGetConfig: 1 })).config;
    const next = { ...current, version: current.version + 1, members: current.members.slice(0, 3) };
    expect((await c.command(primary, { replSetReconfig: next })).ok).toBe(1);
    await c.advance(5000);
    expect(c.state(c.hosts[3]!)).toBe('REMOVED');
    const removedHello = await c.command(c.hosts[3]!, { hello: 1 });
    expect(removedHello).toMatchObject({ isWritablePrimary: false, secondary: false, isreplicaset: true });
    const status = await c.command(primary, { replSetGetStatus: 1 });
    expect(status.members.length).toBe(3);
    c.stopAll();
  });
});

describe('local.oplog.rs as a person sees it', () => {
  it('find with a filter, $natural order, limit and getMore', async () => {
    const c = new Cluster({ members: 3, seed: 47 });
    await c.initiate();
    const primary = await c.waitForPrimary(30_000);
    await c.insert([{ _id: 1 }, { _id: 2 }, { _id: 3 }], { writeConcern: { w: 1 } });
    const last2 = await c.command(primary, { find: 'oplog.rs', filter: { op: 'i' }, sort: { $natural: -1 }, limit: 2 }, { db: 'local' });
    expect(last2.cursor.firstBatch.map((e: { o: { _id: number } }) => e.o._id)).toEqual([3, 2]);
    expect(Number(last2.cursor.id)).toBe(0);
    const first = await c.command(primary, { find: 'oplog.rs', filter: {}, batchSize: 2 }, { db: 'local' });
    expect(first.cursor.firstBatch[0].o).toEqual({ msg: 'initiating set' });
    expect(first.cursor.firstBatch[0]).toMatchObject({ op: 'n', ns: '' });
    const more = await c.command(primary, { getMore: first.cursor.id, collection: 'oplog.rs', batchSize: 1000 }, { db: 'local' });
    const all = [...first.cursor.firstBatch, ...more.cursor.nextBatch];
    expect(all.length).toBe(c.persistedState(primary).oplog.length);
    expect(Number(more.cursor.id)).toBe(0);
    c.stopAll();
  });
});

describe('tailing the oplog', () => {
  // getmore_cmd.cpp: an awaitData getMore on the oplog does not wait when the client's
  // lastKnownCommittedOpTime is behind this member's commit point; that is how members syncing
  // from it learn the commit point promptly.
  it('an awaitData getMore waits out maxTimeMS only while the client knows the current commit point', async () => {
    const c = new Cluster({ members: 3, seed: 49 });
    await c.initiate();
    const primary = await c.waitForPrimary(30_000);
    await c.insert([{ _id: 1 }], { writeConcern: { w: 'majority', wtimeout: 5000 } });
    await c.advance(3000);
    const status = await c.command(primary, { replSetGetStatus: 1 });
    const committed = status.optimes.lastCommittedOpTime;
    const tail = await c.command(primary, { find: 'oplog.rs', filter: { ts: { $gte: committed.ts } }, tailable: true, awaitData: true, batchSize: 1000 }, { db: 'local' });
    expect(Number(tail.cursor.id)).not.toBe(0);
    const getMore = (known: unknown) => c.command(primary, { getMore: tail.cursor.id, collection: 'oplog.rs', maxTimeMS: 1000, lastKnownCommittedOpTime: known }, { db: 'local' });

    let started = c.clock.now();
    const current = await getMore(committed);
    expect(current.cursor.nextBatch).toEqual([]);
    expect(c.clock.now() - started).toBeGreaterThanOrEqual(1000);

    started = c.clock.now();
    const behind = await getMore({ ts: tail.cursor.firstBatch[0].ts, t: Long.fromNumber(-1) });
    expect(behind.cursor.nextBatch).toEqual([]);
    expect(c.clock.now() - started).toBeLessThan(1000);
    expect(behind.$replData.lastOpCommitted).toEqual(committed);
    c.stopAll();
  });
});

describe('a capped oplog', () => {
  it('drops its oldest entries while secondaries keep tailing; a member left too far behind goes RECOVERING', async () => {
    const c = new Cluster({ members: 3, seed: 48, parameters: { oplogEntriesMax: 50 } });
    await c.initiate();
    const primary = await c.waitForPrimary(30_000);
    await c.advance(3000);
    const [b, d] = c.hosts.filter((h) => h !== primary) as [string, string];
    for (let i = 0; i < 100; i++) {
      const r = await c.insert([{ _id: i }], { writeConcern: { w: 3, wtimeout: 5000 } });
      expect(r.writeConcernError).toBeUndefined();
    }
    for (const h of c.hosts) expect(c.persistedState(h).oplog.length).toBeLessThanOrEqual(50);
    c.kill(d);
    for (let i = 100; i < 200; i++) await c.insert([{ _id: i }], { writeConcern: { w: 2, wtimeout: 5000 } });
    c.start(d);
    await c.advance(10_000);
    expect(c.state(d)).toBe('RECOVERING');
    expect(c.state(b)).toBe('SECONDARY');
    expect(c.running(d).recentLog().some((l) => l.msg.startsWith('We are too stale'))).toBe(true);
    expect(c.events.some((e) => e.type === 'stateChange' && e.host === d && e.to === 'ROLLBACK')).toBe(false);
    c.stopAll();
  });
});
