import type { Document } from 'bson';
import { describe, expect, it } from 'vitest';
import { staleWinner } from './staleWinner';

/**
 * Catch-up takeover (topology_coordinator.cpp _updatePrimaryFromHBDataV1 and
 * _amIFreshEnoughForCatchupTakeover; replication_coordinator_impl_heartbeat.cpp
 * HeartbeatResponseAction::CatchupTakeover; the manual's replica set configuration page,
 * settings.catchUpTakeoverDelayMillis): a secondary fresher than a new primary that is still
 * catching up stands after catchUpTakeoverDelayMillis, as jstests/replsets/catchup_takeover_*.js
 * drive it — the new primary cannot catch up because its oplog fetcher is held by the
 * stopReplProducer fail point (bgsync.cpp).
 */

describe('catch-up takeover (catchUpTakeoverDelayMillis)', () => {
  it('the fresher secondary takes over a primary stuck in catch-up after catchUpTakeoverDelayMillis, with reason catchupTakeover', async () => {
    const { c, b, winner } = await staleWinner(131, { catchUpTakeoverDelayMillis: 30_000 });
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
    const { c, b, winner } = await staleWinner(131, { catchUpTakeoverDelayMillis: -1 });
    await c.advance(90_000);
    expect(c.state(winner)).toBe('PRIMARY');
    expect(c.state(b)).toBe('SECONDARY');
    expect(c.events.some((e) => e.type === 'electionStarted' && e.reason === 'catchupTakeover')).toBe(false);
    c.stopAll();
  });
});
