import { Aggregator, Query, updateOne } from 'mingo';
import type { Document } from 'bson';
import { ErrorCodes, ServerError, serverError } from '../commands/errors';
import { cloneValue, fromMingo, isPlainObject, toMingo } from './values';

/**
 * Query, sort, projection, update and aggregation: all from mingo, on the views `toMingo` makes.
 * This file only translates inputs, validates what mingo does not, and maps mingo's errors to
 * MongoDB's codes.
 */

type AnyObject = Record<string, unknown>;

/** mingo throws MingoError (or plain Errors) for bad operators and arguments; mongod says BadValue. */
export function fromMingoError(error: unknown, code: number = ErrorCodes.BadValue): ServerError {
  if (error instanceof ServerError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new ServerError(code, message);
}

export type Matcher = (doc: Document) => boolean;

/** Compiles a filter; throws BadValue for unknown operators. `{}` matches everything. */
export function compileFilter(filter: Document): Matcher {
  if (Object.keys(filter).length === 0) return () => true;
  let query: Query;
  try {
    query = new Query(toMingo(filter) as AnyObject);
  } catch (error) {
    throw fromMingoError(error);
  }
  return (doc) => {
    try {
      return query.test(toMingo(doc) as AnyObject);
    } catch (error) {
      throw fromMingoError(error);
    }
  };
}

export type SortSpec = Record<string, 1 | -1>;

/** Validates a sort document the way find/aggregate do, dropping `$natural` (natural order is the default). */
export function parseSort(sort: unknown): SortSpec | undefined {
  if (sort === undefined || sort === null) return undefined;
  if (!isPlainObject(sort)) throw serverError('TypeMismatch', `Expected field sort to be of type object`);
  const out: SortSpec = {};
  for (const [key, raw] of Object.entries(sort)) {
    const direction = typeof raw === 'number' ? raw : Number(raw?.valueOf?.());
    if (key === '$natural') continue;
    if (direction !== 1 && direction !== -1) {
      throw serverError('BadValue', '$sort key ordering must be 1 (for ascending) or -1 (for descending)');
    }
    out[key] = direction;
  }
  return Object.keys(out).length === 0 ? undefined : out;
}

export interface QueryShape {
  filter?: Document;
  sort?: SortSpec;
  skip?: number;
  limit?: number;
  projection?: Document;
}

/**
 * Runs a query over documents in natural order, returning matching documents (projected when a
 * projection is given: new objects; otherwise the input objects themselves).
 */
export function runQuery(docs: readonly Document[], shape: QueryShape): Document[] {
  const matcher = compileFilter(shape.filter ?? {});
  let matched = docs.filter((doc) => matcher(doc));
  if (shape.sort) matched = sortDocuments(matched, shape.sort);
  const skip = shape.skip ?? 0;
  const end = shape.limit !== undefined && shape.limit > 0 ? skip + shape.limit : undefined;
  matched = matched.slice(skip, end);
  if (shape.projection && Object.keys(shape.projection).length > 0) {
    return project(matched, shape.projection);
  }
  return matched;
}

/** Stable sort with mingo's comparison (array fields sort by their min/max element, as MongoDB). */
export function sortDocuments(docs: readonly Document[], sort: SortSpec): Document[] {
  const views = docs.map((doc) => toMingo(doc) as AnyObject);
  const byView = new Map<AnyObject, Document>();
  views.forEach((view, index) => byView.set(view, docs[index] as Document));
  try {
    const sorted = new Query({}).find(views).sort(sort).all() as AnyObject[];
    return sorted.map((view) => {
      const doc = byView.get(view);
      if (doc === undefined) throw new Error('sortDocuments: mingo returned an object it was not given');
      return doc;
    });
  } catch (error) {
    throw fromMingoError(error);
  }
}

export function project(docs: readonly Document[], projection: Document): Document[] {
  try {
    const views = docs.map((doc) => toMingo(doc) as AnyObject);
    const out = new Query({}).find(views, toMingo(projection) as AnyObject).all() as AnyObject[];
    return out.map((view) => fromMingo(view) as Document);
  } catch (error) {
    throw fromMingoError(error);
  }
}

/** Runs an aggregation pipeline (no `$out`/`$merge`; the caller refuses those). */
export function aggregateDocuments(docs: readonly Document[], pipeline: Document[], collectionResolver?: (name: string) => Document[]): Document[] {
  try {
    const options = collectionResolver
      ? { collectionResolver: (name: string) => collectionResolver(name).map((doc) => toMingo(doc) as AnyObject) }
      : {};
    const aggregator = new Aggregator(pipeline.map((stage) => toMingo(stage) as AnyObject), options);
    const out = aggregator.run(docs.map((doc) => toMingo(doc) as AnyObject)) as AnyObject[];
    return out.map((doc) => fromMingo(doc) as Document);
  } catch (error) {
    throw fromMingoError(error);
  }
}

const UPDATE_OPERATORS = new Set([
  '$addToSet',
  '$bit',
  '$currentDate',
  '$inc',
  '$max',
  '$min',
  '$mul',
  '$pop',
  '$pull',
  '$pullAll',
  '$push',
  '$rename',
  '$set',
  '$setOnInsert',
  '$unset',
]);

const PIPELINE_UPDATE_STAGES = new Set(['$addFields', '$set', '$project', '$unset', '$replaceRoot', '$replaceWith']);

export type UpdateKind = 'replacement' | 'operators' | 'pipeline';

function bsonTypeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'int' : 'double';
  if (typeof value === 'string') return 'string';
  if (typeof value === 'boolean') return 'bool';
  if (typeof value === 'object') return isPlainObject(value) ? 'object' : (value.constructor?.name ?? 'object');
  return typeof value;
}

