import type { Document } from 'bson';
import type { Clock } from '../clock/clock';
import type { CommandHandler, CommandRequest, ConnectionInfo } from '../commands/handler';
import { ServerError, commandNotFound, errorToReply, isErrorCodeName, serverError } from '../base/errors';
import { HANDSHAKE_COMMANDS, runHandshakeCommand } from '../commands/handshake';
import { REPLSET_COMMANDS, runReplSetCommand } from '../commands/replset';
import type { Random } from '../random/random';
import type { ReplParameters, PersistedReplState, LogSeverity, WriteConcern } from '../repl/coordinator';
import { ReplCoordinator, newPersistedReplState } from '../repl/coordinator';
import type { RollbackFile } from '../repl/coordinator';
import type { ReplSetConfig } from '../repl/config';
import type { ReplJournal } from '../storage/replState';
import { entriesAfter } from '../storage/oplog';
import type { MemberEvent, ReplEventBody } from '../repl/events';
import type { OpTime } from '../base/optime';
import { createMemberCrudCommands } from '../commands/crud';
import { withErrorLabels } from '../commands/errorLabels';
import type { CrudCommands, CrudContext } from '../commands/crud/context';
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
  /** Reported by buildInfo and `--version`. */
  version?: string;
  /** Log lines kept for getLog. */
  logLinesMax?: number;
}

export type MemberEventListener = (event: MemberEvent) => void;

