import { Binary, Long } from 'bson';
import type { Document } from 'bson';
import { describe, expect, it } from 'vitest';
import { serverError } from '../../src/base/errors';
import type { ErrorCodeName } from '../../src/base/errors';
import { errorLabelsFor, isRetryableCommand, withErrorLabels } from '../../src/commands/errorLabels';
import { Cluster } from '../../src/harness/cluster';

// mongod's rule (src/mongo/db/error_labels.cpp, ErrorLabelBuilder::isRetryableWriteError) and the
// retryable-writes specification's list of retryable codes.

const lsid = { id: new Binary(new Uint8Array(16), Binary.SUBTYPE_UUID) };
const retryableInsert: Document = { insert: 'c', documents: [{ _id: 1 }], lsid, txnNumber: Long.fromNumber(3) };

function failed(name: ErrorCodeName): Document {
  return serverError(name, 'failed').toReply();
}

describe('error labels (RetryableWriteError)', () => {
  it('labels a retryable write that failed with each of the spec’s retryable codes', () => {
    const names: ErrorCodeName[] = [
      'InterruptedAtShutdown',
      'InterruptedDueToReplStateChange',
      'NotWritablePrimary',
      'NotPrimaryNoSecondaryOk',
      'NotPrimaryOrSecondary',
      'PrimarySteppedDown',
      'ShutdownInProgress',
      'HostNotFound',
      'HostUnreachable',
      'NetworkTimeout',
      'SocketException',
      'ExceededTimeLimit',
    ];
    for (const name of names) expect(errorLabelsFor('insert', retryableInsert, failed(name)), name).toEqual(['RetryableWriteError']);
  });

  it('leaves other codes, successes and writes without txnNumber unlabelled', () => {
    expect(errorLabelsFor('insert', retryableInsert, failed('DuplicateKey'))).toEqual([]);
    expect(errorLabelsFor('insert', retryableInsert, failed('WriteConcernFailed'))).toEqual([]);
    expect(errorLabelsFor('insert', retryableInsert, { ok: 1, n: 1 })).toEqual([]);
    expect(errorLabelsFor('insert', { insert: 'c', documents: [] }, failed('NotWritablePrimary'))).toEqual([]);
  });

  it('labels an ok:1 reply whose writeConcernError has a retryable code, not one that timed out', () => {
    const steppedDown = { ok: 1, n: 1, writeConcernError: serverError('PrimarySteppedDown', 'Primary stepped down while waiting for replication').toWriteConcernError() };
    expect(withErrorLabels('insert', retryableInsert, steppedDown)).toEqual({ ...steppedDown, errorLabels: ['RetryableWriteError'] });
    const timedOut = { ok: 1, n: 1, writeConcernError: serverError('WriteConcernFailed', 'waiting for replication timed out').toWriteConcernError() };
    expect(withErrorLabels('insert', retryableInsert, timedOut)).toBe(timedOut);
  });

  it('counts commitTransaction/abortTransaction in a transaction as retryable, other commands in one not', () => {
    const inTransaction = { lsid, txnNumber: Long.fromNumber(1), autocommit: false };
    expect(isRetryableCommand('commitTransaction', { commitTransaction: 1, ...inTransaction })).toBe(true);
    expect(isRetryableCommand('abortTransaction', { abortTransaction: 1, ...inTransaction })).toBe(true);
    expect(isRetryableCommand('insert', { insert: 'c', ...inTransaction })).toBe(false);
    expect(isRetryableCommand('find', { find: 'c' })).toBe(false);
  });

  // error_labels.cpp isTransientTransactionError: WriteConflict, LockTimeout and
  // PreparedTransactionInProgress are transient in any statement of a transaction, commit included
  // (the transactions-convenient-api spec's commit-transienttransactionerror test retries on 267).
  it('labels WriteConflict, LockTimeout and PreparedTransactionInProgress in a transaction TransientTransactionError, commit included', () => {
    const inTxn = { lsid, txnNumber: Long.fromNumber(4), autocommit: false };
    for (const name of ['WriteConflict', 'LockTimeout', 'PreparedTransactionInProgress'] as const) {
      expect(errorLabelsFor('insert', { insert: 'c', documents: [{}], ...inTxn }, failed(name)), name).toContain('TransientTransactionError');
      expect(errorLabelsFor('commitTransaction', { commitTransaction: 1, ...inTxn }, failed(name)), name).toContain('TransientTransactionError');
    }
    expect(errorLabelsFor('commitTransaction', { commitTransaction: 1, ...inTxn }, failed('DuplicateKey'))).not.toContain('TransientTransactionError');
  });

  it('keeps labels already on a reply once', () => {
    const reply = { ...failed('NotWritablePrimary'), errorLabels: ['RetryableWriteError'] };
    expect(withErrorLabels('insert', retryableInsert, reply).errorLabels).toEqual(['RetryableWriteError']);
  });

  it('a member labels the reply of a retryable write it refuses while shut down', async () => {
    const c = new Cluster({ members: 1, seed: 5 });
    await c.initiate();
    const host = await c.waitForPrimary(30_000);
    const member = c.running(host);
    c.kill(host);
    const request = (body: Document) => ({ db: 'test', body, exhaustAllowed: false, moreToCome: false, connection: { id: 1, remote: 'client' }, signal: new AbortController().signal });
    expect(await member.run(request(retryableInsert))).toEqual({ ok: 0, errmsg: 'interrupted at shutdown', code: 11600, codeName: 'InterruptedAtShutdown', errorLabels: ['RetryableWriteError'] });
    expect(await member.run(request({ insert: 'c', documents: [{ _id: 1 }] }))).toEqual({ ok: 0, errmsg: 'interrupted at shutdown', code: 11600, codeName: 'InterruptedAtShutdown' });
  });
});
