import type { LessonSummary } from '@rslab/protocol';

/** What the lesson pane needs to know to say the lesson is over and where to go next. */
export interface LessonEnd {
  /** The lesson to offer next, or null when the catalog has no other available one. */
  next: LessonSummary | null;
  /** True when `next` comes before this lesson in the catalog (this one was the last). */
  wrapped: boolean;
}

interface LessonLike {
  lessonId: string;
  catalog?: readonly LessonSummary[];
  steps: readonly { state: 'done' | 'pending' | 'current' }[];
}

/** A lesson is complete when it has steps and every one of them is done. */
export function lessonComplete(lesson: LessonLike): boolean {
  return lesson.steps.length > 0 && lesson.steps.every((step) => step.state === 'done');
}

/**
 * The lesson to offer after `lesson`: the first available one after it in catalog order, else
 * (this was the last) the first available one before it. Never the lesson itself, never one this
 * server's engine cannot run.
 */
export function nextLesson(lesson: Pick<LessonLike, 'lessonId' | 'catalog'>): LessonEnd {
  const catalog = lesson.catalog ?? [];
  const here = catalog.findIndex((entry) => entry.id === lesson.lessonId);
  const candidate = (entry: LessonSummary): boolean => entry.available && entry.id !== lesson.lessonId;
  const after = catalog.slice(here + 1).find(candidate);
  if (after) return { next: after, wrapped: false };
  const before = catalog.slice(0, Math.max(here, 0)).find(candidate);
  return before ? { next: before, wrapped: true } : { next: null, wrapped: false };
}

/** The end-of-lesson panel's content, or null while the lesson is still going. */
export function lessonEnd(lesson: LessonLike): LessonEnd | null {
  return lessonComplete(lesson) ? nextLesson(lesson) : null;
}
