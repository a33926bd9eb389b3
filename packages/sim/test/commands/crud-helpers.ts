import type { Document } from 'bson';
import { CursorManager, runCrudCommand } from '../../src/commands/crud';
import type { StorageCommandContext, StorageCommandResult } from '../../src/commands/crud';
import { Storage } from '../../src/storage';
import type { OplogOp } from '../../src/storage';

/** A storage, cursors and a hand-advanced clock, as a member would wire them. */
export class CrudHarness {
  nowMillis = 1_700_000_000_000;
  readonly storage = new Storage({ now: () => this.nowMillis });
  readonly cursors = new CursorManager({ now: () => this.nowMillis });
  readonly oplog: OplogOp[] = [];

  ctx(connectionId = 1): StorageCommandContext {
    return { storage: this.storage, cursors: this.cursors, connectionId };
  }

  /** Runs a command on `db` and collects its oplog entries. */
  run(db: string, body: Document, connectionId = 1): Document {
    const result: StorageCommandResult = runCrudCommand(db, body, this.ctx(connectionId));
    this.oplog.push(...result.oplog);
    return result.reply;
  }

  advance(millis: number): void {
    this.nowMillis += millis;
  }
}
