import type { Document } from 'bson';
import { describe, expect, it } from 'vitest';
import { compareOpTime } from '../../../src/base/optime';
import { Cluster } from '../../../src/harness/cluster';
import { LogIds } from '../../../src/log/ids';
import { DEFAULT_OPLOG_BYTES_MAX, MIB_BYTES } from '../../../src/repl/parameters';
import { entryBsonBytes } from '../../../src/storage/oplog';

/**
 * The oplog is capped by its size in bytes, as mongod's is: `--oplogSize` MB (replication.oplogSizeMB;
 * repl/oplog.cpp getNewOplogSizeBytes: else 5% of the free disk, 990 MB to 50 GB — the simulator
 * takes 990 MB), counted as the BSON size of its entries (collStats `size`). Once it holds more,
 * the oldest entries go (WiredTigerRecordStore::reclaimOplog) — but since 4.4 never the majority
 * commit point ("the oplog can grow past its configured size limit to avoid deleting the majority
 * commit point", manual: Replica Set Oplog), nor entries younger than
 * storage.oplogMinRetentionHours. replSetResizeOplog (commands/resize_oplog.cpp, resize_oplog.idl)
 * changes the size and retention of the member it runs on only.
 */

const KB = 1024;
/** A document of about 100 KB: ten of them fill a 1 MB oplog. */
const big = (i: number): Document => ({ _id: i, pad: 'x'.repeat(100 * KB) });

async function oplogStats(c: Cluster, host: string): Promise<Document> {
  const reply = await c.command(host, { aggregate: 'oplog.rs', pipeline: [{ $collStats: { storageStats: {} } }], cursor: {} }, { db: 'local' });
  return (reply.cursor as Document).firstBatch[0].storageStats as Document;
}

