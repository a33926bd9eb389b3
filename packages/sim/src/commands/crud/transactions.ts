import type { Document } from 'bson';
import { serverError } from '../../base/errors';
import type { OpTime } from '../../base/optime';
import type { OplogEntry, OplogOp } from '../../storage/oplog';
import { parseNamespace } from '../../storage/namespace';
import { UndoToken } from '../../storage/storage';
import type { Storage } from '../../storage/storage';
import { indexKey, isPlainObject } from '../../storage/values';
import { sessionKeyOf } from '../sessions';

/**
 * Multi-document transactions on a replica-set member, MongoDB 7.0 semantics (the Transactions
 * specification; mongod's transaction_participant.cpp for the per-session state machine,
 * session_catalog.cpp for one transaction per session at a time, txn_cmds.cpp for
 * commitTransaction/abortTransaction, op_observer_impl.cpp for the one `applyOps` entry a commit
 * writes).
 *
 * A transaction starts with `startTransaction: true`, `autocommit: false` and a `txnNumber` on a
 * session. Its first statement takes a snapshot of the member's data (a copy: stored documents are
 * immutable and shared, so a copy costs maps, not documents); every statement then reads and writes
 * that copy, so the transaction sees its own writes and nobody else's (snapshot isolation). Writes
 * are first-writer-wins per document, as WiredTiger's: a write to a document another in-progress
 * transaction has written, or that a committed write changed after the snapshot, fails with
 * WriteConflict (112) and aborts the transaction. commitTransaction applies the transaction's ops to
 * the member's data and logs them as one `applyOps` oplog entry, replicated like any other.
 *
 * One deviation, chosen for a simulator without lock waits: a write outside a transaction to a
 * document an in-progress transaction has written does not wait for the transaction (mongod makes it
 * retry its write conflict until the transaction ends); it goes through and the transaction is
 * aborted, so its next statement gets NoSuchTransaction with TransientTransactionError.
 */

/** mongod's transactionLifetimeLimitSeconds default: an in-progress transaction older than this is aborted. */
export const transactionLifetimeLimitSecondsDefault = 60;

/** The commands a transaction may run (mongod's list of commands allowed in multi-document transactions). */
const TRANSACTION_COMMANDS: ReadonlySet<string> = new Set([
  'find',
  'getMore',
  'killCursors',
  'aggregate',
  'distinct',
  'insert',
  'update',
  'delete',
  'findAndModify',
  'findandmodify',
  'create',
  'createIndexes',
  'commitTransaction',
  'abortTransaction',
]);

/** The databases a transaction may not touch. */
const TRANSACTION_FORBIDDEN_DATABASES: ReadonlySet<string> = new Set(['admin', 'config', 'local']);

/** The readConcern levels a transaction may start with. */
const TRANSACTION_READ_CONCERN_LEVELS: ReadonlySet<string> = new Set(['local', 'majority', 'snapshot']);

export type TransactionState = 'inProgress' | 'committed' | 'aborted';

/** A command's transaction fields, checked (initialize_operation_session_info.cpp). */
export interface TransactionArgs {
  readonly sessionKey: string;
  readonly lsid: Document;
  readonly txnNumber: number;
  readonly startTransaction: boolean;
}

export interface Transaction {
  readonly sessionKey: string;
  readonly lsid: Document;
  readonly txnNumber: number;
  state: TransactionState;
  /** The term it started in: a new term (a step-down, a failover) means it was aborted. */
  readonly term: number;
  readonly startedMillis: number;
  /** The snapshot plus the transaction's own writes. */
  readonly working: Storage;
  /** The ops its statements wrote to `working`, in order: the commit's applyOps. */
  readonly ops: OplogOp[];
  /** `ns` + `_id` key of every document it wrote. */
  readonly written: Set<string>;
  /** The commit's optime (committed transactions that wrote). */
  commitOpTime?: OpTime;
  /** Why it was aborted, for the log. */
  abortCause?: string;
}

