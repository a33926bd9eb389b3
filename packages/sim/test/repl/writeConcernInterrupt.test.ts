import { Binary, Long } from 'bson';
import type { Document } from 'bson';
import { describe, expect, it } from 'vitest';
import { Cluster } from '../../src/harness/cluster';

// mongod's write-concern wait is interruptible: waitForWriteConcern (db/write_concern.cpp) calls
// ReplicationCoordinatorImpl::awaitReplication, which waits on the OperationContext, so killOp
// (Interrupted 11601, "operation was interrupted": operation_context.cpp checkForInterruptNoAssert)
// or a closed connection (ClientDisconnect 279, _checkClientConnected) ends the wait. The write
// stays applied; the command answers ok: 1 and the status becomes its writeConcernError, with
// errInfo.writeConcern (CommandHelpers::appendCommandWCStatus).

const session = (fill: number) => ({ id: new Binary(new Uint8Array(16).fill(fill), Binary.SUBTYPE_UUID) });
const W3 = { w: 3 };

/** A set whose one secondary is down: a w:3 write waits until something ends its wait. */
async function setWithOneSecondaryDown(seed: number): Promise<{ c: Cluster; primary: string }> {
  const c = new Cluster({ members: 3, seed });
  await c.initiate();
  const primary = await c.waitForPrimary(30_000);
  await c.command(primary, { insert: 'orders', documents: [{ _id: 1, qty: 1 }, { _id: 2, qty: 2 }], writeConcern: { w: 3 } }, { db: 'shop' });
  c.kill(c.hosts.find((h) => h !== primary)!);
  return { c, primary };
}

async function opidOf(c: Cluster, host: string, match: Document): Promise<number> {
  const reply = await c.command(host, { aggregate: 1, pipeline: [{ $currentOp: { allUsers: true } }, { $match: match }], cursor: {} });
  const ops = reply.cursor.firstBatch as Document[];
  expect(ops, JSON.stringify(match)).toHaveLength(1);
  return ops[0]!.opid as number;
}

const waiters = (c: Cluster, host: string): number => c.member(host)!.repl.writeConcernWaiterCount;

const INTERRUPTED = { code: 11601, codeName: 'Interrupted', errmsg: 'operation was interrupted', errInfo: { writeConcern: { w: 3, wtimeout: 0, provenance: 'clientSupplied' } } };

interface Case {
  name: string;
  db: string;
  body: Document;
  /** How to find the operation in $currentOp. */
  match: Document;
  reply: Document;
  /** The orders after the write. */
  after: Document[];
}

const lsid = session(7);
const CASES: Case[] = [
  { name: 'insert', db: 'shop', body: { insert: 'orders', documents: [{ _id: 3, qty: 3 }], writeConcern: W3 }, match: { op: 'insert' }, reply: { n: 1 }, after: [{ _id: 1, qty: 1 }, { _id: 2, qty: 2 }, { _id: 3, qty: 3 }] },
  { name: 'update', db: 'shop', body: { update: 'orders', updates: [{ q: { _id: 1 }, u: { $set: { qty: 10 } } }], writeConcern: W3 }, match: { op: 'update' }, reply: { n: 1, nModified: 1 }, after: [{ _id: 1, qty: 10 }, { _id: 2, qty: 2 }] },
  { name: 'delete', db: 'shop', body: { delete: 'orders', deletes: [{ q: { _id: 2 }, limit: 1 }], writeConcern: W3 }, match: { op: 'remove' }, reply: { n: 1 }, after: [{ _id: 1, qty: 1 }] },
  {
    name: 'findAndModify',
    db: 'shop',
    body: { findAndModify: 'orders', query: { _id: 2 }, update: { $inc: { qty: 1 } }, new: true, writeConcern: W3 },
    match: { 'command.findAndModify': 'orders' },
    reply: { value: { _id: 2, qty: 3 } },
    after: [{ _id: 1, qty: 1 }, { _id: 2, qty: 3 }],
  },
  {
    name: 'a retryable insert',
    db: 'shop',
    body: { insert: 'orders', documents: [{ _id: 4 }], lsid, txnNumber: Long.fromNumber(1), writeConcern: W3 },
    match: { op: 'insert' },
    reply: { n: 1 },
    after: [{ _id: 1, qty: 1 }, { _id: 2, qty: 2 }, { _id: 4 }],
  },
];

