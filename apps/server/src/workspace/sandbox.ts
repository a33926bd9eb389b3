import { randomBytes } from 'node:crypto';
import type { ClusterSnapshot, LabEvent, LessonProgress } from '@rslab/protocol';
import type { EngineCopyReport } from '../engine/simEngine';
import { isWorkerCheckpoint, type WorkerCheckpoint } from '../engine/workerEngine';
import { linesOfRunAt, type BranchSource, type ControlRequest, type FrozenRecording, type Lab } from '../sandbox/lab';
import type { Settings } from '../settings';
import { BashShell } from '../shell/bash/shell';
import { ReplInterpreter, type LineReport } from '../terminal/replInterpreter';
import { TerminalSession } from '../terminal/session';
import { typeLine } from '../terminal/typeLine';
import { SandboxHost } from './host';
import { SandboxLesson } from './lesson';
import { buildSetup } from './setup';
import { ClientRuntimes } from '../runtime/clientRuntime';
import { nodeRuntimeHost } from '../runtime/nodeHost';

export interface LabCopyReport extends EngineCopyReport {
  /** The lesson step the copy starts at; null when the source had finished the lesson. */
  stepId: string | null;
}

/** Our own errors about sandboxes, with stable names the API maps to messages. */
export class SandboxLimitError extends Error {
  override readonly name = 'SandboxLimitError';
}

export type SandboxEvent =
  | { type: 'tab.opened'; tab: TerminalSession }
  | { type: 'tab.closed'; tabId: string }
  /** The sandbox is gone (its worker thread died) and `by` took its place under the same key; `message` says so to the learner. */
  | { type: 'replaced'; by: Sandbox; message: string };

/** What a live view (a browser tab) receives besides terminal traffic. */
export interface LiveListener {
  cluster(snapshot: ClusterSnapshot): void;
  events(events: LabEvent[]): void;
  lesson(progress: LessonProgress): void;
}

/** Longest a fork waits for a copied tab's Python to start, when a host is there to start it. */
const forkShellStartMillisMax = 30_000;

/** How often live views get a cluster snapshot: at most ten a second. */
const snapshotIntervalMillis = 150;

function errorNameIn(output: string, language: LineReport['language']): string | undefined {
  if (language === 'python') {
    if (!/^Traceback \(most recent call last\):/m.test(output)) return undefined;
    const last = [...output.matchAll(/^([A-Za-z_][\w.]*)(?::|$)/gm)].at(-1)?.[1];
    return last?.split('.').at(-1);
  }
  // Node's REPL under mongosh writes `Uncaught ` (or `Uncaught:` and a newline) before the error,
  // whose own text starts with a carriage return: `Uncaught \rMongoServerError[NotWritablePrimary]: …`.
  if (language === 'mongosh') return /^(?:Uncaught(?: |:\n))?\r?([A-Z]\w*Error)\b/m.exec(output)?.[1];
  return undefined;
}

/**
 * One learner's world: the lab (members, driver, timeline; sandbox/), its lesson, and the
 * terminals typed into it. Sandboxes never share state; everything a learner does goes through
 * their own sandbox.
 */
export class Sandbox {
  readonly tabs = new Map<string, TerminalSession>();
  readonly lesson: SandboxLesson;
  /** The client runtimes (Python, mongosh) of this sandbox's tabs and the pages that host them. */
  readonly runtimes: ClientRuntimes;
  private readonly listeners = new Set<(event: SandboxEvent) => void>();
  private readonly live = new Set<LiveListener>();
  private liveTimer: NodeJS.Timeout | null = null;
  private lastClusterJson = '';
  private pendingEvents: LabEvent[] = [];
  private readonly unsubscribeLab: Array<() => void> = [];
  lastActiveAt: number;
  private tabCounter = 0;
  private disposed = false;