/**
 * Classifies and validates an update (`u`) as mongod does: an array is a pipeline; a document whose
 * first field starts with `$` is an operator update (every field must then be a known operator with
 * a document argument); otherwise it is a replacement (no `$` fields at the top level).
 */
export function classifyUpdate(update: unknown): UpdateKind {
  if (Array.isArray(update)) {
    for (const stage of update) {
      if (!isPlainObject(stage) || Object.keys(stage).length !== 1) {
        throw serverError('FailedToParse', 'A pipeline stage specification object must contain exactly one field.');
      }
      const name = Object.keys(stage)[0] as string;
      if (!PIPELINE_UPDATE_STAGES.has(name)) {
        throw serverError(
          'InvalidOptions',
          `${name} is not allowed to be used within an update`,
        );
      }
    }
    return 'pipeline';
  }
  if (!isPlainObject(update)) {
    throw serverError('FailedToParse', `Update argument must be either an object or an array`);
  }
  const keys = Object.keys(update);
  if (keys.length === 0 || !(keys[0] as string).startsWith('$')) {
    for (const key of keys) {
      if (key.startsWith('$')) {
        throw serverError(
          'DollarPrefixedFieldName',
          `The dollar ($) prefixed field '${key}' in '${key}' is not allowed in the context of an update's replacement document. Consider using an aggregation pipeline with $replaceWith.`,
        );
      }
    }
    return 'replacement';
  }
  for (const key of keys) {
    if (!UPDATE_OPERATORS.has(key)) {
      throw serverError('FailedToParse', `Unknown modifier: ${key}. Expected a valid update modifier or pipeline-style update specified as an array`);
    }
    const argument = update[key];
    if (!isPlainObject(argument)) {
      throw serverError(
        'FailedToParse',
        `Modifiers operate on fields but we found type ${bsonTypeName(argument)} instead. For example: {$mod: {<field>: ...}} not {${key}: ${String(argument)}}`,
      );
    }
  }
  checkConflictingPaths(update);
  return 'operators';
}