describe('killOp during a write-concern wait', () => {
  CASES.forEach((t, index) => {
    it(`${t.name}: ok: 1 with an Interrupted writeConcernError, the write kept, the waiter gone`, async () => {
      const { c, primary } = await setWithOneSecondaryDown(300 + index);
      const waiting = c.send(primary, t.body, { db: t.db });
      await c.advance(2000);
      expect(waiters(c, primary)).toBe(1);
      const opid = await opidOf(c, primary, { ...t.match, ns: 'shop.orders' });
      expect(await c.command(primary, { killOp: 1, op: opid })).toMatchObject({ ok: 1 });
      await c.advance(10);
      const reply = await waiting;
      expect(reply).toMatchObject({ ok: 1, ...t.reply, writeConcernError: INTERRUPTED });
      expect(waiters(c, primary)).toBe(0);
      expect(c.storage(primary).documents('shop', 'orders')).toEqual(t.after);
      c.stopAll();
    });
  });

  it('commitTransaction: the commit stays, the reply carries the interruption', async () => {
    const { c, primary } = await setWithOneSecondaryDown(310);
    const a = session(9);
    const txn = { lsid: a, txnNumber: Long.fromNumber(1), autocommit: false };
    expect(await c.command(primary, { insert: 'orders', documents: [{ _id: 5 }], startTransaction: true, ...txn }, { db: 'shop' })).toMatchObject({ ok: 1 });
    const waiting = c.send(primary, { commitTransaction: 1, ...txn, writeConcern: W3 }, { db: 'admin' });
    await c.advance(2000);
    const opid = await opidOf(c, primary, { 'command.commitTransaction': 1 });
    await c.command(primary, { killOp: 1, op: opid });
    await c.advance(10);
    expect(await waiting).toMatchObject({ ok: 1, writeConcernError: INTERRUPTED });
    expect(waiters(c, primary)).toBe(0);
    expect(c.storage(primary).documents('shop', 'orders')).toContainEqual({ _id: 5 });
    c.stopAll();
  });

  it('a killed wait never comes back: a wtimeout that fires later changes nothing, and the secondary that returns is not waited for', async () => {
    const { c, primary } = await setWithOneSecondaryDown(311);
    const waiting = c.send(primary, { insert: 'orders', documents: [{ _id: 6 }], writeConcern: { w: 3, wtimeout: 5000 } }, { db: 'shop' });
    await c.advance(1000);
    await c.command(primary, { killOp: 1, op: await opidOf(c, primary, { op: 'insert' }) });
    await c.advance(10);
    expect((await waiting).writeConcernError).toMatchObject({ codeName: 'Interrupted', errInfo: { writeConcern: { w: 3, wtimeout: 5000 } } });
    expect(waiters(c, primary)).toBe(0);
    await c.advance(6000);
    expect(waiters(c, primary)).toBe(0);
    c.stopAll();
  });

  it('a closed connection ends the wait (ClientDisconnect); the document stays and the waiter is removed', async () => {
    const { c, primary } = await setWithOneSecondaryDown(312);
    const member = c.member(primary)!;
    const connection = new AbortController();
    const request = { db: 'shop', body: { insert: 'orders', documents: [{ _id: 7 }], writeConcern: W3 }, exhaustAllowed: false, moreToCome: false, connection: { id: 99, remote: '127.0.0.1:50000' }, signal: connection.signal };
    const running = member.run(request);
    await c.advance(1000);
    expect(waiters(c, primary)).toBe(1);
    connection.abort(new Error('connection 99 closed'));
    await c.advance(10);
    // Nobody reads this reply (the connection is gone); it is what mongod would have built.
    expect(await running).toMatchObject({ ok: 1, n: 1, writeConcernError: { code: 279, codeName: 'ClientDisconnect' } });
    expect(waiters(c, primary)).toBe(0);
    expect(c.storage(primary).documents('shop', 'orders')).toContainEqual({ _id: 7 });
    c.stopAll();
  });
});
