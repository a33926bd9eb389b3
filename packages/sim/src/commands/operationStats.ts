import { Long } from 'bson';
import type { Document } from 'bson';

/**
 * How mongod classes a command for its latency figures (Command::ReadWriteType; db/stats/top.cpp
 * and operation_latency_histogram.cpp): reads, writes, transactions (commitTransaction and
 * abortTransaction) and every other command.
 */
export type LatencyClass = 'reads' | 'writes' | 'commands' | 'transactions';

const READ_COMMANDS: ReadonlySet<string> = new Set(['find', 'getmore', 'aggregate', 'count', 'distinct', 'mapreduce']);
const WRITE_COMMANDS: ReadonlySet<string> = new Set(['insert', 'update', 'delete', 'findandmodify']);
const TRANSACTION_COMMANDS: ReadonlySet<string> = new Set(['committransaction', 'aborttransaction']);

export function latencyClassOf(name: string): LatencyClass {
  if (READ_COMMANDS.has(name)) return 'reads';
  if (WRITE_COMMANDS.has(name)) return 'writes';
  if (TRANSACTION_COMMANDS.has(name)) return 'transactions';
  return 'commands';
}

/**
 * The histogram's bucket lower bounds in microseconds (operation_latency_histogram.cpp
 * kLowerBounds): powers of two, with the ranges from 2^11 to 2^21 split in halves. A latency
 * falls in the bucket of the largest bound at or under it.
 */
export const LATENCY_BUCKET_LOWER_BOUNDS_MICROS: readonly number[] = (() => {
  const bounds = [0];
  for (let log2 = 1; log2 <= 40; log2++) {
    bounds.push(2 ** log2);
    if (log2 >= 11 && log2 < 21) bounds.push(3 * 2 ** (log2 - 1));
  }
  return bounds.sort((a, b) => a - b);
})();

