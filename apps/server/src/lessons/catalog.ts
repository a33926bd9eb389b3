import { beyondLesson } from './beyond';
import type { Lesson } from './model';
import { walkthroughLesson } from './walkthrough';

export const lessons: readonly Lesson[] = [walkthroughLesson, beyondLesson];

export function findLesson(id: string): Lesson | undefined {
  return lessons.find((lesson) => lesson.id === id);
}
