import type { Document } from 'bson';
import { describe, expect, it } from 'vitest';
import { compareOpTime } from '../../src/base/optime';
import { Cluster } from '../../src/harness/cluster';
import { majorityNeedsDelayedMember, onlyNoOpsAfter, simulateRun, unsafeToWipe } from '../../src/simulate/run';
import type { OplogEntry } from '../../src/storage/oplog';

/**
 * Real bugs that `simulate` found in the simulator (docs/TESTING.md, "Finds so far"): each has the
 * seed that found it, replayed whole, and a small test of the mechanism. The seed tests fail on
 * the code before the fix (they were run there); the small ones pin down what was wrong.
 */

describe('seed 1000752: a stopped member completes no pending reconfig, initiate or write', () => {
  // mongod interrupts every operation at shutdown (a kill ends the process): an operation still
  // waiting when the member stopped fails with InterruptedAtShutdown (11600, error_codes.yml) and
  // changes nothing (replication_coordinator_impl.cpp's shutdown interrupts the reconfig's quorum
  // check). Here the persisted state outlives the process (journal off: kept in memory for the
  // restart), so a reconfig that finished after the kill wrote a "Reconfig set" entry in the dead
  // primary's old term into the oplog its restart then served: divergent history, lost
  // majority-committed writes.
  it('a reconfig whose quorum check is still out when the primary is killed fails with InterruptedAtShutdown and writes nothing', async () => {
    const c = new Cluster({ members: 3, seed: 7 });
    await c.initiate();
    const primary = await c.waitForPrimary(30_000);
    expect(await c.waitForConfigCommitted()).toBe(primary);
    const member = c.running(primary);
    const oplogBefore = c.persistedState(primary).oplog.all().length;
    const versionBefore = member.repl.config!.version;
    // As in the seed: one secondary answers the quorum check at once, the other never gets its
    // heartbeat (a one-way cut), so the check ends at the heartbeat timeout (10 s), long after
    // the kill, with a majority that answered.
    const lost = c.hosts.filter((h) => h !== primary)[1]!;
    c.cut(primary, lost, true);
    const doc = member.repl.configDocument().config as Record<string, unknown>;
    const outcome = member.repl.reconfig({ ...doc, version: versionBefore + 1 }, false).then(
      (reply) => ({ ok: reply }),
      (error: unknown) => ({ error: error as { code?: number; codeName?: string } }),
    );
    await c.advance(100);
    c.kill(primary);
    await c.advance(12_000);
    const result = await outcome;
    expect(result).toMatchObject({ error: { code: 11600, codeName: 'InterruptedAtShutdown' } });
    const persisted = c.persistedState(primary);
    expect(persisted.config!.version).toBe(versionBefore);
    expect(persisted.oplog.all().length).toBe(oplogBefore);
    expect(persisted.oplog.all().some((e) => (e.o as { msg?: string }).msg === 'Reconfig set')).toBe(false);
    c.stopAll();
  });

  it('a stopped primary takes no write and no initiate: InterruptedAtShutdown', async () => {
    const c = new Cluster({ members: 3, seed: 7 });
    await c.initiate();
    const primary = await c.waitForPrimary(30_000);
    const member = c.running(primary);
    const before = c.persistedState(primary).oplog.all().length;
    c.kill(primary);
    expect(() => member.repl.logOps([{ op: 'i', ns: 'test.c', o: { _id: 1 } }])).toThrow(expect.objectContaining({ code: 11600 }));
    expect(c.persistedState(primary).oplog.all().length).toBe(before);

    // replSetInitiate killed during its quorum check (every proposed member must answer).
    const fresh = new Cluster({ members: 3, seed: 8 });
    const [h0, ...others] = fresh.hosts as [string, ...string[]];
    const first = fresh.running(h0);
    for (const h of others) fresh.setDelay(h0, h, 500);
    const initiated = first.repl.initiate(fresh.defaultConfig()).then(
      (reply) => ({ ok: reply }),
      (error: unknown) => ({ error: error as { code?: number } }),
    );
    // Killed while its heartbeats are on the way and restarted before the answers come back: the
    // answers reach the restarted process's address, and the dead one's check would succeed.
    await fresh.advance(100);
    fresh.kill(h0);
    await fresh.advance(100);
    fresh.start(h0);
    await fresh.advance(2_000);
    expect(await initiated).toMatchObject({ error: { code: 11600 } });
    expect(fresh.persistedState(h0).config).toBeUndefined();
    expect(fresh.persistedState(h0).oplog.all().length).toBe(0);
    c.stopAll();
    fresh.stopAll();
  });

  it('seed 1000752 (kill -9 of the primary during a replSetReconfig, journal off) passes every checker', async () => {
    const r = await simulateRun(1000752);
    expect(r.violations).toEqual([]);
  }, 120_000);
});

