/**
 * An Elle-style checker for list-append transactions (Kingsbury & Alvaro, "Elle: Inferring
 * Isolation Anomalies from Experimental Observations", VLDB 2020). Each key holds a list; a
 * transaction's micro-operations append a value (unique per key) or read the whole list. Because
 * every read shows the full order of appends before it, the version order of each key is the
 * longest list read, and every other read must be a prefix of it. From that order come the
 * dependencies between transactions (Adya's): `ww` (T2 appended right after T1's value), `wr`
 * (T2 read a list ending in T1's value), `rw` (T1 read a version that T2's append came right
 * after). Snapshot isolation forbids:
 *
 * - G0 (write cycle): a cycle of ww edges.
 * - G1a (aborted read): a committed transaction read a value an aborted transaction appended.
 * - G1b (intermediate read): a read ended in a value its writer followed with another append to
 *   the same key.
 * - G1c (circular information flow): a cycle of ww and wr edges.
 * - G-single (read skew): a cycle with exactly one rw edge.
 * - lost update: two committed transactions read the same version of a key and both appended to it.
 *
 * plus the non-cycle sanity checks: duplicate elements, incompatible orders, and internal
 * consistency (a transaction's reads see its own earlier appends). Cycles with two or more rw
 * edges (G2, write skew) are allowed under snapshot isolation and are only counted.
 */
import type { Operation } from '../history';
import { resultOf } from './result';
import type { CheckerResult, Violation } from './result';

export type MicroOp = readonly ['append', string, number] | readonly ['r', string, readonly number[] | null];

export interface ListAppendTxn {
  /** History index of the invocation (the transaction's id in reports). */
  readonly id: number;
  readonly process: number;
  readonly status: 'ok' | 'fail' | 'info';
  /** For `ok`, the micro-ops with read results; otherwise as invoked (reads null). */
  readonly mops: readonly MicroOp[];
}

/** Transactions from a history whose `txn` operations carry micro-op lists as value and result. */
export function transactionsOf(ops: readonly Operation[]): ListAppendTxn[] {
  return ops
    .filter((op) => op.f === 'txn')
    .map((op) => ({ id: op.invokeIndex, process: op.process, status: op.type, mops: (op.type === 'ok' ? op.result : op.value) as MicroOp[] }));
}

type EdgeKind = 'ww' | 'wr' | 'rw';

interface Edge {
  to: number;
  kind: EdgeKind;
  key: string;
}

