import type { Document } from 'bson';
import { describe, expect, it } from 'vitest';
import { helloReply } from '../../../src/commands/handshake';
import { Cluster } from '../../../src/harness/cluster';

/**
 * hello of hidden, delayed and priority-0 members, and of a primary still catching up, as MongoDB
 * 7.0 answers it. topology_coordinator.cpp fillHelloForReplSet: a member that is hidden or has
 * secondaryDelaySecs > 0 is in none of hosts/passives/arbiters; of the rest an electable member
 * (not an arbiter, priority > 0) is a host, an arbiter an arbiter, anything else a passive. For
 * the member's own fields: arbiterOnly, else `passive: true` for priority 0 (a hidden or delayed
 * member has priority 0, so it is passive too), `secondaryDelaySecs` when delayed, `hidden: true`
 * when hidden. replication_coordinator_impl.cpp (fillIsMasterForReplSet, 7.0 _makeHelloResponse):
 * a primary that cannot accept non-local writes yet — catch-up and drain — is reported with
 * `isWritablePrimary: false, secondary: true`.
 */
describe('hello of hidden, delayed and passive members (fillHelloForReplSet)', () => {
  it('a delayed member is in no list; a priority-0 one is a passive; hidden is passive and hidden in its own hello', async () => {
    const c = new Cluster({
      members: 5,
      seed: 131,
      memberConfigs: [{}, {}, { priority: 0 }, { priority: 0, secondaryDelaySecs: 30 }, { priority: 0, hidden: true }],
    });
    await c.initiate();
    const primary = await c.waitForPrimary(30_000);
    await c.advance(3000);
    const [h0, h1, passive, delayed, hidden] = c.hosts as [string, string, string, string, string];
    const hello = await c.command(primary, { hello: 1 });
    expect(hello.hosts).toEqual([h0, h1]);
    expect(hello.passives).toEqual([passive]);
    expect(hello).not.toHaveProperty('arbiters');
    for (const reply of [hello, await c.command(delayed, { hello: 1 }), await c.command(hidden, { hello: 1 })]) {
      expect(reply.hosts).not.toContain(delayed);
      expect(reply.passives).not.toContain(delayed);
      expect(reply.hosts).not.toContain(hidden);
      expect(reply.passives).not.toContain(hidden);
    }
    const delayedHello = await c.command(delayed, { hello: 1 });
    expect(delayedHello).toMatchObject({ secondary: true, passive: true, secondaryDelaySecs: 30, me: delayed });
    expect(delayedHello).not.toHaveProperty('hidden');
    const hiddenHello = await c.command(hidden, { hello: 1 });
    expect(hiddenHello).toMatchObject({ secondary: true, passive: true, hidden: true, me: hidden });
    expect(hiddenHello).not.toHaveProperty('secondaryDelaySecs');
    const passiveHello = await c.command(passive, { isMaster: 1 });
    expect(passiveHello).toMatchObject({ ismaster: false, secondary: true, passive: true });
    expect(passiveHello).not.toHaveProperty('hidden');
    expect(await c.command(h0, { hello: 1 })).not.toHaveProperty('passive');
    c.stopAll();
  });

  it('an arbiter is listed under arbiters and says arbiterOnly, not passive', async () => {
    const c = new Cluster({ members: 3, seed: 132, memberConfigs: [{}, {}, { arbiterOnly: true }] });
    await c.initiate();
    await c.waitForPrimary(30_000);
    await c.advance(3000);
    const arbiter = c.hosts[2]!;
    const hello = await c.command(arbiter, { hello: 1 });
    expect(hello.arbiters).toEqual([arbiter]);
    expect(hello.hosts).toEqual(c.hosts.slice(0, 2));
    expect(hello.arbiterOnly).toBe(true);
    expect(hello).not.toHaveProperty('passive');
    c.stopAll();
  });

  it('during catch-up the new primary answers isWritablePrimary: false, secondary: true; after it, true / false', async () => {
    const c = new Cluster({ members: 3, seed: 133, settings: { electionTimeoutMillis: 1000 } });
    await c.initiate();
    const first = await c.waitForPrimary(30_000);
    await c.advance(3000);
    const seen: Document[] = [];
    // The hello a client would get the moment the member turns PRIMARY (catch-up begins then).
    const off = c.onEvent((e) => {
      if (e.type !== 'stateChange' || e.to !== 'PRIMARY' || e.host === first) return;
      const repl = c.running(e.host).repl;
      expect(repl.isWritablePrimary).toBe(false);
      seen.push(helloReply(c.running(e.host), false, 1));
    });
    c.kill(first);
    const next = await c.waitForPrimary(30_000);
    off();
    expect(seen.length).toBe(1);
    expect(seen[0]).toMatchObject({ isWritablePrimary: false, secondary: true, me: next });
    expect(seen[0]).not.toHaveProperty('electionId');
    const after = await c.command(next, { hello: 1 });
    expect(after).toMatchObject({ isWritablePrimary: true, secondary: false, primary: next });
    c.stopAll();
  });
});
