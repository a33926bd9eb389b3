import type { Document } from 'bson';
import { serverError } from '../../base/errors';
import type { OplogOp } from '../../storage/oplog';
import { adjustCappedMax, adjustCappedSize } from '../../storage/storage';
import type { Storage, ViewDefinition } from '../../storage/storage';
import { isPlainObject } from '../../storage/values';
import { ID_INDEX_SPEC } from '../../storage/collection';
import { checkCollectionName, checkDatabaseName } from '../../storage/namespace';
import { runQuery } from '../../storage/query';
import type { StorageCommandContext, StorageCommandResult } from './context';
import { firstBatchReply } from './reply';
import { CommandReader, asNumber, bsonTypeName, collectionArgument } from './parse';
import { localCollectionSummary, oplogCollectionStats, replicationDocuments } from './localView';

/** mongod reports sizes on disk in whole allocation units. */
const allocationUnitBytes = 4096;

function onDiskBytes(dataBytes: number): number {
  return Math.max(allocationUnitBytes, Math.ceil(dataBytes / allocationUnitBytes) * allocationUnitBytes);
}

function requireAdmin(db: string, command: string): void {
  if (db !== 'admin') throw serverError('Unauthorized', `${command} may only be run against the admin database.`);
}

/** Databases every mongod has: admin (system.version), config (sessions) and local (startup_log, the oplog). */
const systemDatabases = ['admin', 'config', 'local'];

/** WiredTiger starts each collection and each index file at about 20 KiB. */
const minimumFileBytes = 20 * 1024;

/**
 * What a system database takes on disk before anyone writes to it: admin has system.version and
 * its _id index; config starts small (12 KiB, as a fresh mongod 7.0 lists it); local has
 * startup_log, and on a replica-set member the oplog and system.replset.
 */
function systemDatabaseBytes(name: string, ctx: StorageCommandContext): number {
  if (name === 'admin') return 2 * minimumFileBytes;
  if (name === 'config') return 3 * allocationUnitBytes;
  if (name !== 'local') return 0;
  const oplog = oplogCollectionStats(ctx.local);
  const replset = (replicationDocuments('local', 'system.replset', ctx.local) ?? []).length > 0 ? 2 * minimumFileBytes : 0;
  return 2 * minimumFileBytes + (oplog ? Math.max(minimumFileBytes, oplog.storageSize as number) : 0) + replset;
}

export function listDatabasesCommand(db: string, body: Document, ctx: StorageCommandContext): StorageCommandResult {
  requireAdmin(db, 'listDatabases');
  const reader = new CommandReader('listDatabases', body);
  const nameOnly = reader.bool('nameOnly') ?? false;
  const filter = reader.object('filter');
  const names = new Set([...ctx.storage.listDatabaseNames(), ...systemDatabases]);
  let databases: Document[] = [...names].sort().map((name) => {
    const dataBytes = ctx.storage.databaseSizeBytes(name);
    const sizeOnDisk = Math.max(onDiskBytes(dataBytes), systemDatabaseBytes(name, ctx));
    return { name, sizeOnDisk, empty: !systemDatabases.includes(name) && ctx.storage.listCollections(name).every((coll) => coll.count === 0) };
  });
  if (filter) databases = runQuery(databases, { filter });
  if (nameOnly) return { reply: { databases: databases.map((entry) => ({ name: entry.name })), ok: 1 }, oplog: [] };
  const totalSize = databases.reduce((sum, entry) => sum + (entry.sizeOnDisk as number), 0);
  return { reply: { databases, totalSize, totalSizeMb: Math.floor(totalSize / (1024 * 1024)), ok: 1 }, oplog: [] };
}