describe('the oplog is capped by its BSON size (--oplogSize, mongod 7.0)', () => {
  it('drops its oldest entries once they pass oplogBytesMax on every member, and collStats reports size, count and maxSize', async () => {
    const c = new Cluster({ members: 3, seed: 171, parameters: { oplogBytesMax: 1 * MIB_BYTES } });
    await c.initiate();
    await c.waitForPrimary(30_000);
    for (let i = 0; i < 30; i++) {
      const r = await c.insert([big(i)], { writeConcern: { w: 3, wtimeout: 5000 } });
      expect(r.writeConcernError).toBeUndefined();
    }
    for (const host of c.hosts) {
      const oplog = c.persistedState(host).oplog;
      const bytes = oplog.all().reduce((sum, e) => sum + entryBsonBytes(e), 0);
      expect(oplog.sizeBytes).toBe(bytes);
      expect(bytes).toBeLessThanOrEqual(MIB_BYTES);
      // 30 × 100 KB went in: about the last nine fit, the first inserts are gone.
      expect(bytes).toBeGreaterThan(MIB_BYTES - 2 * 101 * KB);
      expect(oplog.all().some((e) => e.op === 'i' && e.o._id === 0)).toBe(false);
      expect(oplog.all().some((e) => e.op === 'i' && e.o._id === 29)).toBe(true);
      const stats = await oplogStats(c, host);
      expect(stats).toMatchObject({ capped: true, maxSize: MIB_BYTES, size: bytes, count: oplog.length });
      const legacy = await c.command(host, { collStats: 'oplog.rs' }, { db: 'local' });
      expect(legacy).toMatchObject({ ns: 'local.oplog.rs', capped: true, maxSize: MIB_BYTES, size: bytes, count: oplog.length, ok: 1 });
    }
    c.stopAll();
  });

  it('reports 990 MB, the 5%-of-disk floor, without --oplogSize', async () => {
    const c = new Cluster({ members: 1, seed: 172 });
    await c.initiate();
    const primary = await c.waitForPrimary(30_000);
    expect(DEFAULT_OPLOG_BYTES_MAX).toBe(990 * MIB_BYTES);
    expect(await oplogStats(c, primary)).toMatchObject({ capped: true, maxSize: 990 * MIB_BYTES });
    c.stopAll();
  });

  it('grows past its size rather than drop the majority commit point (4.4+), and shrinks back once it moves', async () => {
    const c = new Cluster({ members: 3, seed: 173, parameters: { oplogBytesMax: 1 * MIB_BYTES } });
    await c.initiate();
    const primary = await c.waitForPrimary(30_000);
    await c.insert([{ _id: 'committed' }], { writeConcern: { w: 3, wtimeout: 5000 } });
    const secondaries = c.hosts.filter((h) => h !== primary);
    for (const h of secondaries) c.kill(h);
    // No majority: the commit point stays where it is while the primary still takes w:1 writes.
    const commitPoint = c.running(primary).repl.commitPoint;
    for (let i = 0; i < 20; i++) expect((await c.insert([big(i)], { writeConcern: { w: 1 }, timeoutMillis: 1000 })).ok).toBe(1);
    const oplog = c.persistedState(primary).oplog;
    expect(oplog.sizeBytes).toBeGreaterThan(1.5 * MIB_BYTES);
    expect(compareOpTime(oplog.at(0)!, commitPoint)).toBeLessThanOrEqual(0);
    expect(oplog.all().some((e) => e.op === 'i' && e.o._id === 'committed')).toBe(true);
    for (const h of secondaries) c.start(h);
    const newPrimary = await c.waitForPrimary(60_000);
    const r = await c.insert([{ _id: 'after' }], { writeConcern: { w: 3, wtimeout: 30_000 }, host: newPrimary });
    expect(r.writeConcernError).toBeUndefined();
    await c.insert([{ _id: 'after-2' }], { writeConcern: { w: 3, wtimeout: 30_000 }, host: newPrimary });
    for (const h of c.hosts) expect(c.persistedState(h).oplog.sizeBytes).toBeLessThanOrEqual(MIB_BYTES);
    c.stopAll();
  });

  it('keeps entries younger than oplogMinRetentionHours past its size; replSetResizeOplog {minRetentionHours: 0} lets them go', async () => {
    const c = new Cluster({ members: 3, seed: 174, parameters: { oplogBytesMax: 1 * MIB_BYTES, oplogMinRetentionHours: 1 } });
    await c.initiate();
    const primary = await c.waitForPrimary(30_000);
    for (let i = 0; i < 20; i++) await c.insert([big(i)], { writeConcern: { w: 3, wtimeout: 5000 } });
    const oplog = c.persistedState(primary).oplog;
    expect(oplog.sizeBytes).toBeGreaterThan(1.5 * MIB_BYTES);
    expect(oplog.all().some((e) => e.op === 'i' && e.o._id === 0)).toBe(true);
    expect(await c.command(primary, { replSetResizeOplog: 1, minRetentionHours: 0 })).toMatchObject({ ok: 1 });
    expect(oplog.sizeBytes).toBeLessThanOrEqual(MIB_BYTES);
    expect(oplog.all().some((e) => e.op === 'i' && e.o._id === 0)).toBe(false);
    // Only the member it ran on: the others still keep their hour.
    const other = c.hosts.find((h) => h !== primary)!;
    expect(c.persistedState(other).oplog.sizeBytes).toBeGreaterThan(1.5 * MIB_BYTES);
    c.stopAll();
  });
});

