import type { Document } from 'bson';
import type { ClientMessage, ClusterSnapshot, LabEvent } from '@rslab/protocol';
import type { LabDriver } from '../driver/labDriver';
import type { Engine } from '../engine/engine';
import { SimEngine, type EngineCopyReport } from '../engine/simEngine';
import { WorkerEngine, isWorkerCheckpoint } from '../engine/workerEngine';
import type { EventLog } from '../timeline/eventLog';
import type { LabMark, PartitionView, ShellRecord } from './records';
import { LabHistory, MomentNotKeptError, type HistoryLimits, type Moment } from './history';

export interface LabLimits {
  /** Shell lines remembered for lesson checks. */
  historyRecordsMax: number;
  /** Events kept on the timeline. */
  eventsMax: number;
}

export const defaultLabLimits: LabLimits = { historyRecordsMax: 2000, eventsMax: 2000 };

/** How long one cluster snapshot serves every caller, in wall millis. */
const snapshotReuseMillis = 50;

/**
 * What a branch starts from: a lab's history, timeline, typed lines and partitions — a live `Lab`,
 * or a frozen copy of one (`frozenRecordingOf`, a saved replay's).
 */
export interface BranchSource {
  readonly past: Pick<LabHistory, 'momentAt' | 'lastClearAtOrBefore' | 'lessonAt'>;
  readonly events: { all(): readonly LabEvent[] };
  readonly history: readonly ShellRecord[];
  readonly partitions: readonly PartitionView[];
}

/** A frozen copy of a lab, holding its worker checkpoints until `release`. */
export interface FrozenRecording extends BranchSource {
  release(): void;
}

/** `lab` as it is now, kept whatever it does next (the branch points of a saved replay). */
export function frozenRecordingOf(lab: Lab): FrozenRecording {
  const events = lab.events.all().map((event) => ({ ...event }));
  const past = lab.past.frozenCopy(lab.engine instanceof WorkerEngine ? lab.engine.checkpointHolder : undefined);
  return {
    past,
    release: () => past.release(),
    events: { all: () => events },
    history: lab.history.map((entry) => ({ ...entry })),
    partitions: lab.partitions.map((p) => ({ ...p, groups: p.groups.map((g) => [...g]) })),
  };
}

export type ControlRequest = Pick<Extract<ClientMessage, { type: 'control' }>, 'action' | 'target' | 'peer' | 'groups' | 'value'>;

/**
 * A learner's cluster and what happens to it: the engine with its members, the driver
 * the shells share, the timeline, the record of what was typed, partitions, and the cluster
 * controls. It knows neither the lesson nor the terminals (workspace/ ties those to it).
 */
export class Lab {
  readonly events: EventLog;
  readonly history: ShellRecord[] = [];
  readonly partitions: PartitionView[] = [];
  /** The `seq` the next shell record or partition gets. */
  private nextSeq = 1;
  /** Moments and inputs to rewind to (see sandbox/history.ts). */
  readonly past: LabHistory;
  private lastSnapshot: ClusterSnapshot | null = null;
  private lastSnapshotAtWallMillis = 0;
  private snapshotInFlight: Promise<ClusterSnapshot> | null = null;

  constructor(
    readonly engine: Engine,
    readonly hostname: string,
    events: EventLog,
    /** The sandbox's driver: a WorkerEngine's own (in its worker), or one on this thread (runtime/localDriver.ts). */
    readonly driver: LabDriver,
    private readonly limits: LabLimits = defaultLabLimits,
    historyLimits: Partial<HistoryLimits> = {},
  ) {
    this.past = new LabHistory(historyLimits, (moment) => {
      if (moment.checkpoint && isWorkerCheckpoint(moment.checkpoint) && engine instanceof WorkerEngine) engine.releaseCheckpoint(moment.checkpoint);
    });
    this.events = events;
  }

  now(): number {
    return this.engine.clock.now();
  }

