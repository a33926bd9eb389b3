import { describe, expect, it } from 'vitest';
import { appPerFile } from '../helpers/appPerFile';
import { lessons } from '../../src/lessons/catalog';
import { solveLesson } from '../../src/transcript/solve';

const app = appPerFile();

describe('every lesson can be solved as written', () => {
  for (const lesson of lessons) {
    it(`solves "${lesson.title}" step by step`, async () => {
      const { sandbox } = app().sandboxes.obtain(`solve-${lesson.id}`);
      const { steps, output } = await solveLesson(sandbox, lesson, { speed: 5 });
      const stepCount = lesson.chapters.reduce((n, chapter) => n + chapter.steps.length, 0);
      const stuck = steps.find((step) => !step.done);
      expect(stuck, stuck ? `step ${stuck.id} stayed pending: ${stuck.reason}\n${output.slice(-3000)}` : '').toBeUndefined();
      expect(steps).toHaveLength(stepCount);
      expect(steps.flatMap((step) => step.failures)).toEqual([]);
      expect(sandbox.lesson.tracker.finished).toBe(true);
    }, 240_000);
  }
});