export function listCollectionsCommand(db: string, body: Document, ctx: StorageCommandContext): StorageCommandResult {
  checkDatabaseName(db);
  const reader = new CommandReader('listCollections', body);
  const nameOnly = reader.bool('nameOnly') ?? false;
  const filter = reader.object('filter');
  const batchSize = new CommandReader('listCollections.cursor', reader.object('cursor') ?? {}).nonNegative('batchSize', 'BatchSize');
  let entries: Document[] = ctx.storage.listCollections(db).map((coll) => ({
    name: coll.name,
    type: 'collection',
    options: { ...coll.options },
    // list_collections.cpp buildCollectionBson: the UUID is an option kept by the catalog, shown under `info`.
    info: { readOnly: false, uuid: coll.uuid },
    idIndex: { ...ID_INDEX_SPEC },
  }));
  // list_collections.cpp: a view is `type: "view"` with its definition as options, read-only (buildViewBson `readOnly: true`), no UUID, no _id index.
  const views = ctx.storage.listViews(db).map((view) => ({ name: view.name, type: 'view', options: viewOptions(view), info: { readOnly: true } }));
  if (views.length > 0) entries = [...entries, ...views].sort((a, b) => (String(a.name) < String(b.name) ? -1 : String(a.name) > String(b.name) ? 1 : 0));
  if (db === 'local') entries = [...entries, ...replicationCollections(ctx)].sort((a, b) => String(a.name).localeCompare(String(b.name)));
  if (filter) entries = runQuery(entries, { filter });
  if (nameOnly) entries = entries.map((entry) => ({ name: entry.name, type: entry.type }));
  const cursor = ctx.cursors.open(`${db}.$cmd.listCollections`, entries, ctx.connectionId, { batchSize });
  return { reply: firstBatchReply(cursor), oplog: [] };
}

/**
 * local.oplog.rs (capped, no _id index) and local.system.replset, as listCollections shows them:
 * once the member has a config, each with the UUID this member gave it (list_collections.cpp
 * buildCollectionBson shows every collection's). Before that mongod has neither.
 */
function replicationCollections(ctx: StorageCommandContext): Document[] {
  const out: Document[] = [];
  const oplog = localCollectionSummary('local', 'oplog.rs', ctx.local);
  const oplogStats = oplogCollectionStats(ctx.local);
  if (oplog && oplogStats) out.push({ name: 'oplog.rs', type: 'collection', options: { capped: true, size: oplogStats.maxSize }, info: { readOnly: false, uuid: oplog.uuid } });
  const replset = localCollectionSummary('local', 'system.replset', ctx.local);
  if (replset) out.push({ name: 'system.replset', type: 'collection', options: {}, info: { readOnly: false, uuid: replset.uuid }, idIndex: { ...ID_INDEX_SPEC } });
  return out;
}

export function listIndexesCommand(db: string, body: Document, ctx: StorageCommandContext): StorageCommandResult {
  const coll = collectionArgument('listIndexes', body, db);
  checkCollectionName(db, coll);
  const reader = new CommandReader('listIndexes', body);
  const batchSize = new CommandReader('listIndexes.cursor', reader.object('cursor') ?? {}).nonNegative('batchSize', 'BatchSize');
  ctx.storage.refuseView(db, coll);
  const indexes = ctx.storage.listIndexes(db, coll) as unknown as Document[];
  const cursor = ctx.cursors.open(`${db}.$cmd.listIndexes.${coll}`, indexes, ctx.connectionId, { batchSize });
  return { reply: firstBatchReply(cursor), oplog: [] };
}

const CREATE_OPTIONS = ['capped', 'size', 'max', 'validator', 'validationLevel', 'validationAction', 'collation', 'storageEngine', 'indexOptionDefaults', 'expireAfterSeconds', 'clusteredIndex', 'timeseries', 'changeStreamPreAndPostImages'];

/** A view's listCollections options: viewOn, pipeline and its collation when it has one. */
function viewOptions(view: ViewDefinition): Document {
  return { viewOn: view.viewOn, pipeline: view.pipeline, ...(view.collation ? { collation: view.collation } : {}) };
}

/** Stages a view's pipeline may not hold (view_catalog.cpp _validatePipeline: they write, or stream). */
const VIEW_REFUSED_STAGES = new Set(['$out', '$merge', '$changeStream']);

/**
 * create with viewOn (commands/create.idl, create_collection.cpp _createView): viewOn a string,
 * pipeline an array of stages, none of which writes or opens a change stream; no collection options.
 */
