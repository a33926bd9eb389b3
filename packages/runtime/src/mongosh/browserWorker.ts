/**
 * mongosh as a Web Worker in the learner's tab. The process shim goes first: mongosh's packages
 * read `process` while they load.
 */
import './browser/shims/process';
import { workerEnvironment } from './environment/worker';
import { runMongoshWorker } from './worker';
import type { FromWorker, ToWorker } from '../worker/messages';

interface WorkerScope {
  postMessage(message: FromWorker): void;
  addEventListener(type: 'message', listener: (event: { data: ToWorker }) => void): void;
}

const scope = self as unknown as WorkerScope;
runMongoshWorker(
  {
    post: (message) => scope.postMessage(message),
    onMessage: (handler) => scope.addEventListener('message', (event) => handler(event.data)),
  },
  workerEnvironment,
);
