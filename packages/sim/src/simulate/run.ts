/**
 * Randomized runs of a simulated replica set, Jepsen-style and VOPR-style: a seed makes a plan
 * (plan.ts) of member settings, client operations and nemesis events; the plan runs on an
 * in-process cluster on one virtual clock (the shipped Storage and CRUD commands, members'
 * journals on in-memory file systems); clients record a history; at the end the set is healed,
 * must converge, and the history goes through the checkers. The same plan always gives the same
 * run (the digest says so).
 */
import { createHash } from 'node:crypto';
import type { Document } from 'bson';
import type { Clock } from '../clock/clock';
import { SkewedClock } from '../clock/skewed';
import { compareOpTime, opTimeEquals, opTimeKey } from '../base/optime';
import type { OpTime } from '../base/optime';
import type { OplogEntry } from '../storage/oplog';
import { VirtualClock } from '../clock/virtual';
import { Cluster } from '../harness/cluster';
import type { Member } from '../member/member';
import { Random } from '../random/random';
import { isVoter, replSetConfigCodec } from '../repl/config';
import type { MemberConfig } from '../repl/config';
import { Journal } from '../storage/journal';
import { MemoryJournalFileSystem } from '../storage/journalFs';
import { InvariantMonitor } from './checkers/invariants';
import { checkListAppend, transactionsOf } from './checkers/listAppend';
import type { MicroOp } from './checkers/listAppend';
import { checkRegisterLinearizable, checkRegisterReads } from './checkers/register';
import type { CheckerResult, Violation } from './checkers/result';
import { resultOf } from './checkers/result';
import { checkAtMostOnce, checkSet } from './checkers/set';
import { SimClient } from './client';
import { HistoryRecorder, operations } from './history';
import type { HistoryEvent } from './history';
import { planRun, describeNemesis } from './plan';
import type { BugName, NemesisEvent, PlanOptions, RunPlan, Target, WorkloadName } from './plan';
import { finalRegisterRead, newClientMemory, readAll, runOperation } from './workloads';
import { supportOf } from './support';
import type { Support } from './support';

export interface SimulationOptions extends PlanOptions {
  /** Virtual time allowed for the healed set to converge. */
  convergeLimitMillis?: number;
  /** Keep the history in the result even when nothing failed. */
  keepHistory?: boolean;
}

/** Which storage the runs use: the shipped one (storage/, query semantics from mingo) with the full CRUD commands. */
export const SIMULATION_STORAGE = 'mingo';

/** The checkers every run names in its summary. */
export const CHECKERS = ['linearizable', 'register', 'set', 'at-most-once', 'elle', 'invariants'] as const;

export interface SimulationRunResult {
  seed: number;
  plan: RunPlan;
  /** One line per violation (checker: message). */
  violations: string[];
  /** Every violation as the checkers reported it. */
  found: Violation[];
  checkers: CheckerResult[];
  /** Fingerprint of the final state of every member. */
  digest: string;
  virtualMillis: number;
  operations: number;
  writesAcked: number;
  rollbacks: number;
  elections: number;
  /** Operations that ended `info` (outcome unknown). */
  indeterminate: number;
  /** The history, when the run failed or `keepHistory` asked for it. */
  history?: HistoryEvent[];
  /** Workloads the plan asked for that this simulator cannot run yet (they were left out). */
  unsupported: WorkloadName[];
}

/** How long (virtual) the end-of-run resync waits for a moment when wiping a too-stale member is safe. */
const RESYNC_WAIT_MILLIS = 10_000;

interface Disks {
  disks: Map<string, MemoryJournalFileSystem>;
}

/** Run the plan a seed makes. */
export async function simulateRun(seed: number, options: SimulationOptions = {}): Promise<SimulationRunResult> {
  return executePlan(planRun(seed, options), options);
}