  /** Remember one line a shell ran, for the lesson checks; it gets the next `seq`. */
  record(entry: Omit<ShellRecord, 'seq'>): ShellRecord {
    const record: ShellRecord = { ...entry, seq: this.nextSeq };
    this.nextSeq += 1;
    this.history.push(record);
    if (this.history.length > this.limits.historyRecordsMax) this.history.shift();
    this.past.recordInput({ at: record.at, kind: 'line', tab: record.tab, input: record.input });
    // A line may have started or killed a member: whoever asks next sees the cluster after it.
    this.invalidateSnapshot();
    return record;
  }

  /** This moment, so that lesson checks can tell what came after it (see `LabMark`). */
  mark(): LabMark {
    const processes = this.engine.processes();
    return {
      at: this.now(),
      seq: this.nextSeq,
      eventId: this.events.lastId,
      pids: new Set(processes.map((p) => p.pid)),
      killedPids: new Set(processes.filter((p) => p.killed !== null || !p.running).map((p) => p.pid)),
      clientIds: new Set(this.driver.views().map((c) => c.id)),
    };
  }

  /**
   * An empty machine again, as a lesson starts on: every driver client closed, every mongod
   * stopped and its data directory gone, the network healed. The clock, the timeline and the
   * record of typed lines go on (checks tell old from new by `mark`).
   */
  async clear(): Promise<void> {
    this.invalidateSnapshot();
    this.past.recordInput({ at: this.now(), kind: 'clear' });
    await this.driver.closeAll();
    const stopped = await this.engine.clear();
    const open = this.partitions.at(-1);
    if (open && open.healedAt === null) open.healedAt = this.now();
    this.events.add({
      source: 'shell',
      kind: 'labCleared',
      text: `the machine was cleared for a new lesson: ${stopped === 0 ? 'no mongod was running' : `${stopped} mongod stopped`}, data directories removed, network healed`,
    });
    this.invalidateSnapshot();
  }

  /** Whether anything has happened here yet: a member started or a line typed. */
  get used(): boolean {
    return this.engine.processes().length > 0 || this.history.length > 0;
  }

  /**
   * Keep `snapshot` as a moment of the history if one is due, with a checkpoint of the members'
   * dbpaths on the sim engine (what "Branch from here" starts from).
   */
  async captureMoment(snapshot: ClusterSnapshot): Promise<Moment | null> {
    if (!this.past.due(snapshot.at)) return null;
    const { engine } = this;
    // The moment's view and checkpoint are taken together, fresh (`snapshot` may be a shared one, a little old).
    if (engine instanceof SimEngine) {
      const moment = engine.moment();
      return this.past.capture(moment.snapshot, moment.checkpoint);
    }
    if (engine instanceof WorkerEngine) {
      const moment = await engine.moment();
      // Another capture may have kept a moment while this one was on its way.
      if (!this.past.due(moment.snapshot.at)) {
        engine.releaseCheckpoint(moment.checkpoint);
        return null;
      }
      return this.past.capture(moment.snapshot, moment.checkpoint);
    }
    return this.past.capture(snapshot, null);
  }

  /**
   * The cluster as it is now. Callers that ask at nearly the same moment (the live feed, a lesson
   * check, a control) share one snapshot instead of each asking every member for its status.
   */
  snapshot(): Promise<ClusterSnapshot> {
    if (this.snapshotInFlight) return this.snapshotInFlight;
    if (this.lastSnapshot && Date.now() - this.lastSnapshotAtWallMillis < snapshotReuseMillis) return Promise.resolve(this.lastSnapshot);
    this.snapshotInFlight = this.engine
      .snapshot()
      .then((snapshot) => {
        this.lastSnapshot = snapshot;
        this.lastSnapshotAtWallMillis = Date.now();
        return snapshot;
      })
      .finally(() => {
        this.snapshotInFlight = null;
      });
    return this.snapshotInFlight;
  }

