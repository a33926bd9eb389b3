import type { SyncBuffers } from '../bridge/syncChannel';

/** The runtimes a terminal can start in the learner's tab. */
export type RuntimeKind = 'python' | 'mongosh';

/** Where a worker finds the runtime's own files: a URL in the browser, a directory in Node. */
export interface RuntimeAssets {
  /** Pyodide's files (pyodide.asm.mjs, pyodide.asm.wasm, python_stdlib.zip, pyodide-lock.json). */
  pyodideIndexURL: string;
}

/** Host → worker (postMessage). */
export type ToWorker =
  | {
      kind: 'init';
      runtime: RuntimeKind;
      buffers: SyncBuffers;
      assets: RuntimeAssets;
      /** Our Python package: path under site-packages → source text (empty for mongosh). */
      sources: Record<string, string>;
      args: string[];
    }
  | { kind: 'line'; seq: number; line: string }
  /** Ctrl-C at the prompt: drop a half-entered block. */
  | { kind: 'reset' }
  | { kind: 'complete'; id: number; line: string; cursor: number };

/** Worker → host (postMessage). */
export type FromWorker =
  | { kind: 'progress'; status: string }
  | { kind: 'ready'; prompt: string }
  /** Could not start; `exitCode` when the runtime itself ended at start (mongosh --eval, a failed connect), having said why already. */
  | { kind: 'failed'; message: string; exitCode?: number }
  | { kind: 'output'; data: string }
  | { kind: 'done'; seq: number; prompt: string; exit: boolean }
  /** A blocking driver call: JSON `{method, params}` with params in canonical EJSON. */
  | { kind: 'rpc'; request: string }
  /** The worker read one chunk of a long answer and wants the next. */
  | { kind: 'more' }
  | { kind: 'completion'; id: number; replaceFrom: number; candidates: string[] };

/** What a worker needs of its environment: a browser `self` or Node's `parentPort`. */
export interface WorkerPort {
  post(message: FromWorker): void;
  onMessage(handler: (message: ToWorker) => void): void;
}