/** Run one plan (from a seed, a shrink, or a file). */
export async function executePlan(plan: RunPlan, options: SimulationOptions = {}): Promise<SimulationRunResult> {
  const support = await supportOf();
  const unsupported = plan.workloads.filter((w) => !support.workloads.has(w));
  const active = new Set(plan.workloads.filter((w) => support.workloads.has(w)));
  const convergeLimitMillis = options.convergeLimitMillis ?? 120_000;
  const clocks = new Map<string, SkewedClock>();
  const clock = new VirtualClock();
  const disks: Disks = { disks: new Map() };
  let journalFailure: Error | undefined;
  const settings: Document = { electionTimeoutMillis: plan.electionTimeoutMillis, ...(plan.writeConcernModes ? { getLastErrorModes: plan.writeConcernModes } : {}) };
  const clusterOptions = {
    // The spare members run from the start, outside the config, until add-member adds one.
    members: plan.members + (plan.spareMembers ?? 0),
    seed: plan.clusterSeed,
    settings,
    memberConfigs: plan.memberConfigs,
    linkDelayMillis: plan.linkDelayMillis,
    eventsMax: 1000,
    parameters: { ...(plan.oplogEntriesMax === undefined ? {} : { oplogEntriesMax: plan.oplogEntriesMax }), ...(plan.bugs.length === 0 ? {} : { injectedBugs: [...plan.bugs] }) },
    memberClock: (host: string, base: Clock): Clock => {
      const i = Number(host.slice(host.lastIndexOf(':') + 1)) - 27017;
      const clock = new SkewedClock(base, { rate: plan.clockRates[i] ?? 1, offsetMillis: plan.clockOffsetsMillis[i] ?? 0 });
      clocks.set(host, clock);
      return clock;
    },
    ...(plan.journal
      ? {
          recover: (host: string) => {
            let disk = disks.disks.get(host);
            if (!disk) disks.disks.set(host, (disk = new MemoryJournalFileSystem()));
            const journal = new Journal({
              fs: disk,
              configCodec: replSetConfigCodec,
              dbpath: `/data/${host}`,
              clock,
              log: () => undefined,
              storageOptions: { now: () => clock.now() },
              onFatal: (error) => {
                journalFailure ??= error;
              },
            });
            return {
              storage: journal.storage,
              persisted: journal.persisted,
              journal,
              started: (member: Member) => journal.attach({ commitPoint: () => member.repl.commitPoint, flushed: () => member.repl.journalFlushed() }),
              stopped: (how: 'kill' | 'shutdown') => {
                if (how === 'kill') journal.abandon();
                else journal.close().catch((error: unknown) => (journalFailure ??= error instanceof Error ? error : new Error(String(error))));
              },
            };
          },
        }
      : {}),
  };
  const c = new Cluster({ ...clusterOptions, clock });
  const startMillis = c.clock.now();
  const monitor = new InvariantMonitor(c);
  const history = new HistoryRecorder(() => c.clock.now() - startMillis);
  const extra: Violation[] = [];
  let stopping = false;
  const clientErrors: unknown[] = [];
  try {
    const initial = c.defaultConfig();
    initial.members = (initial.members as Document[]).slice(0, plan.members);
    await c.initiate(initial);
    const primaryOk = await c.waitFor(() => c.primary() !== undefined, 120_000);
    if (!primaryOk) extra.push({ checker: 'invariants', kind: 'no-primary', message: 'no primary within 120 s of initiating' });
    const runStart = c.clock.now();
    const deadline = runStart + plan.durationMillis;
    const sleep = (millis: number): Promise<void> => new Promise((resolve) => c.clock.setTimer(millis, resolve));

    // Clients: one process each (a new one after an operation of unknown outcome).
    const clients = plan.clients.map(
      (clientPlan, i) =>
        ({
          plan: clientPlan,
          client: new SimClient({ cluster: c, history, random: new Random(clientPlan.seed), endpoint: `client${i}`, process: i, processStride: plan.clients.length, requestTimeoutMillis: 10_000 }),
        }) as const,
    );
    let running = 0;
    for (const { plan: clientPlan, client } of clients) {
      if (!active.has(clientPlan.workload)) continue;
      running++;
      const memory = newClientMemory(client.random);
      void (async () => {
        for (const step of clientPlan.ops) {
          await sleep(step.delayMillis);
          if (stopping || c.clock.now() >= deadline) break;
          await runOperation(client, memory, step.op);
        }
      })()
        .catch((error: unknown) => clientErrors.push(error))
        .finally(() => running--);
    }

    // The nemesis.
    const advanceTo = async (at: number): Promise<void> => {
      while (c.clock.now() < at) {
        await c.advance(Math.min(1000, at - c.clock.now()));
        monitor.checkCommitted();
      }
    };
    for (const event of plan.nemeses) {
      await advanceTo(runStart + event.atMillis);
      applyNemesis(c, plan, event, { clocks, disks, history, clientEndpoints: clients.map((x) => x.client.endpoint), monitor });
      monitor.checkCommitted();
    }
    await advanceTo(deadline);

    // Heal: network, clocks, dead members; wait for the clients' last operations.
    stopping = true;
    history.nemesis('heal-all', null, 'end of the run: heal, restart, let the set converge');
    c.healAll();
    c.clearDelays();
    for (const clock of clocks.values()) clock.setRate(1);
    for (const host of c.hosts) if (!c.isAlive(host)) c.start(host);
    await c.waitFor(() => running === 0, 30_000);
    history.closePending('still running when the run ended');

    // A member that fell off the end of a small oplog stays RECOVERING until resynced, as mongod
    // does. An operator would resync it (wipe, then initial sync by cloning, repl/initialSync.ts)
    // unless that is unsafe; then it is left out of the convergence check, with a note.
    const tooStale = new Set<string>();
    const notes: string[] = [];
    const converged = (): boolean => {
      // A member still in a graceful shutdown at the heal (kill -15 waits up to timeoutSecs for
      // a secondary to catch up) stops later: start it again then.
      for (const host of c.hosts) if (!c.isAlive(host)) c.start(host);
      const primary = c.primary();
      if (!primary) return false;
      const pm = c.running(primary);
      const last = c.persistedState(primary).oplog.last();
      for (const host of c.hosts) {
        if (tooStale.has(host) || !inConfig(c, host)) continue;
        const m = c.member(host);
        if (!m) return false;
        if (m.repl.state === 'ARBITER') continue;
        const l = c.persistedState(host).oplog.last();
        // A delayed member applies an entry once its timestamp is secondaryDelaySecs behind the
        // member's own clock (oplog_batcher.cpp _calculateSecondaryDelaySecsLatestTimestamp), so
        // with that clock behind the primary's by more than the periodic no-op interval it never
        // holds the primary's newest no-op (seeds 1000003, 1000140: offsets of 20-30 s), on mongod
        // too. It has converged once it holds every entry but trailing no-ops: the primary's last
        // data entry itself, and a last entry of the primary's history. An optime at or after that
        // entry is not enough (seed 1001831): optimes order by term first, so an entry of a later
        // term that a deposed primary wrote and then rolled back (its "new primary" no-op) sorts
        // after the primary's last write while the delayed member, which applied it late, lacks
        // that write and must still roll back (rollback.ts) before it holds the same data. Its last
        // entry must be one of the primary's (oplogs that share an entry share all before it, as
        // rollback's common point assumes) at or after that write; the write itself may be gone
        // from its oplog, capped or begun after it by a resync (seed 1000617).
        if ((pm.repl.config?.members.find((mc) => mc.host === host)?.secondaryDelaySecs ?? 0) > 0) {
          const primaryOplog = c.persistedState(primary).oplog;
          const lastData = [...primaryOplog.all()].reverse().find((e) => e.op !== 'n');
          if (!l || !primaryOplog.contains(l)) return false;
          if (lastData && compareOpTime(l, lastData) < 0) return false;
          if (m.repl.state !== 'SECONDARY') return false;
          continue;
        }
        if (!l || !last || l.ts !== last.ts || l.t !== last.t) return false;
        if (compareOpTime(m.repl.commitPoint, pm.repl.commitPoint) !== 0) return false;
        if (host !== primary && m.repl.state !== 'SECONDARY') return false;
      }
      if (compareOpTime(pm.repl.commitPoint, pm.repl.lastApplied) === 0) return true;
      // The commit point is the newest optime durable on a majority of the voters
      // (topology_coordinator.cpp updateLastCommittedOpTimeAndWallTime), a delayed voter's among
      // them. When a reconfig leaves a delayed member needed for that majority (seeds 1001669,
      // 1005118: the votes nemesis takes a voter's vote, leaving the primary and a delayed member
      // whose clock is behind the primary's), the commit point trails the primary's last optime by
      // the member's delay, and the primary writes a no-op every periodicNoopIntervalSecs
      // (periodic_noop_writer.cpp), so on mongod too it never reaches the newest no-op. It has
      // converged once every entry but trailing no-ops is committed.
      return pm.repl.config !== undefined && majorityNeedsDelayedMember(pm.repl.config.members) && onlyNoOpsAfter(c.persistedState(primary).oplog.all(), pm.repl.commitPoint);
    };
    let ok = await c.waitFor(converged, convergeLimitMillis / 2);
    if (!ok) {
      const stale = c.hosts.filter((h) => c.state(h) === 'RECOVERING');
      for (const host of stale) {
        // An operator resyncs when it is safe, not at one instant chosen in advance: a set can be
        // without a primary for a moment again and again (seed 1000617: electionTimeoutMillis 1000
        // under heartbeatIntervalMillis 2000, and the only other voter this RECOVERING member, which
        // sends no replSetUpdatePosition without a sync source; mongod's primary then marks it down
        // an election timeout after each heartbeat reply, topology_coordinator.cpp
        // checkMemberTimeouts, steps down, and wins again with its vote). So wait a while for a
        // moment when it is safe; a reason that lasts (a holder of the commit point) still stands.
        await c.waitFor(() => unsafeToWipe(c, host) === undefined, RESYNC_WAIT_MILLIS);
        const unsafe = unsafeToWipe(c, host);
        if (unsafe !== undefined) {
          tooStale.add(host);
          notes.push(`${host} is too stale to catch up and was not resynced: ${unsafe}`);
        } else {
          history.nemesis('resync', host, 'too stale to catch up: wiped for an initial sync');
          wipe(c, plan, disks, host, monitor);
        }
      }
      ok = await c.waitFor(converged, convergeLimitMillis / 2);
    }
    monitor.checkCommitted();

    // Final reads, recorded like any other operation.
    const finals = new SimClient({ cluster: c, history, random: new Random(plan.clusterSeed ^ 0x5eed), endpoint: 'final', process: 10_000, processStride: 1, requestTimeoutMillis: 15_000 });
    const final: { setIds?: string[]; tokens?: Map<string, number[]>; done: boolean } = { done: false };
    const primary = c.primary();
    if (!ok) {
      extra.push({
        checker: 'invariants',
        kind: 'no-convergence',
        message: `did not converge within ${convergeLimitMillis} ms after healing: ${JSON.stringify(c.snapshot().map((s) => [s.host, s.state, s.term, opTimeKey(s.lastApplied), opTimeKey(s.commitPoint)]))}`,
      });
    } else if (primary) {
      const dataBearing = c.hosts.filter((h) => c.member(h)?.repl.state !== 'ARBITER' && !tooStale.has(h) && inConfig(c, h));
      const digests = new Set(dataBearing.map((h) => c.storage(h).dataDigest()));
      if (digests.size !== 1) extra.push({ checker: 'invariants', kind: 'diverged-data', message: `members hold different data after converging: ${dataBearing.map((h) => `${h}=${c.storage(h).dataDigest().slice(0, 8)}`).join(' ')}` });
      void (async () => {
        if (active.has('register')) {
          const keys = new Set<string>();
          for (const p of plan.clients) for (const s of p.ops) if ('key' in s.op) keys.add(s.op.key);
          for (const key of [...keys].sort()) await finalRegisterRead(finals, primary, key);
        }
        if (active.has('set')) final.setIds = (await readAll(finals, primary, 'set'))?.map((d) => String(d._id));
        if (active.has('retryable')) {
          const docs = await readAll(finals, primary, 'retry');
          if (docs) final.tokens = new Map(docs.map((d) => [String(d._id), [...(d.tokens as number[])]]));
        }
        if (active.has('list-append')) {
          const docs = await readAll(finals, primary, 'lists');
          if (docs) {
            const mops: MicroOp[] = ['x0', 'x1', 'x2', 'x3', 'x4'].map((k) => ['r', k, [...((docs.find((d) => d._id === k)?.l as number[] | undefined) ?? [])]] as const);
            history.invoke(finals.process, 'txn', mops.map((m) => [m[0], m[1], null]), { note: 'final', node: primary });
            history.complete(finals.process, 'ok', mops, { node: primary });
          }
        }
      })()
        .catch((error: unknown) => clientErrors.push(error))
        .finally(() => (final.done = true));
      await c.waitFor(() => final.done, 120_000);
    }
    history.closePending('still running after the final reads');
    for (const error of clientErrors) extra.push({ checker: 'invariants', kind: 'simulator-error', message: `a client failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}` });
    if (journalFailure) extra.push({ checker: 'invariants', kind: 'journal-failed', message: `a journal failed: ${journalFailure.message}` });

    // The checkers.
    const ops = operations(history.events);
    const results: CheckerResult[] = [];
    if (active.has('register')) {
      results.push(checkRegisterLinearizable(ops));
      results.push(checkRegisterReads(ops));
    }
    if (active.has('set')) results.push(checkSet(ops, ok ? final.setIds : undefined));
    if (active.has('retryable')) results.push(checkAtMostOnce(ops, ok ? final.tokens : undefined));
    if (active.has('list-append')) results.push(checkListAppend(transactionsOf(ops)));
    monitor.stop();
    const inv = monitor.result();
    results.push(resultOf('invariants', [...inv.violations, ...extra], inv.stats, notes));
    const found = results.flatMap((r) => r.violations);

    const hash = createHash('sha256');
    for (const host of c.hosts) {
      const p = c.persistedState(host);
      hash.update(`${host}|${p.term}|${p.oplog.all().map((e) => opTimeKey(e)).join(',')}|${c.storage(host).dataDigest()}\n`);
    }
    hash.update(`${history.events.length}`);
    return {
      seed: plan.seed,
      plan,
      violations: found.map((v) => `${v.checker}: ${v.message}`),
      found,
      checkers: results,
      digest: hash.digest('hex').slice(0, 16),
      virtualMillis: c.clock.now() - startMillis,
      operations: ops.length,
      writesAcked: ops.filter((o) => o.type === 'ok' && (o.f === 'write' || o.f === 'add' || o.f === 'push')).length,
      rollbacks: monitor.rollbacks,
      elections: monitor.elections,
      indeterminate: ops.filter((o) => o.type === 'info').length,
      ...(found.length > 0 || options.keepHistory ? { history: [...history.events] } : {}),
      unsupported,
    };
  } finally {
    stopping = true;
    c.stopAll();
  }
}

