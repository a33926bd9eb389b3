/**
 * The body of a `simulate --jobs N` worker thread (jobs.ts): runs the seeds it is sent, one at a
 * time, with the options it was started with, and answers each with its result or its failure.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { MessagePort } from 'node:worker_threads';
import type { FromJobWorker, JobWorkerData, ToJobWorker } from './jobs';
import { simulateRun } from './run';

function describe(error: unknown): { name: string; message: string; stack?: string } {
  const e = error instanceof Error ? error : new Error(String(error));
  return { name: e.name, message: e.message, ...(e.stack === undefined ? {} : { stack: e.stack }) };
}

async function runOne(port: MessagePort, seed: number, options: JobWorkerData['options']): Promise<void> {
  let answer: FromJobWorker;
  try {
    answer = { type: 'result', seed, result: await simulateRun(seed, options) };
  } catch (error) {
    answer = { type: 'failed', seed, error: describe(error) };
  }
  try {
    port.postMessage(answer);
  } catch (error) {
    // A result the structured clone cannot copy: a failure of this seed, said so.
    port.postMessage({ type: 'failed', seed, error: describe(error) } satisfies FromJobWorker);
  }
}

const port = parentPort;
if (!port) throw new Error('jobWorker.ts runs in a worker thread (simulate --jobs)');
const { options } = workerData as JobWorkerData;
port.on('message', (message: ToJobWorker) => {
  runOne(port, message.seed, options).catch((error: unknown) => {
    // Even the failure could not be posted: end the thread; the main thread reports its exit
    // with the seed it was running.
    console.error(error);
    process.exit(70);
  });
});