describe('seed 1000796: the wipe nemesis resyncs a member behind the commit point', () => {
  // Resyncing (MongoDB's "Resync a Member of a Replica Set": stop, empty the dbpath, start) makes
  // a member forget its data. That can lose a majority-committed write only if the member holds
  // the commit point — it may be one of the majority holding it. A member behind the commit point
  // (here RECOVERING, too stale: it fell off the others' capped oplog, as mongod's "too stale to
  // catch up") holds no committed write the others lack; refusing to resync it left the seed's
  // set unconverged although an operator would, and should, resync it.
  async function twoVoters(stale: boolean): Promise<{ c: Cluster; primary: string; behind: string }> {
    const c = new Cluster({ members: 3, seed: 11, parameters: { oplogEntriesMax: 40 } });
    await c.initiate();
    const primary = await c.waitForPrimary(30_000);
    // A safe reconfig needs the step-up config on a majority first (CurrentConfigNotCommittedYet).
    expect(await c.waitForConfigCommitted()).toBe(primary);
    const [behind, other] = c.hosts.filter((h) => h !== primary) as [string, string];
    if (stale) c.partition([behind], [primary, other]);
    for (let i = 0; i < 80; i++) {
      const reply = await c.insert([{ _id: i }], { host: primary, writeConcern: { w: 'majority', wtimeout: 5000 } });
      expect(reply.writeConcernError).toBeUndefined();
    }
    c.healAll();
    if (stale) expect(await c.waitFor(() => c.state(behind) === 'RECOVERING', 30_000)).toBe(true);
    else await c.waitFor(() => compareOpTime(c.running(behind).repl.lastDurable, c.running(primary).repl.commitPoint) >= 0, 30_000);
    // `other` stops voting: the voters are the primary and `behind`, a majority is both.
    const config = c.running(primary).repl.configDocument().config as Document;
    const members = (config.members as Document[]).map((m) => (m.host === other ? { ...m, votes: 0, priority: 0 } : { ...m }));
    const version = Number(config.version) + 1;
    const reply = await c.command(primary, { replSetReconfig: { ...config, version, members, term: undefined }, maxTimeMS: 5000 });
    // The new config takes effect at once; the reply waits for it to be committed, which a voter
    // too stale to ever hold the previous commit point cannot give (awaitConfigCommitment).
    if (stale) expect(reply).toMatchObject({ ok: 0, codeName: 'MaxTimeMSExpired' });
    else expect(reply).toMatchObject({ ok: 1 });
    expect(c.running(primary).repl.config!.version).toBe(version);
    await c.advance(2_000);
    return { c, primary, behind };
  }

  it('a too-stale member behind the commit point may be wiped although the other voters alone are no majority', async () => {
    const { c, behind, primary } = await twoVoters(true);
    expect(compareOpTime(c.running(behind).repl.lastDurable, c.running(primary).repl.commitPoint)).toBeLessThan(0);
    expect(unsafeToWipe(c, behind)).toBeUndefined();
    c.stopAll();
  }, 60_000);

  it('a member holding the commit point may not be wiped when the other voters alone are no majority', async () => {
    const { c, behind } = await twoVoters(false);
    expect(unsafeToWipe(c, behind)).toMatch(/holds the commit point and only 1 voters other than it hold the commit point durably \(a majority is 2\)/);
    c.stopAll();
  }, 60_000);

  it('seed 1000796 (a RECOVERING member in a two-voter set at the end of the run) converges and passes every checker', async () => {
    const r = await simulateRun(1000796);
    expect(r.violations).toEqual([]);
  }, 120_000);
});

describe('seed 1000426: no rollback past the point where initial sync made the data consistent', () => {
  // A wiped member finished initial sync, then had to roll back to the clone's start, before its
  // initial data point (initialDataOpTime); undoing into the cloned data left it with other data
  // than the rest of the set. Unit tests: test/repl/topology/topology.test.ts (the rule) and
  // test/storage/journal.test.ts (the point survives a restart).
  it('seed 1000426 (a wipe, then a partition soon after its initial sync) converges to the same data everywhere', async () => {
    const r = await simulateRun(1000426);
    expect(r.violations).toEqual([]);
  }, 120_000);
});

describe('seed 2000300: the invariant monitor with capped oplogs that start at different entries', () => {
  // A checker's false violation, not the simulator's: see test/simulate/checkers/invariants.test.ts.
  it('seed 2000300 (oplogs capped at 40 entries, the primary killed early) breaks no invariant', async () => {
    const r = await simulateRun(2000300);
    expect(r.violations).toEqual([]);
  }, 120_000);
});