  /** The member a control names: an address, or `primary` for whoever is primary now. */
  private async resolve(target: string | undefined): Promise<string | null> {
    if (target === undefined) return null;
    if (target !== 'primary') return target;
    const snapshot = this.lastSnapshot ?? (await this.snapshot());
    const primary = (await this.snapshot()).members.find((m) => m.state === 'PRIMARY') ?? snapshot.members.find((m) => m.state === 'PRIMARY');
    return primary?.host ?? null;
  }

  /** A cluster-view button (or a transcript's `# control`): do it and say what happened. */
  async control(request: ControlRequest): Promise<{ ok: boolean; message: string }> {
    // A control acts on the cluster as it is now, and changes it: no shared snapshot either side.
    this.invalidateSnapshot();
    if (request.action === 'speed') this.past.recordInput({ at: this.now(), kind: 'speed', speed: request.value ?? 1 });
    else this.past.recordInput({ at: this.now(), kind: 'control', action: request.action, ...(request.target !== undefined ? { target: request.target } : {}) });
    try {
      return await this.applyControl(request);
    } finally {
      this.invalidateSnapshot();
    }
  }

  private async applyControl(request: ControlRequest): Promise<{ ok: boolean; message: string }> {
    const target = await this.resolve(request.target);
    const needTarget = (): string => {
      if (target === null) throw new ControlRefused(request.target === 'primary' ? 'there is no primary right now' : `${request.action} needs a member`);
      return target;
    };
    try {
      switch (request.action) {
        case 'kill':
        case 'kill9': {
          const address = needTarget();
          const process = this.engine.processes().find((p) => p.address === address && p.running);
          if (!process) return { ok: false, message: `no mongod is running on ${address}` };
          await this.engine.signal(process.pid, request.action === 'kill9' ? 'SIGKILL' : 'SIGTERM');
          return { ok: true, message: `killed ${address} (pid ${process.pid})${request.action === 'kill9' ? ' with SIGKILL' : ''}` };
        }
        case 'restart': {
          if (request.target === 'killed' || request.target === undefined) {
            const down = new Set(this.engine.processes().filter((p) => !p.running).map((p) => p.address));
            for (const p of this.engine.processes()) if (p.running) down.delete(p.address);
            if (down.size === 0) return { ok: false, message: 'no stopped member to restart' };
            const started = [];
            for (const address of down) started.push(await this.engine.restart(address));
            return { ok: true, message: `restarted ${started.map((p) => `${p.address} (pid ${p.pid})`).join(', ')}` };
          }
          const started = await this.engine.restart(needTarget());
          return { ok: true, message: `restarted ${started.address} (pid ${started.pid})` };
        }
        case 'stepDown': {
          const reply = await this.engine.command(needTarget(), { replSetStepDown: request.value ?? 60, secondaryCatchUpPeriodSecs: 10 });
          return reply.ok === 1 ? { ok: true, message: `${target} stepped down` } : { ok: false, message: String(reply.errmsg) };
        }
        case 'freeze': {
          const reply = await this.engine.command(needTarget(), { replSetFreeze: request.value ?? 30 });
          return reply.ok === 1 ? { ok: true, message: `${target} will not stand for election for ${request.value ?? 30} s` } : { ok: false, message: String(reply.errmsg) };
        }
        case 'partition': {
          const members = (await this.snapshot()).members.map((m) => m.host);
          // Isolating a member while a partition holds splits it off its group: isolating two of
          // three leaves three groups, as pressing "isolate" on two cards means.
          const open = this.partitions.at(-1);
          const current = open && open.healedAt === null ? open.groups : [members];
          const isolated = target ? [[target], ...current.map((g) => g.filter((m) => m !== target)).filter((g) => g.length > 0)] : null;
          const groups = request.groups ?? isolated;
          if (!groups) return { ok: false, message: 'partition needs groups or a member to isolate' };
          const termThen = Math.max(0, ...(this.lastSnapshot?.members.map((m) => m.term) ?? [0]));
          this.engine.partition(groups);
          if (open && open.healedAt === null) open.healedAt = this.now();
          this.partitions.push({ seq: this.nextSeq, at: this.now(), groups, healedAt: null, termThen });
          this.nextSeq += 1;
          this.events.add({ source: 'cluster', kind: 'partition', text: `network partitioned: ${groups.map((g) => `[${g.join(', ')}]`).join(' | ')}` });
          return { ok: true, message: `partitioned into ${groups.map((g) => g.join(' + ')).join(' / ')}` };
        }
        case 'heal': {
          this.engine.heal();
          const open = this.partitions.at(-1);
          if (open && open.healedAt === null) open.healedAt = this.now();
          this.events.add({ source: 'cluster', kind: 'heal', text: 'network healed: every link is up' });
          return { ok: true, message: 'all links healed' };
        }
        case 'cutLink':
        case 'healLink':
        case 'slowLink': {
          const a = needTarget();
          const b = await this.resolve(request.peer);
          if (!b) return { ok: false, message: `${request.action} needs the other end (peer)` };
          if (request.action === 'cutLink') this.engine.cut(a, b);
          else if (request.action === 'healLink') this.engine.healLink(a, b);
          else this.engine.slow(a, b, Math.max(0, Math.min(request.value ?? 500, 10_000)));
          this.events.add({ source: 'cluster', kind: request.action, text: `link ${a} ↔ ${b}: ${request.action === 'cutLink' ? 'cut' : request.action === 'healLink' ? 'healed' : `slowed to ${request.value ?? 500} ms`}` });
          // Healing the last cut link link by link ends the partition as "heal all links" would.
          const open = this.partitions.at(-1);
          if (request.action === 'healLink' && open && open.healedAt === null && !(await this.engine.snapshot()).links.some((link) => link.status === 'cut')) {
            open.healedAt = this.now();
          }
          return { ok: true, message: `${request.action} ${a} ↔ ${b}` };
        }
        case 'speed': {
          const speed = request.value ?? 1;
          if (!(speed >= 0.25 && speed <= 10)) return { ok: false, message: 'speed must be between 0.25 and 10' };
          this.engine.clock.setSpeed(speed);
          return { ok: true, message: `time runs at ${speed}×` };
        }
        case 'pause':
          this.engine.clock.pause();
          return { ok: true, message: 'time paused' };
        case 'resume':
          this.engine.clock.resume();
          return { ok: true, message: 'time runs again' };
      }
    } catch (error) {
      if (error instanceof ControlRefused) return { ok: false, message: error.message };
      const message = error instanceof Error ? error.message.split('\n')[0] ?? error.message : String(error);
      return { ok: false, message };
    }
  }

