import { Long } from 'bson';
import type { Document } from 'bson';
import { sessionKeyOf } from '../sessions';
import { tsInc, tsSecs, tsToBson } from '../../base/optime';
import { SNAPSHOT_READ_COMMANDS, parseReadConcern, waitForReadConcern } from './readConcern';
import type { ReadConcern } from './readConcern';
import { RETRYABLE_WRITE_COMMANDS, RetryableWriteHistory, imageOp, retriedFindAndModifyReply, retryableWriteOf, tagStatementOps } from './retryable';
import type { RetryableWrite } from './retryable';
import type { OplogOp } from '../../storage/oplog';
import type { OpTime } from '../../base/optime';
import type { CommandRequest } from '../handler';
import { ErrorCodes, ServerError, codeNameFor, commandNotFound, isErrorCodeName, serverError } from '../../base/errors';
import { Storage } from '../../storage/storage';
import { sleepOn } from '../../clock/clock';
import { asBigInt } from './parse';
import { isPlainObject } from '../../storage/values';
import type { CrudCommands, CrudContext, StorageCommandContext, StorageCommandResult } from './context';
import { CursorManager } from './cursors';
import type { CursorLimits } from './cursors';
import { ChangeStreamCursors, isChangeStreamAggregate } from './changeStreams';
import type { ChangeStreamMember } from './changeStreams';
import { TransactionTable, checkTransactionReadConcern, commitOp, isCommitOrAbort, isTransactionCommand, transactionArgsOf } from './transactions';
import type { TransactionArgs, TransactionMember } from './transactions';
import type { CursorCounts, TransactionStats } from './context';
import { originatingCommandOf } from '../../base/cursorActivity';
import type { CursorReport } from '../../base/cursorActivity';

/** The pieces of the CRUD dispatcher this adapter needs (passed in to avoid an import cycle with index.ts). */
export interface CrudDispatcher {
  readonly names: ReadonlySet<string>;
  kind(commandName: string): 'read' | 'write' | undefined;
  run(db: string, body: Document, ctx: StorageCommandContext): StorageCommandResult;
}

export interface MemberCrudOptions {
  /**
   * The storage to run against. Omit it to share one module between members (as the cluster
   * harness does): each command then runs against its member's `storage`, which must be a Storage.
   */
  storage?: Storage;
  /** The clock's `now` for cursor timeouts; default: the member's clock. */
  now?: () => number;
  cursorLimits?: Partial<CursorLimits>;
  firstCursorId?: bigint;
  /** mongod's transactionLifetimeLimitSeconds (default 60): older in-progress transactions are aborted. */
  transactionLifetimeLimitSeconds?: number;
}

/** getmore_cmd.cpp: how long an awaitData getMore waits when it has no maxTimeMS. */
const AWAIT_DATA_MILLIS_DEFAULT = 1000;
/** How often a waiting awaitData getMore looks at its collection again, in the member's clock. */
const AWAIT_DATA_POLL_MILLIS = 10;

/** The transaction commands this module adds to the dispatcher's (commands/crud/transactions.ts). */
const TRANSACTION_END_COMMANDS = ['commitTransaction', 'abortTransaction'];

/** The data a read runs against and the times its reply reports. */
interface ReadAt {
  readonly storage: Storage;
  /** The read's operationTime when it is not the member's last applied (majority, snapshot). */
  readonly operationTs: number | undefined;
  /** A snapshot read's time, reported in its cursor. */
  readonly atClusterTs: number | undefined;
}

/** Reads that mongod serves on any member without secondaryOk (they describe, not query, data). */
/** Whether an aggregate's pipeline ends with `$out` or `$merge`. */
function endsWithWriteStage(body: Document): boolean {
  const pipeline: unknown = body.pipeline;
  if (!Array.isArray(pipeline) || pipeline.length === 0) return false;
  const last: unknown = pipeline[pipeline.length - 1];
  return isPlainObject(last) && ('$out' in last || '$merge' in last);
}

// validate.cpp secondaryAllowed: kAlways, so no secondaryOk needed.
const READ_CHECK_EXEMPT = new Set(['listDatabases', 'dbStats', 'getMore', 'killCursors', 'validate']);

/**
 * The reads a default read concern applies to: the commands whose supportsReadConcern permits the
 * default (find, aggregate, count, distinct); listCollections, listIndexes, findAndModify and the
 * others opt out and keep the implicit local.
 */
const DEFAULT_READ_CONCERN_COMMANDS: ReadonlySet<string> = new Set(['find', 'aggregate', 'count', 'distinct']);

/**
 * The read's body with the custom default read concern when it names none (service_entry_point_common.cpp
 * applies it, provenance customDefault, outside transactions; the implicit default is local, as no
 * readConcern reads already).
 */