/** Whether the command is part of a transaction (it carries `autocommit`). */
export function isTransactionCommand(body: Document): boolean {
  return body.autocommit !== undefined;
}

export function isCommitOrAbort(canonical: string): boolean {
  return canonical === 'commitTransaction' || canonical === 'abortTransaction';
}

/** The transaction fields of a command that carries `autocommit`, validated as mongod does. */
export function transactionArgsOf(canonical: string, db: string, body: Document): TransactionArgs {
  if (body.autocommit !== false) throw serverError('InvalidOptions', 'Specifying autocommit=true is not allowed.');
  if (body.txnNumber === undefined) throw serverError('InvalidOptions', "'autocommit' field requires a transaction number to also be specified");
  const sessionKey = sessionKeyOf(body.lsid);
  if (sessionKey === undefined) throw serverError('InvalidOptions', 'Transaction number requires a session ID to also be specified');
  const txnNumber = Number(body.txnNumber);
  if (!Number.isSafeInteger(txnNumber) || txnNumber < 0) throw serverError('BadValue', `Transaction number cannot be negative: ${String(body.txnNumber)}`);
  if (body.startTransaction !== undefined && body.startTransaction !== true) throw serverError('InvalidOptions', 'Specifying startTransaction=false is not allowed.');
  if (!TRANSACTION_COMMANDS.has(canonical)) throw serverError('OperationNotSupportedInTransaction', `Cannot run '${canonical}' in a multi-document transaction.`);
  // pipeline/document_source_out.cpp, document_source_merge.cpp: neither stage runs in a transaction.
  if (canonical === 'aggregate' && Array.isArray(body.pipeline)) {
    const last: unknown = body.pipeline[body.pipeline.length - 1];
    const name = isPlainObject(last) ? Object.keys(last)[0] : undefined;
    if (name === '$out' || name === '$merge') throw serverError('OperationNotSupportedInTransaction', `${name} cannot be used in a transaction`);
  }
  if (isCommitOrAbort(canonical)) {
    if (db !== 'admin') throw serverError('Unauthorized', `${canonical} may only be run against the admin database.`);
  } else if (TRANSACTION_FORBIDDEN_DATABASES.has(db)) {
    throw serverError('OperationNotSupportedInTransaction', `Cannot run command against the '${db}' database in a transaction.`);
  }
  if (!isCommitOrAbort(canonical) && body.writeConcern !== undefined) {
    throw serverError('InvalidOptions', 'Cannot set write concern after starting a transaction.');
  }
  return { sessionKey, lsid: body.lsid as Document, txnNumber, startTransaction: body.startTransaction === true };
}

/** The readConcern a transaction's first statement may carry; InvalidOptions on a later one. */
export function checkTransactionReadConcern(args: TransactionArgs, body: Document): void {
  const rc: unknown = body.readConcern;
  if (rc === undefined) return;
  if (!args.startTransaction) throw serverError('InvalidOptions', 'Only the first command in a transaction may specify a readConcern');
  const level: unknown = isPlainObject(rc) ? rc.level : undefined;
  if (level !== undefined && (typeof level !== 'string' || !TRANSACTION_READ_CONCERN_LEVELS.has(level))) {
    throw serverError('InvalidOptions', `The readConcern level must be either 'local' (default), 'majority' or 'snapshot' in order to run in a transaction`);
  }
}

/** The key of one document for conflict detection. */
function documentKey(ns: string, id: unknown): string {
  return `${ns}\u0000${indexKey(id)}`;
}

/** The namespace and `_id` a document op wrote (undefined for commands and no-ops). */
function documentOf(op: OplogOp): { ns: string; id: unknown } | undefined {
  if (op.op === 'i' || op.op === 'd') return { ns: op.ns, id: op.o._id };
  if (op.op === 'u' && op.o2 !== undefined) return { ns: op.ns, id: op.o2._id };
  return undefined;
}

