import type { Document } from 'bson';
import type { Storage } from '../../storage/storage';
import type { OplogOp } from '../../storage/oplog';
import type { CursorManager } from './cursors';

/** What a CRUD command runs against: the member's storage and cursors, and the connection it came on. */
export interface StorageCommandContext {
  readonly storage: Storage;
  readonly cursors: CursorManager;
  /** The connection the command arrived on: cursors it opens belong to it. */
  readonly connectionId: number;
}

/**
 * A command's reply and the oplog entries its writes produced, in order (no optimes: the member
 * stamps and appends them). A failed command may still carry entries for the writes that succeeded
 * before the failure (an ordered insert stops at its first error).
 */
export interface StorageCommandResult {
  reply: Document;
  oplog: OplogOp[];
}
