import { describe, expect, it } from 'vitest';
import type { Document } from 'bson';
import { Cluster } from '../../src/harness/cluster';
import { OperationTable } from '../../src/commands/currentOp';
import { LogIds } from '../../src/log/ids';
import type { LogEntry } from '../../src/member/member';

// db/curop.cpp (reportCurrentOpForClient, CurOp::reportState), pipeline/document_source_current_op.cpp
// ($currentOp on admin with {aggregate: 1}) and db/commands/killop_cmd.cpp (killOp: admin only,
// `op` required and a number, {info: 'attempting to kill op'}, log 20482 "Going to kill op"); the
// operation killed fails with Interrupted (11601) "operation was interrupted" (manual: db.killOp()).

async function setUp(seed: number, log?: (host: string, entry: LogEntry) => void): Promise<{ c: Cluster; primary: string }> {
  const c = new Cluster({ members: 3, seed, testCommandsEnabled: true, ...(log === undefined ? {} : { log }) });
  await c.initiate();
  const primary = await c.waitForPrimary(30_000);
  await c.command(primary, { insert: 'orders', documents: [{ _id: 1 }] }, { db: 'shop' });
  // failCommand's blockConnection: the find sleeps 60 s, interruptibly, as in mongod (commands.cpp).
  await c.command(primary, { configureFailPoint: 'failCommand', mode: 'alwaysOn', data: { failCommands: ['find'], blockConnection: true, blockTimeMS: 60_000 } });
  return { c, primary };
}

async function started(seed: number): Promise<{ c: Cluster; primary: string }> {
  const c = new Cluster({ members: 3, seed });
  await c.initiate();
  return { c, primary: await c.waitForPrimary(30_000) };
}

async function currentOps(c: Cluster, host: string, match: Document): Promise<Document[]> {
  const reply = await c.command(host, { aggregate: 1, pipeline: [{ $currentOp: { allUsers: true, idleConnections: false } }, { $match: match }], cursor: {} });
  expect(reply.ok, JSON.stringify(reply)).toBe(1);
  return reply.cursor.firstBatch as Document[];
}

