import { describe, expect, it } from 'vitest';
import { Cluster } from '../../../src/harness/cluster';

/**
 * Member tags and custom write concern modes (settings.getLastErrorModes), as MongoDB 7.0 has them:
 * - repl_set_write_concern_mode_definitions.cpp (parseFromBSON, convertToTagPatternMap) and
 *   repl_set_tag.cpp (ReplSetTagConfig::addTagCountConstraintToPattern): a mode names tag keys with
 *   a positive count; a key no member has is NoSuchKey "No replica set tag key K in config", which
 *   replication_coordinator_impl.cpp processReplSetInitiate / processReplSetReconfig return as
 *   InvalidReplicaSetConfig (93) with that reason;
 * - member_config.cpp addTagInfo: "Cannot set tags on arbiters.";
 * - repl_set_tag.cpp ReplSetTagMatch: a constraint {key: n} holds once members with n *distinct*
 *   values of key have the write;
 * - repl_set_config.cpp checkIfWriteConcernCanBeSatisfied: a mode no set of members could satisfy
 *   is UnsatisfiableWriteConcern (100) "Not enough nodes match write concern mode "M"";
 * - manual, Write Concern (wtimeout): the wait ends with writeConcernError WriteConcernFailed (64),
 *   errInfo.wtimeout: true, beside ok: 1 — the write stays.
 */

const TAGGED = [
  { priority: 3, tags: { dc: 'east', rack: 'r1' } },
  { tags: { dc: 'east', rack: 'r2' } },
  { tags: { dc: 'west', rack: 'r3' } },
];

async function taggedSet(seed: number, modes: Record<string, Record<string, number>>): Promise<{ c: Cluster; hosts: readonly string[] }> {
  const c = new Cluster({ members: 3, seed, memberConfigs: TAGGED, settings: { getLastErrorModes: modes } });
  await c.initiate();
  // The priority-3 member (east) becomes primary, by election or priority takeover.
  const ok = await c.waitFor(() => c.primary() === c.hosts[0], 120_000);
  expect(ok).toBe(true);
  // Everyone caught up and reporting positions before the faults.
  const warm = await c.insert([{ _id: 'warm' }], { writeConcern: { w: 3, wtimeout: 30_000 } });
  expect(warm.writeConcernError).toBeUndefined();
  // A reconfig must not meet CurrentConfigNotCommittedYet (308) from the step-up config.
  expect(await c.waitForConfigCommitted()).toBe(c.hosts[0]);
  return { c, hosts: c.hosts };
}

