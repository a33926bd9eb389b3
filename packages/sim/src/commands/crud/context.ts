import type { TransactionalWriteAction } from '../failPoint';
import type { Binary, Document } from 'bson';
import type { OpTime } from '../../base/optime';
import type { Clock } from '../../clock/clock';
import type { Random } from '../../random/random';
import type { OplogEntry, OplogOp } from '../../storage/oplog';
import type { Storage } from '../../storage/storage';
import type { CommandRequest } from '../handler';
import type { CursorManager } from './cursors';
import type { CursorReport } from '../../base/cursorActivity';

/**
 * What mongod keeps in its `local` database that the simulator keeps in the replication layer:
 * the set's configuration (local.system.replset) and the oplog (local.oplog.rs). Reads of those
 * namespaces see them through this view (mongosh's rs.printReplicationInfo() and
 * rs.printSecondaryReplicationInfo() read them there).
 */
export interface LocalDatabaseView {
  /** The configuration document, as replSetGetConfig returns it; null before initiate. */
  replSetConfig(): Document | null;
  /** The oplog's entry count, BSON bytes and configured cap; null when not started with --replSet. */
  oplogStats(): { count: number; sizeBytes: number; maxSizeBytes: number } | null;
  /** The member's own UUID of local.oplog.rs or local.system.replset; undefined before it has a config. */
  collectionUuid(name: string): Binary | undefined;
}

/** What a CRUD command runs against: the member's storage and cursors, and the connection it came on. */
export interface StorageCommandContext {
  readonly storage: Storage;
  readonly cursors: CursorManager;
  /** The connection the command arrived on: cursors it opens belong to it. */
  readonly connectionId: number;
  /** The replication layer's part of `local`, when the member has one. */
  readonly local?: LocalDatabaseView;
  /** The member's live sessions, for `$listLocalSessions` (none when the host keeps no sessions). */
  readonly localSessions?: () => Document[];
  /** `$collStats: {latencyStats}` of a namespace, as the member counted its commands (commands/operationStats.ts). */
  readonly collectionLatencies?: (namespace: string, histograms: boolean) => Document;
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
  /** An initiated replica-set member: its replies carry operationTime (a standalone's do not). */
  readonly replicaSetMember: boolean;
  /** The member's last applied optime (what a local read sees). */
  readonly lastApplied: OpTime;
  /** The onPrimaryTransactionalWrite fail point, per statement of a retryable write (absent without test commands). */
  transactionalWriteFailPoint?(): TransactionalWriteAction | undefined;
  /** The member's current term (a new term rebuilds the retryable-write history from the oplog). */
  readonly term: number;
  /** The member's oplog, oldest first. */
  oplogEntries(): readonly OplogEntry[];
  /** The member's cluster time (packed ts): a read may not ask for a later one. */
  clusterTs(): number;
  /** Oplog entries with a timestamp after `ts` (packed), newest first: undo them on a copy to read as of `ts`. */
  entriesAfterTs(ts: number): readonly OplogEntry[];
  /** Timestamp (packed) of the oldest entry still in the oplog: snapshots older than it are gone. */
  oldestOplogTs(): number;
  /** Oplog entries after the commit point, newest first: undo them on a copy to read at majority (Storage.viewBefore). */
  entriesAfterCommitPoint(): readonly OplogEntry[];
  /**
   * Whether the data as of the commit point can be read (a committed snapshot exists): not before
   * the commit point has passed what this member holds without undo information — what initial
   * sync cloned, or a restart recovered from a checkpoint newer than the commit point it then
   * knows. Default: always.
   */
  committedSnapshotAvailable?(): boolean;
  /** Seeded randomness for ObjectIds the server makes. */
  readonly random: Random;
  readonly clock: Clock;
  /** The replication layer's part of `local` (the set's config, the oplog). */
  readonly local?: LocalDatabaseView;
  /** The member's live sessions as `$listLocalSessions` yields them. */
  localSessions?(): Document[];
  /** The latency totals of the commands run on a namespace ($collStats latencyStats). */
  collectionLatencies?(namespace: string, histograms: boolean): Document;
  /**
   * The custom default read concern (setDefaultRWConcern) for a read that names none, when one is
   * set and the command comes from a client (not another member); undefined otherwise.
   */
  defaultReadConcern?(request: CommandRequest): Document | undefined;
}

/** The CRUD commands as a member's plug-in (`MemberOptions.crud`; commands/crud/index.ts makes one). */
/** Counts of a member's multi-document transactions (serverStatus().transactions). */
export interface TransactionStats {
  readonly started: number;
  readonly committed: number;
  readonly aborted: number;
  readonly open: number;
  /** Retryable write commands that found at least one statement already executed, and those statements. */
  readonly retriedCommands: number;
  readonly retriedStatements: number;
}

/** A member's client cursors (find/aggregate and change streams): open now, never timing out, opened, timed out. */
export interface CursorCounts {
  readonly open: number;
  readonly noTimeout: number;
  readonly totalOpened: number;
  readonly timedOut: number;
}

export interface CrudCommands {
  /** Lowercased command names this module runs. */
  readonly commandNames: ReadonlySet<string>;
  run(name: string, request: CommandRequest, context: CrudContext): Promise<Document>;
  /** Release what a closed connection held (cursors) on the member whose context this is. One module may serve many members. */
  connectionClosed?(context: CrudContext, connectionId: number): void;
  /** These sessions ended or were killed: kill the cursors they opened on the member of `context`. */
  sessionsKilled?(context: CrudContext, sessionKeys: ReadonlySet<string>): void;
  /** Whether `id` (a getMore's) is one of the member's change-stream cursors. */
  isChangeStreamCursor?(context: CrudContext, id: unknown): boolean;
  /** Deletes a change-stream cursor (a getMore failed after checking it out). */
  killChangeStreamCursor?(context: CrudContext, id: unknown): void;
  /** The member's client cursors (serverStatus().metrics.cursor). */
  cursorCounts?(context: CrudContext): CursorCounts;
  /** The member's open client cursors and change streams, as $currentOp reports them. */
  cursorReports?(context: CrudContext): CursorReport[];
  /** The member's multi-document transactions: started, committed and aborted since it started, open now. */
  transactionStats?(context: CrudContext): TransactionStats;
  /** The member whose context this is stopped (killed or shut down): release everything it held. */
  memberStopped?(context: CrudContext): void;
}
