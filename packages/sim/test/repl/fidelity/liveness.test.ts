import { describe, expect, it } from 'vitest';
import { Cluster } from '../../../src/harness/cluster';

/**
 * A primary that cannot see a majority steps down (MongoDB 7.0: topology_coordinator.cpp
 * checkMemberTimeouts marks a member whose last update is electionTimeoutMillis old as down and
 * steps down when a majority is out of sight; prepareReplSetUpdatePositionCommand skips members
 * whose last update is stale — "Don't include members we think are down" — so a secondary's
 * forwarded positions never keep a dead member alive in the primary's eyes).
 */
describe('liveness: a primary without a majority steps down after electionTimeoutMillis', () => {
  it('5 members, 3 killed: the primary is SECONDARY ~10 s later, not kept up by forwarded positions', async () => {
    for (const seed of [1, 2, 3]) {
      const c = new Cluster({ members: 5, seed });
      await c.initiate();
      const primary = await c.waitForPrimary(30_000);
      await c.insert([{ _id: 1 }], { writeConcern: { w: 'majority', wtimeout: 10_000 } });
      await c.advance(3000);
      const others = c.hosts.filter((h) => h !== primary);
      // Keep one secondary alive: it syncs from the primary and forwards what it knows.
      for (const h of others.slice(1)) c.kill(h);
      const killedAt = c.clock.now();
      const down = await c.waitFor(() => c.state(primary) !== 'PRIMARY', 60_000);
      expect(down).toBe(true);
      const took = c.clock.now() - killedAt;
      // The live secondary forwards the dead members' positions (each refreshes the primary's
      // lastUpdate, as MemberData::advanceLastAppliedOpTimeAndWallTime does) until it has not heard
      // from them for electionTimeoutMillis; the primary marks them down electionTimeoutMillis
      // later: 10-20 s, checked every half election timeout. Before the fix: 60 s and more.
      expect(took).toBeGreaterThanOrEqual(9000);
      expect(took).toBeLessThanOrEqual(26_000);
      c.stopAll();
    }
  });
});
