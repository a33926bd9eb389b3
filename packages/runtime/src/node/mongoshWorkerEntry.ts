/** The mongosh worker as a Node worker_thread (transcripts and CI run mongosh's own shell API this way). */
import { parentPort } from 'node:worker_threads';
import { nodeEnvironment } from '../mongosh/environment/node';
import { runMongoshWorker } from '../mongosh/worker';
import type { ToWorker } from '../worker/messages';

const port = parentPort;
if (!port) throw new Error('mongoshWorkerEntry runs as a worker_thread');
runMongoshWorker(
  {
    post: (message) => port.postMessage(message),
    onMessage: (handler) => port.on('message', (message: ToWorker) => handler(message)),
  },
  nodeEnvironment,
);