describe('tags and getLastErrorModes (repl_set_tag.cpp, repl_set_config.cpp, replication_coordinator_impl.cpp)', () => {
  it('w: "<mode>" counts distinct tag values: two east members are not {dc: 2}; it times out with 64 and errInfo.wtimeout, ok: 1', async () => {
    const { c, hosts } = await taggedSet(301, { multiDC: { dc: 2 } });
    c.kill(hosts[2]!); // the only west member
    const reply = await c.insert([{ _id: 'a' }], { writeConcern: { w: 'multiDC', wtimeout: 2000 } });
    expect(reply).toMatchObject({ ok: 1, n: 1, writeConcernError: { code: 64, codeName: 'WriteConcernFailed', errInfo: { wtimeout: true } } });
    expect(reply.writeConcernError.errInfo.writeConcern).toMatchObject({ w: 'multiDC', wtimeout: 2000 });
    // Two members have it, so a plain w: 2 is satisfied: the mode is about values, not members.
    const plain = await c.insert([{ _id: 'b' }], { writeConcern: { w: 2, wtimeout: 2000 } });
    expect(plain.writeConcernError).toBeUndefined();
    c.stopAll();
  });

  it('w: "<mode>" is acknowledged once a west member has the write, and waits for it', async () => {
    const { c, hosts } = await taggedSet(302, { multiDC: { dc: 2 } });
    const reply = await c.insert([{ _id: 'a' }], { writeConcern: { w: 'multiDC', wtimeout: 10_000 } });
    expect(reply).toMatchObject({ ok: 1, n: 1 });
    expect(reply.writeConcernError).toBeUndefined();
    // Isolate the west member (the primary keeps its majority with the other east member): the
    // wait holds until the links heal.
    c.cut(hosts[0]!, hosts[2]!);
    c.cut(hosts[1]!, hosts[2]!);
    const pending = c.send(hosts[0]!, { insert: 'test', documents: [{ _id: 'late' }], writeConcern: { w: 'multiDC' } }, { db: 'test' });
    let settled = false;
    void pending.then(() => (settled = true));
    await c.advance(5000);
    expect(settled).toBe(false);
    c.heal(hosts[0]!, hosts[2]!);
    c.heal(hosts[1]!, hosts[2]!);
    expect(await c.waitFor(() => settled, 60_000)).toBe(true);
    const late = await pending;
    expect(late).toMatchObject({ ok: 1, n: 1 });
    expect(late.writeConcernError).toBeUndefined();
    c.stopAll();
  });

  it('a mode with two keys needs each count: {dc: 2, rack: 3}', async () => {
    const { c, hosts } = await taggedSet(303, { everyRack: { dc: 2, rack: 3 } });
    const all = await c.insert([{ _id: 'a' }], { writeConcern: { w: 'everyRack', wtimeout: 10_000 } });
    expect(all.writeConcernError).toBeUndefined();
    c.kill(hosts[1]!); // dc: 2 still holds (east, west), rack: 3 does not
    const two = await c.insert([{ _id: 'b' }], { writeConcern: { w: 'everyRack', wtimeout: 1500 } });
    expect(two.writeConcernError).toMatchObject({ code: 64, errInfo: { wtimeout: true } });
    c.stopAll();
  });

  it('a mode more than every member together can satisfy: UnsatisfiableWriteConcern (100), the write applied', async () => {
    const { c } = await taggedSet(304, { threeDCs: { dc: 3 } });
    const reply = await c.insert([{ _id: 'x' }], { writeConcern: { w: 'threeDCs', wtimeout: 1000 } });
    expect(reply).toMatchObject({
      ok: 1,
      n: 1,
      writeConcernError: { code: 100, codeName: 'UnsatisfiableWriteConcern', errmsg: 'Not enough nodes match write concern mode "threeDCs"' },
    });
    c.stopAll();
  });

  it('replSetInitiate with a mode naming a tag key no member has: InvalidReplicaSetConfig (93) "No replica set tag key rack in config"', async () => {
    const c = new Cluster({ members: 3, seed: 305 });
    const config = c.defaultConfig();
    config.members[0].tags = { dc: 'east' };
    config.settings = { getLastErrorModes: { byRack: { rack: 2 } } };
    const reply = await c.command(c.hosts[0]!, { replSetInitiate: config });
    expect(reply).toMatchObject({ ok: 0, code: 93, codeName: 'InvalidReplicaSetConfig', errmsg: 'No replica set tag key rack in config' });
    c.stopAll();
  });

  it('replSetInitiate: tags on an arbiter, a non-string tag, a zero count — mongod\'s messages', async () => {
    const c = new Cluster({ members: 3, seed: 306 });
    const base = c.defaultConfig();
    const arbiter = structuredClone(base);
    arbiter.members[2] = { ...arbiter.members[2], arbiterOnly: true, tags: { dc: 'east' } };
    expect(await c.command(c.hosts[0]!, { replSetInitiate: arbiter })).toMatchObject({ ok: 0, code: 93, errmsg: 'Cannot set tags on arbiters.' });
    const nonString = structuredClone(base);
    nonString.members[1].tags = { dc: 5 };
    expect(await c.command(c.hosts[0]!, { replSetInitiate: nonString })).toMatchObject({ ok: 0, code: 93, errmsg: 'tags.dc field has non-string value of type int' });
    const zero = structuredClone(base);
    zero.members[1].tags = { dc: 'east' };
    zero.settings = { getLastErrorModes: { none: { dc: 0 } } };
    expect(await c.command(c.hosts[0]!, { replSetInitiate: zero })).toMatchObject({ ok: 0, code: 93, errmsg: 'Value of getLastErrorModes.none.dc must be positive, but found 0' });
    c.stopAll();
  });

  it('replSetReconfig with a mode naming an unknown tag key: InvalidReplicaSetConfig (93), the config unchanged', async () => {
    const { c, hosts } = await taggedSet(307, { multiDC: { dc: 2 } });
    const { config } = await c.command(hosts[0]!, { replSetGetConfig: 1 });
    expect(config.settings.getLastErrorModes).toEqual({ multiDC: { dc: 2 } });
    expect(config.members[2].tags).toEqual({ dc: 'west', rack: 'r3' });
    const next = { ...config, version: config.version + 1, settings: { ...config.settings, getLastErrorModes: { byZone: { zone: 2 } } } };
    const reply = await c.command(hosts[0]!, { replSetReconfig: next });
    expect(reply).toMatchObject({ ok: 0, code: 93, errmsg: 'No replica set tag key zone in config' });
    const after = await c.command(hosts[0]!, { replSetGetConfig: 1 });
    expect(after.config.version).toBe(config.version);
    // hello shows the member's own tags (topology_coordinator.cpp fillHelloForReplSet).
    const hello = await c.command(hosts[2]!, { hello: 1 });
    expect(hello.tags).toEqual({ dc: 'west', rack: 'r3' });
    c.stopAll();
  });
});
