import type { Document } from 'bson';
import type { Clock } from '../clock/clock';
import type { CommandHandler, CommandRequest, ConnectionInfo } from '../commands/handler';
import { ServerError, codeNameFor, commandNotFound, errorToReply, serverError } from '../base/errors';
import { HANDSHAKE_COMMANDS, runHandshakeCommand } from '../commands/handshake';
import { REPLSET_COMMANDS, runReplSetCommand } from '../commands/replset';
import { OpCounters, runServerStatus } from '../commands/serverStatus';
import { OperationTable, currentOpAggregate, currentOpCommand, runKillOp } from '../commands/currentOp';
import type { CurrentOpHost, RunningOperation } from '../commands/currentOp';
import { OperationStats, latencyClassOf } from '../commands/operationStats';
import { logParameters, namesLogParameter, runSetParameter } from '../commands/logParameters';
import { LogVerbosity } from '../log/verbosity';
import { hostInfoReply } from '../commands/machine';
import type { MachineFacts } from '../commands/machine';
import type { CursorCounts, TransactionStats } from '../commands/crud/context';
import { isTransactionCommand } from '../commands/crud/transactions';
import type { ConnectionCounts } from '../commands/serverStatus';
import { CONFIG_SETTINGS, RWC_DEFAULTS_COMMANDS, RWC_DEFAULTS_DOCUMENT_ID, RwcDefaultsCache, runRwcDefaultsCommand } from '../commands/rwcDefaults';
import type { RwcDefaultsHost } from '../commands/rwcDefaults';
import { isPlainObject } from '../storage/values';
import type { Random } from '../random/random';
import type { ReplParameters, PersistedReplState, LogSeverity, WriteConcern } from '../repl/coordinator';
import { ReplCoordinator, newPersistedReplState } from '../repl/coordinator';
import { WRITE_CONCERN_PROVENANCES } from '../repl/parameters';
import type { WriteConcernProvenance } from '../repl/parameters';
import type { RollbackFile } from '../repl/coordinator';
import { configToDocument, type ReplSetConfig } from '../repl/config';
import type { ReplJournal } from '../storage/replState';
import { entriesAfter } from '../storage/oplog';
import type { OplogEntry } from '../storage/oplog';
import type { MemberEvent, ReplEventBody } from '../repl/events';
import type { OpTime } from '../base/optime';
import { createMemberCrudCommands } from '../commands/crud';
import { checkApiParameters } from '../commands/apiParameters';
import { withErrorLabels } from '../commands/errorLabels';
import { isChangeStreamAggregate } from '../commands/crud/changeStreams';
import { FailPointRegistry, GET_MORE_FAIL_POINT_ERRMSG } from '../commands/failPoint';
import type { FailCommandTarget } from '../commands/failPoint';
import { LogicalClock, stampClusterTime } from '../commands/clusterTime';
import { LogicalSessionCache, SESSION_COMMANDS, runSessionCommand, sessionKeyOf } from '../commands/sessions';
import type { SessionCommandHost } from '../commands/sessions';
import type { CrudCommands, CrudContext } from '../commands/crud/context';
import { localDatabaseView } from '../commands/crud/localView';
import type { ServerNode } from '../commands/serverNode';
import { LogIds } from '../log/ids';
import type { LogLine } from '../log/ids';
import type { TimedLogEntry } from '../log/log';
import { Storage } from '../storage/storage';
import type { PeerTransport } from './transport';

/** One line of mongod's structured log as a member keeps it: `{t, s, c, id, ctx, msg, attr}`. */
export type LogEntry = TimedLogEntry;

export interface MemberOptions {
  host: string;
  port: number;
  /** Other `host:port` names of this member (see ReplCoordinatorOptions.selfAliases). */
  selfAliases?: readonly string[];
  /** `--replSet` name, or the historic `name/host:port,host:port` seed form. Omit for no replication. */
  replSet?: string;
  /** Alternative to `replSet`: the set name and seed hosts given apart. */
  replSetName?: string;
  seeds?: readonly string[];
  clock: Clock;
  random: Random;
  transport: PeerTransport;
  /** The member's data; a new Storage on `clock` when omitted. Pass the same one to a restart. */
  storage?: Storage;
  /** Replication state that survives restarts; pass the previous member's `persisted`. */
  persisted?: PersistedReplState;
  /** Journal to make writes and replication state durable (sim-mongod with `--dbpath`). */
  journal?: MemberJournal;
  parameters?: Partial<ReplParameters>;
  /** The CRUD commands (one module may serve many members); a new one when omitted. */
  crud?: CrudCommands;
  log?: (entry: LogEntry) => void;
  /** Called when a `shutdown` command has stopped this member. */
  onShutdown?: () => void;
  /** Called when this member aborted (a failed invariant, as mongod's std::abort): it is stopped as by kill -9. */
  onAbort?: (reason: string) => void;
  /** Reported by buildInfo and `--version`. */
  version?: string;
  /** Log lines kept for getLog. */
  logLinesMax?: number;
  /**
   * mongod's `--setParameter enableTestCommands=1`: serve the test-only commands (configureFailPoint).
   * Off by default, as in mongod: without it they answer CommandNotFound.
   */
  testCommandsEnabled?: boolean;
  /** mongod's `localLogicalSessionTimeoutMinutes` (default 30): a session unused this long expires. */
  logicalSessionTimeoutMinutes?: number;
  /** The default log verbosity (mongod's -v count, systemLog.verbosity): debug lines up to this level are logged. */
  logVerbosity?: number;
  /** The machine and process this member runs as (sim-mongod's, cli/machine.ts), for hostInfo and serverStatus().mem; none in-process. */
  machine?: MachineFacts;
}

