import type { Document } from 'bson';
import type { Storage } from '../../storage/storage';
import type { OplogEntry } from '../../storage/oplog';
import type { CursorManager } from './cursors';

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
}

/** What a CRUD command runs against: the member's storage and cursors, and the connection it came on. */
export interface StorageCommandContext {
  readonly storage: Storage;
  readonly cursors: CursorManager;
  /** The connection the command arrived on: cursors it opens belong to it. */
  readonly connectionId: number;
  /** The replication layer's part of `local`, when the member has one. */
  readonly local?: LocalDatabaseView;
}

/**
 * A command's reply and the oplog entries its writes produced, in order (no optimes: the member
 * stamps and appends them). A failed command may still carry entries for the writes that succeeded
 * before the failure (an ordered insert stops at its first error).
 */
export interface StorageCommandResult {
  reply: Document;
  oplog: OplogEntry[];
}
