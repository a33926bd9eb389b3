import type { Document } from 'bson';
import type { Oplog } from '../../storage/oplog';
import type { LocalDatabaseView } from './context';

/**
 * `local` as a member's replication layer holds it: its config document (null before initiate),
 * its oplog (null when not started with --replSet) and the oplog's size cap in bytes (--oplogSize,
 * replSetResizeOplog). The member makes one (member.ts).
 */
export function localDatabaseView(config: () => Document | null, oplog: () => Oplog | null, oplogBytesMax: () => number): LocalDatabaseView {
  return {
    replSetConfig: config,
    oplogStats() {
      const entries = oplog();
      if (!entries) return null;
      return { count: entries.length, sizeBytes: entries.sizeBytes, maxSizeBytes: oplogBytesMax() };
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
