// A worker_thread cannot be handed TypeScript directly: register tsx (as the server's own
// scripts run with it), then load the worker written in TypeScript.
import { register } from 'tsx/esm/api';

register();
await import('./mongoshWorkerEntry.ts');
