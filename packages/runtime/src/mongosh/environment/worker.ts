import type { MongoshEnvironment } from '../shell';

/**
 * Learner code in the browser: the mongosh worker's own global scope, which nothing else shares
 * (the page, its terminal and its socket live on the main thread). mongosh's async rewriter turns
 * top-level `let`/`const` into globals, so indirect eval keeps them from one line to the next, as
 * a REPL context does.
 */
export function workerEnvironment(): MongoshEnvironment {
  const context = globalThis as unknown as Record<string, unknown>;
  // eslint-disable-next-line no-eval -- running the learner's JavaScript in their own worker is this module's purpose
  const indirectEval = eval;
  return { context, run: (code) => indirectEval(code) };
}
