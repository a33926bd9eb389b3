import vm from 'node:vm';
import type { MongoshEnvironment } from '../shell';

/**
 * Learner code in Node (the transcript runner and CI): a fresh vm context per shell, as mongosh's
 * own REPL gives each session a context of its own.
 */
export function nodeEnvironment(): MongoshEnvironment {
  const context = vm.createContext({}) as Record<string, unknown>;
  // mongosh's CLI does the same: dates made in the context print through the shell's own Date
  // (`ISODate('…')`), not the context's.
  context.Date = Date;
  return {
    context,
    run: (code) => vm.runInContext(code, context, { filename: 'REPL' }),
  };
}
