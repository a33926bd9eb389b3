import { Timestamp } from 'bson';
import { describe, expect, it } from 'vitest';
import { tsToBson } from '../../src/base/optime';
import { Cluster } from '../../src/harness/cluster';
import type { MemberEvent } from '../../src/repl/events';

function ofType<T extends MemberEvent['type']>(events: MemberEvent[], type: T): Extract<MemberEvent, { type: T }>[] {
  return events.filter((e): e is Extract<MemberEvent, { type: T }> => e.type === type);
}

describe('elections', () => {
  it('runs a dry run at the current term, then the real election at term+1; each voter votes once per term', async () => {
    const c = new Cluster({ members: 3, seed: 21 });
    await c.initiate();
    const primary = await c.waitForPrimary(30_000);
    const started = ofType(c.events, 'electionStarted').filter((e) => e.host === primary);
    expect(started.map((e) => [e.dryRun, e.term])).toEqual([
      [true, 0],
      [false, 1],
    ]);
    const votes = ofType(c.events, 'voteCast').filter((e) => !e.dryRun && e.granted);
    expect(votes.length).toBe(2);
    for (const host of c.hosts) {
      if (host === primary) continue;
      expect(c.persistedState(host).lastVote).toEqual({ term: 1, candidateIndex: c.hosts.indexOf(primary) });
    }
    // The primary wrote "new primary" in its term before taking writes.
    const last = c.persistedState(primary).oplog.all().find((e) => e.o.msg === 'new primary');
    expect(last?.t).toBe(1);
    c.stopAll();
  });

  it('refuses a vote to a staler candidate, with mongod\'s reason', async () => {
    const c = new Cluster({ members: 3, seed: 22 });
    await c.initiate();
    const primary = await c.waitForPrimary(30_000);
    const [b, d] = c.hosts.filter((h) => h !== primary) as [string, string];
    await c.advance(3000);
    // d misses a majority write, then the primary dies: d must not win against b.
    c.cut(primary, d);
    c.cut(b, d);
    await c.insert([{ _id: 'x' }], { writeConcern: { w: 2, wtimeout: 5000 } });
    c.kill(primary);
    c.heal(b, d);
    const reply = await c.command(b, {
      replSetRequestVotes: 1,
      setName: 'rs0',
      dryRun: true,
      term: 5,
      candidateIndex: c.hosts.indexOf(d),
      configVersion: 1,
      configTerm: 1,
      lastAppliedOpTime: { ts: tsToBson(c.persistedState(d).oplog.last()!.ts), t: 1 },
    });
    expect(reply.voteGranted).toBe(false);
    expect(reply.reason).toMatch(/^candidate's data is staler than mine\. candidate's last applied OpTime: \{ ts: Timestamp\(\d+, \d+\), t: 1 \}, my last applied OpTime: /);
    // Whoever wins has the write: d only after catching up from b.
    const next = await c.waitForPrimary(30_000);
    const found = await c.command(next, { find: 'test', filter: { _id: 'x' } }, { db: 'test' });
    expect(found.cursor.firstBatch).toEqual([{ _id: 'x' }]);
    c.stopAll();
  });

  it('refuses votes for an older term, another set name and a second candidate in one term', async () => {
    const c = new Cluster({ members: 3, seed: 23 });
    await c.initiate();
    await c.waitForPrimary(30_000);
    const voter = c.hosts[2]!;
    const base = { replSetRequestVotes: 1, setName: 'rs0', dryRun: false, configVersion: 1, configTerm: 1, lastAppliedOpTime: { ts: new Timestamp({ t: 2 ** 31 - 1, i: 1 }), t: 100 } };
    const old = await c.command(voter, { ...base, term: 0, candidateIndex: 0 });
    expect(old).toMatchObject({ voteGranted: false, reason: "candidate's term (0) is lower than mine (1)" });
    const wrongSet = await c.command(voter, { ...base, setName: 'other', term: 1, candidateIndex: 0 });
    expect(wrongSet.reason).toBe("candidate's set name (other) differs from mine (rs0)");
    const first = await c.command(voter, { ...base, term: 7, candidateIndex: 0 });
    expect(first.voteGranted).toBe(true);
    const second = await c.command(voter, { ...base, term: 7, candidateIndex: 1 });
    expect(second).toMatchObject({ voteGranted: false, reason: `already voted for another candidate (${c.hosts[0]}) this term (7)` });
    expect(c.persistedState(voter).term).toBe(7);
    c.stopAll();
  });

  it('priority 0 members never stand; a higher-priority member takes over when fresh', async () => {
    const c = new Cluster({
      members: 3,
      seed: 24,
      memberConfigs: [{ priority: 1 }, { priority: 0 }, { priority: 5 }],
      settings: { electionTimeoutMillis: 2000 },
    });
    await c.initiate();
    await c.waitFor(() => c.primary() === c.hosts[2], 60_000);
    expect(c.primary()).toBe(c.hosts[2]);
    // Kill the favourite: member 0 wins; when member 2 returns it takes over again.
    c.kill(c.hosts[2]!);
    await c.waitFor(() => c.primary() === c.hosts[0], 30_000);
    expect(c.primary()).toBe(c.hosts[0]);
    c.start(c.hosts[2]!);
    const took = await c.waitFor(() => c.primary() === c.hosts[2], 60_000);
    expect(took).toBe(true);
    expect(c.events.some((e) => e.type === 'electionStarted' && e.reason === 'priorityTakeover')).toBe(true);
    expect(c.events.some((e) => e.type === 'electionStarted' && e.host === c.hosts[1])).toBe(false);
    c.stopAll();
  });

  it('an arbiter votes but holds no data; votes:0 members do not count toward a majority', async () => {
    const c = new Cluster({ members: 3, seed: 25, memberConfigs: [{}, {}, { arbiterOnly: true }] });
    await c.initiate();
    const primary = await c.waitForPrimary(30_000);
    expect(primary).not.toBe(c.hosts[2]);
    expect(c.state(c.hosts[2]!)).toBe('ARBITER');
    await c.insert([{ _id: 1 }], { writeConcern: { w: 'majority', wtimeout: 5000 } });
    expect(c.persistedState(c.hosts[2]!).oplog.length).toBe(0);
    const other = c.hosts.find((h) => h !== primary && h !== c.hosts[2])!;
    c.kill(primary);
    expect(await c.waitForPrimary(30_000)).toBe(other);
    c.stopAll();

    const d = new Cluster({ members: 3, seed: 26, memberConfigs: [{}, { votes: 0, priority: 0 }, { votes: 0, priority: 0 }] });
    await d.initiate();
    expect(await d.waitForPrimary(30_000)).toBe(d.hosts[0]);
    // With one voter, w:majority needs only the primary.
    const r = await d.insert([{ _id: 1 }], { writeConcern: { w: 'majority', wtimeout: 1000 } });
    expect(r.writeConcernError).toBeUndefined();
    d.stopAll();
  });

  it('a one-member set elects itself at once', async () => {
    const c = new Cluster({ members: 1, seed: 27 });
    await c.initiate();
    await c.advance(100);
    expect(c.primary()).toBe(c.hosts[0]);
    c.stopAll();
  });
});
