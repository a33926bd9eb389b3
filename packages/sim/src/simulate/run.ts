import { createHash } from 'node:crypto';
import type { Document } from 'bson';
import { Cluster } from '../harness/cluster';
import type { Storage } from '../storage/storage';
import { Random } from '../random/random';
import type { MemberEvent } from '../repl/events';
import { compareOpTime, opTimeKey } from '../base/optime';

export interface SimulationOptions {
  /** Fault/write steps per run (default: 20..40, chosen by the seed). */
  steps?: number;
  /** Members (default: 3 or 5, chosen by the seed). */
  members?: number;
  /** Virtual time allowed for the healed set to converge. */
  convergeLimitMillis?: number;
}

/** Which storage the runs use: the shipped one (storage/, query semantics from mingo) with the full CRUD commands. */
export const SIMULATION_STORAGE = 'mingo';

function hasDocument(storage: Storage, id: string): boolean {
  return storage.getCollection('test', COLL)?.getById(id) !== undefined;
}

export interface SimulationRunResult {
  seed: number;
  violations: string[];
  /** Fingerprint of the final state of every member. */
  digest: string;
  steps: number;
  virtualMillis: number;
  writesAcked: number;
  majorityAcked: number;
  rollbacks: number;
  elections: number;
  /** Writes, step-downs and freezes that failed on the way (a fault cut them off): part of the schedule, counted here. */
  requestsFailed: number;
}

const COLL = 'sim';

/**
 * One randomized schedule: faults (kill, restart, partition, cut, heal, step down) and writes
 * with w:1 and w:majority, invariants checked after every step, then heal, settle and check
 * convergence and durability.
 */
