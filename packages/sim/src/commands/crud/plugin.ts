import type { Document } from 'bson';
import type { CommandRequest } from '../handler';
import { commandNotFound, serverError } from '../../base/errors';
import { Storage } from '../../storage/storage';
import { isPlainObject } from '../../storage/values';
import type { CrudCommands, CrudContext, StorageCommandContext, StorageCommandResult } from './context';
import { CursorManager } from './cursors';
import type { CursorLimits } from './cursors';

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
}

/** The reads that take `readConcern: {level: "linearizable"}` (getMore inherits its cursor's). */
const LINEARIZABLE_READS = new Set(['find', 'aggregate', 'count', 'distinct']);

function readConcernLevel(request: CommandRequest): string | undefined {
  const readConcern = request.body.readConcern;
  return isPlainObject(readConcern) && typeof readConcern.level === 'string' ? readConcern.level : undefined;
}

function maxTimeMillis(request: CommandRequest): number {
  const value = Number(request.body.maxTimeMS ?? 0);
  return Number.isFinite(value) && value > 0 ? value : 0;
}

/** Reads that mongod serves on any member without secondaryOk (they describe, not query, data). */
const READ_CHECK_EXEMPT = new Set(['listDatabases', 'dbStats', 'getMore', 'killCursors']);

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

  constructor(dispatcher: CrudDispatcher, options: MemberCrudOptions = {}) {
    this.dispatcher = dispatcher;
    this.options = options;
    const byLower = new Map<string, string>();
    for (const name of dispatcher.names) byLower.set(name.toLowerCase(), name);
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
    const kind = this.dispatcher.kind(canonical);
    if (kind === 'write') context.checkCanAcceptWrites(request.db);
    else if (!READ_CHECK_EXEMPT.has(canonical)) context.checkCanServeReads(request);
    const linearizable = kind === 'read' && LINEARIZABLE_READS.has(canonical) && readConcernLevel(request) === 'linearizable';
    if (linearizable) context.checkLinearizableRead();
    const storage = kind === 'read' ? this.readView(base, request, context) : base;
    const result = this.dispatcher.run(request.db, request.body, { storage, cursors, connectionId: request.connection.id });
    if (linearizable && result.reply.ok === 1) {
      // The read ran on what this member holds now; the no-op's majority commit proves no newer
      // primary existed then. mongod waits the command's maxTimeMS (0: no limit).
      await context.confirmLinearizableRead(maxTimeMillis(request));
      return result.reply;
    }
    if (result.oplog.length === 0) return result.reply;
    const opTime = context.logOps(result.oplog);
    const writeConcernError = await context.waitForWriteConcern(opTime, request);
    if (writeConcernError) result.reply.writeConcernError = writeConcernError;
    return result.reply;
  }

  /**
   * What a read sees: the current data, or with `readConcern: {level: "majority"}` the data as of
   * the majority commit point (the entries after it undone on a copy).
   */
  private readView(storage: Storage, request: CommandRequest, context: CrudContext): Storage {
    const readConcern = request.body.readConcern;
    if (!isPlainObject(readConcern) || readConcern.level !== 'majority') return storage;
    const after = context.entriesAfterCommitPoint();
    return after.length === 0 ? storage : storage.viewBefore(after);
  }

  /** Kills the cursors a closed connection opened on the member of `context`. Returns how many. */
  connectionClosed(context: CrudContext, connectionId: number): number {
    return this.cursorManagers.get(context)?.killForConnection(connectionId) ?? 0;
  }

  /** Kills every cursor of the member of `context` (shutdown) and forgets its manager. */
  memberStopped(context: CrudContext): number {
    const killed = this.cursorManagers.get(context)?.killAll() ?? 0;
    this.cursorManagers.delete(context);
    return killed;
  }
}