function checkConflictingPaths(update: AnyObject): void {
  const seen: string[] = [];
  for (const [operator, argument] of Object.entries(update)) {
    const paths = Object.keys(argument as AnyObject);
    if (operator === '$rename') paths.push(...Object.values(argument as AnyObject).map(String));
    for (const path of paths) {
      const normalized = path.replace(/\.\$(\[[^\]]*\])?/g, '');
      for (const other of seen) {
        if (other === normalized || other.startsWith(`${normalized}.`) || normalized.startsWith(`${other}.`)) {
          throw serverError('ConflictingUpdateOperators', `Updating the path '${path}' would create a conflict at '${other.length < normalized.length ? other : normalized}'`);
        }
      }
      seen.push(normalized);
    }
  }
}

export interface ApplyUpdateOptions {
  /** The query, for the positional `$` operator. */
  filter?: Document;
  arrayFilters?: Document[];
  /** True when building an upsert's new document: `$setOnInsert` applies. */
  isInsert?: boolean;
}

/**
 * Applies a validated operator or pipeline update to a copy of `doc` and returns the new document
 * (never mutates `doc`). Replacement updates are handled by the caller.
 */
export function applyUpdate(doc: Document, update: Document | Document[], kind: UpdateKind, options: ApplyUpdateOptions = {}): Document {
  const target = cloneValue(toMingo(cloneValue(doc))) as AnyObject;
  try {
    if (kind === 'pipeline') {
      const holder = [target];
      updateOne(holder, {}, (update as Document[]).map((stage) => toMingo(stage) as AnyObject) as never);
      return fromMingo(holder[0]) as Document;
    }
    const { $setOnInsert, ...modifiers } = update as AnyObject;
    const modifierView = toMingo(modifiers) as AnyObject;
    const condition = options.filter ? (toMingo(options.filter) as AnyObject) : undefined;
    const arrayFilters = options.arrayFilters?.map((filter) => toMingo(filter) as AnyObject);
    if (Object.keys(modifierView).length > 0) {
      // mingo ignores the positional operator unless a condition is given.
      updateOne([target], condition ?? {}, modifierView as never, { arrayFilters, cloneMode: 'deep' });
    }
    if (options.isInsert && isPlainObject($setOnInsert) && Object.keys($setOnInsert).length > 0) {
      updateOne([target], {}, { $set: toMingo($setOnInsert) } as never, { cloneMode: 'deep' });
    }
    return fromMingo(target) as Document;
  } catch (error) {
    throw fromMingoError(error, updateErrorCode(error));
  }
}

function updateErrorCode(error: unknown): number {
  const message = error instanceof Error ? error.message : '';
  if (/immutable field/.test(message)) return ErrorCodes.ImmutableField;
  if (/non-numeric|numeric|type/i.test(message)) return ErrorCodes.TypeMismatch;
  if (/Unknown update operator/.test(message)) return ErrorCodes.FailedToParse;
  return ErrorCodes.BadValue;
}

/**
 * The equality parts of a filter, as an upsert seeds its new document from them: top-level
 * `field: value` and `field: {$eq: value}`, and those inside a top-level `$and`.
 */
export function equalityFields(filter: Document): AnyObject {
  const out: AnyObject = {};
  const visit = (clause: AnyObject): void => {
    for (const [key, value] of Object.entries(clause)) {
      if (key === '$and' && Array.isArray(value)) {
        for (const sub of value) if (isPlainObject(sub)) visit(sub);
        continue;
      }
      if (key.startsWith('$')) continue;
      if (isPlainObject(value)) {
        const keys = Object.keys(value);
        if (keys.length > 0 && keys.every((k) => k.startsWith('$'))) {
          if (keys.length === 1 && keys[0] === '$eq') out[key] = value.$eq;
          continue;
        }
      }
      if (value instanceof RegExp) continue;
      out[key] = value;
    }
  };
  visit(filter);
  return out;
}
