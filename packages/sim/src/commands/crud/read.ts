import { Long } from 'bson';
import type { Document } from 'bson';
import { serverError } from '../../base/errors';
import { aggregateDocuments, compileFilter, letVariables, parseCollation, parseSort, runQuery } from '../../storage/query';
import type { Collation } from '../../storage/query';
import type { Storage } from '../../storage/storage';
import type { TailSource } from './cursors';
import { checkCollectionName, checkDatabaseName } from '../../storage/namespace';
import { indexKey, isPlainObject } from '../../storage/values';
import type { StorageCommandContext, StorageCommandResult } from './context';
import { collectionStats } from './admin';
import { firstBatchReply } from './reply';
import { runWriteStage, writeStageOf } from './aggregateWrite';
import type { OplogOp } from '../../storage/oplog';
import { oplogCollectionStats, replicationDocuments } from './localView';
import { CommandReader, asBigInt, bsonTypeName, collectionArgument } from './parse';

function cursorOptions(reader: CommandReader, field = 'batchSize'): number | undefined {
  return reader.nonNegative(field, 'BatchSize');
}

// ---- views ----

/**
 * The documents a view shows: its collection's, through the views' pipelines (a read of a view is
 * an aggregate of its definition, views/resolved_view.cpp); undefined when `coll` is no view. A
 * `$lookup` inside reads collections of the same database.
 */
function viewDocuments(storage: Storage, db: string, coll: string): { docs: Document[]; collation: Collation | undefined } | undefined {
  const resolved = storage.resolveView(db, coll);
  if (resolved === undefined) return undefined;
  const docs = aggregateDocuments(storage.documents(db, resolved.coll), resolved.pipeline, lookupSource(storage, db), storage.nowMillis());
  return { docs, collation: resolved.collation === undefined ? undefined : parseCollation(resolved.collation) };
}

/** What a `$lookup` (or `$unionWith`) `from` reads: a collection's documents, or a view's (resolved_view.cpp: a view there runs its pipeline too). */
function lookupSource(storage: Storage, db: string): (name: string) => Document[] {
  return (name) => viewDocuments(storage, db, name)?.docs ?? storage.documents(db, name);
}

/** What a read of `db.coll` starts from: the replication collections of local, a view's documents, or the collection's candidates. */
function readInput(db: string, coll: string, filter: Document, ctx: StorageCommandContext): { docs: Document[]; viewCollation?: Collation } {
  const replication = replicationDocuments(db, coll, ctx.local);
  if (replication !== undefined) return { docs: replication };
  const view = viewDocuments(ctx.storage, db, coll);
  if (view !== undefined) return { docs: view.docs, ...(view.collation ? { viewCollation: view.collation } : {}) };
  return { docs: ctx.storage.candidates(db, coll, filter) };
}

// ---- tailable cursors ----

/**
 * The documents a tailable cursor has not scanned yet, in natural order, through its filter and
 * projection (`select`) (query/find.cpp: a tailable cursor rests after the last record it read and
 * resumes there). When that record is gone (a capped collection rolled over it) the cursor dies
 * with CappedPositionLost.
 */
function tailSource(storage: Storage, db: string, coll: string, select: (docs: Document[]) => Document[], awaitData: boolean): TailSource {
  const collection = storage.getCollection(db, coll);
  let lastKey: string | undefined;
  for (const key of collection?.docs.keys() ?? []) lastKey = key;
  return {
    awaitData,
    next(): Document[] {
      const current = storage.getCollection(db, coll);
      if (current === undefined) throw serverError('QueryPlanKilled', 'collection dropped');
      const fresh: Document[] = [];
      let after = lastKey === undefined;
      for (const [key, stored] of current.docs) {
        if (after) fresh.push(stored.doc);
        if (key === lastKey) after = true;
      }
      if (!after) throw cappedPositionLost();
      for (const key of current.docs.keys()) lastKey = key;
      return fresh.length === 0 ? fresh : select(fresh);
    },
  };
}

/** collection_scan.cpp: the record a scan of a capped collection rested on was deleted. */
function cappedPositionLost(): Error {
  return serverError('CappedPositionLost', 'CollectionScan died due to position in capped collection being deleted.');
}

/**
 * A (non-tailable) collection scan of a capped collection rests on the last record it returned;
 * when that record is deleted (the collection rolled over it) the next getMore fails with
 * CappedPositionLost and the cursor dies (collection_scan.cpp restoreState;
 * jstests/core/capped_max1.js). A sorted find has its results in memory and no position.
 */
function cappedScanRestore(storage: Storage, db: string, coll: string): (lastReturned: Document) => void {
  return (lastReturned) => {
    if (!('_id' in lastReturned)) return;
    if (storage.getCollection(db, coll)?.getById(lastReturned._id) === undefined) throw cappedPositionLost();
  };
}

