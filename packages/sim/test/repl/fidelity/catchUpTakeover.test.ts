import type { Document } from 'bson';
import { describe, expect, it } from 'vitest';
import { Cluster } from '../../../src/harness/cluster';

/**
 * Catch-up takeover (topology_coordinator.cpp _updatePrimaryFromHBDataV1 and
 * _amIFreshEnoughForCatchupTakeover; replication_coordinator_impl_heartbeat.cpp
 * HeartbeatResponseAction::CatchupTakeover; the manual's replica set configuration page,
 * settings.catchUpTakeoverDelayMillis): a secondary fresher than a new primary that is still
 * catching up stands after catchUpTakeoverDelayMillis, as jstests/replsets/catchup_takeover_*.js
 * drive it — the new primary cannot catch up because its oplog fetcher is held by the
 * stopReplProducer fail point (bgsync.cpp).
 */

/** Five members; `b` alone has the last write of the old primary `a`, which then dies. A staler member wins. */
async function staleWinner(settings: Document): Promise<{ c: Cluster; b: string; winner: string }> {
  const c = new Cluster({ members: 5, seed: 131, testCommandsEnabled: true, settings });
  await c.initiate();
  const a = await c.waitForPrimary(60_000);
  await c.advance(3000);
  const [b, ...rest] = c.hosts.filter((h) => h !== a) as [string, ...string[]];
  for (const h of rest) {
    c.cut(a, h);
    c.cut(b, h);
  }
  const w2 = await c.insert([{ _id: 'on-a-and-b' }], { writeConcern: { w: 2, wtimeout: 5000 } });
  expect(w2.writeConcernError).toBeUndefined();
  // b may not stand in the election that follows, only later; the others cannot catch up.
  expect((await c.command(b, { replSetFreeze: 20 })).ok).toBe(1);
  for (const h of rest) expect((await c.command(h, { configureFailPoint: 'stopReplProducer', mode: 'alwaysOn' }, { db: 'admin' })).ok).toBe(1);
  c.kill(a);
  c.healAll();
  // Elected but never writable: waitForPrimary waits for a writable one.
  expect(await c.waitFor(() => rest.some((h) => c.state(h) === 'PRIMARY'), 60_000)).toBe(true);
  const winner = rest.find((h) => c.state(h) === 'PRIMARY')!;
  return { c, b, winner };
}

describe('catch-up takeover (catchUpTakeoverDelayMillis)', () => {
  it('the fresher secondary takes over a primary stuck in catch-up after catchUpTakeoverDelayMillis, with reason catchupTakeover', async () => {
    const { c, b, winner } = await staleWinner({ catchUpTakeoverDelayMillis: 30_000 });
    const electedAt = c.clock.now();
    // Still catching up: the winner takes no writes and says it is not writable.
    expect((await c.command(winner, { hello: 1 })).isWritablePrimary).toBe(false);
    expect(await c.waitFor(() => c.state(b) === 'PRIMARY', 90_000)).toBe(true);
    // Not before the delay: the takeover was armed on a heartbeat from the new primary.
    expect(c.clock.now() - electedAt).toBeGreaterThanOrEqual(30_000);
    expect(c.events.some((e) => e.type === 'electionStarted' && e.host === b && e.reason === 'catchupTakeover' && !e.dryRun)).toBe(true);
    const status = await c.command(b, { replSetGetStatus: 1 }, { db: 'admin' });
    expect((status.electionCandidateMetrics as Document).lastElectionReason).toBe('catchupTakeover');
    await c.waitFor(() => c.state(winner) === 'SECONDARY', 10_000);
    expect(c.state(winner)).toBe('SECONDARY');
    // The write only b had is kept: b's term starts from it.
    expect(c.storage(b).documents('test', 'test').find((d) => d._id === 'on-a-and-b')).toEqual({ _id: 'on-a-and-b' });
    c.stopAll();
  });

  it('catchUpTakeoverDelayMillis: -1 disables it: the primary stays in catch-up (catchUpTimeoutMillis -1 is unbounded)', async () => {
    const { c, b, winner } = await staleWinner({ catchUpTakeoverDelayMillis: -1 });
    await c.advance(90_000);
    expect(c.state(winner)).toBe('PRIMARY');
    expect(c.state(b)).toBe('SECONDARY');
    expect(c.events.some((e) => e.type === 'electionStarted' && e.reason === 'catchupTakeover')).toBe(false);
    c.stopAll();
  });
});