/** Commands members send each other: a fail point skips them unless `failInternalCommands` (they come from internal clients). */
const INTERNAL_COMMANDS: ReadonlySet<string> = new Set(['replSetHeartbeat', 'replSetRequestVotes', 'replSetUpdatePosition', 'replSetStepUp']);

export type MemberEventListener = (event: MemberEvent) => void;

/** A member's journal (storage/journal.ts), for the replica-set config this member runs. */
export type MemberJournal = ReplJournal<ReplSetConfig>;

/** The command writes (or commits) data: a killOp that comes after its writes cannot take them back. */
function writesData(request: CommandRequest): boolean {
  const cls = latencyClassOf((Object.keys(request.body)[0] ?? '').toLowerCase());
  return cls === 'writes' || cls === 'transactions';
}

/** `reply` with exactly `labels` as its errorLabels (none: no field). */
function overrideLabels(reply: Document, labels: readonly string[]): Document {
  const { errorLabels: _dropped, ...rest } = reply;
  return labels.length === 0 ? rest : { ...rest, errorLabels: [...labels] };
}

/** Parse `--replSet foo` or `--replSet foo/h1:p1,h2:p2`. */
export function parseReplSetOption(value: string): { name: string; seeds: string[] } {
  const slash = value.indexOf('/');
  if (slash < 0) return { name: value, seeds: [] };
  const name = value.slice(0, slash);
  const seeds = value
    .slice(slash + 1)
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (name === '') throw new RangeError(`bad --replSet value "${value}": empty set name`);
  return { name, seeds };
}

/**
 * One simulated mongod: the replication coordinator, storage and command dispatch. Implements
 * CommandHandler, so the wire layer serves it and DirectPeerTransport delivers to it.
 */
export class Member implements CommandHandler, ServerNode, SessionCommandHost {
  readonly host: string;
  readonly port: number;
  readonly name: string;
  readonly clock: Clock;
  readonly random: Random;
  readonly storage: Storage;
  readonly repl: ReplCoordinator;
  readonly version: string;
  readonly startedAtMillis: number;
  /** serverStatus().opcounters, counted in dispatch. */
  readonly opCounters = new OpCounters();
  /** The commands running now ($currentOp, killOp). */
  readonly operations = new OperationTable();
  /** serverStatus's opLatencies, metrics.commands/document, asserts and locks, counted as each command finishes. */
  readonly operationStats = new OperationStats();
  readonly machine: MachineFacts | undefined;
  /** Which debug lines are logged, per component (setParameter logLevel / logComponentVerbosity). */
  readonly logVerbosity: LogVerbosity;
  private readonly transport: PeerTransport;
  private readonly crud: CrudCommands;
  private readonly journal: MemberJournal | undefined;
  private crudContextCached: CrudContext | undefined;
  private readonly listeners = new Set<MemberEventListener>();
  private readonly logSink: ((entry: LogEntry) => void) | undefined;
  private readonly onShutdown: (() => void) | undefined;
  private readonly onAbort: ((reason: string) => void) | undefined;
  private readonly logLines: LogEntry[] = [];
  private readonly logLinesMax: number;
  private aliveFlag = true;
  private connectionSeq = 0;
  private connectionCountsSource: ConnectionCounts | undefined;
  /** The member's fail points; undefined unless test commands are enabled. */
  readonly failPoints: FailPointRegistry | undefined;
  /** The logical sessions commands on this member have used (commands/sessions.ts). */
  readonly sessions: LogicalSessionCache;
  /** The cluster time this member gossips (commands/clusterTime.ts). */
  readonly logicalClock = new LogicalClock();
  /** The read/write concern defaults as this member last read them from config.settings (commands/rwcDefaults.ts). */
  readonly rwcDefaults: RwcDefaultsCache;

