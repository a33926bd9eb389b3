/**
 * The fault model shared by the VirtualNetwork's byte streams and the harness's
 * DirectPeerTransport. Endpoints are strings: a member is `host:port`, a client may be a bare host
 * name. A fault on a bare host name covers every `host:port` on it.
 */

export interface FaultSnapshot {
  down: string[];
  refusing: string[];
  /** Directed cuts `from -> to`. */
  cuts: Array<{ from: string; to: string }>;
  partitions: string[][];
  delays: Array<{ from: string; to: string; delayMillis: number }>;
  defaultDelayMillis: number;
}

export type FaultListener = (change: { kind: 'down' | 'up' | 'links'; endpoint?: string }) => void;

export const LINK_DELAY_MILLIS_MAX = 60_000;

function hostOf(endpoint: string): string {
  const colon = endpoint.lastIndexOf(':');
  return colon < 0 ? endpoint : endpoint.slice(0, colon);
}

function key(from: string, to: string): string {
  return `${from}\u0000${to}`;
}

export class FaultModel {
  private readonly down = new Set<string>();
  private readonly refusing = new Set<string>();
  private readonly cuts = new Set<string>();
  private partitionGroups: string[][] = [];
  private readonly groupOf = new Map<string, number>();
  private readonly delays = new Map<string, number>();
  private readonly listeners = new Set<FaultListener>();
  defaultDelayMillis: number;

  constructor(defaultDelayMillis = 0) {
    FaultModel.checkDelay(defaultDelayMillis);
    this.defaultDelayMillis = defaultDelayMillis;
  }

  private static checkDelay(delayMillis: number): void {
    if (!(delayMillis >= 0 && delayMillis <= LINK_DELAY_MILLIS_MAX)) {
      throw new RangeError(`link delay must be in [0, ${LINK_DELAY_MILLIS_MAX}] ms, got ${delayMillis}`);
    }
  }

  onChange(listener: FaultListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private notify(change: Parameters<FaultListener>[0]): void {
    for (const listener of [...this.listeners]) listener(change);
  }

  /** The endpoint (or every port of a bare host) is dead: connects refused, streams reset. */
  kill(endpoint: string): void {
    this.down.add(endpoint);
    this.notify({ kind: 'down', endpoint });
  }

  restart(endpoint: string): void {
    this.down.delete(endpoint);
    this.notify({ kind: 'up', endpoint });
  }

  isDown(endpoint: string): boolean {
    return this.down.has(endpoint) || this.down.has(hostOf(endpoint));
  }

  /** New connections to the endpoint are refused (it keeps running and keeps its streams). */
  setRefusing(endpoint: string, refusing: boolean): void {
    if (refusing) this.refusing.add(endpoint);
    else this.refusing.delete(endpoint);
    this.notify({ kind: 'links' });
  }

  isRefusing(endpoint: string): boolean {
    return this.refusing.has(endpoint) || this.refusing.has(hostOf(endpoint));
  }

  /** Cut `a -> b`, and `b -> a` too unless `oneWay`. */
  cut(a: string, b: string, oneWay = false): void {
    this.cuts.add(key(a, b));
    if (!oneWay) this.cuts.add(key(b, a));
    this.notify({ kind: 'links' });
  }

  heal(a: string, b: string, oneWay = false): void {
    this.cuts.delete(key(a, b));
    if (!oneWay) this.cuts.delete(key(b, a));
    this.notify({ kind: 'links' });
  }

  /** Split the listed endpoints into groups that cannot reach each other; unlisted ones reach all. */
  partition(groups: readonly (readonly string[])[]): void {
    this.partitionGroups = groups.map((g) => [...g]);
    this.groupOf.clear();
    groups.forEach((group, index) => {
      for (const endpoint of group) {
        if (this.groupOf.has(endpoint)) throw new RangeError(`partition: ${endpoint} listed in two groups`);
        this.groupOf.set(endpoint, index);
      }
    });
    this.notify({ kind: 'links' });
  }

  /** Heal every cut and partition (delays and dead hosts stay). */
  healAll(): void {
    this.cuts.clear();
    this.partitionGroups = [];
    this.groupOf.clear();
    this.refusing.clear();
    this.notify({ kind: 'links' });
  }

  /** Every link back to the default delay. */
  clearDelays(): void {
    this.delays.clear();
  }

  setDelay(from: string, to: string, delayMillis: number, oneWay = false): void {
    FaultModel.checkDelay(delayMillis);
    this.delays.set(key(from, to), delayMillis);
    if (!oneWay) this.delays.set(key(to, from), delayMillis);
  }

  /** Can bytes flow `from -> to` right now (ignoring whether either end is down)? */
  canSend(from: string, to: string): boolean {
    if (this.cuts.size > 0) {
      if (this.cuts.has(key(from, to)) || this.cuts.has(key(hostOf(from), hostOf(to)))) return false;
    }
    if (this.groupOf.size > 0) {
      const gf = this.groupOf.get(from) ?? this.groupOf.get(hostOf(from));
      const gt = this.groupOf.get(to) ?? this.groupOf.get(hostOf(to));
      if (gf !== undefined && gt !== undefined && gf !== gt) return false;
    }
    return true;
  }

  delayMillis(from: string, to: string): number {
    if (this.delays.size === 0) return this.defaultDelayMillis;
    return this.delays.get(key(from, to)) ?? this.defaultDelayMillis;
  }

  snapshot(): FaultSnapshot {
    const split = (k: string): { from: string; to: string } => {
      const [from = '', to = ''] = k.split('\u0000');
      return { from, to };
    };
    return {
      down: [...this.down].sort(),
      refusing: [...this.refusing].sort(),
      cuts: [...this.cuts].sort().map(split),
      partitions: this.partitionGroups.map((g) => [...g]),
      delays: [...this.delays].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, delayMillis]) => ({ ...split(k), delayMillis })),
      defaultDelayMillis: this.defaultDelayMillis,
    };
  }
}
