import { describe, expect, it } from 'vitest';
import { Cluster } from '../../src/harness/cluster';

// MongoDB 7.0 manual, serverStatus: the instance fields come first (host, version, process, pid,
// uptime, uptimeMillis, uptimeEstimate, localTime), then the sections by name
// (commands/server_status.cpp keeps them in a map); `{serverStatus: 1, repl: 0}` leaves a
// default section out.
describe('serverStatus', () => {
  it('answers with the instance fields, then electionMetrics, opcounters, repl in mongod\'s order', async () => {
    const c = new Cluster({ members: 3, seed: 71 });
    await c.initiate();
    const primary = await c.waitForPrimary(30_000);
    await c.advance(3000);
    const status = await c.command(primary, { serverStatus: 1 });
    expect(status.ok).toBe(1);
    const keys = Object.keys(status);
    expect(keys.slice(0, 3)).toEqual(['host', 'version', 'process']);
    const order = ['host', 'version', 'process', 'uptime', 'uptimeMillis', 'uptimeEstimate', 'localTime', 'electionMetrics', 'opcounters', 'repl', 'ok'];
    expect(keys.filter((k) => order.includes(k))).toEqual(order);
    expect(status).toMatchObject({ host: primary, version: '7.0.14', process: 'mongod' });
    expect(Number(status.uptimeMillis)).toBeGreaterThanOrEqual(Number(status.uptime) * 1000);
    expect(Number(status.uptimeEstimate)).toBe(Number(status.uptime));
    expect(status.localTime).toBeInstanceOf(Date);
    // replication_info.cpp ReplicationInfoServerStatus: hello's replica-set fields, then rbid.
    expect(status.repl).toMatchObject({ setName: 'rs0', isWritablePrimary: true, primary, me: primary, rbid: expect.any(Number) });
    expect(status.repl).not.toHaveProperty('maxWireVersion');
    expect(status.electionMetrics).toHaveProperty('numCatchUps');
    c.stopAll();
  });

  it('leaves a section out when its field is false or 0', async () => {
    const c = new Cluster({ members: 3, seed: 72 });
    await c.initiate();
    const primary = await c.waitForPrimary(30_000);
    const status = await c.command(primary, { serverStatus: 1, repl: 0, electionMetrics: false });
    expect(status).not.toHaveProperty('repl');
    expect(status).not.toHaveProperty('electionMetrics');
    expect(status).toHaveProperty('opcounters');
    c.stopAll();
  });

  it('counts opcounters where commands are dispatched: inserts per document, finds as query', async () => {
    // db/stats/counters.h OpCounters; manual: opcounters.insert counts documents inserted.
    const c = new Cluster({ members: 3, seed: 73 });
    await c.initiate();
    const primary = await c.waitForPrimary(30_000);
    const before = await c.command(primary, { serverStatus: 1 });
    await c.command(primary, { insert: 'c', documents: [{ a: 1 }, { a: 2 }, { a: 3 }] }, { db: 'test' });
    await c.command(primary, { find: 'c' }, { db: 'test' });
    const after = await c.command(primary, { serverStatus: 1 });
    const delta = (f: string) => Number(after.opcounters[f]) - Number(before.opcounters[f]);
    expect(delta('insert')).toBe(3);
    // Secondaries' oplog fetchers' finds count too (they are find commands).
    expect(delta('query')).toBeGreaterThanOrEqual(1);
    expect(delta('command')).toBeGreaterThanOrEqual(1);
    c.stopAll();
  });
});
