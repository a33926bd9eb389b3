import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app';
import { testSettings } from '../../src/settings';
import { lessons } from '../../src/lessons/catalog';
import { solveLesson } from '../../src/lessons/solve';

let app: FastifyInstance;
beforeAll(async () => {
  app = await buildApp({ settings: testSettings() });
});
afterAll(async () => {
  await app.close();
});

describe('every lesson can be solved as written', () => {
  for (const lesson of lessons) {
    it(`solves "${lesson.title}" step by step`, async () => {
      const { sandbox } = app.sandboxes.obtain(`solve-${lesson.id}`);
      const { steps, output } = await solveLesson(sandbox, lesson, { speed: 5 });
      const stepCount = lesson.chapters.reduce((n, chapter) => n + chapter.steps.length, 0);
      const stuck = steps.find((step) => !step.done);
      expect(stuck, stuck ? `step ${stuck.id} stayed pending: ${stuck.reason}\n${output.slice(-3000)}` : '').toBeUndefined();
      expect(steps).toHaveLength(stepCount);
      expect(steps.flatMap((step) => step.failures)).toEqual([]);
      expect(sandbox.lab.tracker.finished).toBe(true);
    }, 240_000);
  }
});
