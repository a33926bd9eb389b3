import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { NetworkError, type Duplex, type Network } from '@rslab/sim';

/**
 * A SOCKS5 proxy on loopback that lets the official driver reach a sandbox's virtual hosts.
 * The driver sends host names unresolved (`morton.local:27018`); the proxy credentials name the
 * sandbox, and the connection is opened on that sandbox's own network, so one learner's driver
 * can never reach another learner's members.
 */

/** Where a set of proxy credentials leads: a network and the host the connection comes from. */
export interface SocksRoute {
  network: Network;
  fromHost: string;
}

export interface SocksBridgeOptions {
  /** Look up the route for a username/password pair; null refuses the login. */
  authenticate(username: string, password: string): SocksRoute | null;
  handshakeTimeoutMillis?: number;
  connectionsMax?: number;
  onError?: (error: Error) => void;
}

/** SOCKS5 reply codes (RFC 1928, section 6). */
const reply = {
  succeeded: 0x00,
  generalFailure: 0x01,
  hostUnreachable: 0x04,
  connectionRefused: 0x05,
  ttlExpired: 0x06,
  commandNotSupported: 0x07,
  addressTypeNotSupported: 0x08,
} as const;

const methodUserPassword = 0x02;
const methodNoneAcceptable = 0xff;

export class SocksBridge {
  private server: Server | null = null;
  private readonly sockets = new Set<Socket>();
  private readonly handshakeTimeoutMillis: number;
  private readonly connectionsMax: number;

  constructor(private readonly options: SocksBridgeOptions) {
    this.handshakeTimeoutMillis = options.handshakeTimeoutMillis ?? 5000;
    this.connectionsMax = options.connectionsMax ?? 10_000;
  }

  get connectionCount(): number {
    return this.sockets.size;
  }

  async listen(port = 0): Promise<AddressInfo> {
    const server = createServer((socket) => this.accept(socket));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: '127.0.0.1', port }, () => resolve());
    });
    return server.address() as AddressInfo;
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    const server = this.server;
    this.server = null;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private accept(socket: Socket): void {
    if (this.sockets.size >= this.connectionsMax) {
      socket.destroy();
      return;
    }
    this.sockets.add(socket);
    socket.setNoDelay(true);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    const timer = setTimeout(() => socket.destroy(), this.handshakeTimeoutMillis);
    new Handshake(socket, this.options, () => clearTimeout(timer)).start();
  }
}

/** Reads the three SOCKS5 exchanges (greeting, login, CONNECT) from a byte stream, then pipes. */
class Handshake {
  private buffered = Buffer.alloc(0);
  private stage: 'greeting' | 'login' | 'request' | 'connecting' | 'piping' = 'greeting';
  private route: SocksRoute | null = null;
  private readonly onData = (chunk: Buffer) => this.receive(chunk);

  constructor(
    private readonly socket: Socket,
    private readonly options: SocksBridgeOptions,
    private readonly done: () => void,
  ) {}

  start(): void {
    this.socket.on('data', this.onData);
  }

  private receive(chunk: Buffer): void {
    this.buffered = Buffer.concat([this.buffered, chunk]);
    if (this.buffered.length > 1024) {
      this.fail(); // no legitimate handshake is this long
      return;
    }
    for (;;) {
      const consumed = this.step();
      if (consumed === 0) return;
      this.buffered = this.buffered.subarray(consumed);
    }
  }

