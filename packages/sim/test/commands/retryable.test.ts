import { Binary, Long } from 'bson';
import type { Document } from 'bson';
import { describe, expect, it } from 'vitest';
import { Cluster } from '../../src/harness/cluster';

// Retryable writes (the Retryable Writes specification; mongod's transaction_participant.cpp and
// write_ops_exec.cpp): the oplog entries of a write with lsid+txnNumber carry the session, the
// transaction number and the statement id, so a retry — on the same primary or on the one elected
// after it — answers from the record instead of applying the write twice.

const lsid = { id: new Binary(new Uint8Array(16).fill(9), Binary.SUBTYPE_UUID) };
const txn = (n: number) => Long.fromNumber(n);

async function started(seed: number): Promise<{ c: Cluster; primary: string }> {
  const c = new Cluster({ members: 3, seed });
  await c.initiate();
  return { c, primary: await c.waitForPrimary(30_000) };
}

function docs(c: Cluster, host: string): Document[] {
  return c.storage(host).documents('test', 'c');
}

describe('retryable writes', () => {
  it('a retried insert on the same primary counts the documents once and inserts nothing', async () => {
    const { c, primary } = await started(31);
    const insert = { insert: 'c', documents: [{ _id: 1 }, { _id: 2 }], lsid, txnNumber: txn(1) };
    expect(await c.command(primary, insert, { db: 'test' })).toMatchObject({ ok: 1, n: 2 });
    const retried = await c.command(primary, insert, { db: 'test' });
    expect(retried).toMatchObject({ ok: 1, n: 2 });
    expect(retried.writeErrors).toBeUndefined();
    expect(docs(c, primary)).toEqual([{ _id: 1 }, { _id: 2 }]);
    const entries = c.member(primary)!.repl.oplog.all().filter((e) => e.op === 'i' && e.ns === 'test.c');
    expect(entries.map((e) => [e.txnNumber, e.stmtId])).toEqual([
      [1, 0],
      [1, 1],
    ]);
    c.stopAll();
  });

  it('survives a failover: the new primary answers the retry of an insert and an $inc from its oplog', async () => {
    const { c, primary } = await started(32);
    const insert = { insert: 'c', documents: [{ _id: 1, n: 0 }, { _id: 2 }], lsid, txnNumber: txn(5), writeConcern: { w: 'majority' } };
    expect(await c.command(primary, insert, { db: 'test' })).toMatchObject({ ok: 1, n: 2 });
    const inc = { update: 'c', updates: [{ q: { _id: 1 }, u: { $inc: { n: 1 } } }, { q: { _id: 9 }, u: { $set: { x: 1 } }, upsert: true }], lsid, txnNumber: txn(6), writeConcern: { w: 'majority' } };
    expect(await c.command(primary, inc, { db: 'test' })).toMatchObject({ ok: 1, n: 2, nModified: 1, upserted: [{ index: 1, _id: 9 }] });
    // The primary dies before the client sees the replies; the client retries on the next primary.
    c.kill(primary);
    const next = await c.waitForPrimary(60_000);
    expect(next).not.toBe(primary);
    const retriedInc = await c.command(next, inc, { db: 'test' });
    expect(retriedInc).toMatchObject({ ok: 1, n: 2, nModified: 1, upserted: [{ index: 1, _id: 9 }] });
    // An older transaction number of the session is refused (TransactionTooOld, 225).
    expect(await c.command(next, insert, { db: 'test' })).toMatchObject({ ok: 0, code: 225, codeName: 'TransactionTooOld' });
    expect(docs(c, next)).toEqual([{ _id: 1, n: 1 }, { _id: 2 }, { _id: 9, x: 1 }]);
    c.stopAll();
  });

  it('a retry of a batch cut short runs only the statements that did not run; a delete retried counts once', async () => {
    const { c, primary } = await started(33);
    // Statement 0 ran under txnNumber 1; the retry carries the whole batch.
    await c.command(primary, { insert: 'c', documents: [{ _id: 1 }], lsid, txnNumber: txn(1) }, { db: 'test' });
    const whole = await c.command(primary, { insert: 'c', documents: [{ _id: 1 }, { _id: 2 }], lsid, txnNumber: txn(1) }, { db: 'test' });
    expect(whole).toMatchObject({ ok: 1, n: 2 });
    expect(whole.writeErrors).toBeUndefined();
    const del = { delete: 'c', deletes: [{ q: { _id: 1 }, limit: 1 }], lsid, txnNumber: txn(2) };
    expect(await c.command(primary, del, { db: 'test' })).toMatchObject({ ok: 1, n: 1 });
    await c.command(primary, { insert: 'c', documents: [{ _id: 1 }] }, { db: 'test' });
    // The retry does not delete the document inserted since.
    expect(await c.command(primary, del, { db: 'test' })).toMatchObject({ ok: 1, n: 1 });
    expect(docs(c, primary)).toEqual([{ _id: 2 }, { _id: 1 }]);
    c.stopAll();
  });

  it('multi-document updates and deletes are not retryable (InvalidOptions, 72)', async () => {
    const { c, primary } = await started(34);
    expect(await c.command(primary, { update: 'c', updates: [{ q: {}, u: { $set: { a: 1 } }, multi: true }], lsid, txnNumber: txn(1) }, { db: 'test' })).toMatchObject({ ok: 0, code: 72 });
    expect(await c.command(primary, { delete: 'c', deletes: [{ q: {}, limit: 0 }], lsid, txnNumber: txn(1) }, { db: 'test' })).toMatchObject({ ok: 0, code: 72 });
    c.stopAll();
  });
});

