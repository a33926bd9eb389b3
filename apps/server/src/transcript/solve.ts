import type { Sandbox } from '../workspace/sandbox';
import { TranscriptSession } from './run';
import type { Lesson } from '../lessons/model';

export interface SolvedStep {
  id: string;
  done: boolean;
  /** The check's last reason when the step did not turn done. */
  reason: string | null;
  failures: string[];
}

const sleep = (millis: number) => new Promise((resolve) => setTimeout(resolve, millis));

/**
 * Solve a lesson in a sandbox by typing each step's solution, then waiting (in sandbox time) for
 * the step's check to pass. CI uses it to prove every lesson can be finished as written.
 */
export async function solveLesson(
  sandbox: Sandbox,
  lesson: Lesson,
  options: { speed?: number; stepWaitMillis?: number; onOutput?: (text: string) => void } = {},
): Promise<{ steps: SolvedStep[]; output: string }> {
  if (!sandbox.lesson.select(lesson.id)) throw new Error(`no lesson '${lesson.id}'`);
  const session = new TranscriptSession(sandbox, { speed: options.speed ?? 5, ...(options.onOutput ? { onOutput: options.onOutput } : {}) });
  const stepWaitMillis = options.stepWaitMillis ?? 30_000;
  const results: SolvedStep[] = [];
  for (const step of lesson.chapters.flatMap((chapter) => chapter.steps)) {
    const failures = await session.run(step.solution.join('\n'));
    const deadline = sandbox.lab.now() + stepWaitMillis;
    let state = (await sandbox.lesson.evaluate()).steps.find((s) => s.id === step.id);
    while (state?.state !== 'done' && sandbox.lab.now() < deadline) {
      await sleep(100);
      state = (await sandbox.lesson.evaluate()).steps.find((s) => s.id === step.id);
    }
    const done = state?.state === 'done';
    results.push({ id: step.id, done, reason: done ? null : (state?.reason ?? null), failures });
    if (!done) break;
  }
  return { steps: results, output: session.output };
}