function createViewCommand(db: string, coll: string, body: Document, ctx: StorageCommandContext): StorageCommandResult {
  if (typeof body.viewOn !== 'string') throw serverError('TypeMismatch', `BSON field 'create.viewOn' is the wrong type '${bsonTypeName(body.viewOn)}', expected type 'string'`);
  if (body.viewOn.length === 0) throw serverError('BadValue', "'viewOn' cannot be empty.'");
  const pipeline: unknown = body.pipeline ?? [];
  if (!Array.isArray(pipeline)) throw serverError('TypeMismatch', `BSON field 'create.pipeline' is the wrong type '${bsonTypeName(pipeline)}', expected type 'array'`);
  pipeline.forEach((stage: unknown, index) => {
    if (!isPlainObject(stage) || Object.keys(stage).length !== 1) throw serverError('TypeMismatch', "Each element of the 'pipeline' array must be an object");
    const name = Object.keys(stage)[0] as string;
    if (VIEW_REFUSED_STAGES.has(name)) {
      throw serverError('OptionNotSupportedOnView', `The aggregation stage ${name} in location ${index} of the pipeline cannot be used in the view definition of ${db}.${coll} because it writes to disk`);
    }
  });
  for (const key of ['capped', 'size', 'max', 'validator', 'validationLevel', 'validationAction', 'indexOptionDefaults', 'expireAfterSeconds', 'clusteredIndex', 'changeStreamPreAndPostImages']) {
    if (body[key] !== undefined) throw serverError('InvalidOptions', `option not supported on a view: ${key}`);
  }
  const view: ViewDefinition = { name: coll, viewOn: body.viewOn, pipeline: pipeline as Document[] };
  if (body.collation !== undefined) {
    if (!isPlainObject(body.collation)) throw serverError('TypeMismatch', `BSON field 'create.collation' is the wrong type '${bsonTypeName(body.collation)}', expected type 'object'`);
    view.collation = body.collation;
  }
  const oplog: OplogOp[] = [];
  ctx.storage.createView(db, view, oplog);
  return { reply: { ok: 1 }, oplog };
}

/**
 * A capped collection's options as mongod keeps them (catalog/collection_options.cpp): `size`
 * required (create_collection.cpp), at least 0 and at most 1 PB, rounded up to a multiple of 256;
 * `max` below 2^31, 0 or less meaning none (0x7fffffff). Without `capped` both are ignored.
 */
function cappedOptions(body: Document, options: Document): void {
  if (body.capped !== true) {
    delete options.size;
    delete options.max;
    if (body.capped !== undefined) delete options.capped;
    return;
  }
  const size = asNumber(body.size);
  if (size === undefined) throw serverError('InvalidOptions', "the 'size' field is required when 'capped' is true");
  if (size < 0) throw serverError('BadValue', 'size has to be >= 0');
  if (size > 2 ** 50) throw serverError('BadValue', 'size cannot exceed 1 PB');
  options.size = adjustCappedSize(size);
  if (body.max === undefined) return;
  const max = asNumber(body.max);
  if (max === undefined) {
    delete options.max;
    return;
  }
  if (max >= 2 ** 31) throw serverError('BadValue', 'max in a capped collection has to be < 2^31 or not set');
  options.max = adjustCappedMax(max);
}

export function createCommand(db: string, body: Document, ctx: StorageCommandContext): StorageCommandResult {
  const coll = collectionArgument('create', body, db);
  checkCollectionName(db, coll);
  if (body.viewOn !== undefined) return createViewCommand(db, coll, body, ctx);
  if (body.pipeline !== undefined) throw serverError('BadValue', "'pipeline' cannot be specified without 'viewOn'");
  if (body.timeseries !== undefined) throw serverError('CommandNotSupported', 'time-series collections are not supported by the simulated mongod');
  const options: Document = {};
  for (const key of CREATE_OPTIONS) if (body[key] !== undefined) options[key] = body[key];
  cappedOptions(body, options);
  const oplog: OplogOp[] = [];
  ctx.storage.createCollection(db, coll, options, oplog);
  return { reply: { ok: 1 }, oplog };
}

export function dropCommand(db: string, body: Document, ctx: StorageCommandContext): StorageCommandResult {
  const coll = collectionArgument('drop', body, db);
  checkCollectionName(db, coll);
  const collection = ctx.storage.getCollection(db, coll);
  const nIndexesWas = collection?.indexes.length ?? 0;
  const oplog: OplogOp[] = [];
  if (!collection && ctx.storage.getView(db, coll)) {
    // drop_collection.cpp _dropView: the view's document leaves system.views; no indexes to count.
    ctx.storage.dropView(db, coll, oplog);
    return { reply: { ns: `${db}.${coll}`, ok: 1 }, oplog };
  }
  ctx.storage.dropCollection(db, coll, oplog);
  return { reply: { nIndexesWas, ns: `${db}.${coll}`, ok: 1 }, oplog };
}

export function dropDatabaseCommand(db: string, _body: Document, ctx: StorageCommandContext): StorageCommandResult {
  checkDatabaseName(db);
  const oplog: OplogOp[] = [];
  ctx.storage.dropDatabase(db, oplog);
  return { reply: { dropped: db, ok: 1 }, oplog };
}

