import { findLesson } from '../lessons/catalog';
import { lessonSteps } from '../lessons/model';
import type { Sandbox } from '../workspace/sandbox';
import { TranscriptSession } from './run';

/** Sandbox clock speed while a rebuild replays the lesson (its waits are in sandbox time). */
const rebuildSpeed = 10;
const rebuildLineTimeoutMillis = 30_000;

/**
 * Replay the solution lines of every step before `stepId` (null: all of them) into the sandbox's
 * terminals, fast, with the lesson's checks held; then the current step counts from there.
 * Returns the lines that went wrong.
 */
export async function replayTo(sandbox: Sandbox, stepId: string | null): Promise<string[]> {
  const tracker = sandbox.lesson.tracker;
  const lines: string[] = [];
  for (const step of lessonSteps(tracker.lesson)) {
    if (step.id === stepId) break;
    lines.push(...step.solution);
  }
  if (lines.length === 0) return [];
  const clock = sandbox.lab.engine.clock;
  const speedBefore = clock.speed;
  // Real processes (the mongod engine) run at one speed only.
  const speed = sandbox.lab.engine.kind === 'sim' ? rebuildSpeed : 1;
  tracker.holdChecks();
  // The page says the lab is being prepared until the rebuild is done.
  sandbox.lesson.notify();
  try {
    const session = new TranscriptSession(sandbox, { speed, lineTimeoutMillis: rebuildLineTimeoutMillis, predictions: false });
    return await session.run(lines.join('\n'));
  } catch (error) {
    return [error instanceof Error ? error.message : String(error)];
  } finally {
    if (clock.speed !== speedBefore) clock.setSpeed(speedBefore);
    tracker.resumeAt(sandbox.lab.mark());
    sandbox.lesson.notify();
  }
}

/**
 * Open a lesson the way a learner switching to it expects: a clean machine with the lesson's own
 * setup, and, when they had already done some of its steps, the lab rebuilt to their step by
 * replaying those steps' solutions (their progress there is kept). `restart` starts it over.
 */
export async function openLesson(sandbox: Sandbox, lessonId: string, options: { restart?: boolean } = {}): Promise<{ ok: boolean; message: string; failures: string[] }> {
  const lesson = findLesson(lessonId);
  if (!lesson || !(await sandbox.startLesson(lessonId, options))) {
    return { ok: false, message: `lesson '${lessonId}' is not available on this server`, failures: [] };
  }
  const tracker = sandbox.lesson.tracker;
  const current = tracker.current;
  let failures: string[] = [];
  if (current && tracker.doneCount > 0) {
    failures = await replayTo(sandbox, current.id);
    sandbox.lesson.notify();
  }
  const where = !current ? ' (finished: start it again to redo it)' : tracker.doneCount > 0 ? `, rebuilt at step "${current.title}"` : '';
  return { ok: true, message: `now on "${lesson.title}"${where}`, failures };
}
