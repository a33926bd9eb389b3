import { describe, expect, it } from 'vitest';
import { Cluster } from '../../src/harness/cluster';

describe('a 3-member set: initiate, elect, fail over', () => {
  it('elects one primary after initiate and replicates a w:majority write', async () => {
    const c = new Cluster({ members: 3, seed: 7 });
    await c.initiate();
    const primary = await c.waitForPrimary(30_000);
    expect(c.primaries()).toEqual([primary]);
    expect(c.running(primary).repl.term).toBe(1);
    await c.advance(3000);
    for (const host of c.hosts) if (host !== primary) expect(c.state(host)).toBe('SECONDARY');
    const reply = await c.insert([{ _id: 1, x: 'a' }], { writeConcern: { w: 'majority', wtimeout: 5000 } });
    expect(reply).toMatchObject({ ok: 1, n: 1 });
    expect(reply.writeConcernError).toBeUndefined();
    await c.advance(1000);
    for (const host of c.hosts) {
      const found = await c.command(host, { find: 'test', filter: { _id: 1 }, $readPreference: { mode: 'secondaryPreferred' } }, { db: 'test' });
      expect(found.cursor.firstBatch).toEqual([{ _id: 1, x: 'a' }]);
    }
    c.stopAll();
  });

  it('kill the primary: a new primary accepts writes 8-12.5 s later (defaults)', async () => {
    const times: number[] = [];
    for (const seed of [1, 2, 3, 4, 5, 6]) {
      const c = new Cluster({ members: 3, seed });
      await c.initiate();
      const first = await c.waitForPrimary(30_000);
      await c.advance(5000 + seed * 333);
      c.kill(first);
      const killedAt = c.clock.now();
      const second = await c.waitForPrimary(30_000);
      expect(second).not.toBe(first);
      const reply = await c.insert([{ _id: 'after' }], { writeConcern: { w: 1 } });
      expect(reply.ok).toBe(1);
      times.push(c.clock.now() - killedAt);
      expect(c.running(second).repl.term).toBe(2);
      c.stopAll();
    }
    for (const t of times) {
      expect(t).toBeGreaterThanOrEqual(8000);
      expect(t).toBeLessThanOrEqual(12_500);
    }
  });

  it('with electionTimeoutMillis 1000 the failover takes 0.5-2.5 s', async () => {
    for (const seed of [11, 12, 13, 14]) {
      const c = new Cluster({ members: 3, seed, settings: { electionTimeoutMillis: 1000 } });
      await c.initiate();
      const first = await c.waitForPrimary(30_000);
      await c.advance(4000 + seed * 77);
      expect(c.primary()).toBe(first);
      c.kill(first);
      const killedAt = c.clock.now();
      await c.waitForPrimary(10_000);
      const t = c.clock.now() - killedAt;
      expect(t).toBeGreaterThanOrEqual(500);
      expect(t).toBeLessThanOrEqual(2500);
      c.stopAll();
    }
  });
});

describe('a cluster on a ScaledClock (a live sandbox)', () => {
  it('runs by itself at 50x speed and elects a primary', async () => {
    const { ScaledClock } = await import('../../src/clock/realClock');
    const clock = new ScaledClock({ speed: 50 });
    const c = new Cluster({ members: 3, seed: 5, clock, settings: { electionTimeoutMillis: 1000 } });
    expect(c.virtualClock).toBeUndefined();
    await c.initiate();
    const primary = await c.waitForPrimary(20_000);
    expect(c.hosts).toContain(primary);
    const reply = await c.insert([{ _id: 1 }], { writeConcern: { w: 'majority', wtimeout: 5000 } });
    expect(reply).toMatchObject({ ok: 1, n: 1 });
    c.stopAll();
  });
});

describe('clean shutdown', () => {
  it('a primary shut down cleanly hands off first, and restarts as SECONDARY', async () => {
    const c = new Cluster({ members: 3, seed: 9 });
    await c.initiate();
    const primary = await c.waitForPrimary(30_000);
    await c.advance(3000);
    const reply = await c.shutdown(primary);
    expect(reply).toEqual({ ok: 1 });
    expect(c.isAlive(primary)).toBe(false);
    const next = await c.waitForPrimary(5000);
    expect(next).not.toBe(primary);
    c.start(primary);
    await c.advance(3000);
    expect(c.state(primary)).toBe('SECONDARY');
    expect(c.running(primary).repl.term).toBe(2);
    c.stopAll();
  });
});
