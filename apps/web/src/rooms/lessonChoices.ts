import type { LessonList } from '@rslab/protocol';

export interface RoomLessonChoice {
  id: string;
  title: string;
}

/** The lesson a room opens when the course has not loaded (it is the course's first). */
export const defaultRoomLesson: RoomLessonChoice = { id: 'walkthrough', title: 'Your first replica set, and your first failover' };

/**
 * The lessons an instructor may open a room with: the server's course (`GET /api/lessons`) in its
 * order, those this server can run; the first lesson alone until the course has loaded, so the
 * page never offers a lesson the server does not have.
 */
export function roomLessonChoices(course: LessonList | null): RoomLessonChoice[] {
  const runnable = (course ?? []).filter((lesson) => lesson.available).map(({ id, title }) => ({ id, title }));
  return runnable.length > 0 ? runnable : [defaultRoomLesson];
}
