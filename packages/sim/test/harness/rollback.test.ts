import { ObjectId } from 'bson';
import { describe, expect, it } from 'vitest';
import { Cluster } from '../../src/harness/cluster';
import { copyPersistedReplState } from '../../src/repl/persisted';

describe('rollback of a former primary', () => {
  it('isolated primary takes a w:1 write, steps down, rejoins, rolls it back and keeps it in a rollback file', async () => {
    const c = new Cluster({ members: 3, seed: 3 });
    await c.initiate();
    const a = await c.waitForPrimary(30_000);
    const [b, d] = c.hosts.filter((h) => h !== a) as [string, string];
    const committed = await c.insert([{ _id: 'committed' }], { writeConcern: { w: 'majority', wtimeout: 5000 } });
    expect(committed.writeConcernError).toBeUndefined();

    c.partition([a], [b, d]);
    const lost = await c.insert([{ _id: 'lost', by: new ObjectId() }], { host: a, writeConcern: { w: 1 } });
    expect(lost).toMatchObject({ ok: 1, n: 1 });
    const majority = await c.insert([{ _id: 'never' }], { host: a, writeConcern: { w: 'majority', wtimeout: 3000 } });
    expect(majority.writeConcernError).toMatchObject({ code: 64, codeName: 'WriteConcernFailed', errmsg: 'waiting for replication timed out' });

    // The majority side elects a new primary; the old one steps down when it can't see a majority.
    await c.waitFor(() => c.state(a) === 'SECONDARY', 15_000);
    expect(c.state(a)).toBe('SECONDARY');
    const events = c.events.filter((e) => e.type === 'stepDown' && e.host === a);
    expect(events.length).toBe(1);
    const newPrimary = await c.waitForPrimary(30_000);
    expect([b, d]).toContain(newPrimary);
    await c.insert([{ _id: 'new' }], { writeConcern: { w: 'majority', wtimeout: 5000 } });

    c.healAll();
    await c.advance(15_000);
    expect(c.state(a)).toBe('SECONDARY');
    const files = c.persistedState(a).rollbackFiles;
    expect(files.length).toBe(1);
    expect(files[0]!.documents.map((d) => d.doc?._id).sort()).toEqual(['lost', 'never']);
    // A snapshot's or a fork's copy keeps the rolled-back documents' BSON values as they were.
    const copied = copyPersistedReplState(c.persistedState(a)).rollbackFiles[0]!.documents.find((d) => d.doc?._id === 'lost')!.doc!;
    expect(copied.by).toBeInstanceOf(ObjectId);
    expect(c.events.some((e) => e.type === 'rollback' && e.host === a)).toBe(true);
    expect(c.events.some((e) => e.type === 'stateChange' && e.host === a && e.to === 'ROLLBACK')).toBe(true);
    for (const host of c.hosts) {
      expect(c.storage(host).documents('test', 'test').map((x) => x._id).sort()).toEqual(['committed', 'new']);
    }
    c.stopAll();
  });
});
