import { Binary, Code, Decimal128, MaxKey, MinKey, ObjectId } from 'bson';
import type { Context } from 'mingo/core';
import type { Options } from 'mingo/types';
import type * as Engine from './mingoEngine';
import { loadEngine } from './mingoEngineLoader';
import { MingoLong, MingoTimestamp, isPlainObject } from './values';

/**
 * mingo with all its operators, except `$type`, which knows BSON's types (mingo's cannot tell an
 * ObjectId, Long, Timestamp, binData or Decimal128 apart). Values are mingo views (values.ts):
 * Long and Timestamp arrive wrapped. mingo itself (mingoEngine.ts) is loaded on first use: the
 * built sim-mongod starts without it.
 */

type Predicate = (value: unknown) => boolean;

const isInt32 = (value: unknown): boolean => typeof value === 'number' && Number.isInteger(value) && Math.abs(value) <= 0x7fffffff;
const isNumeric = (value: unknown): boolean => typeof value === 'number' || value instanceof MingoLong || value instanceof Decimal128;

const TYPE_PREDICATES: Record<string, Predicate> = {
  double: (value) => typeof value === 'number' && !isInt32(value),
  string: (value) => typeof value === 'string',
  object: (value) => isPlainObject(value),
  array: (value) => Array.isArray(value),
  binData: (value) => value instanceof Binary,
  undefined: (value) => value === undefined,
  objectId: (value) => value instanceof ObjectId,
  bool: (value) => typeof value === 'boolean',
  date: (value) => value instanceof Date,
  null: (value) => value === null,
  regex: (value) => value instanceof RegExp,
  javascript: (value) => value instanceof Code,
  int: isInt32,
  timestamp: (value) => value instanceof MingoTimestamp,
  long: (value) => value instanceof MingoLong,
  decimal: (value) => value instanceof Decimal128,
  minKey: (value) => value instanceof MinKey,
  maxKey: (value) => value instanceof MaxKey,
  number: isNumeric,
};

/** BSON type numbers for `$type: <n>`. */
const TYPE_NUMBERS: Record<number, string> = {
  1: 'double',
  2: 'string',
  3: 'object',
  4: 'array',
  5: 'binData',
  6: 'undefined',
  7: 'objectId',
  8: 'bool',
  9: 'date',
  10: 'null',
  11: 'regex',
  13: 'javascript',
  16: 'int',
  17: 'timestamp',
  18: 'long',
  19: 'decimal',
  [-1]: 'minKey',
  127: 'maxKey',
};

function predicateFor(type: unknown): Predicate {
  const name = typeof type === 'number' ? TYPE_NUMBERS[type] : typeof type === 'string' ? type : undefined;
  const predicate = name === undefined ? undefined : TYPE_PREDICATES[name];
  if (!predicate) throw new Error(`Unknown type name alias: ${String(type)}`);
  return predicate;
}

/** `{field: {$type: t | [t...]}}`: matches the value, or (for arrays) any element, as MongoDB does. */
const typeOperator =
  (engine: typeof Engine) =>
  (selector: string, value: unknown): ((obj: Record<string, unknown>) => boolean) => {
    const predicates = (Array.isArray(value) ? value : [value]).map((type) => predicateFor(type));
    const test = (candidate: unknown): boolean => predicates.some((predicate) => predicate(candidate));
    return (obj) => {
      const found = engine.resolve(obj as never, selector, { unwrapArray: true });
      if (found === undefined) return false;
      if (test(found)) return true;
      return Array.isArray(found) && found.some((item: unknown) => test(item));
    };
  };

/**
 * `$function` for mingo's own use only. mingo's `$setWindowFields` computes each output field
 * through a `$function` whose body is a JavaScript function it made itself, and mingo's own
 * `$function` refuses to run when `scriptEnabled` is off, so every window stage failed. A body that
 * came from a client is BSON (a string or Code), never a function: that is still refused, so a
 * learner's input never runs as code.
 */
const internalFunctionOperator =
  (engine: typeof Engine) =>
  (obj: unknown, expr: unknown, options: Options): unknown => {
    const spec = engine.evalExpr(obj, expr, options) as { body?: unknown; args?: unknown };
    if (typeof spec?.body !== 'function' || !Array.isArray(spec.args)) {
      throw new Error('$function is not allowed: sim-mongod does not run server-side JavaScript');
    }
    return (spec.body as (...args: unknown[]) => unknown)(...(spec.args as unknown[]));
  };

interface Loaded {
  engine: typeof Engine;
  /**
   * Options for every mingo call: our operator context, and no script execution (`$where`,
   * `$function`, `$accumulator`: a learner's input never runs as code).
   */
  options: Partial<Options>;
  /**
   * The same with a context holding only the query operators (ours: the same functions as in
   * `options`). mingo copies the context it is given on every Query and update (ComputeOptions.init,
   * and updateDocuments adds its operators to that copy), and copying the ~240 operators of the full
   * one cost more than many of the updates themselves. A filter reaches the other tables only
   * through `$expr` (an aggregation expression), so one whose operators are all in QUERY_TABLE_ONLY
   * compiles and matches the same with either context.
   */
  queryOnly: Partial<Options>;
  /** Operator names a filter, array filter or update may use and still get `queryOnly`. */
  queryTableOnly: ReadonlySet<string>;
}

