import * as net from 'node:net';
import type { Duplex, HostPort, Listener, Network } from './network';
import { NetworkError } from './network';

/**
 * `Network` over real TCP sockets (node:net). Sockets get `noDelay` (mongod and the drivers both
 * disable Nagle). A listener closes the connections it accepted when it closes, as mongod does at
 * shutdown.
 */

export interface TcpNetworkOptions {
  /** Connect timeout used when `connect` is called without one. */
  connectTimeoutMillis?: number;
  /** TCP keep-alive initial delay for accepted and opened sockets (mongod uses 120 s); 0 turns it off. */
  keepAliveMillis?: number;
}

type NetworkErrorCode = NetworkError['code'];

const MAPPED_CODES: Readonly<Record<string, NetworkErrorCode>> = {
  EADDRINUSE: 'EADDRINUSE',
  ECONNREFUSED: 'ECONNREFUSED',
  ETIMEDOUT: 'ETIMEDOUT',
  EHOSTUNREACH: 'EHOSTUNREACH',
  ENETUNREACH: 'EHOSTUNREACH',
  ENOTFOUND: 'EHOSTUNREACH',
  EAI_AGAIN: 'EHOSTUNREACH',
  ECONNRESET: 'ECONNRESET',
  EPIPE: 'ECONNRESET',
};

/** Turn a node socket error into a NetworkError when it is one of ours; otherwise keep it. */
export function toNetworkError(error: unknown, what: string): Error {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const mapped = code === undefined ? undefined : MAPPED_CODES[code];
  const message = error instanceof Error ? error.message : String(error);
  if (mapped !== undefined) {
    const result = new NetworkError(mapped, `${what}: ${message}`);
    (result as { cause?: unknown }).cause = error;
    return result;
  }
  return error instanceof Error ? error : new Error(`${what}: ${message}`);
}

class SocketDuplex implements Duplex {
  readonly remote: string;
  private isClosed = false;

  constructor(private readonly socket: net.Socket) {
    this.remote = `${socket.remoteAddress ?? 'unknown'}:${socket.remotePort ?? 0}`;
    // Errors (ECONNRESET, EPIPE) end in 'close'; the listener keeps them from crashing the process.
    socket.on('error', () => undefined);
    socket.once('close', () => {
      this.isClosed = true;
    });
  }

  get closed(): boolean {
    return this.isClosed || this.socket.destroyed;
  }

  write(chunk: Uint8Array): void {
    if (this.closed || !this.socket.writable) return;
    this.socket.write(chunk);
  }

  end(): void {
    if (!this.closed) this.socket.end();
  }

  destroy(): void {
    this.socket.destroy();
  }

  onData(listener: (chunk: Uint8Array) => void): void {
    this.socket.on('data', listener);
  }

  onClose(listener: () => void): void {
    if (this.isClosed) {
      queueMicrotask(listener);
      return;
    }
    this.socket.once('close', listener);
  }
}

export class TcpNetwork implements Network {
  private readonly connectTimeoutMillis: number;
  private readonly keepAliveMillis: number;

  constructor(options: TcpNetworkOptions = {}) {
    this.connectTimeoutMillis = options.connectTimeoutMillis ?? 10_000;
    this.keepAliveMillis = options.keepAliveMillis ?? 120_000;
    if (!(this.connectTimeoutMillis > 0)) throw new RangeError(`connectTimeoutMillis must be positive, got ${this.connectTimeoutMillis}`);
    if (!(this.keepAliveMillis >= 0)) throw new RangeError(`keepAliveMillis must be ≥ 0, got ${this.keepAliveMillis}`);
  }

  private prepare(socket: net.Socket): void {
    socket.setNoDelay(true);
    if (this.keepAliveMillis > 0) socket.setKeepAlive(true, this.keepAliveMillis);
  }

  listen(addr: HostPort, onConnection: (conn: Duplex) => void): Promise<Listener> {
    const sockets = new Set<net.Socket>();
    const server = net.createServer((socket) => {
      this.prepare(socket);
      sockets.add(socket);
      socket.once('close', () => sockets.delete(socket));
      onConnection(new SocketDuplex(socket));
    });
    return new Promise<Listener>((resolve, reject) => {
      const onError = (error: Error): void => {
        server.close();
        reject(toNetworkError(error, `listen ${addr.host}:${addr.port}`));
      };
      server.once('error', onError);
      server.listen({ host: addr.host, port: addr.port, exclusive: true }, () => {
        server.off('error', onError);
        // Accept errors after listening (EMFILE...) must not crash the process; new connections just fail.
        server.on('error', () => undefined);
        const bound = server.address();
        const port = typeof bound === 'object' && bound !== null ? bound.port : addr.port;
        let closing: Promise<void> | undefined;
        resolve({
          address: { host: addr.host, port },
          close: () => {
            closing ??= new Promise<void>((done) => {
              server.close(() => done());
              for (const socket of sockets) socket.destroy();
            });
            return closing;
          },
        });
      });
    });
  }

  connect(_fromHost: string, to: HostPort, options: { timeoutMillis?: number } = {}): Promise<Duplex> {
    const timeoutMillis = options.timeoutMillis ?? this.connectTimeoutMillis;
    return new Promise<Duplex>((resolve, reject) => {
      const socket = net.connect({ host: to.host, port: to.port });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new NetworkError('ETIMEDOUT', `connect ${to.host}:${to.port}: timed out after ${timeoutMillis} ms`));
      }, timeoutMillis);
      socket.once('error', (error) => {
        clearTimeout(timer);
        socket.destroy();
        reject(toNetworkError(error, `connect ${to.host}:${to.port}`));
      });
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.removeAllListeners('error');
        this.prepare(socket);
        resolve(new SocketDuplex(socket));
      });
    });
  }
}
