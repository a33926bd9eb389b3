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