function withDefaultReadConcern(canonical: string, request: CommandRequest, context: CrudContext): Document {
  // ReadConcernArgs::isEmpty: no readConcern, or `{}`; one with only afterClusterTime keeps level local (7.0).
  const given: unknown = request.body.readConcern;
  const empty = given === undefined || (isPlainObject(given) && Object.keys(given).length === 0);
  if (!empty || !DEFAULT_READ_CONCERN_COMMANDS.has(canonical)) return request.body;
  const byDefault = context.defaultReadConcern?.(request);
  return byDefault === undefined ? request.body : { ...request.body, readConcern: { ...byDefault, provenance: 'customDefault' } };
}

/**
 * Plugs the storage's CRUD commands into a `Member` (its `crud` option): checks that the member may
 * write or read, runs the command, hands the oplog entries to the member (`logOps`), and waits for
 * the write concern, adding `writeConcernError` to the reply when it fails.
 */
export class MemberCrudCommands implements CrudCommands {
  readonly commandNames: ReadonlySet<string>;
  private readonly options: MemberCrudOptions;
  private readonly byLowerName: ReadonlyMap<string, string>;
  private readonly dispatcher: CrudDispatcher;
  /** Cursors per member, by its context (a restarted member has a new one, with none, as a restarted mongod). */
  private readonly cursorManagers = new Map<CrudContext, CursorManager>();
  /** Each member's retryable-write history (built from its oplog; commands/crud/retryable.ts). */
  private readonly retryHistories = new Map<CrudContext, RetryableWriteHistory>();
  /** Each member's transactions (commands/crud/transactions.ts). */
  private readonly transactionTables = new Map<CrudContext, TransactionTable>();
  /** Each member's retried retryable writes (serverStatus().transactions retriedCommandsCount / retriedStatementsCount). */
  private readonly retries = new Map<CrudContext, { commands: number; statements: number }>();
  /** Each member's change-stream cursors (commands/crud/changeStreams.ts). */
  private readonly changeStreamCursors = new Map<CrudContext, ChangeStreamCursors>();

  constructor(dispatcher: CrudDispatcher, options: MemberCrudOptions = {}) {
    this.dispatcher = dispatcher;
    this.options = options;
    const byLower = new Map<string, string>();
    for (const name of dispatcher.names) byLower.set(name.toLowerCase(), name);
    for (const name of TRANSACTION_END_COMMANDS) byLower.set(name.toLowerCase(), name);
    this.byLowerName = byLower;
    this.commandNames = new Set(byLower.keys());
  }

  /** The cursors of one member (created on first use). */
  cursorsOf(context: CrudContext, now: () => number): CursorManager {
    let cursors = this.cursorManagers.get(context);
    if (!cursors) {
      cursors = new CursorManager({ now: this.options.now ?? now, limits: this.options.cursorLimits, firstCursorId: this.options.firstCursorId });
      this.cursorManagers.set(context, cursors);
    }
    return cursors;
  }