describe('replSetResizeOplog (commands/resize_oplog.cpp and resize_oplog.idl, 7.0)', () => {
  it('sets the size (MB, a double) of the member it runs on only, and logs 20497 "replSetResizeOplog success"', async () => {
    const c = new Cluster({ members: 3, seed: 175 });
    await c.initiate();
    const primary = await c.waitForPrimary(30_000);
    const secondary = c.hosts.find((h) => h !== primary)!;
    expect(await c.command(secondary, { replSetResizeOplog: 1, size: 2000.5, minRetentionHours: 1.5 })).toMatchObject({ ok: 1 });
    expect((await oplogStats(c, secondary)).maxSize).toBe(Math.trunc(2000.5 * MIB_BYTES));
    expect((await oplogStats(c, primary)).maxSize).toBe(990 * MIB_BYTES);
    const line = c.running(secondary).recentLog().find((l) => l.id === LogIds.replSetResizeOplogSuccess.id);
    expect(line).toMatchObject({ c: 'STORAGE', msg: 'replSetResizeOplog success', attr: { size: Math.trunc(2000.5 * MIB_BYTES), minRetentionHours: 1.5 } });
    // Neither field: nothing changes (both are optional).
    expect(await c.command(secondary, { replSetResizeOplog: 1 })).toMatchObject({ ok: 1 });
    expect((await oplogStats(c, secondary)).maxSize).toBe(Math.trunc(2000.5 * MIB_BYTES));
    c.stopAll();
  });

  it("refuses sizes outside 990 MB..1 PB and a negative retention with the IDL validator's 51024, wrong types with TypeMismatch", async () => {
    const c = new Cluster({ members: 1, seed: 176 });
    const [host] = c.hosts as [string];
    // Before initiate there is no oplog yet (mongod creates it at replSetInitiate).
    expect(await c.command(host, { replSetResizeOplog: 1, size: 1000 })).toMatchObject({ ok: 0, code: 26, codeName: 'NamespaceNotFound', errmsg: 'oplog does not exist' });
    await c.initiate();
    await c.waitForPrimary(30_000);
    const cases: Array<[Document, Document]> = [
      [{ size: 900 }, { code: 51024, codeName: 'Location51024', errmsg: "BSON field 'replSetResizeOplog.size' value must be >= 990, actual value '900'" }],
      [{ size: 2e9 }, { code: 51024, codeName: 'Location51024', errmsg: "BSON field 'replSetResizeOplog.size' value must be <= 1.07374e+09, actual value '2e+09'" }],
      [{ minRetentionHours: -1 }, { code: 51024, errmsg: "BSON field 'replSetResizeOplog.minRetentionHours' value must be >= 0, actual value '-1'" }],
      [{ size: 'big' }, { code: 14, codeName: 'TypeMismatch', errmsg: "BSON field 'replSetResizeOplog.size' is the wrong type 'string', expected type 'double'" }],
    ];
    for (const [fields, error] of cases) {
      expect(await c.command(host, { replSetResizeOplog: 1, ...fields }), JSON.stringify(fields)).toMatchObject({ ok: 0, ...error });
    }
    expect(await c.command(host, { replSetResizeOplog: 1, size: 1000 }, { db: 'test' })).toMatchObject({ ok: 0, codeName: 'Unauthorized' });
    expect((await oplogStats(c, host)).maxSize).toBe(990 * MIB_BYTES);
    c.stopAll();
  });
});

describe('a member down for longer than a 1 MB oplog holds (--oplogSize 1)', () => {
  it('finds its last entry gone from every source and goes RECOVERING: "too stale" (oplog_fetcher.cpp _checkRemoteOplogStart)', async () => {
    // mongod: a member whose last applied optime is older than its sync source's oldest entry cannot
    // catch up from it (TooStaleToSyncFromSource); with no source that still holds it, it stays
    // RECOVERING (maintenance mode) until resynced (manual: Resync a Member of a Replica Set).
    const c = new Cluster({ members: 3, seed: 177, parameters: { oplogBytesMax: 1 * MIB_BYTES } });
    await c.initiate();
    const primary = await c.waitForPrimary(30_000);
    await c.advance(3000);
    const [up, down] = c.hosts.filter((h) => h !== primary) as [string, string];
    await c.insert([{ _id: 'seen' }], { writeConcern: { w: 3, wtimeout: 5000 } });
    c.kill(down);
    // 1.5 MB of 100 KB documents while it is down: the two others commit them and roll their oplogs over.
    for (let i = 0; i < 15; i++) {
      const r = await c.insert([big(i)], { writeConcern: { w: 2, wtimeout: 5000 } });
      expect(r.writeConcernError).toBeUndefined();
    }
    const downLast = c.persistedState(down).oplog.last()!;
    for (const h of [primary, up]) expect(compareOpTime(c.persistedState(h).oplog.at(0)!, downLast)).toBeGreaterThan(0);
    c.start(down);
    await c.advance(10_000);
    expect(c.state(down)).toBe('RECOVERING');
    expect(c.state(up)).toBe('SECONDARY');
    expect(c.running(down).recentLog().some((l) => l.id === LogIds.tooStaleForSyncSource.id)).toBe(true);
    expect(c.events.some((e) => e.type === 'stateChange' && e.host === down && e.to === 'ROLLBACK')).toBe(false);
    c.stopAll();
  });
});
