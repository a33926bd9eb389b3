import type { Document } from 'bson';
import { expect } from 'vitest';
import { Cluster } from '../../../src/harness/cluster';

/**
 * A new primary held in catch-up, as jstests/replsets/catchup*.js set one up: five members; `b`
 * alone has the last write of the old primary `a`, which then dies; `b` is frozen and the others'
 * oplog fetchers are held by the stopReplProducer fail point (bgsync.cpp), so a staler member wins
 * and cannot catch up until the fail point is lifted.
 */
export interface StaleWinner {
  c: Cluster;
  b: string;
  /** The members other than `a` and `b`; the winner is one of them. */
  rest: string[];
  winner: string;
  /** How many oplog entries `b` had beyond each of `rest` when `a` died. */
  behindBy: Map<string, number>;
}

export async function staleWinner(seed: number, settings: Document): Promise<StaleWinner> {
  const c = new Cluster({ members: 5, seed, testCommandsEnabled: true, settings });
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
  const behindBy = new Map(rest.map((h) => [h, c.persistedState(b).oplog.length - c.persistedState(h).oplog.length]));
  c.kill(a);
  c.healAll();
  // Elected but never writable: waitForPrimary waits for a writable one.
  expect(await c.waitFor(() => rest.some((h) => c.state(h) === 'PRIMARY'), 60_000)).toBe(true);
  const winner = rest.find((h) => c.state(h) === 'PRIMARY')!;
  return { c, b, rest, winner, behindBy };
}