  async run(name: string, request: CommandRequest, context: CrudContext): Promise<Document> {
    const canonical = this.byLowerName.get(name.toLowerCase());
    if (canonical === undefined) throw commandNotFound(name);
    const base: unknown = this.options.storage ?? context.storage;
    // The context's type promises a Storage; a hand-made context (a test's, a host's) may not keep that promise.
    if (!(base instanceof Storage)) throw serverError('CommandNotSupported', 'the CRUD commands need the member to use the simulator Storage');
    const cursors = this.cursorsOf(context, () => context.clock.now());
    // Server-made _ids must differ between members: seed them from the member's Random once.
    if (!base.objectIdsSeeded) base.seedObjectIds(context.random);
    if (isTransactionCommand(request.body)) return this.runInTransaction(canonical, request, context, base, cursors);
    if (isCommitOrAbort(canonical)) throw serverError('InvalidOptions', `${canonical} must be run within a transaction`);
    const stream = await this.runChangeStreamCommand(canonical, request, context, base);
    if (stream !== undefined) return stream;
    const kind = this.dispatcher.kind(canonical);
    // An aggregate ending in $out or $merge writes: only a primary runs it (mongod 5.0+ may run it on
    // a secondary that sends the writes to the primary; the simulator has no such forwarding), and
    // it reads and writes the member's current data whatever its readConcern.
    const writesOut = canonical === 'aggregate' && endsWithWriteStage(request.body);
    if (writesOut) context.checkCanAcceptWrites(request.db);
    if (kind === 'write') context.checkCanAcceptWrites(request.db);
    else if (!READ_CHECK_EXEMPT.has(canonical)) context.checkCanServeReads(request);
    const readConcern = kind === 'read' ? parseReadConcern(withDefaultReadConcern(canonical, request, context)) : undefined;
    // A write outside a transaction reads at no snapshot: `readConcern: {level: "snapshot"}` on one
    // is refused as on a read command that has no snapshot mode (the Sessions spec's
    // snapshot-sessions-unsupported-ops: insert, update, delete, findAndModify).
    if (kind === 'write' && isPlainObject(request.body.readConcern) && request.body.readConcern.level === 'snapshot') {
      throw serverError('InvalidOptions', `Command ${canonical} does not support readConcern level snapshot outside a transaction`);
    }
    let read: ReadAt = { storage: base, operationTs: undefined, atClusterTs: undefined };
    if (readConcern !== undefined) {
      // document_source_out.h / document_source_merge.h supportsReadConcern: not linearizable.
      if (writesOut && readConcern.level === 'linearizable') {
        const stage = Object.keys((request.body.pipeline as Document[])[(request.body.pipeline as Document[]).length - 1]!)[0];
        throw serverError('InvalidOptions', `${stage} cannot be used with a 'linearizable' read concern level`);
      }
      if (readConcern.level === 'snapshot' && !SNAPSHOT_READ_COMMANDS.has(canonical)) {
        throw serverError('InvalidOptions', `Command ${canonical} does not support readConcern level snapshot outside a transaction`);
      }
      if (readConcern.level === 'linearizable') {
        // read_concern_mongod.cpp: only a primary may serve it, refused before the read runs.
        if (!context.replicaSetMember) throw serverError('NotAReplicaSet', 'node needs to be a replica set member to use read concern');
        try {
          context.checkCanAcceptWrites(request.db);
        } catch (error) {
          if (error instanceof ServerError && error.codeName === 'NotWritablePrimary') throw serverError('NotWritablePrimary', 'cannot satisfy linearizable read concern on non-primary node');
          throw error;
        }
      }
      const maxTimeMS = Number(request.body.maxTimeMS);
      await waitForReadConcern(readConcern, context, context.clusterTs(), Number.isFinite(maxTimeMS) ? maxTimeMS : undefined, request.signal);
      if (!writesOut) read = this.readView(base, readConcern, context);
    }
    const storage = read.storage;
    const localSessions = context.localSessions === undefined ? undefined : () => context.localSessions!();
    // validate reads it on any database: whether this member replicates decides if repair may run.
    const local = context.local && (request.db === 'local' || canonical === 'listDatabases' || canonical === 'validate') ? { local: context.local } : {};
    const collectionLatencies = context.collectionLatencies === undefined ? undefined : (namespace: string, histograms: boolean) => context.collectionLatencies!(namespace, histograms);
    const commandContext = { storage, cursors, connectionId: request.connection.id, ...local, ...(localSessions === undefined ? {} : { localSessions }), ...(collectionLatencies === undefined ? {} : { collectionLatencies }) };
    const retryable = kind === 'write' ? retryableWriteOf(canonical, request.body) : undefined;
    if (retryable !== undefined) return this.runRetryableWrite(canonical, request, context, retryable, commandContext);
    const result = canonical === 'getMore' ? await this.runGetMore(request, context, cursors, commandContext) : this.dispatcher.run(request.db, request.body, commandContext);
    if (request.body.lsid !== undefined) this.tagSessionCursor(cursors, request.body.lsid, result.reply);
    if (canonical !== 'getMore') this.describeCursor(cursors, request, result.reply);
    const timed = context.replicaSetMember;
    if (timed && read.operationTs !== undefined && result.reply.operationTime === undefined) result.reply.operationTime = tsToBson(read.operationTs);
    if (read.atClusterTs !== undefined && isPlainObject(result.reply.cursor)) result.reply.cursor.atClusterTime = tsToBson(read.atClusterTs);
    if (readConcern?.level === 'linearizable' && Number(result.reply.ok) === 1) await this.confirmLinearizable(request, context, result.reply);
    if (result.oplog.length === 0) return result.reply;
    const opTime = context.logOps(result.oplog);
    this.transactionTables.get(context)?.nonTransactionalWrite(result.oplog, this.transactionMember(context));
    // The write's own optime is its operationTime (mongod: the client's last op).
    if (timed) result.reply.operationTime = tsToBson(opTime.ts);
    const writeConcernError = await context.waitForWriteConcern(opTime, request);
    if (writeConcernError) result.reply.writeConcernError = writeConcernError;
    return result.reply;
  }

