import { describe, expect, it } from 'vitest';
import type { Document } from 'bson';
import { Cluster } from '../../../src/harness/cluster';
import { LogIds } from '../../../src/log/ids';

/**
 * `newlyAdded` members, as MongoDB 4.4+ (7.0) has them:
 * - replication_coordinator_impl.cpp processReplSetReconfig (getNewConfig): a safe reconfig marks
 *   every voter new by `_id` with `newlyAdded: true` in the config it installs (log 4634400) and
 *   keeps the mark on members that have it; arbiters and forced reconfigs are never marked; a
 *   config the user gives with `newlyAdded` is refused, forced or not: InvalidReplicaSetConfig (93)
 *   "Cannot provide newlyAdded field to member config during reconfig.".
 * - repl_set_config_checks.cpp ensureNoNewlyAddedMembers: replSetInitiate refuses it too.
 * - member_config.h isVoter / getPriority: a newlyAdded member is no voter and has priority 0, so
 *   repl_set_config.cpp _calculateMajorities leaves it out of votingMembersCount,
 *   majorityVoteCount, writeMajorityCount (w: "majority") and the single-node-change check.
 * - replication_coordinator_impl_heartbeat.cpp: once the primary's heartbeat shows the member
 *   SECONDARY (past initial sync), _reconfigToRemoveNewlyAddedField installs the config again with
 *   version + 1 and the mark gone (log 4634504 "Removed 'newlyAdded' config field").
 * - replset_commands.cpp CmdReplSetGetConfig: replSetGetConfig (rs.conf()) leaves the mark out
 *   unless `$_internalIncludeNewlyAdded: true` (test commands only, else InvalidOptions);
 *   local.system.replset holds it (jstests/replsets/rslib.js isMemberNewlyAdded reads it that way).
 */

async function configWithNewlyAdded(c: Cluster, host: string): Promise<Document> {
  return (await c.command(host, { replSetGetConfig: 1, $_internalIncludeNewlyAdded: true })).config as Document;
}

/** A one-member set with some data, and a second member added by replSetReconfig over a slow link (so its initial sync takes a while). */
async function addSlowMember(seed: number): Promise<{ c: Cluster; primary: string; added: string; addedVersion: number; reply: Promise<Document> }> {
  const c = new Cluster({ members: 2, seed, testCommandsEnabled: true });
  const one = c.defaultConfig();
  one.members = (one.members as Document[]).slice(0, 1);
  await c.initiate(one);
  const primary = await c.waitForPrimary(30_000);
  for (let i = 0; i < 10; i++) await c.insert(Array.from({ length: 500 }, (_, j) => ({ _id: i * 500 + j, pad: 'x'.repeat(200) })));
  await c.waitForConfigCommitted();
  const added = c.hosts[1]!;
  c.setDelay(primary, added, 300);
  const conf = (await c.command(primary, { replSetGetConfig: 1 })).config as Document;
  const addedVersion = (conf.version as number) + 1;
  const reply = c.send(primary, { replSetReconfig: { ...conf, version: addedVersion, members: [...(conf.members as Document[]), { _id: 1, host: added }] } });
  expect(await c.waitFor(() => c.running(primary).repl.config?.version === addedVersion, 10_000)).toBe(true);
  return { c, primary, added, addedVersion, reply };
}

