import type { LessonList, LessonListing, LessonSummary } from '@rslab/protocol';

/** The course page lives at `#course`; any other fragment is the lab (or a rooms page). */
export const courseHash = '#course';

export function isCourseRoute(hash: string): boolean {
  return hash === courseHash;
}

/** What the learner can do with a lesson from the course page. */
export type CourseAction = 'start' | 'continue' | 'review' | 'back';

export interface CourseRow {
  id: string;
  /** 1-based place in the course. */
  number: number;
  title: string;
  summary: string;
  minutes: number;
  steps: number;
  done: number;
  /** The lesson this sandbox has open now. */
  current: boolean;
  /** Progress in words: "not started", "4 of 13 steps done", "done". */
  progressText: string;
  /** What it needs, in words: the engine, and the lessons it builds on (by title). */
  needs: string[];
  /** The button to show, or null when this server cannot run the lesson. */
  action: CourseAction | null;
  /** Why the lesson cannot be opened here, or null when it can. */
  unavailable: string | null;
}

export const actionLabel: Record<CourseAction, string> = {
  start: 'Start',
  continue: 'Continue',
  review: 'Open again',
  back: 'Back to it',
};

/** What the page knows of the learner: the open lesson's live steps and the catalog's per-lesson counts. */
export interface LearnerProgress {
  lessonId: string;
  catalog?: readonly LessonSummary[];
  steps: readonly { state: 'done' | 'pending' | 'current' }[];
}

/**
 * The course page's rows: every lesson of `GET /api/lessons` in its order, with the learner's
 * progress from the sandbox's catalog (the open lesson counts its live steps, which may be newer).
 * A lesson the server cannot run keeps its row, with a reason instead of a button; nothing is
 * locked behind another lesson, the needs only say what it builds on.
 */
export function courseRows(listing: readonly LessonListing[], progress: LearnerProgress | null): CourseRow[] {
  const titleOf = new Map(listing.map((lesson) => [lesson.id, lesson.title]));
  const doneOf = new Map((progress?.catalog ?? []).map((entry) => [entry.id, entry.done ?? 0]));
  return listing.map((lesson, index) => {
    const current = progress?.lessonId === lesson.id;
    const liveDone = current ? progress.steps.filter((step) => step.state === 'done').length : undefined;
    const done = Math.min(lesson.steps, liveDone ?? doneOf.get(lesson.id) ?? 0);
    const needs: string[] = [];
    if (lesson.engine === 'sim') needs.push('the simulated engine');
    for (const id of lesson.after) needs.push(`builds on “${titleOf.get(id) ?? id}”`);
    const unavailable = lesson.available
      ? null
      : 'Not available on this server: it needs the simulated engine (partitions and time control), and this server runs real mongod.';
    let action: CourseAction | null = null;
    if (!unavailable) action = current ? 'back' : done === 0 ? 'start' : done >= lesson.steps ? 'review' : 'continue';
    return {
      id: lesson.id,
      number: index + 1,
      title: lesson.title,
      summary: lesson.summary,
      minutes: lesson.minutes,
      steps: lesson.steps,
      done,
      current,
      progressText: progressText(done, lesson.steps),
      needs,
      action,
      unavailable,
    };
  });
}

export function progressText(done: number, steps: number): string {
  if (done === 0) return 'not started';
  if (done >= steps) return 'done';
  return `${done} of ${steps} steps done`;
}

/** The whole course's time and how much of it is done, for the page's heading. */
export function courseTotals(rows: readonly CourseRow[]): { lessons: number; minutes: number; finished: number } {
  return {
    lessons: rows.length,
    minutes: rows.reduce((sum, row) => sum + row.minutes, 0),
    finished: rows.filter((row) => row.steps > 0 && row.done >= row.steps).length,
  };
}

/** Check a `GET /api/lessons` reply's shape before the page trusts it (the route's schema, again). */
export function parseLessonList(value: unknown): LessonList {
  if (!Array.isArray(value)) throw new Error('GET /api/lessons: the reply is not a list');
  return value.map((item: unknown, index) => {
    const entry = item as Partial<LessonListing> | null;
    const ok =
      entry !== null &&
      typeof entry === 'object' &&
      typeof entry.id === 'string' &&
      typeof entry.title === 'string' &&
      typeof entry.summary === 'string' &&
      Number.isInteger(entry.steps) &&
      Number.isInteger(entry.minutes) &&
      (entry.engine === 'sim' || entry.engine === 'any') &&
      typeof entry.available === 'boolean' &&
      Array.isArray(entry.after);
    if (!ok) throw new Error(`GET /api/lessons: entry ${index} is not a lesson listing`);
    return entry as LessonListing;
  });
}