/** The document as it was before `op` in the storage that applied it (its undo token's pre-image). */
function preImageOf(op: OplogOp): { known: boolean; doc: Document | undefined } {
  if (!(op.undo instanceof UndoToken)) return { known: false, doc: undefined };
  const action = op.undo.action;
  return action.kind === 'doc' ? { known: true, doc: action.pre } : { known: false, doc: undefined };
}

/** An op as it goes into the commit's applyOps array (BSON fields only, no undo token). */
function innerOp(op: OplogOp): Document {
  const out: Document = { op: op.op, ns: op.ns };
  if (op.ui !== undefined) out.ui = op.ui;
  out.o = op.o;
  if (op.o2 !== undefined) out.o2 = op.o2;
  if (op.b !== undefined) out.b = op.b;
  return out;
}

/** The applyOps oplog op that commits `txn` (ns admin.$cmd; the session on the entry). */
export function commitOp(txn: Transaction): OplogOp {
  return { op: 'c', ns: 'admin.$cmd', o: { applyOps: txn.ops.map(innerOp) }, lsid: txn.lsid, txnNumber: txn.txnNumber };
}

/** Whether an oplog entry is the commit of the session's transaction `txnNumber`. */
function isCommitEntryOf(entry: OplogEntry, sessionKey: string, txnNumber: number): boolean {
  if (entry.op !== 'c' || entry.txnNumber !== txnNumber || entry.lsid === undefined) return false;
  if (!Array.isArray(entry.o.applyOps)) return false;
  return sessionKeyOf(entry.lsid) === sessionKey;
}

function writeConflict(): Error {
  return serverError('WriteConflict', 'Caused by :: Write conflict during plan execution and yielding is disabled. :: Please retry your operation or multi-document transaction.');
}

/** What the table needs of the member, per call. */
export interface TransactionMember {
  readonly term: number;
  nowMillis(): number;
  /** The member's oplog, oldest first (a retried commit on a new primary finds its entry there). */
  oplogEntries(): readonly OplogEntry[];
}

/** One member's transactions: the newest per session. */
export class TransactionTable {
  private readonly bySession = new Map<string, Transaction>();
  /** serverStatus().transactions' totals (transaction_metrics_observer.cpp): started, committed, aborted since the member started. */
  readonly totals = { started: 0, committed: 0, aborted: 0 };
  readonly lifetimeLimitSeconds: number;

  constructor(options: { lifetimeLimitSeconds?: number } = {}) {
    this.lifetimeLimitSeconds = options.lifetimeLimitSeconds ?? transactionLifetimeLimitSecondsDefault;
  }

  /** The session's newest transaction, if any (for tests and the timeline). */
  get(sessionKey: string): Transaction | undefined {
    return this.bySession.get(sessionKey);
  }

  /** In-progress transactions (after aborting the stale ones). */
  inProgress(member: TransactionMember): Transaction[] {
    const out: Transaction[] = [];
    for (const txn of this.bySession.values()) {
      this.expire(txn, member);
      if (txn.state === 'inProgress') out.push(txn);
    }
    return out;
  }

  /**
   * An in-progress transaction from an older term was aborted by the step-down or failover that
   * ended that term (mongod aborts unprepared transactions when it leaves primary); one older than
   * transactionLifetimeLimitSeconds by the periodic reaper.
   */
  private expire(txn: Transaction, member: TransactionMember): void {
    if (txn.state !== 'inProgress') return;
    if (txn.term !== member.term) this.abort(txn, 'the member left primary since the transaction started');
    else if (member.nowMillis() - txn.startedMillis > this.lifetimeLimitSeconds * 1000) {
      this.abort(txn, `it has been running for longer than 'transactionLifetimeLimitSeconds' (${this.lifetimeLimitSeconds})`);
    }
  }

  private abort(txn: Transaction, cause: string): void {
    if (txn.state === 'inProgress') this.totals.aborted += 1;
    txn.state = 'aborted';
    txn.abortCause = cause;
  }

