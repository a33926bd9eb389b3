/**
 * A run's plan: everything that decides a simulated run, as data. A seed makes one (`planRun`),
 * the runner executes one (`executePlan`), the shrinker cuts nemesis events and client operations
 * out of one, and a failing one is written to a file that `simulate --replay FILE` runs again.
 *
 * Randomness the plan does not fix comes from seeds inside it (the cluster's, each nemesis
 * event's), so removing one event or operation leaves the others' random choices as they were.
 */
import type { Document } from 'bson';
import { Random } from '../random/random';
import { INJECTED_BUGS } from '../repl/parameters';
import type { InjectedBug } from '../repl/parameters';

export const PLAN_VERSION = 1;

export type WorkloadName = 'register' | 'set' | 'retryable' | 'list-append';
export const WORKLOADS: readonly WorkloadName[] = ['register', 'set', 'retryable', 'list-append'];

/** Known bugs the simulator can be told to have, so the checkers are seen to catch them (the injection points are in repl/, named in INJECTED_BUGS). */
export type BugName = InjectedBug;
export const BUGS: readonly BugName[] = INJECTED_BUGS;

/** Which member a nemesis event acts on, resolved when it happens (from the event's own seed). */
export type Target = 'primary' | 'secondary' | 'any' | 'dead';

export type NemesisAction =
  | { kind: 'kill'; target: Target; signal: 'KILL' | 'TERM' }
  | { kind: 'power-loss'; target: Target; tornBytes: number }
  | { kind: 'start'; target: Target }
  | { kind: 'partition'; shape: 'halves' | 'isolate-primary' | 'bridge' | 'one-way' | 'clients-follow' }
  | { kind: 'heal' }
  | { kind: 'slow'; delayMillis: number; oneWay: boolean }
  | { kind: 'fast' }
  | { kind: 'skew'; target: Target; rate: number }
  | { kind: 'step-down'; force: boolean; stepDownSecs: number }
  | { kind: 'freeze'; target: Target; secs: number }
  | { kind: 'reconfig'; change: 'priority' | 'votes' | 'election-timeout' }
  | { kind: 'wipe'; target: Target };

export type NemesisKind = NemesisAction['kind'];

/** Kinds of fault a run may draw from (swarm testing picks a subset per seed). */
export const NEMESIS_FAMILIES = ['kill', 'power-loss', 'partition', 'slow', 'skew', 'step-down', 'reconfig', 'wipe'] as const;
export type NemesisFamily = (typeof NEMESIS_FAMILIES)[number];

export interface NemesisEvent {
  atMillis: number;
  seed: number;
  action: NemesisAction;
}

export type PlannedOp =
  | { f: 'write'; key: string; value: number }
  | { f: 'cas'; key: string; to: number }
  | { f: 'read'; key: string; rc: 'linearizable' | 'majority' | 'local'; secondary: boolean }
  | { f: 'add'; id: string; w: 1 | 'majority' }
  | { f: 'push'; doc: string; token: number; forceRetry: boolean }
  | { f: 'txn'; mops: Array<readonly ['append', string, number] | readonly ['r', string, null]> };

export interface ClientOp {
  /** Think time before the operation, in virtual ms. */
  delayMillis: number;
  op: PlannedOp;
}

export interface ClientPlan {
  workload: WorkloadName;
  /** The client's own randomness (which member it asks, its wtimeouts). */
  seed: number;
  ops: ClientOp[];
}

export interface RunPlan {
  version: number;
  seed: number;
  members: number;
  memberConfigs: Document[];
  electionTimeoutMillis: number;
  linkDelayMillis: number;
  clusterSeed: number;
  /** Members keep their data in a journal on an in-memory file system (kill -9 and power loss lose what they should). */
  journal: boolean;
  /** A small capped oplog (entries), or undefined for the default. */
  oplogEntriesMax?: number;
  /** Each member's clock rate and offset at the start. */
  clockRates: number[];
  clockOffsetsMillis: number[];
  /** The nemesis families this run draws from. */
  families: NemesisFamily[];
  nemeses: NemesisEvent[];
  clients: ClientPlan[];
  /** When the clients stop starting operations and the set is healed (virtual ms after the set has a primary). */
  durationMillis: number;
  bugs: BugName[];
  workloads: WorkloadName[];
}

export interface PlanOptions {
  members?: number;
  workloads?: readonly WorkloadName[];
  bugs?: readonly BugName[];
  /** Restrict the nemesis to these families (default: a random subset of all, per seed). */
  families?: readonly NemesisFamily[];
  durationMillis?: number;
  /** Force the journal on or off (default: chosen by the seed). */
  journal?: boolean;
}

