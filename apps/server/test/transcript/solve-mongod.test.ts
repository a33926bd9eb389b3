import { describe, expect, it } from 'vitest';
import { walkthroughLesson } from '../../src/lessons/walkthrough';
import { solveLesson } from '../../src/transcript/solve';
import { useMongodEngineApp } from '../helpers/mongodEnv';

// The walkthrough lesson, solved on real processes (sim-mongod) in real time. The second lesson
// needs network partitions, which the mongod engine refuses.
const appOf = useMongodEngineApp();

describe('the walkthrough lesson on the mongod engine', () => {
  it('is solved step by step as written', async () => {
    const { sandbox } = appOf().sandboxes.obtain('solve-mongod');
    expect(sandbox.lab.engine.kind).toBe('mongod');
    const { steps, output } = await solveLesson(sandbox, walkthroughLesson, { speed: 1 });
    const stuck = steps.find((step) => !step.done);
    expect(stuck, stuck ? `step ${stuck.id} stayed pending: ${stuck.reason}\n${output.slice(-3000)}` : '').toBeUndefined();
    expect(steps).toHaveLength(walkthroughLesson.chapters.reduce((n, chapter) => n + chapter.steps.length, 0));
    expect(steps.flatMap((step) => step.failures)).toEqual([]);
    expect(sandbox.lesson.tracker.finished).toBe(true);
  }, 240_000);
});
