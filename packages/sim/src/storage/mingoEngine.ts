/**
 * mingo itself, with every operator it has, and nothing of ours: the part of the query engine
 * that sim-mongod loads on first use rather than at start (see mingoEngineLoader.ts). Keep it to
 * mingo imports only: anything of ours imported here would be a second copy in the built
 * sim-mongod, with its own classes.
 */
export { Aggregator } from 'mingo/aggregator';
export { Context, evalExpr } from 'mingo/core';
export * as accumulatorOperators from 'mingo/operators/accumulator';
export * as expressionOperators from 'mingo/operators/expression';
export * as pipelineOperators from 'mingo/operators/pipeline';
export * as projectionOperators from 'mingo/operators/projection';
export * as queryOperators from 'mingo/operators/query';
export * as windowOperators from 'mingo/operators/window';
export { Query } from 'mingo/query';
export { updateOne } from 'mingo/updater';
export { resolve } from 'mingo/util';
