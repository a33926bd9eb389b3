import { Long } from 'bson';
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

  it('counts opcountersRepl where a secondary applies its sync source\'s entries, not on the primary', async () => {
    // Manual, serverStatus "opcountersRepl": the operations replicated to this member;
    // db/stats/counters.h replOpCounters, counted in oplog.cpp's apply path.
    const c = new Cluster({ members: 3, seed: 74 });
    await c.initiate();
    const primary = await c.waitForPrimary(30_000);
    await c.advance(3000);
    const secondary = c.hosts.find((h) => h !== primary)!;
    const before = await c.command(secondary, { serverStatus: 1 });
    const primaryBefore = await c.command(primary, { serverStatus: 1 });
    await c.command(primary, { insert: 'c', documents: [{ _id: 1 }, { _id: 2 }, { _id: 3 }], writeConcern: { w: 3 } }, { db: 'test' });
    await c.command(primary, { update: 'c', updates: [{ q: { _id: 1 }, u: { $set: { x: 1 } } }], writeConcern: { w: 3 } }, { db: 'test' });
    await c.command(primary, { delete: 'c', deletes: [{ q: { _id: 2 }, limit: 1 }], writeConcern: { w: 3 } }, { db: 'test' });
    const after = await c.command(secondary, { serverStatus: 1 });
    const delta = (f: string) => Number(after.opcountersRepl[f]) - Number(before.opcountersRepl[f]);
    // The first insert also created the collection (a command entry).
    expect({ insert: delta('insert'), update: delta('update'), delete: delta('delete'), query: delta('query'), getmore: delta('getmore') }).toEqual({ insert: 3, update: 1, delete: 1, query: 0, getmore: 0 });
    expect(delta('command')).toBeGreaterThanOrEqual(1);
    const primaryAfter = await c.command(primary, { serverStatus: 1 });
    expect(Number(primaryAfter.opcountersRepl.insert)).toBe(Number(primaryBefore.opcountersRepl.insert));
    const keys = Object.keys(after);
    expect(keys.indexOf('opcounters')).toBeLessThan(keys.indexOf('opcountersRepl'));
    expect(keys.indexOf('opcountersRepl')).toBeLessThan(keys.indexOf('repl'));
    c.stopAll();
  });

  it('has no connections section without a wire server, and the wire server\'s counts with one', async () => {
    const c = new Cluster({ members: 3, seed: 75 });
    await c.initiate();
    const primary = await c.waitForPrimary(30_000);
    // The in-process harness serves members without a wire server: nothing to count.
    expect(await c.command(primary, { serverStatus: 1 })).not.toHaveProperty('connections');
    const counts = { current: 3, connectionsMax: 1000, totalCreated: 7, rejected: 0, active: 1, exhaustIsMaster: 0, exhaustHello: 2, awaitingTopologyChanges: 2, bytesIn: 500, bytesOut: 900, numRequests: 4 };
    c.member(primary)!.attachConnectionCounts(counts);
    const status = await c.command(primary, { serverStatus: 1 });
    expect(Object.keys(status).indexOf('connections')).toBeLessThan(Object.keys(status).indexOf('electionMetrics'));
    expect(status.connections).toEqual({ current: 3, available: 997, totalCreated: 7, rejected: 0, active: 1, exhaustIsMaster: 0, exhaustHello: 2, awaitingTopologyChanges: 2 });
    // On the wire (the harness hands back plain numbers): ints for the counts, longs for the hello ones.
    const raw = await c.member(primary)!.run({ db: 'admin', body: { serverStatus: 1 }, exhaustAllowed: false, moreToCome: false, connection: { id: 1, remote: 'client' }, signal: new AbortController().signal });
    expect(raw.connections.exhaustHello).toEqual(Long.fromNumber(2));
    expect(typeof raw.connections.current).toBe('number');
    expect(await c.command(primary, { serverStatus: 1, connections: 0 })).not.toHaveProperty('connections');
    c.stopAll();
  });
});
