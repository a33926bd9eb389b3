import { describe, expect, it } from 'vitest';
import { Cluster } from '../../src/harness/cluster';

describe('replica-set commands', () => {
  it('before initiation: NotYetInitialized (94) for status and config', async () => {
    const c = new Cluster({ members: 3, seed: 51 });
    for (const cmd of [{ replSetGetStatus: 1 }, { replSetGetConfig: 1 }]) {
      expect(await c.command(c.hosts[0]!, cmd)).toEqual({ ok: 0, errmsg: 'no replset config has been received', code: 94, codeName: 'NotYetInitialized' });
    }
    c.stopAll();
  });

  it('initiate validates: set name, self in config, duplicates, reachable members; then AlreadyInitialized (23)', async () => {
    const c = new Cluster({ members: 3, seed: 52 });
    const h = c.hosts;
    const wrongName = await c.command(h[0]!, { replSetInitiate: { _id: 'foo', members: [{ _id: 0, host: h[0] }] } });
    expect(wrongName).toMatchObject({ ok: 0, code: 93, codeName: 'InvalidReplicaSetConfig', errmsg: 'Attempting to initiate a replica set with name foo, but command line reports rs0; rejecting' });
    const notMe = await c.command(h[0]!, { replSetInitiate: { _id: 'rs0', members: [{ _id: 0, host: h[1] }] } });
    expect(notMe).toMatchObject({ ok: 0, code: 74, errmsg: 'No host described in new configuration with {version: 1, term: 0} for replica set rs0 maps to this node' });
    const dupId = await c.command(h[0]!, { replSetInitiate: { _id: 'rs0', members: [{ _id: 0, host: h[0] }, { _id: 0, host: h[1] }] } });
    expect(dupId).toMatchObject({ ok: 0, code: 93, errmsg: 'Found two member configurations with same _id field, members.0._id == members.1._id == 0' });
    c.kill(h[2]!);
    const unreachable = await c.command(h[0]!, { replSetInitiate: c.defaultConfig() });
    expect(unreachable).toMatchObject({ ok: 0, code: 74 });
    expect(unreachable.errmsg).toMatch(/^replSetInitiate quorum check failed because not all proposed set members responded affirmatively: morton\.local:27019 failed with /);
    c.start(h[2]!);
    expect((await c.command(h[0]!, { replSetInitiate: c.defaultConfig() })).ok).toBe(1);
    expect(await c.command(h[0]!, { replSetInitiate: c.defaultConfig() })).toMatchObject({ ok: 0, errmsg: 'already initialized', code: 23, codeName: 'AlreadyInitialized' });
    c.stopAll();
  });

  it('initiate with no config uses self plus the --replSet seeds (the 2010 form)', async () => {
    const c = new Cluster({ members: 3, seed: 53, replSetName: 'foo' });
    // The harness starts members with `--replSet foo`; restart the first with seeds.
    const { Member } = await import('../../src/member/member');
    c.kill(c.hosts[0]!);
    const seeded = new Member({
      host: 'morton.local',
      port: 27017,
      replSet: `foo/${c.hosts[1]},${c.hosts[2]}`,
      clock: c.clock,
      random: c.random.fork(),
      transport: c.transport,
      persisted: c.persistedState(c.hosts[0]!),
      storage: c.storage(c.hosts[0]!),
    });
    c.network.restart(c.hosts[0]!);
    c.transport.register(c.hosts[0]!, seeded);
    const reply = await c.command(c.hosts[0]!, { replSetInitiate: {} });
    expect(reply).toMatchObject({ ok: 1, info2: 'no configuration specified. Using a default configuration for the set', me: c.hosts[0] });
    // The notes come first, as mongod (and so PyMongo's dict) prints them.
    expect(Object.keys(reply).slice(0, 3)).toEqual(['info2', 'me', 'ok']);
    const config = (await c.command(c.hosts[0]!, { replSetGetConfig: 1 })).config;
    expect(config.members.map((m: { host: string }) => m.host)).toEqual(c.hosts);
    const ok = await c.waitFor(() => [seeded.repl.state, c.state(c.hosts[1]!), c.state(c.hosts[2]!)].includes('PRIMARY'), 30_000);
    expect(ok).toBe(true);
    seeded.kill();
    c.stopAll();
  });

  it('replSetGetStatus and replSetGetConfig have mongod\'s shape', async () => {
    const c = new Cluster({ members: 3, seed: 54 });
    await c.initiate();
    const primary = await c.waitForPrimary(30_000);
    await c.advance(4000);
    const status = await c.command(primary, { replSetGetStatus: 1 });
    expect(status).toMatchObject({ ok: 1, set: 'rs0', myState: 1, heartbeatIntervalMillis: 2000, majorityVoteCount: 2, writeMajorityCount: 2, votingMembersCount: 3 });
    expect(Number(status.term)).toBe(1);
    expect(status.date).toBeInstanceOf(Date);
    expect(Object.keys(status.optimes)).toEqual(expect.arrayContaining(['lastCommittedOpTime', 'appliedOpTime', 'durableOpTime', 'readConcernMajorityOpTime']));
    const members = status.members as Array<Record<string, unknown>>;
    expect(members.map((m) => m.stateStr).sort()).toEqual(['PRIMARY', 'SECONDARY', 'SECONDARY']);
    const self = members.find((m) => m.self === true)!;
    expect(self).toMatchObject({ name: primary, health: 1, state: 1, stateStr: 'PRIMARY', configVersion: 1, configTerm: 1 });
    expect(self).toHaveProperty('electionTime');
    expect(self).toHaveProperty('optimeDate');
    const other = members.find((m) => m.self !== true)!;
    for (const key of ['lastHeartbeat', 'lastHeartbeatRecv', 'pingMs', 'syncSourceHost', 'optimeDurable', 'uptime']) expect(other).toHaveProperty(key);
    expect(other.syncSourceHost).toBe(primary);
    expect(status.electionCandidateMetrics).toMatchObject({ lastElectionReason: 'electionTimeout', numVotesNeeded: 2, priorityAtElection: 1 });
    expect(Number(status.electionCandidateMetrics.electionTerm)).toBe(1);
    expect(status.electionCandidateMetrics.wMajorityWriteAvailabilityDate).toBeInstanceOf(Date);
    const voter = await c.command(other.name as string, { replSetGetStatus: 1 });
    expect(voter).not.toHaveProperty('electionCandidateMetrics');
    expect(voter.electionParticipantMetrics).toMatchObject({ votedForCandidate: true, electionCandidateMemberId: c.hosts.indexOf(primary), voteReason: '' });
    const config = await c.command(primary, { replSetGetConfig: 1 });
    expect(config.config).toMatchObject({ _id: 'rs0', version: 1, term: 1, protocolVersion: 1, settings: { electionTimeoutMillis: 10000, heartbeatIntervalMillis: 2000, heartbeatTimeoutSecs: 10, catchUpTimeoutMillis: -1, chainingAllowed: true } });
    expect(config.config.members[0]).toEqual({ _id: 0, host: c.hosts[0], arbiterOnly: false, buildIndexes: true, hidden: false, priority: 1, tags: {}, secondaryDelaySecs: 0, votes: 1 });
    c.stopAll();
  });

  it('unknown commands answer CommandNotFound (59)', async () => {
    const c = new Cluster({ members: 1, seed: 55 });
    expect(await c.command(c.hosts[0]!, { frobnicate: 1 })).toEqual({ ok: 0, errmsg: "no such command: 'frobnicate'", code: 59, codeName: 'CommandNotFound' });
    c.stopAll();
  });
});
