/**
 * The simulated mongod's data: `Storage` (databases → collections → documents, in memory).
 *
 * - Documents are stored as the `bson` package gives them (ObjectId, Long, Timestamp, Date...) and
 *   are never mutated once stored: writes replace them, so snapshots share them safely.
 * - Indexes: `_id` (unique, any non-array type) and unique/sparse/compound secondary indexes;
 *   equal numbers of different BSON types are one key, a missing field is null.
 * - Query, projection, update and aggregation semantics come from mingo (query.ts, mingo.ts) on a
 *   translated view of the values (values.ts); `sort` follows BSON's type order (order.ts).
 * - Every write appends oplog entries (no optime; the member stamps them) to the array the caller
 *   passes; every applied entry carries an opaque `undo` token with its pre-image, which `undo`
 *   (rollback) and `viewBefore` (majority reads) use. `applyOplogEntry`/`applyOps` are idempotent.
 * - `clone()`, `digest()`/`dataDigest()` and `serialize()`/`Storage.deserialize()` for sandboxes,
 *   convergence checks and a journal. A journal that replays entries with `applyOps` recreates the
 *   undo tokens; a checkpoint from `serialize()` has none, so checkpoint only at the majority commit
 *   point (entries before it never roll back).
 * - Limits: `documentSizeBytesMax` (16 MiB), `storageDocumentsMax`, `storageBytesMax`.
 */
export { Storage, StorageFormatError, StorageRollbackError, UndoToken, bsonEqual, defaultStorageLimits, parseIndexSpec } from './storage';
export type { CreateIndexesResult, ReplStorage, RolledBackDocument, StorageLimits, StorageOptions, WriteOptions } from './storage';
export { Collection, ID_INDEX_NAME, ID_INDEX_SPEC, defaultIndexName, indexesPerCollectionMax } from './collection';
export type { IndexSpec } from './collection';
export type { OpType, OplogEntry, OplogOp } from './oplog';
export { Oplog, entriesAfter, entryFromBson, entryOpTime, entryToBson, isOplogOp } from './oplog';
export { checkCollectionName, checkDatabaseName, formatNamespace, isReplicatedDatabase, parseNamespace } from './namespace';
export { aggregateDocuments, applyUpdate, classifyUpdate, compileFilter, equalityFields, parseSort, project, runQuery, sortDocuments } from './query';
export type { QueryShape, SortSpec, UpdateKind } from './query';
export { cloneDocument, formatDocument, formatValue, fromMingo, indexKey, toMingo } from './values';
