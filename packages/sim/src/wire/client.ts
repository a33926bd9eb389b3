import type { Document } from 'bson';
import type { Clock, TimerHandle } from '../clock/clock';
import type { Duplex, HostPort, Network } from '../net/network';
import { NetworkError, formatHostPort } from '../net/network';
import { MalformedMessageError, MessageFramer, decodeMessage, encodeOpMsg } from './codec';
import { DEFAULT_MESSAGE_SIZE_BYTES_MAX, OpMsgFlags } from './constants';

/**
 * The client side of the wire protocol, for member-to-member traffic (heartbeats, votes, oplog
 * fetching). One `WireClient` is one connection; `WirePeerTransport` keeps a small pool per target.
 */

export interface WireClientOptions {
  clock: Clock;
  messageSizeBytesMax?: number;
  /** Commands waiting for a reply on one connection at once (they are pipelined in order). */
  inFlightMax?: number;
}

export interface CommandOptions {
  /** Reject with NetworkError('ETIMEDOUT') and close the connection when no reply comes in time. */
  timeoutMillis?: number;
  /** Send with `moreToCome` (fire-and-forget): resolves with `{ok: 1}` once written. */
  moreToCome?: boolean;
}

interface Pending {
  resolve(reply: Document): void;
  reject(error: Error): void;
  timer: TimerHandle | undefined;
}

/** One connection that sends OP_MSG commands and matches each reply to its request by `responseTo`. */
export class WireClient {
  private readonly framer: MessageFramer;
  private readonly pending = new Map<number, Pending>();
  private requestIdCounter = 0;
  private closedError: Error | undefined;
  private readonly inFlightMax: number;
  private readonly closeListeners: (() => void)[] = [];

  constructor(
    private readonly duplex: Duplex,
    private readonly options: WireClientOptions,
  ) {
    this.framer = new MessageFramer({ messageSizeBytesMax: options.messageSizeBytesMax ?? DEFAULT_MESSAGE_SIZE_BYTES_MAX });
    this.inFlightMax = options.inFlightMax ?? 100;
    if (!Number.isInteger(this.inFlightMax) || this.inFlightMax <= 0) throw new RangeError(`inFlightMax must be a positive integer, got ${this.inFlightMax}`);
    duplex.onData((chunk) => this.onData(chunk));
    duplex.onClose(() => this.fail(new NetworkError('ECONNRESET', `connection to ${duplex.remote} closed`)));
    if (duplex.closed) this.fail(new NetworkError('ECONNRESET', `connection to ${duplex.remote} closed`));
  }

  get remote(): string {
    return this.duplex.remote;
  }

  get closed(): boolean {
    return this.closedError !== undefined;
  }

  get inFlight(): number {
    return this.pending.size;
  }

  onClose(listener: () => void): void {
    if (this.closed) listener();
    else this.closeListeners.push(listener);
  }

