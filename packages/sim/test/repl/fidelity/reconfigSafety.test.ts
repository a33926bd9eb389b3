import { describe, expect, it } from 'vitest';
import type { Document } from 'bson';
import { Cluster } from '../../../src/harness/cluster';
import { LogIds } from '../../../src/log/ids';

/**
 * Safe reconfig as MongoDB 7.0 does it (replication_coordinator_impl.cpp _doReplSetReconfig and
 * awaitConfigCommitment, repl_set_config_checks.cpp validateConfigForReconfig /
 * validateSingleNodeChange; jstests/replsets/reconfig_waits_for_a_majority_to_replicate_config.js):
 * - while another reconfig installs its config: ConfigurationInProgress (109) "Cannot run
 *   replSetReconfig because the node is currently updating its configuration";
 * - a current config that a majority of voters does not report yet: CurrentConfigNotCommittedYet
 *   (308) "Cannot run replSetReconfig because the current config: {version: V, term: T} is not
 *   majority committed.";
 * - the command itself waits for its config to be committed; with maxTimeMS it gives up with
 *   MaxTimeMSExpired, the config installed;
 * - at most one voter added or removed (by member _id) per non-force reconfig:
 *   NewReplicaSetConfigurationIncompatible (103) "Non force replica set reconfig can only add or
 *   remove at most 1 voting member." — newlyAdded members are no voters there, so new members
 *   may come several at once (test/repl/fidelity/newlyAdded.test.ts for the mark itself);
 * - a safe reconfig only on a writable primary; `force: true` is accepted on a secondary, with the
 *   version raised by 10,000 + a random amount below 100,000 over max(old, new) and term -1.
 */

async function currentConfig(c: Cluster, host: string): Promise<Document> {
  return (await c.command(host, { replSetGetConfig: 1 })).config as Document;
}

function withPriority(config: Document, index: number, priority: number): Document {
  const members = (config.members as Document[]).map((m, i) => (i === index ? { ...m, priority } : m));
  return { ...config, version: (config.version as number) + 1, members };
}