  /**
   * Make this fresh lab a copy of `source` at this moment, for an attendee who forks the
   * instructor's sandbox: the members (see `SimEngine.copyFrom`), the clock, the record of typed
   * lines the checks read, partitions and the timeline, which ends with a `forked` event saying
   * `where` (the lesson step). Not copied: the shells (their variables and open clients), the
   * driver's connections and network faults.
   */
  async copyFrom(source: Lab, where: string): Promise<EngineCopyReport> {
    const copyable = (this.engine instanceof SimEngine && source.engine instanceof SimEngine) || (this.engine instanceof WorkerEngine && source.engine instanceof WorkerEngine);
    if (!copyable) {
      throw new LabCopyError(`"Try it myself" needs the sim engine: this server runs its sandboxes on the ${source.engine.kind} engine, whose members cannot be copied`);
    }
    // The timeline first, so the copy's own events (its members starting) come after the source's.
    for (const event of source.events.all()) {
      this.events.add({ at: event.at, source: event.source, kind: event.kind, text: event.text, ...(event.member !== undefined ? { member: event.member } : {}) });
    }
    const engine =
      this.engine instanceof WorkerEngine && source.engine instanceof WorkerEngine
        ? await this.engine.copyFrom(source.engine)
        : await (this.engine as SimEngine).copyFrom(source.engine as SimEngine);
    for (const entry of source.history) this.record(entry);
    for (const p of source.partitions) {
      this.partitions.push({ ...p, seq: this.nextSeq, groups: p.groups.map((g) => [...g]) });
      this.nextSeq += 1;
    }
    this.events.add({ source: 'shell', kind: 'forked', text: `forked at ${where}: ${engine.started.length} members copied` });
    return engine;
  }

