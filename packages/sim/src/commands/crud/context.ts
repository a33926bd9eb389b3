import type { Document } from 'bson';
import type { OpTime } from '../../base/optime';
import type { Clock } from '../../clock/clock';
import type { Random } from '../../random/random';
import type { OplogEntry, OplogOp } from '../../storage/oplog';
import type { Storage } from '../../storage/storage';
import type { CommandRequest } from '../handler';
import type { CursorManager } from './cursors';

/** What a CRUD command runs against: the member's storage and cursors, and the connection it came on. */
export interface StorageCommandContext {
  readonly storage: Storage;
  readonly cursors: CursorManager;
  /** The connection the command arrived on: cursors it opens belong to it. */
  readonly connectionId: number;
}

/**
 * A command's reply and the oplog ops its writes produced, in order (no optimes: the member
 * stamps and appends them). A failed command may still carry ops for the writes that succeeded
 * before the failure (an ordered insert stops at its first error).
 */
export interface StorageCommandResult {
  reply: Document;
  oplog: OplogOp[];
}

/**
 * What the CRUD commands get from the member they run on: its storage, the replication checks and
 * the oplog. The member (member/member.ts) makes one per member and keeps it: it also names the
 * member to `CrudCommands.connectionClosed`.
 */
export interface CrudContext {
  /** The member's data. */
  readonly storage: Storage;
  /** Throws NotWritablePrimary unless writes to `db` are allowed. */
  checkCanAcceptWrites(db: string): void;
  /** Throws NotPrimaryNoSecondaryOk / NotPrimaryOrSecondary unless this read may run here. */
  checkCanServeReads(request: CommandRequest): void;
  /** Record writes already made to storage; returns the last optime. */
  logOps(ops: readonly OplogOp[]): OpTime;
  /** Wait for the request's write concern; resolves with a `writeConcernError` or undefined. */
  waitForWriteConcern(opTime: OpTime, request: CommandRequest): Promise<Document | undefined>;
  /** Majority commit point, for `readConcern: {level: "majority"}`. */
  readonly commitPoint: OpTime;
  /** Oplog entries after the commit point, newest first: undo them on a copy to read at majority (Storage.viewBefore). */
  entriesAfterCommitPoint(): readonly OplogEntry[];
  /**
   * `readConcern: {level: "linearizable"}` before the read: throws unless this member is primary
   * (NotWritablePrimary, "cannot satisfy linearizable read concern on non-primary node").
   */
  checkLinearizableRead(): void;
  /**
   * After the read: write a no-op to the oplog and wait for it to be majority-committed, so the
   * read is known to have run on a primary no newer one had replaced (read_concern_mongod.cpp,
   * waitForLinearizableReadConcern). `timeoutMillis` 0 waits without limit. Throws the ServerError
   * to reply with: NotWritablePrimary, LinearizableReadConcernError (timed out), PrimarySteppedDown.
   */
  confirmLinearizableRead(timeoutMillis: number): Promise<void>;
  /** Seeded randomness for ObjectIds the server makes. */
  readonly random: Random;
  readonly clock: Clock;
}

/** The CRUD commands as a member's plug-in (`MemberOptions.crud`; commands/crud/index.ts makes one). */
export interface CrudCommands {
  /** Lowercased command names this module runs. */
  readonly commandNames: ReadonlySet<string>;
  run(name: string, request: CommandRequest, context: CrudContext): Promise<Document>;
  /** Release what a closed connection held (cursors) on the member whose context this is. One module may serve many members. */
  connectionClosed?(context: CrudContext, connectionId: number): void;
  /** The member whose context this is stopped (killed or shut down): release everything it held. */
  memberStopped?(context: CrudContext): void;
}
