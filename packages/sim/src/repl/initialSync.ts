import { Binary, Long } from 'bson';
import type { Document } from 'bson';
import type { OplogOp } from '../storage/oplog';
import { entryFromBson } from '../storage/oplog';
import type { ReplContext } from './context';
import { asBigInt } from './oplogServer';
import { formatOpTime, opTimeEquals, tsToBson } from '../base/optime';

/** A failed initial sync attempt (OplogStartMissing): counted against numInitialSyncAttempts. */
export class InitialSyncAttemptError extends Error {
  readonly codeName = 'OplogStartMissing';
}

/** Reads on the sync source, which may be a secondary. */
const SECONDARY_OK: Document = { $readPreference: { mode: 'secondaryPreferred' } };
const CLONE_BATCH_DOCUMENTS = 1000;

/**
 * Initial sync by cloning (mongod's InitialSyncer, initial_syncer.cpp): note the sync source's last
 * oplog entry first (the beginApplyingTimestamp), clone every database but `local` (collections
 * with their options, indexes and documents), then hand that entry to the topology core as the
 * start of our oplog. The fetcher goes on from it and applies what the source wrote during the clone
 * (idempotently: storage's apply puts whole documents), up to the source's newest entry (the
 * stopTimestamp), and the core ends the initial sync there. The source's older entries are never
 * needed, so a source whose oplog has rolled over is fine.
 */
export async function initialSyncClone(ctx: ReplContext, source: string, alive: () => boolean): Promise<void> {
  const { topology, ports } = ctx;
  const timeoutMillis = topology.electionTimeoutMillis;
  const send = async (db: string, cmd: Document): Promise<Document> => {
    const reply = await ports.send(source, db, { ...cmd, ...SECONDARY_OK }, timeoutMillis);
    if (reply.ok !== 1) throw new Error(`initial sync: ${Object.keys(cmd)[0]} on ${source} failed: ${String(reply.errmsg)}`);
    return reply;
  };
  const lastReply = await send('local', { find: 'oplog.rs', filter: {}, sort: { $natural: -1 }, limit: 1 });
  if (!alive()) return;
  const lastDoc = ((lastReply.cursor as Document).firstBatch as Document[])[0];
  if (!lastDoc) throw new Error(`initial sync: ${source} has an empty oplog`);
  const begin = entryFromBson(lastDoc);
  topology.initialSyncStarted(source, begin);
  // Each attempt starts from empty data (InitialSyncer drops user databases first).
  const stale: OplogOp[] = ports.storage.listDatabaseNames().filter((name) => name !== 'local').map((name) => ({ op: 'c', ns: `${name}.$cmd`, o: { dropDatabase: 1 } }));
  if (stale.length > 0) {
    ports.storage.applyOps(stale);
    ports.persistence?.dataCloned?.(stale);
  }

  const dbs = ((await send('admin', { listDatabases: 1, nameOnly: true })).databases as Document[]).map((d) => String(d.name)).filter((name) => name !== 'local');
  let documents = 0;
  for (const db of dbs) {
    if (!alive()) return;
    const colls = ((await send(db, { listCollections: 1 })).cursor as Document).firstBatch as Document[];
    for (const info of colls) {
      if (!alive()) return;
      if (info.type === 'view') continue; // views live in system.views, cloned as a collection
      const coll = String(info.name);
      const ns = `${db}.${coll}`;
      // collection_cloner.cpp: the collection is created with the sync source's UUID (listCollections `info.uuid`).
      const uuid: unknown = (info.info as Document | undefined)?.uuid;
      const ops: OplogOp[] = [{ op: 'c', ns: `${db}.$cmd`, ...(uuid instanceof Binary ? { ui: uuid } : {}), o: { create: coll, ...((info.options as Document | undefined) ?? {}) } }];
      const indexes = ((await send(db, { listIndexes: coll })).cursor as Document).firstBatch as Document[];
      for (const spec of indexes) {
        if (spec.name === '_id_') continue;
        const { v: _v, ...rest } = spec;
        ops.push({ op: 'c', ns: `${db}.$cmd`, o: { createIndexes: coll, ...rest } });
      }
      let reply = await send(db, { find: coll, filter: {}, batchSize: CLONE_BATCH_DOCUMENTS });
      let batch = (reply.cursor as Document).firstBatch as Document[];
      for (;;) {
        if (!alive()) return;
        for (const doc of batch) ops.push({ op: 'i', ns, o: doc });
        documents += batch.length;
        const cursorId = asBigInt((reply.cursor as Document).id);
        if (cursorId === 0n) break;
        reply = await send(db, { getMore: Long.fromBigInt(cursorId), collection: coll, batchSize: CLONE_BATCH_DOCUMENTS });
        batch = (reply.cursor as Document).nextBatch as Document[];
      }
      ports.storage.applyOps(ops);
      ports.persistence?.dataCloned?.(ops);
    }
  }
  if (!alive()) return;
  // oplog_fetcher.cpp `_checkRemoteOplogStart`: the fetcher's first entry at or after the noted one
  // must be it; a source whose oplog rolled past it during the clone fails the attempt
  // (OplogStartMissing) and initial_syncer.cpp starts a new one from scratch.
  const startReply = await send('local', { find: 'oplog.rs', filter: { ts: { $gte: tsToBson(begin.ts) } }, limit: 1 });
  if (!alive()) return;
  const startDoc = ((startReply.cursor as Document).firstBatch as Document[])[0];
  const start = startDoc ? entryFromBson(startDoc) : undefined;
  if (!start || !opTimeEquals(start, begin)) {
    throw new InitialSyncAttemptError(`Our last optime fetched: ${formatOpTime(begin)}. source's GTE: ${start ? formatOpTime(start) : 'none'}`);
  }
  topology.initialSyncCloned(source, begin, { databases: dbs.length, documents });
}