describe('seed 1000140: a delayed member whose clock is behind the primary\'s converges', () => {
  // A checker's false violation, not the simulator's: a delayed member applies an entry once its
  // timestamp is secondaryDelaySecs behind the member's own clock (oplog_batcher.cpp
  // _calculateSecondaryDelaySecsLatestTimestamp); with that clock 28 s behind the primary's, it
  // never holds the primary's newest periodic no-op (one every 10 s), on mongod too. The
  // convergence check now wants every entry but trailing no-ops on a delayed member.
  it('seed 1000140 (a hidden member delayed 2 s, clocks 28 s apart) converges and breaks no invariant', async () => {
    const r = await simulateRun(1000140);
    expect(r.plan.memberConfigs.some((m) => Number(m.secondaryDelaySecs) > 0)).toBe(true);
    expect(r.violations).toEqual([]);
  }, 120_000);
});

describe('seed 1001831: a delayed member that applied a rolled-back entry has not converged', () => {
  // A checker's false "members hold different data", not the simulator's. A deposed primary (its
  // term 3 won while the bridge partition cut it off the term-2 primary) wrote its "new primary"
  // no-op; the delayed member fetched it before that primary rolled it back and applied it late.
  // Optimes order by term first (MongoDB's OpTime), so that term-3 entry sorted after the term-2
  // primary's last write, which the delayed member lacked: the old rule (last optime at or after
  // the primary's last data entry) called it converged before its rollback. It now must hold the
  // primary's last data entry itself and end on an entry of the primary's history.
  it('seed 1001831 (a hidden member delayed 5 s, a step-down, then a bridge partition) converges to the same data everywhere', async () => {
    const r = await simulateRun(1001831);
    expect(r.plan.memberConfigs.some((m) => Number(m.secondaryDelaySecs) > 0)).toBe(true);
    expect(r.violations).toEqual([]);
  }, 120_000);
});

describe('seeds 1001669, 1005118: a delayed voter needed for the majority keeps trailing no-ops uncommitted', () => {
  // A checker's false "did not converge", not the simulator's: after the votes nemesis took a
  // voter's vote, the voters were the primary and a delayed member whose clock runs behind the
  // primary's. The commit point (the newest optime durable on a majority of voters,
  // topology_coordinator.cpp updateLastCommittedOpTimeAndWallTime) then trails by the member's
  // delay, longer than the periodic no-op interval (periodic_noop_writer.cpp), so it never reaches
  // the newest no-op, on mongod too. Converged now allows only no-ops after the commit point, and
  // only with a delayed voter.
  it('onlyNoOpsAfter: the point must be in the oplog with nothing but no-ops after it', () => {
    const e = (ts: number, op: 'n' | 'i'): OplogEntry => ({ op, ns: op === 'n' ? '' : 'db.c', o: {}, ts, t: 1, wallMillis: 0 }) as OplogEntry;
    const oplog = [e(1, 'i'), e(2, 'i'), e(3, 'n'), e(4, 'n')];
    expect(onlyNoOpsAfter(oplog, { ts: 2, t: 1 })).toBe(true);
    expect(onlyNoOpsAfter(oplog, { ts: 3, t: 1 })).toBe(true);
    expect(onlyNoOpsAfter(oplog, { ts: 1, t: 1 })).toBe(false);
    expect(onlyNoOpsAfter(oplog, { ts: 2, t: 2 })).toBe(false);
  });

  it('majorityNeedsDelayedMember: only when the voters without a delay are fewer than a write majority', () => {
    const m = (votes: number, secondaryDelaySecs = 0, arbiterOnly = false) => ({ votes, secondaryDelaySecs, arbiterOnly });
    // The seeds' config after the votes nemesis: primary, non-voter, delayed voter.
    expect(majorityNeedsDelayedMember([m(1), m(0), m(1, 5)])).toBe(true);
    // Before it: two voters without a delay are a majority of three.
    expect(majorityNeedsDelayedMember([m(1), m(1), m(1, 5)])).toBe(false);
    expect(majorityNeedsDelayedMember([m(1), m(1), m(1)])).toBe(false);
    // An arbiter votes but holds no data: the write majority is at most the data-bearing voters.
    expect(majorityNeedsDelayedMember([m(1), m(1, 0, true), m(1, 5)])).toBe(true);
    // A newlyAdded member is no voter yet (member_config.h isVoter): primary, newlyAdded, delayed voter.
    expect(majorityNeedsDelayedMember([m(1), { ...m(1), newlyAdded: true as const }, m(1, 5)])).toBe(true);
  });

  for (const seed of [1001669, 1005118]) {
    it(`seed ${seed} (a votes reconfig leaves a delayed member in every majority) converges and passes every checker`, async () => {
      const r = await simulateRun(seed);
      expect(r.plan.memberConfigs.some((m) => Number(m.secondaryDelaySecs) > 0)).toBe(true);
      expect(r.violations).toEqual([]);
    }, 120_000);
  }
});

