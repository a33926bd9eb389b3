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
  | { kind: 'wipe'; target: Target }
  /** Kill a majority of the members (the primary among them), then start them all again. */
  | { kind: 'kill-majority'; signal: 'KILL' | 'TERM' }
  | { kind: 'start-all' }
  /** replSetReconfig adding the plan's spare member (it initial-syncs, from a small oplog when the plan has one). */
  | { kind: 'add-member'; votes: 0 | 1 };

export type NemesisKind = NemesisAction['kind'];

/** Kinds of fault a run may draw from (swarm testing picks a subset per seed). */
export const NEMESIS_FAMILIES = ['kill', 'power-loss', 'partition', 'slow', 'skew', 'step-down', 'reconfig', 'wipe', 'kill-majority', 'add-member'] as const;
export type NemesisFamily = (typeof NEMESIS_FAMILIES)[number];
/**
 * The families drawn from a plan's first random stream; the later ones (and the member settings
 * added with them: hidden and delayed members, tags and a tag write concern mode) come from a
 * second stream, so that adding them left every earlier seed's other choices as they were.
 */
const FIRST_STREAM_FAMILIES: readonly NemesisFamily[] = ['kill', 'power-loss', 'partition', 'slow', 'skew', 'step-down', 'reconfig', 'wipe'];

/** The custom write concern mode a plan with tags defines (settings.getLastErrorModes): two distinct `dc` values. */
export const TAG_WRITE_MODE = 'multiDC';

export interface NemesisEvent {
  atMillis: number;
  seed: number;
  action: NemesisAction;
}

export type PlannedOp =
  | { f: 'write'; key: string; value: number }
  | { f: 'cas'; key: string; to: number }
  | { f: 'read'; key: string; rc: 'linearizable' | 'majority' | 'local'; secondary: boolean }
  | { f: 'add'; id: string; w: 1 | 'majority' | typeof TAG_WRITE_MODE }
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
  /** Members started outside the config, for the add-member nemesis (after the `members` ones). */
  spareMembers?: number;
  /** settings.getLastErrorModes of the initial config (with tagged members in memberConfigs). */
  writeConcernModes?: Document;
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
  const usable = allowed.filter((f) => FIRST_STREAM_FAMILIES.includes(f) && (journal || f !== 'power-loss'));
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
    case 'kill-majority':
      return [{ kind: 'kill-majority', signal: rnd.bool(0.7) ? 'KILL' : 'TERM' }, { kind: 'start-all' }];
    case 'add-member':
      return [{ kind: 'add-member', votes: rnd.bool(0.5) ? 1 : 0 }];
  }
}

/**
 * The second stream's part of a plan: the later nemesis families (with their events), hidden and
 * delayed members (priority 0, as member_config.cpp requires of both), tagged members with a
 * write concern mode over them and writes that use it, a spare member and a small oplog for
 * add-member. It only adds to what the first stream made.
 */
function secondStream(rnd: Random, plan: RunPlan, allowed: readonly NemesisFamily[]): void {
  const allowedLater = allowed.filter((f) => !FIRST_STREAM_FAMILIES.includes(f));
  const later = allowedLater.filter(() => rnd.bool(0.3));
  // Asked for only later families (--nemesis kill-majority): at least one of them.
  if (later.length === 0 && allowedLater.length > 0 && allowed.every((f) => !FIRST_STREAM_FAMILIES.includes(f))) later.push(rnd.pick(allowedLater));
  const plain = (i: number): boolean => Object.keys(plan.memberConfigs[i]!).length === 0;
  // A hidden, delayed member: the manual's "Delayed Replica Set Members" (priority 0, hidden).
  if (rnd.bool(0.25)) {
    const i = plan.members - 1;
    if (plain(i)) plan.memberConfigs[i] = { priority: 0, hidden: true, secondaryDelaySecs: rnd.pick([1, 2, 5]) };
  } else if (rnd.bool(0.15)) {
    const i = rnd.int(0, plan.members - 1);
    if (plain(i)) plan.memberConfigs[i] = { priority: 0, hidden: true };
  }
  // Tags on the data-bearing members (none on an arbiter: "Cannot set tags on arbiters."), and a mode
  // that wants two data centres.
  if (rnd.bool(0.3)) {
    const dcs = ['east', 'west', 'north'];
    let n = 0;
    for (const config of plan.memberConfigs) if (config.arbiterOnly !== true) config.tags = { dc: dcs[n++ % dcs.length]!, rack: `r${n}` };
    plan.writeConcernModes = { [TAG_WRITE_MODE]: { dc: 2 } };
    for (const client of plan.clients) {
      for (const step of client.ops) if (step.op.f === 'add' && step.op.w === 'majority' && rnd.bool(0.5)) step.op.w = TAG_WRITE_MODE;
    }
  }
  const nemeses: NemesisEvent[] = [];
  for (const family of later) {
    // A reconfig waits for the step-up config to be committed (CurrentConfigNotCommittedYet): add
    // a member once the set has settled.
    const at = rnd.int(family === 'add-member' ? Math.min(5000, plan.durationMillis - 1000) : 500, plan.durationMillis - 500);
    let t = at;
    for (const action of nemesisAction(rnd, family, plan.members, plan.bugs)) {
      nemeses.push({ atMillis: t, seed: rnd.nextUint32(), action });
      t = Math.min(plan.durationMillis, t + rnd.int(2000, 15_000));
    }
    if (family === 'add-member') {
      plan.spareMembers = 1;
      if (plan.oplogEntriesMax === undefined && rnd.bool(0.6)) plan.oplogEntriesMax = rnd.pick([40, 100, 300]);
    }
  }
  if (later.length === 0) return;
  plan.families.push(...later);
  plan.nemeses.push(...nemeses);
  plan.nemeses.sort((a, b) => a.atMillis - b.atMillis || a.seed - b.seed);
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
  const plan: RunPlan = {
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
  secondStream(new Random((seed ^ 0x5ec0d57e) >>> 0), plan, options.families ?? NEMESIS_FAMILIES);
  return plan;
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
    case 'kill-majority':
      return `kill -${action.signal === 'KILL' ? 9 : 15} a majority of the members, the primary among them`;
    case 'start-all':
      return 'start every dead member';
    case 'add-member':
      return `replSetReconfig adding the spare member (votes ${action.votes}, priority 0)`;
  }
}