export async function simulateRun(seed: number, options: SimulationOptions = {}): Promise<SimulationRunResult> {
  const rnd = new Random(seed);
  const members = options.members ?? rnd.pick([3, 3, 3, 5]);
  const electionTimeoutMillis = rnd.pick([1000, 1000, 2000, 5000, 10_000]);
  const steps = options.steps ?? rnd.int(20, 40);
  const convergeLimitMillis = options.convergeLimitMillis ?? 120_000;
  // Member variety: now and then a priority-0 member, a higher-priority one or an arbiter.
  const memberConfigs: Document[] = Array.from({ length: members }, () => ({}));
  const variety = rnd.float();
  if (variety < 0.15) memberConfigs[members - 1] = { priority: 0 };
  else if (variety < 0.3) memberConfigs[rnd.int(0, members - 1)] = { priority: 3 };
  else if (variety < 0.4 && members === 5) memberConfigs[members - 1] = { arbiterOnly: true };
  const linkDelayMillis = rnd.pick([1, 1, 2, 5, 20]);
  const cluster = new Cluster({ members, seed: rnd.nextUint32(), settings: { electionTimeoutMillis }, memberConfigs, linkDelayMillis, eventsMax: 1000 });
  const violations: string[] = [];
  const violate = (message: string): void => {
    if (violations.length < 20) violations.push(`t=${cluster.clock.now() - startMillis}ms ${message}`);
  };
  const startMillis = cluster.clock.now();

  // Invariant state.
  const primaryOfTerm = new Map<number, string>();
  const maxTerm = new Map<string, number>();
  let committedLog: string[] = [];
  const committedSet = new Set<string>();
  const majorityAcked = new Set<string>();
  let writesAcked = 0;
  let rollbacks = 0;
  let elections = 0;
  let requestsFailed = 0;
  // A request the faults cut off is expected; the invariants judge only what was acknowledged.
  const requestFailed = (): void => {
    requestsFailed++;
  };

  cluster.onEvent((event: MemberEvent) => {
    if (event.type === 'electionWon') {
      elections++;
      const prior = primaryOfTerm.get(event.term);
      if (prior !== undefined && prior !== event.host) violate(`two primaries in term ${event.term}: ${prior} and ${event.host}`);
      primaryOfTerm.set(event.term, event.host);
    } else if (event.type === 'termChange') {
      const prior = maxTerm.get(event.host) ?? 0;
      if (event.term < prior) violate(`term of ${event.host} went down from ${prior} to ${event.term}`);
      maxTerm.set(event.host, Math.max(prior, event.term));
    } else if (event.type === 'rollback') {
      rollbacks++;
      checkCommitted();
      for (const o of event.undone) {
        if (committedSet.has(opTimeKey(o))) violate(`${event.host} rolled back majority-committed entry ${opTimeKey(o)}`);
      }
    }
  });

  function checkCommitted(): void {
    for (const host of cluster.hosts) {
      const m = cluster.member(host);
      const p = cluster.persistedState(host);
      const term = p.term;
      const prior = maxTerm.get(host) ?? 0;
      if (term < prior) violate(`term of ${host} went down from ${prior} to ${term}`);
      maxTerm.set(host, Math.max(prior, term));
      if (!m) continue;
      const commit = m.repl.commitPoint;
      const oplog = p.oplog;
      const entries = oplog.all();
      const prefix: string[] = [];
      for (const e of entries) {
        if (compareOpTime(e, commit) > 0) break;
        prefix.push(opTimeKey(e));
      }
      const n = Math.min(prefix.length, committedLog.length);
      for (let i = 0; i < n; i++) {
        if (prefix[i] !== committedLog[i]) {
          violate(`committed oplog of ${host} differs at entry ${i}: ${prefix[i]} vs ${committedLog[i]}`);
          return;
        }
      }
      if (prefix.length > committedLog.length) {
        for (let i = committedLog.length; i < prefix.length; i++) committedSet.add(prefix[i]!);
        committedLog = prefix;
      }
    }
  }

  let writeSeq = 0;
  const startWrite = (host: string, w: number | 'majority'): void => {
    const id = `w${writeSeq++}`;
    const writeConcern: Document = { w, wtimeout: rnd.int(500, 5000) };
    cluster.send(host, { insert: COLL, documents: [{ _id: id, seed }], writeConcern }, { db: 'test', timeoutMillis: 20_000 }).then(
      (reply) => {
        if (reply.ok !== 1 || reply.n !== 1) return;
        writesAcked++;
        if (w === 'majority' && reply.writeConcernError === undefined) majorityAcked.add(id);
      },
      requestFailed,
    );
  };

  try {
    await cluster.initiate();
    await cluster.waitForPrimary(120_000);
    for (let step = 0; step < steps; step++) {
      const alive = cluster.hosts.filter((h) => cluster.isAlive(h));
      const dead = cluster.hosts.filter((h) => !cluster.isAlive(h));
      const roll = rnd.float();
      if (roll < 0.08 && alive.length > 0) cluster.kill(rnd.pick(alive));
      else if (roll < 0.2 && dead.length > 0) cluster.start(rnd.pick(dead));
      else if (roll < 0.28) {
        const shuffled = rnd.shuffle(cluster.hosts);
        const cutAt = rnd.int(1, shuffled.length - 1);
        cluster.partition(shuffled.slice(0, cutAt), shuffled.slice(cutAt));
      } else if (roll < 0.36) {
        const [a, b] = rnd.shuffle(cluster.hosts) as [string, string];
        cluster.cut(a, b, rnd.bool());
      } else if (roll < 0.46) cluster.healAll();
      else if (roll < 0.49) {
        const p = cluster.primary();
        if (p) cluster.send(p, { replSetStepDown: rnd.int(1, 20), secondaryCatchUpPeriodSecs: 1, force: rnd.bool(0.3) }).catch(requestFailed);
      } else if (roll < 0.51 && alive.length > 0) {
        cluster.send(rnd.pick(alive), { replSetFreeze: rnd.pick([0, 5, 30]) }).catch(requestFailed);
      } else if (roll < 0.53) {
        const [a, b] = rnd.shuffle(cluster.hosts) as [string, string];
        cluster.setDelay(a, b, rnd.pick([0, 10, 200, 1500]), rnd.bool());
      } else {
        const p = cluster.primary();
        const target = p !== undefined && rnd.bool(0.85) ? p : alive.length > 0 ? rnd.pick(alive) : undefined;
        if (target) {
          const count = rnd.int(1, 4);
          for (let i = 0; i < count; i++) startWrite(target, rnd.bool() ? 'majority' : 1);
        }
      }
      await cluster.advance(rnd.int(50, 4000));
      checkCommitted();
    }
    // Heal, restart everyone, let things settle.
    cluster.healAll();
    cluster.clearDelays();
    for (const host of cluster.hosts) if (!cluster.isAlive(host)) cluster.start(host);
    const converged = (): boolean => {
      const primary = cluster.primary();
      if (!primary) return false;
      const last = cluster.persistedState(primary).oplog.last();
      const pm = cluster.running(primary);
      for (const host of cluster.hosts) {
        const m = cluster.member(host);
        if (!m) return false;
        if (m.repl.state === 'ARBITER') continue;
        const l = cluster.persistedState(host).oplog.last();
        if (!l || !last || l.ts !== last.ts || l.t !== last.t) return false;
        if (compareOpTime(m.repl.commitPoint, pm.repl.commitPoint) !== 0) return false;
        if (host !== primary && m.repl.state !== 'SECONDARY') return false;
      }
      return compareOpTime(pm.repl.commitPoint, pm.repl.lastApplied) === 0;
    };
    // Let outstanding writes finish first (their wtimeouts are short).
    await cluster.advance(6000);
    const ok = await cluster.waitFor(converged, convergeLimitMillis);
    checkCommitted();
    if (!ok) {
      violate(`did not converge within ${convergeLimitMillis} ms after healing: ${JSON.stringify(cluster.snapshot().map((s) => [s.host, s.state, s.term, opTimeKey(s.lastApplied), opTimeKey(s.commitPoint)]))}`);
    } else {
      const dataBearing = cluster.hosts.filter((h) => cluster.member(h)?.repl.state !== 'ARBITER');
      const digests = new Set(dataBearing.map((h) => cluster.storage(h).dataDigest()));
      if (digests.size !== 1) violate('members hold different data after converging');
      for (const id of majorityAcked) {
        for (const host of dataBearing) {
          if (!hasDocument(cluster.storage(host), id)) violate(`w:majority-acknowledged write ${id} missing on ${host}`);
        }
      }
    }
    const hash = createHash('sha256');
    for (const host of cluster.hosts) {
      const p = cluster.persistedState(host);
      hash.update(`${host}|${p.term}|${p.oplog.all().map((e) => opTimeKey(e)).join(',')}|${cluster.storage(host).dataDigest()}\n`);
    }
    return {
      seed,
      violations,
      digest: hash.digest('hex').slice(0, 16),
      steps,
      virtualMillis: cluster.clock.now() - startMillis,
      writesAcked,
      majorityAcked: majorityAcked.size,
      rollbacks,
      elections,
      requestsFailed,
    };
  } finally {
    cluster.stopAll();
  }
}