interface NemesisContext {
  clocks: Map<string, SkewedClock>;
  disks: Disks;
  history: HistoryRecorder;
  clientEndpoints: readonly string[];
  monitor: InvariantMonitor;
}

/**
 * Whether every write majority includes a delayed member: fewer data-bearing voters without a
 * delay than the write majority (a majority of the voters, at most the data-bearing voters:
 * repl_set_config.cpp, _writeMajority; a newlyAdded member is no voter, member_config.h isVoter).
 */
export function majorityNeedsDelayedMember(members: readonly Pick<MemberConfig, 'votes' | 'arbiterOnly' | 'secondaryDelaySecs' | 'newlyAdded'>[]): boolean {
  const voters = members.filter(isVoter);
  const dataBearing = voters.filter((m) => !m.arbiterOnly);
  const writeMajority = Math.min(Math.floor(voters.length / 2) + 1, dataBearing.length);
  return dataBearing.filter((m) => m.secondaryDelaySecs === 0).length < writeMajority;
}

/** Whether `oplog` holds `point` and nothing but no-ops after it. */
export function onlyNoOpsAfter(oplog: readonly OplogEntry[], point: OpTime): boolean {
  let i = oplog.length - 1;
  while (i >= 0 && oplog[i]!.op === 'n' && !opTimeEquals(oplog[i]!, point)) i--;
  return i >= 0 && opTimeEquals(oplog[i]!, point);
}