let loaded: Loaded | undefined;

/**
 * Query operators that evaluate aggregation expressions (`$expr`), or leave the query table in
 * another way (`$where` runs script, `$jsonSchema` has its own validator): with any of them the
 * full context is used.
 */
const LEAVES_QUERY_TABLE = new Set(['$expr', '$where', '$jsonSchema']);
/**
 * `$`-keys of an update that are not query operators: the update operators mingo's updateDocuments
 * runs (none of them looks an operator up in the context: only the Queries they compile for `$pull`,
 * array filters and the positional `$` do), `$push`'s modifiers, and `$regex`'s `$options`.
 */
const UPDATE_KEYS = ['$addToSet', '$bit', '$currentDate', '$inc', '$max', '$min', '$mul', '$pop', '$pull', '$pullAll', '$push', '$rename', '$set', '$unset', '$each', '$slice', '$sort', '$position', '$options'];

function mingo(): Loaded {
  if (loaded !== undefined) return loaded;
  const engine = loadEngine();
  const query = { ...engine.queryOperators, $type: typeOperator(engine) };
  const context: Context = engine.Context.init({
    accumulator: engine.accumulatorOperators as never,
    expression: { ...engine.expressionOperators, $function: internalFunctionOperator(engine) } as never,
    pipeline: engine.pipelineOperators as never,
    projection: engine.projectionOperators as never,
    query: query as never,
    window: engine.windowOperators as never,
  });
  const queryOnlyContext: Context = engine.Context.init({ query: query as never });
  const queryTableOnly = new Set([...Object.keys(query).filter((name) => !LEAVES_QUERY_TABLE.has(name)), ...UPDATE_KEYS]);
  loaded = { engine, options: { scriptEnabled: false, context }, queryOnly: { scriptEnabled: false, context: queryOnlyContext }, queryTableOnly };
  return loaded;
}

/**
 * True when every `$`-prefixed key in `value` (plain objects and arrays, at any depth) is in
 * `allowed`. Anything else (an operator that is not, or a `$`-key that is data) answers false, and
 * the caller uses the full context.
 */
function onlyOperatorsIn(value: unknown, allowed: ReadonlySet<string>, depth = 0): boolean {
  if (value === null || typeof value !== 'object') return true;
  if (depth > ONLY_OPERATORS_DEPTH_MAX) return false;
  if (Array.isArray(value)) {
    for (const item of value) if (!onlyOperatorsIn(item, allowed, depth + 1)) return false;
    return true;
  }
  if (!isPlainObject(value)) return true;
  for (const key in value) {
    if (key.charCodeAt(0) === DOLLAR && !allowed.has(key)) return false;
    if (!onlyOperatorsIn(value[key], allowed, depth + 1)) return false;
  }
  return true;
}

const DOLLAR = 0x24;
/** Deeper than this the scan stops and says "full context" (mingo then copes or fails as before). */
const ONLY_OPERATORS_DEPTH_MAX = 64;

/** The options for a filter (or update) given as these values: the lean context when it is enough. */
function optionsFor(state: Loaded, ...values: unknown[]): Partial<Options> {
  for (const value of values) if (!onlyOperatorsIn(value, state.queryTableOnly)) return state.options;
  return state.queryOnly;
}

/** A filter compiled for matching only (`test`): mingo's Query, with the lean context when the filter allows it. */
export class MatchQuery {
  private readonly query: InstanceType<typeof Engine.Query>;

  constructor(condition: Record<string, unknown>, options: Partial<Options> = {}) {
    const state = mingo();
    this.query = new state.engine.Query(condition, { ...optionsFor(state, condition), ...options });
  }

  test(obj: Record<string, unknown>): boolean {
    return this.query.test(obj);
  }
}

/** A compiled filter (mingo's Query with our options). */
export class Query {
  private readonly query: InstanceType<typeof Engine.Query>;

  constructor(condition: Record<string, unknown>, options: Partial<Options> = {}) {
    const { engine, options: base } = mingo();
    this.query = new engine.Query(condition, { ...base, ...options });
  }

  test(obj: Record<string, unknown>): boolean {
    return this.query.test(obj);
  }

  find(collection: Record<string, unknown>[], projection?: Record<string, unknown>): ReturnType<InstanceType<typeof Engine.Query>['find']> {
    return this.query.find(collection, projection);
  }
}

/** An aggregation pipeline (mingo's Aggregator with our options). */
export class Aggregator {
  private readonly aggregator: InstanceType<typeof Engine.Aggregator>;

  constructor(pipeline: Record<string, unknown>[], options: Partial<Options> = {}) {
    const { engine, options: base } = mingo();
    this.aggregator = new engine.Aggregator(pipeline, { ...base, ...options });
  }

  run(collection: Record<string, unknown>[]): Record<string, unknown>[] {
    return this.aggregator.run(collection) as Record<string, unknown>[];
  }
}

/** mingo's updateOne with our options (the lean context when the filter, array filters and update allow it). */
export const updateOne: typeof Engine.updateOne = (documents, condition, modifier, updateConfig = {}, options) => {
  const state = mingo();
  return state.engine.updateOne(documents, condition, modifier, updateConfig, { ...optionsFor(state, condition, updateConfig.arrayFilters, modifier), ...options });
};
