/**
 * mongosh in a Web Worker of the learner's tab. The shims go first: mongosh's packages read
 * `process` while they load.
 */
import './shims/process';
import { ObjectId } from 'bson';
import { decodeDriverValue, encodeDriverValue, type DriverErrorInfo, type DriverReply, type DriverRequest } from '@rslab/server/protocol/driverRpc';
import { DriverRpcError, type DriverTransport } from '../driverRpc';
import { MongoshShell, transportProviders } from '../shell';
import { workerEnvironment } from '../environment/worker';

/** Page → worker. */
export type ToMongoshWorker =
  | { kind: 'start'; args: string[] }
  | { kind: 'line'; seq: number; line: string }
  | { kind: 'reset' }
  | { kind: 'complete'; id: number; line: string; cursor: number }
  | { kind: 'rpc.reply'; id: number; reply?: string; error?: string };

/** Worker → page. */
export type FromMongoshWorker =
  | { kind: 'output'; data: string }
  | { kind: 'ready'; prompt: string }
  | { kind: 'failed'; exitCode: number }
  | { kind: 'done'; seq: number; prompt: string; exit: boolean }
  | { kind: 'completion'; id: number; replaceFrom: number; candidates: string[] }
  | { kind: 'rpc'; id: number; request: string };

interface WorkerScope {
  postMessage(message: FromMongoshWorker): void;
  addEventListener(type: 'message', listener: (event: { data: ToMongoshWorker }) => void): void;
}

const scope = globalThis as unknown as WorkerScope;
const post = (message: FromMongoshWorker): void => scope.postMessage(message);
const waiting = new Map<number, { resolve: (reply: DriverReply) => void; reject: (error: unknown) => void }>();
let nextRpc = 1;

const transport: DriverTransport = {
  request(request: DriverRequest): Promise<DriverReply> {
    const id = nextRpc++;
    post({ kind: 'rpc', id, request: encodeDriverValue(request) });
    return new Promise((resolve, reject) => waiting.set(id, { resolve, reject }));
  },
};

let shell: MongoshShell | null = null;
const queue: ToMongoshWorker[] = [];
let busy = false;

async function handle(message: ToMongoshWorker): Promise<void> {
  switch (message.kind) {
    case 'start': {
      const started = await MongoshShell.start(message.args, {
        providers: transportProviders(transport),
        environment: workerEnvironment(),
        write: (data) => post({ kind: 'output', data }),
        logId: () => new ObjectId().toHexString(),
      });
      shell = started.shell;
      post(shell ? { kind: 'ready', prompt: shell.prompt() } : { kind: 'failed', exitCode: started.exitCode });
      return;
    }
    case 'line': {
      if (!shell) return;
      const outcome = await shell.execute(message.line);
      post({ kind: 'done', seq: message.seq, prompt: shell.prompt(), exit: outcome.exit !== undefined });
      return;
    }
    case 'reset':
      if (shell) post({ kind: 'output', data: shell.interrupt() });
      return;
    case 'complete': {
      const completion = shell ? await shell.complete(message.line, message.cursor) : { replaceFrom: message.cursor, candidates: [] };
      post({ kind: 'completion', id: message.id, ...completion });
      return;
    }
    case 'rpc.reply':
      return;
  }
}

async function drain(): Promise<void> {
  if (busy) return;
  busy = true;
  while (queue.length > 0) await handle(queue.shift() as ToMongoshWorker);
  busy = false;
}

scope.addEventListener('message', ({ data }) => {
  if (data.kind === 'rpc.reply') {
    const pending = waiting.get(data.id);
    waiting.delete(data.id);
    if (!pending) return;
    if (data.reply !== undefined) pending.resolve(decodeDriverValue<DriverReply>(data.reply));
    else pending.reject(new DriverRpcError(decodeDriverValue<DriverErrorInfo>(data.error ?? '{}')));
    return;
  }
  queue.push(data);
  void drain();
});
