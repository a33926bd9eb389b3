import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';

// `ws` is a dependency of apps/server, not of the workspace root.
const requireFromServer = createRequire(new URL('../../apps/server/package.json', import.meta.url));

/** The little of a `ws` WebSocket the room benches use. */
export type Socket = {
  on(event: 'message', listener: (data: Buffer) => void): void;
  once(event: 'open' | 'error' | 'close', listener: (arg?: unknown) => void): void;
  send(data: string): void;
  close(): void;
};
const WebSocket = requireFromServer('ws') as new (url: string) => Socket;

/** Open a WebSocket to `url`; each message is handed over parsed, with the time it arrived. */
export async function connectSocket<M>(url: string, onMessage: (message: M, at: number) => void): Promise<Socket> {
  const socket = new WebSocket(url);
  socket.on('message', (data) => onMessage(JSON.parse(data.toString('utf8')) as M, performance.now()));
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', (error) => reject(error as Error));
  });
  return socket;
}