describe('reconfig safety (replication_coordinator_impl.cpp _doReplSetReconfig, awaitConfigCommitment)', () => {
  it('a second reconfig while the first installs its config: ConfigurationInProgress (109); while it is not yet committed: 308', async () => {
    const c = new Cluster({ members: 3, seed: 401 });
    await c.initiate();
    const primary = await c.waitForConfigCommitted();
    const config = await currentConfig(c, primary);
    const first = c.send(primary, { replSetReconfig: withPriority(config, 1, 2) });
    // Same instant: the first is in its quorum check.
    const during = await c.command(primary, { replSetReconfig: withPriority(config, 2, 2) });
    expect(during).toMatchObject({
      ok: 0,
      code: 109,
      codeName: 'ConfigurationInProgress',
      errmsg: 'Cannot run replSetReconfig because the node is currently updating its configuration',
    });
    // Once installed, the new config has not been reported back by the secondaries yet (their
    // next heartbeat replies say so): another reconfig is refused until then.
    const installedVersion = (config.version as number) + 1;
    expect(await c.waitFor(() => c.running(primary).repl.config?.version === installedVersion, 5000)).toBe(true);
    const term = c.running(primary).repl.term;
    const early = await c.command(primary, { replSetReconfig: { ...withPriority(config, 2, 2), version: installedVersion + 1 } });
    expect(early).toMatchObject({
      ok: 0,
      code: 308,
      codeName: 'CurrentConfigNotCommittedYet',
      errmsg: `Cannot run replSetReconfig because the current config: {version: ${installedVersion}, term: ${term}} is not majority committed.`,
    });
    // The first reconfig answers once its config is committed; then the next one goes through.
    let answered = false;
    void first.then(() => (answered = true));
    expect(await c.waitFor(() => answered, 30_000)).toBe(true);
    expect(await first).toMatchObject({ ok: 1 });
    expect(c.running(primary).repl.configCommitted).toBe(true);
    const later = await c.command(primary, { replSetReconfig: { ...withPriority(config, 2, 2), version: installedVersion + 1 } });
    expect(later).toMatchObject({ ok: 1 });
    c.stopAll();
  });

  it('replSetReconfig waits for its config to reach a majority; maxTimeMS ends the wait with MaxTimeMSExpired, the config installed', async () => {
    const c = new Cluster({ members: 3, seed: 402, settings: { electionTimeoutMillis: 60_000 } });
    await c.initiate();
    const primary = await c.waitForConfigCommitted(120_000);
    const config = await currentConfig(c, primary);
    const next = withPriority(config, 1, 2);
    const pending = c.send(primary, { replSetReconfig: next, maxTimeMS: 3000 });
    // The quorum check passed and the config is in use; the secondaries die before the primary
    // hears that they have it.
    expect(await c.waitFor(() => c.running(primary).repl.config?.version === next.version, 5000)).toBe(true);
    for (const h of c.hosts.filter((x) => x !== primary)) c.kill(h);
    let answered = false;
    void pending.then(() => (answered = true));
    expect(await c.waitFor(() => answered, 10_000)).toBe(true);
    const reply = await pending;
    expect(reply).toMatchObject({ ok: 0, code: 50, codeName: 'MaxTimeMSExpired' });
    expect(reply.errmsg).toBe(
      `Current config with {version: ${next.version}, term: ${c.running(primary).repl.term}} has not yet propagated to a majority of nodes :: caused by :: operation exceeded time limit`,
    );
    expect(c.running(primary).repl.config?.version).toBe(next.version);
    c.stopAll();
  });

  it('taking the votes of two: NewReplicaSetConfigurationIncompatible (103); a vote given plus a new voter, or two new voters at once, are allowed (new voters are newlyAdded)', async () => {
    const c = new Cluster({ members: 5, seed: 403 });
    const three = c.defaultConfig();
    three.members = [...(three.members as Document[]).slice(0, 3), { _id: 3, host: c.hosts[3], votes: 0, priority: 0 }];
    await c.initiate(three);
    const primary = await c.waitForConfigCommitted();
    const config = await currentConfig(c, primary);
    const message = 'Non force replica set reconfig can only add or remove at most 1 voting member.';
    const secondaries = (config.members as Document[]).filter((m) => m.host !== primary && m.votes === 1).map((m) => m._id as number);
    const twoSilenced = { ...config, version: config.version + 1, members: (config.members as Document[]).map((m) => (secondaries.includes(m._id as number) ? { ...m, votes: 0, priority: 0 } : m)) };
    expect(await c.command(primary, { replSetReconfig: twoSilenced })).toMatchObject({ ok: 0, code: 103, codeName: 'NewReplicaSetConfigurationIncompatible', errmsg: message });
    // A member already in the config that gets a vote is no newlyAdded member: it counts at once.
    const twoGiven = {
      ...config,
      version: config.version + 1,
      members: [...(config.members as Document[]).map((m) => (m._id === 3 ? { ...m, votes: 1, priority: 1 } : m)), { _id: 4, host: c.hosts[4], votes: 1 }],
    };
    // _id 3 gains a vote (a voter at once), _id 4 is new (newlyAdded): one voter more, allowed.
    expect(await c.command(primary, { replSetReconfig: twoGiven })).toMatchObject({ ok: 1 });
    c.stopAll();

    // repl_set_config_checks.cpp validateSingleNodeChange counts votingMembers(), which leaves
    // newlyAdded members out (member_config.h isVoter): two new voters in one reconfig are both
    // newlyAdded, so the voters do not change yet.
    const d = new Cluster({ members: 5, seed: 405 });
    const first = d.defaultConfig();
    first.members = (first.members as Document[]).slice(0, 3);
    await d.initiate(first);
    const p = await d.waitForConfigCommitted();
    const conf = await currentConfig(d, p);
    const twoAdded = { ...conf, version: conf.version + 1, members: [...conf.members, { _id: 3, host: d.hosts[3] }, { _id: 4, host: d.hosts[4] }] };
    expect(await d.command(p, { replSetReconfig: twoAdded })).toMatchObject({ ok: 1 });
    const appended = d.running(p).recentLog().find((l) => l.id === LogIds.newlyAddedAppended.id);
    const installed = appended?.attr?.newConfigObj as Document;
    expect(installed.version).toBe(twoAdded.version);
    expect((installed.members as Document[]).map((m) => m.newlyAdded)).toEqual([undefined, undefined, undefined, true, true]);
    d.stopAll();
  });

  it('a safe reconfig on a secondary is NotWritablePrimary; force: true there is accepted with a version far ahead and term -1', async () => {
    const c = new Cluster({ members: 3, seed: 404 });
    await c.initiate();
    const primary = await c.waitForConfigCommitted();
    const secondary = c.hosts.find((h) => h !== primary)!;
    expect(await c.waitFor(() => c.running(secondary).repl.config?.term === c.running(primary).repl.config?.term, 10_000)).toBe(true);
    const config = await currentConfig(c, secondary);
    const next = withPriority(config, 0, 5);
    expect(await c.command(secondary, { replSetReconfig: next })).toMatchObject({
      ok: 0,
      code: 10107,
      errmsg: 'Safe reconfig is only allowed on a writable PRIMARY. Current state is SECONDARY',
    });
    const forced = await c.command(secondary, { replSetReconfig: next, force: true });
    expect(forced).toMatchObject({ ok: 1 });
    const installed = await currentConfig(c, secondary);
    const floor = Math.max(config.version as number, next.version as number);
    expect(installed.version).toBeGreaterThanOrEqual(floor + 10_000);
    expect(installed.version).toBeLessThan(floor + 110_000);
    expect(installed.term).toBe(-1);
    expect(installed.members[0].priority).toBe(5);
    c.stopAll();
  });
});