/**
 * A find's tailable options (query_request_helper.cpp validateFindCommandRequest): awaitData only
 * with tailable; no sort but {$natural: 1}, no singleBatch; then only on a capped collection
 * (get_executor.cpp, BadValue). A missing collection answers an empty, closed cursor.
 */
function checkTailable(db: string, coll: string, body: Document, ctx: StorageCommandContext, tailable: boolean, awaitData: boolean): void {
  if (awaitData && !tailable) throw serverError('FailedToParse', "Cannot set 'awaitData' without also setting 'tailable'");
  if (!tailable) return;
  const sort: unknown = body.sort;
  if (isPlainObject(sort) && Object.keys(sort).length > 0 && !(Object.keys(sort).length === 1 && Number(sort.$natural) === 1)) {
    throw serverError('BadValue', 'cannot use tailable option with a sort other than {$natural: 1}');
  }
  if (body.singleBatch === true) throw serverError('BadValue', "cannot use tailable option with the 'singleBatch' option");
  // query_request_conversion.cpp asAggregationCommand: a find on a view becomes an aggregate, which has no tailable.
  if (ctx.storage.getView(db, coll)) throw serverError('InvalidPipelineOperator', 'Option tailable not supported in aggregation.');
  const collection = ctx.storage.getCollection(db, coll);
  if (collection !== undefined && collection.options.capped !== true) {
    throw serverError('BadValue', `error processing query: ns=${db}.${coll} tailable cursor requested on non capped collection`);
  }
}

// ---- find ----

export function findCommand(db: string, body: Document, ctx: StorageCommandContext): StorageCommandResult {
  const reader = new CommandReader('find', body);
  const coll = collectionArgument('find', body, db);
  checkCollectionName(db, coll);
  const filter = reader.object('filter') ?? {};
  const projection = reader.object('projection');
  const sort = parseSort(reader.object('sort'));
  const skip = reader.nonNegative('skip', 'Skip');
  const limit = reader.nonNegative('limit', 'Limit');
  const batchSize = cursorOptions(reader);
  const singleBatch = reader.bool('singleBatch') ?? false;
  const noCursorTimeout = reader.bool('noCursorTimeout') ?? false;
  const tailable = reader.bool('tailable') ?? false;
  const awaitData = reader.bool('awaitData') ?? false;
  checkTailable(db, coll, body, ctx, tailable, awaitData);
  const variables = letVariables(reader.object('let'), ctx.storage.nowMillis());
  const input = readInput(db, coll, filter, ctx);
  const collation = parseCollation(body.collation) ?? input.viewCollation;
  const docs = runQuery(input.docs, {
    filter,
    sort: tailable ? undefined : sort,
    skip,
    limit: limit === 0 ? undefined : limit,
    projection,
    variables,
    collation,
  });
  // find.cpp shouldSaveCursor: a tailable cursor stays open, even when drained, unless its collection has no documents.
  const collection = tailable ? ctx.storage.getCollection(db, coll) : undefined;
  const select = (fresh: Document[]): Document[] => runQuery(fresh, { filter, projection, variables, collation });
  const tail = collection !== undefined && collection.count > 0 ? tailSource(ctx.storage, db, coll, select, awaitData) : undefined;
  const scansCapped = !tailable && sort === undefined && ctx.storage.getCollection(db, coll)?.options.capped === true;
  const restore = scansCapped ? cappedScanRestore(ctx.storage, db, coll) : undefined;
  const cursor = ctx.cursors.open(`${db}.${coll}`, docs, ctx.connectionId, { batchSize, singleBatch, noCursorTimeout, ...(tail ? { tail } : {}), ...(restore ? { restore } : {}) });
  return { reply: firstBatchReply(cursor), oplog: [] };
}

// ---- getMore / killCursors ----

export function getMoreCommand(db: string, body: Document, ctx: StorageCommandContext): StorageCommandResult {
  const reader = new CommandReader('getMore', body);
  const id = asBigInt(body.getMore);
  if (id === undefined) {
    throw serverError('TypeMismatch', `BSON field 'getMore.getMore' is the wrong type '${bsonTypeName(body.getMore)}', expected type 'long'`);
  }
  const coll = reader.string('collection');
  if (coll === undefined) throw serverError('FailedToParse', "BSON field 'getMore.collection' is missing but a required field");
  const batchSize = cursorOptions(reader);
  const cursor = ctx.cursors.getMore(id, `${db}.${coll}`, batchSize === 0 ? undefined : batchSize);
  return { reply: { cursor: { nextBatch: cursor.batch, id: cursor.id, ns: cursor.ns }, ok: 1 }, oplog: [] };
}