/** A member's journal (storage/journal.ts), for the replica-set config this member runs. */
export type MemberJournal = ReplJournal<ReplSetConfig>;

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
export class Member implements CommandHandler, ServerNode {
  readonly host: string;
  readonly port: number;
  readonly name: string;
  readonly clock: Clock;
  readonly random: Random;
  readonly storage: Storage;
  readonly repl: ReplCoordinator;
  readonly version: string;
  readonly startedAtMillis: number;
  private readonly transport: PeerTransport;
  private readonly crud: CrudCommands;
  private readonly journal: MemberJournal | undefined;
  private crudContextCached: CrudContext | undefined;
  private readonly listeners = new Set<MemberEventListener>();
  private readonly logSink: ((entry: LogEntry) => void) | undefined;
  private readonly onShutdown: (() => void) | undefined;
  private readonly logLines: LogEntry[] = [];
  private readonly logLinesMax: number;
  private aliveFlag = true;
  private connectionSeq = 0;

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
    this.logSink = options.log;
    this.onShutdown = options.onShutdown;
    this.version = options.version ?? '7.0.14';
    this.logLinesMax = options.logLinesMax ?? 1000;
    this.startedAtMillis = this.clock.now();
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
        ...(options.journal === undefined ? {} : { persistence: options.journal }),
      },
    });
    this.repl.start();
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
    if (!this.logSink && s === 'D1') return;
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

  /** Next connection id for hello's `connectionId` when the wire layer has none. */
  nextConnectionId(): number {
    return ++this.connectionSeq;
  }

  async run(request: CommandRequest): Promise<Document> {
    const first = Object.keys(request.body)[0];
    const reply = await this.dispatch(first, request);
    // The one place replies get their error labels (RetryableWriteError), as mongod's ErrorLabelBuilder.
    return first === undefined ? reply : withErrorLabels(first, request.body, reply);
  }

  private async dispatch(first: string | undefined, request: CommandRequest): Promise<Document> {
    if (!this.aliveFlag) return errorToReply(serverError('InterruptedAtShutdown', 'interrupted at shutdown'));
    if (first === undefined) return errorToReply(serverError('FailedToParse', 'Failed to parse: empty command'));
    const name = first.toLowerCase();
    try {
      if (HANDSHAKE_COMMANDS.has(name)) return await runHandshakeCommand(this, name, request);
      if (REPLSET_COMMANDS.has(name)) return await runReplSetCommand(this, name, request);
      if ((name === 'find' || name === 'getmore' || name === 'killcursors') && this.isOplogRequest(name, request)) {
        return await this.runOplogCommand(name, request);
      }
      if (this.crud.commandNames.has(name)) return await this.crud.run(name, request, this.crudContext());
      return errorToReply(commandNotFound(first));
    } catch (error) {
      if (!(error instanceof ServerError)) {
        this.log('E', 'COMMAND', LogIds.internalCommandError, { command: first, error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) });
      }
      return errorToReply(error);
    }
  }

  private isOplogRequest(name: string, request: CommandRequest): boolean {
    if (request.db !== 'local') return false;
    if (name === 'find') return request.body.find === 'oplog.rs';
    if (name === 'getmore') return request.body.collection === 'oplog.rs';
    return request.body.killCursors === 'oplog.rs';
  }

  private async runOplogCommand(name: string, request: CommandRequest): Promise<Document> {
    if (name === 'find') return this.repl.oplogFind(request.body);
    if (name === 'getmore') return this.repl.oplogGetMore(request.body, request.signal);
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

  /** The write concern a command asks for, or the implicit default (majority; w:1 with arbiters). */
  writeConcernFor(request: CommandRequest): WriteConcern {
    const wc = request.body.writeConcern as Document | undefined;
    const j = wc?.j === true || wc?.j === 1;
    if (wc && (wc.w !== undefined || wc.wtimeout !== undefined)) {
      const w = wc.w === undefined ? 1 : typeof wc.w === 'string' ? wc.w : Number(wc.w);
      return { w, wtimeout: Number(wc.wtimeout ?? 0), j };
    }
    const config = this.repl.config;
    if (!config) return { w: 1, j };
    const hasArbiters = config.members.some((m) => m.arbiterOnly);
    return hasArbiters ? { w: 1, j } : { w: 'majority', wtimeout: 0, j };
  }

  /**
   * Wait for a write concern, then, with a journal, for the journal when the acknowledgement
   * promises durability: `j: true`, or w:majority when the config's writeConcernMajorityJournalDefault
   * is on (the default). `w: 0` promises nothing.
   */
  async waitForWriteConcern(opTime: OpTime, wc: WriteConcern): Promise<Document | undefined> {
    const journalDefault = this.repl.config?.writeConcernMajorityJournalDefault ?? true;
    const needsJournal = this.journal !== undefined && wc.w !== 0 && (wc.j === true || (wc.w === 'majority' && journalDefault));
    if (!needsJournal) return this.repl.waitForWriteConcern(opTime, wc);
    // The local flush runs while the secondaries catch up, not after.
    const durable = this.journal!.waitDurable();
    // Marks the rejection handled while replication is awaited first; `await durable` below rethrows it.
    durable.catch(() => undefined);
    const error = await this.repl.waitForWriteConcern(opTime, wc);
    await durable;
    return error;
  }

  /**
   * The second half of a linearizable read (read_concern_mongod.cpp's
   * waitForLinearizableReadConcern): a no-op `{msg: "linearizable read"}` in the oplog, then a
   * w:"majority" wait for it; a timeout is LinearizableReadConcernError (187, error_codes.yml).
   */
  private async confirmLinearizableRead(timeoutMillis: number): Promise<void> {
    if (!this.repl.isWritablePrimary) throw serverError('NotWritablePrimary', 'No longer primary when waiting for linearizable read concern');
    const opTime = this.repl.logOps([{ op: 'n', ns: '', o: { msg: 'linearizable read' } }]);
    const error = await this.waitForWriteConcern(opTime, { w: 'majority', wtimeout: timeoutMillis, j: false });
    if (!error) return;
    if (error.codeName === 'WriteConcernFailed') throw serverError('LinearizableReadConcernError', 'Failed to confirm that read was linearizable.');
    const name = String(error.codeName);
    throw isErrorCodeName(name) ? serverError(name, String(error.errmsg)) : serverError('InternalError', `linearizable read: ${String(error.errmsg)}`);
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
      waitForWriteConcern: (opTime, request) => this.waitForWriteConcern(opTime, this.writeConcernFor(request)),
      get commitPoint() {
        return repl.commitPoint;
      },
      entriesAfterCommitPoint: () => entriesAfter(repl.oplog, repl.commitPoint),
      checkLinearizableRead: () => {
        if (repl.replSetName === undefined) throw serverError('NotAReplicaSet', 'node needs to be a replica set member to use read concern');
        if (repl.state !== 'PRIMARY') throw serverError('NotWritablePrimary', 'cannot satisfy linearizable read concern on non-primary node');
      },
      confirmLinearizableRead: (timeoutMillis) => this.confirmLinearizableRead(timeoutMillis),
      random: this.random,
      clock: this.clock,
    };
    return this.crudContextCached;
  }
}