describe('$currentOp and killOp', () => {
  it('a blocked find shows in $currentOp as mongod reports it, and killOp ends it with Interrupted', async () => {
    const logs: LogEntry[] = [];
    const { c, primary } = await setUp(81, (_host, entry) => logs.push(entry));
    const slow = c.send(primary, { find: 'orders', filter: { _id: 1 } }, { db: 'shop' });
    await c.advance(2500);
    const ops = await currentOps(c, primary, { 'command.find': 'orders' });
    expect(ops).toHaveLength(1);
    const op = ops[0]!;
    expect(Object.keys(op).slice(0, 5)).toEqual(['type', 'host', 'desc', 'connectionId', 'client']);
    expect(op).toMatchObject({ type: 'op', host: primary, active: true, op: 'query', ns: 'shop.orders', redacted: false, waitingForLock: false, numYields: 0 });
    expect(op.command).toMatchObject({ find: 'orders', filter: { _id: 1 }, $db: 'shop' });
    expect(Number(op.secs_running)).toBe(2);
    expect(Number(op.microsecs_running)).toBeGreaterThanOrEqual(2_500_000);
    expect(op.currentOpTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00$/);
    expect(typeof op.opid).toBe('number');
    // The $currentOp aggregate is itself an operation in progress.
    expect(await currentOps(c, primary, { 'command.pipeline.0.$currentOp': { $exists: true } })).toHaveLength(1);

    const kill = await c.command(primary, { killOp: 1, op: op.opid });
    expect(kill).toMatchObject({ info: 'attempting to kill op', ok: 1 });
    await c.advance(10);
    const reply = await slow;
    expect(reply).toMatchObject({ ok: 0, code: 11601, codeName: 'Interrupted', errmsg: 'operation was interrupted' });
    expect(await currentOps(c, primary, { 'command.find': 'orders' })).toEqual([]);
    expect(logs.some((l) => l.id === LogIds.goingToKillOp.id && l.attr?.opId === op.opid)).toBe(true);
    c.stopAll();
  });

  it('a change stream\'s getMore waiting for events (awaitData) shows as op getmore, and killOp interrupts the wait', async () => {
    // The manual, db.killOp(): "terminates an operation as specified by the operation ID"; a
    // getMore on a change stream waits up to maxTimeMS for events (getmore_cmd.cpp awaitData).
    const { c, primary } = await started(84);
    await c.command(primary, { create: 'events' }, { db: 'shop' });
    const opened = await c.command(primary, { aggregate: 'events', pipeline: [{ $changeStream: {} }], cursor: {} }, { db: 'shop' });
    const cursorId = opened.cursor.id;
    const waiting = c.send(primary, { getMore: cursorId, collection: 'events', maxTimeMS: 30_000 }, { db: 'shop' });
    await c.advance(3000);
    const [op] = await currentOps(c, primary, { op: 'getmore', ns: 'shop.events' });
    expect(op).toMatchObject({ op: 'getmore', ns: 'shop.events', active: true, command: { collection: 'events', maxTimeMS: 30_000 } });
    expect(Number(op!.secs_running)).toBe(3);
    await c.command(primary, { killOp: 1, op: op!.opid });
    await c.advance(100);
    expect(await waiting).toMatchObject({ ok: 0, codeName: 'Interrupted' });
    // getmore_cmd.cpp: the failed getMore deleted its cursor.
    expect(await c.command(primary, { getMore: cursorId, collection: 'events', maxTimeMS: 10 }, { db: 'shop' })).toMatchObject({ ok: 0, codeName: 'CursorNotFound' });
    c.stopAll();
  });

  it('an insert waiting for w:3 shows as op insert; a killOp ends its wait but leaves the write (write_concern.cpp: the wait is interruptible)', async () => {
    const { c, primary } = await started(85);
    await c.advance(2000);
    c.kill(c.hosts.find((h) => h !== primary)!);
    const waiting = c.send(primary, { insert: 'orders', documents: [{ _id: 9 }], writeConcern: { w: 3, wtimeout: 4000 } }, { db: 'shop' });
    await c.advance(1000);
    const [op] = await currentOps(c, primary, { op: 'insert', ns: 'shop.orders' });
    expect(op).toMatchObject({ op: 'insert', command: { insert: 'orders', writeConcern: { w: 3, wtimeout: 4000 } } });
    await c.command(primary, { killOp: 1, op: op!.opid });
    await c.advance(10);
    const reply = await waiting;
    expect(reply).toMatchObject({ ok: 1, n: 1, writeConcernError: { code: 11601, codeName: 'Interrupted', errmsg: 'operation was interrupted' } });
    expect((await c.command(primary, { find: 'orders', filter: { _id: 9 } }, { db: 'shop' })).cursor.firstBatch).toHaveLength(1);
    c.stopAll();
  });

  it('an active getMore reports its cursor (getmore_cmd.cpp setGenericCursor_inlock; clientcursor.cpp toGenericCursor)', async () => {
    const { c, primary } = await started(86);
    await c.command(primary, { create: 'events' }, { db: 'shop' });
    const openedAt = c.member(primary)!.clock.now();
    const opened = await c.command(primary, { aggregate: 'events', pipeline: [{ $changeStream: {} }], cursor: {} }, { db: 'shop' });
    const cursorId = BigInt(String(opened.cursor.id));
    await c.advance(1000);
    // One event, then a getMore that returns it: two batches, one document.
    await c.command(primary, { insert: 'events', documents: [{ _id: 1 }], writeConcern: { w: 'majority' } }, { db: 'shop' });
    const first = await c.command(primary, { getMore: opened.cursor.id, collection: 'events', maxTimeMS: 1000 }, { db: 'shop' });
    expect(first.cursor.nextBatch).toHaveLength(1);
    const lastUsedAt = c.member(primary)!.clock.now();
    await c.advance(500);
    const waiting = c.send(primary, { getMore: opened.cursor.id, collection: 'events', maxTimeMS: 30_000 }, { db: 'shop' });
    await c.advance(2000);
    const [op] = await currentOps(c, primary, { op: 'getmore', ns: 'shop.events' });
    const cursor = op!.cursor as Document;
    expect(Object.keys(cursor)).toEqual(['cursorId', 'createdDate', 'lastAccessDate', 'nDocsReturned', 'nBatchesReturned', 'noCursorTimeout', 'tailable', 'awaitData', 'originatingCommand', 'operationUsingCursorId']);
    expect(BigInt(String(cursor.cursorId))).toBe(cursorId);
    expect(cursor).toMatchObject({ noCursorTimeout: false, tailable: true, awaitData: true, originatingCommand: { aggregate: 'events', pipeline: [{ $changeStream: {} }], $db: 'shop' } });
    expect(Number(cursor.nDocsReturned)).toBe(1);
    expect(Number(cursor.nBatchesReturned)).toBe(2);
    expect(Number(cursor.operationUsingCursorId)).toBe(op!.opid);
    expect((cursor.createdDate as Date).getTime()).toBeGreaterThanOrEqual(openedAt);
    // The last use is the getMore before this one: the date is set when a getMore lets the cursor go.
    expect((cursor.lastAccessDate as Date).getTime()).toBeGreaterThan((cursor.createdDate as Date).getTime() + 900);
    expect((cursor.lastAccessDate as Date).getTime()).toBeLessThanOrEqual(lastUsedAt);
    expect((cursor.lastAccessDate as Date).getTime()).toBeLessThan(c.member(primary)!.clock.now() - 1000);
    // A command that is not a getMore has no cursor.
    const [self] = await currentOps(c, primary, { 'command.pipeline.0.$currentOp': { $exists: true } });
    expect(self!.cursor).toBeUndefined();
    await c.advance(30_000);
    await waiting;
    c.stopAll();
  });

  it('idleCursors: true lists the open cursors no getMore is using, as type idleCursor', async () => {
    const { c, primary } = await started(87);
    await c.command(primary, { insert: 'orders', documents: [{ _id: 1 }, { _id: 2 }, { _id: 3 }] }, { db: 'shop' });
    const found = await c.command(primary, { find: 'orders', batchSize: 1 }, { db: 'shop' });
    const findId = BigInt(String(found.cursor.id));
    await c.command(primary, { getMore: found.cursor.id, collection: 'orders', batchSize: 1 }, { db: 'shop' });
    await c.command(primary, { create: 'events' }, { db: 'shop' });
    const stream = await c.command(primary, { aggregate: 'events', pipeline: [{ $changeStream: {} }], cursor: {} }, { db: 'shop' });
    const waiting = c.send(primary, { getMore: stream.cursor.id, collection: 'events', maxTimeMS: 10_000 }, { db: 'shop' });
    await c.advance(1000);
    const idleOnly = async (idleCursors: boolean): Promise<Document[]> => {
      const reply = await c.command(primary, { aggregate: 1, pipeline: [{ $currentOp: { idleCursors } }, { $match: { type: 'idleCursor', ns: /^shop\./ } }], cursor: {} });
      return reply.cursor.firstBatch as Document[];
    };
    expect(await idleOnly(false)).toEqual([]);
    const idle = await idleOnly(true);
    // The change stream's getMore has its cursor pinned: it is an active operation, not an idle cursor.
    expect(idle).toHaveLength(1);
    const [entry] = idle;
    expect(Object.keys(entry!)).toEqual(['type', 'host', 'ns', 'cursor']);
    expect(entry).toMatchObject({ type: 'idleCursor', host: primary, ns: 'shop.orders', cursor: { noCursorTimeout: false, tailable: false, awaitData: false, originatingCommand: { find: 'orders', batchSize: 1, $db: 'shop' } } });
    const cursor = entry!.cursor as Document;
    expect(BigInt(String(cursor.cursorId))).toBe(findId);
    expect([Number(cursor.nDocsReturned), Number(cursor.nBatchesReturned)]).toEqual([2, 2]);
    expect(cursor.operationUsingCursorId).toBeUndefined();
    await c.advance(10_000);
    await waiting;
    // Once the getMore is done, the stream is idle too.
    expect((await idleOnly(true)).map((d) => d.ns).sort()).toEqual(['shop.events', 'shop.orders']);
    c.stopAll();
  });

  it('a secondary\'s oplog getMore on its sync source reports its tailable awaitData cursor; an awaited empty batch counts as a batch', async () => {
    const { c, primary } = await started(88);
    await c.advance(3000);
    const tailing = await currentOps(c, primary, { op: 'getmore', ns: 'local.oplog.rs' });
    expect(tailing.length).toBeGreaterThan(0);
    for (const op of tailing) {
      expect(op.cursor).toMatchObject({ tailable: true, awaitData: true, noCursorTimeout: false, originatingCommand: { find: 'oplog.rs', tailable: true, awaitData: true, $db: 'local' } });
      expect(Number((op.cursor as Document).operationUsingCursorId)).toBe(op.opid);
      expect(Number((op.cursor as Document).nBatchesReturned)).toBeGreaterThan(1);
    }
    // A tailable awaitData cursor on a capped collection: a getMore that waits out its maxTimeMS returns one (empty) batch.
    await c.command(primary, { create: 'log', capped: true, size: 4096 }, { db: 'shop' });
    // An empty capped collection gives no tailable cursor (id 0), so one document first.
    await c.command(primary, { insert: 'log', documents: [{ _id: 1 }] }, { db: 'shop' });
    const opened = await c.command(primary, { find: 'log', tailable: true, awaitData: true }, { db: 'shop' });
    expect(opened.cursor.id, JSON.stringify(opened)).not.toEqual(0n);
    const more = await c.command(primary, { getMore: opened.cursor.id, collection: 'log', maxTimeMS: 500 }, { db: 'shop' });
    expect(more, JSON.stringify(more)).toMatchObject({ ok: 1, cursor: { nextBatch: [] } });
    const reply = await c.command(primary, { aggregate: 1, pipeline: [{ $currentOp: { idleCursors: true } }, { $match: { type: 'idleCursor', ns: 'shop.log' } }], cursor: {} });
    const [idle] = reply.cursor.firstBatch as Document[];
    expect(idle!.cursor).toMatchObject({ tailable: true, awaitData: true });
    expect([Number((idle!.cursor as Document).nDocsReturned), Number((idle!.cursor as Document).nBatchesReturned)]).toEqual([1, 2]);
    c.stopAll();
  });

  it('the legacy currentOp command filters like a query and answers {inprog}', async () => {
    const { c, primary } = await setUp(82);
    const slow = c.send(primary, { find: 'orders' }, { db: 'shop' });
    await c.advance(1000);
    const reply = await c.command(primary, { currentOp: 1, ns: 'shop.orders' });
    expect(reply.ok).toBe(1);
    expect((reply.inprog as Document[]).map((o) => o.op)).toEqual(['query']);
    await c.command(primary, { killOp: 1, op: (reply.inprog as Document[])[0]!.opid });
    await c.advance(10);
    expect((await slow).codeName).toBe('Interrupted');
    c.stopAll();
  });

  it('killOp: admin only, `op` required and a number; an unknown op is still "attempting to kill op"', async () => {
    const { c, primary } = await setUp(83);
    expect(await c.command(primary, { killOp: 1 })).toMatchObject({ ok: 0, codeName: 'BadValue', errmsg: 'Did not provide "op" field' });
    expect(await c.command(primary, { killOp: 1, op: 'x' })).toMatchObject({ ok: 0, codeName: 'BadValue' });
    expect(await c.command(primary, { killOp: 1, op: 12 }, { db: 'shop' })).toMatchObject({ ok: 0, codeName: 'Unauthorized' });
    expect(await c.command(primary, { killOp: 1, op: 999_999 })).toMatchObject({ info: 'attempting to kill op', ok: 1 });
    // $currentOp needs admin and {aggregate: 1}.
    expect(await c.command(primary, { aggregate: 'orders', pipeline: [{ $currentOp: {} }], cursor: {} }, { db: 'shop' })).toMatchObject({ ok: 0, codeName: 'InvalidNamespace' });
    c.stopAll();
  });
});

describe('OperationTable', () => {
  it('hands out increasing opids, lists what runs, and kill aborts the operation\'s signal only', () => {
    const table = new OperationTable();
    const connection = new AbortController();
    const request = { db: 'admin', body: { ping: 1 }, exhaustAllowed: false, moreToCome: false, connection: { id: 1, remote: 'c' }, signal: connection.signal };
    const a = table.begin(request, 0);
    const b = table.begin(request, 5);
    expect([a.opid, b.opid]).toEqual([1, 2]);
    expect(table.of(a.request)).toBe(a);
    expect(table.kill(b.opid)).toBe(true);
    expect(b.request.signal.aborted).toBe(true);
    expect(a.request.signal.aborted).toBe(false);
    table.end(b);
    expect(table.list()).toEqual([a]);
    expect(table.kill(b.opid)).toBe(false);
    connection.abort();
    expect(a.request.signal.aborted).toBe(true);
  });
});
