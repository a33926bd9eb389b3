import vm from 'node:vm';
import type { MongoshEnvironment } from '../shell';

/**
 * Learner code in Node (the transcript runner and CI): a fresh vm context per shell, as mongosh's
 * own REPL gives each session a context of its own.
 */
export function nodeEnvironment(): MongoshEnvironment {
  const context = vm.createContext({}) as Record<string, unknown>;
  return {
    context,
    run: (code) => vm.runInContext(code, context, { filename: 'REPL' }),
  };
}
