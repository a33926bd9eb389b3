import { Aggregator, MatchQuery, Query, updateOne } from './mingo';
import type { Document } from 'bson';
import { ServerError, serverError } from '../base/errors';
import type { ErrorCodeName } from '../base/errors';
import { Timestamp } from 'bson';
import { sortByBson } from './order';
import { bsonTypeName, cloneValue, formatDocument, formatValue, fromMingo, isNumeric, isPlainObject, toMingo } from './values';

/**
 * Query, sort, projection, update and aggregation: all from mingo, on the views `toMingo` makes.
 * This file only translates inputs, validates what mingo does not, and maps mingo's errors to
 * MongoDB's codes.
 */

type AnyObject = Record<string, unknown>;


/** mingo throws MingoError (or plain Errors) for bad operators and arguments; mongod says BadValue. */
export function fromMingoError(error: unknown, code: ErrorCodeName = 'BadValue'): ServerError {
  if (error instanceof ServerError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new ServerError(code, message);
}

export type Matcher = (doc: Document) => boolean;

/** User variables from a command's `let` (already evaluated: see `letVariables`), by name without `$$`. */
export type Variables = Readonly<Record<string, unknown>>;

/** mingo's options for the given `let` variables (none: no options). */
function variableOptions(variables: Variables | undefined): { variables?: AnyObject } {
  return variables === undefined ? {} : { variables: toMingo(variables) as AnyObject };
}

/**
 * A command's `let` document as constants (find/aggregate/update/delete/findAndModify `let`,
 * MongoDB 5.0+). Each value is an expression evaluated once, against no document, before the
 * command runs; a name must start with a lowercase letter or a non-ASCII character and contain only
 * letters, digits and `_` (variable_validation.cpp `validateNameForUserWrite`, code 16867/16868/16870
 * in mongod; mongod reports them as Location codes).
 */
export function letVariables(letDoc: Document | undefined, nowMillis: number): Variables | undefined {
  if (letDoc === undefined) return undefined;
  for (const name of Object.keys(letDoc)) {
    if (name.length === 0) throw serverError('FailedToParse', "empty variable names are not allowed");
    if (!/^[a-z-￿]/.test(name)) {
      throw serverError('FailedToParse', `'${name}' starts with an invalid character for a user variable name`);
    }
    if (!/^[\w-￿]*$/.test(name)) throw serverError('FailedToParse', `'${name}' contains an invalid character for a variable name`);
  }
  if (Object.keys(letDoc).length === 0) return {};
  const [evaluated] = aggregateDocuments([{}], [{ $replaceWith: { $literal: {} } }, { $addFields: letDoc }], undefined, nowMillis);
  return evaluated ?? {};
}

/**
 * A command's `collation`, as far as matching goes: how strings compare. Strength 1 ignores case
 * and diacritics, 2 ignores case, 3 and above (and the `simple` locale) compare as binary, which
 * is what the simulator does without a collation. mongod compares with ICU; folding (below) gives
 * the same equalities for the Latin letters the tests and tutorials use.
 */
export interface Collation {
  readonly strength: number;
}

/**
 * Parses a `collation` document (collation_spec.cpp / collator_factory_icu.cpp): `locale` is
 * required; `simple` means binary comparison (undefined here); `strength` defaults to 3 (tertiary).
 */
export function parseCollation(value: unknown): Collation | undefined {
  if (value === undefined || value === null) return undefined;
  if (!isPlainObject(value)) throw serverError('TypeMismatch', `collation must be an object, not ${bsonTypeName(value)}`);
  const locale = value.locale;
  if (locale === undefined) throw serverError('FailedToParse', "Missing required field 'locale'");
  if (typeof locale !== 'string') throw serverError('TypeMismatch', `Field 'locale' must be of type string in: ${formatDocument(value)}`);
  if (locale === 'simple') return undefined;
  const strength = value.strength === undefined ? 3 : Number(value.strength);
  if (![1, 2, 3, 4, 5].includes(strength)) throw serverError('FailedToParse', `Field 'strength' must be an integer 1 through 5. Got: ${String(value.strength)}`);
  return strength >= 3 ? undefined : { strength };
}

/** A string as a collation of this strength sees it: lower case, and without accents at strength 1. */
function foldString(text: string, collation: Collation): string {
  const lower = text.toLowerCase();
  return collation.strength === 1 ? lower.normalize('NFD').replace(/\p{M}/gu, '') : lower;
}

/** `value` with every string folded; regular expressions and `$regex` patterns are left as they are (they ignore collation). */
function foldValue(value: unknown, collation: Collation): unknown {
  if (typeof value === 'string') return foldString(value, collation);
  if (Array.isArray(value)) return value.map((item: unknown) => foldValue(item, collation));
  if (isPlainObject(value)) {
    const out: AnyObject = {};
    for (const [key, item] of Object.entries(value)) out[key] = key === '$regex' || key === '$options' ? item : foldValue(item, collation);
    return out;
  }
  return value;
}

export interface FilterOptions {
  variables?: Variables;
  collation?: Collation;
}

/** Compiles a filter; throws BadValue for unknown operators. `{}` matches everything. */
export function compileFilter(filter: Document, options: FilterOptions = {}): Matcher {
  if (Object.keys(filter).length === 0) return () => true;
  const { collation } = options;
  let query: MatchQuery;
  try {
    const condition = collation === undefined ? filter : (foldValue(filter, collation) as Document);
    query = new MatchQuery(toMingo(condition) as AnyObject, variableOptions(options.variables));
  } catch (error) {
    throw fromMingoError(error);
  }
  return (doc) => {
    try {
      return query.test(toMingo(collation === undefined ? doc : foldValue(doc, collation)) as AnyObject);
    } catch (error) {
      throw fromMingoError(error);
    }
  };
}

/**
 * When a filter pins `_id` to one value (`{_id: v, ...}` or `{_id: {$eq: v}, ...}` with v not an
 * array, regex or operator document), that value: the `_id` index narrows the scan to one document.
 */
export function idEquality(filter: Document): { value: unknown } | undefined {
  if (!('_id' in filter)) return undefined;
  let value: unknown = filter._id;
  if (isPlainObject(value)) {
    const keys = Object.keys(value);
    if (keys.length === 1 && keys[0] === '$eq') value = value.$eq;
    else if (keys.some((key) => key.startsWith('$'))) return undefined;
  }
  if (Array.isArray(value) || value instanceof RegExp || value === undefined) return undefined;
  if (isPlainObject(value) && Object.keys(value).some((key) => key.startsWith('$'))) return undefined;
  return { value };
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
  variables?: Variables;
  collation?: Collation;
}

/**
 * Runs a query over documents in natural order, returning matching documents (projected when a
 * projection is given: new objects; otherwise the input objects themselves).
 */
export function runQuery(docs: readonly Document[], shape: QueryShape): Document[] {
  const matcher = compileFilter(shape.filter ?? {}, { variables: shape.variables, collation: shape.collation });
  let matched = docs.filter((doc) => matcher(doc));
  if (shape.sort) matched = sortDocuments(matched, shape.sort);
  const skip = shape.skip ?? 0;
  const end = shape.limit !== undefined && shape.limit > 0 ? skip + shape.limit : undefined;
  matched = matched.slice(skip, end);
  if (shape.projection && Object.keys(shape.projection).length > 0) {
    return project(matched, shape.projection, shape.variables);
  }
  return matched;
}

/**
 * Stable sort in BSON order (mixed types ranked as MongoDB ranks them; an array field sorts by its
 * smallest element ascending, its largest descending). See order.ts.
 */
export function sortDocuments(docs: readonly Document[], sort: SortSpec): Document[] {
  return sortByBson(docs, sort);
}

export function project(docs: readonly Document[], projection: Document, variables?: Variables): Document[] {
  try {
    const views = docs.map((doc) => toMingo(doc) as AnyObject);
    const out = new Query({}, variableOptions(variables)).find(views, toMingo(projection) as AnyObject).all() as AnyObject[];
    return out.map((view) => fromMingo(view) as Document);
  } catch (error) {
    throw fromMingoError(error);
  }
}

/**
 * `$$NOW` as a literal date from the injected clock (mingo would read the wall clock), everywhere
 * in a pipeline except inside `$literal`.
 */
export function bindNow(value: unknown, nowMillis: number): unknown {
  if (value === '$$NOW') return { $literal: new Date(nowMillis) };
  if (Array.isArray(value)) return value.map((item: unknown) => bindNow(item, nowMillis));
  if (isPlainObject(value)) {
    const out: AnyObject = {};
    for (const [key, item] of Object.entries(value)) out[key] = key === '$literal' ? item : bindNow(item, nowMillis);
    return out;
  }
  return value;
}

/** Runs an aggregation pipeline (no `$out`/`$merge`; the caller refuses those). `$$NOW` is `nowMillis`. */
export function aggregateDocuments(
  docs: readonly Document[],
  pipeline: Document[],
  collectionResolver?: (name: string) => Document[],
  nowMillis = 0,
  variables?: Variables,
): Document[] {
  pipeline = bindNow(pipeline, nowMillis) as Document[];
  try {
    const options = {
      ...variableOptions(variables),
      ...(collectionResolver ? { collectionResolver: (name: string) => collectionResolver(name).map((doc) => toMingo(doc) as AnyObject) } : {}),
    };
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
  /** The injected clock's time, for `$currentDate` (mingo would read the wall clock). */
  nowMillis?: number;
  /** The command's `let` variables, for a pipeline update. */
  variables?: Variables;
}

const ARRAY_OPERATORS = new Set(['$push', '$addToSet', '$pop', '$pull', '$pullAll']);

/**
 * Checks what mingo lets pass silently but mongod refuses: arithmetic on non-numbers, array
 * operators on non-arrays, and paths that run through a scalar. Positional paths are left to mingo.
 */
function checkOperatorTargets(doc: Document, modifiers: AnyObject): void {
  for (const [operator, argument] of Object.entries(modifiers)) {
    if (operator === '$unset' || operator === '$rename' || !isPlainObject(argument)) continue;
    for (const path of Object.keys(argument)) {
      if (path.includes('$')) continue;
      const segments = path.split('.');
      let current: unknown = doc;
      let parentKey = '';
      let reached = true;
      for (const segment of segments) {
        if (isPlainObject(current)) {
          parentKey = segment;
          current = current[segment];
          continue;
        }
        if (Array.isArray(current)) {
          if (!/^\d+$/.test(segment)) {
            reached = false;
            break;
          }
          parentKey = segment;
          current = current[Number(segment)];
          continue;
        }
        if (current === undefined) {
          reached = false;
          break;
        }
        throw serverError('PathNotViable', `Cannot create field '${segment}' in element {${parentKey}: ${formatValue(current)}}`);
      }
      if (!reached) continue;
      const value = current;
      if (value === undefined) continue;
      const field = segments[segments.length - 1] as string;
      if ((operator === '$inc' || operator === '$mul') && !isNumeric(value)) {
        throw serverError(
          'TypeMismatch',
          `Cannot apply ${operator} to a value of non-numeric type. {_id: ${formatValue(doc._id)}} has the field '${field}' of non-numeric type ${bsonTypeName(value)}`,
        );
      }
      if (ARRAY_OPERATORS.has(operator) && !Array.isArray(value)) {
        if (operator === '$push') {
          throw serverError('BadValue', `The field '${path}' must be an array but is of type ${bsonTypeName(value)} in document {_id: ${formatValue(doc._id)}}`);
        }
        if (operator === '$addToSet') {
          throw serverError('BadValue', `Cannot apply $addToSet to non-array field. Field named '${field}' has non-array type ${bsonTypeName(value)}`);
        }
        if (operator === '$pop') throw serverError('TypeMismatch', `Path '${path}' contains an element of non-array type '${bsonTypeName(value)}'`);
        throw serverError('BadValue', `Cannot apply ${operator} to a non-array value`);
      }
    }
  }
}

/** `$currentDate` as a `$set` with the injected clock's time. */
function currentDateAsSet(argument: unknown, nowMillis: number): AnyObject {
  if (!isPlainObject(argument)) return {};
  const set: AnyObject = {};
  for (const [path, spec] of Object.entries(argument)) {
    if (spec === true || (isPlainObject(spec) && spec.$type === 'date')) set[path] = new Date(nowMillis);
    else if (isPlainObject(spec) && spec.$type === 'timestamp') set[path] = new Timestamp({ t: Math.floor(nowMillis / 1000), i: 1 });
    else {
      throw serverError('BadValue', `${formatDocument({ [path]: spec })} is not valid type for $currentDate. Please use a boolean ('true') or a $type expression ({$type: 'timestamp/date'}).`);
    }
  }
  return set;
}

/**
 * Applies a validated operator or pipeline update to a copy of `doc` and returns the new document
 * (never mutates `doc`). Replacement updates are handled by the caller.
 */
export function applyUpdate(doc: Document, update: Document | Document[], kind: UpdateKind, options: ApplyUpdateOptions = {}): Document {
  // toMingo never mutates and copies only the containers it changes; cloneValue then copies the rest.
  const target = cloneValue(toMingo(doc)) as AnyObject;
  try {
    if (kind === 'pipeline') {
      // The pipeline's output replaces the document; an output without `_id` keeps the original
      // one (pipeline_executor.cpp: the replacement "must not remove _id", which is re-added).
      const [out] = aggregateDocuments([doc], update as Document[], undefined, options.nowMillis ?? 0, options.variables);
      if (out === undefined) throw serverError('BadValue', 'The pipeline of an update must produce one document');
      return '_id' in out || !('_id' in doc) ? out : { _id: doc._id, ...out };
    }
    const { $setOnInsert, $currentDate, ...modifiers } = update as AnyObject;
    if ($currentDate !== undefined) {
      const set = currentDateAsSet($currentDate, options.nowMillis ?? 0);
      if (Object.keys(set).length > 0) modifiers.$set = { ...(isPlainObject(modifiers.$set) ? modifiers.$set : {}), ...set };
    }
    checkOperatorTargets(doc, modifiers);
    const modifierView = toMingo(modifiers) as AnyObject;
    // mingo needs the query only for the positional `$` operator; compiling it costs.
    const positional = Object.values(modifiers).some((argument) => isPlainObject(argument) && Object.keys(argument).some((path) => /\.\$(\.|$)/.test(path)));
    const condition = positional && options.filter ? (toMingo(options.filter) as AnyObject) : undefined;
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

function updateErrorCode(error: unknown): ErrorCodeName {
  const message = error instanceof Error ? error.message : '';
  if (/immutable field/.test(message)) return 'ImmutableField';
  if (/non-numeric|numeric|type/i.test(message)) return 'TypeMismatch';
  if (/Unknown update operator/.test(message)) return 'FailedToParse';
  return 'BadValue';
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
