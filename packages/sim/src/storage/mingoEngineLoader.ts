import * as engine from './mingoEngine';

/**
 * Where mingo.ts gets mingo from. Run from source, this module imports it like any other. The
 * built sim-mongod replaces this module (scripts/build.mjs, `lazy`) with one that requires a
 * separate file holding mingoEngine.ts on first call, so that a start up to "Waiting for
 * connections" neither parses nor runs the query engine.
 */
export function loadEngine(): typeof engine {
  return engine;
}
