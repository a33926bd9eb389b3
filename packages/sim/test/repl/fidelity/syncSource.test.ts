import type { Document } from 'bson';
import { describe, expect, it } from 'vitest';
import { Cluster } from '../../../src/harness/cluster';

/**
 * Sync-source selection and chaining as mongod 7.0 has them: topology_coordinator.cpp
 * chooseNewSyncSource (the eligible member ahead of us with the lowest ping, primary or not;
 * only the primary with settings.chainingAllowed: false), prepareSyncFromResponse
 * (replSetSyncFrom), prepareStatusResponse (syncSourceHost/syncSourceId); the manual's "Replica
 * Set Data Synchronization" (chained replication) and replSetSyncFrom pages.
 */

async function status(c: Cluster, host: string): Promise<Document> {
  return c.command(host, { replSetGetStatus: 1 }, { db: 'admin' });
}

function memberEntry(st: Document, host: string): Document {
  return (st.members as Document[]).find((m) => m.name === host)!;
}

/** Three members, the first primary (priority 2); the third is far from the primary and near the second. */
async function farFromPrimary(settings: Document = {}): Promise<{ c: Cluster; a: string; b: string; far: string }> {
  const c = new Cluster({ members: 3, seed: 141, settings, memberConfigs: [{ priority: 2 }, {}, {}] });
  const [a, b, far] = c.hosts as [string, string, string];
  c.setDelay(a, far, 1500);
  await c.initiate();
  expect(await c.waitForPrimary(60_000)).toBe(a);
  await c.advance(15_000);
  return { c, a, b, far };
}

describe('sync source selection and chaining', () => {
  it('a member syncs from the nearest member ahead of it: a secondary when the primary is further (chained replication)', async () => {
    const { c, a, b, far } = await farFromPrimary();
    // Heartbeats from far take 3 s to the primary and back, 2 ms to b.
    await c.insert([{ _id: 1 }], { writeConcern: { w: 3, wtimeout: 10_000 } });
    await c.advance(5000);
    const st = await status(c, far);
    expect(st.syncSourceHost).toBe(b);
    expect(st.syncSourceId).toBe(1);
    expect(memberEntry(st, far)).toMatchObject({ syncSourceHost: b, syncSourceId: 1, infoMessage: `syncing from: ${b}` });
    // The primary sees it too, from the heartbeats; the primary itself reports none.
    const onPrimary = await status(c, a);
    expect(memberEntry(onPrimary, far)).toMatchObject({ syncSourceHost: b, syncSourceId: 1 });
    expect(onPrimary).toMatchObject({ syncSourceHost: '', syncSourceId: -1 });
    expect(memberEntry(onPrimary, a)).toMatchObject({ syncSourceHost: '', syncSourceId: -1 });
    expect(memberEntry(onPrimary, b)).toMatchObject({ syncSourceHost: a, syncSourceId: 0 });
    c.stopAll();
  });

  it('settings.chainingAllowed: false: every secondary syncs from the primary, however far', async () => {
    const { c, a, far } = await farFromPrimary({ chainingAllowed: false });
    await c.insert([{ _id: 1 }], { writeConcern: { w: 3, wtimeout: 10_000 } });
    await c.advance(15_000);
    const st = await status(c, far);
    expect(st).toMatchObject({ syncSourceHost: a, syncSourceId: 0 });
    expect(memberEntry(st, far).infoMessage).toBe(`syncing from primary: ${a}`);
    c.stopAll();
  });

  it('replSetSyncFrom switches the sync source at the next batch and answers syncFromRequested and prevSyncTarget', async () => {
    const c = new Cluster({ members: 3, seed: 142, memberConfigs: [{ priority: 2 }, {}, {}] });
    const [a, b, d] = c.hosts as [string, string, string];
    await c.initiate();
    expect(await c.waitForPrimary(60_000)).toBe(a);
    await c.advance(15_000);
    expect((await status(c, b)).syncSourceHost).toBe(a);
    const reply = await c.command(b, { replSetSyncFrom: d }, { db: 'admin' });
    expect(reply).toMatchObject({ ok: 1, syncFromRequested: d, prevSyncTarget: a });
    expect(reply.warning).toBeUndefined();
    await c.advance(15_000);
    expect(await status(c, b)).toMatchObject({ syncSourceHost: d, syncSourceId: 2 });
    // Writes still reach b, through d.
    await c.insert([{ _id: 'via-d' }], { writeConcern: { w: 3, wtimeout: 10_000 } });
    expect(c.storage(b).documents('test', 'test').map((x) => x._id)).toContain('via-d');
    c.stopAll();
  });

  it("replSetSyncFrom refuses as mongod does: itself, a non-member, an arbiter, on the primary, outside the admin database", async () => {
    const c = new Cluster({ members: 3, seed: 143, memberConfigs: [{ priority: 2 }, {}, { arbiterOnly: true }] });
    const [a, b, arbiter] = c.hosts as [string, string, string];
    await c.initiate();
    expect(await c.waitForPrimary(60_000)).toBe(a);
    await c.advance(5000);
    expect(await c.command(b, { replSetSyncFrom: b }, { db: 'admin' })).toMatchObject({ ok: 0, code: 72, codeName: 'InvalidOptions', errmsg: 'I cannot sync from myself', syncFromRequested: b });
    expect(await c.command(b, { replSetSyncFrom: 'elsewhere:27017' }, { db: 'admin' })).toMatchObject({
      ok: 0,
      code: 74,
      codeName: 'NodeNotFound',
      errmsg: 'Could not find member "elsewhere:27017" in replica set',
    });
    expect(await c.command(b, { replSetSyncFrom: arbiter }, { db: 'admin' })).toMatchObject({ ok: 0, code: 72, errmsg: `Cannot sync from "${arbiter}" because it is an arbiter` });
    expect(await c.command(a, { replSetSyncFrom: b }, { db: 'admin' })).toMatchObject({ ok: 0, code: 95, codeName: 'NotSecondary', errmsg: "primaries don't sync" });
    expect(await c.command(arbiter, { replSetSyncFrom: a }, { db: 'admin' })).toMatchObject({ ok: 0, code: 95, errmsg: "arbiters don't sync" });
    expect(await c.command(b, { replSetSyncFrom: 1 }, { db: 'admin' })).toMatchObject({ ok: 0, codeName: 'TypeMismatch' });
    expect(await c.command(b, { replSetSyncFrom: a }, { db: 'test' })).toMatchObject({ ok: 0, codeName: 'Unauthorized' });
    c.stopAll();
  });
});
