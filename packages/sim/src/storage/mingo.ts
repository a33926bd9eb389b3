import { Binary, Code, Decimal128, MaxKey, MinKey, ObjectId } from 'bson';
import { Aggregator as BaseAggregator } from 'mingo/aggregator';
import { Context } from 'mingo/core';
import * as accumulatorOperators from 'mingo/operators/accumulator';
import * as expressionOperators from 'mingo/operators/expression';
import * as pipelineOperators from 'mingo/operators/pipeline';
import * as projectionOperators from 'mingo/operators/projection';
import * as queryOperators from 'mingo/operators/query';
import * as windowOperators from 'mingo/operators/window';
import { Query as BaseQuery } from 'mingo/query';
import type { Options } from 'mingo/types';
import * as updater from 'mingo/updater';
import { resolve } from 'mingo/util';
import { MingoLong, MingoTimestamp, isPlainObject } from './values';

/**
 * mingo with all its operators, except `$type`, which knows BSON's types (mingo's cannot tell an
 * ObjectId, Long, Timestamp, binData or Decimal128 apart). Values are mingo views (values.ts):
 * Long and Timestamp arrive wrapped.
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
const $type = (selector: string, value: unknown): ((obj: Record<string, unknown>) => boolean) => {
  const predicates = (Array.isArray(value) ? value : [value]).map((type) => predicateFor(type));
  const test = (candidate: unknown): boolean => predicates.some((predicate) => predicate(candidate));
  return (obj) => {
    const found = resolve(obj as never, selector, { unwrapArray: true });
    if (found === undefined) return false;
    if (test(found)) return true;
    return Array.isArray(found) && found.some((item: unknown) => test(item));
  };
};

const CONTEXT = Context.init({
  accumulator: accumulatorOperators as never,
  expression: expressionOperators as never,
  pipeline: pipelineOperators as never,
  projection: projectionOperators as never,
  query: { ...queryOperators, $type } as never,
  window: windowOperators as never,
});

/**
 * Options for every mingo call: our operator context, and no script execution (`$where`,
 * `$function`, `$accumulator`: a learner's input never runs as code).
 */
export const MINGO_OPTIONS: Partial<Options> = { scriptEnabled: false, context: CONTEXT };

export class Query extends BaseQuery {
  constructor(condition: Record<string, unknown>, options: Partial<Options> = {}) {
    super(condition, { ...MINGO_OPTIONS, ...options });
  }
}

export class Aggregator extends BaseAggregator {
  constructor(pipeline: Record<string, unknown>[], options: Partial<Options> = {}) {
    super(pipeline, { ...MINGO_OPTIONS, ...options });
  }
}

export const updateOne: typeof updater.updateOne = (documents, condition, modifier, updateConfig = {}, options) =>
  updater.updateOne(documents, condition, modifier, updateConfig, { ...MINGO_OPTIONS, ...options });
