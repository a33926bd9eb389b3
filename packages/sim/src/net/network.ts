/**
 * The only door between a simulated member and the outside. `TcpNetwork` adapts real sockets;
 * `VirtualNetwork` connects in-memory streams and injects faults. Nothing else in the package
 * may import `node:net`.
 */

export interface HostPort {
  /** Host name exactly as clients dial it (`morton.local`, `127.0.0.1`). */
  readonly host: string;
  readonly port: number;
}

export function formatHostPort(addr: HostPort): string {
  return `${addr.host}:${addr.port}`;
}

/** A reliable, ordered byte stream between two endpoints, like a TCP connection. */
export interface Duplex {
  /** `host:port` (or a description) of the other end, for logs. */
  readonly remote: string;
  /** Queue bytes for the peer. Writing to a closed stream is ignored. */
  write(chunk: Uint8Array): void;
  /** Half-close politely: the peer sees 'close' after it has read what was written. */
  end(): void;
  /** Tear the stream down at once, as a reset would. */
  destroy(): void;
  readonly closed: boolean;
  onData(listener: (chunk: Uint8Array) => void): void;
  onClose(listener: () => void): void;
}

export interface Listener {
  readonly address: HostPort;
  close(): Promise<void>;
}

/** Network failures carry the errno-style code a socket would give. */
export class NetworkError extends Error {
  override readonly name = 'NetworkError';
  constructor(
    readonly code: 'EADDRINUSE' | 'ECONNREFUSED' | 'ETIMEDOUT' | 'EHOSTUNREACH' | 'ECONNRESET',
    message: string,
  ) {
    super(message);
  }
}

export interface Network {
  /** Accept connections on `addr`; rejects with `NetworkError('EADDRINUSE')` when taken. */
  listen(addr: HostPort, onConnection: (conn: Duplex) => void): Promise<Listener>;
  /**
   * Open a stream from the host `fromHost` to `to`. Rejects with `ECONNREFUSED` when nothing
   * listens and `ETIMEDOUT`/`EHOSTUNREACH` when the path is cut.
   */
  connect(fromHost: string, to: HostPort, options?: { timeoutMillis?: number }): Promise<Duplex>;
}
