import type { Binary, Document } from 'bson';
import type { Oplog } from '../../storage/oplog';
import type { LocalDatabaseView } from './context';

/**
 * `local` as a member's replication layer holds it: its config document (null before initiate),
 * its oplog (null when not started with --replSet) and the oplog's size cap in bytes (--oplogSize,
 * replSetResizeOplog). The member makes one (member.ts).
 */
export function localDatabaseView(config: () => Document | null, oplog: () => Oplog | null, oplogBytesMax: () => number, collectionUuid: (name: string) => Binary | undefined): LocalDatabaseView {
  return {
    replSetConfig: config,
    collectionUuid,
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

/**
 * local.oplog.rs or local.system.replset as listCollections and validate see them: its UUID, its
 * document count and whether it has an _id index (the oplog has none). Undefined for any other
 * namespace, and for these before the member has a config (mongod creates them then).
 */
export function localCollectionSummary(db: string, coll: string, local: LocalDatabaseView | undefined): { uuid: Binary; count: number; indexed: boolean } | undefined {
  if (db !== 'local' || !local) return undefined;
  const uuid = local.collectionUuid(coll);
  if (!uuid) return undefined;
  if (coll === 'oplog.rs') {
    const stats = local.oplogStats();
    return stats ? { uuid, count: stats.count, indexed: false } : undefined;
  }
  if (coll === 'system.replset') return { uuid, count: (replicationDocuments(db, coll, local) ?? []).length, indexed: true };
  return undefined;
}
