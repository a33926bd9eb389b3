import { Long } from 'bson';
import type { Document } from 'bson';
import { serverError } from '../base/errors';
import { aggregateDocuments } from '../storage/query';
import { isPlainObject } from '../storage/values';
import type { CommandRequest } from './handler';
import { cursorDocument, idleCursorDocument } from './cursorReport';
import type { CursorReport } from '../base/cursorActivity';

/**
 * The operations in progress on one mongod, for `$currentOp` / `currentOp` and `killOp`
 * (db/curop.cpp, db/commands/killop_cmd.cpp). Every command a member runs is an operation from
 * the moment it is dispatched until its reply is ready; ids are handed out in order, as mongod's
 * OperationIdManager does, starting at 1 with the process.
 */
export class OperationTable {
  private readonly running = new Map<number, RunningOperation>();
  private readonly byRequest = new WeakMap<CommandRequest, RunningOperation>();
  private lastOpId = 0;

  /** Register a command as it starts; call `end` with what `begin` returned once it has its reply. */
  begin(request: CommandRequest, startedAtMillis: number): RunningOperation {
    const opid = ++this.lastOpId;
    const op = new RunningOperation(opid, request, startedAtMillis);
    this.running.set(opid, op);
    this.byRequest.set(op.request, op);
    return op;
  }

  /** The operation a request (as `begin` handed it out) runs as. */
  of(request: CommandRequest): RunningOperation | undefined {
    return this.byRequest.get(request);
  }

  end(op: RunningOperation): void {
    this.running.delete(op.opid);
    op.dispose();
  }

  /** The operations running now, oldest first. */
  list(): readonly RunningOperation[] {
    return [...this.running.values()];
  }

  /** killOp: mark the operation killed and interrupt its waits; false when no such operation runs. */
  kill(opid: number): boolean {
    const op = this.running.get(opid);
    if (op === undefined) return false;
    op.kill();
    return true;
  }
}

/**
 * One command in progress, with the signal its waits listen to (the connection's, or killOp's).
 * The signal is made when a command first reads it: most commands never wait, and an
 * AbortController plus a listener per command (every heartbeat, every position update) was a
 * measurable part of a busy lab's CPU time. Read after a killOp or a closed connection, it is
 * already aborted, as an eager one would be.
 */
export class RunningOperation {
  private controller: AbortController | undefined;
  private killed = false;
  private listening = false;
  private readonly onConnectionAbort = (): void => this.controller?.abort(this.client.signal.reason);
  /** The command failed with an error that is not a server error (a bug here; serverStatus counts it as `asserts.regular`). */
  internalError = false;
  /** The request as the command runs it: the client's, with a signal that also aborts on killOp. */
  readonly request: CommandRequest;

  constructor(
    readonly opid: number,
    private readonly client: CommandRequest,
    readonly startedAtMillis: number,
  ) {
    this.request = new OperationRequest(this, client);
  }

  /** Aborted when the connection closes or killOp names this operation. */
  get signal(): AbortSignal {
    if (this.controller === undefined) {
      this.controller = new AbortController();
      if (this.killed) this.controller.abort(this.killReason());
      else if (this.client.signal.aborted) this.controller.abort(this.client.signal.reason);
      else {
        // One listener on the connection's signal, removed when the operation ends (cheaper per command than AbortSignal.any).
        this.client.signal.addEventListener('abort', this.onConnectionAbort, { once: true });
        this.listening = true;
      }
    }
    return this.controller.signal;
  }

  get killPending(): boolean {
    return this.killed;
  }

  kill(): void {
    if (this.killed) return;
    this.killed = true;
    this.controller?.abort(this.killReason());
  }

  /** The operation ended: stop listening to its connection. */
  dispose(): void {
    if (this.listening) this.client.signal.removeEventListener('abort', this.onConnectionAbort);
    this.listening = false;
  }

  /** killOp kills with Interrupted (killop_cmd.cpp → OperationContext::markKilled's default). */
  private killReason(): Error {
    return serverError('Interrupted', 'operation was interrupted');
  }
}

/** A client's request as its operation runs it: the same command, with the operation's signal. */
class OperationRequest implements CommandRequest {
  readonly db: string;
  readonly body: Document;
  readonly exhaustAllowed: boolean;
  readonly moreToCome: boolean;
  readonly connection: CommandRequest['connection'];
  readonly closeConnection?: () => void;

  constructor(
    private readonly operation: RunningOperation,
    client: CommandRequest,
  ) {
    this.db = client.db;
    this.body = client.body;
    this.exhaustAllowed = client.exhaustAllowed;
    this.moreToCome = client.moreToCome;
    this.connection = client.connection;
    if (client.closeConnection !== undefined) this.closeConnection = client.closeConnection;
  }