  /**
   * A retryable write (commands/crud/retryable.ts): statement by statement, skipping the statements
   * this session's transaction number already executed and counting them from their oplog entries
   * (write_ops_exec.cpp: a retried insert counts as inserted, a retried update as matched and
   * modified or as its upsert, a retried delete as deleted), tagging the ops of the others.
   */
  private async runRetryableWrite(command: string, request: CommandRequest, context: CrudContext, write: RetryableWrite, commandContext: Parameters<CrudDispatcher['run']>[2]): Promise<Document> {
    let history = this.retryHistories.get(context);
    if (history === undefined) {
      history = new RetryableWriteHistory();
      this.retryHistories.set(context, history);
    }
    const executed = history.begin(write, context.term, context.oplogEntries());
    this.transactionTables.get(context)?.sessionMovedOn(write.sessionKey, write.txnNumber);
    const field = RETRYABLE_WRITE_COMMANDS.get(command.toLowerCase())!;
    if (field === '') return this.runRetryableFindAndModify(request, context, write, commandContext, history, executed);
    const items: unknown = request.body[field];
    // A malformed batch: the command's own parser gives the error.
    if (!Array.isArray(items) || items.length === 0) return this.dispatcher.run(request.db, request.body, commandContext).reply;
    const ordered = request.body.ordered !== false;
    const oplog: OplogOp[] = [];
    const recorded: Array<[number, OplogOp[]]> = [];
    const writeErrors: Document[] = [];
    const upserted: Document[] = [];
    let n = 0;
    let nModified = 0;
    let closeConnection = false;
    let retriedStatements = 0;
    for (let index = 0; index < items.length; index++) {
      const stmtId = write.stmtId(index);
      const done = executed.get(stmtId)?.find((op) => op.op !== 'n');
      if (done !== undefined) {
        retriedStatements++;
        n++;
        if (command === 'update' && done.op === 'i') upserted.push({ index, _id: done.o._id });
        else if (command === 'update') nModified++;
        continue;
      }
      const failPoint = context.transactionalWriteFailPoint?.();
      if (failPoint?.closeConnection === true) closeConnection = true;
      if (failPoint?.failCode !== undefined) {
        writeErrors.push({ index, code: failPoint.failCode, codeName: codeNameFor(failPoint.failCode), errmsg: 'Failing write for test' });
        if (ordered) break;
        continue;
      }
      const result = this.dispatcher.run(request.db, { ...request.body, [field]: [items[index]] }, commandContext);
      const reply = result.reply;
      if (Number(reply.ok) !== 1) {
        if (oplog.length === 0) return reply;
        writeErrors.push({ index, code: reply.code, codeName: reply.codeName, errmsg: reply.errmsg });
        if (ordered) break;
        continue;
      }
      n += Number(reply.n ?? 0);
      nModified += Number(reply.nModified ?? 0);
      if (Array.isArray(reply.upserted)) for (const u of reply.upserted as Document[]) upserted.push({ index, _id: u._id });
      const tagged = tagStatementOps(result.oplog, write, stmtId);
      if (tagged.length > 0) recorded.push([stmtId, tagged]);
      oplog.push(...result.oplog);
      if (Array.isArray(reply.writeErrors) && reply.writeErrors.length > 0) {
        for (const e of reply.writeErrors as Document[]) writeErrors.push({ ...e, index });
        if (ordered) break;
      }
    }
    const reply: Document = command === 'update' ? { n, nModified } : { n };
    if (upserted.length > 0) reply.upserted = upserted;
    if (writeErrors.length > 0) reply.writeErrors = writeErrors;
    reply.ok = 1;
    // A retry that wrote nothing new still waits for its write concern, on the member's last op
    // (mongod sets the client's last op to the system's on a retried statement).
    const opTime = oplog.length === 0 ? context.lastApplied : context.logOps(oplog);
    if (oplog.length > 0) this.transactionTables.get(context)?.nonTransactionalWrite(oplog, this.transactionMember(context));
    for (const [stmtId, ops] of recorded) history.record(write, stmtId, ops);
    this.countRetried(context, retriedStatements);
    return this.finishRetryableWrite(reply, opTime, closeConnection, request, context);
  }

  /**
   * A retryable findAndModify: one statement. A retry answers with the first execution's result,
   * its document taken from the image no-op logged with the write (retryable.ts imageOp).
   */
  private async runRetryableFindAndModify(
    request: CommandRequest,
    context: CrudContext,
    write: RetryableWrite,
    commandContext: Parameters<CrudDispatcher['run']>[2],
    history: RetryableWriteHistory,
    executed: ReadonlyMap<number, readonly OplogOp[]>,
  ): Promise<Document> {
    const stmtId = write.stmtId(0);
    const done = executed.get(stmtId);
    let reply: Document;
    let opTime = context.lastApplied;
    let closeConnection = false;
    if (done !== undefined) {
      reply = retriedFindAndModifyReply(done);
      this.countRetried(context, 1);
    } else {
      const failPoint = context.transactionalWriteFailPoint?.();
      closeConnection = failPoint?.closeConnection === true;
      if (failPoint?.failCode !== undefined) {
        if (closeConnection) request.closeConnection?.();
        return { ok: 0, errmsg: 'Failing write for test', code: failPoint.failCode, codeName: codeNameFor(failPoint.failCode) };
      }
      const result = this.dispatcher.run(request.db, request.body, commandContext);
      reply = result.reply;
      const tagged = tagStatementOps(result.oplog, write, stmtId);
      const ops = [...result.oplog];
      if (tagged.length > 0 && isPlainObject(reply.value)) {
        const image = imageOp(tagged[0]!.ns, reply.value, write, stmtId);
        ops.push(image);
        tagged.push(image);
      }
      if (ops.length > 0) {
        opTime = context.logOps(ops);
        this.transactionTables.get(context)?.nonTransactionalWrite(ops, this.transactionMember(context));
      }
      if (tagged.length > 0) history.record(write, stmtId, tagged);
      if (Number(reply.ok) !== 1) return reply;
    }
    return this.finishRetryableWrite(reply, opTime, closeConnection, request, context);
  }

