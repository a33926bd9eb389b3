import type { Document } from 'bson';
import { ServerError, serverError } from '../../base/errors';
import type { OplogOp } from '../../storage/oplog';
import type { Storage, WriteOptions } from '../../storage/storage';
import { aggregateDocuments, compileFilter } from '../../storage/query';
import type { Variables } from '../../storage/query';
import { checkCollectionName, checkDatabaseName } from '../../storage/namespace';
import { bsonTypeName, formatValue, indexKey, isPlainObject, valueAtDottedPath } from '../../storage/values';

/**
 * `$out` and `$merge`, the last stage of an aggregate that writes its results (MongoDB 7.0;
 * pipeline/document_source_out.cpp, document_source_merge.cpp, merge_processor.cpp; manual
 * "$out (aggregation)" and "$merge (aggregation)"). Both answer an empty cursor.
 *
 * `$out` replaces the target collection's documents with the results and keeps its indexes and
 * options; mongod writes a temporary collection and renames it over the target, atomically. Here the
 * results are checked first (duplicate `_id`), then the target's documents are deleted and the
 * results inserted, each logged; a failure part way (a unique index) undoes every write, so the
 * target is as before, as with mongod's temporary collection.
 *
 * `$merge` matches each result to a target document on the `on` fields (`_id` by default) and applies
 * `whenMatched` (replace, keepExisting, merge, fail, or a pipeline with `$$new` and `let`) and
 * `whenNotMatched` (insert, discard, fail). Writes before an error stay, as mongod's batched writes do.
 */

export type WriteStage = { kind: '$out'; db: string; coll: string } | { kind: '$merge'; db: string; coll: string; spec: MergeSpec };

interface MergeSpec {
  on: string[];
  whenMatched: 'replace' | 'keepExisting' | 'merge' | 'fail' | Document[];
  whenNotMatched: 'insert' | 'discard' | 'fail';
  letDoc: Document | undefined;
}

const WHEN_MATCHED = new Set(['replace', 'keepExisting', 'merge', 'fail']);
const WHEN_NOT_MATCHED = new Set(['insert', 'discard', 'fail']);

function namespaceOf(stage: '$out' | '$merge', value: unknown, db: string): { db: string; coll: string } {
  if (typeof value === 'string') return { db, coll: value };
  if (isPlainObject(value) && typeof value.coll === 'string') return { db: typeof value.db === 'string' ? value.db : db, coll: value.coll };
  if (stage === '$out') throw serverError('Location16990', `$out only supports a string or object argument, but found ${bsonTypeName(value)}`);
  throw serverError('FailedToParse', `$merge 'into' field must be either a string or an object, but found ${bsonTypeName(value)}`);
}

/** The write stage at the end of a pipeline, parsed; undefined when it has none. Refuses one anywhere else. */
export function writeStageOf(pipeline: readonly Document[], db: string): WriteStage | undefined {
  pipeline.forEach((stage, index) => {
    const name = Object.keys(stage)[0];
    if ((name === '$out' || name === '$merge') && index !== pipeline.length - 1) {
      throw serverError('Location40601', `${name} can only be the final stage in the pipeline`);
    }
  });
  const last = pipeline[pipeline.length - 1];
  if (last === undefined) return undefined;
  if ('$out' in last) {
    const target = namespaceOf('$out', last.$out, db);
    checkDatabaseName(target.db);
    checkCollectionName(target.db, target.coll);
    return { kind: '$out', ...target };
  }
  if (!('$merge' in last)) return undefined;
  const raw: unknown = last.$merge;
  const spec = isPlainObject(raw) ? raw : { into: raw };
  const target = namespaceOf('$merge', spec.into, db);
  checkDatabaseName(target.db);
  checkCollectionName(target.db, target.coll);
  const on = spec.on === undefined ? ['_id'] : typeof spec.on === 'string' ? [spec.on] : spec.on;
  if (!Array.isArray(on) || on.length === 0 || !on.every((field) => typeof field === 'string')) {
    throw serverError('FailedToParse', "$merge 'on' field must be either a string or an array of strings");
  }
  const whenMatched = spec.whenMatched ?? 'merge';
  if (!(Array.isArray(whenMatched) || (typeof whenMatched === 'string' && WHEN_MATCHED.has(whenMatched)))) {
    throw serverError('BadValue', `Enumeration value '${String(whenMatched)}' for field '$merge.whenMatched' is not a valid value.`);
  }
  const whenNotMatched = spec.whenNotMatched ?? 'insert';
  if (typeof whenNotMatched !== 'string' || !WHEN_NOT_MATCHED.has(whenNotMatched)) {
    throw serverError('BadValue', `Enumeration value '${String(whenNotMatched)}' for field '$merge.whenNotMatched' is not a valid value.`);
  }
  return {
    kind: '$merge',
    ...target,
    spec: {
      on: on as string[],
      whenMatched: whenMatched as MergeSpec['whenMatched'],
      whenNotMatched: whenNotMatched as MergeSpec['whenNotMatched'],
      letDoc: isPlainObject(spec.let) ? spec.let : undefined,
    },
  };
}

/** Writes `results` as the stage says, logging to `oplog`. */
export function runWriteStage(storage: Storage, stage: WriteStage, results: readonly Document[], oplog: OplogOp[], write: WriteOptions, variables: Variables | undefined): void {
  if (stage.kind === '$out') runOut(storage, stage, results, oplog, write);
  else runMerge(storage, stage, results, oplog, write, variables);
}

