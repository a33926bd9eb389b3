import type { Document } from 'bson';
import { bsonRoundTrip, bsonRoundTripWithin } from '../base/bsonCopy';
import type { Clock, TimerHandle } from '../clock/clock';
import type { CommandHandler, CommandRequest, ConnectionInfo } from '../commands/handler';
import type { FaultModel } from '../net/faults';
import { NetworkError } from '../net/network';

/**
 * How a member reaches its peers. `request` resolves with the peer's reply document (which may be
 * `ok: 0`) and rejects with a `NetworkError` when the network fails: refused, reset, timed out.
 * `WirePeerTransport` (wire/) does this over a Network; `DirectPeerTransport` does it in memory.
 */
export interface PeerTransport {
  request(fromHost: string, to: string, db: string, cmd: Document, options: { timeoutMillis: number }): Promise<Document>;
}

export interface DirectPeerTransportOptions {
  clock: Clock;
  faults: FaultModel;
  /** Largest command or reply, as on the wire (maxMessageSizeBytes). */
  messageSizeBytesMax?: number;
  /** Requests in flight at once, all members together. */
  inFlightMax?: number;
}

/**
 * A command as a peer receives it. Its AbortSignal (aborted when the request fails: reset, timed
 * out) is made on first read: few commands ever wait on it, and an AbortController per request
 * was a measurable part of a simulation's CPU time. Read after the request failed, it is already
 * aborted, as the eager one would be.
 */
class PeerRequest implements CommandRequest {
  readonly exhaustAllowed = false;
  readonly moreToCome = false;
  private controller: AbortController | undefined;
  private aborted = false;

  constructor(
    readonly db: string,
    readonly body: Document,
    readonly connection: ConnectionInfo,
  ) {}

  get signal(): AbortSignal {
    if (this.controller === undefined) {
      this.controller = new AbortController();
      if (this.aborted) this.controller.abort();
    }
    return this.controller.signal;
  }

  abort(): void {
    this.aborted = true;
    this.controller?.abort();
  }
}

interface InFlight {
  to: string;
  fail(error: NetworkError): void;
}

/**
 * Delivers a BSON round-tripped copy of each command (bsonRoundTrip: the value the bytes would
 * decode to, without making them) straight to the target member's CommandHandler, after the link's delay, under the same fault model as the VirtualNetwork:
 * a dead or refusing target refuses, a cut path (either way) times out, a target killed mid-request
 * resets it.
 */
export class DirectPeerTransport implements PeerTransport {
  private readonly clock: Clock;
  private readonly faults: FaultModel;
  private readonly handlers = new Map<string, CommandHandler>();
  private readonly inFlight = new Set<InFlight>();
  private readonly connectionIds = new Map<string, number>();
  private nextConnectionId = 1;
  private readonly messageSizeBytesMax: number;
  private readonly inFlightMax: number;
  /** Requests delivered so far (for benchmarks). */
  delivered = 0;

  constructor(options: DirectPeerTransportOptions) {
    this.clock = options.clock;
    this.faults = options.faults;
    this.messageSizeBytesMax = options.messageSizeBytesMax ?? 48_000_000;
    this.inFlightMax = options.inFlightMax ?? 100_000;
    this.faults.onChange((change) => {
      if (change.kind !== 'down' || !change.endpoint) return;
      for (const r of [...this.inFlight]) {
        if (this.faults.isDown(r.to)) r.fail(new NetworkError('ECONNRESET', `connection to ${r.to} reset by peer`));
      }
    });
  }

  register(endpoint: string, handler: CommandHandler): void {
    this.handlers.set(endpoint, handler);
  }

  unregister(endpoint: string, handler?: CommandHandler): void {
    if (!handler || this.handlers.get(endpoint) === handler) this.handlers.delete(endpoint);
  }

  get requestsInFlight(): number {
    return this.inFlight.size;
  }

  request(fromHost: string, to: string, db: string, cmd: Document, options: { timeoutMillis: number }): Promise<Document> {
    return new Promise<Document>((resolve, reject) => {
      if (this.inFlight.size >= this.inFlightMax) {
        reject(new NetworkError('ECONNREFUSED', `too many requests in flight (${this.inFlightMax})`));
        return;
      }
      // What the peer decodes, taken now as the bytes would be, unless the command's size on the
      // wire (serialize's length: both default to ignoreUndefined) is over the limit.
      const body = bsonRoundTripWithin(cmd, this.messageSizeBytesMax);
      if (typeof body === 'number') {
        reject(new RangeError(`command of ${body} bytes exceeds ${this.messageSizeBytesMax}`));
        return;
      }
      let request: PeerRequest | undefined; // once delivered
      const entry: InFlight = {
        to,
        fail: (error) => {
          if (!this.inFlight.delete(entry)) return;
          timer.cancel();
          request?.abort();
          reject(error);
        },
      };
      const succeed = (reply: Document): void => {
        if (!this.inFlight.delete(entry)) return;
        timer.cancel();
        resolve(reply);
      };
      this.inFlight.add(entry);
      const timer: TimerHandle = this.clock.setTimer(Math.max(1, options.timeoutMillis), () => {
        entry.fail(new NetworkError('ETIMEDOUT', `request to ${to} timed out after ${options.timeoutMillis} ms`));
      });
      if (!this.faults.canSend(fromHost, to)) return; // lost on the way: the timeout answers
      const delay = this.faults.delayMillis(fromHost, to);
      this.clock.setTimer(delay, () => {
        if (!this.inFlight.has(entry)) return;
        const handler = this.handlers.get(to);
        if (!handler || this.faults.isDown(to) || this.faults.isRefusing(to)) {
          entry.fail(new NetworkError('ECONNREFUSED', `connect ECONNREFUSED ${to}`));
          return;
        }
        if (!this.faults.canSend(fromHost, to)) return;
        this.delivered++;
        const key = `${fromHost}\u0000${to}`;
        let connectionId = this.connectionIds.get(key);
        if (connectionId === undefined) {
          connectionId = this.nextConnectionId++;
          this.connectionIds.set(key, connectionId);
        }
        request = new PeerRequest(db, body, { id: connectionId, remote: fromHost });
        handler
          .run(request)
          .then(
            (reply) => {
              if (!this.inFlight.has(entry)) return;
              const replyCopy = bsonRoundTrip(reply);
              this.clock.setTimer(this.faults.delayMillis(to, fromHost), () => {
                if (!this.inFlight.has(entry)) return;
                if (!this.faults.canSend(to, fromHost) || this.faults.isDown(fromHost)) return; // reply lost
                succeed(replyCopy);
              });
            },
            (error: unknown) => {
              // A CommandHandler must not reject; treat it as a reset connection and say why.
              entry.fail(new NetworkError('ECONNRESET', `handler for ${to} failed: ${error instanceof Error ? error.message : String(error)}`));
            },
          );
      });
    });
  }
}
