import { findLesson } from '../lessons/catalog';
import type { Sandbox } from '../workspace/sandbox';
import { TranscriptSession } from '../transcript/run';

/** Sandbox clock speed while a rebuild replays the lesson (its waits are in sandbox time). */
const rebuildSpeed = 10;
const rebuildLineTimeoutMillis = 30_000;

/**
 * Bring a fresh sandbox to where a learner was: run the solution lines of every step before
 * `stepId` (null: the whole lesson) in its terminals, as the lesson's "run this" buttons would,
 * faster, then mark those steps done whatever the checks say. Returns the lines that went wrong.
 */
export async function rebuildAt(sandbox: Sandbox, lessonId: string, stepId: string | null): Promise<string[]> {
  const lesson = findLesson(lessonId);
  if (!lesson) return [`there is no lesson '${lessonId}'`];
  if (sandbox.lesson.tracker.lesson.id !== lessonId) sandbox.lesson.select(lessonId);
  const lines: string[] = [];
  for (const step of lesson.chapters.flatMap((chapter) => chapter.steps)) {
    if (step.id === stepId) break;
    lines.push(...step.solution);
  }
  const clock = sandbox.lab.engine.clock;
  const speedBefore = clock.speed;
  // Real processes (the mongod engine) run at one speed only.
  const speed = sandbox.lab.engine.kind === 'sim' ? rebuildSpeed : 1;
  let failures: string[];
  try {
    const session = new TranscriptSession(sandbox, { speed, lineTimeoutMillis: rebuildLineTimeoutMillis });
    failures = await session.run(lines.join('\n'));
  } catch (error) {
    failures = [error instanceof Error ? error.message : String(error)];
  } finally {
    if (clock.speed !== speedBefore) clock.setSpeed(speedBefore);
  }
  await sandbox.lesson.evaluate();
  sandbox.lesson.tracker.skipTo(stepId ?? '\u0000none');
  sandbox.lesson.notify();
  return failures;
}
