/** The Python worker as a Web Worker in the learner's tab. */
import { runPythonWorker } from './worker';
import type { FromWorker, ToWorker } from '../worker/messages';

interface WorkerScope {
  postMessage(message: FromWorker): void;
  addEventListener(type: 'message', listener: (event: { data: ToWorker }) => void): void;
}

const scope = self as unknown as WorkerScope;
runPythonWorker({
  post: (message) => scope.postMessage(message),
  onMessage: (handler) => scope.addEventListener('message', (event) => handler(event.data)),
});