function bucketOf(micros: number): number {
  let lo = 0;
  let hi = LATENCY_BUCKET_LOWER_BOUNDS_MICROS.length - 1;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (LATENCY_BUCKET_LOWER_BOUNDS_MICROS[mid]! <= micros) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** Total latency (microseconds), count and histogram of one class of operations. */
class LatencyTotal {
  latencyMicros = 0;
  ops = 0;
  private readonly buckets = new Map<number, number>();

  add(micros: number): void {
    this.latencyMicros += micros;
    this.ops += 1;
    const bucket = bucketOf(micros);
    this.buckets.set(bucket, (this.buckets.get(bucket) ?? 0) + 1);
  }

  /** `{latency, ops}`; with `histograms`, `histogram` first: the non-empty buckets as `{micros, count}` (operation_latency_histogram.cpp _append). */
  toDocument(histograms = false): Document {
    const totals = { latency: Long.fromNumber(this.latencyMicros), ops: Long.fromNumber(this.ops) };
    if (!histograms) return totals;
    const histogram = [...this.buckets.entries()]
      .sort(([a], [b]) => a - b)
      .map(([bucket, count]) => ({ micros: Long.fromNumber(LATENCY_BUCKET_LOWER_BOUNDS_MICROS[bucket]!), count: Long.fromNumber(count) }));
    return { histogram, ...totals };
  }
}

/** The four latency totals serverStatus().opLatencies and $collStats latencyStats report. */
class LatencyTotals {
  readonly reads = new LatencyTotal();
  readonly writes = new LatencyTotal();
  readonly commands = new LatencyTotal();
  readonly transactions = new LatencyTotal();

  toDocument(histograms = false): Document {
    return { reads: this.reads.toDocument(histograms), writes: this.writes.toDocument(histograms), commands: this.commands.toDocument(histograms), transactions: this.transactions.toDocument(histograms) };
  }
}

/** One command's counters in metrics.commands (commands.cpp CommandRegistry: `failed`, `total`). */
interface CommandCounters {
  failed: number;
  total: number;
}

/** What one finished command tells the counters. */
export interface FinishedCommand {
  /** The command's name as the client sent it. */
  readonly first: string;
  /** `db.coll` when the command names a collection, for the per-collection latencies. */
  readonly namespace: string | undefined;
  readonly latencyMicros: number;
  readonly reply: Document;
  /** The command is not one this mongod has (CommandNotFound): counted under `<UNKNOWN>`. */
  readonly unknown: boolean;
  /** The reply's error came from a thrown non-server error (a bug here; mongod's massert/invariant class). */
  readonly internalError: boolean;
}

/** The name mongod registers a command under, for the lowercase aliases clients send. */
const CANONICAL_NAMES: Readonly<Record<string, string>> = { ismaster: 'isMaster', findandmodify: 'findAndModify' };

/** Per-collection latency totals kept at most for this many namespaces (oldest dropped), a bound on memory. */
export const COLLECTION_LATENCY_NAMESPACES_MAX = 10_000;

/**
 * Counters serverStatus reads that are counted from the commands a member ran: opLatencies,
 * metrics.commands, metrics.document, asserts, locks, and $collStats latencyStats per collection.
 * Each is counted once per command as it finishes (Member.run), from its name and reply.
 */
export class OperationStats {
  readonly latencies = new LatencyTotals();
  private readonly perCollection = new Map<string, LatencyTotals>();
  private readonly commands = new Map<string, CommandCounters>();
  private unknownCommands = 0;
  /** metrics.document (db/stats/counters.h: returned, inserted, updated, deleted). */
  readonly documents = { deleted: 0, inserted: 0, returned: 0, updated: 0 };
  /** asserts (util/assert_util.h assertionCount): `user` per command failed with a server error, `regular` per internal error. */
  readonly asserts = { regular: 0, warning: 0, msg: 0, user: 0, tripwire: 0, rollovers: 0 };
  /** Lock acquisitions, one per command: intent shared for reads, intent exclusive for writes. */
  private readonly locks = { r: 0, w: 0 };
  /** metrics.operation.writeConflicts: commands that failed with WriteConflict. */
  writeConflicts = 0;

  record(done: FinishedCommand): void {
    const name = done.first.toLowerCase();
    const cls = latencyClassOf(name);
    this.latencies[cls].add(done.latencyMicros);
    if (done.namespace !== undefined) this.collectionTotals(done.namespace)[cls].add(done.latencyMicros);
    const ok = Number(done.reply.ok) === 1;
    if (done.unknown) {
      this.unknownCommands += 1;
    } else {
      const key = CANONICAL_NAMES[name] ?? done.first;
      const counters = this.commands.get(key) ?? { failed: 0, total: 0 };
      counters.total += 1;
      if (!ok) counters.failed += 1;
      this.commands.set(key, counters);
    }
    if (!ok) {
      if (done.internalError) this.asserts.regular += 1;
      else this.asserts.user += 1;
      if (done.reply.codeName === 'WriteConflict') this.writeConflicts += 1;
    }
    if (cls === 'reads') this.locks.r += 1;
    if (cls === 'writes') this.locks.w += 1;
    if (ok) this.countDocuments(name, done.reply);
  }

  private collectionTotals(namespace: string): LatencyTotals {
    let totals = this.perCollection.get(namespace);
    if (totals === undefined) {
      if (this.perCollection.size >= COLLECTION_LATENCY_NAMESPACES_MAX) this.perCollection.delete(this.perCollection.keys().next().value as string);
      totals = new LatencyTotals();
      this.perCollection.set(namespace, totals);
    }
    return totals;
  }

  /** metrics.document from the reply: `n` inserted or deleted, `n` matched for updates (the manual: documents matched), batches returned. */
  private countDocuments(name: string, reply: Document): void {
    const n = Number(reply.n ?? 0);
    switch (name) {
      case 'insert':
        this.documents.inserted += n;
        return;
      case 'update':
        this.documents.updated += n - (Array.isArray(reply.upserted) ? reply.upserted.length : 0);
        this.documents.inserted += Array.isArray(reply.upserted) ? reply.upserted.length : 0;
        return;
      case 'delete':
        this.documents.deleted += n;
        return;
      case 'find':
      case 'aggregate':
      case 'getmore': {
        const cursor = reply.cursor as Document | undefined;
        const batch: unknown = cursor?.firstBatch ?? cursor?.nextBatch;
        if (Array.isArray(batch)) this.documents.returned += batch.length;
        return;
      }
      default:
    }
  }

  /** `$collStats: {latencyStats: {}}` for `namespace` (top.cpp appendLatencyStats): zeros until a command on it has run. */
  collectionLatencies(namespace: string, histograms = false): Document {
    return (this.perCollection.get(namespace) ?? new LatencyTotals()).toDocument(histograms);
  }

  /** metrics.commands: each command run, by name, in byte order (mongod keeps them in a map), and `<UNKNOWN>`. */
  commandsDocument(): Document {
    const out: Document = { '<UNKNOWN>': Long.fromNumber(this.unknownCommands) };
    for (const name of [...this.commands.keys()].sort()) {
      const c = this.commands.get(name)!;
      out[name] = { failed: Long.fromNumber(c.failed), total: Long.fromNumber(c.total) };
    }
    return out;
  }

  documentDocument(): Document {
    const d = this.documents;
    return { deleted: Long.fromNumber(d.deleted), inserted: Long.fromNumber(d.inserted), returned: Long.fromNumber(d.returned), updated: Long.fromNumber(d.updated) };
  }

  assertsDocument(): Document {
    const a = this.asserts;
    return { regular: a.regular, warning: a.warning, msg: a.msg, user: a.user, tripwire: a.tripwire, rollovers: a.rollovers };
  }

  /** serverStatus().locks: the Global, Database and Collection locks, one acquisition per read (r) or write (w) command. */
  locksDocument(): Document {
    const counts = (): Document => ({ acquireCount: { ...(this.locks.r > 0 ? { r: Long.fromNumber(this.locks.r) } : {}), ...(this.locks.w > 0 ? { w: Long.fromNumber(this.locks.w) } : {}) } });
    return { Global: counts(), Database: counts(), Collection: counts() };
  }
}
