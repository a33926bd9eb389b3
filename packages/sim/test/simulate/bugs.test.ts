/**
 * The injected bugs (repl/parameters.ts INJECTED_BUGS) are caught by the checkers: the same seeds
 * pass without them (run.test.ts runs seeds 1..300 clean).
 * - ack-before-majority: mongod acknowledges w:"majority" only once the commit point covers the
 *   write (ReplicationCoordinatorImpl::_doneWaitingForReplication_inlock); acknowledging on local
 *   apply loses acknowledged writes at the next rollback, which the register checker sees as a
 *   lost write and the linearizability checker as a read no order explains.
 * - double-vote: mongod grants one vote per term (TopologyCoordinator::processReplSetRequestVotes,
 *   "already voted for another candidate"); granting two elects two primaries in one term.
 */
import { describe, expect, it } from 'vitest';
import { simulateRun } from '../../src/simulate/run';

function kinds(r: { found: Array<{ checker: string; kind: string }> }): Set<string> {
  return new Set(r.found.map((v) => `${v.checker}/${v.kind}`));
}

describe('injected bugs are caught', () => {
  it('ack-before-majority: seeds 1 and 4 lose acknowledged w:majority writes and are not linearizable', async () => {
    for (const seed of [1, 4]) {
      const r = await simulateRun(seed, { bugs: ['ack-before-majority'] });
      expect(r.plan.bugs).toEqual(['ack-before-majority']);
      const found = kinds(r);
      expect(found.has('register/lost-write'), `seed ${seed}: ${[...found].join(' ')}`).toBe(true);
      expect(found.has('linearizable/nonlinearizable'), `seed ${seed}: ${[...found].join(' ')}`).toBe(true);
      const clean = await simulateRun(seed);
      expect(clean.violations).toEqual([]);
    }
  }, 60_000);

  it('double-vote: seeds 4, 6 and 8 elect two primaries in one term', async () => {
    for (const seed of [4, 6, 8]) {
      const r = await simulateRun(seed, { bugs: ['double-vote'] });
      expect(kinds(r).has('invariants/two-primaries'), `seed ${seed}: ${r.violations.join('\n')}`).toBe(true);
    }
    for (const seed of [4, 6, 8]) {
      const clean = await simulateRun(seed, { bugs: [] });
      expect(clean.violations, `seed ${seed} without the bug`).toEqual([]);
    }
  }, 60_000);
});
