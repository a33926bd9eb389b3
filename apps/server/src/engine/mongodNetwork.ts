import { NetworkError, TcpNetwork, type Duplex, type HostPort, type Listener, type Network } from '@rslab/sim';
import type { AddressBook } from './mongodAddresses';
import { TranslatingDuplex, WireTranslator, type DefaultInitiate } from './wireTranslation';

export interface MongodNetworkOptions {
  book: AddressBook;
  /** Whether a process of this sandbox runs on the learner's port now. */
  isRunning(learnerPort: number): boolean;
  /** The config a bare `replSetInitiate` sent to `learnerPort` stands for. */
  defaultInitiate(learnerPort: number): Promise<DefaultInitiate | null>;
  onError?: (error: Error) => void;
  connectTimeoutMillis?: number;
}

/**
 * The SOCKS bridge's view of a `mongod`-engine sandbox: `morton.local:27018` (the bridge has already
 * turned `localhost` and `127.0.0.1` into the sandbox's host name) opens a TCP connection to the
 * member's real `127.0.0.1:<port>` and translates names on it (see wireTranslation.ts). Only this
 * sandbox's members are reachable: any other host is unreachable and any other port refused, so a
 * learner's driver can reach neither another sandbox's processes nor the server's own ports.
 */
export class MongodNetwork implements Network {
  private readonly tcp: TcpNetwork;

  constructor(private readonly options: MongodNetworkOptions) {
    this.tcp = new TcpNetwork({ connectTimeoutMillis: options.connectTimeoutMillis ?? 5000 });
  }

  listen(addr: HostPort): Promise<Listener> {
    return Promise.reject(new NetworkError('EADDRINUSE', `listen ${addr.host}:${addr.port}: the mongod engine's network only connects`));
  }

  async connect(fromHost: string, to: HostPort, options?: { timeoutMillis?: number }): Promise<Duplex> {
    const { book } = this.options;
    if (to.host.toLowerCase() !== book.hostname.toLowerCase()) {
      throw new NetworkError('EHOSTUNREACH', `connect ${to.host}:${to.port}: no route to host`);
    }
    // The learner's port first; a real port of this sandbox passes through as itself.
    const learnerPort = book.realPort(to.port) !== undefined ? to.port : book.learnerPort(to.port);
    const realPort = learnerPort === undefined ? undefined : book.realPort(learnerPort);
    if (learnerPort === undefined || realPort === undefined || !this.options.isRunning(learnerPort)) {
      throw new NetworkError('ECONNREFUSED', `connect ${to.host}:${to.port}: Connection refused`);
    }
    const inner = await this.tcp.connect(fromHost, { host: '127.0.0.1', port: realPort }, options);
    const translator = new WireTranslator(book, { defaultInitiate: () => this.options.defaultInitiate(learnerPort) });
    return new TranslatingDuplex(inner, translator, (error) => this.options.onError?.(error));
  }
}