  /**
   * The end of a retryable write: with onPrimaryTransactionalWrite's closeConnection the statements
   * that ran stay committed and the client never hears of them (it retries); otherwise the reply
   * gets its operationTime and waits for its write concern.
   */
  private async finishRetryableWrite(reply: Document, opTime: OpTime, closeConnection: boolean, request: CommandRequest, context: CrudContext): Promise<Document> {
    if (closeConnection && request.closeConnection !== undefined) {
      request.closeConnection();
      return { ok: 0, errmsg: 'connection closed by onPrimaryTransactionalWrite', code: ErrorCodes.HostUnreachable, codeName: 'HostUnreachable' };
    }
    if (context.replicaSetMember) reply.operationTime = tsToBson(opTime.ts);
    const writeConcernError = await context.waitForWriteConcern(opTime, request);
    if (writeConcernError) reply.writeConcernError = writeConcernError;
    return reply;
  }

  /**
   * getMore (commands/getmore_cmd.cpp): maxTimeMS only for a tailable awaitData cursor, where it is
   * how long a getMore that finds nothing waits for new documents (1 s when not given) before it
   * answers an empty batch and keeps the cursor.
   */
  private async runGetMore(request: CommandRequest, context: CrudContext, cursors: CursorManager, commandContext: Parameters<CrudDispatcher['run']>[2]): Promise<StorageCommandResult> {
    const id = asBigInt(request.body.getMore);
    const awaitData = id !== undefined && cursors.awaitsData(id);
    if (!awaitData) {
      if (id !== undefined && cursors.has(id) && request.body.maxTimeMS !== undefined) {
        return { reply: serverError('BadValue', 'cannot set maxTimeMS on getMore command for a non-awaitData cursor').toReply(), oplog: [] };
      }
      return this.dispatcher.run(request.db, request.body, commandContext);
    }
    const maxTimeMS = Number(request.body.maxTimeMS);
    const waitMillis = Number.isFinite(maxTimeMS) && maxTimeMS > 0 ? maxTimeMS : AWAIT_DATA_MILLIS_DEFAULT;
    const deadline = context.clock.now() + waitMillis;
    for (;;) {
      const result = this.dispatcher.run(request.db, request.body, commandContext);
      const cursor: unknown = result.reply.cursor;
      const batch: unknown = isPlainObject(cursor) ? cursor.nextBatch : undefined;
      const drained = Array.isArray(batch) && batch.length === 0;
      if (!drained || context.clock.now() >= deadline || request.signal.aborted || !cursors.awaitsData(id)) {
        if (drained) cursors.awaitedEmpty(id);
        return result;
      }
      await sleepOn(context.clock, Math.min(AWAIT_DATA_POLL_MILLIS, deadline - context.clock.now()), request.signal);
    }
  }

  private changeStreamsOf(context: CrudContext): ChangeStreamCursors {
    let streams = this.changeStreamCursors.get(context);
    if (streams === undefined) {
      streams = new ChangeStreamCursors();
      this.changeStreamCursors.set(context, streams);
    }
    return streams;
  }

  /** Whether a getMore names a change-stream cursor of this member (its errors get ResumableChangeStreamError). */
  isChangeStreamCursor(context: CrudContext, id: unknown): boolean {
    const big = typeof id === 'bigint' ? id : id instanceof Long ? id.toBigInt() : typeof id === 'number' && Number.isSafeInteger(id) ? BigInt(id) : undefined;
    return big !== undefined && (this.changeStreamCursors.get(context)?.has(big) ?? false);
  }

  killChangeStreamCursor(context: CrudContext, id: unknown): void {
    if (!this.isChangeStreamCursor(context, id)) return;
    this.changeStreamsOf(context).kill([id instanceof Long ? id.toBigInt() : BigInt(String(id))]);
  }

  /**
   * An aggregate opening a change stream, or a getMore/killCursors of one (commands/crud/changeStreams.ts);
   * undefined for any other command.
   */
  private async runChangeStreamCommand(canonical: string, request: CommandRequest, context: CrudContext, base: Storage): Promise<Document | undefined> {
    const body = request.body;
    if (canonical === 'aggregate' && isChangeStreamAggregate(body)) {
      if (!context.replicaSetMember) throw serverError('Location40573', 'The $changeStream stage is only supported on replica sets');
      context.checkCanServeReads(request);
      // run_aggregate.cpp: a change stream reads its collection with views forbidden.
      if (typeof body.aggregate === 'string') base.refuseView(request.db, body.aggregate);
      return this.changeStreamsOf(context).open(request.db, body, this.changeStreamMember(context, base), request.connection.id);
    }
    if (canonical === 'getMore' && this.isChangeStreamCursor(context, body.getMore)) {
      const id = body.getMore instanceof Long ? body.getMore.toBigInt() : BigInt(String(body.getMore));
      return this.changeStreamsOf(context).getMore(id, body, this.changeStreamMember(context, base), request.signal);
    }
    if (canonical === 'killCursors' && Array.isArray(body.cursors) && body.cursors.some((id) => this.isChangeStreamCursor(context, id))) {
      const ids = (body.cursors as unknown[]).map((id) => (id instanceof Long ? id.toBigInt() : BigInt(String(id))));
      const killed = new Set(this.changeStreamsOf(context).kill(ids));
      const rest = (body.cursors as unknown[]).filter((_, i) => !killed.has(ids[i]!));
      const others = rest.length === 0 ? { cursorsKilled: [], cursorsNotFound: [] } : this.dispatcher.run(request.db, { ...body, cursors: rest }, { storage: base, cursors: this.cursorsOf(context, () => context.clock.now()), connectionId: request.connection.id }).reply;
      const cursorsKilled = [...(body.cursors as unknown[]).filter((_, i) => killed.has(ids[i]!)), ...((others.cursorsKilled as unknown[] | undefined) ?? [])];
      return { cursorsKilled, cursorsNotFound: others.cursorsNotFound ?? [], cursorsAlive: [], cursorsUnknown: [], ok: 1 };
    }
    return undefined;
  }