  constructor(
    readonly id: string,
    readonly lab: Lab,
    private readonly settings: Settings,
    now: number,
    /** Told of what failed with nobody to answer (a lesson check, a live snapshot). */
    private readonly onError: (error: unknown, what: string) => void = () => undefined,
  ) {
    this.lastActiveAt = now;
    this.lesson = new SandboxLesson(lab, (error) => onError(error, 'a lesson check failed'));
    this.runtimes = new ClientRuntimes({
      driver: lab.driver,
      clock: lab.engine.clock,
      ...(settings.serverRuntimes ? { fallbackHost: nodeRuntimeHost } : {}),
      onError: (error, what) => onError(error, what),
    });
    this.unsubscribeLab.push(
      lab.events.subscribe((event) => {
        if (this.live.size > 0) this.pendingEvents.push(event);
      }),
      this.lesson.onProgress((progress) => {
        for (const listener of this.live) listener.lesson(progress);
      }),
    );
  }

  get hostname(): string {
    return this.lab.hostname;
  }

  openTab(): TerminalSession {
    if (this.tabs.size >= this.settings.tabsPerSandboxMax) {
      throw new SandboxLimitError(`a sandbox has at most ${this.settings.tabsPerSandboxMax} terminals`);
    }
    this.tabCounter += 1;
    const id = `t${this.tabCounter}`;
    const terminal = { notice: (text: string, origin?: string) => this.tabs.get(id)?.notice(text, origin) };
    const shell = new ReplInterpreter(new BashShell(new SandboxHost(this.lab, this.runtimes, terminal, id)), {
      now: () => this.lab.now(),
      onLine: (report) => this.recordLine(id, report),
    });
    const session = new TerminalSession(id, shell, {
      scrollbackBytesMax: this.settings.scrollbackBytesMax,
      historyLinesMax: this.settings.historyLinesMax,
      pendingLinesMax: 64,
    }, () => this.lab.now());
    // `exit` in the last shell of a tab closes the tab, as closing a terminal window would.
    session.onExit = () => this.closeTab(id);
    this.tabs.set(id, session);
    this.emit({ type: 'tab.opened', tab: session });
    return session;
  }

  private recordLine(tab: string, report: LineReport): void {
    if (report.input.trim() === '') return;
    const operations = this.lab.driver.operations.filter((op) => op.at >= report.startedAt && op.at <= report.finishedAt);
    const failed = operations.find((op) => !op.ok);
    const errorName = failed?.errorName ?? errorNameIn(report.output, report.language);
    const last = operations.at(-1);
    this.lab.record({
      at: report.startedAt,
      finishedAt: report.finishedAt,
      tab,
      language: report.language,
      input: report.input,
      ok: errorName === undefined,
      ...(errorName !== undefined ? { errorName } : {}),
      ...(failed?.codeName !== undefined ? { codeName: failed.codeName } : {}),
      value: report.output.slice(0, 500),
      ...(last ? { operation: { kind: last.kind, client: last.client, servedBy: last.servedBy } } : {}),
    });
    this.lesson.requestEvaluation();
  }

  closeTab(id: string): boolean {
    const session = this.tabs.get(id);
    if (!session) return false;
    this.tabs.delete(id);
    session.close();
    this.emit({ type: 'tab.closed', tabId: id });
    return true;
  }