  constructor(options: MemberOptions) {
    if (!Number.isInteger(options.port) || options.port < 1 || options.port > 65535) throw new RangeError(`Member: bad port ${options.port}`);
    this.host = options.host.toLowerCase();
    this.port = options.port;
    this.name = `${this.host}:${this.port}`;
    this.clock = options.clock;
    this.random = options.random;
    this.transport = options.transport;
    this.storage = options.storage ?? new Storage({ now: () => this.clock.now() });
    this.crud = options.crud ?? createMemberCrudCommands();
    this.journal = options.journal;
    this.machine = options.machine;
    this.logVerbosity = new LogVerbosity(options.logVerbosity ?? 0);
    this.logSink = options.log;
    this.onShutdown = options.onShutdown;
    this.onAbort = options.onAbort;
    this.version = options.version ?? '7.0.14';
    this.logLinesMax = options.logLinesMax ?? 1000;
    this.startedAtMillis = this.clock.now();
    this.sessions = new LogicalSessionCache({ now: () => this.clock.now(), random: this.random.fork(), ...(options.logicalSessionTimeoutMinutes === undefined ? {} : { timeoutMinutes: options.logicalSessionTimeoutMinutes }) });
    this.failPoints = options.testCommandsEnabled === true ? new FailPointRegistry(this.random.fork()) : undefined;
    this.rwcDefaults = new RwcDefaultsCache(
      () => this.storage.getCollection(CONFIG_SETTINGS.db, CONFIG_SETTINGS.coll)?.getById(RWC_DEFAULTS_DOCUMENT_ID),
      () => this.clock.now(),
    );
    if (options.replSet !== undefined && options.replSetName !== undefined) throw new RangeError('Member: give replSet or replSetName, not both');
    const replSet =
      options.replSet !== undefined
        ? parseReplSetOption(options.replSet)
        : options.replSetName !== undefined
          ? { name: options.replSetName, seeds: [...(options.seeds ?? [])] }
          : undefined;
    this.repl = new ReplCoordinator({
      self: this.name,
      ...(options.selfAliases === undefined ? {} : { selfAliases: options.selfAliases }),
      replSetName: replSet?.name,
      seeds: replSet?.seeds ?? [],
      persisted: options.persisted ?? newPersistedReplState(),
      parameters: options.parameters,
      ports: {
        clock: this.clock,
        random: this.random,
        storage: this.storage,
        send: (to, db, cmd, timeoutMillis) => this.transport.request(this.name, to, db, cmd, { timeoutMillis }),
        emit: (event) => this.emit(event),
        log: (s, c, line, attr) => this.log(s, c, line, attr),
        abort: (reason) => this.abort(reason),
        replProducerStopped: () => this.failPoints?.get('stopReplProducer')?.active === true,
        customDefaultWriteConcernSet: () => this.rwcDefaults.customWriteConcern() !== undefined,
        ...(options.journal === undefined ? {} : { persistence: options.journal }),
      },
    });
    this.repl.start();
  }

  /** The member keeps its data in a journal (--dbpath): serverStatus().storageEngine.persistent. */
  get persistent(): boolean {
    return this.journal !== undefined;
  }

  transactionStats(): TransactionStats {
    return this.crud.transactionStats?.(this.crudContext()) ?? { started: 0, committed: 0, aborted: 0, open: 0, retriedCommands: 0, retriedStatements: 0 };
  }

  cursorCounts(): CursorCounts {
    const crud = this.crud.cursorCounts?.(this.crudContext()) ?? { open: 0, noTimeout: 0, totalOpened: 0, timedOut: 0 };
    const oplog = this.repl.oplogCursorCounts();
    return { open: crud.open + oplog.open, noTimeout: crud.noTimeout, totalOpened: crud.totalOpened + oplog.totalOpened, timedOut: crud.timedOut + oplog.timedOut };
  }

  transactionCommandsRunning(): number {
    return this.operations.list().filter((op) => isTransactionCommand(op.request.body)).length;
  }

  /** `--setParameter enableTestCommands=1` (the fail points exist only then). */
  get testCommandsEnabled(): boolean {
    return this.failPoints !== undefined;
  }

  /** What a restart must hand to the next Member for this host. */
  get persisted(): PersistedReplState {
    return this.repl.persisted;
  }

  /** What rollbacks undid on this member, oldest first (mongod's rollback files). */
  get rollbackFiles(): readonly RollbackFile[] {
    return this.repl.persisted.rollbackFiles;
  }

  get alive(): boolean {
    return this.aliveFlag;
  }

  get connectionsOpened(): number {
    return this.connectionSeq;
  }

