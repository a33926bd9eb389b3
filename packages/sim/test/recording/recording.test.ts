import { describe, expect, it } from 'vitest';
import { Random } from '../../src/random/random';
import { MomentOutOfRangeError, RecordedCluster, replayTo, type InputBody } from '../../src/recording/recording';

/** 0..n-1 from the seeded generator. */
function below(rnd: Random, n: number): number {
  return rnd.int(0, n - 1);
}

/** One randomized run: a 3 or 5 member set, initiated, then faults and writes at random ticks. */
async function randomRun(seed: number, durationMillis: number) {
  const rnd = new Random(seed);
  const members = below(rnd, 2) === 0 ? 3 : 5;
  const rec = new RecordedCluster({ seed: rnd.nextUint32(), members, electionTimeoutMillis: 2000 + below(rnd, 4) * 1000 });
  const hosts = rec.cluster.hosts;
  const digests = new Map<number, string>();
  rec.apply({ kind: 'initiate' });
  let writes = 0;
  while (rec.nowMillis < durationMillis) {
    if (rec.nowMillis > 0 && below(rnd, 15) === 0) {
      const host = hosts[below(rnd, hosts.length)]!;
      const roll = below(rnd, 7);
      const body: InputBody =
        roll === 0 ? { kind: 'kill', host }
        : roll === 1 ? { kind: 'restart', host }
        : roll === 2 ? { kind: 'stepDown', host, secs: 5 }
        : roll === 3 ? { kind: 'partition', groups: [[host], hosts.filter((h) => h !== host)] }
        : roll === 4 ? { kind: 'heal' }
        : roll === 5 ? { kind: 'speed', speed: 2 }
        : { kind: 'insert', id: `w${(writes += 1)}`, w: below(rnd, 2) === 0 ? 1 : 'majority' };
      rec.apply(body);
    }
    digests.set(rec.nowMillis, rec.digest());
    await rec.advance(rec.limits.tickMillis);
  }
  digests.set(rec.nowMillis, rec.digest());
  return { rec, digests, rnd };
}

describe('recording and replay', () => {
  // The contract of rewind (issue 19): a recording's seed and inputs replay the same states and
  // events. 100 randomized runs, each compared with its replay at random moments and at every snapshot.
  it('replays 100 randomized recordings to the same digests at random moments', async () => {
    const failures: string[] = [];
    for (let seed = 1; seed <= 100; seed += 1) {
      const { rec, digests, rnd } = await randomRun(seed, 20_000);
      const recording = rec.recording();
      const ticks = [...digests.keys()];
      const moment = ticks[below(rnd, ticks.length)]!;
      const replay = await replayTo(recording, moment);
      if (replay.digest() !== digests.get(moment)) failures.push(`seed ${seed} moment ${moment} ms: replay ${replay.digest()} != original ${digests.get(moment)}`);
      for (const snap of replay.snapshots()) {
        const original = rec.snapshots().find((s) => s.atMillis === snap.atMillis);
        if (original && original.digest !== snap.digest) failures.push(`seed ${seed} snapshot ${snap.atMillis} ms differs`);
      }
      replay.stop();
      rec.stop();
    }
    expect(failures, failures.join('\n')).toEqual([]);
  }, 600_000);

  it('keeps snapshots within snapshotsBytesMax, dropping the oldest, and says how far back it reaches', async () => {
    const rec = new RecordedCluster({ seed: 7, members: 3, electionTimeoutMillis: 2000 }, { snapshotsBytesMax: 120_000 });
    rec.apply({ kind: 'initiate' });
    await rec.advance(5000);
    for (let i = 0; i < 30; i += 1) {
      rec.apply({ kind: 'insert', id: `doc${i}`, w: 1 });
      await rec.advance(1000);
    }
    expect(rec.historyBytes).toBeLessThanOrEqual(120_000);
    expect(rec.reachesBackToMillis).toBeGreaterThan(0);
    expect(rec.snapshots().length).toBeGreaterThan(2);
    expect(rec.snapshots().at(-1)!.atMillis).toBe(rec.nowMillis);
    expect(() => rec.snapshotAt(0)).toThrow(MomentOutOfRangeError);
    const snap = rec.snapshotAt(rec.nowMillis - 500);
    expect(snap.atMillis).toBe(rec.nowMillis - 1000);
    rec.stop();
  });

  it('a snapshot holds the members as they were: the old primary before a kill', async () => {
    const rec = new RecordedCluster({ seed: 3, members: 3, electionTimeoutMillis: 2000 });
    rec.apply({ kind: 'initiate' });
    await rec.advance(8000);
    const primary = rec.cluster.primary()!;
    expect(primary).toBeDefined();
    const before = rec.nowMillis;
    rec.apply({ kind: 'kill', host: primary });
    await rec.advance(15_000);
    expect(rec.cluster.primary()).not.toBe(primary);
    const then = rec.snapshotAt(before);
    expect(then.members.find((m) => m.host === primary)!.state).toBe('PRIMARY');
    expect(then.dbpaths.get(primary)!.alive).toBe(true);
    rec.stop();
  });
});
