/**
 * The `mongod` engine (`RSLAB_ENGINE=mongod`): every `mongod` a learner starts is a real process,
 * launched through mongodb-memory-server-core's `MongoInstance` with the binary its resolution finds
 * (`MONGOMS_SYSTEM_BINARY`, an earlier download, or a download unless `MONGOMS_RUNTIME_DOWNLOAD=false`).
 * In CI the binary is sim-mongod.
 *
 * Names. The learner types `mongod --port 27018 --dbpath /data/db1 --replSet foo/morton.local:27017`,
 * but real processes of many sandboxes share one machine, so none may take port 27018 or the
 * learner's dbpath, and `morton.local` resolves nowhere. Each member therefore has two names:
 *
 *   learner's name  morton.local:27018   (also localhost:27018, 127.0.0.1:27018, as on one machine)
 *   real address    127.0.0.1:<R>        R: a free loopback port reserved for this sandbox the first
 *                                        time the learner names 27018 (start, seed or config), and
 *                                        kept for the sandbox's life so a restarted member and the
 *                                        set's config agree
 *
 * Where each is used:
 * - The process runs as `--port R --bind_ip 127.0.0.1 --dbpath <tmp>/<learner's dbpath, escaped>
 *   --replSet foo`; the 1.6 seed list is not passed (today's mongod has no seeds) but kept by the
 *   engine, which gives it its 1.6 meaning: a bare `replSetInitiate` on a member becomes an initiate
 *   with the config `{_id: foo, members: [self, ...seeds]}` (what 1.6 and sim-mongod build), and the
 *   reply gets 1.6's `info2`/`me`.
 * - Members talk to each other on real addresses only: the set's config names `127.0.0.1:R`.
 * - The driver reaches members through the server's SOCKS bridge with the sandbox's credentials; the
 *   route (MongodNetwork) maps `morton.local:27018` to TCP `127.0.0.1:R` and refuses anything that is
 *   not this sandbox's member. On that connection every message is translated (wireTranslation.ts):
 *   learner names → real addresses in the commands that carry member names (replSetInitiate,
 *   replSetReconfig, replSetSyncFrom), and real addresses → learner names in every reply outside the
 *   learner's own documents. So the driver's topology (hello's `hosts`, `me`, `primary`), PyMongo's
 *   `.host`/`.port`/`client.address`, mongosh's prompt, `rs.status()`, `rs.conf()` and error messages
 *   all speak the learner's names, and lesson checks compare like with like.
 * - The lab's own view (cluster snapshot, `documents`, the buttons' commands) uses a direct driver
 *   connection to `127.0.0.1:R` per process and translates what it shows; log lines are translated
 *   too; `ps` shows the command line as the learner typed it and a sandbox PID (the real PID stays
 *   inside the engine).
 * A learner's document that happens to contain `127.0.0.1:R` is left alone (cursor batches are not
 * rewritten); an error message that quotes one is rewritten.
 *
 * What a real process cannot do: network faults (partition, cut, slow) — there is no sound way to
 * cut one link between two processes that talk over loopback, so these are refused with a clear
 * message; and time control — real processes run in real time, so the clock is fixed at 1× and
 * cannot pause. `electionDeadlineAt` is null: mongod does not publish its election timer.
 * Rollback files are not read yet (`rolledBack` is empty).
 */
