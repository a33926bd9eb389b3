import { calculateObjectSize, type Document } from 'bson';
import { entryToBson, type Oplog } from '../../storage/oplog';
import type { LocalDatabaseView } from './context';

/**
 * mongod's default oplog cap is 5% of the free disk, and never less than 990 MB; the simulator's
 * members have no disk to measure, so they report that floor (its own cap counts entries).
 */
export const configuredOplogBytes = 990 * 1024 * 1024;

/** The oplog's BSON bytes, summed once per entry: entries are only appended, dropped or rolled back. */
class OplogBytes {
  private counted = 0;
  private bytes = 0;
  private generation = -1;
  private dropped = 0;

  measure(oplog: Oplog, droppedCount: number): number {
    if (oplog.generation !== this.generation || droppedCount !== this.dropped || oplog.length < this.counted) {
      this.generation = oplog.generation;
      this.dropped = droppedCount;
      this.counted = 0;
      this.bytes = 0;
    }
    for (; this.counted < oplog.length; this.counted += 1) this.bytes += calculateObjectSize(entryToBson(oplog.at(this.counted)!));
    return this.bytes;
  }
}

/**
 * `local` as a member's replication layer holds it: its config document (null before initiate)
 * and its oplog (null when not started with --replSet). The member makes one (member.ts).
 */
export function localDatabaseView(config: () => Document | null, oplog: () => Oplog | null): LocalDatabaseView {
  const counter = new OplogBytes();
  return {
    replSetConfig: config,
    oplogStats() {
      const entries = oplog();
      if (!entries) return null;
      return { count: entries.length, sizeBytes: counter.measure(entries, entries.droppedCount), maxSizeBytes: configuredOplogBytes };
    },
  };
}

/** The documents of a `local` namespace the replication layer holds, or undefined for any other. */
export function replicationDocuments(db: string, coll: string, local: LocalDatabaseView | undefined): Document[] | undefined {
  if (db !== 'local' || !local || coll !== 'system.replset') return undefined;
  const config = local.replSetConfig();
  return config ? [config] : [];
}

/** `$collStats` / collStats figures for local.oplog.rs: a capped collection without indexes. */
export function oplogCollectionStats(local: LocalDatabaseView | undefined): Document | undefined {
  const stats = local?.oplogStats();
  if (!stats) return undefined;
  const storageSize = Math.max(4096, Math.ceil(stats.sizeBytes / 4096) * 4096);
  return {
    size: stats.sizeBytes,
    count: stats.count,
    avgObjSize: stats.count === 0 ? 0 : Math.floor(stats.sizeBytes / stats.count),
    storageSize,
    freeStorageSize: 0,
    capped: true,
    max: 0,
    maxSize: stats.maxSizeBytes,
    nindexes: 0,
    indexBuilds: [],
    totalIndexSize: 0,
    totalSize: storageSize,
    indexSizes: {},
    scaleFactor: 1,
  };
}