/** Whether the primary's config names `host` (a spare member the add-member nemesis never added is outside the set). */
function inConfig(c: Cluster, host: string): boolean {
  const primary = c.primary();
  return primary === undefined || (c.running(primary).repl.config?.members.some((m) => m.host === host) ?? true);
}

function wipe(c: Cluster, plan: RunPlan, disks: Disks, host: string, monitor: InvariantMonitor): void {
  monitor.forget(host);
  if (plan.journal) {
    c.kill(host);
    disks.disks.set(host, new MemoryJournalFileSystem());
    c.start(host);
  } else {
    c.wipe(host);
  }
}

/**
 * Why wiping `host` now would break what the protocol needs, or undefined when it is safe.
 * Raft and mongod's elections assume a member never forgets its vote or its data; a resync (stop,
 * empty the dbpath, start: MongoDB's "Resync a Member of a Replica Set") makes it forget both, and
 * a member in STARTUP2 still votes (the manual's "Replica Set Elections": STARTUP2 members vote).
 * So the nemesis resyncs the way an operator safely may: only while every other voter is up, none
 * has a term older than the wiped member's (no candidate can then stand in a term it voted in),
 * and, when the member holds the primary's commit point (it may be one of the majority that
 * holds the committed writes), a majority of voters other than it hold that point durably (no
 * committed write lives only on it) — and, for a secondary, everything it holds (no report of it
 * still on its way can commit a write that lives only on it and the primary: seed 1003553). Otherwise seeds 770060, 770100 and 770298 lose committed
 * writes or elect two primaries in one term, as a real set would. A member behind the commit
 * point holds no committed write the others lack, so forgetting its data loses none: seed 1000796
 * (a RECOVERING member, too stale, in a set whose other voter alone is not a majority) must be
 * resynced, not left unconverged.
 */
