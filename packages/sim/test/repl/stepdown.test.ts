import { describe, expect, it } from 'vitest';
import { Cluster } from '../../src/harness/cluster';

describe('replSetStepDown, replSetFreeze and losing the majority', () => {
  it('steps down, hands off to a caught-up secondary via replSetStepUp, and stays out for stepDownSecs', async () => {
    const c = new Cluster({ members: 3, seed: 31 });
    await c.initiate();
    const primary = await c.waitForPrimary(30_000);
    await c.advance(3000);
    const reply = await c.command(primary, { replSetStepDown: 60 });
    expect(reply).toMatchObject({ ok: 1 });
    expect(c.state(primary)).toBe('SECONDARY');
    const next = await c.waitForPrimary(5000);
    expect(next).not.toBe(primary);
    expect(c.running(next).repl.term).toBe(2);
    // The hand-off skips the dry run: the winner's only election in term 2 is a real one.
    expect(c.events.filter((e) => e.type === 'electionStarted' && e.host === next && e.term === 2).map((e) => e.type === 'electionStarted' && e.dryRun)).toEqual([false]);
    expect(c.running(primary).repl.frozenUntil).toBeGreaterThan(c.clock.now());
    c.stopAll();
  });

  it('without a caught-up secondary: ExceededTimeLimit (262) after secondaryCatchUpPeriodSecs, unless force', async () => {
    const c = new Cluster({ members: 3, seed: 32 });
    await c.initiate();
    const primary = await c.waitForPrimary(30_000);
    await c.advance(3000);
    for (const h of c.hosts) if (h !== primary) c.cut(primary, h);
    await c.insert([{ _id: 'only-here' }], { writeConcern: { w: 1 } });
    const started = c.clock.now();
    const refused = await c.command(primary, { replSetStepDown: 10, secondaryCatchUpPeriodSecs: 2 });
    expect(refused).toMatchObject({ ok: 0, code: 262, codeName: 'ExceededTimeLimit' });
    expect(refused.errmsg).toMatch(/^No electable secondaries caught up as of .*Please use the replSetStepDown command with the argument \{force: true\} to force node to step down\.$/);
    expect(c.clock.now() - started).toBeGreaterThanOrEqual(2000);
    expect(c.state(primary)).toBe('PRIMARY');
    const badPeriod = await c.command(primary, { replSetStepDown: 5, secondaryCatchUpPeriodSecs: 10 });
    expect(badPeriod).toMatchObject({ ok: 0, code: 2, errmsg: 'stepdown period must be longer than secondaryCatchUpPeriodSecs' });
    const forced = await c.command(primary, { replSetStepDown: 10, secondaryCatchUpPeriodSecs: 1, force: true });
    expect(forced.ok).toBe(1);
    expect(c.state(primary)).toBe('SECONDARY');
    const onSecondary = await c.command(primary, { replSetStepDown: 10 });
    expect(onSecondary).toMatchObject({ ok: 0, code: 10107, codeName: 'NotWritablePrimary', errmsg: "not primary so can't step down" });
    c.stopAll();
  });

  it('replSetFreeze refuses on a primary and keeps a secondary from standing', async () => {
    const c = new Cluster({ members: 3, seed: 33, settings: { electionTimeoutMillis: 1000 } });
    await c.initiate();
    const primary = await c.waitForPrimary(30_000);
    const onPrimary = await c.command(primary, { replSetFreeze: 30 });
    expect(onPrimary).toMatchObject({ ok: 0, code: 95, codeName: 'NotSecondary', errmsg: 'cannot freeze node when primary or running for election. state: Primary' });
    const others = c.hosts.filter((h) => h !== primary);
    for (const h of others) expect((await c.command(h, { replSetFreeze: 60 })).ok).toBe(1);
    c.kill(primary);
    await c.advance(20_000);
    expect(c.primary()).toBeUndefined();
    expect(await c.command(others[0]!, { replSetFreeze: 0 })).toMatchObject({ ok: 1, info: 'unfreezing' });
    expect(await c.waitForPrimary(10_000)).toBe(others[0]);
    c.stopAll();
  });

  it("a primary that can't see a majority steps down after the election timeout", async () => {
    const c = new Cluster({ members: 3, seed: 34 });
    await c.initiate();
    const primary = await c.waitForPrimary(30_000);
    await c.advance(3000);
    c.partition([primary], c.hosts.filter((h) => h !== primary));
    const cutAt = c.clock.now();
    await c.waitFor(() => c.state(primary) !== 'PRIMARY', 30_000);
    const after = c.clock.now() - cutAt;
    expect(after).toBeGreaterThanOrEqual(9000);
    expect(after).toBeLessThanOrEqual(16_000);
    expect(c.events.some((e) => e.type === 'stepDown' && e.host === primary && e.reason.includes("can't see a majority"))).toBe(true);
    c.stopAll();
  });

  it('a killed and restarted member keeps its term, vote, oplog and data and rejoins as SECONDARY', async () => {
    const c = new Cluster({ members: 3, seed: 35 });
    await c.initiate();
    const primary = await c.waitForPrimary(30_000);
    await c.insert([{ _id: 'kept' }], { writeConcern: { w: 'majority', wtimeout: 5000 } });
    const victim = c.hosts.find((h) => h !== primary)!;
    const before = c.persistedState(victim).oplog.length;
    c.kill(victim);
    expect(c.state(victim)).toBe('DOWN');
    await c.advance(5000);
    const status = await c.command(primary, { replSetGetStatus: 1 });
    const seen = (status.members as Array<Record<string, unknown>>).find((m) => m.name === victim)!;
    expect(seen).toMatchObject({ health: 0, state: 8, stateStr: '(not reachable/healthy)' });
    c.restart(victim);
    expect(c.persistedState(victim).oplog.length).toBeGreaterThanOrEqual(before);
    await c.advance(5000);
    expect(c.state(victim)).toBe('SECONDARY');
    expect(c.running(victim).repl.term).toBe(1);
    expect(await c.command(victim, { find: 'test', filter: { _id: 'kept' }, $readPreference: { mode: 'secondary' } }, { db: 'test' })).toMatchObject({ cursor: { firstBatch: [{ _id: 'kept' }] } });
    c.stopAll();
  });
});