  /** Subscribe to this member's events; returns the unsubscribe function. */
  on(listener: MemberEventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(body: ReplEventBody): void {
    if (this.listeners.size === 0) return;
    const event = { ...body, atMillis: this.clock.now(), host: this.name } as MemberEvent;
    for (const listener of [...this.listeners]) listener(event);
  }

  log(s: LogSeverity, c: string, line: LogLine, attr?: Document): void {
    // logv2's component settings: a debug line is written only at or under its component's verbosity.
    if (!this.logVerbosity.writes(s, c)) return;
    const entry: LogEntry = { t: new Date(this.clock.now()), s, c, id: line.id, ctx: 'ReplCoord', msg: line.msg, ...(attr && Object.keys(attr).length > 0 ? { attr } : {}) };
    this.logLines.push(entry);
    if (this.logLines.length > this.logLinesMax) this.logLines.shift();
    this.logSink?.(entry);
  }

  /** Recent log lines (getLog: 'global'). */
  recentLog(): readonly LogEntry[] {
    return this.logLines;
  }

  /** Abrupt death (kill -9): nothing more is sent, nothing is stepped down politely. */
  kill(): void {
    if (!this.aliveFlag) return;
    this.aliveFlag = false;
    this.repl.stop('kill');
    this.crud.memberStopped?.(this.crudContext());
  }

  /** The process aborts (mongod's invariant failure, logged by whoever found it): stopped as by kill -9, and reported. */
  private abort(reason: string): void {
    if (!this.aliveFlag) return;
    this.kill();
    this.onAbort?.(reason);
  }

  /** Clean shutdown: a primary first tries to hand off (unless forced), then stops. */
  async shutdown(options: { force?: boolean; timeoutSecs?: number } = {}): Promise<void> {
    if (!this.aliveFlag) return;
    if (this.repl.state === 'PRIMARY') {
      const secs = options.timeoutSecs ?? 10;
      try {
        await this.repl.stepDown(Math.max(secs, 1), secs, options.force === true);
      } catch (e) {
        if (!options.force) throw e;
        // Forced: mongod shuts down even when no secondary could take over.
        this.log('W', 'REPL', LogIds.forcedShutdownStepDownFailed, { error: e instanceof Error ? e.message : String(e) });
      }
    }
    this.log('I', 'CONTROL', LogIds.nowExiting, {});
    this.aliveFlag = false;
    this.repl.stop('shutdown');
    this.crud.memberStopped?.(this.crudContext());
    this.onShutdown?.();
  }

  connectionClosed(connection: ConnectionInfo): void {
    // Oplog cursors are few and time out on their own; CRUD cursors belong to the connection.
    this.crud.connectionClosed?.(this.crudContext(), connection.id);
  }

  get logicalSessionTimeoutMinutes(): number {
    return this.sessions.timeoutMinutes;
  }

  killSessionCursors(keys: ReadonlySet<string>): void {
    if (keys.size > 0) this.crud.sessionsKilled?.(this.crudContext(), keys);
  }

  /**
   * Give serverStatus().connections the counts of the wire server(s) serving this member (sim-mongod's
   * listeners, the server's sim engine). Without one (the in-process harness) the section is left out.
   */
  attachConnectionCounts(counts: ConnectionCounts): void {
    this.connectionCountsSource = counts;
  }

  connectionCounts(): ConnectionCounts | undefined {
    return this.connectionCountsSource;
  }

  /** Next connection id for hello's `connectionId` when the wire layer has none. */
  nextConnectionId(): number {
    return ++this.connectionSeq;
  }

  async run(client: CommandRequest): Promise<Document> {
    const op = this.operations.begin(client, this.clock.now());
    let reply: Document = { ok: 0 };
    let internalError = false;
    try {
      reply = await this.runOperation(op);
      // A write that went through is not undone by a late killOp: mongod interrupts only its
      // write-concern wait, which answers ok: 1 with the interruption as its writeConcernError.
      // Any command whose write-concern wait the kill ended (create, createIndexes...) keeps its reply too.
      if (op.killPending && this.aliveFlag && Number(reply.ok) === 1 && !writesData(op.request) && reply.writeConcernError === undefined) {
        reply = errorToReply(serverError('Interrupted', 'operation was interrupted'));
        this.dropInterruptedCursor(op.request);
      }
      return reply;
    } catch (error) {
      internalError = true;
      throw error;
    } finally {
      this.operations.end(op);
      this.recordFinished(op, reply, internalError);
    }
  }

  /**
   * getmore_cmd.cpp: a getMore that fails deletes its cursor (the pin's cursorFreer guard), so a
   * killed wait on a change stream or the oplog leaves no cursor to resume with.
   */
  private dropInterruptedCursor(request: CommandRequest): void {
    const name = (Object.keys(request.body)[0] ?? '').toLowerCase();
    if (name !== 'getmore') return;
    const id: unknown = request.body.getMore;
    if (this.isOplogRequest(name, request)) {
      this.repl.killOplogCursor(typeof id === 'bigint' ? id : BigInt(String(id)));
      return;
    }
    if (this.crud.isChangeStreamCursor?.(this.crudContext(), id) === true) this.crud.killChangeStreamCursor?.(this.crudContext(), id);
  }

  /** What a finished command adds to serverStatus's counters and $collStats latencyStats. */
  private recordFinished(op: RunningOperation, reply: Document, thrown: boolean): void {
    const first = Object.keys(op.request.body)[0];
    if (first === undefined) return;
    const target: unknown = first.toLowerCase() === 'getmore' ? op.request.body.collection : op.request.body[first];
    this.operationStats.record({
      first,
      namespace: typeof target === 'string' && target !== '' ? `${op.request.db}.${target}` : undefined,
      latencyMicros: Math.max(0, this.clock.now() - op.startedAtMillis) * 1000,
      reply,
      unknown: reply.codeName === 'CommandNotFound',
      internalError: thrown || op.internalError,
    });
  }

  private async runOperation(op: RunningOperation): Promise<Document> {
    const request = op.request;
    const first = Object.keys(request.body)[0];
    // The gossiped time is taken in before the command runs: an afterClusterTime read may name it.
    const clusterTime: unknown = request.body.$clusterTime;
    if (clusterTime !== undefined) this.logicalClock.observe(clusterTime);
    // Whether to stamp is decided as the command starts: replSetInitiate's own reply has no times.
    const initiated = this.repl.config !== undefined;
    const failedGetMore = first?.toLowerCase() === 'getmore' && this.failPoints !== undefined ? this.getMoreFailPointReply(first, request, this.failPoints) : undefined;
    const reply =
      failedGetMore ??
      (first !== undefined && this.failPoints?.failCommand.active === true ? await this.runUnderFailCommand(first, request, this.failPoints) : await this.runLabelled(first, request));
    return initiated ? this.withClusterTime(reply) : reply;
  }

  private async runLabelled(first: string | undefined, request: CommandRequest): Promise<Document> {
    const reply = await this.dispatch(first, request);
    // The one place replies get their error labels (RetryableWriteError), as mongod's ErrorLabelBuilder.
    return first === undefined ? reply : this.labelled(first, request, reply);
  }

  /** `reply` with mongod's error labels (commands/errorLabels.ts); a change stream's errors may be resumable. */
  private labelled(first: string, request: CommandRequest, reply: Document): Document {
    const name = first.toLowerCase();
    const body = request.body;
    const changeStream =
      Number(reply.ok) !== 1 &&
      ((name === 'aggregate' && isChangeStreamAggregate(body)) || (name === 'getmore' && this.crud.isChangeStreamCursor?.(this.crudContext(), body.getMore) === true));
    return withErrorLabels(first, body, reply, changeStream);
  }

  /**
   * An initiated member answers every command with `$clusterTime` and `operationTime`
   * (commands/clusterTime.ts); before a config, or without replication, it sends neither, as mongod
   * (mongosh shows rs.initiate()'s reply as `{info2, me, ok: 1}`).
   */
  private withClusterTime(reply: Document): Document {
    if (!this.aliveFlag || this.repl.config === undefined) return reply;
    const appliedTs = this.repl.lastApplied.ts;
    return stampClusterTime(reply, this.logicalClock.clusterTs(appliedTs), appliedTs);
  }

  /**
   * A command while failCommand is set: it may close the connection, block, fail the command, or add
   * a writeConcernError to its reply (commands/failPoint.ts). `errorLabels` in the fail point's data
   * replace the labels mongod would compute, as its errorLabelsOverride does.
   */
  private async runUnderFailCommand(first: string, request: CommandRequest, failPoints: FailPointRegistry): Promise<Document> {
    const target = this.failCommandTarget(first, request);
    const action = failPoints.beforeCommand(target);
    if (action !== undefined) {
      if (action.closeConnection) {
        this.log('I', 'COMMAND', LogIds.failCommandClosingConnection, { command: first });
        request.closeConnection?.();
        return action.errorReply ?? { ok: 0 };
      }
      if (action.blockTimeMillis > 0) {
        await FailPointRegistry.block(this.clock, action.blockTimeMillis, request.signal);
        // mongod's block sleeps interruptibly: a killOp (or a closed connection) ends the command there.
        if (request.signal.aborted) return errorToReply(serverError('Interrupted', 'operation was interrupted'));
      }
      if (action.errorReply !== undefined) {
        return action.errorReply.errorLabels !== undefined ? overrideLabels(action.errorReply, action.errorReply.errorLabels as string[]) : this.labelled(first, request, action.errorReply);
      }
    }
    const reply = await this.dispatch(first, request);
    const injected = Number(reply.ok) === 1 ? failPoints.afterCommand(target) : undefined;
    if (injected === undefined) return this.labelled(first, request, reply);
    const withError = { ...reply, writeConcernError: injected.writeConcernError };
    return injected.errorLabels !== undefined ? overrideLabels(withError, injected.errorLabels) : this.labelled(first, request, withError);
  }

  /**
   * failGetMoreAfterCursorCheckout on a getMore of a change stream (commands/failPoint.ts): the
   * error reply, labelled as the stream's errors are, with the cursor deleted; undefined when the
   * fail point does not fire or the cursor is not one of this member's change streams (then the
   * getMore runs, and a missing cursor is CursorNotFound as before any fail point).
   */
  private getMoreFailPointReply(first: string, request: CommandRequest, failPoints: FailPointRegistry): Document | undefined {
    const body = request.body;
    const context = this.crudContext();
    if (this.crud.isChangeStreamCursor?.(context, body.getMore) !== true) return undefined;
    const collection: unknown = body.collection;
    const target = { ...this.failCommandTarget(first, request), namespace: typeof collection === 'string' ? `${request.db}.${collection}` : request.db };
    const code = failPoints.getMoreAfterCheckout(target);
    if (code === undefined) return undefined;
    this.crud.killChangeStreamCursor?.(context, body.getMore);
    const reply = { ok: 0, errmsg: GET_MORE_FAIL_POINT_ERRMSG, code, codeName: codeNameFor(code) };
    return withErrorLabels(first, body, reply, true);
  }

  private failCommandTarget(first: string, request: CommandRequest): FailCommandTarget {
    const collection: unknown = request.body[first];
    const name = first.toLowerCase();
    const oplog = (name === 'find' || name === 'getmore' || name === 'killcursors') && this.isOplogRequest(name, request);
    return {
      commandName: first,
      namespace: typeof collection === 'string' ? `${request.db}.${collection}` : request.db,
      appName: request.connection.appName,
      internal: request.connection.internalClient === true || INTERNAL_COMMANDS.has(first) || oplog,
    };
  }

  private async dispatch(first: string | undefined, request: CommandRequest): Promise<Document> {
    if (!this.aliveFlag) return errorToReply(serverError('InterruptedAtShutdown', 'interrupted at shutdown'));
    if (first === undefined) return errorToReply(serverError('FailedToParse', 'Failed to parse: empty command'));
    const name = first.toLowerCase();
    this.opCounters.count(name, request.body);
    try {
      if (!INTERNAL_COMMANDS.has(first)) checkApiParameters(first, request.body);
      const lsid: unknown = request.body.lsid;
      if (lsid !== undefined) this.sessions.touch(lsid as Document, sessionKeyOf(lsid) as string);
      if (name === 'serverstatus') return runServerStatus(this, request);
      if (name === 'setparameter') return runSetParameter(this.logVerbosity, request);
      if (name === 'getparameter' && namesLogParameter(request.body)) {
        const others = request.body.getParameter === '*' || request.body.featureCompatibilityVersion !== undefined ? await runHandshakeCommand(this, name, request) : { ok: 1 };
        return { ...logParameters(this.logVerbosity, request.body), ...others };
      }
      if (name === 'hostinfo') return hostInfoReply(this.machine, this.clock.now(), this.name, this.port);
      if (name === 'killop') return runKillOp(this.currentOpHost(), request, (opId) => this.log('I', 'COMMAND', LogIds.goingToKillOp, { opId }));
      if (name === 'currentop') return currentOpCommand(this.currentOpHost(), request, this.operationOf(request));
      if (name === 'aggregate' && Array.isArray(request.body.pipeline) && isPlainObject(request.body.pipeline[0]) && '$currentOp' in request.body.pipeline[0]) {
        return currentOpAggregate(this.currentOpHost(), request, this.operationOf(request));
      }
      if (HANDSHAKE_COMMANDS.has(name)) return await runHandshakeCommand(this, name, request);
      if (SESSION_COMMANDS.has(name)) return runSessionCommand(this, name, request.body);
      if (name === 'configurefailpoint' && this.failPoints !== undefined) {
        if (request.db !== 'admin') throw serverError('Unauthorized', 'configureFailPoint may only be run against the admin database.');
        const reply = this.failPoints.configure(request.body);
        this.log('W', 'COMMAND', LogIds.failPointSet, { failPointName: request.body.configureFailPoint, mode: request.body.mode, data: request.body.data ?? {} });
        return reply;
      }
      if (REPLSET_COMMANDS.has(name)) return await runReplSetCommand(this, name, request);
      if (RWC_DEFAULTS_COMMANDS.has(name)) return await runRwcDefaultsCommand(this.rwcDefaultsHost(), name, request);
      if ((name === 'find' || name === 'getmore' || name === 'killcursors') && this.isOplogRequest(name, request)) {
        return await this.runOplogCommand(name, request);
      }
      if (this.crud.commandNames.has(name)) return await this.crud.run(name, request, this.crudContext());
      return errorToReply(commandNotFound(first));
    } catch (error) {
      const reply = errorToReply(error);
      if (!(error instanceof ServerError)) {
        this.log('E', 'COMMAND', LogIds.internalCommandError, { command: first, error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) });
        const op = this.operations.of(request);
        if (op !== undefined) op.internalError = true;
      }
      return reply;
    }
  }

