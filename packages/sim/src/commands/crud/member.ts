import type { Document } from 'bson';
import type { CommandRequest } from '../handler';
import { commandNotFound } from '../errors';
import type { CrudCommands, CrudContext } from '../../member/member';
import type { Storage } from '../../storage/storage';
import { isPlainObject } from '../../storage/values';
import { compareOpTime } from '../../repl/optime';
import type { StorageCommandContext, StorageCommandResult } from './context';
import { CursorManager } from './cursors';
import type { CursorLimits } from './cursors';

/** The pieces of the CRUD dispatcher this adapter needs (passed in to avoid an import cycle with crud.ts). */
export interface CrudDispatcher {
  readonly names: ReadonlySet<string>;
  kind(commandName: string): 'read' | 'write' | undefined;
  run(db: string, body: Document, ctx: StorageCommandContext): StorageCommandResult;
}

export interface MemberCrudOptions {
  storage: Storage;
  /** The member's clock's `now` (cursor timeouts). */
  now: () => number;
  cursorLimits?: Partial<CursorLimits>;
  firstCursorId?: bigint;
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
  readonly cursors: CursorManager;
  private readonly storage: Storage;
  private readonly byLowerName: ReadonlyMap<string, string>;
  private readonly dispatcher: CrudDispatcher;

  constructor(dispatcher: CrudDispatcher, options: MemberCrudOptions) {
    this.dispatcher = dispatcher;
    this.storage = options.storage;
    this.cursors = new CursorManager({ now: options.now, limits: options.cursorLimits, firstCursorId: options.firstCursorId });
    const byLower = new Map<string, string>();
    for (const name of dispatcher.names) byLower.set(name.toLowerCase(), name);
    this.byLowerName = byLower;
    this.commandNames = new Set(byLower.keys());
  }

  async run(name: string, request: CommandRequest, context: CrudContext): Promise<Document> {
    const canonical = this.byLowerName.get(name.toLowerCase());
    if (canonical === undefined) throw commandNotFound(name);
    // Server-made _ids must differ between members: seed them from the member's Random once.
    if (!this.storage.objectIdsSeeded) this.storage.seedObjectIds(context.random);
    const kind = this.dispatcher.kind(canonical);
    if (kind === 'write') context.checkCanAcceptWrites(request.db);
    else if (!READ_CHECK_EXEMPT.has(canonical)) context.checkCanServeReads(request);
    const storage = kind === 'read' ? this.readView(request, context) : this.storage;
    const result = this.dispatcher.run(request.db, request.body, { storage, cursors: this.cursors, connectionId: request.connection.id });
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
  private readView(request: CommandRequest, context: CrudContext): Storage {
    const readConcern = request.body.readConcern;
    if (!isPlainObject(readConcern) || readConcern.level !== 'majority') return this.storage;
    const entries = context.member.repl.oplog.all();
    const after = [];
    for (let i = entries.length - 1; i >= 0; i--) {
      const entry = entries[i];
      if (!entry || compareOpTime(entry, context.commitPoint) <= 0) break;
      after.push(entry);
    }
    return after.length === 0 ? this.storage : this.storage.viewBefore(after);
  }

  /** Kills the cursors of a closed connection. */
  connectionClosed(connectionId: number): number {
    return this.cursors.killForConnection(connectionId);
  }

  /** Kills every cursor (step-down, shutdown). */
  killAllCursors(): number {
    return this.cursors.killAll();
  }
}
