/**
 * The little of Node's `process` mongosh's packages read in a worker (`process.env`, `platform`,
 * `stdout.isTTY`). Imported first by the worker entry, before any mongosh module runs.
 */
const scope = globalThis as unknown as { process?: unknown };
scope.process ??= {
  env: {},
  platform: 'browser',
  version: 'v20.19.0',
  versions: { node: '20.19.0' },
  argv: [],
  execPath: '',
  cwd: () => '/',
  on: () => undefined,
  once: () => undefined,
  off: () => undefined,
  removeListener: () => undefined,
  emitWarning: () => undefined,
  nextTick: (fn: (...args: unknown[]) => void, ...args: unknown[]) => queueMicrotask(() => fn(...args)),
  stdout: { isTTY: false, getColorDepth: () => 1 },
  stderr: { isTTY: false, getColorDepth: () => 1 },
};
export {};