export function unsafeToWipe(c: Cluster, host: string): string | undefined {
  const primary = c.primary();
  if (!primary) return 'no primary';
  const pm = c.running(primary);
  const config = pm.repl.config;
  if (!config) return 'no config';
  const target = c.member(host);
  const targetTerm = target ? target.repl.term : c.persistedState(host).term;
  // A member that is down: what it kept (an upper bound of what it made durable).
  const targetLast = target ? target.repl.lastDurable : c.persistedState(host).oplog.last();
  const holdsCommitPoint = targetLast !== undefined && compareOpTime(targetLast, pm.repl.commitPoint) >= 0;
  // What the others must hold without it: the commit point, and for a secondary everything it
  // holds. A secondary reports its durable position (updatePosition) as it goes, and a report
  // sent just before the wipe still counts when it arrives: the primary then commits, and
  // acknowledges w:"majority" for, entries that only it and the wiped member held. Seed 1003553:
  // push of token 99 was on the primary and on n27019 (reported), not on n27018, when n27019 was
  // wiped at 14712 ms; the report arrived, the push was acknowledged at 14746 ms, and n27018,
  // elected next, never had it. MongoDB's guarantee is for writes durable on a majority
  // ("Write Concern", w: "majority": "acknowledgment that write operations have been durably
  // committed to ... the majority of the voting members"): destroying one of those copies is the
  // operator's loss, not the server's. The primary itself acknowledges nothing once wiped.
  const mustHold = holdsCommitPoint && host !== primary && compareOpTime(targetLast, pm.repl.commitPoint) > 0 ? targetLast : pm.repl.commitPoint;
  const voters = config.members.filter((m) => m.votes > 0);
  const majority = Math.floor(voters.length / 2) + 1;
  let holding = 0;
  for (const v of voters) {
    if (v.host === host) continue;
    const m = c.member(v.host);
    if (!m) return `voter ${v.host} is down`;
    if (m.repl.term < targetTerm) return `voter ${v.host} is in term ${m.repl.term}, older than ${targetTerm}`;
    if (!v.arbiterOnly && compareOpTime(m.repl.lastDurable, mustHold) >= 0) holding++;
  }
  if (holdsCommitPoint && holding < majority) {
    const what = mustHold === pm.repl.commitPoint ? 'the commit point' : `its last durable entry ${opTimeKey(mustHold)} (it may have reported it: the primary could still commit entries only it and the primary hold)`;
    return `it holds the commit point and only ${holding} voters other than it hold ${what} durably (a majority is ${majority})`;
  }
  return undefined;
}