describe('the onPrimaryTransactionalWrite fail point (transaction_participant.cpp)', () => {
  it('failBeforeCommitExceptionCode fails the statement it fires on, uncommitted; the retry then runs it', async () => {
    const c = new Cluster({ members: 3, seed: 35, testCommandsEnabled: true });
    await c.initiate();
    const primary = await c.waitForPrimary(30_000);
    // {skip: 1}: the first statement commits, the second fails with InternalError (1).
    await c.command(primary, { configureFailPoint: 'onPrimaryTransactionalWrite', mode: { skip: 1 }, data: { closeConnection: false, failBeforeCommitExceptionCode: 1 } });
    const update = { update: 'c', updates: [{ q: { _id: 1 }, u: { $inc: { y: 1 } }, upsert: true }, { q: { _id: 2 }, u: { $inc: { y: 1 } }, upsert: true }], lsid, txnNumber: txn(1) };
    const first = await c.command(primary, update, { db: 'test' });
    expect(first).toMatchObject({ ok: 1, n: 1, writeErrors: [{ index: 1, code: 1, codeName: 'InternalError' }] });
    expect(docs(c, primary)).toEqual([{ _id: 1, y: 1 }]);
    await c.command(primary, { configureFailPoint: 'onPrimaryTransactionalWrite', mode: 'off' });
    // The retry counts statement 0 from the record and runs statement 1.
    const retried = await c.command(primary, update, { db: 'test' });
    expect(retried).toMatchObject({ ok: 1, n: 2, upserted: [{ index: 0, _id: 1 }, { index: 1, _id: 2 }] });
    expect(retried.writeErrors).toBeUndefined();
    expect(docs(c, primary)).toEqual([{ _id: 1, y: 1 }, { _id: 2, y: 1 }]);
    c.stopAll();
  });
});

describe('retryable findAndModify', () => {
  it('a retry on the next primary returns the first execution’s document from the image no-op and applies nothing', async () => {
    const { c, primary } = await started(36);
    await c.command(primary, { insert: 'c', documents: [{ _id: 1, n: 0 }], writeConcern: { w: 'majority' } }, { db: 'test' });
    const inc = { findAndModify: 'c', query: { _id: 1 }, update: { $inc: { n: 1 } }, new: true, lsid, txnNumber: txn(1), writeConcern: { w: 'majority' } };
    const first = await c.command(primary, inc, { db: 'test' });
    expect(first).toMatchObject({ ok: 1, lastErrorObject: { n: 1, updatedExisting: true }, value: { _id: 1, n: 1 } });
    const upsert = { findAndModify: 'c', query: { _id: 2 }, update: { $set: { x: 1 } }, upsert: true, lsid, txnNumber: txn(2), writeConcern: { w: 'majority' } };
    expect(await c.command(primary, upsert, { db: 'test' })).toMatchObject({ ok: 1, lastErrorObject: { n: 1, updatedExisting: false, upserted: 2 }, value: null });
    c.kill(primary);
    const next = await c.waitForPrimary(60_000);
    expect(await c.command(next, upsert, { db: 'test' })).toMatchObject({ ok: 1, lastErrorObject: { n: 1, updatedExisting: false, upserted: 2 }, value: null });
    expect(await c.command(next, { ...inc, txnNumber: txn(1) }, { db: 'test' })).toMatchObject({ ok: 0, code: 225 });
    expect(docs(c, next)).toEqual([{ _id: 1, n: 1 }, { _id: 2, x: 1 }]);
    c.stopAll();
  });

  it('retried on the same primary: the value returned is the first one, not a second $inc', async () => {
    const { c, primary } = await started(37);
    await c.command(primary, { insert: 'c', documents: [{ _id: 1, n: 0 }] }, { db: 'test' });
    const inc = { findAndModify: 'c', query: { _id: 1 }, update: { $inc: { n: 1 } }, lsid, txnNumber: txn(4) };
    expect(await c.command(primary, inc, { db: 'test' })).toMatchObject({ ok: 1, value: { _id: 1, n: 0 } });
    expect(await c.command(primary, inc, { db: 'test' })).toMatchObject({ ok: 1, value: { _id: 1, n: 0 } });
    expect(docs(c, primary)).toEqual([{ _id: 1, n: 1 }]);
    c.stopAll();
  });
});