  get signal(): AbortSignal {
    return this.operation.signal;
  }
}

/** What `$currentOp` reports of the mongod itself. */
export interface CurrentOpHost {
  /** `host:port` as mongod reports it (curop.cpp: the host name and the port the client reached). */
  readonly name: string;
  nowMillis(): number;
  readonly operations: OperationTable;
  /** The open cursors: client cursors, change streams and the oplog cursors members tail. */
  cursors(): readonly CursorReport[];
}

/** curop.cpp logicalOpToString: the `op` of an operation, from its command. */
function logicalOp(name: string): string {
  switch (name) {
    case 'find':
      return 'query';
    case 'getmore':
      return 'getmore';
    case 'insert':
      return 'insert';
    case 'update':
      return 'update';
    case 'delete':
      return 'remove';
    case 'killcursors':
      return 'killcursors';
    default:
      return 'command';
  }
}

/** The namespace an operation reports: `db.coll` for a command on a collection, `db.$cmd` otherwise (`db.$cmd.aggregate` for a collectionless aggregate). */
function operationNamespace(request: CommandRequest, first: string): string {
  const name = first.toLowerCase();
  const target: unknown = name === 'getmore' ? request.body.collection : request.body[first];
  if (typeof target === 'string' && target !== '') return `${request.db}.${target}`;
  return name === 'aggregate' ? `${request.db}.$cmd.aggregate` : `${request.db}.$cmd`;
}

/** ISO 8601 with the zone as an offset, as mongod's Date_t::toString writes `currentOpTime`. */
function isoWithOffset(millis: number): string {
  return new Date(millis).toISOString().replace('Z', '+00:00');
}

/**
 * One operation as `$currentOp` shows it (curop.cpp reportCurrentOpForClient, then CurOp::reportState),
 * in mongod's field order. Only what the simulator has: no locks are held between a command's
 * steps here, so `locks` and `lockStats` are empty and `waitingForLock` false, as for a mongod
 * operation that holds none; the simulator does not yield, so `numYields` is 0.
 */
export function operationDocument(host: CurrentOpHost, op: RunningOperation, cursors: ReadonlyMap<bigint, CursorReport>): Document {
  const { request } = op;
  const first = Object.keys(request.body)[0] ?? '';
  const elapsedMillis = Math.max(0, host.nowMillis() - op.startedAtMillis);
  const connection = request.connection;
  const doc: Document = {
    type: 'op',
    host: host.name,
    desc: `conn${connection.id}`,
    connectionId: connection.id,
    client: connection.remote,
    ...(connection.appName === undefined ? {} : { appName: connection.appName }),
    ...(connection.clientMetadata === undefined ? {} : { clientMetadata: connection.clientMetadata }),
    active: true,
    currentOpTime: isoWithOffset(host.nowMillis()),
    threaded: true,
    opid: op.opid,
    ...(op.killPending ? { killPending: true } : {}),
    ...(isPlainObject(request.body.lsid) ? { lsid: request.body.lsid } : {}),
    ...(request.body.txnNumber !== undefined ? { transaction: { parameters: { txnNumber: request.body.txnNumber } } } : {}),
    secs_running: Long.fromNumber(Math.floor(elapsedMillis / 1000)),
    microsecs_running: Long.fromNumber(elapsedMillis * 1000),
    op: logicalOp(first.toLowerCase()),
    ns: operationNamespace(request, first),
    redacted: false,
    command: { ...request.body, $db: request.db },
    // getmore_cmd.cpp sets the pinned cursor on the CurOp (setGenericCursor_inlock): a getMore reports it.
    ...cursorOf(request, first, cursors, op.opid),
    numYields: 0,
    locks: {},
    waitingForLock: false,
    lockStats: {},
    waitingForFlowControl: false,
    flowControlStats: {},
  };
  return doc;
}

function cursorIdOf(request: CommandRequest, first: string): bigint | undefined {
  if (first.toLowerCase() !== 'getmore') return undefined;
  const id: unknown = request.body[first];
  if (typeof id === 'bigint') return id;
  if (id instanceof Long) return id.toBigInt();
  return typeof id === 'number' && Number.isSafeInteger(id) ? BigInt(id) : undefined;
}

function cursorOf(request: CommandRequest, first: string, cursors: ReadonlyMap<bigint, CursorReport>, opid: number): Document {
  const id = cursorIdOf(request, first);
  const report = id === undefined ? undefined : cursors.get(id);
  return report === undefined ? {} : { cursor: cursorDocument(report, opid) };
}

