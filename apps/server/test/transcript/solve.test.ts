import { describe, expect, it } from 'vitest';
import { appPerFile } from '../helpers/appPerFile';
import { lessons } from '../../src/lessons/catalog';
import { lessonSteps } from '../../src/lessons/model';
import { solveLesson } from '../../src/transcript/solve';

const app = appPerFile();
const only = process.env.RSLAB_SOLVE_ONLY?.split(',');

/**
 * CI solves every lesson from its solution lines, and proves on the way that its checks credit
 * only what the learner did: before each step the harness does nothing for a while and the step
 * stays pending, and no step turns done from the step before's action.
 */
describe('every lesson can be solved as written, and nothing else solves it', () => {
  for (const lesson of lessons.filter((l) => !only || only.includes(l.id))) {
    it(`solves "${lesson.title}" step by step, refusing idleness and another step's action`, async () => {
      const { sandbox } = app().sandboxes.obtain(`solve-${lesson.id}`);
      const { steps, output } = await solveLesson(sandbox, lesson, { speed: 5 });
      const stuck = steps.find((step) => !step.done);
      expect(stuck, stuck ? `step ${stuck.id} stayed pending: ${stuck.reason}\n${stuck.failures.join('\n')}\n${output.slice(-4000)}` : '').toBeUndefined();
      expect(steps).toHaveLength(lessonSteps(lesson).length);
      expect(steps.flatMap((step) => step.failures)).toEqual([]);
      expect(steps.filter((step) => step.passedIdle).map((s) => s.id), 'steps that passed while nothing was done').toEqual([]);
      expect(steps.filter((step) => step.passedBy !== null).map((s) => `${s.id} (by ${s.passedBy})`), 'steps passed by the previous step').toEqual([]);
      expect(sandbox.lesson.tracker.finished).toBe(true);
    }, 300_000);
  }
});