export function checkListAppend(txns: readonly ListAppendTxn[]): CheckerResult {
  const violations: Violation[] = [];
  const add = (kind: string, message: string, events: number[]): void => {
    violations.push({ checker: 'elle', kind, message, events });
  };
  const byId = new Map(txns.map((t) => [t.id, t]));
  const name = (id: number): string => {
    const t = byId.get(id);
    return t ? `T${id} (process ${t.process}: ${t.mops.map(formatMop).join(', ')})` : `T${id}`;
  };

  // Who appended each value, and at which position among that transaction's appends to the key.
  const appender = new Map<string, { txn: ListAppendTxn; last: boolean }>();
  for (const t of txns) {
    const perKey = new Map<string, number[]>();
    for (const m of t.mops) {
      if (m[0] !== 'append') continue;
      let list = perKey.get(m[1]);
      if (!list) perKey.set(m[1], (list = []));
      list.push(m[2]);
    }
    for (const [key, values] of perKey) {
      values.forEach((v, i) => {
        const k = `${key}\u0000${v}`;
        if (appender.has(k)) add('duplicate-append', `value ${v} appended to ${key} by two transactions: ${name(appender.get(k)!.txn.id)} and ${name(t.id)} (the workload makes them unique)`, [t.id]);
        appender.set(k, { txn: t, last: i === values.length - 1 });
      });
    }
  }
  const writerOf = (key: string, v: number): { txn: ListAppendTxn; last: boolean } | undefined => appender.get(`${key}\u0000${v}`);

  // Internal consistency, and the reads of committed transactions (each as seen from outside:
  // with the transaction's own earlier appends to that key taken off the end).
  const committed = txns.filter((t) => t.status === 'ok');
  interface ExternalRead {
    txn: ListAppendTxn;
    key: string;
    list: readonly number[];
  }
  const reads: ExternalRead[] = [];
  for (const t of committed) {
    const own = new Map<string, number[]>();
    const firstRead = new Set<string>();
    for (const m of t.mops) {
      if (m[0] === 'append') {
        let list = own.get(m[1]);
        if (!list) own.set(m[1], (list = []));
        list.push(m[2]);
        continue;
      }
      const [, key, list] = m;
      if (list === null) continue;
      const mine = own.get(key) ?? [];
      const tail = list.slice(list.length - mine.length);
      if (mine.length > 0 && (list.length < mine.length || tail.some((v, i) => v !== mine[i]))) {
        add('internal', `${name(t.id)} read ${key} as [${list.join(' ')}], which does not end with its own appends [${mine.join(' ')}]`, [t.id]);
        continue;
      }
      if (!firstRead.has(key)) {
        firstRead.add(key);
        reads.push({ txn: t, key, list: list.slice(0, list.length - mine.length) });
      }
      if (new Set(list).size !== list.length) add('duplicate-elements', `${name(t.id)} read ${key} as [${list.join(' ')}], with a value twice`, [t.id]);
    }
  }

  // Version order per key: the longest read; every read a prefix of it.
  const order = new Map<string, readonly number[]>();
  const readsByKey = new Map<string, ExternalRead[]>();
  for (const r of reads) {
    let list = readsByKey.get(r.key);
    if (!list) readsByKey.set(r.key, (list = []));
    list.push(r);
  }
  // Full lists as read (own appends included) also fix the order.
  const fullLists = new Map<string, Array<readonly number[]>>();
  for (const t of committed) {
    for (const m of t.mops) {
      if (m[0] !== 'r' || m[2] === null) continue;
      let l = fullLists.get(m[1]);
      if (!l) fullLists.set(m[1], (l = []));
      l.push(m[2]);
    }
  }
  for (const [key, lists] of fullLists) {
    let longest: readonly number[] = [];
    for (const l of lists) if (l.length > longest.length) longest = l;
    const bad = lists.find((l) => !isPrefix(l, longest));
    if (bad) {
      add('incompatible-order', `reads of ${key} disagree on its order: [${bad.join(' ')}] is not a prefix of [${longest.join(' ')}]`, []);
    }
    order.set(key, longest);
  }

  // G1a, G1b.
  for (const r of reads) {
    for (const v of r.list) {
      const w = writerOf(r.key, v);
      if (w?.txn.status === 'fail') add('G1a', `${name(r.txn.id)} read ${r.key} = [${r.list.join(' ')}], including ${v}, appended by the aborted ${name(w.txn.id)}`, [r.txn.id, w.txn.id]);
    }
    const lastValue = r.list[r.list.length - 1];
    if (lastValue !== undefined) {
      const w = writerOf(r.key, lastValue);
      if (w && !w.last && w.txn.id !== r.txn.id) add('G1b', `${name(r.txn.id)} read ${r.key} ending in ${lastValue}, an intermediate state of ${name(w.txn.id)}, which appended more to ${r.key} after it`, [r.txn.id, w.txn.id]);
    }
  }

  // Dependency graph over committed transactions and indeterminate ones whose appends were seen.
  const graph = new Map<number, Edge[]>();
  const edge = (from: number, to: number, kind: EdgeKind, key: string): void => {
    if (from === to) return;
    let list = graph.get(from);
    if (!list) graph.set(from, (list = []));
    if (!list.some((e) => e.to === to && e.kind === kind)) list.push({ to, kind, key });
  };
  const inGraph = (t: ListAppendTxn | undefined): t is ListAppendTxn => t !== undefined && t.status !== 'fail';
  for (const [key, versions] of order) {
    for (let i = 0; i + 1 < versions.length; i++) {
      const a = writerOf(key, versions[i]!)?.txn;
      const b = writerOf(key, versions[i + 1]!)?.txn;
      if (inGraph(a) && inGraph(b)) edge(a.id, b.id, 'ww', key);
    }
  }
  const lostUpdate = new Map<string, ListAppendTxn[]>();
  for (const r of reads) {
    const versions = order.get(r.key) ?? [];
    const n = r.list.length;
    if (n > 0) {
      const w = writerOf(r.key, r.list[n - 1]!)?.txn;
      if (inGraph(w)) edge(w.id, r.txn.id, 'wr', r.key);
    }
    const next = versions[n];
    if (next !== undefined) {
      const w = writerOf(r.key, next)?.txn;
      if (inGraph(w)) edge(r.txn.id, w.id, 'rw', r.key);
    }
    if (r.txn.mops.some((m) => m[0] === 'append' && m[1] === r.key)) {
      const k = `${r.key}\u0000${n}`;
      let l = lostUpdate.get(k);
      if (!l) lostUpdate.set(k, (l = []));
      l.push(r.txn);
    }
  }
  for (const [k, list] of lostUpdate) {
    if (list.length < 2) continue;
    const [key, n] = k.split('\u0000') as [string, string];
    add('lost-update', `${list.length} committed transactions read the same version of ${key} (${n} elements) and each appended to it: ${list.map((t) => name(t.id)).join('; ')}`, list.map((t) => t.id));
  }

  // Cycles.
  const onlyKinds = (kinds: ReadonlySet<EdgeKind>) => (from: number): Edge[] => (graph.get(from) ?? []).filter((e) => kinds.has(e.kind));
  const ww = onlyKinds(new Set(['ww']));
  const wwwr = onlyKinds(new Set(['ww', 'wr']));
  const nodes = [...new Set([...graph.keys(), ...[...graph.values()].flat().map((e) => e.to)])].sort((a, b) => a - b);
  const cycleText = (cycle: Array<{ from: number; edge: Edge }>): string => cycle.map((c) => `${name(c.from)} -${c.edge.kind} ${c.edge.key}->`).join(' ') + ` ${name(cycle[0]!.from)}`;
  const g0 = findCycles(nodes, ww);
  for (const cycle of g0) add('G0', `write cycle: ${cycleText(cycle)}`, cycle.map((c) => c.from));
  const g0Nodes = new Set(g0.flat().map((c) => c.from));
  for (const cycle of findCycles(nodes, wwwr)) {
    if (!cycle.some((c) => c.edge.kind === 'wr')) continue;
    if (cycle.every((c) => g0Nodes.has(c.from))) continue;
    add('G1c', `circular information flow: ${cycleText(cycle)}`, cycle.map((c) => c.from));
  }
  let gSingle = 0;
  const reported = new Set<string>();
  for (const from of nodes) {
    for (const e of graph.get(from) ?? []) {
      if (e.kind !== 'rw') continue;
      const path = shortestPath(e.to, from, wwwr);
      if (!path) continue;
      const cycle = [{ from, edge: e }, ...path];
      const sig = cycle.map((c) => c.from).sort((a, b) => a - b).join(',');
      if (reported.has(sig)) continue;
      reported.add(sig);
      gSingle++;
      if (gSingle <= 5) add('G-single', `read skew (a cycle with one anti-dependency): ${cycleText(cycle)}`, cycle.map((c) => c.from));
    }
  }
  const edges = [...graph.values()].reduce((n, l) => n + l.length, 0);
  return resultOf('elle', violations, { transactions: txns.length, committed: committed.length, keys: order.size, edges });
}