import { randomInt, createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { hostname as machineHostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import type { Document } from 'bson';
import { MongoClient, MongoServerError, ReadPreference } from 'mongodb';
import { MongoInstance } from 'mongodb-memory-server-core';
import type { ClusterSnapshot, HeartbeatView, LinkView, MemberStateName, MemberView, OpTimeView } from '@rslab/protocol';
import type { DriverRoute } from '../driver/gateway';
import type { MongodOptions } from '../mongod/flags';
import type { EventLog } from '../timeline/eventLog';
import { defaultEngineLimits, EngineCommandError, reportEngineError, type EngineErrorReporter, type Engine, type EngineClock, type EngineLimits, type EngineProcess, type Signal } from './engine';
import { ProcessTable, addressInUse, dbpathInUse, publicView, startedProcess, toStateName } from './processTable';
import { AddressBook } from './mongodAddresses';
import { MongodNetwork } from './mongodNetwork';
import { MongodBinaryMissingError, resolveMongodBinary } from './mongodBinary';
import type { DefaultInitiate } from './wireTranslation';

/** Our own error for what a real process cannot be made to do. */
export class EngineUnsupportedError extends Error {
  override readonly name = 'EngineUnsupportedError';
}

export interface MongodEngineOptions {
  hostname: string;
  events: EventLog;
  /** Told of a failure with nobody waiting on it; without it, the failure is a line on the timeline. */
  onError?: EngineErrorReporter;
  routeFor: (network: MongodNetwork) => DriverRoute;
  limits?: Partial<EngineLimits>;
  /** Longest a process may take to print "Waiting for connections". */
  launchTimeoutMillis?: number;
  /** Longest a SIGTERM'd process gets to exit before it is killed. */
  shutdownTimeoutMillis?: number;
  /** How often the engine polls its members while some run (for events and lesson checks). */
  pollIntervalMillis?: number;
  /** Where data directories go (a fresh temporary directory by default; removed on dispose). */
  dataRoot?: string;
}

interface RealProcess {
  options: MongodOptions;
  instance: MongoInstance;
  child: ChildProcess;
  realPort: number;
  log: string[];
  followers: Set<(line: string) => void>;
  client: MongoClient | null;
  exited: Promise<void>;
}

interface MemberPoll {
  state: MemberStateName;
  term: number;
  optime: OpTimeView | null;
  syncSource: string | null;
  heartbeats: Record<string, HeartbeatView>;
  setName: string | null;
  self: { votes: number; priority: number; hidden: boolean; arbiterOnly: boolean } | null;
  electionTimeoutMillis: number;
  /** The config this member holds (replSetGetConfig's version and term), null before it has one. */
  config: { version: number; term: number } | null;
}

const unsupportedFaults = 'the mongod engine cannot cut links; use the sim engine (RSLAB_ENGINE=sim) for partitions, cut and slow links';
const unsupportedTime = 'the mongod engine runs real processes in real time: the clock cannot be sped up, slowed or paused; use the sim engine (RSLAB_ENGINE=sim) for that';

/** Real processes run in real time: 1×, never paused. */
class RealTimeClock implements EngineClock {
  readonly speed = 1;
  readonly paused = false;
  now(): number {
    return Date.now();
  }
  setSpeed(speed: number): void {
    if (speed !== 1) throw new EngineUnsupportedError(unsupportedTime);
  }
  pause(): void {
    throw new EngineUnsupportedError(unsupportedTime);
  }
  resume(): void {
    // Never paused.
  }
}

/** Real PIDs of every process any mongod engine in this server runs now (for tests and shutdown). */
const liveRealPids = new Set<number>();
export function mongodEngineLivePids(): number[] {
  return [...liveRealPids];
}


function numberOf(value: unknown, fallback: number): number {
  const n = Number((value as { valueOf(): unknown } | null | undefined)?.valueOf());
  return Number.isFinite(n) ? n : fallback;
}

/** The learner's dbpath as one safe directory name. */
function dbpathDirName(dbpath: string): string {
  const escaped = encodeURIComponent(dbpath).replace(/\./g, '%2E');
  return escaped.length <= 100 ? escaped : createHash('sha256').update(dbpath).digest('hex').slice(0, 32);
}

const sleep = (millis: number) => new Promise<void>((resolve) => setTimeout(resolve, millis).unref());

export class MongodEngine implements Engine {
  readonly kind = 'mongod';
  readonly clock = new RealTimeClock();
  readonly route: DriverRoute;
  readonly network: MongodNetwork;
  readonly book: AddressBook;
  private readonly table = new ProcessTable<RealProcess>(2000 + randomInt(0, 3000));
  private readonly limits: EngineLimits;
  private readonly starting = new Set<number>();
  private readonly startingDbpaths = new Set<string>();
  private readonly lastPoll = new Map<string, MemberPoll>();
  private dataRoot: Promise<string> | null = null;
  private inflight: Promise<ClusterSnapshot> | null = null;
  private readonly pollTimer: NodeJS.Timeout;
  private disposed = false;

  constructor(private readonly options: MongodEngineOptions) {
    this.limits = { ...defaultEngineLimits, ...options.limits };
    this.book = new AddressBook(options.hostname);
    this.network = new MongodNetwork({
      book: this.book,
      isRunning: (port) => this.table.onPort(port) !== undefined,
      defaultInitiate: (port) => this.defaultInitiate(port),
    });
    this.route = options.routeFor(this.network);
    this.pollTimer = setInterval(() => {
      if (!this.disposed && this.table.running().length > 0) this.snapshot().catch((error: unknown) => this.reportError(error, 'polling the members failed'));
    }, options.pollIntervalMillis ?? 500);
    this.pollTimer.unref();
  }

  private learnerAddress(port: number): string {
    return this.book.learnerAddress(port);
  }

  private dataDir(dbpath: string): Promise<string> {
    this.dataRoot ??= this.options.dataRoot
      ? mkdir(this.options.dataRoot, { recursive: true }).then(() => this.options.dataRoot as string)
      : mkdtemp(join(tmpdir(), 'rslab-mongod-'));
    return this.dataRoot.then(async (root) => {
      const dir = join(root, dbpathDirName(dbpath));
      await mkdir(dir, { recursive: true });
      return dir;
    });
  }

  async start(options: MongodOptions): Promise<EngineProcess> {
    if (this.disposed) throw new EngineCommandError('the sandbox is shutting down\n', 1);
    if (this.table.onPort(options.port) || this.starting.has(options.port)) throw addressInUse(Date.now(), options.port);
    const holder = this.table.all().find((p) => p.running && p.dbpath === options.dbpath);
    if (holder || this.startingDbpaths.has(options.dbpath)) throw dbpathInUse(Date.now(), options.dbpath);
    if (this.table.running().length + this.starting.size >= this.limits.membersMax) {
      throw new EngineCommandError(`lab: this sandbox already runs ${this.limits.membersMax} mongod processes, its limit; kill one first (kill PID)\n`, 1);
    }
    let binary: string;
    try {
      binary = await resolveMongodBinary();
    } catch (error) {
      if (error instanceof MongodBinaryMissingError) throw new EngineCommandError(`mongod: ${error.message}\n`, 1);
      throw error;
    }
    this.starting.add(options.port);
    this.startingDbpaths.add(options.dbpath);
    try {
      const realPort = await this.book.realPortFor(options.port);
      for (const seed of options.seeds) await this.book.realPortFor(seed.port);
      const dbPath = await this.dataDir(options.dbpath);
      const proc = await this.launch(binary, options, realPort, dbPath);
      if (this.disposed) {
        proc.child.kill('SIGKILL');
        throw new EngineCommandError('the sandbox is shutting down\n', 1);
      }
      return this.register(options, proc);
    } finally {
      this.starting.delete(options.port);
      this.startingDbpaths.delete(options.dbpath);
    }
  }

  /** Spawn the process and wait for "Waiting for connections" (or its failure). */
  private async launch(binary: string, options: MongodOptions, realPort: number, dbPath: string): Promise<RealProcess> {
    const args: string[] = [];
    if (options.oplogSizeMB !== null) args.push('--oplogSize', String(options.oplogSizeMB));
    const launchTimeoutMillis = this.options.launchTimeoutMillis ?? 30_000;
    const instance = new MongoInstance({
      instance: {
        port: realPort,
        ip: '127.0.0.1',
        dbPath,
        ...(options.replSet !== null ? { replSet: options.replSet } : {}),
        args,
        launchTimeout: launchTimeoutMillis,
      },
    });
    const log: string[] = [];
    const followers = new Set<(line: string) => void>();
    // What the learner would see in a log: their port, dbpath and host name, not the real ones.
    const jsonText = (text: string) => JSON.stringify(text).slice(1, -1);
    const sink = (line: string) => {
      const shown = this.book
        .toLearnerText(line)
        .replaceAll(`"port":${realPort}`, `"port":${options.port}`)
        .replaceAll(jsonText(dbPath), jsonText(options.dbpath))
        .replaceAll(`"host":"${jsonText(machineHostname())}"`, `"host":"${jsonText(this.options.hostname)}"`);
      log.push(shown);
      if (log.length > this.limits.logLinesMax) log.shift();
      for (const follower of followers) follower(shown);
    };
    const child = instance._launchMongod(binary);
    instance.mongodProcess = child;
    const pid = child.pid as number;
    liveRealPids.add(pid);
    lineReader(child, sink);
    let exitInfo: { code: number | null; signal: NodeJS.Signals | null } | null = null;
    const exited = new Promise<void>((resolve) => {
      child.once('close', (code, signal) => {
        exitInfo = { code, signal };
        liveRealPids.delete(pid);
        instance.killerProcess?.kill('SIGTERM');
        resolve();
      });
    });
    instance.killerProcess = instance._launchKiller(process.pid, pid);
    const outcome = await new Promise<'ready' | 'failed' | 'timeout'>((resolve) => {
      const timer = setTimeout(() => resolve('timeout'), launchTimeoutMillis);
      const settle = (result: 'ready' | 'failed') => {
        clearTimeout(timer);
        resolve(result);
      };
      instance.once('instanceReady' as never, () => settle('ready'));
      instance.once('instanceError' as never, () => settle('failed'));
      exited.then(
        () => settle('failed'),
        () => settle('failed'),
      );
    });
    if (outcome !== 'ready') {
      if (!exitInfo) {
        child.kill('SIGKILL');
        await exited;
      }
      const info = exitInfo as { code: number | null; signal: NodeJS.Signals | null } | null;
      const tail = log.slice(-20).join('\n');
      const why = outcome === 'timeout' ? `lab: mongod did not start within ${launchTimeoutMillis / 1000} s` : `lab: mongod exited before it was ready (exit code ${info?.code ?? 'none'}${info?.signal ? `, ${info.signal}` : ''})`;
      throw new EngineCommandError(`${tail}${tail ? '\n' : ''}${why}\n`, info?.code ?? 1);
    }
    return { options, instance, child, realPort, log, followers, client: null, exited };
  }

  private register(options: MongodOptions, real: RealProcess): EngineProcess {
    const address = this.learnerAddress(options.port);
    const proc = this.table.add(
      startedProcess(address, options, this.clock.now()),
      real,
    );
    real.exited.then(() => this.exited(proc.pid)).catch((error: unknown) => this.reportError(error, `noting that ${address} exited failed`));
    this.options.events.add({ source: 'cluster', kind: 'processStarted', member: address, text: `mongod started on ${address} (pid ${proc.pid})` });
    return publicView(proc);
  }

  private reportError(error: unknown, what: string): void {
    reportEngineError(this.options, error, what);
  }

  private exited(pid: number): void {
    const proc = this.table.get(pid);
    if (!proc?.running) return;
    proc.running = false;
    const child = proc.extra.child;
    const signal: Signal = child.signalCode === 'SIGKILL' ? 'SIGKILL' : child.signalCode === 'SIGINT' ? 'SIGINT' : 'SIGTERM';
    if (!proc.killed) {
      const last = this.lastPoll.get(proc.address);
      proc.killed = { at: this.clock.now(), signal, stateThen: last?.state ?? 'UNKNOWN', termThen: last?.term ?? 0 };
    }
    const client = proc.extra.client;
    proc.extra.client = null;
    client?.close(true).catch((error: unknown) => this.reportError(error, `closing the status client of ${proc.address} failed`));
    this.options.events.add({
      source: 'cluster',
      kind: 'processExited',
      member: proc.address,
      text: `mongod on ${proc.address} (pid ${pid}) ${proc.killed.signal === 'SIGKILL' ? 'was killed' : 'shut down'}`,
    });
  }

  restart(address: string): Promise<EngineProcess> {
    return this.table.restart(address, (options) => this.start(options));
  }

  async signal(pid: number, signal: Signal): Promise<boolean> {
    const proc = this.table.get(pid);
    if (!proc?.running) return false;
    // A member that does not answer now (starting, stopping) is described by its last poll.
    const poll = await this.pollMember(proc).catch(() => null);
    const last = poll ?? this.lastPoll.get(proc.address);
    proc.killed = { at: this.clock.now(), signal, stateThen: last?.state ?? 'UNKNOWN', termThen: last?.term ?? 0 };
    proc.extra.child.kill(signal);
    const timeoutMillis = signal === 'SIGKILL' ? 5000 : (this.options.shutdownTimeoutMillis ?? 20_000);
    const done = await Promise.race([proc.extra.exited.then(() => true), sleep(timeoutMillis).then(() => false)]);
    if (!done) {
      proc.extra.child.kill('SIGKILL');
      await proc.extra.exited;
    }
    this.exited(pid);
    return true;
  }

  processes(): EngineProcess[] {
    return this.table.views();
  }

  async logLines(pid: number): Promise<string[] | null> {
    return this.table.logLines(pid);
  }

  followLog(pid: number, listener: (line: string) => void): () => void {
    return this.table.followLog(pid, listener);
  }

  /** A direct connection to one process, for the lab's own reads (never through the bridge). */
  private client(proc: EngineProcess & { extra: RealProcess }): MongoClient {
    proc.extra.client ??= new MongoClient(`mongodb://127.0.0.1:${proc.extra.realPort}/`, {
      directConnection: true,
      serverSelectionTimeoutMS: 1500,
      connectTimeoutMS: 1500,
      socketTimeoutMS: 10_000,
      maxPoolSize: 2,
      appName: 'rslab-mongod-engine',
    });
    return proc.extra.client;
  }

  private async pollMember(proc: EngineProcess & { extra: RealProcess }): Promise<MemberPoll> {
    const admin = this.client(proc).db('admin');
    const [reply, config] = await Promise.all([
      admin.command({ replSetGetStatus: 1 }).catch((error: unknown) => error),
      // A member not yet initiated has no config (NotYetInitialized): nothing to show, not a failure.
      admin.command({ replSetGetConfig: 1 }).catch(() => null),
    ]);
    const previous = this.lastPoll.get(proc.address);
    if (reply instanceof MongoServerError) {
      // 94 NotYetInitialized (started with --replSet, no config yet) and 76 NoReplicationEnabled (a
      // standalone) show as STARTUP, as the sim engine shows a member that is in no set.
      return { state: reply.code === 94 || reply.code === 76 ? 'STARTUP' : 'UNKNOWN', term: 0, optime: null, syncSource: null, heartbeats: {}, setName: null, self: null, electionTimeoutMillis: 10_000, config: null };
    }
    if (reply instanceof Error || reply === null || typeof reply !== 'object') throw reply;
    const status = reply as Document;
    const members = (status.members as Document[] | undefined) ?? [];
    const self = members.find((m) => m.self === true);
    const heartbeats: Record<string, HeartbeatView> = {};
    for (const peer of members) {
      if (peer.self === true) continue;
      const lastRecv = peer.lastHeartbeatRecv instanceof Date ? peer.lastHeartbeatRecv.getTime() : null;
      heartbeats[this.book.toLearnerText(String(peer.name))] = {
        lastReplyAt: lastRecv && lastRecv > 0 ? lastRecv : null,
        ok: numberOf(peer.health, 0) === 1,
        pingMillis: typeof peer.pingMs === 'number' ? peer.pingMs : null,
        peerState: toStateName(peer.stateStr),
      };
    }
    const optime = self?.optime as { ts?: { t: number; i: number }; t?: unknown } | undefined;
    const t = numberOf(optime?.t, -1);
    const cfg = (config as { config?: Document } | null)?.config;
    const realAddress = this.book.realAddress(proc.extra.realPort);
    const cfgSelf = (cfg?.members as Document[] | undefined)?.find((m) => m.host === realAddress || this.book.toLearnerText(String(m.host)) === proc.address);
    const syncSource = typeof status.syncSourceHost === 'string' && status.syncSourceHost !== '' ? this.book.toLearnerText(status.syncSourceHost) : null;
    return {
      state: toStateName(self?.stateStr ?? status.myState),
      term: numberOf(status.term, previous?.term ?? 0),
      optime: optime?.ts && t >= 0 ? { ts: optime.ts.t, i: optime.ts.i, t } : null,
      syncSource,
      heartbeats,
      setName: typeof status.set === 'string' ? status.set : null,
      self: cfgSelf
        ? { votes: numberOf(cfgSelf.votes, 1), priority: numberOf(cfgSelf.priority, 1), hidden: cfgSelf.hidden === true, arbiterOnly: cfgSelf.arbiterOnly === true }
        : null,
      electionTimeoutMillis: numberOf((cfg?.settings as Document | undefined)?.electionTimeoutMillis, 10_000),
      // Before 4.4 a config has no term; -1 is what replSetGetConfig's commitmentStatus calls unset.
      config: cfg ? { version: numberOf(cfg.version, 0), term: numberOf(cfg.term, -1) } : null,
    };
  }

  snapshot(): Promise<ClusterSnapshot> {
    this.inflight ??= this.takeSnapshot().finally(() => {
      this.inflight = null;
    });
    return this.inflight;
  }

  private async takeSnapshot(): Promise<ClusterSnapshot> {
    const latest = new Map<string, EngineProcess & { extra: RealProcess }>();
    for (const proc of this.table.all()) latest.set(proc.address, proc);
    const polls = await Promise.all(
      [...latest.values()].map(async (proc) => {
        if (!proc.running) return null;
        try {
          return await this.pollMember(proc);
        } catch {
          return null; // not answering right now (starting, shutting down): shown as UNKNOWN
        }
      }),
    );
    const now = this.clock.now();
    const members: MemberView[] = [];
    let setName: string | null = null;
    [...latest.values()].forEach((proc, index) => {
      const poll = polls[index] ?? null;
      const previous = this.lastPoll.get(proc.address);
      const state: MemberStateName = !proc.running ? 'DOWN' : (poll?.state ?? 'UNKNOWN');
      if (poll) this.lastPoll.set(proc.address, poll);
      this.noteState(proc.address, state, poll?.term ?? previous?.term ?? 0);
      if (poll?.config) this.noteConfig(proc.address, poll.config);
      if (proc.running && poll?.setName) setName = poll.setName;
      const known = poll ?? previous;
      members.push({
        host: proc.address,
        pid: proc.pid,
        process: proc.running ? 'running' : proc.killed?.signal === 'SIGKILL' ? 'killed' : 'stopped',
        state,
        term: known?.term ?? 0,
        optime: known?.optime ?? null,
        lagMillis: null,
        syncSource: proc.running ? (poll?.syncSource ?? null) : null,
        votes: known?.self?.votes ?? 1,
        priority: known?.self?.priority ?? 1,
        hidden: known?.self?.hidden ?? false,
        arbiterOnly: known?.self?.arbiterOnly ?? false,
        heartbeats: proc.running ? (poll?.heartbeats ?? {}) : {},
        // mongod does not publish when its election timer fires.
        electionDeadlineAt: null,
        electionTimeoutMillis: known?.electionTimeoutMillis ?? 10_000,
        argv: [...proc.argv],
      });
    });
    const primary = members.find((m) => m.state === 'PRIMARY');
    if (primary?.optime) {
      for (const member of members) {
        if (member.optime && member.state !== 'DOWN') member.lagMillis = Math.max(0, (primary.optime.ts - member.optime.ts) * 1000);
      }
    }
    return { at: now, speed: 1, paused: false, setName, members, links: links(members) };
  }

  /** Cluster events from what polling saw change (a real process does not report its protocol events). */
  private noteState(address: string, after: MemberStateName, term: number): void {
    const was = this.lastStates.get(address);
    if (was === after || after === 'UNKNOWN') return; // UNKNOWN: not answering this once
    this.lastStates.set(address, after);
    const seen = after === 'DOWN' ? 'its process stopped' : 'as replSetGetStatus shows';
    this.options.events.add({ source: 'cluster', kind: 'stateChange', member: address, text: `${address} is now ${after} (was ${was ?? 'not running'}): ${seen}` });
    if (after === 'PRIMARY') {
      this.options.events.add({ source: 'cluster', kind: 'electionWon', member: address, text: `${address} won the election for term ${term}` });
      this.options.events.add({ source: 'cluster', kind: 'primaryWritable', member: address, text: `${address} accepts writes as primary of term ${term}` });
    }
  }

  private readonly lastStates = new Map<string, MemberStateName>();

  /**
   * A configChange event when a member holds a config it did not hold at the last poll that saw
   * one: an initiate, a reconfig, or a config a member learned by heartbeat (the sim engine's
   * members report each of these themselves; a real process does not, so polling sees it). Lesson
   * checks credit an initiate by this event (checks.ts setInitiated). A member restarted with the
   * config it had is no change; after `clear` every member starts unseen again.
   */
  private noteConfig(address: string, config: { version: number; term: number }): void {
    const was = this.lastConfigs.get(address);
    if (was && was.version === config.version && was.term === config.term) return;
    this.lastConfigs.set(address, config);
    this.options.events.add({ source: 'cluster', kind: 'configChange', member: address, text: `${address} has config version ${config.version} (term ${config.term})` });
  }

  private readonly lastConfigs = new Map<string, { version: number; term: number }>();

  async documents(address: string, ns: string): Promise<Document[] | null> {
    const proc = this.runningAt(address);
    if (!proc) return null;
    const dot = ns.indexOf('.');
    try {
      return await this.client(proc)
        .db(ns.slice(0, dot))
        .collection(ns.slice(dot + 1))
        .find({}, { limit: 1000, readPreference: ReadPreference.secondaryPreferred })
        .toArray();
    } catch (error) {
      // A check asking a member that cannot answer reads no documents; say so rather than hide it.
      this.reportError(error, `reading ${ns} on ${address} failed`);
      return [];
    }
  }

  rolledBack(): Array<{ ns: string; document: Document }> {
    return [];
  }

  partition(): void {
    throw new EngineUnsupportedError(unsupportedFaults);
  }

  heal(): void {
    // Nothing is ever cut in this engine.
  }

  cut(): void {
    throw new EngineUnsupportedError(unsupportedFaults);
  }

  healLink(): void {
    // Nothing is ever cut in this engine.
  }

  slow(): void {
    throw new EngineUnsupportedError(unsupportedFaults);
  }

  async command(address: string, command: Document): Promise<Document> {
    const proc = this.runningAt(address);
    if (!proc) return { ok: 0, errmsg: `no mongod is running on ${address}`, code: 6, codeName: 'HostUnreachable' };
    try {
      return this.book.toLearnerDocument(await this.client(proc).db('admin').command(command)).doc;
    } catch (error) {
      if (error instanceof MongoServerError) {
        return { ok: 0, errmsg: this.book.toLearnerText(error.errmsg ?? error.message), code: error.code, codeName: error.codeName };
      }
      return { ok: 0, errmsg: this.book.toLearnerText(error instanceof Error ? error.message : String(error)), code: 6, codeName: 'HostUnreachable' };
    }
  }

  private runningAt(address: string): (EngineProcess & { extra: RealProcess }) | undefined {
    const proc = this.table.onPort(Number(address.slice(address.lastIndexOf(':') + 1)));
    return proc && proc.address === address ? proc : undefined;
  }

  /** The 1.6 meaning of a bare initiate on `port`: self plus the seeds given on its command line. */
  private async defaultInitiate(port: number): Promise<DefaultInitiate | null> {
    const proc = this.table.onPort(port);
    if (!proc || proc.replSetName === null) return null;
    const hosts = [proc.address];
    for (const seed of proc.extra.options.seeds) {
      const address = `${seed.host}:${seed.port}`;
      if (!hosts.includes(address) && !(this.isOwnHost(seed.host) && seed.port === port)) hosts.push(address);
    }
    return { config: { _id: proc.replSetName, version: 1, members: hosts.map((host, i) => ({ _id: i, host })) }, me: proc.address };
  }

  private isOwnHost(host: string): boolean {
    return ['localhost', '127.0.0.1', '0.0.0.0', this.options.hostname.toLowerCase()].includes(host.toLowerCase());
  }

  /** SIGKILL every running mongod, wait for them (5 s each at most), and close their status clients. */
  private async killAll(): Promise<number> {
    const running = this.table.running();
    for (const proc of running) {
      if (!proc.killed) proc.killed = { at: this.clock.now(), signal: 'SIGKILL', stateThen: this.lastPoll.get(proc.address)?.state ?? 'UNKNOWN', termThen: 0 };
      proc.extra.child.kill('SIGKILL');
    }
    await Promise.all(running.map((proc) => Promise.race([proc.extra.exited, sleep(5000)])));
    for (const proc of this.table.all()) {
      proc.extra.instance.killerProcess?.kill('SIGTERM');
      await proc.extra.client?.close(true).catch((error: unknown) => this.reportError(error, `closing the status client of ${proc.address} failed`));
      proc.extra.client = null;
    }
    return running.length;
  }

  async clear(): Promise<number> {
    const stopped = await this.killAll();
    // One that outlived its SIGKILL wait is still marked running; it is gone from the lab either way.
    for (const proc of this.table.all()) proc.running = false;
    const dbpaths = new Set(this.table.all().map((proc) => proc.dbpath));
    this.table.clear();
    this.lastPoll.clear();
    this.lastConfigs.clear();
    this.lastStates.clear();
    if (this.dataRoot) {
      const root = await this.dataRoot;
      for (const dbpath of dbpaths) await rm(join(root, dbpathDirName(dbpath)), { recursive: true, force: true });
    }
    return stopped;
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    clearInterval(this.pollTimer);
    await this.killAll();
    this.book.release();
    if (this.dataRoot) {
      // A data root that failed to be made was reported when a mongod needed it; there is nothing to remove.
      const root = await this.dataRoot.catch(() => null);
      if (root && !this.options.dataRoot) await rm(root, { recursive: true, force: true });
    }
  }
}

/** Split a child's stdout and stderr into lines. */
function lineReader(child: ChildProcess, sink: (line: string) => void): void {
  for (const stream of [child.stdout, child.stderr]) {
    let partial = '';
    stream?.on('data', (chunk: Buffer) => {
      const text = partial + chunk.toString('utf8');
      const lines = text.split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) if (line.trim() !== '') sink(line.replace(/\r$/, ''));
    });
    stream?.on('end', () => {
      if (partial.trim() !== '') sink(partial);
      partial = '';
    });
  }
}

function links(members: MemberView[]): LinkView[] {
  const out: LinkView[] = [];
  for (let i = 0; i < members.length; i += 1) {
    for (let j = i + 1; j < members.length; j += 1) {
      const a = members[i] as MemberView;
      const b = members[j] as MemberView;
      out.push({ from: a.host, to: b.host, status: a.process !== 'running' || b.process !== 'running' ? 'down' : 'up', delayMillis: 0 });
    }
  }
  return out;
}