  private changeStreamMember(context: CrudContext, base: Storage): ChangeStreamMember {
    return {
      oplogEntries: () => context.oplogEntries(),
      get commitPoint() {
        return context.commitPoint;
      },
      get lastApplied() {
        return context.lastApplied;
      },
      oldestOplogTs: () => context.oldestOplogTs(),
      majorityStorage: () => {
        const later = context.entriesAfterCommitPoint();
        return later.length === 0 ? base : base.viewBefore(later);
      },
      clock: context.clock,
      nowMillis: () => context.clock.now(),
    };
  }

  /** The member's transactions (created on first use). */
  transactionTable(context: CrudContext): TransactionTable {
    let table = this.transactionTables.get(context);
    if (table === undefined) {
      const limit = this.options.transactionLifetimeLimitSeconds;
      table = new TransactionTable(limit === undefined ? {} : { lifetimeLimitSeconds: limit });
      this.transactionTables.set(context, table);
    }
    return table;
  }

  private transactionMember(context: CrudContext): TransactionMember {
    return {
      get term() {
        return context.term;
      },
      nowMillis: () => context.clock.now(),
      oplogEntries: () => context.oplogEntries(),
    };
  }

  /**
   * A command of a multi-document transaction (commands/crud/transactions.ts): it runs against the
   * transaction's copy of the data; a write's ops stay with the transaction until it commits; an
   * error aborts it.
   */
  private async runInTransaction(canonical: string, request: CommandRequest, context: CrudContext, base: Storage, cursors: CursorManager): Promise<Document> {
    const args = transactionArgsOf(canonical, request.db, request.body);
    if (!context.replicaSetMember) throw serverError('IllegalOperation', 'Transaction numbers are only allowed on a replica set member or mongos');
    const table = this.transactionTable(context);
    const member = this.transactionMember(context);
    // Transactions run on the primary only, reads included (the spec: read preference primary).
    context.checkCanAcceptWrites(request.db);
    if (canonical === 'commitTransaction') return this.commitTransaction(args, request, context, table, member, base);
    if (canonical === 'abortTransaction') {
      table.abortForCommand(args, member);
      return this.finishTransactionCommand({ ok: 1 }, context.lastApplied, request, context);
    }
    checkTransactionReadConcern(args, request.body);
    // The first statement takes the custom default read concern as a read outside a transaction does
    // (_extractReadConcern: startTransaction); a level a transaction cannot run at is refused as if sent.
    const body = args.startTransaction ? withDefaultReadConcern(canonical, request, context) : request.body;
    if (body !== request.body) checkTransactionReadConcern(args, body);
    const readConcern = args.startTransaction ? parseReadConcern(body) : undefined;
    if (readConcern !== undefined) {
      const maxTimeMS = Number(request.body.maxTimeMS);
      await waitForReadConcern(readConcern, context, context.clusterTs(), Number.isFinite(maxTimeMS) ? maxTimeMS : undefined, request.signal);
      context.checkCanAcceptWrites(request.db);
    }
    const txn = table.beginOrContinue(args, member, () => this.transactionSnapshot(base, readConcern, context));
    const localSessions = context.localSessions === undefined ? undefined : () => context.localSessions!();
    const commandContext = { storage: txn.working, cursors, connectionId: request.connection.id, ...(localSessions === undefined ? {} : { localSessions }) };
    const capped = cappedTransactionWrite(canonical, request.db, request.body, txn.working);
    if (capped !== undefined) {
      table.statementFailed(txn);
      throw capped;
    }
    const result = this.dispatcher.run(request.db, request.body, commandContext);
    if (request.body.lsid !== undefined) this.tagSessionCursor(cursors, request.body.lsid, result.reply);
    if (canonical !== 'getMore') this.describeCursor(cursors, request, result.reply);
    const reply = result.reply;
    if (Number(reply.ok) !== 1 || (Array.isArray(reply.writeErrors) && reply.writeErrors.length > 0)) {
      table.statementFailed(txn);
      return reply;
    }
    if (result.oplog.length > 0) table.statementWrote(txn, result.oplog, base, member);
    return reply;
  }

