import { ObjectId } from 'bson';
import { describe, expect, it } from 'vitest';
import { electionIdForTerm } from '../../src/commands/handshake';
import { Cluster } from '../../src/harness/cluster';

describe('hello / isMaster', () => {
  it('before initiation: isreplicaset with mongod\'s info text, and no setName', async () => {
    const c = new Cluster({ members: 3, seed: 61 });
    const hello = await c.command(c.hosts[0]!, { hello: 1, helloOk: true });
    expect(hello).toMatchObject({ ok: 1, isWritablePrimary: false, secondary: false, isreplicaset: true, info: 'Does not have a valid replica set config', helloOk: true, minWireVersion: 0, maxWireVersion: 21, logicalSessionTimeoutMinutes: 30, maxBsonObjectSize: 16777216, maxMessageSizeBytes: 48000000, maxWriteBatchSize: 100000 });
    expect(hello).not.toHaveProperty('setName');
    expect(hello.topologyVersion.processId).toBeInstanceOf(ObjectId);
    c.stopAll();
  });

  it('answers ismaster to isMaster and isWritablePrimary to hello, with the SDAM fields', async () => {
    const c = new Cluster({ members: 3, seed: 62, memberConfigs: [{}, {}, { priority: 0 }] });
    await c.initiate();
    const primary = await c.waitForPrimary(30_000);
    await c.advance(3000);
    const hello = await c.command(primary, { hello: 1 });
    expect(hello).toMatchObject({ ok: 1, isWritablePrimary: true, secondary: false, setName: 'rs0', setVersion: 1, primary, me: primary });
    expect(hello.hosts).toEqual(c.hosts.slice(0, 2));
    expect(hello.passives).toEqual([c.hosts[2]]);
    expect(hello.electionId).toEqual(electionIdForTerm(1));
    expect(hello.lastWrite.opTime).toHaveProperty('ts');
    expect(hello.localTime).toBeInstanceOf(Date);
    expect(hello).not.toHaveProperty('ismaster');
    const legacy = await c.command(c.hosts[2]!, { isMaster: 1 });
    expect(legacy).toMatchObject({ ismaster: false, secondary: true, passive: true, primary, me: c.hosts[2] });
    expect(legacy).not.toHaveProperty('electionId');
    expect(legacy).not.toHaveProperty('isWritablePrimary');
    c.stopAll();
  });

  it('electionId is 7fffffff + the term in 16 hex digits', () => {
    expect(electionIdForTerm(1).toHexString()).toBe('7fffffff0000000000000001');
    expect(electionIdForTerm(255).toHexString()).toBe('7fffffff00000000000000ff');
  });

  it('awaitable hello waits for a topology change, or maxAwaitTimeMS; another processId answers at once', async () => {
    const c = new Cluster({ members: 3, seed: 63 });
    await c.initiate();
    const primary = await c.waitForPrimary(30_000);
    await c.advance(3000);
    const first = await c.command(primary, { hello: 1 });
    const tv = first.topologyVersion;
    const t0 = c.clock.now();
    const idle = await c.command(primary, { hello: 1, topologyVersion: tv, maxAwaitTimeMS: 10_000 });
    expect(c.clock.now() - t0).toBeGreaterThanOrEqual(10_000);
    expect(Number(idle.topologyVersion.counter)).toBe(Number(tv.counter));
    const t1 = c.clock.now();
    const other = await c.command(primary, { hello: 1, topologyVersion: { processId: new ObjectId('000000000000000000000001'), counter: tv.counter }, maxAwaitTimeMS: 10_000 });
    expect(c.clock.now() - t1).toBeLessThan(100);
    expect(other.ok).toBe(1);
    // A step-down bumps the counter and ends the wait.
    const waiting = c.send(primary, { hello: 1, topologyVersion: tv, maxAwaitTimeMS: 10_000 });
    await c.advance(1000);
    void c.send(primary, { replSetStepDown: 60, force: true });
    let answered: Record<string, unknown> | undefined;
    void waiting.then((r) => {
      answered = r;
    });
    await c.waitFor(() => answered !== undefined, 9000);
    expect(answered).toBeDefined();
    expect(Number((answered!.topologyVersion as { counter: unknown }).counter)).toBeGreaterThan(Number(tv.counter));
    expect(answered!.isWritablePrimary).toBe(false);
    c.stopAll();
  });
});
