import type { Clock, TimerHandle } from '../clock/clock';
import { FaultModel } from './faults';
import type { Duplex, HostPort, Listener, Network } from './network';
import { NetworkError, formatHostPort } from './network';

export interface VirtualNetworkOptions {
  clock: Clock;
  /** Delay of every link unless set per link. */
  defaultDelayMillis?: number;
  /** How long a connect over a cut link waits before ETIMEDOUT, unless the caller says. */
  connectTimeoutMillis?: number;
  /** Largest chunk a stream accepts in one write. */
  chunkSizeBytesMax?: number;
  /** Open streams allowed at once, all hosts together. */
  streamsMax?: number;
}

interface ListenerEntry {
  readonly address: HostPort;
  readonly endpoint: string;
  readonly onConnection: (conn: Duplex) => void;
  closed: boolean;
}

type Item = { kind: 'data'; chunk: Uint8Array } | { kind: 'end' };

/** One side of an in-memory connection. */
class VirtualStream implements Duplex {
  peer!: VirtualStream;
  private readonly dataListeners: Array<(chunk: Uint8Array) => void> = [];
  private readonly closeListeners: Array<() => void> = [];
  private closedFlag = false;
  private ended = false;
  /** Items written by this side, not yet delivered to the peer. */
  readonly outbox: Item[] = [];
  private pumpTimer: TimerHandle | undefined;
  private pumpScheduled = false;

  constructor(
    private readonly net: VirtualNetwork,
    readonly local: string,
    readonly remote: string,
  ) {}

  get closed(): boolean {
    return this.closedFlag;
  }

  write(chunk: Uint8Array): void {
    if (this.closedFlag || this.ended) return;
    if (chunk.byteLength > this.net.chunkSizeBytesMax) {
      throw new RangeError(`VirtualStream.write: chunk of ${chunk.byteLength} bytes exceeds ${this.net.chunkSizeBytesMax}`);
    }
    this.outbox.push({ kind: 'data', chunk: chunk.slice() });
    this.schedulePump();
  }

  end(): void {
    if (this.closedFlag || this.ended) return;
    this.ended = true;
    this.outbox.push({ kind: 'end' });
    this.schedulePump();
  }

  destroy(): void {
    if (this.closedFlag) return;
    this.closeNow();
    this.peer.closeNow();
  }

  onData(listener: (chunk: Uint8Array) => void): void {
    this.dataListeners.push(listener);
  }

  onClose(listener: () => void): void {
    this.closeListeners.push(listener);
  }

  closeNow(): void {
    if (this.closedFlag) return;
    this.closedFlag = true;
    this.pumpTimer?.cancel();
    this.pumpTimer = undefined;
    this.outbox.length = 0;
    this.net.forget(this);
    for (const listener of this.closeListeners) listener();
  }

  schedulePump(): void {
    if (this.pumpScheduled || this.closedFlag || this.outbox.length === 0) return;
    this.pumpScheduled = true;
    const delay = this.net.faults.delayMillis(this.local, this.remote);
    if (delay === 0) {
      queueMicrotask(() => this.pump());
    } else {
      this.pumpTimer = this.net.clock.setTimer(delay, () => this.pump());
    }
  }

  private pump(): void {
    this.pumpScheduled = false;
    this.pumpTimer = undefined;
    if (this.closedFlag) return;
    // A cut link stalls the stream (TCP keeps retransmitting); healing re-pumps it.
    if (!this.net.faults.canSend(this.local, this.remote)) return;
    const items = this.outbox.splice(0, this.outbox.length);
    for (const item of items) {
      if (this.peer.closedFlag) return;
      if (item.kind === 'end') {
        this.destroy();
        return;
      }
      for (const listener of this.peer.dataListeners) listener(item.chunk);
    }
  }
}

/**
 * In-memory Network: listen/connect by `host:port`, byte streams delivered after the link's
 * delay on the injected clock, and the faults of a FaultModel (`faults`).
 */
export class VirtualNetwork implements Network {
  readonly clock: Clock;
  readonly faults: FaultModel;
  readonly chunkSizeBytesMax: number;
  private readonly connectTimeoutMillis: number;
  private readonly streamsMax: number;
  private readonly listeners = new Map<string, ListenerEntry>();
  private readonly streams = new Set<VirtualStream>();

