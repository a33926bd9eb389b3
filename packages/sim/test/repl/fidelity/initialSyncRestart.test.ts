import { describe, expect, it } from 'vitest';
import { Cluster } from '../../../src/harness/cluster';
import { LogIds } from '../../../src/log/ids';

/**
 * MongoDB 7.0 oplog_fetcher.cpp `_checkRemoteOplogStart`: the initial sync's oplog fetcher starts at
 * the entry noted before the clone (beginFetchingTimestamp); if the sync source's first entry at or
 * after it is another one (its oplog rolled past it), the fetcher fails with OplogStartMissing and
 * initial_syncer.cpp `_finishInitialSyncAttempt` fails the attempt (log 21200 "Initial sync attempt
 * failed", attemptsLeft) and starts a new one, up to numInitialSyncAttempts (10); after the last,
 * 21202 "The maximum number of retries have been exhausted for initial sync" and the member fasserts.
 */
async function addMemberWhileWriting(c: Cluster, writesWhileCloning: number): Promise<string> {
  const added = c.hosts[3]!;
  const three = c.defaultConfig();
  three.members = (three.members as object[]).slice(0, 3);
  await c.initiate(three);
  const primary = await c.waitForPrimary(30_000);
  for (let i = 0; i < 20; i++) await c.insert(Array.from({ length: 500 }, (_, j) => ({ _id: i * 500 + j, pad: 'x'.repeat(200) })), { writeConcern: { w: 'majority', wtimeout: 10_000 } });
  await c.waitForConfigCommitted();
  const conf = (await c.command(primary, { replSetGetConfig: 1 })).config;
  const reply = await c.command(primary, { replSetReconfig: { ...conf, version: conf.version + 1, members: [...conf.members, { _id: 3, host: added, priority: 0, votes: 0 }] } });
  expect(reply.ok).toBe(1);
  // A slow link to the new member: each of the clone's round trips takes 0.6 s, so the clone spans many writes.
  for (const host of c.hosts) if (host !== added) c.setDelay(host, added, 300);
  // Steady writes while the new member clones: the 40-entry oplogs roll past its noted entry.
  let n = 0;
  const started = (): boolean => c.running(added).recentLog().some((l) => l.id === LogIds.initialSyncCloneStarted.id);
  while (!started() && n < 5000) await c.insert([{ _id: `w${n++}` }], { writeConcern: { w: 1 } });
  for (let i = 0; i < writesWhileCloning; i++) await c.insert([{ _id: `w${n++}` }], { writeConcern: { w: 1 } });
  return added;
}

describe('initial sync restarts when the source oplog rolls past the clone start (initial_syncer.cpp, oplog_fetcher.cpp)', () => {
  it('a failed attempt (OplogStartMissing) is logged with the attempts left and a new attempt completes the sync', async () => {
    const c = new Cluster({ members: 4, seed: 91, parameters: { oplogEntriesMax: 40 } });
    const added = await addMemberWhileWriting(c, 200);
    const failures = (): number => c.running(added).recentLog().filter((l) => l.id === LogIds.initialSyncAttemptFailed.id).length;
    expect(await c.waitFor(() => failures() > 0, 60_000)).toBe(true);
    const failed = c.running(added).recentLog().find((l) => l.id === LogIds.initialSyncAttemptFailed.id)!;
    expect(failed.attr?.attemptsLeft).toBe(9);
    expect(String(failed.attr?.error)).toMatch(/^OplogStartMissing: Our last optime fetched: /);
    // initial_syncer.cpp schedules the next attempt initialSyncRetryWait (1 s) after the failure.
    const failedAt = (failed as { t: Date }).t.getTime();
    const restarted = (): { t: Date } | undefined => c.running(added).recentLog().find((l) => l.id === LogIds.initialSyncCloneStarted.id && (l as { t: Date }).t.getTime() > failedAt) as { t: Date } | undefined;
    expect(await c.waitFor(() => restarted() !== undefined, 30_000)).toBe(true);
    expect(restarted()!.t.getTime() - failedAt).toBeGreaterThanOrEqual(1000);
    // Writes have stopped: the next attempt finishes, and the member holds exactly the primary's data.
    expect(await c.waitFor(() => c.state(added) === 'SECONDARY', 120_000)).toBe(true);
    await c.insert([{ _id: 'last' }], { writeConcern: { w: 4, wtimeout: 10_000 } });
    const primary = await c.waitForPrimary(10_000);
    expect(c.running(added).storage.dataDigest()).toBe(c.running(primary).storage.dataDigest());
    c.stopAll();
  });

  it('after numInitialSyncAttempts failures the member gives up (21202) and stops', async () => {
    const c = new Cluster({ members: 4, seed: 92, parameters: { oplogEntriesMax: 40, numInitialSyncAttempts: 1 } });
    const added = await addMemberWhileWriting(c, 200);
    // Keep the member's log lines as they come: it stops itself after the last attempt.
    const member = c.running(added);
    const seen: { id: number }[] = [];
    const collect = (): void => {
      for (const line of member.recentLog()) if (!seen.includes(line)) seen.push(line);
    };
    expect(await c.waitFor(() => (collect(), !c.isAlive(added) || c.state(added) === 'SECONDARY'), 60_000)).toBe(true);
    collect();
    expect(seen.some((l) => l.id === LogIds.initialSyncAttemptFailed.id)).toBe(true);
    expect(seen.some((l) => l.id === LogIds.initialSyncRetriesExhausted.id)).toBe(true);
    expect(c.isAlive(added)).toBe(false);
    c.stopAll();
  });
});