/** The options of `$currentOp` this simulator honours (document_source_current_op.cpp parses them). */
const CURRENT_OP_OPTIONS: ReadonlySet<string> = new Set(['allUsers', 'idleConnections', 'idleCursors', 'idleSessions', 'localOps', 'truncateOps', 'backtrace', 'targetAllNodes']);

/**
 * `{aggregate: 1, pipeline: [{$currentOp: {...}}, ...]}` on admin (pipeline/document_source_current_op.cpp):
 * the operations in progress, this one included, then with `idleCursors: true` the open cursors no
 * getMore is using, then the rest of the pipeline. Idle connections and sessions are not listed
 * (the simulator keeps no per-connection client record).
 */
export function currentOpAggregate(host: CurrentOpHost, request: CommandRequest, self: RunningOperation): Document {
  if (request.db !== 'admin') throw serverError('InvalidNamespace', '$currentOp must be run against the \'admin\' database with {aggregate: 1}');
  if (request.body.aggregate !== 1 && Number(request.body.aggregate) !== 1) {
    throw serverError('InvalidNamespace', '$currentOp must be run against the \'admin\' database with {aggregate: 1}');
  }
  const pipeline = request.body.pipeline as Document[];
  const spec: unknown = pipeline[0]?.$currentOp;
  if (!isPlainObject(spec)) throw serverError('FailedToParse', `$currentOp options must be specified in an object, but found: ${typeof spec}`);
  for (const key of Object.keys(spec)) {
    if (!CURRENT_OP_OPTIONS.has(key)) throw serverError('FailedToParse', `Unrecognized option '${key}' in $currentOp stage.`);
  }
  pipeline.slice(1).forEach((stage) => {
    if (isPlainObject(stage) && '$currentOp' in stage) throw serverError('Location40602', '$currentOp is only valid as the first stage in a pipeline');
  });
  const ops = listed(host, self, spec.idleCursors === true);
  const docs = aggregateDocuments(ops, pipeline.slice(1), undefined, host.nowMillis());
  return { cursor: { firstBatch: docs, id: Long.ZERO, ns: 'admin.$cmd.aggregate' }, ok: 1 };
}

/** The legacy `currentOp` command (commands/current_op.cpp): `{currentOp: 1, $all, $ownOps, <filter>}` → `{inprog}`. */
export function currentOpCommand(host: CurrentOpHost, request: CommandRequest, self: RunningOperation): Document {
  if (request.db !== 'admin') throw serverError('Unauthorized', 'currentOp may only be run against the admin database.');
  const filter: Document = {};
  for (const [key, value] of Object.entries(request.body)) {
    if (key === 'currentOp' || key === '$all' || key === '$ownOps' || key === '$truncateOps' || key.startsWith('$') || key === 'lsid') continue;
    filter[key] = value;
  }
  const ops = listed(host, self, false);
  const inprog = Object.keys(filter).length === 0 ? ops : aggregateDocuments(ops, [{ $match: filter }], undefined, host.nowMillis());
  return { inprog, ok: 1 };
}

function listed(host: CurrentOpHost, self: RunningOperation, idleCursors: boolean): Document[] {
  const ops = host.operations.list();
  if (!ops.includes(self)) throw new Error('currentOp: the operation asking is not in the table');
  const cursors = new Map(host.cursors().map((report) => [report.id, report]));
  const docs = ops.map((op) => operationDocument(host, op, cursors));
  if (!idleCursors) return docs;
  // A cursor a getMore has pinned is active, reported with its operation, not as idle.
  const pinned = new Set(ops.map((op) => cursorIdOf(op.request, Object.keys(op.request.body)[0] ?? '')));
  for (const report of cursors.values()) if (!pinned.has(report.id)) docs.push(idleCursorDocument(host.name, report));
  return docs;
}

/**
 * killOp (db/commands/killop_cmd.cpp, KillOpCmdBase::parseOpId): admin only, `op` a number; answers
 * `{info: 'attempting to kill op'}` whether or not such an operation runs. The operation killed
 * fails with Interrupted when its command next checks (Member.run).
 */
export function runKillOp(host: CurrentOpHost, request: CommandRequest, log: (opId: number) => void): Document {
  if (request.db !== 'admin') throw serverError('Unauthorized', 'killOp may only be run against the admin database.');
  const op: unknown = request.body.op;
  if (op === undefined) throw serverError('BadValue', 'Did not provide "op" field');
  const opId = typeof op === 'number' ? op : op instanceof Long ? op.toNumber() : typeof op === 'bigint' ? Number(op) : NaN;
  if (!Number.isFinite(opId)) throw serverError('BadValue', '"op" field was not a number');
  log(opId);
  host.operations.kill(Math.trunc(opId));
  return { info: 'attempting to kill op', ok: 1 };
}