export interface SimulationSummary {
  runs: number;
  violations: number;
  digest: string;
  failing: SimulationRunResult[];
  virtualMillis: number;
}

/** Runs `runs` schedules from `seed`, `seed + 1`, ...; `onRun` sees each result. */
export async function simulateMany(seed: number, runs: number, options: SimulationOptions = {}, onRun?: (r: SimulationRunResult) => void): Promise<SimulationSummary> {
  if (!Number.isInteger(runs) || runs < 1 || runs > 10_000_000) throw new RangeError(`runs must be 1..10000000, got ${runs}`);
  const hash = createHash('sha256');
  const failing: SimulationRunResult[] = [];
  let violations = 0;
  let virtualMillis = 0;
  for (let i = 0; i < runs; i++) {
    const result = await simulateRun(seed + i, options);
    hash.update(`${result.seed}:${result.digest};`);
    virtualMillis += result.virtualMillis;
    if (result.violations.length > 0) {
      violations += result.violations.length;
      failing.push(result);
    }
    onRun?.(result);
  }
  return { runs, violations, digest: hash.digest('hex').slice(0, 16), failing, virtualMillis };
}

export function replayCommand(seed: number): string {
  return `pnpm --filter @rslab/sim simulate --seed ${seed} --runs 1`;
}
