import { Binary, Long } from 'bson';
import type { Document } from 'bson';
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

  it('has every section mongod 7.0 reports by default that this member can count, in byte order of their names', async () => {
    // commands/server_status.cpp: sections kept in a map by name; the manual lists asserts, locks,
    // mem, metrics, opLatencies, storageEngine and transactions among the default ones.
    const c = new Cluster({ members: 3, seed: 76 });
    await c.initiate();
    const primary = await c.waitForPrimary(30_000);
    const keys = Object.keys(await c.command(primary, { serverStatus: 1 }));
    const sections = ['asserts', 'electionMetrics', 'locks', 'mem', 'metrics', 'opLatencies', 'opcounters', 'opcountersRepl', 'repl', 'storageEngine', 'transactions'];
    expect(keys.filter((k) => sections.includes(k))).toEqual(sections);
    const status = await c.command(primary, { serverStatus: 1 });
    // In-process there is no process to measure (mongod on a platform it cannot read says the same)
    // and no --dbpath journal.
    expect(status.mem).toEqual({ bits: 64, supported: false });
    expect(status.storageEngine).toMatchObject({ name: 'wiredTiger', supportsCommittedReads: true, persistent: false, readOnly: false });
    expect(status).not.toHaveProperty('network');
    c.stopAll();
  });

  it('counts opLatencies, metrics.commands, metrics.document, asserts and locks from the commands run (top.cpp, counters.h, assert_util.h)', async () => {
    const c = new Cluster({ members: 3, seed: 77 });
    await c.initiate();
    const primary = await c.waitForPrimary(30_000);
    await c.advance(2000);
    const before = await c.command(primary, { serverStatus: 1 });
    await c.command(primary, { insert: 'c', documents: [{ _id: 1 }, { _id: 2 }, { _id: 3 }], writeConcern: { w: 'majority' } }, { db: 'test' });
    await c.command(primary, { update: 'c', updates: [{ q: { _id: { $lte: 2 } }, u: { $set: { x: 1 } }, multi: true }] }, { db: 'test' });
    await c.command(primary, { delete: 'c', deletes: [{ q: { _id: 3 }, limit: 1 }] }, { db: 'test' });
    await c.command(primary, { find: 'c', filter: {} }, { db: 'test' });
    await c.command(primary, { noSuchCommand: 1 }, { db: 'test' });
    await c.command(primary, { insert: 'c' }, { db: 'test' });
    const after = await c.command(primary, { serverStatus: 1 });
    const delta = (doc: (s: Document) => unknown): number => Number(doc(after) ?? 0) - Number(doc(before) ?? 0);
    expect(delta((s) => s.metrics.document.inserted)).toBe(3);
    expect(delta((s) => s.metrics.document.updated)).toBe(2);
    expect(delta((s) => s.metrics.document.deleted)).toBe(1);
    expect(delta((s) => s.metrics.document.returned)).toBeGreaterThanOrEqual(2);
    expect(Number(after.metrics.commands.insert.total) - Number(before.metrics.commands.insert?.total ?? 0)).toBe(2);
    expect(Number(after.metrics.commands.insert.failed) - Number(before.metrics.commands.insert?.failed ?? 0)).toBe(1);
    expect(delta((s) => s.metrics.commands['<UNKNOWN>'])).toBe(1);
    expect(delta((s) => s.asserts.user)).toBe(2);
    expect(after.asserts.regular).toBe(0);
    // The w:majority insert waited for the secondaries: its latency is that wait, in microseconds.
    expect(delta((s) => s.opLatencies.writes.ops)).toBe(4);
    expect(delta((s) => s.opLatencies.writes.latency)).toBeGreaterThan(0);
    expect(delta((s) => s.opLatencies.writes.latency) % 1000).toBe(0);
    expect(delta((s) => s.opLatencies.reads.ops)).toBeGreaterThanOrEqual(1);
    expect(delta((s) => s.locks.Global.acquireCount.w)).toBe(4);
    // metrics.cursor: a find that leaves a cursor open counts as opened and open, until killed;
    // the oplog fetchers syncing from the primary hold tailable cursors on it all along.
    await c.command(primary, { insert: 'm', documents: Array.from({ length: 5 }, (_, i) => ({ _id: i })) }, { db: 'test' });
    const mark = (await c.command(primary, { serverStatus: 1 })).metrics.cursor;
    expect(Number(mark.open.total)).toBeGreaterThanOrEqual(1);
    const opened = await c.command(primary, { find: 'm', batchSize: 2, noCursorTimeout: true }, { db: 'test' });
    const during = (await c.command(primary, { serverStatus: 1 })).metrics.cursor;
    expect(Object.keys(during)).toEqual(['open', 'timedOut', 'totalOpened']);
    expect(Number(during.totalOpened) - Number(mark.totalOpened)).toBe(1);
    expect(Number(during.open.total) - Number(mark.open.total)).toBe(1);
    expect(Number(during.open.noTimeout) - Number(mark.open.noTimeout)).toBe(1);
    await c.command(primary, { killCursors: 'm', cursors: [opened.cursor.id] }, { db: 'test' });
    expect(Number((await c.command(primary, { serverStatus: 1 })).metrics.cursor.open.total)).toBe(Number(mark.open.total));
    // {opLatencies: {histograms: true}} (operation_latency_histogram.cpp): the buckets add up to ops.
    const histograms = (await c.command(primary, { serverStatus: 1, opLatencies: { histograms: true } })).opLatencies;
    for (const cls of ['reads', 'writes', 'commands']) {
      expect(Object.keys(histograms[cls])).toEqual(['histogram', 'latency', 'ops']);
      const buckets = histograms[cls].histogram as Document[];
      expect(buckets.reduce((sum, b) => sum + Number(b.count), 0)).toBe(Number(histograms[cls].ops));
    }
    // $collStats latencyStats: the same totals, for the one namespace.
    const stats = await c.command(primary, { aggregate: 'c', pipeline: [{ $collStats: { latencyStats: {} } }], cursor: {} }, { db: 'test' });
    expect(Number(stats.cursor.firstBatch[0].latencyStats.writes.ops)).toBe(4);
    expect(Number(stats.cursor.firstBatch[0].latencyStats.reads.ops)).toBe(1);
    c.stopAll();
  });

  it('counts transactions (started, open, committed, aborted) and a secondary\'s metrics.repl batches and getMores', async () => {
    const c = new Cluster({ members: 3, seed: 78 });
    await c.initiate();
    const primary = await c.waitForPrimary(30_000);
    await c.advance(2000);
    const secondary = c.hosts.find((h) => h !== primary)!;
    const secondaryBefore = (await c.command(secondary, { serverStatus: 1 })).metrics.repl;
    const lsid = { id: new Binary(new Uint8Array(16).fill(7), Binary.SUBTYPE_UUID) };
    const txn = (n: number, body: Document): Document => ({ ...body, lsid, txnNumber: Long.fromNumber(n), autocommit: false });
    await c.command(primary, { create: 't' }, { db: 'test' });
    await c.command(primary, txn(1, { insert: 't', documents: [{ _id: 1 }], startTransaction: true }), { db: 'test' });
    const open = (await c.command(primary, { serverStatus: 1 })).transactions;
    expect(open).toMatchObject({ currentOpen: 1, currentActive: 0, currentInactive: 1, totalStarted: 1 });
    expect(await c.command(primary, txn(1, { commitTransaction: 1, writeConcern: { w: 'majority' } }))).toMatchObject({ ok: 1 });
    await c.command(primary, txn(2, { insert: 't', documents: [{ _id: 2 }], startTransaction: true }), { db: 'test' });
    await c.command(primary, txn(2, { abortTransaction: 1 }));
    const done = (await c.command(primary, { serverStatus: 1 })).transactions;
    expect(done).toMatchObject({ currentOpen: 0, totalStarted: 2, totalCommitted: 1, totalAborted: 1, totalPrepared: 0 });
    // A retryable write sent again (same lsid and txnNumber): write_ops_exec.cpp counts the command
    // and each statement it finds already executed.
    const retrySession = { id: new Binary(new Uint8Array(16).fill(8), Binary.SUBTYPE_UUID) };
    const retryable = { insert: 't', documents: [{ _id: 10 }, { _id: 11 }], lsid: retrySession, txnNumber: Long.fromNumber(1) };
    expect(await c.command(primary, retryable, { db: 'test' })).toMatchObject({ ok: 1, n: 2 });
    expect(await c.command(primary, retryable, { db: 'test' })).toMatchObject({ ok: 1, n: 2 });
    expect((await c.command(primary, { serverStatus: 1 })).transactions).toMatchObject({ retriedCommandsCount: 1, retriedStatementsCount: 2 });
    const after = (await c.command(primary, { serverStatus: 1 })).opLatencies.transactions;
    expect(Number(after.ops)).toBe(2);
    await c.advance(2000);
    const secondaryAfter = (await c.command(secondary, { serverStatus: 1 })).metrics.repl;
    expect(Number(secondaryAfter.apply.batches.num)).toBeGreaterThan(Number(secondaryBefore.apply.batches.num));
    expect(Number(secondaryAfter.apply.ops) - Number(secondaryBefore.apply.ops)).toBeGreaterThanOrEqual(2);
    expect(Number(secondaryAfter.network.getmores.num)).toBeGreaterThan(Number(secondaryBefore.network.getmores.num));
    c.stopAll();
  });

  it('{repl: 1} adds repl.replicationProgress: each member\'s durable and applied optimes in config order (replication_info.cpp, fillMemberData)', async () => {
    const c = new Cluster({ members: 3, seed: 79 });
    await c.initiate();
    const primary = await c.waitForPrimary(30_000);
    await c.command(primary, { insert: 'c', documents: [{ _id: 1 }], writeConcern: { w: 3 } }, { db: 'test' });
    expect((await c.command(primary, { serverStatus: 1 })).repl).not.toHaveProperty('replicationProgress');
    const status = await c.command(primary, { serverStatus: 1, repl: 1 });
    const progress = status.repl.replicationProgress as Document[];
    expect(progress.map((p) => p.host)).toEqual(c.hosts);
    expect(progress.map((p) => p.memberId)).toEqual([0, 1, 2]);
    const self = progress.find((p) => p.host === primary)!;
    expect(self.lastAppliedOpTime).toEqual(status.repl.lastWrite.opTime);
    for (const p of progress) expect(Object.keys(p)).toEqual(['host', 'optime', 'lastAppliedOpTime', 'memberId']);
    c.stopAll();
  });
});