function resolveTarget(c: Cluster, rnd: Random, target: Target): string | undefined {
  const alive = c.hosts.filter((h) => c.isAlive(h));
  const dataBearing = alive.filter((h) => c.member(h)?.repl.state !== 'ARBITER');
  const primary = c.primary();
  const pick = (list: string[]): string | undefined => (list.length === 0 ? undefined : rnd.pick(list));
  switch (target) {
    case 'primary':
      return primary ?? pick(dataBearing);
    case 'secondary':
      return pick(dataBearing.filter((h) => h !== primary));
    case 'any':
      return pick(alive);
    case 'dead':
      return pick(c.hosts.filter((h) => !c.isAlive(h)));
  }
}

/** Ignore a nemesis command's reply: whether the member took it is part of the schedule. */
function fireAndForget(promise: Promise<Document>): void {
  promise.then(
    () => undefined,
    () => undefined,
  );
}

function applyNemesis(c: Cluster, plan: RunPlan, event: NemesisEvent, ctx: NemesisContext): void {
  const rnd = new Random(event.seed);
  const a = event.action;
  const note = (value: unknown): void => void ctx.history.nemesis(a.kind, value, describeNemesis(a));
  const opts = { from: 'nemesis', timeoutMillis: 30_000 } as const;
  switch (a.kind) {
    case 'kill': {
      const host = resolveTarget(c, rnd, a.target);
      if (!host) return;
      note(host);
      if (a.signal === 'KILL') c.kill(host);
      else fireAndForget(c.send(host, { shutdown: 1, force: true, timeoutSecs: 5 }, opts));
      return;
    }
    case 'power-loss': {
      const host = resolveTarget(c, rnd, a.target);
      if (!host) return;
      note(host);
      c.kill(host);
      ctx.disks.disks.get(host)?.crash(a.tornBytes);
      return;
    }
    case 'start': {
      const host = resolveTarget(c, rnd, a.target);
      if (!host) return;
      note(host);
      c.start(host);
      return;
    }
    case 'partition': {
      const hosts = rnd.shuffle(c.hosts);
      const primary = c.primary() ?? hosts[0]!;
      if (a.shape === 'isolate-primary') {
        note([[primary], c.hosts.filter((h) => h !== primary)]);
        c.partition([primary], c.hosts.filter((h) => h !== primary));
      } else if (a.shape === 'halves' || a.shape === 'clients-follow') {
        const cut = rnd.int(1, hosts.length - 1);
        const groups = [hosts.slice(0, cut), hosts.slice(cut)];
        if (a.shape === 'clients-follow') for (const endpoint of ctx.clientEndpoints) groups[rnd.int(0, 1)]!.push(endpoint);
        note(groups);
        c.partition(...groups);
      } else if (a.shape === 'bridge') {
        // Two sides that only the member in the middle talks to (Jepsen's bridge).
        const middle = hosts[0]!;
        const rest = hosts.slice(1);
        const left = rest.slice(0, Math.ceil(rest.length / 2));
        const right = rest.slice(Math.ceil(rest.length / 2));
        note({ left, middle, right });
        for (const x of left) for (const y of right) c.cut(x, y);
      } else {
        const others = c.hosts.filter((h) => h !== primary);
        const cut = others.filter(() => rnd.bool(0.6));
        if (cut.length === 0) cut.push(rnd.pick(others));
        note({ from: primary, to: cut, oneWay: true });
        for (const h of cut) c.cut(primary, h, true);
      }
      return;
    }
    case 'heal':
      note(null);
      c.healAll();
      return;
    case 'slow': {
      const [x, y] = rnd.shuffle(c.hosts) as [string, string];
      note({ x, y, delayMillis: a.delayMillis });
      c.setDelay(x, y, a.delayMillis, a.oneWay);
      return;
    }
    case 'fast':
      note(null);
      c.clearDelays();
      return;
    case 'skew': {
      const host = resolveTarget(c, rnd, a.target);
      if (!host) return;
      note({ host, rate: a.rate });
      ctx.clocks.get(host)?.setRate(a.rate);
      return;
    }
    case 'step-down': {
      const primary = c.primary();
      if (!primary) return;
      note(primary);
      fireAndForget(c.send(primary, { replSetStepDown: a.stepDownSecs, secondaryCatchUpPeriodSecs: Math.min(a.stepDownSecs, 1), force: a.force }, opts));
      return;
    }
    case 'freeze': {
      const host = resolveTarget(c, rnd, a.target);
      if (!host) return;
      note({ host, secs: a.secs });
      fireAndForget(c.send(host, { replSetFreeze: a.secs }, opts));
      return;
    }
    case 'reconfig': {
      const primary = c.primary();
      if (!primary) return;
      const current = (c.running(primary).repl.configDocument().config as Document) ?? undefined;
      if (!current) return;
      const config: Document = { ...current, version: Number(current.version) + 1, members: (current.members as Document[]).map((m) => ({ ...m })) };
      delete config.term;
      const members = config.members as Document[];
      const candidates = members.filter((m) => m.arbiterOnly !== true);
      const m = rnd.pick(candidates);
      if (a.change === 'priority') {
        if (m.votes === 0) return;
        m.priority = rnd.pick([0, 0.5, 1, 2, 3]);
        if (m.host === primary && m.priority === 0) m.priority = 1;
      } else if (a.change === 'votes') {
        if (m.host === primary) return;
        if (m.votes === 0) {
          m.votes = 1;
          m.priority = 1;
        } else {
          m.votes = 0;
          m.priority = 0;
        }
      } else {
        config.settings = { ...(config.settings as Document), electionTimeoutMillis: rnd.pick([1000, 2000, 5000, 10_000]) };
      }
      note({ member: m.host, change: a.change, priority: m.priority, votes: m.votes });
      fireAndForget(c.send(primary, { replSetReconfig: config }, opts));
      return;
    }
    case 'kill-majority': {
      // A majority of the config's voters (floor(n/2) + 1; with an added voting member, of the
      // larger set), the primary first: the set is left without a primary until they come back.
      const primary = c.primary();
      const config = primary ? c.running(primary).repl.config : undefined;
      const voters = config ? config.members.filter((m) => m.votes > 0).map((m) => m.host) : c.hosts.slice(0, plan.members);
      const others = rnd.shuffle(voters.filter((h) => c.isAlive(h) && h !== primary));
      const victims = [...(primary ? [primary] : []), ...others].slice(0, Math.floor(voters.length / 2) + 1);
      note(victims);
      for (const host of victims) {
        if (a.signal === 'KILL') c.kill(host);
        else fireAndForget(c.send(host, { shutdown: 1, force: true, timeoutSecs: 5 }, opts));
      }
      return;
    }
    case 'start-all': {
      const dead = c.hosts.filter((h) => !c.isAlive(h));
      note(dead);
      for (const host of dead) c.start(host);
      return;
    }
    case 'add-member': {
      const primary = c.primary();
      const spare = c.hosts[plan.members];
      if (!primary || spare === undefined) return;
      const current = c.running(primary).repl.configDocument().config as Document | undefined;
      if (!current || (current.members as Document[]).some((m) => m.host === spare)) return;
      const config: Document = { ...current, version: Number(current.version) + 1, members: [...(current.members as Document[]), { _id: plan.members, host: spare, priority: 0, votes: a.votes }] };
      delete config.term;
      note({ member: spare, votes: a.votes });
      fireAndForget(c.send(primary, { replSetReconfig: config }, opts));
      return;
    }
    case 'wipe': {
      const host = resolveTarget(c, rnd, a.target);
      if (!host) return;
      const unsafe = unsafeToWipe(c, host);
      if (unsafe !== undefined) {
        ctx.history.nemesis('wipe-skipped', host, `not resynced: ${unsafe}`);
        return;
      }
      note(host);
      wipe(c, plan, ctx.disks, host, ctx.monitor);
      return;
    }
  }
}