  /**
   * The data a transaction starts from: the member's latest (mongod reads a transaction at its
   * last applied point whatever the level; majority and snapshot are guaranteed by a majority
   * commit), or the data at `atClusterTime`.
   */
  private transactionSnapshot(base: Storage, readConcern: ReadConcern | undefined, context: CrudContext): Storage {
    const atTs = readConcern?.atClusterTs;
    if (atTs === undefined) return base.clone();
    const after = context.entriesAfterTs(atTs);
    if (atTs < context.oldestOplogTs() || !base.canViewBefore(after)) throw snapshotTooOld(atTs);
    return base.viewBefore(after);
  }

  /**
   * commitTransaction (txn_cmds.cpp): applies the transaction's ops to the member's data and logs
   * them as one applyOps entry, then waits for the write concern. A retried commit of a committed
   * transaction only waits for the write concern again, on the member's last optime.
   */
  private async commitTransaction(args: TransactionArgs, request: CommandRequest, context: CrudContext, table: TransactionTable, member: TransactionMember, base: Storage): Promise<Document> {
    const { txn, committed } = table.forCommit(args, member);
    let opTime = context.lastApplied;
    if (!committed && txn !== undefined) {
      if (txn.ops.length > 0) {
        const op = commitOp(txn);
        base.applyOplogEntry(op);
        opTime = context.logOps([op]);
        table.committed(txn, opTime);
      } else table.committed(txn, undefined);
    }
    return this.finishTransactionCommand({ ok: 1 }, opTime, request, context);
  }

  private async finishTransactionCommand(reply: Document, opTime: OpTime, request: CommandRequest, context: CrudContext): Promise<Document> {
    if (context.replicaSetMember) reply.operationTime = tsToBson(opTime.ts);
    const writeConcernError = await context.waitForWriteConcern(opTime, request);
    if (writeConcernError) reply.writeConcernError = writeConcernError;
    return reply;
  }

  /**
   * What a read sees: the current data; with `majority` the data as of the majority commit point
   * (the entries after it undone on a copy); with `snapshot` the data at `atClusterTime`, or at the
   * commit point when none is given (read_concern_mongod.cpp: a snapshot read outside a
   * transaction reads the majority-committed snapshot and reports its time as atClusterTime).
   */
  private readView(storage: Storage, readConcern: ReadConcern, context: CrudContext): ReadAt {
    if (readConcern.level === 'majority') {
      const after = context.entriesAfterCommitPoint();
      return { storage: after.length === 0 ? storage : storage.viewBefore(after), operationTs: context.commitPoint.ts, atClusterTs: undefined };
    }
    if (readConcern.level !== 'snapshot') return { storage, operationTs: undefined, atClusterTs: undefined };
    const atTs = readConcern.atClusterTs ?? context.commitPoint.ts;
    if (atTs < context.oldestOplogTs()) throw snapshotTooOld(atTs);
    const after = context.entriesAfterTs(atTs);
    // Before what this member can go back to (data initial sync cloned): gone, as older history is.
    if (!storage.canViewBefore(after)) throw snapshotTooOld(atTs);
    return { storage: after.length === 0 ? storage : storage.viewBefore(after), operationTs: atTs, atClusterTs: atTs };
  }

  /**
   * A linearizable read (read_concern_mongod.cpp waitForLinearizableReadConcern): after reading,
   * the primary writes a no-op and waits for the majority to have it, proving it was still primary
   * when it read; the no-op's time is the read's operationTime.
   */
  private async confirmLinearizable(request: CommandRequest, context: CrudContext, reply: Document): Promise<void> {
    // The no-op may only be written while still primary (read_concern_mongod.cpp).
    context.checkCanAcceptWrites(request.db);
    const opTime = context.logOps([{ op: 'n', ns: '', o: { msg: 'linearizable read' } }]);
    // mongod waits the command's maxTimeMS for the majority (0 or absent: no limit).
    const maxTimeMS = Number(request.body.maxTimeMS ?? 0);
    const wtimeout = Number.isFinite(maxTimeMS) && maxTimeMS > 0 ? maxTimeMS : 0;
    // The operation's signal (a getter a spread drops): killOp interrupts this wait too.
    const error = await context.waitForWriteConcern(opTime, { ...request, signal: request.signal, body: { writeConcern: { w: 'majority', wtimeout } } });
    if (error !== undefined) {
      const name = String(error.codeName);
      // A timeout is LinearizableReadConcernError (187); a step-down while waiting keeps its own code.
      if (name !== 'WriteConcernFailed' && isErrorCodeName(name)) throw serverError(name, String(error.errmsg));
      throw serverError('LinearizableReadConcernError', `Failed to confirm that read was linearizable: ${String(error.errmsg)}`);
    }
    if (context.replicaSetMember) reply.operationTime = tsToBson(opTime.ts);
  }

