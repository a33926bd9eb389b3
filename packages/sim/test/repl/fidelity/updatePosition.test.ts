import { Long, Timestamp } from 'bson';
import type { Document } from 'bson';
import { describe, expect, it } from 'vitest';
import { Cluster } from '../../../src/harness/cluster';

// topology_coordinator.cpp setLastOptimeForMember: a replSetUpdatePosition entry only advances a
// member's applied and durable optimes (MemberData::advanceLastAppliedOpTimeAndWallTime), each with
// its wall time. Entries are forwarded along sync chains and may be older than what a heartbeat
// already told; rs.status() must then keep the newer optime and the wall time that goes with it.
describe('replSetUpdatePosition never moves a member back', () => {
  it('an older forwarded position leaves the member\'s optime, optimeDate and lastAppliedWallTime as they were', async () => {
    const c = new Cluster({ members: 3, seed: 95 });
    await c.initiate();
    const primary = await c.waitForPrimary(30_000);
    await c.advance(3000);
    await c.command(primary, { insert: 'c', documents: [{ _id: 1 }], writeConcern: { w: 3 } }, { db: 'test' });
    await c.advance(1500);
    await c.command(primary, { insert: 'c', documents: [{ _id: 2 }], writeConcern: { w: 3 } }, { db: 'test' });
    const before = await c.command(primary, { replSetGetStatus: 1 });
    const target = (before.members as Document[]).find((m) => m.stateStr === 'SECONDARY')!;
    const forwarder = c.hosts.find((h) => h !== primary && h !== target.name)!;
    const config = (await c.command(primary, { replSetGetConfig: 1 })).config;
    // What a member two hops away might still believe: the target at the first insert's time, minus a second.
    const oldSecs = Math.floor(new Date(target.optimeDate as Date).getTime() / 1000) - 2;
    const old = { ts: new Timestamp({ t: oldSecs, i: 1 }), t: Long.fromNumber(Number(before.term)) };
    const stale = {
      replSetUpdatePosition: 1,
      optimes: [{ durableOpTime: old, durableWallTime: new Date(oldSecs * 1000), appliedOpTime: old, appliedWallTime: new Date(oldSecs * 1000), memberId: target._id, cfgver: config.version }],
    };
    const reply = await c.command(primary, stale, { from: forwarder });
    expect(reply.ok).toBe(1);
    const after = await c.command(primary, { replSetGetStatus: 1 });
    const seen = (after.members as Document[]).find((m) => m._id === target._id)!;
    expect(seen.optime).toEqual(target.optime);
    expect(seen.optimeDate).toEqual(target.optimeDate);
    expect(new Date(seen.lastAppliedWallTime as Date).getTime()).toBe(new Date(target.lastAppliedWallTime as Date).getTime());
    c.stopAll();
  });
});