  /**
   * Make this fresh lab what `source` was at its moment at or before `at` ("Branch from here"):
   * the members from that moment's checkpoint (as `copyFrom` copies them now), the typed lines,
   * partitions and timeline up to then, ending with a `branched` event. `source` is unchanged.
   */
  async branchFrom(source: BranchSource, at: number): Promise<EngineCopyReport & { at: number }> {
    if (!(this.engine instanceof SimEngine) && !(this.engine instanceof WorkerEngine)) throw new LabCopyError(`"Branch from here" needs the sim engine: this server runs its sandboxes on the ${this.engine.kind} engine`);
    const moment = source.past.momentAt(at);
    if (!moment.checkpoint) throw new MomentNotKeptError(`the moment at ${moment.at} has no copy of the members to branch from`);
    for (const event of source.events.all()) {
      if (event.at > moment.at) break;
      this.events.add({ at: event.at, source: event.source, kind: event.kind, text: event.text, ...(event.member !== undefined ? { member: event.member } : {}) });
    }
    const { checkpoint } = moment;
    let engine: EngineCopyReport;
    if (this.engine instanceof WorkerEngine) {
      if (!isWorkerCheckpoint(checkpoint)) throw new LabCopyError('this moment was kept on the main thread; the branch runs in a worker thread');
      engine = await this.engine.restore(checkpoint);
    } else {
      if (isWorkerCheckpoint(checkpoint)) throw new LabCopyError('this moment was kept in a worker thread; the branch runs on the main thread');
      engine = await this.engine.restore(checkpoint);
    }
    // Only the lines of the run the moment belongs to: a clear for a new lesson ended the ones before.
    for (const entry of linesOfRunAt(source, moment.at)) this.record(entry);
    this.partitions.push(
      ...source.partitions.filter((p) => p.at <= moment.at).map((p) => ({ ...p, groups: p.groups.map((g) => [...g]), healedAt: p.healedAt !== null && p.healedAt <= moment.at ? p.healedAt : null })),
    );
    this.events.add({ source: 'shell', kind: 'branched', text: `branched from ${formatClock(moment.at)}: ${engine.started.length} members as they were` });
    return { ...engine, at: moment.at };
  }

  async documents(address: string, ns: string): Promise<Document[] | null> {
    return this.engine.documents(address, ns);
  }

  /** Forget the shared snapshot: the cluster has just been changed on purpose. */
  private invalidateSnapshot(): void {
    this.lastSnapshotAtWallMillis = 0;
  }

  async dispose(): Promise<void> {
    // The history's worker checkpoints are let go of here (frozen copies hold their own).
    this.past.release();
    await this.driver.closeAll();
    await this.engine.dispose();
  }
}

/**
 * The lines typed in `lab` from the last clear at or before `at` (a new lesson's) up to `at`:
 * what the machine at `at` was built from.
 */
export function linesOfRunAt(lab: BranchSource, at: number): ShellRecord[] {
  const clearedAt = lab.past.lastClearAtOrBefore(at);
  return lab.history.filter((entry) => entry.at <= at && (clearedAt === null || entry.at >= clearedAt));
}

/** HH:MM:SS of a sandbox-clock time (UTC, as the page shows it). */
export function formatClock(atMillis: number): string {
  return new Date(atMillis).toISOString().slice(11, 19);
}

/** A lab that cannot be copied (only the sim engine's members can be). */
export class LabCopyError extends Error {
  override readonly name = 'LabCopyError';
}

class ControlRefused extends Error {
  override readonly name = 'ControlRefused';
}
