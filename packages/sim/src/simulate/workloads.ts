/**
 * What the simulated clients do: each planned operation as the commands a driver would send, and
 * its reply read as ok / fail / info for the history. Register documents live in
 * `jepsen.register`, the set in `jepsen.set`, retryable pushes in `jepsen.retry`, list-append keys
 * in `jepsen.lists`.
 */
import { Binary, Long } from 'bson';
import type { Document } from 'bson';
import type { Random } from '../random/random';
import type { CasResult, RegisterCas, RegisterRead, RegisterReadResult, RegisterWrite } from './checkers/register';
import type { RetryablePush, SetAdd } from './checkers/set';
import type { MicroOp } from './checkers/listAppend';
import { NetworkError } from '../net/network';
import type { Outcome, SimClient } from './client';
import { isDefiniteFailure, networkOutcome, replyError, writeOutcome } from './client';
import type { PlannedOp } from './plan';

export const DB = 'jepsen';

/** What one client remembers between operations (the value a cas expects). */
export interface ClientMemory {
  lastSeen: Map<string, number>;
  txnNumber: number;
  lsid: Binary;
}

export function newClientMemory(random: Random): ClientMemory {
  const bytes = new Uint8Array(16);
  for (let i = 0; i < 16; i++) bytes[i] = random.nextUint32() & 0xff;
  bytes[6] = (bytes[6]! & 0x0f) | 0x40;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  return { lastSeen: new Map(), txnNumber: 0, lsid: new Binary(bytes, Binary.SUBTYPE_UUID) };
}

function wtimeout(random: Random): Document {
  const t = random.pick([0, 2000, 5000]);
  return t === 0 ? { w: 'majority' } : { w: 'majority', wtimeout: t };
}

async function attempt(client: SimClient, host: string | undefined, cmd: Document, read: (reply: Document) => Outcome): Promise<{ outcome: Outcome; node?: string }> {
  if (host === undefined) return { outcome: { type: 'fail', value: null, error: 'no primary known' } };
  try {
    const reply = await client.send(host, DB, cmd);
    return { outcome: read(reply), node: host };
  } catch (error) {
    return { outcome: networkOutcome(error), node: host };
  }
}

/** Run one planned operation (recorded in the history). */
export async function runOperation(client: SimClient, memory: ClientMemory, op: PlannedOp): Promise<void> {
  switch (op.f) {
    case 'write': {
      const value: RegisterWrite = { key: op.key, value: op.value };
      await client.operate('write', value, async () => {
        const host = await client.primary();
        const done = await attempt(client, host, { update: 'register', updates: [{ q: { _id: op.key }, u: { $set: { v: op.value }, $push: { h: op.value } }, upsert: true }], writeConcern: wtimeout(client.random) }, (r) => writeOutcome(r));
        if (done.outcome.type === 'ok') memory.lastSeen.set(op.key, op.value);
        return done;
      });
      return;
    }
    case 'cas': {
      const from = memory.lastSeen.get(op.key);
      if (from === undefined) {
        // Nothing to compare with yet: read instead.
        await runOperation(client, memory, { f: 'read', key: op.key, rc: 'linearizable', secondary: false });
        return;
      }
      const value: RegisterCas = { key: op.key, from, to: op.to };
      await client.operate('cas', value, async () => {
        const host = await client.primary();
        const cmd = { findAndModify: 'register', query: { _id: op.key, v: from }, update: { $set: { v: op.to }, $push: { h: op.to } }, new: true, writeConcern: wtimeout(client.random) };
        const done = await attempt(client, host, cmd, (reply) => {
          if (reply.ok === 1 && reply.value === null) return { type: 'ok', value: { applied: false } satisfies CasResult };
          return writeOutcome(reply, { applied: true } satisfies CasResult);
        });
        if (done.outcome.type === 'ok' && (done.outcome.value as CasResult).applied) memory.lastSeen.set(op.key, op.to);
        return done;
      });
      return;
    }
    case 'read': {
      const value: RegisterRead = { key: op.key, rc: op.rc };
      await client.operate(
        'read',
        value,
        async () => {
          const host = op.secondary ? client.random.pick(client.hosts) : await client.primary();
          const cmd: Document = { find: 'register', filter: { _id: op.key }, readConcern: { level: op.rc } };
          if (op.rc === 'linearizable') cmd.maxTimeMS = 5000;
          if (op.secondary) cmd.$readPreference = { mode: 'secondaryPreferred' };
          const done = await attempt(client, host, cmd, readRegisterReply);
          if (done.outcome.type !== 'ok') done.outcome = { ...done.outcome, type: 'fail' };
          else {
            const got = done.outcome.value as RegisterReadResult;
            if (got.value !== null) memory.lastSeen.set(op.key, got.value);
          }
          return done;
        },
        `${op.rc}${op.secondary ? ' secondaryPreferred' : ''}`,
      );
      return;
    }
    case 'add': {
      const value: SetAdd = { id: op.id, w: op.w };
      await client.operate(
        'add',
        value,
        async () => attempt(client, await client.primary(), { insert: 'set', documents: [{ _id: op.id }], writeConcern: op.w === 1 ? { w: 1 } : op.w === 'majority' ? wtimeout(client.random) : { w: op.w, wtimeout: 5000 } }, (r) => writeOutcome(r)),
        `w:${op.w}`,
      );
      return;
    }
    case 'push':
      await runRetryablePush(client, memory, op);
      return;
    case 'txn':
      await runTransaction(client, memory, op.mops);
      return;
  }
}