  private currentOpHost(): CurrentOpHost {
    // curop.cpp: the machine's host name and the port the client reached (the member's name when run in-process).
    const name = this.machine === undefined ? this.name : `${this.machine.host().hostname}:${this.port}`;
    return { name, nowMillis: () => this.clock.now(), operations: this.operations, cursors: () => [...(this.crud.cursorReports?.(this.crudContext()) ?? []), ...this.repl.oplogCursorReports()] };
  }

  private operationOf(request: CommandRequest): RunningOperation {
    const op = this.operations.of(request);
    if (op === undefined) throw new Error('Member: a command runs outside the operation table');
    return op;
  }

  private isOplogRequest(name: string, request: CommandRequest): boolean {
    if (request.db !== 'local') return false;
    if (name === 'find') return request.body.find === 'oplog.rs';
    if (name === 'getmore') return request.body.collection === 'oplog.rs';
    return request.body.killCursors === 'oplog.rs';
  }

  private async runOplogCommand(name: string, request: CommandRequest): Promise<Document> {
    if (name === 'find') return this.repl.oplogFind(request.body);
    if (name === 'getmore') return this.repl.oplogGetMore(request.body, request);
    const ids = Array.isArray(request.body.cursors) ? (request.body.cursors as unknown[]) : [];
    const killed: unknown[] = [];
    const notFound: unknown[] = [];
    for (const id of ids) {
      const big = typeof id === 'bigint' ? id : BigInt(String(id));
      (this.repl.killOplogCursor(big) ? killed : notFound).push(id);
    }
    return { cursorsKilled: killed, cursorsNotFound: notFound, cursorsAlive: [], cursorsUnknown: [], ok: 1 };
  }