const REGISTER_KEYS = ['k0', 'k1', 'k2', 'k3'];

function pickFamilies(rnd: Random, allowed: readonly NemesisFamily[], journal: boolean): NemesisFamily[] {
  const usable = allowed.filter((f) => journal || f !== 'power-loss');
  const chosen = usable.filter(() => rnd.bool(0.55));
  if (chosen.length === 0 && usable.length > 0) chosen.push(rnd.pick(usable));
  return chosen;
}

function nemesisAction(rnd: Random, family: NemesisFamily, members: number, bugs: readonly BugName[]): NemesisAction[] {
  switch (family) {
    case 'kill': {
      const signal = rnd.bool(0.7) ? 'KILL' : 'TERM';
      return [{ kind: 'kill', target: rnd.pick<Target>(['primary', 'primary', 'any']), signal }, { kind: 'start', target: 'dead' }];
    }
    case 'power-loss':
      return [{ kind: 'power-loss', target: rnd.pick<Target>(['primary', 'any']), tornBytes: rnd.pick([0, 0, 7, 100]) }, { kind: 'start', target: 'dead' }];
    case 'partition': {
      const shapes = ['halves', 'isolate-primary', 'isolate-primary', 'one-way', 'clients-follow', ...(members >= 3 ? (['bridge'] as const) : [])] as const;
      // With a double-vote bug, split votes are what it needs: isolate primaries often.
      const shape = bugs.includes('double-vote') && rnd.bool(0.5) ? 'isolate-primary' : rnd.pick(shapes);
      return [{ kind: 'partition', shape }, { kind: 'heal' }];
    }
    case 'slow':
      return [{ kind: 'slow', delayMillis: rnd.pick([50, 200, 1000, 3000]), oneWay: rnd.bool(0.3) }, { kind: 'fast' }];
    case 'skew':
      return [{ kind: 'skew', target: 'any', rate: rnd.pick([0.25, 0.5, 0.8, 1.25, 2, 4]) }];
    case 'step-down':
      return rnd.bool(0.8)
        ? [{ kind: 'step-down', force: rnd.bool(0.3), stepDownSecs: rnd.pick([1, 5, 20]) }]
        : [{ kind: 'freeze', target: 'secondary', secs: rnd.pick([0, 5, 30]) }];
    case 'reconfig':
      return [{ kind: 'reconfig', change: rnd.pick(['priority', 'priority', 'votes', 'election-timeout'] as const) }];
    case 'wipe':
      return [{ kind: 'wipe', target: 'secondary' }];
  }
}

function clientOps(rnd: Random, workload: WorkloadName, durationMillis: number, thinkMillis: number, ids: { value: number; add: number; token: number }, keys: readonly string[]): ClientOp[] {
  const ops: ClientOp[] = [];
  let t = 0;
  while (t < durationMillis) {
    const delayMillis = rnd.int(0, 2 * thinkMillis);
    t += delayMillis + 20;
    ops.push({ delayMillis, op: plannedOp(rnd, workload, ids, keys) });
  }
  return ops;
}

function plannedOp(rnd: Random, workload: WorkloadName, ids: { value: number; add: number; token: number }, keys: readonly string[]): PlannedOp {
  switch (workload) {
    case 'register': {
      const key = rnd.pick(keys);
      const roll = rnd.float();
      if (roll < 0.35) return { f: 'write', key, value: ++ids.value };
      if (roll < 0.5) return { f: 'cas', key, to: ++ids.value };
      const rc = rnd.pick(['linearizable', 'linearizable', 'majority', 'local'] as const);
      return { f: 'read', key, rc, secondary: rc !== 'linearizable' && rnd.bool(0.5) };
    }
    case 'set':
      return { f: 'add', id: `e${++ids.add}`, w: rnd.bool(0.6) ? 'majority' : 1 };
    case 'retryable':
      return { f: 'push', doc: rnd.pick(['r0', 'r1']), token: ++ids.token, forceRetry: rnd.bool(0.3) };
    case 'list-append': {
      const n = rnd.int(1, 4);
      const mops: Array<readonly ['append', string, number] | readonly ['r', string, null]> = [];
      for (let i = 0; i < n; i++) {
        const key = rnd.pick(['x0', 'x1', 'x2', 'x3', 'x4']);
        mops.push(rnd.bool() ? ['append', key, ++ids.value] : ['r', key, null]);
      }
      return { f: 'txn', mops };
    }
  }
}

