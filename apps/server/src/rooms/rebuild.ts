import { findLesson } from '../lessons/catalog';
import type { Sandbox } from '../workspace/sandbox';
import { replayTo } from '../transcript/lessonStart';

/**
 * Bring a fresh sandbox to where a learner was: start the lesson (its setup, if any), run the
 * solution lines of every step before `stepId` (null: the whole lesson) in its terminals, as the
 * lesson's "run this" buttons would, faster, then mark those steps done whatever the checks say.
 * Returns the lines that went wrong.
 */
export async function rebuildAt(sandbox: Sandbox, lessonId: string, stepId: string | null): Promise<string[]> {
  if (!findLesson(lessonId)) return [`there is no lesson '${lessonId}'`];
  let failures: string[];
  try {
    if (!(await sandbox.startLesson(lessonId))) return [`lesson '${lessonId}' cannot run on this server`];
    failures = await replayTo(sandbox, stepId);
  } catch (error) {
    failures = [error instanceof Error ? error.message : String(error)];
  }
  sandbox.lesson.tracker.skipTo(stepId ?? '\u0000none', sandbox.lab.mark());
  sandbox.lesson.notify();
  return failures;
}
