import { describe, expect, it } from 'vitest';
import { Random } from '../../src/random/random';
import { Storage } from '../../src/storage';
import type { OplogOp } from '../../src/storage';
import { plainAll } from '../storage/plain';
import { CrudHarness } from './crud-helpers';
import { randomCommand } from './crud-workload';

describe('randomized CRUD workloads', () => {
  const seeds = Array.from({ length: 40 }, (_, i) => i + 1);
  const seenOps = new Set<string>();

  it.each(seeds)('seed %i: a replica applying the oplog converges, and undoing any suffix restores that point', (seed) => {
    const random = new Random(seed);
    const h = new CrudHarness();
    const digests: string[] = [h.storage.digest()];
    const entryCountAt: number[] = [0];
    for (let step = 0; step < 60; step++) {
      const { db, body } = randomCommand(random);
      const reply = h.run(db, body);
      expect(reply.ok, `seed ${seed} step ${step}: ${JSON.stringify(body)} -> ${JSON.stringify(reply)}`).toBeDefined();
      digests.push(h.storage.digest());
      entryCountAt.push(h.oplog.length);
    }

    // The workload must really write (every kind of entry shows up across the seeds: see below).
    for (const entry of h.oplog) seenOps.add(entry.op === 'c' ? `c:${Object.keys(entry.o)[0]}` : entry.op);
    expect(h.oplog.some((entry) => entry.op === 'i')).toBe(true);

    // A secondary applying the entries (as they cross the wire, without undo tokens) converges.
    const replica = new Storage();
    const shipped = plainAll(h.oplog);
    replica.applyOps(shipped);
    expect(replica.digest(), `seed ${seed}`).toBe(h.storage.digest());

    // Rolling back the replica to a random earlier step gives exactly the state of that step.
    const step = random.int(0, entryCountAt.length - 1);
    const keep = entryCountAt[step] as number;
    const undone = replica.undo(shipped.slice(keep).reverse() as OplogOp[]);
    expect(replica.digest(), `seed ${seed} rollback to step ${step}`).toBe(digests[step]);
    expect(undone.every((entry) => typeof entry.ns === 'string')).toBe(true);

    // And re-applying the undone suffix brings it back.
    replica.applyOps(plainAll(h.oplog.slice(keep)));
    expect(replica.digest()).toBe(h.storage.digest());
  });

  it('exercised every kind of oplog entry', () => {
    expect([...seenOps].sort()).toEqual(['c:create', 'c:createIndexes', 'c:drop', 'c:dropDatabase', 'c:dropIndexes', 'd', 'i', 'u']);
  });
});
