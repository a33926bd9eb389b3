/**
 * mongosh in a runtime worker, speaking the runtime host's worker messages (ToWorker/FromWorker)
 * like the Python worker: `init` with the sync bridge's buffers and mongosh's arguments, then one
 * line at a time. Driver calls block this worker on the bridge, never the page. Environment-neutral:
 * the browser entry gives it the worker's own scope, the Node entry a vm context.
 */
import { WorkerChannel } from '../bridge/syncChannel';
import type { ToWorker, WorkerPort } from '../worker/messages';
import type { MongoshEnvironment } from './shell';
import { MongoshWorker, type MongoshBridge } from './worker/runMongosh';

export function runMongoshWorker(port: WorkerPort, environment: () => MongoshEnvironment): void {
  let worker: MongoshWorker | null = null;
  const early: ToWorker[] = [];
  port.onMessage((message) => {
    if (message.kind === 'init') {
      const channel = new WorkerChannel(message.buffers, () => port.post({ kind: 'more' }));
      const bridge: MongoshBridge = {
        rpc: (request) => {
          channel.prepare();
          port.post({ kind: 'rpc', request });
          return channel.await();
        },
        get interrupted() {
          return channel.interrupted;
        },
        clearInterrupt: () => channel.clearInterrupt(),
        sleep: (seconds) => channel.sleep(seconds),
      };
      const made = new MongoshWorker(bridge, (reply) => port.post(reply), environment());
      worker = made;
      for (const queued of early.splice(0)) if (queued.kind !== 'init') made.handle(queued);
      made.start(message.args).catch((error: unknown) => port.post({ kind: 'failed', message: `mongosh could not start: ${error instanceof Error ? error.message : String(error)}` }));
      return;
    }
    if (worker) worker.handle(message);
    else early.push(message);
  });
}