  constructor(options: VirtualNetworkOptions) {
    this.clock = options.clock;
    this.faults = new FaultModel(options.defaultDelayMillis ?? 0);
    this.connectTimeoutMillis = options.connectTimeoutMillis ?? 30_000;
    this.chunkSizeBytesMax = options.chunkSizeBytesMax ?? 64 * 1024 * 1024;
    this.streamsMax = options.streamsMax ?? 100_000;
    this.faults.onChange((change) => {
      if (change.kind === 'down' && change.endpoint) this.resetEndpoint(change.endpoint);
      if (change.kind === 'links') for (const stream of this.streams) stream.schedulePump();
    });
  }

  /** Streams currently open (both sides counted). */
  get openStreams(): number {
    return this.streams.size;
  }

  listen(addr: HostPort, onConnection: (conn: Duplex) => void): Promise<Listener> {
    const endpoint = formatHostPort(addr);
    if (this.listeners.has(endpoint)) {
      return Promise.reject(new NetworkError('EADDRINUSE', `listen EADDRINUSE: address already in use ${endpoint}`));
    }
    const entry: ListenerEntry = { address: { host: addr.host, port: addr.port }, endpoint, onConnection, closed: false };
    this.listeners.set(endpoint, entry);
    const listener: Listener = {
      address: entry.address,
      close: () => {
        entry.closed = true;
        if (this.listeners.get(endpoint) === entry) this.listeners.delete(endpoint);
        return Promise.resolve();
      },
    };
    return Promise.resolve(listener);
  }

  isListening(addr: HostPort): boolean {
    return this.listeners.has(formatHostPort(addr));
  }

  connect(fromHost: string, to: HostPort, options: { timeoutMillis?: number } = {}): Promise<Duplex> {
    const endpoint = formatHostPort(to);
    const timeoutMillis = options.timeoutMillis ?? this.connectTimeoutMillis;
    return new Promise<Duplex>((resolve, reject) => {
      if (!this.faults.canSend(fromHost, endpoint) || !this.faults.canSend(endpoint, fromHost)) {
        this.clock.setTimer(timeoutMillis, () => reject(new NetworkError('ETIMEDOUT', `connect ETIMEDOUT ${endpoint}`)));
        return;
      }
      const delay = this.faults.delayMillis(fromHost, endpoint) + this.faults.delayMillis(endpoint, fromHost);
      const finish = (): void => {
        const entry = this.listeners.get(endpoint);
        if (!entry || entry.closed || this.faults.isDown(endpoint) || this.faults.isRefusing(endpoint)) {
          reject(new NetworkError('ECONNREFUSED', `connect ECONNREFUSED ${endpoint}`));
          return;
        }
        if (this.streams.size + 2 > this.streamsMax) {
          reject(new NetworkError('ECONNREFUSED', `connect ECONNREFUSED ${endpoint} (virtual network: ${this.streamsMax} streams open)`));
          return;
        }
        const client = new VirtualStream(this, fromHost, endpoint);
        const server = new VirtualStream(this, endpoint, fromHost);
        client.peer = server;
        server.peer = client;
        this.streams.add(client);
        this.streams.add(server);
        entry.onConnection(server);
        resolve(client);
      };
      if (delay === 0) queueMicrotask(finish);
      else this.clock.setTimer(delay, finish);
    });
  }

  /** Kill an endpoint (`host:port`, or a bare host for all its ports): listeners gone, streams reset. */
  kill(endpoint: string): void {
    this.faults.kill(endpoint);
  }

  restart(endpoint: string): void {
    this.faults.restart(endpoint);
  }

  /** @internal */
  forget(stream: VirtualStream): void {
    this.streams.delete(stream);
  }

  private resetEndpoint(endpoint: string): void {
    for (const [key, entry] of this.listeners) {
      if (this.faults.isDown(key)) {
        entry.closed = true;
        this.listeners.delete(key);
      }
    }
    for (const stream of [...this.streams]) {
      if (this.faults.isDown(stream.local) || this.faults.isDown(stream.remote)) stream.destroy();
    }
    void endpoint;
  }
}