function readRegisterReply(reply: Document): Outcome {
  if (reply.ok !== 1) return { type: 'fail', value: null, error: replyError(reply) };
  const doc = ((reply.cursor as Document).firstBatch as Document[])[0];
  const result: RegisterReadResult = { value: doc ? (doc.v as number) : null, history: doc ? [...(doc.h as number[])] : [] };
  return { type: 'ok', value: result };
}

// ---- retryable writes

/** Attempts of one retryable write: the first, the driver's one retry, and one the workload forces. */
const RETRYABLE_ATTEMPTS_MAX = 3;

function isRetryable(reply: Document): boolean {
  const labels = reply.errorLabels as unknown;
  if (Array.isArray(labels) && labels.includes('RetryableWriteError')) return true;
  const wce = reply.writeConcernError as Document | undefined;
  return Array.isArray(wce?.errorLabels) && (wce.errorLabels as unknown[]).includes('RetryableWriteError');
}

/**
 * A retryable write (retryable writes spec): the same command, `lsid` and `txnNumber` sent again
 * after a network error or a RetryableWriteError, to whichever member is primary by then; with
 * `forceRetry` it is also sent again after an acknowledgement, as if the reply had been lost.
 */
async function runRetryablePush(client: SimClient, memory: ClientMemory, op: Extract<PlannedOp, { f: 'push' }>): Promise<void> {
  const txnNumber = ++memory.txnNumber;
  const value: RetryablePush = { doc: op.doc, token: op.token, txnNumber };
  await client.operate('push', value, async () => {
    const cmd = { update: 'retry', updates: [{ q: { _id: op.doc }, u: { $push: { tokens: op.token } }, upsert: true }], lsid: { id: memory.lsid }, txnNumber: Long.fromNumber(txnNumber), writeConcern: { w: 'majority', wtimeout: 5000 } };
    let final: Outcome | undefined;
    let definiteOnly = true;
    let node: string | undefined;
    const notes: string[] = [];
    for (let i = 0; i < RETRYABLE_ATTEMPTS_MAX; i++) {
      const host = await client.primary();
      if (host === undefined) {
        notes.push('no primary');
        continue;
      }
      node = host;
      let outcome: Outcome;
      let retry: boolean;
      try {
        const reply = await client.send(host, DB, cmd);
        outcome = writeOutcome(reply);
        retry = outcome.type !== 'ok' && isRetryable(reply);
      } catch (error) {
        outcome = networkOutcome(error);
        retry = true;
      }
      notes.push(`attempt ${i + 1} on ${host}: ${outcome.type}${outcome.error ? ` (${outcome.error})` : ''}`);
      if (outcome.type !== 'fail') definiteOnly = false;
      if (outcome.type === 'ok') {
        final = outcome;
        if (op.forceRetry && i === 0) continue;
        break;
      }
      if (!retry) {
        final ??= outcome;
        break;
      }
      client.forgetPrimary();
    }
    const outcome: Outcome = final ?? { type: definiteOnly ? 'fail' : 'info', value: null, error: 'retries exhausted' };
    if (outcome.type === 'fail' && !definiteOnly) outcome.type = 'info';
    return { outcome, ...(node === undefined ? {} : { node }), note: notes.join('; ') };
  });
}

// ---- list-append transactions