  /**
   * The transaction a statement (not commit/abort) runs in: a new one for `startTransaction`, the
   * session's in-progress one otherwise (TransactionParticipant::beginOrContinue). `snapshot`
   * makes the new transaction's copy of the data.
   */
  beginOrContinue(args: TransactionArgs, member: TransactionMember, snapshot: () => Storage): Transaction {
    const current = this.bySession.get(args.sessionKey);
    if (current !== undefined) this.expire(current, member);
    if (current !== undefined && args.txnNumber < current.txnNumber) {
      throw serverError(
        'TransactionTooOld',
        `Cannot start transaction ${args.txnNumber} on session ${args.sessionKey} because a newer transaction ${current.txnNumber} has already started.`,
      );
    }
    if (current === undefined || args.txnNumber > current.txnNumber) {
      if (!args.startTransaction) {
        throw serverError(
          'NoSuchTransaction',
          `Given transaction number ${args.txnNumber} does not match any in-progress transactions. The active transaction number is ${current?.txnNumber ?? -1}`,
        );
      }
      if (current !== undefined && current.state === 'inProgress') this.abort(current, 'a newer transaction started on the session');
      const txn: Transaction = {
        sessionKey: args.sessionKey,
        lsid: args.lsid,
        txnNumber: args.txnNumber,
        state: 'inProgress',
        term: member.term,
        startedMillis: member.nowMillis(),
        working: snapshot(),
        ops: [],
        written: new Set(),
      };
      this.totals.started += 1;
      this.bySession.set(args.sessionKey, txn);
      return txn;
    }
    if (args.startTransaction) {
      throw serverError('ConflictingOperationInProgress', `Cannot start a transaction at given transaction number ${args.txnNumber} a transaction with the same number is in state ${current.state}`);
    }
    if (current.state === 'aborted') throw serverError('NoSuchTransaction', `Transaction with { txnNumber: ${args.txnNumber} } has been aborted.`);
    if (current.state === 'committed') throw serverError('TransactionCommitted', `Transaction with { txnNumber: ${args.txnNumber} } has been committed.`);
    return current;
  }

  /**
   * A statement of `txn` wrote `ops` to its copy: check each document against the member's data
   * and the other in-progress transactions (first writer wins), then take the ops. WriteConflict
   * (and the transaction aborted) when another got there first.
   */
  statementWrote(txn: Transaction, ops: readonly OplogOp[], base: Storage, member: TransactionMember): void {
    const others = this.inProgress(member).filter((other) => other !== txn);
    for (const op of ops) {
      const target = documentOf(op);
      if (target === undefined) continue;
      const key = documentKey(target.ns, target.id);
      if (others.some((other) => other.written.has(key))) {
        this.abort(txn, 'write conflict with another transaction');
        throw writeConflict();
      }
      if (!txn.written.has(key)) {
        const pre = preImageOf(op);
        const { db, coll } = parseNamespace(target.ns);
        // Stored documents are never mutated: a different object means a write since the snapshot.
        if (pre.known && base.getCollection(db, coll)?.getById(target.id) !== pre.doc) {
          this.abort(txn, 'write conflict with a write committed after the snapshot');
          throw writeConflict();
        }
      }
      txn.written.add(key);
    }
    txn.ops.push(...ops);
  }

  /** A statement failed: the transaction is aborted (mongod aborts a transaction on any statement's error). */
  statementFailed(txn: Transaction): void {
    if (txn.state === 'inProgress') this.abort(txn, 'a statement failed');
  }

  /** Writes outside any transaction changed these documents: the in-progress transactions that wrote them lose. */
  nonTransactionalWrite(ops: readonly OplogOp[], member: TransactionMember): void {
    const open = this.inProgress(member);
    if (open.length === 0) return;
    for (const op of ops) {
      const target = documentOf(op);
      if (target === undefined) continue;
      const key = documentKey(target.ns, target.id);
      for (const txn of open) if (txn.written.has(key)) this.abort(txn, 'a write outside the transaction changed a document it wrote');
    }
  }

  /** These sessions were killed or ended: their in-progress transactions are aborted. */
  sessionsKilled(sessionKeys: ReadonlySet<string>): void {
    for (const key of sessionKeys) {
      const txn = this.bySession.get(key);
      if (txn !== undefined && txn.state === 'inProgress') this.abort(txn, 'the session was killed');
    }
  }