  /** secondaryOk from `$readPreference` (anything but primary) or the legacy fields. */
  static secondaryOk(request: CommandRequest): boolean {
    const pref = request.body.$readPreference as Document | undefined;
    if (pref && typeof pref.mode === 'string' && pref.mode !== 'primary') return true;
    return request.body.secondaryOk === true || request.body.slaveOk === true || request.body.$secondaryOk === true;
  }

  /**
   * The write concern a command runs with (write_concern.cpp extractWriteConcern): the one it
   * names; with none (or `{}`), the default in force: the custom one set by setDefaultRWConcern
   * (provenance customDefault), else the implicit one (implicitDefault); with only `wtimeout`
   * and/or `j`, `w` from that default (isExplicitWithoutWField). Defaults apply only on a
   * replica-set member and not to other members' commands (internal clients). A provenance the
   * client sends is kept.
   */
  writeConcernFor(request: CommandRequest): WriteConcern {
    const raw: unknown = request.body.writeConcern;
    const given = isPlainObject(raw) && Object.keys(raw).length > 0 ? raw : undefined;
    const j = given?.j === true || given?.j === 1 ? true : given?.j === false || given?.j === 0 ? false : undefined;
    const canApplyDefault = this.repl.replSetName !== undefined && request.connection.internalClient !== true;
    const byDefault = canApplyDefault ? this.rwcDefaults.defaultWriteConcern(this.repl.config) : undefined;
    let wc: WriteConcern;
    if (given === undefined) {
      wc = byDefault ?? { w: 1, wtimeout: 0, provenance: 'implicitDefault' };
    } else if (given.w === undefined) {
      // Only wtimeout and/or j: w comes from the default (and j too when the client gave none), the
      // client's wtimeout stays, and the provenance is the default's; with no default, w:1 as the client's.
      const wtimeout = Number(given.wtimeout ?? 0);
      const jOf = j ?? byDefault?.j;
      wc = { w: byDefault?.w ?? 1, wtimeout, ...(jOf === undefined ? {} : { j: jOf }), provenance: byDefault?.provenance ?? 'clientSupplied' };
    } else {
      const w = typeof given.w === 'string' ? given.w : Number(given.w);
      wc = { w, wtimeout: Number(given.wtimeout ?? 0), ...(j === undefined ? {} : { j }), provenance: 'clientSupplied' };
    }
    const provenance: unknown = given?.provenance;
    if (typeof provenance === 'string' && WRITE_CONCERN_PROVENANCES.has(provenance)) wc = { ...wc, provenance: provenance as WriteConcernProvenance };
    return wc;
  }