/** One cycle per strongly connected component (Tarjan) of the graph restricted by `next`. */
function findCycles(nodes: readonly number[], next: (from: number) => Edge[]): Array<Array<{ from: number; edge: Edge }>> {
  let index = 0;
  const idx = new Map<number, number>();
  const low = new Map<number, number>();
  const onStack = new Set<number>();
  const stack: number[] = [];
  const components: number[][] = [];
  // Iterative Tarjan: histories can be long enough to overflow recursion.
  for (const root of nodes) {
    if (idx.has(root)) continue;
    const work: Array<{ node: number; i: number }> = [{ node: root, i: 0 }];
    idx.set(root, index);
    low.set(root, index++);
    stack.push(root);
    onStack.add(root);
    while (work.length > 0) {
      const frame = work[work.length - 1]!;
      const out = next(frame.node);
      if (frame.i < out.length) {
        const to = out[frame.i++]!.to;
        if (!idx.has(to)) {
          idx.set(to, index);
          low.set(to, index++);
          stack.push(to);
          onStack.add(to);
          work.push({ node: to, i: 0 });
        } else if (onStack.has(to)) {
          low.set(frame.node, Math.min(low.get(frame.node)!, idx.get(to)!));
        }
        continue;
      }
      work.pop();
      if (work.length > 0) {
        const parent = work[work.length - 1]!.node;
        low.set(parent, Math.min(low.get(parent)!, low.get(frame.node)!));
      }
      if (low.get(frame.node) === idx.get(frame.node)) {
        const component: number[] = [];
        let w: number;
        do {
          w = stack.pop()!;
          onStack.delete(w);
          component.push(w);
        } while (w !== frame.node);
        if (component.length > 1) components.push(component);
      }
    }
  }
  const cycles: Array<Array<{ from: number; edge: Edge }>> = [];
  for (const component of components) {
    const members = new Set(component);
    const start = Math.min(...component);
    const within = (from: number): Edge[] => next(from).filter((e) => members.has(e.to));
    // Any edge out of `start` inside the component leads back to it.
    const first = within(start)[0]!;
    const back = shortestPath(first.to, start, within);
    if (back) cycles.push([{ from: start, edge: first }, ...back]);
  }
  return cycles;
}

/** Breadth-first path from `from` to `to` as (from, edge) steps, or undefined. */
function shortestPath(from: number, to: number, next: (from: number) => Edge[]): Array<{ from: number; edge: Edge }> | undefined {
  if (from === to) return [];
  const prev = new Map<number, { from: number; edge: Edge }>();
  const queue = [from];
  const seen = new Set([from]);
  while (queue.length > 0) {
    const n = queue.shift()!;
    for (const e of next(n)) {
      if (seen.has(e.to)) continue;
      seen.add(e.to);
      prev.set(e.to, { from: n, edge: e });
      if (e.to === to) {
        const path: Array<{ from: number; edge: Edge }> = [];
        let at = to;
        while (at !== from) {
          const p = prev.get(at)!;
          path.unshift(p);
          at = p.from;
        }
        return path;
      }
      queue.push(e.to);
    }
  }
  return undefined;
}

function isPrefix(a: readonly number[], b: readonly number[]): boolean {
  if (a.length > b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function formatMop(m: MicroOp): string {
  return m[0] === 'append' ? `append ${m[1]} ${m[2]}` : `r ${m[1]} ${m[2] === null ? '?' : `[${m[2].join(' ')}]`}`;
}
