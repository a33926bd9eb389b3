import type { Document } from 'bson';
import { describe, expect, it } from 'vitest';
import { Cluster } from '../../src/harness/cluster';

// Every member has the same UUID for the same collection: the primary's OpObserverImpl
// (op_observer/op_observer_impl.cpp onCreateCollection) writes it as the create entry's `ui`,
// secondaries create the collection with it (repl/oplog.cpp applyCommand_inlock, `create` with
// the entry's UUID), and initial sync clones each collection with the sync source's UUID from
// listCollections `info.uuid` (repl/collection_cloner.cpp: CollectionOptions from the source,
// uuid included; list_collections.cpp buildCollectionBson shows it under `info`).

const majority = { writeConcern: { w: 'majority', wtimeout: 10_000 } };

async function uuids(c: Cluster, host: string, db = 'test'): Promise<Record<string, string>> {
  const reply = await c.command(host, { listCollections: 1, $readPreference: { mode: 'secondaryPreferred' } }, { db });
  const out: Record<string, string> = {};
  for (const entry of (reply.cursor as Document).firstBatch as Document[]) {
    const uuid = (entry.info as Document).uuid as { sub_type: number; buffer: Uint8Array } | undefined;
    if (uuid === undefined) continue;
    expect(uuid.sub_type).toBe(4);
    out[String(entry.name)] = Buffer.from(uuid.buffer).toString('hex');
  }
  return out;
}

describe('collection UUIDs across a replica set', () => {
  it('secondaries have the primary’s UUIDs; a drop and re-create gives a new one everywhere, a rename keeps it', async () => {
    const c = new Cluster({ members: 3, seed: 91 });
    await c.initiate();
    const primary = await c.waitForPrimary(30_000);
    await c.command(primary, { create: 'explicit', ...majority }, { db: 'test' });
    await c.command(primary, { insert: 'implicit', documents: [{ _id: 1 }], ...majority }, { db: 'test' });
    await c.command(primary, { insert: 'renamed', documents: [{ _id: 1 }], ...majority }, { db: 'test' });
    const first = await uuids(c, primary);
    expect(Object.keys(first).sort()).toEqual(['explicit', 'implicit', 'renamed']);
    for (const host of c.hosts) expect(await uuids(c, host)).toEqual(first);

    await c.command(primary, { drop: 'implicit', ...majority }, { db: 'test' });
    await c.command(primary, { insert: 'implicit', documents: [{ _id: 2 }], ...majority }, { db: 'test' });
    await c.command(primary, { renameCollection: 'test.renamed', to: 'test.moved', ...majority }, { db: 'admin' });
    const second = await uuids(c, primary);
    expect(second.implicit).not.toBe(first.implicit);
    expect(second.moved).toBe(first.renamed);
    expect(second.explicit).toBe(first.explicit);
    for (const host of c.hosts) expect(await uuids(c, host)).toEqual(second);
    c.stopAll();
  });

  it('a resynced member (initial sync) clones the collections with the source’s UUIDs', async () => {
    const c = new Cluster({ members: 3, seed: 92 });
    await c.initiate();
    const primary = await c.waitForPrimary(30_000);
    await c.command(primary, { insert: 'a', documents: [{ _id: 1 }], ...majority }, { db: 'test' });
    await c.command(primary, { create: 'b', ...majority }, { db: 'test' });
    await c.command(primary, { insert: 'x', documents: [{ _id: 1 }], ...majority }, { db: 'other' });
    const wiped = c.hosts.find((h) => h !== primary)!;
    c.wipe(wiped);
    expect(await c.waitFor(() => c.state(wiped) === 'SECONDARY', 60_000)).toBe(true);
    await c.insert([{ _id: 'after' }], { writeConcern: { w: 3, wtimeout: 10_000 } });
    for (const db of ['test', 'other']) expect(await uuids(c, wiped, db)).toEqual(await uuids(c, primary, db));
    expect(c.running(wiped).storage.dataDigest()).toBe(c.running(primary).storage.dataDigest());
    c.stopAll();
  });
});

// The local collections have UUIDs too, each member its own: mongod creates local.oplog.rs and
// local.system.replset on each member when it gets its first config
// (ReplicationCoordinatorExternalStateImpl::initializeReplSetStorage; initial sync makes its own),
// and those writes are not replicated (local is never in the oplog).
describe('local collection UUIDs', () => {
  it('each member lists its own UUIDs for local.oplog.rs and local.system.replset; validate reports them', async () => {
    const c = new Cluster({ members: 3, seed: 93 });
    await c.initiate();
    const primary = await c.waitForPrimary(30_000);
    await c.command(primary, { insert: 'x', documents: [{ _id: 1 }], ...majority }, { db: 'test' });
    const seen = new Set<string>();
    for (const host of c.hosts) {
      const local = await uuids(c, host, 'local');
      expect(Object.keys(local).sort()).toEqual(['oplog.rs', 'system.replset']);
      for (const uuid of Object.values(local)) seen.add(uuid);
      const oplog = await c.command(host, { validate: 'oplog.rs', $readPreference: { mode: 'secondaryPreferred' } }, { db: 'local' });
      expect(oplog).toMatchObject({ ns: 'local.oplog.rs', nIndexes: 0, keysPerIndex: {}, valid: true, ok: 1 });
      expect(Buffer.from((oplog.uuid as { buffer: Uint8Array }).buffer).toString('hex')).toBe(local['oplog.rs']);
      expect(oplog.nrecords).toBeGreaterThan(0);
      const replset = await c.command(host, { validate: 'system.replset', $readPreference: { mode: 'secondaryPreferred' } }, { db: 'local' });
      expect(replset).toMatchObject({ nrecords: 1, nIndexes: 1, keysPerIndex: { _id_: 1 }, valid: true });
    }
    expect(seen.size).toBe(6);
    // A replicated collection validates with the same UUID everywhere.
    const user = await uuids(c, primary);
    for (const host of c.hosts) {
      // validate.cpp secondaryAllowed kAlways: a secondary answers without secondaryOk.
      const reply = await c.command(host, { validate: 'x' }, { db: 'test' });
      expect(reply).toMatchObject({ ns: 'test.x', nrecords: 1, valid: true });
      expect(Buffer.from((reply.uuid as { buffer: Uint8Array }).buffer).toString('hex')).toBe(user.x);
    }
    // validate.cpp: repair needs a standalone.
    expect(await c.command(primary, { validate: 'x', repair: true }, { db: 'test' })).toMatchObject({
      ok: 0,
      code: 72,
      errmsg: 'Running the validate command with { repair: true } can only be performed in standalone mode.',
    });
    c.stopAll();
  });

  it('a wiped member makes new local UUIDs when it gets the config again; a restart keeps them', async () => {
    const c = new Cluster({ members: 3, seed: 94 });
    await c.initiate();
    const primary = await c.waitForPrimary(30_000);
    const secondary = c.hosts.find((h) => h !== primary)!;
    const before = await uuids(c, secondary, 'local');
    c.wipe(secondary);
    expect(await c.waitFor(() => c.state(secondary) === 'SECONDARY', 60_000)).toBe(true);
    const after = await uuids(c, secondary, 'local');
    c.restart(secondary);
    expect(await c.waitFor(() => c.state(secondary) === 'SECONDARY', 60_000)).toBe(true);
    expect(await uuids(c, secondary, 'local')).toEqual(after);
    expect(Object.keys(after).sort()).toEqual(['oplog.rs', 'system.replset']);
    expect(after['oplog.rs']).not.toBe(before['oplog.rs']);
    c.stopAll();
  });
});
