import { Long } from 'bson';
import type { Document } from 'bson';
import type { OplogOp } from '../storage/oplog';

/** The six counters of db/stats/counters.h OpCounters, as serverStatus's opcounters and opcountersRepl show them. */
export class OperationCounts {
  insert = 0;
  query = 0;
  update = 0;
  delete = 0;
  getmore = 0;
  command = 0;
}

/**
 * serverStatus().opcountersRepl (db/stats/counters.h, the replOpCounters oplog.cpp
 * applyOperation_inlock and applyCommand_inlock count into when the writes are not replicated
 * further, i.e. on a member applying its sync source's oplog): one per insert, update, delete and
 * command entry applied; no-ops are not counted; the entries inside an applyOps (a transaction) are
 * counted one by one. `query` and `getmore` stay 0, as mongod's do.
 */
export class ReplOpCounters extends OperationCounts {
  count(ops: readonly OplogOp[]): void {
    for (const op of ops) {
      if (op.op === 'i') this.insert++;
      else if (op.op === 'u') this.update++;
      else if (op.op === 'd') this.delete++;
      else if (op.op === 'c') {
        const inner: unknown = (op.o as Document).applyOps;
        if (Array.isArray(inner)) this.count(inner as OplogOp[]);
        else this.command++;
      }
    }
  }
}

/**
 * serverStatus().metrics.repl's apply and network figures (repl/oplog_applier.cpp and
 * oplog_fetcher.cpp counters): batches applied (num, the milliseconds applying them took, the ops
 * in them) and the getMores the oplog fetcher sent its sync source (num, milliseconds until each
 * answered) with the entries they brought. Since the member started, in memory.
 */
export class ReplMetrics {
  applyBatches = 0;
  applyBatchesMillis = 0;
  applyOps = 0;
  getmores = 0;
  getmoresMillis = 0;
  fetchedOps = 0;

  toDocument(): Document {
    return {
      apply: {
        batches: { num: Long.fromNumber(this.applyBatches), totalMillis: Long.fromNumber(this.applyBatchesMillis) },
        ops: Long.fromNumber(this.applyOps),
      },
      network: {
        getmores: { num: Long.fromNumber(this.getmores), totalMillis: Long.fromNumber(this.getmoresMillis) },
        ops: Long.fromNumber(this.fetchedOps),
      },
    };
  }
}