  /** The command that opened a cursor, for $currentOp's originatingCommand. */
  private describeCursor(cursors: CursorManager, request: CommandRequest, reply: Document): void {
    const cursor: unknown = reply.cursor;
    if (!isPlainObject(cursor)) return;
    const id = cursor.id;
    const big = typeof id === 'bigint' ? id : id instanceof Long ? id.toBigInt() : undefined;
    if (big !== undefined && big !== 0n) cursors.describe(big, originatingCommandOf(request.db, request.body), isPlainObject(request.body.lsid) ? request.body.lsid : undefined);
  }

  /** A cursor opened in a session belongs to it: killSessions and endSessions kill it. */
  private tagSessionCursor(cursors: CursorManager, lsid: unknown, reply: Document): void {
    const cursor: unknown = reply.cursor;
    if (!isPlainObject(cursor)) return;
    const id = cursor.id;
    const big = typeof id === 'bigint' ? id : id instanceof Long ? id.toBigInt() : undefined;
    const key = sessionKeyOf(lsid);
    if (big !== undefined && big !== 0n && key !== undefined) cursors.tagSession(big, key);
  }

  sessionsKilled(context: CrudContext, sessionKeys: ReadonlySet<string>): void {
    this.cursorManagers.get(context)?.killForSessions(sessionKeys);
    // Killing or ending a session aborts its in-progress transaction (mongod's session kill path).
    this.transactionTables.get(context)?.sessionsKilled(sessionKeys);
  }

  /** Kills the cursors a closed connection opened on the member of `context`. Returns how many. */
  connectionClosed(context: CrudContext, connectionId: number): number {
    this.changeStreamCursors.get(context)?.connectionClosed(connectionId);
    return this.cursorManagers.get(context)?.killForConnection(connectionId) ?? 0;
  }

  cursorReports(context: CrudContext): CursorReport[] {
    return [...(this.cursorManagers.get(context)?.reports() ?? []), ...(this.changeStreamCursors.get(context)?.reports() ?? [])];
  }

  cursorCounts(context: CrudContext): CursorCounts {
    const crud = this.cursorManagers.get(context);
    const streams = this.changeStreamCursors.get(context);
    return {
      open: (crud?.openCount ?? 0) + (streams?.openCount ?? 0),
      noTimeout: crud?.noTimeoutCount ?? 0,
      totalOpened: (crud?.totalOpened ?? 0) + (streams?.totalOpened ?? 0),
      timedOut: crud?.timedOut ?? 0,
    };
  }

  /** write_ops_exec.cpp: each statement found already executed, and each command that had one. */
  private countRetried(context: CrudContext, statements: number): void {
    if (statements === 0) return;
    const counts = this.retries.get(context) ?? { commands: 0, statements: 0 };
    counts.commands += 1;
    counts.statements += statements;
    this.retries.set(context, counts);
  }

  /** serverStatus().transactions' counts of the member of `context`. */
  transactionStats(context: CrudContext): TransactionStats {
    const table = this.transactionTables.get(context);
    const retried = this.retries.get(context) ?? { commands: 0, statements: 0 };
    const txns = table === undefined ? { started: 0, committed: 0, aborted: 0, open: 0 } : { ...table.totals, open: table.openCount() };
    return { ...txns, retriedCommands: retried.commands, retriedStatements: retried.statements };
  }

  /** Kills every cursor of the member of `context` (shutdown) and forgets its manager. */
  memberStopped(context: CrudContext): number {
    const killed = this.cursorManagers.get(context)?.killAll() ?? 0;
    this.cursorManagers.delete(context);
    this.changeStreamCursors.delete(context);
    return killed;
  }
}

/** The write commands of a transaction, by canonical name. */
const TRANSACTION_WRITES: ReadonlySet<string> = new Set(['insert', 'update', 'delete', 'findAndModify', 'findandmodify']);

/**
 * write_ops_exec.cpp checkIfTransactionOnCappedColl: no write of a multi-document transaction may
 * touch a capped collection (OperationNotSupportedInTransaction 263; in a transaction the error
 * fails the whole command). Undefined when the command may run.
 */
function cappedTransactionWrite(canonical: string, db: string, body: Document, storage: Storage): ServerError | undefined {
  if (!TRANSACTION_WRITES.has(canonical)) return undefined;
  const coll: unknown = body[Object.keys(body)[0] ?? ''];
  if (typeof coll !== 'string' || storage.getCollection(db, coll)?.options.capped !== true) return undefined;
  return serverError('OperationNotSupportedInTransaction', `Collection '${db}.${coll}' is a capped collection. Writes in transactions are not allowed on capped collections.`);
}

/** SnapshotTooOld (239): the data as of `atTs` is no longer (or never was) on this member. */
function snapshotTooOld(atTs: number): Error {
  return serverError('SnapshotTooOld', `Read timestamp ${tsSecs(atTs)}:${tsInc(atTs)} is older than the oldest available timestamp`);
}