function runOut(storage: Storage, stage: { db: string; coll: string }, results: readonly Document[], oplog: OplogOp[], write: WriteOptions): void {
  const seen = new Set<string>();
  for (const doc of results) {
    const key = indexKey(doc._id);
    if ('_id' in doc && seen.has(key)) {
      throw duplicateIdError(`${stage.db}.${stage.coll}`, doc._id);
    }
    seen.add(key);
  }
  const start = oplog.length;
  try {
    if (storage.getCollection(stage.db, stage.coll) === undefined) storage.createCollection(stage.db, stage.coll, {}, oplog);
    for (const doc of [...storage.documents(stage.db, stage.coll)]) storage.remove(stage.db, stage.coll, doc._id, oplog);
    for (const doc of results) storage.insert(stage.db, stage.coll, doc, oplog, write);
  } catch (error) {
    storage.undo(oplog.splice(start).reverse());
    throw error;
  }
}

/** DuplicateKey on the `_id` index, with the keyPattern and keyValue mongod's reply carries. */
function duplicateIdError(ns: string, id: unknown): ServerError {
  return new ServerError('DuplicateKey', `E11000 duplicate key error collection: ${ns} index: _id_ dup key: { _id: ${formatValue(id)} }`, {
    extra: { keyPattern: { _id: 1 }, keyValue: { _id: id } },
  });
}


function runMerge(
  storage: Storage,
  stage: { db: string; coll: string; spec: MergeSpec },
  results: readonly Document[],
  oplog: OplogOp[],
  write: WriteOptions,
  variables: Variables | undefined,
): void {
  const { db, coll, spec } = stage;
  const byId = spec.on.length === 1 && spec.on[0] === '_id';
  if (!byId) checkUniqueIndexOn(storage, db, coll, spec.on);
  for (const result of results) {
    const key: Document = {};
    for (const field of spec.on) {
      const value = valueAtDottedPath(result, field);
      if (value === undefined || value === null || Array.isArray(value)) {
        throw serverError('Location51132', `$merge write error: 'on' field '${field}' cannot be missing, null, undefined or an array`);
      }
      key[field] = value;
    }
    const matcher = compileFilter(key);
    const matched = storage.candidates(db, coll, byId ? { _id: key._id } : key).find((doc) => matcher(doc));
    if (matched === undefined) {
      if (spec.whenNotMatched === 'discard') continue;
      if (spec.whenNotMatched === 'fail') {
        throw serverError('MergeStageNoMatchingDocument', "$merge could not find a matching document in the target collection for at least one document in the source collection");
      }
      const inserted = byId || '_id' in result ? result : { _id: storage.newObjectId(), ...result };
      storage.insert(db, coll, inserted, oplog, write);
      continue;
    }
    const next = mergedDocument(matched, result, spec, storage.nowMillis(), variables, `${db}.${coll}`);
    if (next !== undefined) storage.replace(db, coll, next, oplog, 'full', write);
  }
}

function mergedDocument(target: Document, result: Document, spec: MergeSpec, nowMillis: number, variables: Variables | undefined, ns: string): Document | undefined {
  const { whenMatched } = spec;
  if (whenMatched === 'keepExisting') return undefined;
  if (whenMatched === 'fail') {
    throw duplicateIdError(ns, target._id);
  }
  let next: Document;
  if (whenMatched === 'replace') next = { ...result };
  else if (whenMatched === 'merge') next = { ...target, ...result };
  else {
    // A pipeline: `$$new` is the result document, and `let` adds variables evaluated on it.
    const letVars: Document = spec.letDoc === undefined ? { new: '$$ROOT' } : spec.letDoc;
    const bound: Document = {};
    for (const [name, expr] of Object.entries(letVars)) {
      const [value] = aggregateDocuments([result], [{ $project: { _id: 0, v: expr } }], undefined, nowMillis, variables);
      bound[name] = value?.v;
    }
    const [out] = aggregateDocuments([target], whenMatched, undefined, nowMillis, { ...variables, ...bound });
    if (out === undefined) throw serverError('BadValue', '$merge whenMatched pipeline must produce one document');
    next = out;
  }
  if ('_id' in next && indexKey(next._id) !== indexKey(target._id)) {
    throw serverError('ImmutableField', "$merge failed to update the matching document, did you attempt to modify the _id or the shard key? :: caused by :: Performing an update on the path '_id' would modify the immutable field '_id'");
  }
  return { _id: target._id, ...next };
}

/** `$merge` with `on` other than `_id` needs a unique index on exactly those fields (merge_processor.cpp, 51183). */
function checkUniqueIndexOn(storage: Storage, db: string, coll: string, on: readonly string[]): void {
  const wanted = [...on].sort().join(',');
  const indexes = storage.getCollection(db, coll) === undefined ? [] : storage.listIndexes(db, coll);
  const found = indexes.some((index) => {
    const spec = index as unknown as Document;
    return (spec.unique === true || spec.unique === 1) && Object.keys(spec.key as Document).sort().join(',') === wanted;
  });
  if (!found) {
    throw serverError('Location51183', 'Cannot find index to verify that join fields will be unique');
  }
}
