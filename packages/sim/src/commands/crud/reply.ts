import type { Document } from 'bson';
import type { CursorReply } from './cursors';

/** `{cursor: {firstBatch, id, ns}, ok: 1}`, mongod's reply to a command that opens a cursor. */
export function firstBatchReply(cursor: CursorReply): Document {
  return { cursor: { firstBatch: cursor.batch, id: cursor.id, ns: cursor.ns }, ok: 1 };
}
