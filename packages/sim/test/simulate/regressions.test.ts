import { describe, expect, it } from 'vitest';
import { Cluster } from '../../src/harness/cluster';
import { simulateRun } from '../../src/simulate/run';

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
