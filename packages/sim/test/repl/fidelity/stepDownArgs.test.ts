import { describe, expect, it } from 'vitest';
import { Cluster } from '../../../src/harness/cluster';

/**
 * replSetStepDown's arguments as MongoDB 7.0 reads them (replset_commands.cpp CmdReplSetStepDown):
 * a period of 0 means 60 s, a negative one is BadValue; secondaryCatchUpPeriodSecs defaults to 10
 * (0 with force); a period shorter than the catch-up period is BadValue (2).
 */
describe('replSetStepDown: defaults and argument checks (replset_commands.cpp)', () => {
  it('checks its arguments as mongod does', async () => {
    const c = new Cluster({ members: 3, seed: 61 });
    await c.initiate();
    const primary = await c.waitForPrimary(30_000);
    await c.advance(3000);
    // 5 s is shorter than the default 10 s catch-up period: BadValue, and the primary stays.
    const short = await c.command(primary, { replSetStepDown: 5 });
    expect(short).toMatchObject({ ok: 0, code: 2, codeName: 'BadValue', errmsg: 'stepdown period must be longer than secondaryCatchUpPeriodSecs' });
    expect(c.state(primary)).toBe('PRIMARY');
    expect(await c.command(primary, { replSetStepDown: -1 })).toMatchObject({ ok: 0, code: 2, errmsg: 'stepdown period must be a positive integer' });
    expect(await c.command(primary, { replSetStepDown: 60, secondaryCatchUpPeriodSecs: -1 })).toMatchObject({ ok: 0, code: 2 });
    // With force the catch-up period defaults to 0, so 5 s is accepted.
    expect(await c.command(primary, { replSetStepDown: 5, force: true })).toMatchObject({ ok: 1 });
    expect(c.state(primary)).toBe('SECONDARY');
    c.stopAll();
  });

  it('replSetStepDown: 0 sits out 60 s, not 0', async () => {
    const c = new Cluster({ members: 3, seed: 62, memberConfigs: [{}, { priority: 0 }, { priority: 0 }] });
    await c.initiate();
    const primary = await c.waitForPrimary(30_000);
    expect(primary).toBe(c.hosts[0]);
    await c.advance(3000);
    expect(await c.command(primary, { replSetStepDown: 0, secondaryCatchUpPeriodSecs: 0, force: true })).toMatchObject({ ok: 1 });
    // The only electable member may not stand again for 60 s.
    expect(await c.waitFor(() => c.primary() !== undefined, 55_000)).toBe(false);
    expect(await c.waitFor(() => c.primary() === primary, 20_000)).toBe(true);
    c.stopAll();
  });
});
