import { describe, expect, it } from 'vitest';
import { packTs } from '../../../src/base/optime';
import type { Cluster } from '../../../src/harness/cluster';
import { newPersistedReplState } from '../../../src/repl/persisted';
import type { PersistedReplState } from '../../../src/repl/persisted';
import { InvariantMonitor } from '../../../src/simulate/checkers/invariants';
import type { OplogEntry } from '../../../src/storage/oplog';

const entry = (secs: number, t = 1): OplogEntry => ({ op: 'n', ns: '', o: {}, ts: packTs(secs, 1), t, wallMillis: secs * 1000 });

/** Just what the monitor reads of a cluster: hosts, each one's oplog and commit point. */
function fakeCluster(members: Record<string, { oplog: number[]; commit: number }>): Cluster {
  const persisted = new Map<string, PersistedReplState>();
  for (const [host, m] of Object.entries(members)) {
    const p = newPersistedReplState();
    p.term = 1;
    for (const secs of m.oplog) p.oplog.append(entry(secs));
    persisted.set(host, p);
  }
  return {
    hosts: Object.keys(members),
    clock: { now: () => 0 },
    onEvent: () => () => undefined,
    persistedState: (host: string) => persisted.get(host)!,
    member: (host: string) => ({ repl: { commitPoint: { ts: packTs(members[host]!.commit, 1), t: 1 } } }),
  } as unknown as Cluster;
}

describe('invariants: every committed oplog is a prefix of one committed log (checkers/invariants.ts)', () => {
  // Seed 2000300: capped oplogs of 40 entries; the primary was down, so the log was started from
  // a secondary whose oplog had dropped its oldest entries, and another member still holding them
  // was reported as diverged (a false violation).
  it('a member holding older committed entries than the member the log started from is not diverged', () => {
    const c = fakeCluster({ a: { oplog: [103, 104, 105], commit: 105 }, b: { oplog: [100, 101, 102, 103, 104, 105], commit: 105 } });
    const monitor = new InvariantMonitor(c);
    monitor.checkCommitted();
    monitor.checkCommitted();
    expect(monitor.result().violations).toEqual([]);
    expect(monitor.result().stats).toMatchObject({ committedEntries: 6 });
  });

  it('still finds a member whose committed oplog differs inside the log, older entries or not', () => {
    const c = fakeCluster({ a: { oplog: [103, 104, 106], commit: 106 }, b: { oplog: [100, 101, 102, 103, 105, 106], commit: 106 } });
    const monitor = new InvariantMonitor(c);
    monitor.checkCommitted();
    expect(monitor.result().violations.map((v) => v.kind)).toEqual(['committed-diverged']);
  });

  it('a member whose older entries do not reach the log start is checked from the log start only', () => {
    const c = fakeCluster({ a: { oplog: [103, 104], commit: 104 }, b: { oplog: [100, 101], commit: 101 } });
    const monitor = new InvariantMonitor(c);
    monitor.checkCommitted();
    expect(monitor.result().violations).toEqual([]);
  });
});
