import { createServer } from 'node:net';
import { hostname as machineHostname } from 'node:os';
import type { Document } from 'bson';

/**
 * The two names of every member in the `mongod` engine: the learner's (`morton.local:27018`) and
 * the real one the process listens on (`127.0.0.1:41873`). See the comment at the top of
 * mongodEngine.ts for where each is used.
 */

/** Real ports handed to any sandbox of this server process, so two sandboxes never share one. */
const reservedRealPorts = new Set<number>();

/** Attempts at finding a free loopback port before giving up. */
const portAttemptsMax = 20;

/** Our own error when no free loopback port could be found. */
export class PortAllocationError extends Error {
  override readonly name = 'PortAllocationError';
}

/** Ask the kernel for a free 127.0.0.1 port (bind to 0, read it, close). */
function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port: 0, exclusive: true }, () => {
      const bound = server.address();
      const port = typeof bound === 'object' && bound !== null ? bound.port : 0;
      server.close(() => resolve(port));
    });
  });
}

async function reserveRealPort(): Promise<number> {
  for (let attempt = 0; attempt < portAttemptsMax; attempt += 1) {
    const port = await freeLoopbackPort();
    if (port > 0 && !reservedRealPorts.has(port)) {
      reservedRealPorts.add(port);
      return port;
    }
  }
  throw new PortAllocationError(`no free loopback port after ${portAttemptsMax} attempts`);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Keys of a reply whose contents are the learner's own data, never rewritten. */
const dataKeys = new Set(['cursor', 'value']);

/** Deepest nesting the rewriter walks; configs and status replies are a few levels deep. */
const rewriteDepthMax = 64;

export class AddressBook {
  private readonly realByLearner = new Map<number, number>();
  private readonly learnerByReal = new Map<number, number>();
  private readonly pending = new Map<number, Promise<number>>();
  /** `host:port` as a real process names itself or its peers (127.0.0.1, localhost, the machine's name). */
  private readonly realPattern: RegExp;
  /** `host:port` as the learner names a member of this sandbox. */
  private readonly learnerPattern: RegExp;

  constructor(readonly hostname: string) {
    const realHosts = ['127.0.0.1', 'localhost', machineHostname()].map(escapeRegExp).join('|');
    this.realPattern = new RegExp(`(?<![\\w.-])(?:${realHosts}):(\\d{1,5})(?![\\d])`, 'gi');
    const learnerHosts = [hostname, 'localhost', '127.0.0.1', '0.0.0.0'].map(escapeRegExp).join('|');
    this.learnerPattern = new RegExp(`(?<![\\w.-])(?:${learnerHosts}):(\\d{1,5})(?![\\d])`, 'gi');
  }

  /** The real port for a learner's port, reserving one the first time the learner names it. */
  realPortFor(learnerPort: number): Promise<number> {
    const known = this.realByLearner.get(learnerPort);
    if (known !== undefined) return Promise.resolve(known);
    let pending = this.pending.get(learnerPort);
    if (!pending) {
      pending = reserveRealPort().then((real) => {
        this.realByLearner.set(learnerPort, real);
        this.learnerByReal.set(real, learnerPort);
        this.pending.delete(learnerPort);
        return real;
      });
      this.pending.set(learnerPort, pending);
    }
    return pending;
  }

  realPort(learnerPort: number): number | undefined {
    return this.realByLearner.get(learnerPort);
  }

  learnerPort(realPort: number): number | undefined {
    return this.learnerByReal.get(realPort);
  }

  learnerAddress(learnerPort: number): string {
    return `${this.hostname}:${learnerPort}`;
  }

  realAddress(realPort: number): string {
    return `127.0.0.1:${realPort}`;
  }

  /** Replace every real `host:port` of this sandbox in `text` with the learner's name for it. */
  toLearnerText(text: string): string {
    if (!text.includes(':')) return text;
    return text.replace(this.realPattern, (whole, port: string) => {
      const learner = this.learnerByReal.get(Number(port));
      return learner === undefined ? whole : this.learnerAddress(learner);
    });
  }

  /** Ports named in `text` the way a learner names members (`morton.local:27019`, `localhost:27019`). */
  learnerPortsIn(text: string): number[] {
    return [...text.matchAll(this.learnerPattern)].map((m) => Number(m[1])).filter((p) => p > 0 && p < 65536);
  }

  /** Replace learner names with real addresses; every port must have been reserved already. */
  toRealText(text: string): string {
    if (!text.includes(':')) return text;
    return text.replace(this.learnerPattern, (whole, port: string) => {
      const real = this.realByLearner.get(Number(port));
      return real === undefined ? whole : this.realAddress(real);
    });
  }

  /** Reserve real ports for every member the learner names anywhere in `doc`. */
  async reserveNamedIn(doc: unknown): Promise<void> {
    const ports = new Set<number>();
    walkStrings(doc, 0, (text) => {
      // A real address of this sandbox (127.0.0.1:R) is already what the process needs.
      for (const port of this.learnerPortsIn(text)) if (!this.learnerByReal.has(port)) ports.add(port);
      return text;
    });
    for (const port of ports) await this.realPortFor(port);
  }

  /** `doc` with learner names rewritten to real addresses (call `reserveNamedIn` first). */
  toRealDocument(doc: Document): { doc: Document; changed: boolean } {
    let changed = false;
    const out = walkStrings(doc, 0, (text) => {
      const next = this.toRealText(text);
      if (next !== text) changed = true;
      return next;
    }) as Document;
    return { doc: out, changed };
  }

  /** A server reply with real addresses rewritten to the learner's names, data (cursors) left alone. */
  toLearnerDocument(doc: Document): { doc: Document; changed: boolean } {
    let changed = false;
    const rewrite = (text: string) => {
      const next = this.toLearnerText(text);
      if (next !== text) changed = true;
      return next;
    };
    const out: Document = {};
    for (const [key, value] of Object.entries(doc)) setOwn(out, key, dataKeys.has(key) ? value : walkStrings(value, 1, rewrite));
    return { doc: out, changed };
  }

  /** Give the real ports back (the sandbox is gone). */
  release(): void {
    for (const real of this.learnerByReal.keys()) reservedRealPorts.delete(real);
    this.realByLearner.clear();
    this.learnerByReal.clear();
  }
}

/** Copy of `value` with `rewrite` applied to every string in plain objects and arrays. */
function walkStrings(value: unknown, depth: number, rewrite: (text: string) => string): unknown {
  if (typeof value === 'string') return rewrite(value);
  if (depth > rewriteDepthMax || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((item) => walkStrings(item, depth + 1, rewrite));
  if ('_bsontype' in value || value instanceof Date || value instanceof Uint8Array || value instanceof RegExp) return value;
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) setOwn(out, key, walkStrings(item, depth + 1, rewrite));
  return out;
}

/** Set a key as an own property, even `__proto__`, as BSON documents may hold it. */
function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}
