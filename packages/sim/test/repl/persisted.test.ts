import { ObjectId } from 'bson';
import { describe, expect, it } from 'vitest';
import { Cluster } from '../../src/harness/cluster';
import { copyPersistedReplState } from '../../src/repl/persisted';

// The copy a snapshot or a fork keeps of a member's replication state. Its config's
// settings.replicaSetId is the ObjectId replSetInitiate made (repl_set_config.cpp: an OID that
// rs.conf() shows and heartbeats compare as the set's id); a plain object in its place is no id.
describe('copyPersistedReplState', () => {
  it('keeps the set’s id an ObjectId, and shares nothing a change to the copy could reach', async () => {
    const c = new Cluster({ members: 3, seed: 12 });
    await c.initiate();
    const primary = await c.waitForPrimary(30_000);
    const source = c.persistedState(primary);
    const copy = copyPersistedReplState(source);
    const id = copy.config!.settings.replicaSetId;
    expect(id).toBeInstanceOf(ObjectId);
    expect(id.equals(source.config!.settings.replicaSetId)).toBe(true);
    copy.config!.members[0]!.priority = 7;
    copy.localUuids = {};
    expect(source.config!.members[0]!.priority).toBe(1);
    expect(Object.keys(source.localUuids).length).toBeGreaterThan(0);
    c.stopAll();
  });
});