export function killCursorsCommand(db: string, body: Document, ctx: StorageCommandContext): StorageCommandResult {
  const reader = new CommandReader('killCursors', body);
  const coll = collectionArgument('killCursors', body, db);
  const raw = reader.array('cursors');
  if (raw === undefined) throw serverError('FailedToParse', "BSON field 'killCursors.cursors' is missing but a required field");
  const ids = raw.map((value) => {
    const id = asBigInt(value);
    if (id === undefined) throw serverError('TypeMismatch', `BSON field 'killCursors.cursors' is the wrong type '${bsonTypeName(value)}', expected type 'long'`);
    return id;
  });
  const result = ctx.cursors.kill(`${db}.${coll}`, ids);
  return { reply: { ...result, ok: 1 }, oplog: [] };
}

// ---- count / distinct ----

export function countCommand(db: string, body: Document, ctx: StorageCommandContext): StorageCommandResult {
  const reader = new CommandReader('count', body);
  const coll = collectionArgument('count', body, db);
  checkCollectionName(db, coll);
  const query = reader.object('query') ?? {};
  const skip = reader.nonNegative('skip', 'Skip') ?? 0;
  const limitRaw = reader.integer('limit') ?? 0;
  const limit = Math.abs(limitRaw);
  const input = readInput(db, coll, query, ctx);
  const matcher = compileFilter(query, { collation: parseCollation(body.collation) ?? input.viewCollation });
  let n = input.docs.filter((doc) => matcher(doc)).length;
  n = Math.max(0, n - skip);
  if (limit > 0) n = Math.min(n, limit);
  return { reply: { n, ok: 1 }, oplog: [] };
}

/** Values at a dotted path; arrays are unwound one level, as distinct does. */
function valuesAt(value: unknown, path: readonly string[]): unknown[] {
  if (path.length === 0) return Array.isArray(value) ? value : [value];
  if (Array.isArray(value)) return value.flatMap((item: unknown) => valuesAt(item, path));
  if (!isPlainObject(value)) return [];
  const [head, ...rest] = path as [string, ...string[]];
  if (!(head in value)) return [];
  return valuesAt(value[head], rest);
}

export function distinctCommand(db: string, body: Document, ctx: StorageCommandContext): StorageCommandResult {
  const reader = new CommandReader('distinct', body);
  const coll = collectionArgument('distinct', body, db);
  checkCollectionName(db, coll);
  const key = reader.string('key');
  if (key === undefined) throw serverError('FailedToParse', "BSON field 'distinct.key' is missing but a required field");
  if (key.length === 0) throw serverError('BadValue', 'FieldPath cannot be constructed with empty string');
  const query = reader.object('query') ?? {};
  const input = readInput(db, coll, query, ctx);
  const matcher = compileFilter(query, { collation: parseCollation(body.collation) ?? input.viewCollation });
  const seen = new Map<string, unknown>();
  for (const doc of input.docs) {
    if (!matcher(doc)) continue;
    for (const value of valuesAt(doc, key.split('.'))) {
      const k = indexKey(value);
      if (!seen.has(k)) seen.set(k, value);
    }
  }
  return { reply: { values: [...seen.values()], ok: 1 }, oplog: [] };
}

// ---- aggregate ----

const REFUSED_STAGES = new Set(['$changeStream', '$currentOp', '$listSessions', '$indexStats', '$planCacheStats']);