  /** What setDefaultRWConcern and getDefaultRWConcern use of this member (commands/rwcDefaults.ts). */
  private rwcDefaultsHost(): RwcDefaultsHost {
    const repl = this.repl;
    return {
      replicationEnabled: repl.replSetName !== undefined,
      config: repl.config,
      rwcDefaults: this.rwcDefaults,
      checkWritablePrimary: () => repl.checkCanAcceptWrites('admin'),
      clusterTs: () => this.logicalClock.clusterTs(repl.lastApplied.ts),
      nowMillis: () => this.clock.now(),
      writeConcernOf: (request) => this.writeConcernFor(request),
      upsertDefaults: (document, writeConcern, request) => {
        const { _id: id, ...replacement } = document;
        const body = { update: CONFIG_SETTINGS.coll, updates: [{ q: { _id: id }, u: replacement, upsert: true }], writeConcern };
        // signal is a getter on an operation's request, which a spread would drop.
        return this.crud.run('update', { ...request, signal: request.signal, db: CONFIG_SETTINGS.db, body }, this.crudContext());
      },
    };
  }

  /**
   * Wait for a write concern, then, with a journal, for the journal when the acknowledgement
   * promises durability: `j: true`, or w:majority when the config's writeConcernMajorityJournalDefault
   * is on (the default). `w: 0` promises nothing.
   */
  async waitForWriteConcern(opTime: OpTime, wc: WriteConcern, signal?: AbortSignal): Promise<Document | undefined> {
    const journalDefault = this.repl.config?.writeConcernMajorityJournalDefault ?? true;
    const needsJournal = this.journal !== undefined && wc.w !== 0 && (wc.j === true || (wc.w === 'majority' && journalDefault));
    if (!needsJournal) return this.repl.waitForWriteConcern(opTime, wc, signal);
    // The local flush runs while the secondaries catch up, not after.
    const durable = this.journal!.waitDurable();
    // Marks the rejection handled while replication is awaited first; `await durable` below rethrows it.
    durable.catch(() => undefined);
    const error = await this.repl.waitForWriteConcern(opTime, wc, signal);
    await durable;
    return error;
  }