  subscribe(listener: (event: SandboxEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Follow the cluster, the timeline and the lesson live; the first call starts the feed. */
  watch(listener: LiveListener): () => void {
    this.live.add(listener);
    listener.events(this.lab.events.all());
    listener.lesson(this.lesson.progress());
    this.lab.snapshot().then(
      (snapshot) => listener.cluster(snapshot),
      (error: unknown) => this.onError(error, 'a cluster snapshot failed'),
    );
    if (!this.liveTimer) {
      this.liveTimer = setInterval(() => {
        this.tick().catch((error: unknown) => this.onError(error, 'the live feed failed'));
      }, snapshotIntervalMillis);
    }
    return () => {
      this.live.delete(listener);
      if (this.live.size === 0 && this.liveTimer) {
        clearInterval(this.liveTimer);
        this.liveTimer = null;
      }
    };
  }

  private async tick(): Promise<void> {
    if (this.disposed) return;
    if (this.pendingEvents.length > 0) {
      const events = this.pendingEvents;
      this.pendingEvents = [];
      for (const listener of this.live) listener.events(events);
    }
    const snapshot = await this.lab.snapshot();
    await this.lab.captureMoment(snapshot);
    const json = JSON.stringify({ ...snapshot, at: 0 });
    // Send when something changed, and now and then anyway so clocks on the page stay in step.
    if (json !== this.lastClusterJson || snapshot.at % 2000 < snapshotIntervalMillis * snapshot.speed) {
      this.lastClusterJson = json;
      for (const listener of this.live) listener.cluster(snapshot);
    }
    await this.lesson.evaluate();
  }

  /** Apply a control from the cluster view's buttons; says what happened in words. */
  async control(request: ControlRequest): Promise<{ ok: boolean; message: string }> {
    const ack = await this.lab.control(request);
    // time.sleep in a runtime follows the sandbox's clock.
    if (request.action === 'speed' || request.action === 'pause' || request.action === 'resume') this.runtimes.clockChanged();
    return ack;
  }

  /**
   * Open lesson `id` on a clean machine: when anything has happened here, clear the lab (every
   * member stopped, data gone, clients closed) and give the learner one fresh terminal; then begin
   * a run of the lesson (its checks count from here) and build its setup, if it has one. The
   * progress the sandbox has in that lesson is kept (`restart` forgets it); rebuilding the lab to
   * the learner's step is the caller's (transcript/lessonStart.ts).
   */
  async startLesson(id: string, options: { restart?: boolean } = {}): Promise<boolean> {
    if (!this.lesson.canRun(id)) return false;
    const used = this.lab.used || this.tabs.size !== 1;
    if (used) {
      await this.lab.clear();
      for (const tabId of [...this.tabs.keys()]) this.closeTab(tabId);
      this.openTab();
    }
    this.lesson.select(id);
    const tracker = this.lesson.tracker;
    if (options.restart) tracker.reset();
    tracker.begin(this.lab.mark());
    const setup = tracker.lesson.setup;
    if (setup) {
      const servers = [...this.tabs.values()][0] ?? this.openTab();
      tracker.holdChecks();
      // The page says "setting up" until the set is ready: what the learner does meanwhile would not count.
      this.lesson.notify();
      try {
        await buildSetup(this.lab, setup, servers);
      } finally {
        tracker.resumeAt(this.lab.mark());
      }
    }
    this.lesson.notify();
    return true;
  }

  /**
   * Make this fresh sandbox a copy of `source` at this moment (see `Lab.copyFrom`), on the same
   * lesson at the same step. Its terminals are the caller's to open.
   */
  async copyFrom(source: Sandbox): Promise<LabCopyReport> {
    const current = source.lesson.tracker.current;
    const engine = await this.lab.copyFrom(source.lab, `step ${current ? `"${current.title}"` : 'the end of the lesson'}`);
    if (this.lesson.tracker.lesson.id !== source.lesson.tracker.lesson.id) this.lesson.select(source.lesson.tracker.lesson.id);
    // Everything copied belongs to the lesson; the copy's own step counts from the fork on.
    // (An unknown id marks every step done: the source had finished.)
    this.lesson.tracker.skipTo(current?.id ?? '\u0000none', this.lab.mark());
    this.lesson.notify();
    return { ...engine, stepId: current?.id ?? null };
  }

  /**
   * The sandbox as it was at sandbox time `at`: the cluster of the nearest moment kept at or before
   * it, and the timeline up to `at`. Throws MomentNotKeptError before the history's reach.
   */
  viewAt(at: number): PastView {
    const moment = this.lab.past.momentAt(at);
    return {
      at,
      momentAt: moment.at,
      cluster: moment.cluster,
      events: this.lab.events.all().filter((event) => event.at <= at),
      reachesBackTo: this.lab.past.reachesBackToMillis ?? moment.at,
      liveAt: this.lab.now(),
    };
  }

  /**
   * Make this fresh sandbox `source` as it was at `at` (see `Lab.branchFrom`), on the lesson open
   * then, or `lessonId` when its history does not say.
   */
  async branchFrom(source: BranchSource, lessonId: string, at: number): Promise<LabCopyReport & { at: number }> {
    const engine = await this.lab.branchFrom(source, at);
    // The lesson open then (a later one may have cleared the machine since); its checks count the copied lines.
    lessonId = source.past.lessonAt(engine.at) ?? lessonId;
    if (this.lesson.tracker.lesson.id !== lessonId) this.lesson.select(lessonId);
    this.lesson.notify();
    return { ...engine, stepId: null };
  }

  /** Tell whoever shows this sandbox that `by` replaces it (see `SandboxManager.replaceLost`). */
  replacedBy(by: Sandbox, message: string): void {
    this.emit({ type: 'replaced', by, message });
  }

  private emit(event: SandboxEvent): void {
    for (const listener of this.listeners) listener(event);
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    if (this.liveTimer) clearInterval(this.liveTimer);
    this.live.clear();
    for (const id of [...this.tabs.keys()]) this.closeTab(id);
    this.listeners.clear();
    for (const unsubscribe of this.unsubscribeLab) unsubscribe();
    this.lesson.dispose();
    await this.runtimes.dispose();
    await this.lab.dispose();
  }
}

/** What the page shows of a past moment. */
export interface PastView {
  at: number;
  /** When the moment shown was taken (at or before `at`). */
  momentAt: number;
  cluster: ClusterSnapshot;
  events: LabEvent[];
  reachesBackTo: number;
  liveAt: number;
}

/** How a new lab starts: fresh, or with its clock where a source's is (for a fork). */
export interface LabStart {
  clock?: { startMillis: number; speed: number; paused: boolean };
  /** The sandbox this one is copied from (a fork, a branch): with worker threads the copy goes on its worker. */
  near?: string;
  /** The worker checkpoint a branch starts from: the branch goes on the worker that keeps it (its sandbox may be gone). */
  nearCheckpoint?: WorkerCheckpoint;
}

/** A saved replay's recording, frozen when it was saved, that a branch may start from. */
export interface SavedRecording {
  /** Released when the replay's branch points are let go of (evicted, expired). */
  source: FrozenRecording;
  lessonId: string;
  /** The clock speed the sandbox ran at when it was saved. */
  speed: number;
  sandboxId: string;
}

export interface SandboxManagerOptions {
  settings: Settings;
  createLab: (sandboxId: string, start?: LabStart) => Lab;
  /** Told of what failed in a sandbox with nobody to answer (a lesson check, the live feed, a disposal). */
  onError?: (error: unknown, what: string, sandboxId: string) => void;
  now?: () => number;
}

/** Finds a learner's sandbox by session id, creates it on first use, reclaims idle ones. */
export class SandboxManager {
  private readonly sandboxes = new Map<string, Sandbox>();
  /** Per key, the sandbox it last branched away from (paused), kept as a recording. */
  private readonly branchedFrom = new Map<string, Sandbox>();
  private readonly now: () => number;

  constructor(private readonly options: SandboxManagerOptions) {
    this.now = options.now ?? Date.now;
  }

  get size(): number {
    return this.sandboxes.size;
  }

  private errorsOf(sandboxId: string): (error: unknown, what: string) => void {
    return (error, what) => this.options.onError?.(error, what, sandboxId);
  }

  get(sessionId: string): Sandbox | undefined {
    return this.sandboxes.get(sessionId);
  }

  all(): Sandbox[] {
    return [...this.sandboxes.values()];
  }

  /** The session's sandbox, created with one terminal if it does not exist yet. */
  obtain(sessionId: string): { sandbox: Sandbox; created: boolean } {
    const existing = this.sandboxes.get(sessionId);
    if (existing) {
      existing.lastActiveAt = this.now();
      return { sandbox: existing, created: false };
    }
    this.reclaimIdle();
    const { settings } = this.options;
    if (this.sandboxes.size >= settings.sandboxesMax) {
      throw new SandboxLimitError(
        `the server is full: ${settings.sandboxesMax} sandboxes are in use; please try again in a few minutes`,
      );
    }
    const id = `sb-${randomBytes(6).toString('hex')}`;
    const sandbox = new Sandbox(id, this.options.createLab(id), settings, this.now(), this.errorsOf(id));
    sandbox.openTab();
    this.sandboxes.set(sessionId, sandbox);
    return { sandbox, created: true };
  }

  /**
   * Replace whatever sandbox `key` has with a copy of `source` as it is now (see `Lab.copyFrom`).
   * Counts against `sandboxesMax` like any other sandbox.
   */
  async fork(key: string, source: Sandbox): Promise<{ sandbox: Sandbox; report: LabCopyReport }> {
    await this.drop(key);
    this.reclaimIdle();
    const { settings } = this.options;
    if (this.sandboxes.size >= settings.sandboxesMax) {
      throw new SandboxLimitError(`the server is full: ${settings.sandboxesMax} sandboxes are in use; please try again in a few minutes`);
    }
    const clock = source.lab.engine.clock;
    const id = `sb-${randomBytes(6).toString('hex')}`;
    const lab = this.options.createLab(id, { clock: { startMillis: clock.now(), speed: clock.speed, paused: clock.paused }, near: source.id });
    const sandbox = new Sandbox(id, lab, settings, this.now(), this.errorsOf(id));
    this.sandboxes.set(key, sandbox);
    try {
      const report = await sandbox.copyFrom(source);
      for (const tab of source.tabs.values()) {
        const copy = sandbox.openTab();
        copy.notice(`# Your own copy, forked at this step: the cluster, its data and the lesson are copied;\n# shell variables and open connections are not, so connect again before reading.\n`);
        // A tab that was in Python starts in Python again (fresh, without the source's variables).
        // With no page on the copy yet it runs once the attendee's page attaches.
        if (tab.title === 'python') {
          if (sandbox.runtimes.pickHost(undefined)) await typeLine(copy, 'python', forkShellStartMillisMax);
          else copy.submit('python');
        }
      }
      if (sandbox.tabs.size === 0) sandbox.openTab();
      return { sandbox, report };
    } catch (error) {
      await this.drop(key);
      throw error;
    }
  }

  /**
   * "Branch from here": `key`'s sandbox becomes a new live one started from what it was at `at`;
   * its tabs re-open with the lines typed in them up to then (not their variables). The old
   * sandbox is handed back, not disposed: its recording stays until the caller discards it.
   */
  async branch(key: string, at: number): Promise<{ sandbox: Sandbox; previous: Sandbox; report: LabCopyReport & { at: number } }> {
    const source = this.sandboxes.get(key);
    if (!source) throw new SandboxLimitError('there is no sandbox to branch from');
    const { sandbox, report } = await this.startBranch(source.lab, { lessonId: source.lesson.tracker.lesson.id, speed: source.lab.engine.clock.speed, near: source.id, tabIds: [...source.tabs.keys()] }, at);
    this.sandboxes.set(key, sandbox);
    // The old timeline is kept, its clock stopped, as the one recording this key can go back to.
    source.lab.engine.clock.pause();
    const older = this.branchedFrom.get(key);
    this.branchedFrom.set(key, source);
    if (older) await older.dispose();
    return { sandbox, previous: source, report };
  }

  /**
   * "Branch from here" on a saved replay: `key`'s sandbox (a fresh one, usually: whoever opened the
   * link) is replaced by a new live one started from the replay's recording as it was at `at`. The
   * sandbox replaced is handed back, no longer the key's, for the caller to dispose once nobody
   * shows it (disposing it first would close its tabs under the page that is moving on).
   */
  async branchFromRecording(key: string, recording: SavedRecording, at: number): Promise<{ sandbox: Sandbox; report: LabCopyReport & { at: number }; replaced: Sandbox | undefined }> {
    this.reclaimIdle();
    const replaced = this.sandboxes.get(key);
    const { settings } = this.options;
    if (!replaced && this.sandboxes.size >= settings.sandboxesMax) {
      throw new SandboxLimitError(`the server is full: ${settings.sandboxesMax} sandboxes are in use; please try again in a few minutes`);
    }
    const started = await this.startBranch(recording.source, { lessonId: recording.lessonId, speed: recording.speed, near: recording.sandboxId, tabIds: [] }, at);
    this.sandboxes.set(key, started.sandbox);
    return { ...started, replaced };
  }

  /** A new sandbox started from `source` at `at`, its tabs re-opened with the lines typed in them up to then. */
  private async startBranch(
    source: BranchSource,
    from: { lessonId: string; speed: number; near: string; tabIds: string[] },
    at: number,
  ): Promise<{ sandbox: Sandbox; report: LabCopyReport & { at: number } }> {
    const moment = source.past.momentAt(at);
    const { settings } = this.options;
    const id = `sb-${randomBytes(6).toString('hex')}`;
    const lab = this.options.createLab(id, {
      clock: { startMillis: moment.at, speed: from.speed, paused: false },
      near: from.near,
      ...(moment.checkpoint && isWorkerCheckpoint(moment.checkpoint) ? { nearCheckpoint: moment.checkpoint } : {}),
    });
    const sandbox = new Sandbox(id, lab, settings, this.now(), this.errorsOf(id));
    try {
      const report = await sandbox.branchFrom(source, from.lessonId, at);
      // The tabs typed into then: a clear for a new lesson since has closed them and opened others.
      const lines = linesOfRunAt(source, report.at);
      const tabIds = [...new Set(lines.map((line) => line.tab))];
      for (const tabId of tabIds.length > 0 ? tabIds : from.tabIds) {
        const copy = sandbox.openTab();
        copy.seedHistory(lines.filter((line) => line.tab === tabId).map((line) => line.input));
        copy.notice(`# Branched from the past: the cluster, its data and the clock as they were; the lines you typed are in the history (arrow up),
# shell variables and open connections are not, so connect again before reading.
`);
      }
      if (sandbox.tabs.size === 0) sandbox.openTab();
      return { sandbox, report };
    } catch (error) {
      await sandbox.dispose();
      throw error;
    }
  }

  /** The recording `key` branched away from last, if it is kept. */
  previousOf(key: string): Sandbox | undefined {
    return this.branchedFrom.get(key);
  }

  /**
   * The sandbox `sandboxId` is lost (the worker thread it ran on died): whoever had it gets a fresh
   * one with one terminal under the same key, and whoever shows it is told (`replaced`) with
   * `message`. A lost recording kept for a branch is only forgotten. Returns the fresh sandboxes.
   */
  replaceLost(sandboxId: string, message: string): Sandbox[] {
    const fresh: Sandbox[] = [];
    for (const [key, previous] of this.branchedFrom) {
      if (previous.id !== sandboxId) continue;
      this.branchedFrom.delete(key);
      previous.dispose().catch((error: unknown) => this.options.onError?.(error, 'disposing a lost sandbox failed', sandboxId));
    }
    for (const [key, lost] of this.sandboxes) {
      if (lost.id !== sandboxId) continue;
      const id = `sb-${randomBytes(6).toString('hex')}`;
      const sandbox = new Sandbox(id, this.options.createLab(id), this.options.settings, this.now(), this.errorsOf(id));
      sandbox.openTab();
      this.sandboxes.set(key, sandbox);
      fresh.push(sandbox);
      lost.replacedBy(sandbox, message);
      lost.dispose().catch((error: unknown) => this.options.onError?.(error, 'disposing a lost sandbox failed', sandboxId));
    }
    return fresh;
  }

  /** Dispose of `key`'s sandbox, if it has one. */
  async drop(key: string): Promise<boolean> {
    const previous = this.branchedFrom.get(key);
    this.branchedFrom.delete(key);
    if (previous) await previous.dispose();
    const sandbox = this.sandboxes.get(key);
    if (!sandbox) return false;
    this.sandboxes.delete(key);
    await sandbox.dispose();
    return true;
  }

  touch(sessionId: string): void {
    const sandbox = this.sandboxes.get(sessionId);
    if (sandbox) sandbox.lastActiveAt = this.now();
  }

  /** Drop sandboxes nobody has used for `sandboxIdleMillis`. Returns how many went. */
  reclaimIdle(): number {
    const cutoff = this.now() - this.options.settings.sandboxIdleMillis;
    let reclaimed = 0;
    for (const [sessionId, sandbox] of this.sandboxes) {
      if (sandbox.lastActiveAt < cutoff) {
        sandbox.dispose().catch((error: unknown) => this.options.onError?.(error, 'disposing an idle sandbox failed', sandbox.id));
        this.sandboxes.delete(sessionId);
        reclaimed += 1;
      }
    }
    return reclaimed;
  }

  async disposeAll(): Promise<void> {
    const all = [...this.sandboxes.values(), ...this.branchedFrom.values()];
    this.sandboxes.clear();
    this.branchedFrom.clear();
    await Promise.all(all.map((sandbox) => sandbox.dispose()));
  }
}