export function aggregateCommand(db: string, body: Document, ctx: StorageCommandContext): StorageCommandResult {
  checkDatabaseName(db);
  const reader = new CommandReader('aggregate', body);
  const target = body.aggregate;
  let coll: string | undefined;
  if (typeof target === 'string') {
    coll = target;
    checkCollectionName(db, coll);
  } else if (!(target === 1 || (typeof target === 'object' && target !== null && Number(target.valueOf()) === 1))) {
    throw serverError('FailedToParse', `Invalid {aggregate: ...} value: must be a collection name or 1`);
  }
  const pipeline = reader.array('pipeline');
  if (pipeline === undefined) throw serverError('FailedToParse', "BSON field 'aggregate.pipeline' is missing but a required field");
  pipeline.forEach((stage, index) => {
    if (!isPlainObject(stage) || Object.keys(stage).length !== 1) {
      throw serverError('TypeMismatch', 'Each element of the \'pipeline\' array must be an object');
    }
    const name = Object.keys(stage)[0] as string;
    if (name === '$listSearchIndexes') {
      // MongoDB 7.0 Community: document_source_list_search_indexes.cpp refuses the stage off Atlas.
      throw serverError('Location6047401', '$listSearchIndexes stage is only allowed on MongoDB Atlas');
    }
    if (REFUSED_STAGES.has(name)) {
      throw serverError('CommandNotSupported', `${name} is not supported by the simulated mongod`);
    }
    if (name === '$collStats' && index !== 0) {
      throw serverError('Location40602', '$collStats is only valid as the first stage in a pipeline');
    }
    if (name === '$listLocalSessions' && index !== 0) {
      throw serverError('Location40602', '$listLocalSessions is only valid as the first stage in a pipeline');
    }
  });
  if (reader.bool('explain')) throw serverError('CommandNotSupported', 'explain is not supported by the simulated mongod');
  const cursorSpec = reader.object('cursor');
  if (cursorSpec === undefined) throw serverError('FailedToParse', "The 'cursor' option is required, except for aggregate with the explain argument");
  const batchSize = new CommandReader('aggregate.cursor', cursorSpec).nonNegative('batchSize', 'BatchSize');
  const writeStage = writeStageOf(pipeline as Document[], db);
  let stages = writeStage === undefined ? (pipeline as Document[]) : (pipeline as Document[]).slice(0, -1);
  let input = coll === undefined ? [] : (replicationDocuments(db, coll, ctx.local) ?? viewDocuments(ctx.storage, db, coll)?.docs ?? ctx.storage.documents(db, coll));
  const first = stages[0];
  if (first && '$collStats' in first) {
    if (coll === undefined) throw serverError('InvalidNamespace', '$collStats must be run against a collection namespace');
    input = [collStatsStage(db, coll, first.$collStats, ctx)];
    stages = stages.slice(1);
  } else if (first && '$listLocalSessions' in first) {
    input = listLocalSessionsStage(coll, first.$listLocalSessions, ctx);
    stages = stages.slice(1);
  }
  const variables = letVariables(reader.object('let'), ctx.storage.nowMillis());
  // A collation applies to the pipeline's leading $match stages here (the simulator's other stages
  // compare strings as binary): they filter the input with it.
  const collation = parseCollation(body.collation);
  while (collation !== undefined && stages[0] !== undefined && isPlainObject(stages[0].$match)) {
    const matcher = compileFilter(stages[0].$match, { variables, collation });
    input = input.filter((doc) => matcher(doc));
    stages = stages.slice(1);
  }
  const docs = aggregateDocuments(input, stages, lookupSource(ctx.storage, db), ctx.storage.nowMillis(), variables);
  const ns = coll === undefined ? `${db}.$cmd.aggregate` : `${db}.${coll}`;
  if (writeStage !== undefined) {
    const oplog: OplogOp[] = [];
    runWriteStage(ctx.storage, writeStage, docs, oplog, { bypassDocumentValidation: reader.bool('bypassDocumentValidation') ?? false }, variables);
    return { reply: { cursor: { firstBatch: [], id: Long.ZERO, ns }, ok: 1 }, oplog };
  }
  const cursor = ctx.cursors.open(ns, docs, ctx.connectionId, { batchSize });
  return { reply: firstBatchReply(cursor), oplog: [] };
}

/**
 * `$listLocalSessions` (pipeline/document_source_list_local_sessions.cpp): the member's cached
 * sessions, on `{aggregate: 1}` against any database (only a collection is refused). `{}` lists the caller's, `{allUsers: true}` or
 * `{users: [...]}` everyone's; with no authentication they are the same sessions.
 */
function listLocalSessionsStage(coll: string | undefined, spec: unknown, ctx: StorageCommandContext): Document[] {
  if (coll !== undefined) throw serverError('InvalidNamespace', '$listLocalSessions must be run against the database with {aggregate: 1}, not a collection');
  if (!isPlainObject(spec)) throw serverError('TypeMismatch', '$listLocalSessions options must be specified in an object');
  if (spec.allUsers === true && spec.users !== undefined) throw serverError('FailedToParse', 'The options allUsers and users are mutually exclusive');
  return ctx.localSessions?.() ?? [];
}

/** The one document `$collStats` produces (mongosh's `db.coll.stats()` and `totalIndexSize()` use it). */
function collStatsStage(db: string, coll: string, spec: unknown, ctx: StorageCommandContext): Document {
  if (!isPlainObject(spec)) throw serverError('FailedToParse', '$collStats must take a nested object but found a non-object value');
  const out: Document = { ns: `${db}.${coll}`, localTime: new Date(ctx.storage.nowMillis()) };
  const stats = (db === 'local' && coll === 'oplog.rs' ? oplogCollectionStats(ctx.local) : undefined) ?? collectionStats(ctx.storage, db, coll);
  if (spec.storageStats !== undefined) out.storageStats = stats;
  if (spec.count !== undefined) out.count = stats.count;
  // top.cpp appendLatencyStats: the member's totals for this namespace (none counted without a member).
  if (spec.latencyStats !== undefined && ctx.collectionLatencies !== undefined) {
    const histograms = isPlainObject(spec.latencyStats) && spec.latencyStats.histograms === true;
    out.latencyStats = ctx.collectionLatencies(`${db}.${coll}`, histograms);
  }
  return out;
}