/**
 * One transaction (transactions spec): `startTransaction` and snapshot read concern on the first
 * statement, `autocommit: false` on every one, all on one member, then `commitTransaction` with
 * w:"majority". A failure before the commit aborts it (fail); a commit that cannot be confirmed is
 * unknown (info).
 */
async function runTransaction(client: SimClient, memory: ClientMemory, planned: readonly MicroOp[]): Promise<void> {
  const txnNumber = ++memory.txnNumber;
  await client.operate('txn', planned, async () => {
    const host = await client.primary();
    if (host === undefined) return { outcome: { type: 'fail', value: null, error: 'no primary known' } };
    const session = { lsid: { id: memory.lsid }, txnNumber: Long.fromNumber(txnNumber), autocommit: false };
    const done: MicroOp[] = [];
    const abort = async (error: string): Promise<{ outcome: Outcome; node: string }> => {
      try {
        await client.send(host, 'admin', { abortTransaction: 1, ...session });
      } catch (e) {
        // The transaction is aborted on the server anyway (it never commits without commitTransaction).
        if (!(e instanceof NetworkError)) throw e;
      }
      return { outcome: { type: 'fail', value: null, error }, node: host };
    };
    for (let i = 0; i < planned.length; i++) {
      const m = planned[i]!;
      const first = i === 0 ? { startTransaction: true, readConcern: { level: 'snapshot' } } : {};
      const cmd: Document =
        m[0] === 'append'
          ? { update: 'lists', updates: [{ q: { _id: m[1] }, u: { $push: { l: m[2] } }, upsert: true }], ...session, ...first }
          : { find: 'lists', filter: { _id: m[1] }, ...session, ...first };
      let reply: Document;
      try {
        reply = await client.send(host, DB, cmd);
      } catch (error) {
        return abort(networkOutcome(error).error ?? 'network error');
      }
      if (reply.ok !== 1 || (Array.isArray(reply.writeErrors) && reply.writeErrors.length > 0)) return abort(replyError(reply.ok !== 1 ? reply : (reply.writeErrors as Document[])[0]!));
      if (m[0] === 'append') done.push(m);
      else {
        const doc = ((reply.cursor as Document).firstBatch as Document[])[0];
        done.push(['r', m[1], doc ? [...(doc.l as number[])] : []]);
      }
    }
    let reply: Document;
    try {
      reply = await client.send(host, 'admin', { commitTransaction: 1, ...session, writeConcern: { w: 'majority', wtimeout: 5000 } });
    } catch (error) {
      const outcome = networkOutcome(error);
      return { outcome: { ...outcome, type: outcome.type === 'fail' ? 'fail' : 'info' }, node: host };
    }
    if (reply.ok !== 1) {
      const labels = Array.isArray(reply.errorLabels) ? (reply.errorLabels as string[]) : [];
      const unknown = labels.includes('UnknownTransactionCommitResult') || !(labels.includes('TransientTransactionError') || isDefiniteFailure(reply));
      return { outcome: { type: unknown ? 'info' : 'fail', value: null, error: replyError(reply) }, node: host };
    }
    if (reply.writeConcernError) return { outcome: { type: 'info', value: null, error: `writeConcernError ${replyError(reply.writeConcernError as Document)}` }, node: host };
    return { outcome: { type: 'ok', value: done }, node: host };
  });
}

// ---- final reads, after the set healed

/** Read every document of `coll` on `host` (majority-committed); undefined if the read failed. */
export async function readAll(client: SimClient, host: string, coll: string): Promise<Document[] | undefined> {
  try {
    const reply = await client.send(host, DB, { find: coll, filter: {}, batchSize: 1_000_000, singleBatch: true, readConcern: { level: 'majority' } });
    if (reply.ok !== 1) return undefined;
    return (reply.cursor as Document).firstBatch as Document[];
  } catch (error) {
    if (error instanceof NetworkError) return undefined;
    throw error;
  }
}

/** The final linearizable read of one register key, recorded as an operation. */
export async function finalRegisterRead(client: SimClient, host: string, key: string): Promise<Outcome> {
  const value: RegisterRead = { key, rc: 'linearizable', final: true };
  return client.operate(
    'read',
    value,
    async () => {
      const done = await attempt(client, host, { find: 'register', filter: { _id: key }, readConcern: { level: 'linearizable' }, maxTimeMS: 10_000 }, readRegisterReply);
      if (done.outcome.type !== 'ok') done.outcome = { ...done.outcome, type: 'fail' };
      return done;
    },
    'final',
  );
}
