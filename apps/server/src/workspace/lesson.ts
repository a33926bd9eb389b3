import type { LessonProgress } from '@rslab/protocol';
import { findLesson, lessons } from '../lessons/catalog';
import { LessonTracker } from '../lessons/progress';
import type { LabView } from '../lessons/view';
import type { Lab } from '../sandbox/lab';

/** How long after a typed line the lesson is re-checked, gathering lines typed close together. */
const evaluationDelayMillis = 100;

/** The lesson checks' read-only view of a lab (see `LabView`). */
export async function viewOf(lab: Lab): Promise<LabView> {
  const cluster = await lab.snapshot();
  const { engine, gateway, events } = lab;
  // Most checks read one or two of these; copy each only when a check asks for it.
  return {
    hostname: lab.hostname,
    now: lab.now(),
    get processes() {
      return engine.processes();
    },
    cluster,
    shellHistory: lab.history,
    get clients() {
      return gateway.views();
    },
    get events() {
      return events.all();
    },
    partitions: lab.partitions,
    documents: (host, ns) => engine.documents(host, ns),
    rolledBack: (host) => engine.rolledBack(host),
  };
}

/**
 * A sandbox's lesson: which one, how far the learner is, and when to check again. Checks read the
 * lab through `viewOf`; listeners hear the progress whenever it changes.
 */
export class SandboxLesson {
  tracker: LessonTracker;
  private evaluationInFlight: Promise<void> | null = null;
  private evaluationTimer: NodeJS.Timeout | null = null;
  private readonly progressListeners = new Set<(progress: LessonProgress) => void>();

  constructor(
    private readonly lab: Lab,
    /** Told when a check itself failed (a bug: a check should answer pass or a reason). */
    private readonly onCheckError: (error: unknown) => void,
  ) {
    this.tracker = new LessonTracker(lessons[0] as (typeof lessons)[number], lab.engine.kind);
  }

  /** Switch to lesson `id`; false when there is none or this engine cannot run it. */
  select(id: string): boolean {
    const lesson = findLesson(id);
    if (!lesson) return false;
    if (lesson.engines && !lesson.engines.includes(this.lab.engine.kind)) return false;
    this.tracker = new LessonTracker(lesson, this.lab.engine.kind);
    this.notify();
    this.recheck().catch(this.onCheckError);
    return true;
  }

  onProgress(listener: (progress: LessonProgress) => void): () => void {
    this.progressListeners.add(listener);
    return () => this.progressListeners.delete(listener);
  }

  /** Tell listeners the progress as it is now (after a skip, which no check caused). */
  notify(): void {
    const progress = this.tracker.progress();
    for (const listener of this.progressListeners) listener(progress);
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
    return this.tracker.progress();
  }

  /** Re-check the lesson; tell listeners when the progress changed. One check runs at a time. */
  private recheck(): Promise<void> {
    if (this.tracker.finished) return Promise.resolve();
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
