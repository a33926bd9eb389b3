import { Long } from 'bson';
import type { Document } from 'bson';
import { tsToBson } from '../base/optime';
import { entryFromBson } from '../storage/oplog';
import type { ReplContext } from './context';
import { asBigInt } from './oplogServer';

/**
 * Rollback (mongod's RollbackImpl, in its simplest form): this member's oplog diverged from its
 * sync source's, a primary. Walk both oplogs backwards to the newest entry they share, cut ours
 * there, have storage undo what was cut (kept in a rollback file), and go on syncing. The topology
 * core makes every state change (ROLLBACK; RECOVERING when too stale, without a common point or
 * with one before the initial data point, initialDataOpTime; SECONDARY after); this is the
 * reading of the source's oplog in between.
 */
export async function rollback(ctx: ReplContext, source: string, alive: () => boolean): Promise<void> {
  const { topology, ports, params } = ctx;
  const oplog = topology.oplog;
  const last = oplog.last()!;
  let reply = await ports.send(source, 'local', { find: 'oplog.rs', filter: { ts: { $lte: tsToBson(last.ts) } }, sort: { $natural: -1 }, batchSize: 1000 }, topology.electionTimeoutMillis);
  if (!alive()) return;
  if (reply.ok !== 1) throw new Error(`rollback: find on ${source} failed: ${String(reply.errmsg)}`);
  let batch = ((reply.cursor as Document).firstBatch as Document[]).map(entryFromBson);
  if (batch.length === 0) {
    // Its oplog starts after our last entry: it has rolled over past us.
    topology.tooStale(source);
    return;
  }
  topology.rollbackStarted(source);
  try {
    let cursorId = asBigInt((reply.cursor as Document).id);
    let i = oplog.length - 1;
    let j = 0;
    let common = -1;
    let scanned = 0;
    while (i >= 0) {
      if (j >= batch.length) {
        if (cursorId === 0n) break;
        reply = await ports.send(source, 'local', { getMore: Long.fromBigInt(cursorId), collection: 'oplog.rs', batchSize: 1000 }, topology.electionTimeoutMillis);
        if (!alive()) return;
        if (reply.ok !== 1) throw new Error(`rollback: getMore on ${source} failed: ${String(reply.errmsg)}`);
        batch = ((reply.cursor as Document).nextBatch as Document[]).map(entryFromBson);
        cursorId = asBigInt((reply.cursor as Document).id);
        j = 0;
        if (batch.length === 0) break;
        continue;
      }
      if (++scanned > params.rollbackEntriesMax) throw new Error(`rollback: no common point within ${params.rollbackEntriesMax} entries`);
      const mine = oplog.at(i)!;
      const theirs = batch[j]!;
      if (theirs.ts > mine.ts) j++;
      else if (mine.ts > theirs.ts) i--;
      else if (mine.t === theirs.t) {
        common = i;
        break;
      } else {
        i--;
        j++;
      }
    }
    if (common < 0) {
      topology.rollbackNoCommonPoint(source);
      return;
    }
    if (topology.rollbackBeforeInitialData(source, common)) return;
    const cut = topology.rollbackTruncate(common);
    // Past the commit point: the member aborted (rollback_impl.cpp's invariant), nothing is undone.
    if (!cut) return;
    const { commonPoint, undone } = cut;
    const documents = ports.storage.undo(undone);
    topology.rollbackRecorded(source, commonPoint, undone, documents);
  } finally {
    // An aborted member is stopped: no state changes after it died.
    if (!ctx.stopped()) topology.rollbackFinished();
  }
}