  /** A retryable write with a newer txnNumber on the session ends its in-progress transaction. */
  sessionMovedOn(sessionKey: string, txnNumber: number): void {
    const current = this.bySession.get(sessionKey);
    if (current !== undefined && current.state === 'inProgress' && txnNumber > current.txnNumber) this.abort(current, 'a newer retryable write started on the session');
  }

  /**
   * What commitTransaction finds: the in-progress transaction to commit, or the state of one that
   * ended. A transaction this member does not know (after a failover) is committed when its commit
   * entry is in the oplog; else NoSuchTransaction.
   */
  forCommit(args: TransactionArgs, member: TransactionMember): { txn: Transaction | undefined; committed: boolean } {
    const current = this.endable(args, member);
    if (current !== undefined && current.txnNumber === args.txnNumber) {
      if (current.state === 'aborted') throw serverError('NoSuchTransaction', `Transaction with { txnNumber: ${args.txnNumber} } has been aborted.`);
      return { txn: current, committed: current.state === 'committed' };
    }
    if (member.oplogEntries().some((entry) => isCommitEntryOf(entry, args.sessionKey, args.txnNumber))) return { txn: undefined, committed: true };
    throw serverError('NoSuchTransaction', `Transaction with { txnNumber: ${args.txnNumber} } has been aborted.`);
  }

  /** abortTransaction: aborts the in-progress transaction; TransactionCommitted or NoSuchTransaction otherwise. */
  abortForCommand(args: TransactionArgs, member: TransactionMember): void {
    const current = this.endable(args, member);
    const committedHere = current !== undefined && current.txnNumber === args.txnNumber && current.state === 'committed';
    const committedInOplog = (current === undefined || current.txnNumber !== args.txnNumber) && member.oplogEntries().some((entry) => isCommitEntryOf(entry, args.sessionKey, args.txnNumber));
    if (committedHere || committedInOplog) throw serverError('TransactionCommitted', `Transaction with { txnNumber: ${args.txnNumber} } has been committed.`);
    if (current === undefined || current.txnNumber !== args.txnNumber || current.state !== 'inProgress') {
      throw serverError('NoSuchTransaction', `Transaction with { txnNumber: ${args.txnNumber} } has been aborted.`);
    }
    this.abort(current, 'abortTransaction');
  }

  private endable(args: TransactionArgs, member: TransactionMember): Transaction | undefined {
    const current = this.bySession.get(args.sessionKey);
    if (current === undefined) return undefined;
    this.expire(current, member);
    if (args.txnNumber < current.txnNumber) {
      throw serverError(
        'TransactionTooOld',
        `Cannot start transaction ${args.txnNumber} on session ${args.sessionKey} because a newer transaction ${current.txnNumber} has already started.`,
      );
    }
    return current;
  }

  /** Transactions in progress now (serverStatus().transactions.currentOpen). */
  openCount(): number {
    let n = 0;
    for (const txn of this.bySession.values()) if (txn.state === 'inProgress') n++;
    return n;
  }

  /** The commit was logged at `opTime` (undefined: a transaction that wrote nothing). */
  committed(txn: Transaction, opTime: OpTime | undefined): void {
    if (txn.state === 'inProgress') this.totals.committed += 1;
    txn.state = 'committed';
    if (opTime !== undefined) txn.commitOpTime = opTime;
  }

  /** The documents of config.transactions for the sessions this member knows (transaction_participant.cpp's session records). */
  records(): Document[] {
    const out: Document[] = [];
    for (const txn of this.bySession.values()) {
      if (txn.state !== 'committed') continue;
      const record: Document = { _id: txn.lsid, txnNum: txn.txnNumber, state: 'committed' };
      if (txn.commitOpTime !== undefined) record.lastWriteOpTime = { ts: txn.commitOpTime.ts, t: txn.commitOpTime.t };
      out.push(record);
    }
    return out;
  }
}