  /** Handle one complete exchange from the buffer; returns the bytes used, 0 if more are needed. */
  private step(): number {
    const b = this.buffered;
    switch (this.stage) {
      case 'greeting': {
        if (b.length < 2) return 0;
        if (b[0] !== 0x05) return this.fail();
        const count = b[1] as number;
        if (b.length < 2 + count) return 0;
        const methods = b.subarray(2, 2 + count);
        if (!methods.includes(methodUserPassword)) {
          this.socket.end(Buffer.from([0x05, methodNoneAcceptable]));
          return this.fail(false);
        }
        this.socket.write(Buffer.from([0x05, methodUserPassword]));
        this.stage = 'login';
        return 2 + count;
      }
      case 'login': {
        if (b.length < 2) return 0;
        if (b[0] !== 0x01) return this.fail();
        const userLength = b[1] as number;
        if (b.length < 3 + userLength) return 0;
        const passwordLength = b[2 + userLength] as number;
        const total = 3 + userLength + passwordLength;
        if (b.length < total) return 0;
        const username = b.subarray(2, 2 + userLength).toString('utf8');
        const password = b.subarray(3 + userLength, total).toString('utf8');
        this.route = this.options.authenticate(username, password);
        if (!this.route) {
          this.socket.end(Buffer.from([0x01, 0x01]));
          return this.fail(false);
        }
        this.socket.write(Buffer.from([0x01, 0x00]));
        this.stage = 'request';
        return total;
      }
      case 'request': {
        if (b.length < 5) return 0;
        if (b[0] !== 0x05) return this.fail();
        const addressType = b[3];
        let host: string;
        let offset: number;
        if (addressType === 0x01) {
          if (b.length < 10) return 0;
          host = [...b.subarray(4, 8)].join('.');
          offset = 8;
        } else if (addressType === 0x03) {
          const length = b[4] as number;
          if (b.length < 5 + length + 2) return 0;
          host = b.subarray(5, 5 + length).toString('utf8').toLowerCase();
          offset = 5 + length;
        } else if (addressType === 0x04) {
          if (b.length < 22) return 0;
          host = (b.subarray(4, 20).toString('hex').match(/.{4}/g) ?? []).join(':');
          offset = 20;
        } else {
          this.refuse(reply.addressTypeNotSupported);
          return 0;
        }
        const port = b.readUInt16BE(offset);
        if (b[1] !== 0x01) {
          this.refuse(reply.commandNotSupported);
          return 0;
        }
        this.stage = 'connecting';
        this.connect(host, port).catch((error: unknown) => {
          this.options.onError?.(error instanceof Error ? error : new Error(String(error)));
          this.refuse(reply.generalFailure);
        });
        return offset + 2;
      }
      default:
        return 0;
    }
  }

  private async connect(host: string, port: number): Promise<void> {
    const route = this.route as SocksRoute;
    let stream: Duplex;
    try {
      stream = await route.network.connect(route.fromHost, { host, port });
    } catch (error) {
      if (error instanceof NetworkError) {
        const code =
          error.code === 'ECONNREFUSED'
            ? reply.connectionRefused
            : error.code === 'ETIMEDOUT'
              ? reply.ttlExpired
              : error.code === 'EHOSTUNREACH'
                ? reply.hostUnreachable
                : reply.generalFailure;
        this.refuse(code);
        return;
      }
      this.options.onError?.(error instanceof Error ? error : new Error(String(error)));
      this.refuse(reply.generalFailure);
      return;
    }
    if (this.socket.destroyed) {
      stream.destroy();
      return;
    }
    this.done();
    this.stage = 'piping';
    this.socket.off('data', this.onData);
    this.socket.write(Buffer.from([0x05, reply.succeeded, 0x00, 0x01, 0, 0, 0, 0, 0, 0]));
    const early = this.buffered;
    this.buffered = Buffer.alloc(0);
    if (early.length > 0) stream.write(new Uint8Array(early));
    this.socket.on('data', (chunk: Buffer) => stream.write(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength)));
    this.socket.on('close', () => stream.destroy());
    stream.onData((chunk) => {
      if (!this.socket.destroyed) this.socket.write(chunk);
    });
    stream.onClose(() => this.socket.end());
  }

  private refuse(code: number): void {
    this.socket.end(Buffer.from([0x05, code, 0x00, 0x01, 0, 0, 0, 0, 0, 0]));
    this.fail(false);
  }

  private fail(destroy = true): number {
    this.done();
    this.socket.off('data', this.onData);
    if (destroy) this.socket.destroy();
    return 0;
  }
}