export interface SimulationSummary {
  runs: number;
  violations: number;
  digest: string;
  failing: SimulationRunResult[];
  virtualMillis: number;
  operations: number;
  /** Checkers that ran, with how many runs each one checked and found fault with. */
  checkers: Map<string, { runs: number; failed: number; unknown: number }>;
  unsupported: Set<WorkloadName>;
}

/** Runs in one call, at most (a bound on a mistyped `--runs`). */
export const SIMULATE_RUNS_MAX = 10_000_000;

export function checkRunsCount(runs: number): void {
  if (!Number.isInteger(runs) || runs < 1 || runs > SIMULATE_RUNS_MAX) throw new RangeError(`runs must be 1..${SIMULATE_RUNS_MAX}, got ${runs}`);
}

/** A run that threw instead of finishing (a simulator bug, not a violation): names its seed. */
export class SimulationRunError extends Error {
  override readonly name = 'SimulationRunError';
  constructor(
    readonly seed: number,
    cause: unknown,
  ) {
    super(`seed ${seed}: the run threw: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
}

/**
 * Folds run results into a summary. Results must come in seed order: the digest chains the
 * per-run digests in that order, so the summary is the same however the runs were spread.
 */
export class SummaryBuilder {
  private readonly hash = createHash('sha256');
  private readonly failing: SimulationRunResult[] = [];
  private readonly checkers = new Map<string, { runs: number; failed: number; unknown: number }>();
  private readonly unsupported = new Set<WorkloadName>();
  private violations = 0;
  private virtualMillis = 0;
  private operationsCount = 0;
  private added = 0;
  private nextSeed: number;

  constructor(
    firstSeed: number,
    private readonly runs: number,
  ) {
    checkRunsCount(runs);
    this.nextSeed = firstSeed;
  }

  add(result: SimulationRunResult): void {
    if (result.seed !== this.nextSeed) throw new Error(`SummaryBuilder: seed ${result.seed} out of order (expected ${this.nextSeed})`);
    this.nextSeed++;
    this.added++;
    this.hash.update(`${result.seed}:${result.digest};`);
    this.virtualMillis += result.virtualMillis;
    this.operationsCount += result.operations;
    for (const w of result.unsupported) this.unsupported.add(w);
    for (const r of result.checkers) {
      const entry = this.checkers.get(r.checker) ?? { runs: 0, failed: 0, unknown: 0 };
      entry.runs++;
      if (r.valid === false) entry.failed++;
      if (r.valid === 'unknown') entry.unknown++;
      this.checkers.set(r.checker, entry);
    }
    if (result.violations.length > 0) {
      this.violations += result.violations.length;
      this.failing.push(result);
    }
  }

  finish(): SimulationSummary {
    if (this.added !== this.runs) throw new Error(`SummaryBuilder: ${this.added} of ${this.runs} runs added`);
    return { runs: this.runs, violations: this.violations, digest: this.hash.digest('hex').slice(0, 16), failing: this.failing, virtualMillis: this.virtualMillis, operations: this.operationsCount, checkers: this.checkers, unsupported: this.unsupported };
  }
}

/** Run one seed; a run that throws is a `SimulationRunError` naming the seed. */
export async function simulateSeed(seed: number, options: SimulationOptions = {}): Promise<SimulationRunResult> {
  try {
    return await simulateRun(seed, options);
  } catch (error) {
    throw new SimulationRunError(seed, error);
  }
}

/** Runs `runs` plans from `seed`, `seed + 1`, ... one after another; `onRun` sees each result. See jobs.ts for several at once. */
export async function simulateMany(seed: number, runs: number, options: SimulationOptions = {}, onRun?: (r: SimulationRunResult) => void): Promise<SimulationSummary> {
  const summary = new SummaryBuilder(seed, runs);
  for (let i = 0; i < runs; i++) {
    const result = await simulateSeed(seed + i, options);
    summary.add(result);
    onRun?.(result);
  }
  return summary.finish();
}

/** The command that runs one seed again with the same options. */
export function replayCommand(seed: number, options: { workloads?: readonly WorkloadName[]; bugs?: readonly BugName[] } = {}): string {
  const flags = [`--seed ${seed}`, '--runs 1'];
  if (options.workloads) flags.push(`--workload ${options.workloads.join(',')}`);
  for (const bug of options.bugs ?? []) flags.push(`--bug ${bug}`);
  return `pnpm --filter @rslab/sim simulate ${flags.join(' ')}`;
}

export type { Support };
