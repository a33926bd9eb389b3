import type { Sandbox } from '../workspace/sandbox';
import { TranscriptSession } from './run';
import { lessonSteps, type Lesson } from '../lessons/model';

export interface SolvedStep {
  id: string;
  done: boolean;
  /** The check's last reason when the step did not turn done. */
  reason: string | null;
  failures: string[];
  /** The step turned done while the learner did nothing for `idleMillis` (a check that credits too much). */
  passedIdle: boolean;
  /** The step turned done from the previous step's action alone (the id of that step). */
  passedBy: string | null;
}

const sleep = (millis: number) => new Promise((resolve) => setTimeout(resolve, millis));

export interface SolveOptions {
  speed?: number;
  stepWaitMillis?: number;
  /** Sandbox time to do nothing before each step's solution, to prove that nothing does not pass it. */
  idleMillis?: number;
  onOutput?: (text: string) => void;
}

/**
 * Solve a lesson in a sandbox by typing each step's solution, then waiting (in sandbox time) for
 * the step's check to pass. CI uses it to prove every lesson can be finished as written, and that
 * its checks credit only what the learner did: before each step's solution the harness does
 * nothing for a while and the step must stay pending; when a step turns done, the next one must
 * not have turned done with it (another step's action passes no step).
 */
export async function solveLesson(sandbox: Sandbox, lesson: Lesson, options: SolveOptions = {}): Promise<{ steps: SolvedStep[]; output: string }> {
  if (!(await sandbox.startLesson(lesson.id, { restart: true }))) throw new Error(`no lesson '${lesson.id}' for this engine`);
  const speed = options.speed ?? 5;
  const session = new TranscriptSession(sandbox, { speed, ...(options.onOutput ? { onOutput: options.onOutput } : {}) });
  const stepWaitMillis = options.stepWaitMillis ?? 30_000;
  const idleMillis = options.idleMillis ?? 3000;
  const results: SolvedStep[] = [];
  const steps = lessonSteps(lesson);
  let passedBy: string | null = null;
  for (const [index, step] of steps.entries()) {
    const stateOf = async () => (await sandbox.lesson.evaluate()).steps.find((s) => s.id === step.id);
    let state = await stateOf();
    let passedIdle = false;
    if (state?.state !== 'done') {
      await sleep(idleMillis / speed);
      passedIdle = (await stateOf())?.state === 'done';
    }
    const failures = state?.state === 'done' ? [] : await session.run(step.solution.join('\n'));
    const deadline = sandbox.lab.now() + stepWaitMillis;
    state = await stateOf();
    while (state?.state !== 'done' && sandbox.lab.now() < deadline) {
      await sleep(100);
      state = await stateOf();
    }
    const done = state?.state === 'done';
    results.push({ id: step.id, done, reason: done ? null : (state?.reason ?? null), failures, passedIdle, passedBy });
    if (!done) break;
    // Did this step's action pass the next step too?
    const next = steps[index + 1];
    const progress = sandbox.lesson.progress();
    passedBy = next && progress.steps.find((s) => s.id === next.id)?.state === 'done' ? step.id : null;
  }
  return { steps: results, output: session.output };
}