  /** Run `cmd` against database `db`. Resolves with the reply document (ok: 0 replies included). */
  command(db: string, cmd: Document, options: CommandOptions = {}): Promise<Document> {
    if (this.closedError !== undefined) return Promise.reject(this.closedError);
    if (this.pending.size >= this.inFlightMax) {
      return Promise.reject(new RangeError(`WireClient: more than ${this.inFlightMax} commands in flight to ${this.duplex.remote}`));
    }
    this.requestIdCounter = this.requestIdCounter >= 0x7fffffff ? 1 : this.requestIdCounter + 1;
    const requestId = this.requestIdCounter;
    const moreToCome = options.moreToCome === true;
    let bytes: Uint8Array;
    try {
      bytes = encodeOpMsg({ requestId, flags: moreToCome ? OpMsgFlags.moreToCome : 0, body: { ...cmd, $db: db } });
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
    if (moreToCome) {
      this.duplex.write(bytes);
      return Promise.resolve({ ok: 1 });
    }
    return new Promise<Document>((resolve, reject) => {
      const entry: Pending = { resolve, reject, timer: undefined };
      if (options.timeoutMillis !== undefined) {
        const timeoutMillis = options.timeoutMillis;
        if (!(timeoutMillis >= 0)) throw new RangeError(`timeoutMillis must be ≥ 0, got ${timeoutMillis}`);
        entry.timer = this.options.clock.setTimer(timeoutMillis, () => {
          // The reply may still come; the connection's state is unknown, so it goes (as drivers do).
          this.fail(new NetworkError('ETIMEDOUT', `no reply from ${this.duplex.remote} to '${firstKeyOf(cmd)}' within ${timeoutMillis} ms`));
        });
      }
      this.pending.set(requestId, entry);
      this.duplex.write(bytes);
    });
  }

  close(): void {
    this.fail(new NetworkError('ECONNRESET', `connection to ${this.duplex.remote} closed by us`));
  }

  private onData(chunk: Uint8Array): void {
    if (this.closedError !== undefined) return;
    try {
      for (const bytes of this.framer.push(chunk)) {
        const message = decodeMessage(bytes, { messageSizeBytesMax: this.framer.messageSizeBytesMax });
        let reply: Document;
        if (message.type === 'OP_MSG') {
          if (message.bodies.length !== 1 || message.sequences.length !== 0) throw new MalformedMessageError('reply must have exactly one body section');
          if (message.flags & OpMsgFlags.moreToCome) throw new MalformedMessageError('streamed (moreToCome) replies are not expected');
          reply = message.bodies[0] as Document;
        } else if (message.type === 'OP_REPLY') {
          if (message.documents.length !== 1) throw new MalformedMessageError(`OP_REPLY with ${message.documents.length} documents`);
          reply = message.documents[0] as Document;
        } else {
          throw new MalformedMessageError(`unexpected ${message.type} message from server`);
        }
        const entry = this.pending.get(message.header.responseTo);
        if (entry === undefined) throw new MalformedMessageError(`reply to unknown request ${message.header.responseTo}`);
        this.pending.delete(message.header.responseTo);
        entry.timer?.cancel();
        entry.resolve(reply);
      }
    } catch (error) {
      this.fail(new NetworkError('ECONNRESET', `bad reply from ${this.duplex.remote}: ${error instanceof Error ? error.message : String(error)}`));
    }
  }

  private fail(error: Error): void {
    if (this.closedError !== undefined) return;
    this.closedError = error;
    if (!this.duplex.closed) this.duplex.destroy();
    const pending = [...this.pending.values()];
    this.pending.clear();
    for (const entry of pending) {
      entry.timer?.cancel();
      entry.reject(error);
    }
    for (const listener of this.closeListeners.splice(0)) listener();
  }
}

function firstKeyOf(doc: Document): string {
  for (const key in doc) return key;
  return '';
}

/** `host:port` or `[v6]:port` → HostPort; throws RangeError on anything else. */
export function parsePeerAddress(text: string): HostPort {
  const colon = text.lastIndexOf(':');
  const port = Number(text.slice(colon + 1));
  const host = text.slice(0, colon).replace(/^\[|\]$/g, '');
  if (colon <= 0 || host.length === 0 || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new RangeError(`bad peer address '${text}': expected host:port`);
  }
  return { host, port };
}

/** How a member sends a command to another member. */
export interface PeerRequestOptions {
  timeoutMillis?: number;
}

export interface WirePeerTransportOptions {
  network: Network;
  clock: Clock;
  /** Connections kept per (from, to) pair; more requests wait for one to come free. */
  connectionsPerTargetMax?: number;
  /** Idle connections kept per pair. */
  idleConnectionsPerTargetMax?: number;
  /** Requests waiting for a connection per pair before new ones are refused. */
  waitQueueMax?: number;
  /** Connect timeout when the request gives none. */
  connectTimeoutMillis?: number;
  messageSizeBytesMax?: number;
}

interface Waiter {
  resolve(client: WireClient): void;
  reject(error: Error): void;
  /** Open a connection for this waiter when a slot comes free. */
  open(): Promise<WireClient>;
}

interface Pool {
  idle: WireClient[];
  /** Connections open or being opened for this pair. */
  total: number;
  waiters: Waiter[];
}

/**
 * `request(fromHost, to, db, cmd, {timeoutMillis})` over the wire protocol, with a small pool of
 * connections per target. A request uses a connection alone (so a long awaitData `getMore` never
 * holds up a heartbeat); on any network error or timeout that connection is dropped.
 */
export class WirePeerTransport {
  private readonly pools = new Map<string, Pool>();
  private readonly connectionsPerTargetMax: number;
  private readonly idleConnectionsPerTargetMax: number;
  private readonly waitQueueMax: number;
  private readonly connectTimeoutMillis: number;
  private closed = false;

  constructor(private readonly options: WirePeerTransportOptions) {
    this.connectionsPerTargetMax = options.connectionsPerTargetMax ?? 8;
    this.idleConnectionsPerTargetMax = options.idleConnectionsPerTargetMax ?? 4;
    this.waitQueueMax = options.waitQueueMax ?? 100;
    this.connectTimeoutMillis = options.connectTimeoutMillis ?? 10_000;
    for (const [name, value] of Object.entries({
      connectionsPerTargetMax: this.connectionsPerTargetMax,
      idleConnectionsPerTargetMax: this.idleConnectionsPerTargetMax,
      waitQueueMax: this.waitQueueMax,
      connectTimeoutMillis: this.connectTimeoutMillis,
    })) {
      if (!Number.isInteger(value) || value < 0) throw new RangeError(`WirePeerTransport: ${name} must be a non-negative integer, got ${value}`);
    }
    if (this.connectionsPerTargetMax < 1) throw new RangeError('WirePeerTransport: connectionsPerTargetMax must be ≥ 1');
  }