export function createIndexesCommand(db: string, body: Document, ctx: StorageCommandContext): StorageCommandResult {
  const reader = new CommandReader('createIndexes', body);
  const coll = collectionArgument('createIndexes', body, db);
  checkCollectionName(db, coll);
  const indexes = reader.array('indexes');
  if (indexes === undefined) throw serverError('FailedToParse', "BSON field 'createIndexes.indexes' is missing but a required field");
  if (indexes.length === 0) throw serverError('BadValue', 'Must specify at least one index to create');
  // create_indexes_cmd.cpp: no index on a view.
  if (ctx.storage.getView(db, coll)) throw serverError('CommandNotSupportedOnView', 'Cannot create indexes on a view');
  const oplog: OplogOp[] = [];
  const result = ctx.storage.createIndexes(db, coll, indexes as Document[], oplog);
  const reply: Document = { ...result, ok: 1 };
  return { reply, oplog };
}

export function dropIndexesCommand(db: string, body: Document, ctx: StorageCommandContext, commandName: string): StorageCommandResult {
  const coll = collectionArgument(commandName, body, db);
  checkCollectionName(db, coll);
  if (body.index === undefined) throw serverError('FailedToParse', `BSON field '${commandName}.index' is missing but a required field`);
  ctx.storage.refuseView(db, coll);
  const oplog: OplogOp[] = [];
  const nIndexesWas = ctx.storage.dropIndexes(db, coll, body.index, oplog);
  return { reply: { nIndexesWas, ok: 1 }, oplog };
}

/** collStats figures for one collection: zeros when it does not exist (mongod answers ok:1 then, since 4.2). */
export function collectionStats(storage: Storage, db: string, coll: string): Document {
  const collection = storage.getCollection(db, coll);
  const size = collection?.sizeBytes ?? 0;
  const count = collection?.count ?? 0;
  const indexes = collection?.indexes ?? [];
  const indexSizes: Document = {};
  for (const spec of indexes) indexSizes[spec.name] = allocationUnitBytes;
  const storageSize = collection ? onDiskBytes(size) : 0;
  const totalIndexSize = allocationUnitBytes * indexes.length;
  // collection storage stats (stats/storage_stats.cpp): a capped collection adds its `max`
  // (getCappedMaxDocs: the option as kept, 0 when none was given) and `maxSize` (bytes).
  const capped: Document = {};
  if (collection?.options.capped === true) {
    capped.max = Number(collection.options.max ?? 0);
    capped.maxSize = Number(collection.options.size ?? 0);
  }
  return {
    size,
    count,
    avgObjSize: count === 0 ? 0 : Math.floor(size / count),
    storageSize,
    freeStorageSize: 0,
    capped: collection?.options.capped === true,
    ...capped,
    nindexes: indexes.length,
    indexBuilds: [],
    totalIndexSize,
    totalSize: storageSize + totalIndexSize,
    indexSizes,
    scaleFactor: 1,
  };
}

export function collStatsCommand(db: string, body: Document, ctx: StorageCommandContext): StorageCommandResult {
  const coll = collectionArgument('collStats', body, db);
  checkCollectionName(db, coll);
  ctx.storage.refuseView(db, coll);
  const stats = (db === 'local' && coll === 'oplog.rs' ? oplogCollectionStats(ctx.local) : undefined) ?? collectionStats(ctx.storage, db, coll);
  return { reply: { ns: `${db}.${coll}`, ...stats, ok: 1 }, oplog: [] };
}

export function dbStatsCommand(db: string, _body: Document, ctx: StorageCommandContext): StorageCommandResult {
  checkDatabaseName(db);
  const collections = ctx.storage.listCollections(db);
  const objects = collections.reduce((sum, coll) => sum + coll.count, 0);
  const dataSize = ctx.storage.databaseSizeBytes(db);
  const indexes = collections.reduce((sum, coll) => sum + coll.indexes.length, 0);
  const storageSize = collections.reduce((sum, coll) => sum + onDiskBytes(coll.sizeBytes), 0);
  const indexSize = indexes * allocationUnitBytes;
  return {
    reply: {
      db,
      collections: collections.length,
      views: ctx.storage.listViews(db).length,
      objects,
      avgObjSize: objects === 0 ? 0 : dataSize / objects,
      dataSize,
      storageSize,
      indexes,
      indexSize,
      totalSize: storageSize + indexSize,
      scaleFactor: 1,
      ok: 1,
    },
    oplog: [],
  };
}
