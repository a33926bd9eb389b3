// A worker_thread cannot be handed TypeScript directly: this registers tsx in the thread and
// imports the TypeScript body (simulate runs from source, under tsx or Vitest).
import { register } from 'tsx/esm/api';

register();
await import('./jobWorker.ts');