/** The plan a seed makes. */
export function planRun(seed: number, options: PlanOptions = {}): RunPlan {
  const rnd = new Random(seed);
  const members = options.members ?? rnd.pick([3, 3, 3, 5]);
  const electionTimeoutMillis = rnd.pick([1000, 1000, 2000, 5000, 10_000]);
  const memberConfigs: Document[] = Array.from({ length: members }, () => ({}));
  const variety = rnd.float();
  if (variety < 0.15) memberConfigs[members - 1] = { priority: 0 };
  else if (variety < 0.3) memberConfigs[rnd.int(0, members - 1)] = { priority: 3 };
  else if (variety < 0.4 && members === 5) memberConfigs[members - 1] = { arbiterOnly: true };
  // A double vote needs two candidates in one term: slower links widen the window in which two
  // members stand before either hears of the other's term.
  const linkDelayMillis = options.bugs?.includes('double-vote') ? rnd.pick([20, 50, 100]) : rnd.pick([1, 1, 2, 5, 20]);
  const clusterSeed = rnd.nextUint32();
  const journal = options.journal ?? rnd.bool(0.5);
  const oplogEntriesMax = rnd.bool(0.15) ? rnd.pick([40, 100, 300]) : undefined;
  const skewed = rnd.bool(0.3);
  const clockRates = Array.from({ length: members }, () => (skewed && rnd.bool(0.5) ? rnd.pick([0.5, 0.9, 1.1, 2]) : 1));
  const clockOffsetsMillis = Array.from({ length: members }, () => (skewed ? rnd.int(-30_000, 30_000) : 0));
  const durationMillis = options.durationMillis ?? rnd.int(15_000, 40_000);
  const bugs = [...(options.bugs ?? [])];
  const families = pickFamilies(rnd, options.families ?? NEMESIS_FAMILIES, journal);

  // Nemesis: events at random times; a fault is followed by its repair some time later.
  const nemeses: NemesisEvent[] = [];
  const faultCount = families.length === 0 ? 0 : rnd.int(2, 8);
  for (let i = 0; i < faultCount; i++) {
    const family = rnd.pick(families);
    const at = rnd.int(500, durationMillis - 500);
    const actions = nemesisAction(rnd, family, members, bugs);
    let t = at;
    for (const action of actions) {
      nemeses.push({ atMillis: t, seed: rnd.nextUint32(), action });
      t = Math.min(durationMillis, t + rnd.int(1000, 15_000));
    }
  }
  nemeses.sort((a, b) => a.atMillis - b.atMillis || a.seed - b.seed);

  const workloads = [...(options.workloads ?? WORKLOADS)];
  const ids = { value: 0, add: 0, token: 0 };
  const thinkMillis = rnd.pick([400, 800, 1200]);
  const keys = REGISTER_KEYS.slice(0, rnd.int(2, REGISTER_KEYS.length));
  const clients: ClientPlan[] = [];
  for (const workload of workloads) {
    const count = workload === 'register' ? rnd.int(3, 4) : workload === 'set' ? 1 : 2;
    // Slower clients on workloads that do more per operation.
    const think = workload === 'set' ? thinkMillis * 2 : workload === 'list-append' ? thinkMillis * 2 : thinkMillis;
    for (let i = 0; i < count; i++) clients.push({ workload, seed: rnd.nextUint32(), ops: clientOps(rnd, workload, durationMillis, think, ids, keys) });
  }
  return {
    version: PLAN_VERSION,
    seed,
    members,
    memberConfigs,
    electionTimeoutMillis,
    linkDelayMillis,
    clusterSeed,
    journal,
    ...(oplogEntriesMax === undefined ? {} : { oplogEntriesMax }),
    clockRates,
    clockOffsetsMillis,
    families,
    nemeses,
    clients,
    durationMillis,
    bugs,
    workloads,
  };
}

/** A one-line description of a nemesis event. */
export function describeNemesis(action: NemesisAction): string {
  switch (action.kind) {
    case 'kill':
      return `kill -${action.signal === 'KILL' ? 9 : 15} ${action.target}`;
    case 'power-loss':
      return `power loss on ${action.target} (torn ${action.tornBytes} bytes)`;
    case 'start':
      return `start a ${action.target} member`;
    case 'partition':
      return `partition ${action.shape}`;
    case 'heal':
      return 'heal the network';
    case 'slow':
      return `slow a link to ${action.delayMillis} ms${action.oneWay ? ' one way' : ''}`;
    case 'fast':
      return 'links back to normal speed';
    case 'skew':
      return `clock of ${action.target} runs at ${action.rate}x`;
    case 'step-down':
      return `replSetStepDown ${action.stepDownSecs}s${action.force ? ' force' : ''}`;
    case 'freeze':
      return `replSetFreeze ${action.secs}s on ${action.target}`;
    case 'reconfig':
      return `replSetReconfig (${action.change})`;
    case 'wipe':
      return `wipe the data of ${action.target} and restart it (initial sync)`;
  }
}
