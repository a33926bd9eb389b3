import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app';
import { testSettings } from '../../src/settings';
import { walkthroughLesson } from '../../src/lessons/walkthrough';
import { solveLesson } from '../../src/lessons/solve';
import { mongodEngineLivePids } from '../../src/engine/mongodEngine';
import { killLeftoverMongods, simMongodBinary, useMongomsEnv } from '../helpers/mongodEnv';

// The walkthrough lesson, solved on real processes (sim-mongod) in real time. The second lesson
// needs network partitions, which the mongod engine refuses.
let app: FastifyInstance | undefined;
let restoreEnv: () => void = () => undefined;
beforeAll(async () => {
  restoreEnv = useMongomsEnv({ MONGOMS_SYSTEM_BINARY: simMongodBinary, MONGOMS_RUNTIME_DOWNLOAD: 'false', MONGOMS_SYSTEM_BINARY_VERSION_CHECK: 'false' });
  app = await buildApp({ settings: testSettings({ engine: 'mongod' }) });
});
afterAll(async () => {
  try {
    await app?.close();
    expect(mongodEngineLivePids()).toEqual([]);
  } finally {
    killLeftoverMongods();
    restoreEnv();
  }
});

describe('the walkthrough lesson on the mongod engine', () => {
  it('is solved step by step as written', async () => {
    const { sandbox } = (app as FastifyInstance).sandboxes.obtain('solve-mongod');
    expect(sandbox.lab.engine.kind).toBe('mongod');
    const { steps, output } = await solveLesson(sandbox, walkthroughLesson, { speed: 1 });
    const stuck = steps.find((step) => !step.done);
    expect(stuck, stuck ? `step ${stuck.id} stayed pending: ${stuck.reason}\n${output.slice(-3000)}` : '').toBeUndefined();
    expect(steps).toHaveLength(walkthroughLesson.chapters.reduce((n, chapter) => n + chapter.steps.length, 0));
    expect(steps.flatMap((step) => step.failures)).toEqual([]);
    expect(sandbox.lab.tracker.finished).toBe(true);
  }, 240_000);
});
