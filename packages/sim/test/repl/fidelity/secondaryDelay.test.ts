import { describe, expect, it } from 'vitest';
import type { Document } from 'bson';
import { Cluster } from '../../../src/harness/cluster';

/**
 * A delayed member (secondaryDelaySecs), as MongoDB 7.0 has it:
 * - oplog_batcher.cpp OplogBatcher::_calculateSecondaryDelaySecsLatestTimestamp: an entry joins a
 *   batch only once its timestamp is at most now - secondaryDelaySecs (the member's clock);
 * - topology_coordinator.cpp fillHelloForReplSet: members with a delay are left out of hello's
 *   hosts/passives (hidden or not); hello_response.cpp: the member's own hello says
 *   `secondaryDelaySecs`;
 * - member_config.cpp: "priority must be 0 when secondaryDelaySecs is used" (replSetInitiate returns
 *   it as InvalidReplicaSetConfig, 93); the manual (Delayed Replica Set Members) also recommends
 *   hidden: true;
 * - replSetGetStatus shows the lag: the delayed member's optimeDate trails the primary's.
 */

const DELAY_SECS = 60;

async function delayedSet(seed: number): Promise<{ c: Cluster; delayed: string }> {
  const c = new Cluster({ members: 3, seed, memberConfigs: [{ priority: 2 }, {}, { priority: 0, secondaryDelaySecs: DELAY_SECS }] });
  await c.initiate();
  await c.waitForPrimary(60_000);
  return { c, delayed: c.hosts[2]! };
}

async function idsOn(c: Cluster, host: string): Promise<unknown[]> {
  const found = await c.command(host, { find: 'test', filter: {}, $readPreference: { mode: 'secondaryPreferred' } }, { db: 'test' });
  return (found.cursor.firstBatch as Document[]).map((d) => d._id);
}

describe('secondaryDelaySecs (oplog_batcher.cpp, topology_coordinator.cpp fillHelloForReplSet)', () => {
  it('the delayed member applies a write only once it is secondaryDelaySecs old; the others at once', async () => {
    const { c, delayed } = await delayedSet(501);
    const other = c.hosts[1]!;
    const reply = await c.insert([{ _id: 'x' }], { writeConcern: { w: 2, wtimeout: 10_000 } });
    expect(reply.writeConcernError).toBeUndefined();
    expect(await idsOn(c, other)).toEqual(['x']);
    await c.advance((DELAY_SECS - 10) * 1000);
    expect(await idsOn(c, delayed)).toEqual([]);
    expect(c.state(delayed)).toBe('SECONDARY');
    await c.advance(15_000);
    expect(await idsOn(c, delayed)).toEqual(['x']);
    c.stopAll();
  });

  it('w: 3 waits for the delay (the delayed member acknowledges late)', async () => {
    const { c } = await delayedSet(502);
    const early = await c.insert([{ _id: 'y' }], { writeConcern: { w: 3, wtimeout: 20_000 } });
    expect(early.writeConcernError).toMatchObject({ code: 64, errInfo: { wtimeout: true } });
    const late = await c.insert([{ _id: 'z' }], { writeConcern: { w: 3, wtimeout: (DELAY_SECS + 20) * 1000 }, timeoutMillis: 120_000 });
    expect(late).toMatchObject({ ok: 1, n: 1 });
    expect(late.writeConcernError).toBeUndefined();
    c.stopAll();
  });

  it('hello leaves the delayed member out (though not hidden) and the member says its delay; replSetGetStatus shows its lag', async () => {
    const { c, delayed } = await delayedSet(503);
    const primary = c.primary()!;
    await c.insert([{ _id: 1 }]);
    await c.advance(3 * DELAY_SECS * 1000);
    const hello = await c.command(primary, { hello: 1 });
    expect(hello.hosts).not.toContain(delayed);
    expect(hello.passives ?? []).not.toContain(delayed);
    expect(hello.hosts).toEqual(expect.arrayContaining(c.hosts.slice(0, 2)));
    const own = await c.command(delayed, { hello: 1 });
    expect(own).toMatchObject({ secondary: true, secondaryDelaySecs: DELAY_SECS });
    expect(own.hidden).toBeUndefined();
    const status = await c.command(primary, { replSetGetStatus: 1 });
    const byName = new Map((status.members as Document[]).map((m) => [m.name as string, m]));
    const lagSecs = ((byName.get(primary)!.optimeDate as Date).getTime() - (byName.get(delayed)!.optimeDate as Date).getTime()) / 1000;
    // The primary writes a no-op every 10 s (periodicNoopIntervalSecs): the delayed member trails
    // it by about the delay.
    expect(lagSecs).toBeGreaterThanOrEqual(DELAY_SECS - 12);
    expect(lagSecs).toBeLessThanOrEqual(DELAY_SECS + 12);
    c.stopAll();
  });

  it('a delayed member must have priority 0: InvalidReplicaSetConfig (93) "priority must be 0 when secondaryDelaySecs is used"', async () => {
    const c = new Cluster({ members: 3, seed: 504 });
    const config = c.defaultConfig();
    config.members[2] = { ...config.members[2], secondaryDelaySecs: 3600 };
    const reply = await c.command(c.hosts[0]!, { replSetInitiate: config });
    expect(reply).toMatchObject({ ok: 0, code: 93, codeName: 'InvalidReplicaSetConfig', errmsg: 'priority must be 0 when secondaryDelaySecs is used' });
    c.stopAll();
  });
});
