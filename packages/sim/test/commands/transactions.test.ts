import { Binary, Long } from 'bson';
import type { Document } from 'bson';
import { describe, expect, it } from 'vitest';
import { Cluster } from '../../src/harness/cluster';

// Multi-document transactions, MongoDB 7.0 semantics: the Transactions specification
// (mongodb/specifications source/transactions/transactions.md), mongod's
// src/mongo/db/transaction/transaction_participant.cpp (beginOrContinue: TransactionTooOld,
// NoSuchTransaction, "has been aborted"), session_catalog.cpp (one transaction per session),
// src/mongo/db/commands/txn_cmds.cpp (commitTransaction/abortTransaction), op_observer_impl.cpp
// (a commit logs one applyOps entry on admin.$cmd carrying lsid and txnNumber) and
// src/mongo/db/error_labels.cpp (TransientTransactionError).

const session = (fill: number) => ({ id: new Binary(new Uint8Array(16).fill(fill), Binary.SUBTYPE_UUID) });
const n = (value: number) => Long.fromNumber(value);

async function started(seed: number): Promise<{ c: Cluster; primary: string }> {
  const c = new Cluster({ members: 3, seed });
  await c.initiate();
  return { c, primary: await c.waitForPrimary(30_000) };
}

function stmt(lsid: Document, txnNumber: number, body: Document, first = false): Document {
  return { ...body, lsid, txnNumber: n(txnNumber), autocommit: false, ...(first ? { startTransaction: true } : {}) };
}

function commit(lsid: Document, txnNumber: number, writeConcern: Document = { w: 'majority' }): Document {
  return { commitTransaction: 1, lsid, txnNumber: n(txnNumber), autocommit: false, writeConcern };
}

function docs(c: Cluster, host: string, coll = 'c'): Document[] {
  return c.storage(host).documents('test', coll);
}

async function find(c: Cluster, host: string, body: Document): Promise<Document[]> {
  const reply = await c.command(host, body, { db: 'test' });
  expect(reply).toMatchObject({ ok: 1 });
  return (reply.cursor as Document).firstBatch as Document[];
}

