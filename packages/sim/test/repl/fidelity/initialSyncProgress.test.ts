import { describe, expect, it } from 'vitest';
import { isNullOpTime } from '../../../src/base/optime';
import { Cluster } from '../../../src/harness/cluster';

/**
 * A member in initial sync reports no replication progress, so it is in no w:N or majority:
 * topology_coordinator.cpp prepareHeartbeatResponseV1 puts null lastApplied/lastDurable optimes in
 * the heartbeat replies of a STARTUP2 member ("as we do not want to report replication progress and
 * be part of write majorities while in initial sync"), and it sends no replSetUpdatePosition
 * (jstests/replsets/no_progress_updates_during_initial_sync.js). The core's side is in
 * test/repl/topology/testdata/initialsync.txt.
 */
describe('STARTUP2 members report null optimes (prepareHeartbeatResponseV1)', () => {
  it('while the added member applies the oplog in STARTUP2, the primary sees it at a null optime and w:3 waits', async () => {
    // Two entries a fetch: the oplog written during the clone takes many fetches to apply.
    const c = new Cluster({ members: 4, seed: 141, parameters: { oplogFetchBatchEntriesMax: 2 } });
    const [, , third, added] = c.hosts as [string, string, string, string];
    const three = c.defaultConfig();
    three.members = (three.members as object[]).slice(0, 3);
    await c.initiate(three);
    const primary = await c.waitForPrimary(30_000);
    for (let i = 0; i < 20; i++) await c.insert([{ _id: i }], { writeConcern: { w: 'majority', wtimeout: 5000 } });
    await c.advance(3000);
    // Two data-bearing members up: w:3 needs the added one, which is in initial sync.
    c.kill(third === primary ? c.hosts[1]! : third);
    // A slow link stretches the initial sync (every fetch a round trip of 0.6 s).
    for (const h of c.hosts.slice(0, 3)) c.setDelay(added, h, 300);
    let samples = 0;
    const seen: string[] = [];
    const off = c.onEvent(() => {
      const m = c.member(added);
      if (!m || m.repl.state !== 'STARTUP2' || c.persistedState(added).oplog.length === 0) return;
      samples++;
      const view = c.running(primary).repl.memberView(added);
      if (view && !isNullOpTime(view.applied)) seen.push(`${view.state} ${JSON.stringify(view.applied)}`);
    });
    const conf = (await c.command(primary, { replSetGetConfig: 1 })).config;
    expect((await c.command(primary, { replSetReconfig: { ...conf, version: conf.version + 1, members: [...conf.members, { _id: 3, host: added, priority: 0, votes: 0 }] } })).ok).toBe(1);
    expect(await c.waitFor(() => c.state(added) === 'STARTUP2', 60_000)).toBe(true);
    for (let i = 0; i < 40; i++) await c.insert([{ _id: `clone-${i}` }], { writeConcern: { w: 1 } });
    expect(await c.waitFor(() => c.state(added) === 'STARTUP2' && c.persistedState(added).oplog.length > 0, 60_000)).toBe(true);
    const during = await c.insert([{ _id: 'during' }], { writeConcern: { w: 3, wtimeout: 1000 } });
    expect(c.state(added)).toBe('STARTUP2');
    expect(during.writeConcernError?.codeName).toBe('WriteConcernFailed');
    expect(await c.waitFor(() => c.state(added) === 'SECONDARY', 120_000)).toBe(true);
    off();
    expect(samples).toBeGreaterThan(0);
    expect(seen).toEqual([]);
    // Once SECONDARY it counts again.
    c.clearDelays();
    const after = await c.insert([{ _id: 'after' }], { writeConcern: { w: 3, wtimeout: 10_000 } });
    expect(after.writeConcernError).toBeUndefined();
    expect(c.running(added).storage.dataDigest()).toBe(c.running(primary).storage.dataDigest());
    c.stopAll();
  });
});