describe('seed 1000617: a too-stale delayed member is resynced once it is safe, and converges after', () => {
  // Two harness faults, not the simulator's. (1) The end-of-run resync decided at one instant and
  // found "no primary": with electionTimeoutMillis 1000 under heartbeatIntervalMillis 2000 and the
  // RECOVERING member the primary's only other voter (a votes reconfig took the third member's
  // vote; a RECOVERING member without a sync source sends no replSetUpdatePosition), the primary
  // marks it down an election timeout after each heartbeat reply and steps down
  // (topology_coordinator.cpp checkMemberTimeouts; memberdata.cpp setUpValues refreshes lastUpdate
  // only on a reply), then wins again with its vote: 43 elections. An operator waits for a moment
  // with a primary; so does the harness now. (2) The resynced delayed member's oplog starts at its
  // initial sync, after the primary's last write: holding that write's entry is not required, a
  // last entry of the primary's at or after it is.
  it('seed 1000617 (a 0.5x clock on a hidden delayed member, a votes reconfig, oplogs of 40 entries) converges and passes every checker', async () => {
    const r = await simulateRun(1000617);
    expect(r.plan.oplogEntriesMax).toBe(40);
    expect(r.violations).toEqual([]);
    expect(r.checkers.find((x) => x.checker === 'invariants')?.notes ?? []).not.toContainEqual(expect.stringMatching(/not resynced/));
  }, 120_000);
});

describe('seed 1003553: no wipe of a secondary that holds entries it may have reported and too few others hold', () => {
  // A harness rule, not the simulator's: the nemesis wiped n27019 while it held, and had just
  // reported (updatePosition), a retryable push that only the primary also held. The report
  // arrived after the wipe, the primary committed the push and acknowledged w:"majority", and
  // n27018, which never had it, was elected next: the push was lost. mongod does the same with a
  // report from a member an operator has since wiped; MongoDB promises w:"majority" writes that
  // are durable on a majority, and the wipe destroyed one of the two copies. unsafeToWipe now wants
  // a majority of the other voters to hold what a wiped secondary holds, not only the commit point.
  it('a secondary ahead of the commit point, whose report is still on its way, may not be wiped while the third member lacks its entries', async () => {
    const c = new Cluster({ members: 3, seed: 13 });
    await c.initiate();
    const primary = await c.waitForPrimary(30_000);
    expect(await c.waitForConfigCommitted()).toBe(primary);
    const [ahead, behind] = c.hosts.filter((h) => h !== primary) as [string, string];
    const reply = await c.insert([{ _id: 0 }], { host: primary, writeConcern: { w: 'majority', wtimeout: 5000 } });
    expect(reply.writeConcernError).toBeUndefined();
    await c.advance(500);
    expect(unsafeToWipe(c, ahead)).toBeUndefined();
    // `behind` hears nothing more; `ahead`'s reports to the primary take 3 s.
    c.partition([behind], [primary, ahead]);
    c.setDelay(ahead, primary, 3_000, true);
    await c.insert([{ _id: 1 }], { host: primary, writeConcern: { w: 1 } });
    await c.advance(200);
    const p = c.running(primary).repl;
    const a = c.running(ahead).repl;
    // The push is on the primary and on `ahead`, durably; the primary has not heard so yet.
    expect(compareOpTime(a.lastDurable, p.commitPoint)).toBeGreaterThan(0);
    expect(compareOpTime(c.running(behind).repl.lastDurable, p.commitPoint)).toBeGreaterThanOrEqual(0);
    expect(unsafeToWipe(c, ahead)).toMatch(/only 1 voters other than it hold its last durable entry .* \(a majority is 2\)/);
    c.stopAll();
  }, 60_000);

  it('seed 1003553 (wipes of secondaries one after the other, kills of a majority) loses no acknowledged write', async () => {
    const r = await simulateRun(1003553);
    expect(r.violations).toEqual([]);
  }, 300_000);
});

describe('seeds 1004630, 1007642: a clean shutdown just after an initial sync checkpoints', () => {
  // The checkpoint went back to the commit point, before initial sync's begin entry, whose effect
  // came by the clone and cannot be undone. Unit test and mongod's rule: test/storage/journal.test.ts
  // ("Journal checkpoints after an initial sync").
  it.each([1004630, 1007642])('seed %i (a wipe, then kill -15 of the wiped member before the set commits its begin entry) keeps its journal', async (seed) => {
    const r = await simulateRun(seed);
    expect(r.violations).toEqual([]);
  }, 300_000);
});
