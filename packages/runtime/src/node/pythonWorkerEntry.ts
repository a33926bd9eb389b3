/** The Python worker as a Node worker_thread (transcripts and CI run real Pyodide this way). */
import { parentPort } from 'node:worker_threads';
import { runPythonWorker } from '../python/worker';
import type { ToWorker } from '../worker/messages';

const port = parentPort;
if (!port) throw new Error('pythonWorkerEntry runs as a worker_thread');
runPythonWorker({
  post: (message) => port.postMessage(message),
  onMessage: (handler) => port.on('message', (message: ToWorker) => handler(message)),
});
