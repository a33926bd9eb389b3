import { describe, expect, it } from 'vitest';
import { Cluster } from '../../src/harness/cluster';

describe('primary catch-up and topology changes', () => {
  it('when a staler member wins, the write only one secondary had survives (fetched before or during catch-up): nothing is rolled back', async () => {
    const c = new Cluster({ members: 5, seed: 71 });
    await c.initiate();
    const a = await c.waitForPrimary(60_000);
    await c.advance(3000);
    const [b, ...rest] = c.hosts.filter((h) => h !== a) as [string, ...string[]];
    // Only b receives the next write.
    for (const h of rest) c.cut(a, h);
    for (const h of rest) c.cut(b, h);
    const w2 = await c.insert([{ _id: 'on-a-and-b' }], { writeConcern: { w: 2, wtimeout: 5000 } });
    expect(w2.writeConcernError).toBeUndefined();
    // b may not stand; a dies; the others (staler than b) elect one of themselves.
    expect((await c.command(b, { replSetFreeze: 120 })).ok).toBe(1);
    c.kill(a);
    c.healAll();
    const next = await c.waitForPrimary(60_000);
    expect(rest).toContain(next);
    expect(c.events.some((e) => e.type === 'stateChange' && e.host === next && e.to === 'PRIMARY')).toBe(true);
    expect(c.storage(next).documents('test', 'test').find((d) => d._id === 'on-a-and-b')).toEqual({ _id: 'on-a-and-b' });
    await c.advance(5000);
    expect(c.persistedState(b).rollbackFiles).toEqual([]);
    expect(c.events.some((e) => e.type === 'rollback')).toBe(false);
    c.stopAll();
  });

  it('a secondary wakes awaitable hellos when it learns of a new primary', async () => {
    const c = new Cluster({ members: 3, seed: 72, settings: { electionTimeoutMillis: 1000 } });
    await c.initiate();
    const a = await c.waitForPrimary(30_000);
    await c.advance(3000);
    const watcher = c.hosts.find((h) => h !== a)!;
    const before = c.running(watcher).repl.topologyVersionCounter;
    c.kill(a);
    await c.waitForPrimary(10_000);
    await c.advance(2500);
    const hello = await c.command(watcher, { hello: 1 });
    expect(hello.primary).toBe(c.primary());
    expect(c.running(watcher).repl.topologyVersionCounter).toBeGreaterThan(before);
    c.stopAll();
  });
});
