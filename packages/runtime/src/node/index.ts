/**
 * Client runtimes in Node: the same RuntimeHost and Python worker as in the page, on
 * worker_threads, with Pyodide's files read from node_modules. The transcript runner and CI's
 * lesson solving use this; the server never runs it for a learner.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { FromWorker, RuntimeKind, ToWorker } from '../worker/messages';
import { RuntimeHost, type RuntimeHostOptions, type WorkerLike } from '../host/runtimeHost';

import { nodeWorkerFile, pyodideDirectory, pythonSourcesRoot } from './paths';

export { pyodideDirectory, pyodideVersion, runtimePackageRoot } from './paths';

/** Our Python package (pymongo, bson, the console) as path → source. */
export function pythonSourcesFromDisk(): Record<string, string> {
  const root = pythonSourcesRoot;
  const sources: Record<string, string> = {};
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== '__pycache__') walk(full);
      } else if (entry.name.endsWith('.py')) {
        sources[relative(root, full).split('\\').join('/')] = readFileSync(full, 'utf8');
      }
    }
  };
  walk(root);
  return sources;
}

export function nodeWorker(runtime: RuntimeKind): WorkerLike {
  const worker = new Worker(nodeWorkerFile(runtime));
  return {
    postMessage: (message: ToWorker) => worker.postMessage(message),
    onMessage: (handler: (message: FromWorker) => void) => worker.on('message', handler),
    onError: (handler: (error: Error) => void) => {
      worker.on('error', handler);
      worker.on('exit', (code) => {
        if (code !== 0 && code !== 1) handler(new Error(`exit code ${code}`));
      });
    },
    terminate: () => void worker.terminate(),
  };
}

/** A runtime host on this Node process; `send` receives what a page would send the server. */
export function createNodeRuntimeHost(options: Pick<RuntimeHostOptions, 'send' | 'onOutput' | 'onSessionEnd' | 'limits'>): RuntimeHost {
  return new RuntimeHost({
    ...options,
    createWorker: nodeWorker,
    assets: { pyodideIndexURL: pyodideDirectory },
    pythonSources: async () => pythonSourcesFromDisk(),
  });
}
