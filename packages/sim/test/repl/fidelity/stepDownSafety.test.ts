import { describe, expect, it } from 'vitest';
import { Cluster } from '../../../src/harness/cluster';

/**
 * A non-forced replSetStepDown waits until it is safe (MongoDB 7.0 topology_coordinator.cpp
 * isSafeToStepDown): a write majority has applied everything the primary has, AND at least one
 * electable secondary has; otherwise, after secondaryCatchUpPeriodSecs, ExceededTimeLimit (262)
 * "No electable secondaries caught up as of ...". With force it steps down when the period ends
 * and hands no election off (replication_coordinator_impl.cpp stepDown: the replSetStepUp hand-off
 * is for the non-forced path).
 */
describe('replSetStepDown preconditions (isSafeToStepDown)', () => {
  it('one electable secondary caught up but not a majority: 262 until the majority catches up', async () => {
    const c = new Cluster({ members: 5, seed: 91, memberConfigs: [{ priority: 2 }] });
    await c.initiate();
    const primary = await c.waitForPrimary(30_000);
    await c.advance(3000);
    const [near, ...far] = c.hosts.filter((h) => h !== primary) as [string, ...string[]];
    // The three far members hear everything 2 s late: alive in heartbeats, behind in the oplog.
    for (const f of far) for (const h of c.hosts) if (h !== f) c.setDelay(f, h, 2000);
    await c.advance(5000);
    await c.insert([{ _id: 'new' }], { writeConcern: { w: 2, wtimeout: 5000 } });
    expect(c.running(near).repl.lastApplied).toEqual(c.running(primary).repl.lastApplied);
    const refused = await c.command(primary, { replSetStepDown: 10, secondaryCatchUpPeriodSecs: 1 });
    // Before: `near` alone was enough and the primary stepped down with 2 of 5 caught up.
    expect(refused).toMatchObject({ ok: 0, code: 262, codeName: 'ExceededTimeLimit' });
    expect(refused.errmsg).toMatch(/^No electable secondaries caught up as of /);
    expect(c.state(primary)).toBe('PRIMARY');
    const started = c.clock.now();
    const done = await c.command(primary, { replSetStepDown: 30, secondaryCatchUpPeriodSecs: 20 });
    expect(done.ok).toBe(1);
    expect(c.state(primary)).toBe('SECONDARY');
    // It waited for two of the far members to apply the primary's last entry (their links are 2 s long).
    expect(c.clock.now() - started).toBeGreaterThanOrEqual(1500);
    c.stopAll();
  });

  it('force: steps down without waiting for safety and hands no election off', async () => {
    const c = new Cluster({ members: 3, seed: 92 });
    await c.initiate();
    const primary = await c.waitForPrimary(30_000);
    await c.advance(3000);
    const reply = await c.command(primary, { replSetStepDown: 30, force: true });
    expect(reply.ok).toBe(1);
    expect(c.state(primary)).toBe('SECONDARY');
    expect(c.running(primary).recentLog().some((l) => l.msg === 'Handing off election to a caught-up secondary')).toBe(false);
    // No replSetStepUp: the next election is a normal one, with its dry run, after an election timeout.
    const next = await c.waitForPrimary(30_000);
    expect(next).not.toBe(primary);
    expect(c.events.some((e) => e.type === 'electionStarted' && e.host === next && e.dryRun)).toBe(true);
    c.stopAll();
  });
});