  /** Implements the member's `PeerTransport`: `to` is `host:port` (or a HostPort). */
  async request(fromHost: string, target: string | HostPort, db: string, cmd: Document, options: PeerRequestOptions = {}): Promise<Document> {
    if (this.closed) throw new NetworkError('ECONNREFUSED', 'peer transport is closed');
    const to = typeof target === 'string' ? parsePeerAddress(target) : target;
    const startedMillis = this.options.clock.now();
    const pool = this.pool(`${fromHost}->${formatHostPort(to)}`);
    const client = await this.acquire(pool, fromHost, to, options.timeoutMillis);
    const elapsedMillis = this.options.clock.now() - startedMillis;
    const remainingMillis = options.timeoutMillis === undefined ? undefined : Math.max(0, options.timeoutMillis - elapsedMillis);
    try {
      const reply = await client.command(db, cmd, remainingMillis === undefined ? {} : { timeoutMillis: remainingMillis });
      this.release(pool, client);
      return reply;
    } catch (error) {
      client.close();
      this.release(pool, client);
      throw error;
    }
  }

  /** Connections open (or opening) now, over all targets. */
  get connectionCount(): number {
    let total = 0;
    for (const pool of this.pools.values()) total += pool.total;
    return total;
  }

  /** Close idle connections, fail waiting requests and refuse new ones; busy connections close when their request ends. */
  close(): void {
    this.closed = true;
    for (const pool of this.pools.values()) {
      for (const client of pool.idle.splice(0)) {
        client.close();
        pool.total--;
      }
      for (const waiter of pool.waiters.splice(0)) waiter.reject(new NetworkError('ECONNREFUSED', 'peer transport is closed'));
    }
  }

  private pool(key: string): Pool {
    let pool = this.pools.get(key);
    if (pool === undefined) {
      pool = { idle: [], total: 0, waiters: [] };
      this.pools.set(key, pool);
    }
    return pool;
  }

  private async open(fromHost: string, to: HostPort, timeoutMillis: number | undefined): Promise<WireClient> {
    const duplex = await this.options.network.connect(fromHost, to, {
      timeoutMillis: Math.min(timeoutMillis ?? this.connectTimeoutMillis, this.connectTimeoutMillis),
    });
    return new WireClient(duplex, {
      clock: this.options.clock,
      ...(this.options.messageSizeBytesMax === undefined ? {} : { messageSizeBytesMax: this.options.messageSizeBytesMax }),
    });
  }

  private async acquire(pool: Pool, fromHost: string, to: HostPort, timeoutMillis: number | undefined): Promise<WireClient> {
    while (pool.idle.length > 0) {
      const client = pool.idle.pop() as WireClient;
      if (!client.closed) return client;
      pool.total--;
    }
    if (pool.total < this.connectionsPerTargetMax) {
      pool.total++;
      try {
        return await this.open(fromHost, to, timeoutMillis);
      } catch (error) {
        pool.total--;
        this.slotFreed(pool);
        throw error;
      }
    }
    if (pool.waiters.length >= this.waitQueueMax) {
      throw new NetworkError('ETIMEDOUT', `too many requests waiting for a connection to ${formatHostPort(to)}`);
    }
    return new Promise<WireClient>((resolve, reject) => {
      let timer: TimerHandle | undefined;
      let settled = false;
      const waiter: Waiter = {
        resolve: (client) => {
          if (settled) {
            this.release(pool, client);
            return;
          }
          settled = true;
          timer?.cancel();
          resolve(client);
        },
        reject: (error) => {
          if (settled) return;
          settled = true;
          timer?.cancel();
          reject(error);
        },
        open: () => this.open(fromHost, to, timeoutMillis),
      };
      if (timeoutMillis !== undefined) {
        timer = this.options.clock.setTimer(timeoutMillis, () => {
          const index = pool.waiters.indexOf(waiter);
          if (index >= 0) pool.waiters.splice(index, 1);
          waiter.reject(new NetworkError('ETIMEDOUT', `timed out after ${timeoutMillis} ms waiting for a connection to ${formatHostPort(to)}`));
        });
      }
      pool.waiters.push(waiter);
    });
  }

  private release(pool: Pool, client: WireClient): void {
    if (!client.closed && !this.closed) {
      const waiter = pool.waiters.shift();
      if (waiter !== undefined) {
        waiter.resolve(client);
        return;
      }
      if (pool.idle.length < this.idleConnectionsPerTargetMax) {
        pool.idle.push(client);
        return;
      }
    }
    client.close();
    pool.total--;
    this.slotFreed(pool);
  }

  /** A connection slot came free: open a connection for the first waiter, if any. */
  private slotFreed(pool: Pool): void {
    if (this.closed) return;
    const waiter = pool.waiters.shift();
    if (waiter === undefined) return;
    pool.total++;
    waiter.open().then(
      (client) => waiter.resolve(client),
      (error: unknown) => {
        pool.total--;
        waiter.reject(error instanceof Error ? error : new Error(String(error)));
        this.slotFreed(pool);
      },
    );
  }
}
