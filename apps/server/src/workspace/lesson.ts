import type { Document } from 'bson';
import type { LessonProgress } from '@rslab/protocol';
import { findLesson, lessons } from '../lessons/catalog';
import type { Lesson } from '../lessons/model';
import { LessonTracker, summaryOf } from '../lessons/progress';
import type { LabView } from '../lessons/view';
import type { Lab } from '../sandbox/lab';

/** How long after a typed line the lesson is re-checked, gathering lines typed close together. */
const evaluationDelayMillis = 100;

/** The lesson checks' read-only view of a lab (see `LabView`). */
export async function viewOf(lab: Lab): Promise<LabView> {
  const cluster = await lab.snapshot();
  const { engine, driver, events } = lab;
  const mark = lab.mark();
  // Most checks read one or two of these; copy each only when a check asks for it, once.
  let processes: LabView['processes'] | undefined;
  let clients: LabView['clients'] | undefined;
  let eventList: LabView['events'] | undefined;
  let config: Promise<Document | null> | undefined;
  return {
    hostname: lab.hostname,
    now: mark.at,
    mark,
    get processes() {
      processes ??= engine.processes();
      return processes;
    },
    cluster,
    shellHistory: lab.history,
    get clients() {
      clients ??= driver.views();
      return clients;
    },
    get events() {
      eventList ??= events.all();
      return eventList;
    },
    partitions: lab.partitions,
    documents: (host, ns) => engine.documents(host, ns),
    replSetConfig: () => {
      config ??= replSetConfigOf(lab, cluster.members.find((m) => m.state === 'PRIMARY')?.host ?? cluster.members.find((m) => m.process === 'running')?.host);
      return config;
    },
    rolledBack: (host) => engine.rolledBack(host),
  };
}

async function replSetConfigOf(lab: Lab, host: string | undefined): Promise<Document | null> {
  if (host === undefined) return null;
  const reply = await lab.engine.command(host, { replSetGetConfig: 1 });
  return reply.ok === 1 && reply.config && typeof reply.config === 'object' ? (reply.config as Document) : null;
}

/**
 * A sandbox's lessons: which one is open, how far the learner is in each (kept when they switch
 * between lessons), and when to check again. Checks read the lab through `viewOf`; listeners hear
 * the progress whenever it changes.
 */
export class SandboxLesson {
  tracker: LessonTracker;
  private readonly trackers = new Map<string, LessonTracker>();
  private evaluationInFlight: Promise<void> | null = null;
  private evaluationTimer: NodeJS.Timeout | null = null;
  private readonly progressListeners = new Set<(progress: LessonProgress) => void>();

  constructor(
    private readonly lab: Lab,
    /** Told when a check itself failed (a bug: a check should answer pass or a reason). */
    private readonly onCheckError: (error: unknown) => void,
  ) {
    this.tracker = this.trackerFor(lessons[0] as Lesson);
    // Which lesson was open when, for "Branch from here" (sandbox/history.ts).
    lab.past.recordInput({ at: lab.now(), kind: 'lesson', lesson: this.tracker.lesson.id });
  }

  private trackerFor(lesson: Lesson): LessonTracker {
    let tracker = this.trackers.get(lesson.id);
    if (!tracker) {
      tracker = new LessonTracker(lesson, this.lab.engine.kind);
      this.trackers.set(lesson.id, tracker);
    }
    return tracker;
  }

  /** Whether lesson `id` exists and this engine can run it. */
  canRun(id: string): boolean {
    const lesson = findLesson(id);
    return lesson !== undefined && (!lesson.engines || lesson.engines.includes(this.lab.engine.kind));
  }

  /**
   * Make lesson `id` the open one, with the progress this sandbox has in it; false when there is
   * none or this engine cannot run it. The lab is not touched: `Sandbox.startLesson` clears it.
   */
  select(id: string): boolean {
    const lesson = findLesson(id);
    if (!lesson || !this.canRun(id)) return false;
    this.tracker = this.trackerFor(lesson);
    this.lab.past.recordInput({ at: this.lab.now(), kind: 'lesson', lesson: id });
    this.notify();
    return true;
  }

  /** Every lesson's tracker this sandbox has, for the resume link. */
  allTrackers(): LessonTracker[] {
    return [...this.trackers.values()];
  }

  /** The tracker of lesson `id` (made on first use), to restore saved progress into. */
  trackerOf(id: string): LessonTracker | undefined {
    const lesson = findLesson(id);
    return lesson ? this.trackerFor(lesson) : undefined;
  }

  onProgress(listener: (progress: LessonProgress) => void): () => void {
    this.progressListeners.add(listener);
    return () => this.progressListeners.delete(listener);
  }

  /** The open lesson's progress, with every lesson's in the catalog. */
  progress(): LessonProgress {
    const kind = this.lab.engine.kind;
    return this.tracker.progress(lessons.map((lesson) => summaryOf(lesson, kind, this.trackers.get(lesson.id)?.doneCount ?? 0)));
  }

  /** Tell listeners the progress as it is now (after a skip, which no check caused). */
  notify(): void {
    const progress = this.progress();
    for (const listener of this.progressListeners) listener(progress);
  }

  /** The learner's prediction for the current step (see `LessonTracker.predict`). */
  predict(stepId: string, choiceId: string): { ok: boolean; message: string } {
    const answer = this.tracker.predict(stepId, choiceId, this.lab.mark());
    if (answer.ok) {
      this.notify();
      this.requestEvaluation();
    }
    return answer;
  }

  /** Try the current step again from now. */
  retry(): { ok: boolean; message: string } {
    const step = this.tracker.current;
    if (!step) return { ok: false, message: 'the lesson is finished; nothing to try again' };
    this.tracker.retry(this.lab.mark());
    this.notify();
    this.requestEvaluation();
    return { ok: true, message: `trying "${step.title}" again: only what you do from now counts` };
  }

  /** Re-check the lesson soon; many requests in a short while make one check. */
  requestEvaluation(): void {
    if (this.evaluationTimer) return;
    this.evaluationTimer = setTimeout(() => {
      this.evaluationTimer = null;
      this.recheck().catch(this.onCheckError);
    }, evaluationDelayMillis);
  }

  /** Re-check the lesson and answer the progress after it. */
  async evaluate(): Promise<LessonProgress> {
    await this.recheck();
    return this.progress();
  }

  /** Re-check the lesson; tell listeners when the progress changed. One check runs at a time. */
  private recheck(): Promise<void> {
    this.evaluationInFlight ??= (async () => {
      try {
        const changed = await this.tracker.evaluate(await viewOf(this.lab));
        if (changed) this.notify();
      } finally {
        this.evaluationInFlight = null;
      }
    })();
    return this.evaluationInFlight;
  }

  dispose(): void {
    if (this.evaluationTimer) clearTimeout(this.evaluationTimer);
    this.evaluationTimer = null;
    this.progressListeners.clear();
  }
}
