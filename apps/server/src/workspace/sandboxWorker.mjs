// A worker_thread cannot be handed TypeScript directly: from source (Vitest, tsx) this registers
// tsx in the thread and imports the TypeScript entry. A bundle of sandboxWorker.ts needs none of it.
import { register } from 'tsx/esm/api';

register();
await import('./sandboxWorker.ts');
