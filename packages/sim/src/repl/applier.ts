import type { OplogEntry } from '../storage/oplog';
import type { ReplContext } from './context';

/**
 * Applying a batch fetched from the sync source (mongod's OplogApplier, one batch at a time and in
 * order): the topology core checks it follows our oplog, storage applies it, then the core takes
 * the entries into the oplog (and, for a short batch, out of initial sync).
 */
export function applyBatch(ctx: ReplContext, entries: OplogEntry[], caughtUp: boolean): void {
  const { topology, ports } = ctx;
  if (entries.length > 0) {
    topology.checkBatchOrder(entries);
    const startedMillis = ports.clock.now();
    ports.storage.applyOps(entries);
    ctx.replOpCounters.count(entries);
    ctx.replMetrics.applyBatches += 1;
    ctx.replMetrics.applyBatchesMillis += Math.max(0, ports.clock.now() - startedMillis);
    ctx.replMetrics.applyOps += entries.length;
  }
  topology.entriesApplied(entries, caughtUp);
}