describe('newlyAdded members (replication_coordinator_impl.cpp processReplSetReconfig, _reconfigToRemoveNewlyAddedField)', () => {
  it('an added voter is newlyAdded and not counted toward w:"majority" while in initial sync; the mark goes in a later config version once it is SECONDARY', async () => {
    const { c, primary, added, addedVersion, reply } = await addSlowMember(1301);
    expect(await c.waitFor(() => c.state(added) === 'STARTUP2', 10_000)).toBe(true);
    // w: "majority" does not wait for the member still in initial sync.
    const write = await c.insert([{ _id: 'during-initial-sync' }], { writeConcern: { w: 'majority', wtimeout: 2000 } });
    expect(write).toMatchObject({ ok: 1, n: 1 });
    expect(write).not.toHaveProperty('writeConcernError');
    const marked = await configWithNewlyAdded(c, primary);
    expect(marked.version).toBe(addedVersion);
    expect(marked.members[1]).toMatchObject({ _id: 1, host: added, newlyAdded: true, votes: 1, priority: 1 });
    // rs.conf() does not show the mark; local.system.replset does.
    const plain = (await c.command(primary, { replSetGetConfig: 1 })).config as Document;
    expect(plain.version).toBe(addedVersion);
    expect(plain.members[1]).not.toHaveProperty('newlyAdded');
    const stored = await c.command(primary, { find: 'system.replset', filter: {} }, { db: 'local' });
    expect(stored.cursor.firstBatch[0].members[1]).toMatchObject({ newlyAdded: true });
    expect(c.running(primary).recentLog().some((l) => l.id === LogIds.newlyAddedAppended.id)).toBe(true);
    // One voter (the primary): a majority of one.
    const status = await c.command(primary, { replSetGetStatus: 1 });
    expect(status).toMatchObject({ votingMembersCount: 1, writableVotingMembersCount: 1, majorityVoteCount: 1, writeMajorityCount: 1 });
    // The reconfig's wait for its config to be committed counts the primary alone: it has
    // answered while the new member is still in initial sync.
    let answered = false;
    void reply.then(() => (answered = true));
    expect(await c.waitFor(() => answered, 100)).toBe(true);
    expect(await reply).toMatchObject({ ok: 1 });
    expect(c.state(added)).toBe('STARTUP2');

    // Past initial sync: the primary's automatic reconfig removes the mark, at the next version.
    expect(await c.waitFor(() => c.state(added) === 'SECONDARY', 120_000)).toBe(true);
    expect(await c.waitFor(() => c.running(primary).repl.config?.version === addedVersion + 1, 20_000)).toBe(true);
    const unmarked = await configWithNewlyAdded(c, primary);
    expect(unmarked.members[1]).not.toHaveProperty('newlyAdded');
    expect(unmarked.term).toBe(marked.term);
    const removed = c.running(primary).recentLog().find((l) => l.id === LogIds.newlyAddedRemoved.id);
    expect(removed?.attr).toMatchObject({ memberId: 1 });
    expect(await c.command(primary, { replSetGetStatus: 1 })).toMatchObject({ votingMembersCount: 2, majorityVoteCount: 2, writeMajorityCount: 2 });
    // The new config reaches the member too.
    expect(await c.waitFor(() => c.running(added).repl.config?.version === addedVersion + 1, 20_000)).toBe(true);
    c.stopAll();
  });

  it('a user-supplied newlyAdded is refused: replSetReconfig (forced or not) and replSetInitiate, InvalidReplicaSetConfig (93)', async () => {
    const c = new Cluster({ members: 3, seed: 1302 });
    const bad = c.defaultConfig();
    (bad.members as Document[])[2]!.newlyAdded = true;
    expect(await c.command(c.hosts[0]!, { replSetInitiate: bad })).toMatchObject({
      ok: 0,
      code: 93,
      codeName: 'InvalidReplicaSetConfig',
      errmsg: `Member ${c.hosts[2]}, with _id 2, has a newlyAdded field, which is not valid for initial configuration of a replica set.`,
    });
    await c.initiate();
    const primary = await c.waitForConfigCommitted();
    const conf = (await c.command(primary, { replSetGetConfig: 1 })).config as Document;
    const members = (conf.members as Document[]).map((m, i) => (i === 1 ? { ...m, newlyAdded: true } : m));
    const errmsg = 'Cannot provide newlyAdded field to member config during reconfig.';
    expect(await c.command(primary, { replSetReconfig: { ...conf, version: (conf.version as number) + 1, members } })).toMatchObject({ ok: 0, code: 93, codeName: 'InvalidReplicaSetConfig', errmsg });
    expect(await c.command(primary, { replSetReconfig: { ...conf, version: (conf.version as number) + 1, members }, force: true })).toMatchObject({ ok: 0, code: 93, errmsg });
    expect(c.running(primary).recentLog().some((l) => l.id === LogIds.newlyAddedProvided.id)).toBe(true);
    // Without test commands the option to see the marks is refused.
    expect(await c.command(primary, { replSetGetConfig: 1, $_internalIncludeNewlyAdded: true })).toMatchObject({
      ok: 0,
      code: 72,
      codeName: 'InvalidOptions',
      errmsg: "The '$_internalIncludeNewlyAdded' option is only supported when testing commands are enabled",
    });
    c.stopAll();
  });
});
