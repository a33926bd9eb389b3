import { durabilityLesson } from './durability';
import { electionsLesson } from './elections';
import { maintenanceLesson } from './maintenance';
import { oplogLesson } from './oplog';
import type { Lesson } from './model';
import { partitionsLesson } from './partitions';
import { readsLesson } from './reads';
import { reconfigLesson } from './reconfig';
import { todayLesson } from './today';
import { walkthroughLesson } from './walkthrough';

/** The course, in the order a learner takes it. */
export const lessons: readonly Lesson[] = [
  walkthroughLesson,
  todayLesson,
  electionsLesson,
  reconfigLesson,
  oplogLesson,
  durabilityLesson,
  readsLesson,
  partitionsLesson,
  maintenanceLesson,
];

export function findLesson(id: string): Lesson | undefined {
  return lessons.find((lesson) => lesson.id === id);
}
