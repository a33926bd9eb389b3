import type { Document } from 'bson';
import { serverError } from '../../base/errors';
import type { OplogEntry, OplogOp } from '../../storage/oplog';
import { isPlainObject } from '../../storage/values';
import { sessionKeyOf } from '../sessions';

/**
 * Retryable writes (the Retryable Writes specification; mongod's session_catalog.cpp,
 * transaction_participant.cpp and write_ops_exec.cpp). A write with `lsid` and `txnNumber` (and no
 * `autocommit`) is executed statement by statement; every oplog entry a statement writes carries
 * the session, the transaction number and the statement id. A retry of the same transaction number
 * skips the statements already executed and answers for them from their oplog entries, so a write
 * the old primary made and replicated is not applied twice by the new one: the member that becomes
 * primary builds the session's history from its own oplog (mongod keeps that history in the
 * replicated `config.transactions` table and reads the statements back from the oplog chain it
 * points to; here the oplog is scanned directly, once per session and term).
 */

/** The write commands a driver retries with a txnNumber (lower case), and the field that holds their batch ('' for findAndModify's one statement). */
export const RETRYABLE_WRITE_COMMANDS: ReadonlyMap<string, string> = new Map([
  ['insert', 'documents'],
  ['update', 'updates'],
  ['delete', 'deletes'],
  ['findandmodify', ''],
]);

interface SessionHistory {
  /** The term in which this history was built or last extended; another term rebuilds it. */
  term: number;
  txnNumber: number;
  /** Statement id → the ops the statement wrote (its i/u/d ops, and a findAndModify's image no-op). */
  executed: Map<number, OplogOp[]>;
}

/** The retryable write a command asks for, or undefined when it is not one. */
export interface RetryableWrite {
  readonly sessionKey: string;
  readonly lsid: Document;
  readonly txnNumber: number;
  /** The statement id of item `index` of the batch. */
  stmtId(index: number): number;
}

export function retryableWriteOf(command: string, body: Document): RetryableWrite | undefined {
  command = command.toLowerCase();
  if (!RETRYABLE_WRITE_COMMANDS.has(command) || body.txnNumber === undefined || body.autocommit !== undefined) return undefined;
  const sessionKey = sessionKeyOf(body.lsid);
  if (sessionKey === undefined) throw serverError('InvalidOptions', 'Transaction number requires a session ID to also be specified');
  const txnNumber = Number(body.txnNumber);
  if (!Number.isSafeInteger(txnNumber) || txnNumber < 0) throw serverError('BadValue', `Transaction number cannot be negative: ${String(body.txnNumber)}`);
  const stmtIds: unknown = body.stmtIds;
  const first = typeof body.stmtId === 'number' ? body.stmtId : 0;
  const field = RETRYABLE_WRITE_COMMANDS.get(command)!;
  const items: unknown = body[field];
  if (Array.isArray(items)) {
    for (const item of items) {
      if (!isPlainObject(item)) continue;
      if (command === 'update' && item.multi === true) throw serverError('InvalidOptions', 'Cannot use (or request) retryable writes with multi=true');
      if (command === 'delete' && Number(item.limit) === 0) throw serverError('InvalidOptions', 'Cannot use (or request) retryable writes with limit=0');
    }
  }
  return {
    sessionKey,
    lsid: body.lsid as Document,
    txnNumber,
    stmtId: (index) => (Array.isArray(stmtIds) && typeof stmtIds[index] === 'number' ? stmtIds[index] : first + index),
  };
}

/** One member's view of the retryable writes of every session. */
export class RetryableWriteHistory {
  private readonly bySession = new Map<string, SessionHistory>();

  /**
   * The statements of `write`'s transaction number that already ran (empty for a new number).
   * TransactionTooOld (225) if the session has moved on to a newer number.
   */
  begin(write: RetryableWrite, term: number, oplog: readonly OplogEntry[]): ReadonlyMap<number, readonly OplogOp[]> {
    let history = this.bySession.get(write.sessionKey);
    if (history === undefined || history.term !== term) {
      history = scanOplog(write.sessionKey, oplog, term);
      this.bySession.set(write.sessionKey, history);
    }
    if (write.txnNumber < history.txnNumber) {
      throw serverError(
        'TransactionTooOld',
        `Retryable write with txnNumber ${write.txnNumber} is prohibited on session ${write.sessionKey} because a newer retryable write with txnNumber ${history.txnNumber} has already started on this session.`,
      );
    }
    if (write.txnNumber > history.txnNumber) {
      history.txnNumber = write.txnNumber;
      history.executed = new Map();
    }
    return history.executed;
  }

  /** A statement of the session's current transaction number has written `ops`. */
  record(write: RetryableWrite, stmtId: number, ops: readonly OplogOp[]): void {
    const history = this.bySession.get(write.sessionKey);
    if (history !== undefined && history.txnNumber === write.txnNumber && !history.executed.has(stmtId)) history.executed.set(stmtId, [...ops]);
  }
}

/** A session's newest transaction number in the oplog and the statements it executed. */
function scanOplog(sessionKey: string, oplog: readonly OplogEntry[], term: number): SessionHistory {
  const history: SessionHistory = { term, txnNumber: -1, executed: new Map() };
  for (let i = oplog.length - 1; i >= 0; i--) {
    const entry = oplog[i]!;
    if (entry.lsid === undefined || entry.txnNumber === undefined || entry.stmtId === undefined) continue;
    if (entry.txnNumber < history.txnNumber) continue;
    // Only this module tags entries, always with a checked lsid.
    if (sessionKeyOf(entry.lsid) !== sessionKey) continue;
    if (entry.txnNumber > history.txnNumber) {
      history.txnNumber = entry.txnNumber;
      history.executed = new Map();
    }
    // Newest first: put each older entry of a statement in front.
    const ops = history.executed.get(entry.stmtId);
    if (ops === undefined) history.executed.set(entry.stmtId, [entry]);
    else ops.unshift(entry);
  }
  return history;
}

/** Tag the i/u/d ops a statement wrote with its session info; returns them. */
export function tagStatementOps(ops: OplogOp[], write: RetryableWrite, stmtId: number): OplogOp[] {
  const tagged: OplogOp[] = [];
  for (const op of ops) {
    if (op.op !== 'i' && op.op !== 'u' && op.op !== 'd') continue;
    op.lsid = write.lsid;
    op.txnNumber = write.txnNumber;
    op.stmtId = stmtId;
    tagged.push(op);
  }
  return tagged;
}

/**
 * A findAndModify's image no-op: the document its reply returned, kept in the oplog next to the
 * write so a retry on any member can answer with it (mongod 4.x logged the image as such a no-op
 * and pointed to it with preImageOpTime/postImageOpTime; 5.1+ keeps it in config.image_collection).
 */
export function imageOp(ns: string, value: Document, write: RetryableWrite, stmtId: number): OplogOp {
  return { op: 'n', ns, o: value, lsid: write.lsid, txnNumber: write.txnNumber, stmtId };
}

/** The reply to a retried findAndModify, from the ops its first execution wrote. */
export function retriedFindAndModifyReply(ops: readonly OplogOp[]): Document {
  const write = ops.find((op) => op.op !== 'n');
  const image = ops.find((op) => op.op === 'n');
  const lastErrorObject: Document = { n: 1 };
  if (write?.op === 'u') lastErrorObject.updatedExisting = true;
  if (write?.op === 'i') {
    lastErrorObject.updatedExisting = false;
    lastErrorObject.upserted = write.o._id;
  }
  return { lastErrorObject, value: image === undefined ? null : image.o, ok: 1 };
}
