/**
 * What this simulator can run: retryable writes need the server to remember a session's
 * `txnNumber` and answer a retry without applying it again; list-append needs multi-document
 * transactions. Both are found out by asking a one-member set, through the same command path the
 * workloads use, once per process.
 */
import { Binary, Long } from 'bson';
import type { Document } from 'bson';
import { Cluster } from '../harness/cluster';
import type { WorkloadName } from './plan';

export interface Support {
  workloads: ReadonlySet<WorkloadName>;
  /** Why a workload is missing. */
  reasons: ReadonlyMap<WorkloadName, string>;
}

let cached: Promise<Support> | undefined;

export function supportOf(): Promise<Support> {
  cached ??= probe();
  return cached;
}

async function probe(): Promise<Support> {
  const c = new Cluster({ members: 1, seed: 1 });
  const reasons = new Map<WorkloadName, string>();
  try {
    await c.initiate();
    await c.waitForPrimary(30_000);
    const host = c.primary()!;
    const lsid = { id: new Binary(new Uint8Array(16).fill(7), Binary.SUBTYPE_UUID) };
    const insert: Document = { insert: 'probe', documents: [{ _id: 1 }], lsid, txnNumber: Long.fromNumber(1) };
    const first = await c.command(host, insert, { db: 'jepsen' });
    const retry = await c.command(host, insert, { db: 'jepsen' });
    const applied = (c.storage(host).getCollection('jepsen', 'probe')?.count ?? 0) as number;
    if (first.ok !== 1 || retry.ok !== 1 || (Array.isArray(retry.writeErrors) && retry.writeErrors.length > 0) || retry.n !== 1 || applied !== 1) {
      reasons.set('retryable', 'retryable writes unsupported: the server does not answer a retried txnNumber from its record (it runs the write again)');
    }
    const txn = { lsid, txnNumber: Long.fromNumber(2), autocommit: false };
    const inTxn = await c.command(host, { insert: 'probe2', documents: [{ _id: 1 }], ...txn, startTransaction: true, readConcern: { level: 'snapshot' } }, { db: 'jepsen' });
    const outside = await c.command(host, { find: 'probe2', filter: {} }, { db: 'jepsen' });
    const visible = ((outside.cursor as Document | undefined)?.firstBatch as Document[] | undefined)?.length ?? 0;
    const abort = await c.command(host, { abortTransaction: 1, ...txn }, { db: 'admin' });
    if (inTxn.ok !== 1 || visible !== 0 || abort.ok !== 1) {
      reasons.set('list-append', 'transactions unsupported: a write inside startTransaction is visible before commit, or abortTransaction is refused');
    }
  } finally {
    c.stopAll();
  }
  const workloads = new Set<WorkloadName>(['register', 'set', 'retryable', 'list-append'].filter((w) => !reasons.has(w as WorkloadName)) as WorkloadName[]);
  return { workloads, reasons };
}