  /** The same context serves every command: it holds no per-request state. */
  crudContext(): CrudContext {
    if (this.crudContextCached) return this.crudContextCached;
    const repl = this.repl;
    this.crudContextCached = {
      storage: this.storage,
      checkCanAcceptWrites: (db) => repl.checkCanAcceptWrites(db),
      checkCanServeReads: (request) => repl.checkCanServeReads(request.db, Member.secondaryOk(request)),
      logOps: (ops) => {
        if (repl.replSetName !== undefined) return repl.logOps(ops);
        if (ops.length > 0) this.journal?.unreplicatedOps(ops);
        return repl.lastApplied;
      },
      // The operation's signal: killOp and a closed connection interrupt the wait (write_concern.cpp).
      waitForWriteConcern: (opTime, request) => this.waitForWriteConcern(opTime, this.writeConcernFor(request), request.signal),
      get commitPoint() {
        return repl.commitPoint;
      },
      get lastApplied() {
        return repl.lastApplied;
      },
      get replicaSetMember() {
        return repl.config !== undefined;
      },
      get term() {
        return repl.term;
      },
      oplogEntries: () => repl.oplog.all(),
      transactionalWriteFailPoint: () => this.failPoints?.onTransactionalWrite(),
      clusterTs: () => this.logicalClock.clusterTs(repl.lastApplied.ts),
      entriesAfterTs: (ts) => {
        const out: OplogEntry[] = [];
        for (let i = repl.oplog.length - 1; i >= 0; i--) {
          const entry = repl.oplog.at(i)!;
          if (entry.ts <= ts) break;
          out.push(entry);
        }
        return out;
      },
      oldestOplogTs: () => repl.oplog.at(0)?.ts ?? 0,
      entriesAfterCommitPoint: () => entriesAfter(repl.oplog, repl.commitPoint),
      committedSnapshotAvailable: () => this.storage.canViewBefore(entriesAfter(repl.oplog, repl.commitPoint)),
      random: this.random,
      clock: this.clock,
      local: localDatabaseView(
        () => (repl.config ? configToDocument(repl.config) : null),
        () => (repl.replSetName === undefined ? null : repl.oplog),
        () => repl.oplogSizeBytes,
        (name) => repl.localCollectionUuid(name),
      ),
      localSessions: () => this.sessions.listLocal(),
      collectionLatencies: (namespace, histograms) => this.operationStats.collectionLatencies(namespace, histograms),
      defaultReadConcern: (request) => (repl.replSetName === undefined || request.connection.internalClient === true ? undefined : this.rwcDefaults.customReadConcern()),
    };
    return this.crudContextCached;
  }
}
