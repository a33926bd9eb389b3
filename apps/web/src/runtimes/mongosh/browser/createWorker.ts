/** The mongosh worker, built by Vite as its own chunk and loaded only when a tab starts mongosh. */
export function createMongoshWorker(): Worker {
  return new Worker(new URL('./worker.ts', import.meta.url), { type: 'module', name: 'mongosh' });
}