describe('transactions', () => {
  it('see their own writes and a snapshot of others; commit logs one applyOps entry that the secondaries apply', async () => {
    const { c, primary } = await started(41);
    await c.command(primary, { insert: 'c', documents: [{ _id: 1, v: 0 }], writeConcern: { w: 'majority' } }, { db: 'test' });
    const a = session(1);
    expect(await c.command(primary, stmt(a, 1, { insert: 'c', documents: [{ _id: 2 }] }, true), { db: 'test' })).toMatchObject({ ok: 1, n: 1 });
    expect(await c.command(primary, stmt(a, 1, { update: 'c', updates: [{ q: { _id: 1 }, u: { $inc: { v: 1 } } }] }), { db: 'test' })).toMatchObject({ ok: 1, n: 1, nModified: 1 });
    // Inside: its own writes.
    expect(await find(c, primary, stmt(a, 1, { find: 'c', filter: {} }))).toEqual([{ _id: 1, v: 1 }, { _id: 2 }]);
    // Outside: nothing yet; a write outside to another document is not seen inside (snapshot isolation).
    expect(await find(c, primary, { find: 'c', filter: {} })).toEqual([{ _id: 1, v: 0 }]);
    await c.command(primary, { insert: 'c', documents: [{ _id: 3 }] }, { db: 'test' });
    expect(await find(c, primary, stmt(a, 1, { find: 'c', filter: {} }))).toEqual([{ _id: 1, v: 1 }, { _id: 2 }]);
    const committed = await c.command(primary, commit(a, 1), { db: 'admin' });
    expect(committed).toMatchObject({ ok: 1 });
    expect(committed.writeConcernError).toBeUndefined();
    expect(docs(c, primary)).toEqual([{ _id: 1, v: 1 }, { _id: 3 }, { _id: 2 }]);
    const entries = c.member(primary)!.repl.oplog.all().filter((e) => e.op === 'c' && e.ns === 'admin.$cmd');
    expect(entries).toHaveLength(1);
    expect(entries[0]!.txnNumber).toBe(1);
    // Each op carries its collection's UUID (`ui`), as OpObserverImpl packs them into applyOps.
    const ui = c.running(primary).storage.getCollection('test', 'c')!.uuid;
    expect(entries[0]!.o.applyOps).toEqual([
      { op: 'i', ns: 'test.c', ui, o: { _id: 2 } },
      { op: 'u', ns: 'test.c', ui, o2: { _id: 1 }, o: { $set: { v: 1 } } },
    ]);
    // w:majority: a majority has it applied.
    const applied = c.hosts.filter((h) => docs(c, h).some((d) => d._id === 2));
    expect(applied.length).toBeGreaterThanOrEqual(2);
    // A retried commit answers from the record and applies nothing again.
    expect(await c.command(primary, commit(a, 1), { db: 'admin' })).toMatchObject({ ok: 1 });
    expect(c.member(primary)!.repl.oplog.all().filter((e) => e.op === 'c' && e.ns === 'admin.$cmd')).toHaveLength(1);
    // After commit, a statement of the same number: TransactionCommitted (256).
    expect(await c.command(primary, stmt(a, 1, { find: 'c' }), { db: 'test' })).toMatchObject({ ok: 0, code: 256, codeName: 'TransactionCommitted' });
    c.stopAll();
  });

  it('abortTransaction discards the writes; the aborted number then answers NoSuchTransaction with TransientTransactionError', async () => {
    const { c, primary } = await started(42);
    const a = session(2);
    await c.command(primary, stmt(a, 3, { insert: 'c', documents: [{ _id: 1 }] }, true), { db: 'test' });
    expect(await c.command(primary, { abortTransaction: 1, lsid: a, txnNumber: n(3), autocommit: false }, { db: 'admin' })).toMatchObject({ ok: 1 });
    expect(docs(c, primary)).toEqual([]);
    const again = await c.command(primary, commit(a, 3), { db: 'admin' });
    expect(again).toMatchObject({ ok: 0, code: 251, codeName: 'NoSuchTransaction', errorLabels: ['TransientTransactionError'] });
    // An unknown number without startTransaction (transaction_participant.cpp beginOrContinue).
    const unknown = await c.command(primary, stmt(a, 9, { find: 'c' }), { db: 'test' });
    expect(unknown).toMatchObject({ ok: 0, code: 251, errorLabels: ['TransientTransactionError'] });
    expect(String(unknown.errmsg)).toContain('does not match any in-progress transactions');
    // An older number than the session's: TransactionTooOld.
    await c.command(primary, stmt(a, 10, { find: 'c' }, true), { db: 'test' });
    expect(await c.command(primary, stmt(a, 4, { find: 'c' }, true), { db: 'test' })).toMatchObject({ ok: 0, code: 225 });
    c.stopAll();
  });

  it('concurrent writers of one document: the second gets WriteConflict (112) with TransientTransactionError and is aborted', async () => {
    const { c, primary } = await started(43);
    await c.command(primary, { insert: 'c', documents: [{ _id: 1, v: 0 }] }, { db: 'test' });
    const a = session(3);
    const b = session(4);
    await c.command(primary, stmt(a, 1, { update: 'c', updates: [{ q: { _id: 1 }, u: { $set: { v: 'a' } } }] }, true), { db: 'test' });
    const conflict = await c.command(primary, stmt(b, 1, { update: 'c', updates: [{ q: { _id: 1 }, u: { $set: { v: 'b' } } }] }, true), { db: 'test' });
    expect(conflict).toMatchObject({ ok: 0, code: 112, codeName: 'WriteConflict', errorLabels: ['TransientTransactionError'] });
    expect(await c.command(primary, commit(b, 1), { db: 'admin' })).toMatchObject({ ok: 0, code: 251 });
    expect(await c.command(primary, commit(a, 1), { db: 'admin' })).toMatchObject({ ok: 1 });
    // A write committed after a transaction's snapshot conflicts too.
    await c.command(primary, stmt(b, 2, { find: 'c' }, true), { db: 'test' });
    await c.command(primary, { update: 'c', updates: [{ q: { _id: 1 }, u: { $set: { v: 'outside' } } }] }, { db: 'test' });
    expect(await c.command(primary, stmt(b, 2, { delete: 'c', deletes: [{ q: { _id: 1 }, limit: 1 }] }), { db: 'test' })).toMatchObject({ ok: 0, code: 112 });
    expect(docs(c, primary)).toEqual([{ _id: 1, v: 'outside' }]);
    c.stopAll();
  });

  it('a failover aborts the in-progress transaction: the new primary answers NoSuchTransaction, nothing of it is applied', async () => {
    const { c, primary } = await started(44);
    const a = session(5);
    await c.command(primary, stmt(a, 1, { insert: 'c', documents: [{ _id: 1 }] }, true), { db: 'test' });
    c.kill(primary);
    const next = await c.waitForPrimary(60_000);
    expect(next).not.toBe(primary);
    expect(await c.command(next, commit(a, 1), { db: 'admin' })).toMatchObject({ ok: 0, code: 251, errorLabels: ['TransientTransactionError'] });
    expect(docs(c, next)).toEqual([]);
    c.stopAll();
  });

  it('a commit retried on the new primary after a failover answers ok from the replicated applyOps entry', async () => {
    const { c, primary } = await started(45);
    const a = session(6);
    await c.command(primary, stmt(a, 7, { insert: 'c', documents: [{ _id: 1 }, { _id: 2 }] }, true), { db: 'test' });
    expect(await c.command(primary, commit(a, 7), { db: 'admin' })).toMatchObject({ ok: 1 });
    c.kill(primary);
    const next = await c.waitForPrimary(60_000);
    expect(await c.command(next, commit(a, 7), { db: 'admin' })).toMatchObject({ ok: 1 });
    expect(await c.command(next, { abortTransaction: 1, lsid: a, txnNumber: n(7), autocommit: false }, { db: 'admin' })).toMatchObject({ ok: 0, code: 256 });
    expect(docs(c, next)).toEqual([{ _id: 1 }, { _id: 2 }]);
    c.stopAll();
  });

  it('a transaction older than transactionLifetimeLimitSeconds is aborted', async () => {
    const { c, primary } = await started(46);
    const a = session(7);
    await c.command(primary, stmt(a, 1, { insert: 'c', documents: [{ _id: 1 }] }, true), { db: 'test' });
    await c.advance(61_000);
    const primaryNow = await c.waitForPrimary(30_000);
    const reply = await c.command(primaryNow, commit(a, 1), { db: 'admin' });
    expect(reply).toMatchObject({ ok: 0, code: 251 });
    expect(docs(c, primaryNow)).toEqual([]);
    c.stopAll();
  });

  it('killing the session aborts its in-progress transaction and releases its documents (killSessions, killAllSessions)', async () => {
    const { c, primary } = await started(48);
    await c.command(primary, { insert: 'c', documents: [{ _id: 1 }] }, { db: 'test' });
    const a = session(9);
    const b = session(10);
    await c.command(primary, stmt(a, 1, { update: 'c', updates: [{ q: { _id: 1 }, u: { $set: { by: 'a' } } }] }, true), { db: 'test' });
    expect(await c.command(primary, { killSessions: [a] }, { db: 'admin' })).toMatchObject({ ok: 1 });
    expect(await c.command(primary, stmt(b, 1, { update: 'c', updates: [{ q: { _id: 1 }, u: { $set: { by: 'b' } } }] }, true), { db: 'test' })).toMatchObject({ ok: 1, nModified: 1 });
    expect(await c.command(primary, { killAllSessions: [] }, { db: 'admin' })).toMatchObject({ ok: 1 });
    expect(await c.command(primary, commit(b, 1), { db: 'admin' })).toMatchObject({ ok: 0, code: 251 });
    expect(docs(c, primary)).toEqual([{ _id: 1 }]);
    c.stopAll();
  });

  it('refuses what a transaction may not do (InvalidOptions, OperationNotSupportedInTransaction)', async () => {
    const { c, primary } = await started(47);
    const a = session(8);
    expect(await c.command(primary, { find: 'c', lsid: a, txnNumber: n(1), autocommit: true }, { db: 'test' })).toMatchObject({ ok: 0, code: 72 });
    expect(await c.command(primary, stmt(a, 1, { count: 'c' }, true), { db: 'test' })).toMatchObject({ ok: 0, code: 263 });
    expect(await c.command(primary, stmt(a, 2, { insert: 'c', documents: [{}], writeConcern: { w: 1 } }, true), { db: 'test' })).toMatchObject({ ok: 0, code: 72 });
    await c.command(primary, stmt(a, 3, { find: 'c' }, true), { db: 'test' });
    expect(await c.command(primary, stmt(a, 3, { find: 'c', readConcern: { level: 'local' } }), { db: 'test' })).toMatchObject({ ok: 0, code: 72 });
    expect(await c.command(primary, { commitTransaction: 1 }, { db: 'admin' })).toMatchObject({ ok: 0, code: 72 });
    c.stopAll();
  });
});
