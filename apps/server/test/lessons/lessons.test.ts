import { describe, expect, it } from 'vitest';
import { lessons } from '../../src/lessons/catalog';
import { runCheck } from '../../src/lessons/checks';
import { maintenanceLesson } from '../../src/lessons/maintenance';
import { oplogLesson } from '../../src/lessons/oplog';
import { lessonSteps } from '../../src/lessons/model';
import { LessonTracker } from '../../src/lessons/progress';
import { walkthroughLesson } from '../../src/lessons/walkthrough';
import { setupMongodLine } from '../../src/workspace/setup';
import { proc, view } from './labView';

describe('the lesson catalog', async () => {
  it('places the oplog lesson after reconfig, its set started with 2 MB oplogs that a learner can roll over', () => {
    const ids = lessons.map((l) => l.id);
    expect(ids.indexOf('oplog')).toBe(ids.indexOf('reconfig') + 1);
    const setup = oplogLesson.setup!;
    // The oplog keeps the size it was created with ("Replica Set Oplog"), so the setup's own lines carry it.
    expect(setup.members.map((_, i) => setupMongodLine(setup, i))).toEqual([0, 1, 2].map((i) => `mongod --port ${27017 + i} --dbpath /data/op${i} --replSet foo --oplogSize 2`));
    expect(setupMongodLine(maintenanceLesson.setup!, 0)).toBe('mongod --port 27017 --dbpath /data/mt0 --replSet foo');
  });

  it('has unique ids, text, a hint and a solution for every step', async () => {
    for (const lesson of lessons) {
      const ids = lesson.chapters.flatMap((c) => c.steps.map((s) => s.id));
      expect(new Set(ids).size, lesson.id).toBe(ids.length);
      for (const step of lesson.chapters.flatMap((c) => c.steps)) {
        expect(step.text.length, step.id).toBeGreaterThan(40);
        // A challenge gives the goal only: no hint, no commands to press.
        if (step.challenge) expect([step.hint, step.commands.length], step.id).toEqual(['', 0]);
        else expect(step.hint.length, step.id).toBeGreaterThan(10);
        expect(step.solution.length, step.id).toBeGreaterThan(0);
      }
    }
  });

  it("asks for the maintenance challenge's restarts in the rolling order: secondaries first, the primary (27017) last", async () => {
    // The manual's "Perform Maintenance on Replica Set Members": the secondaries one at a time,
    // then step the primary down and restart it. The challenge's reason must not send the learner
    // to the primary first (found typing the lesson in e2e/tests/maintenance.spec.ts).
    const challenge = lessonSteps(maintenanceLesson).find((step) => step.challenge);
    expect(challenge).toBeDefined();
    const none = view({ processes: [proc(27017), proc(27018), proc(27019)] });
    expect(await runCheck(challenge!.check, none)).toEqual({ passed: false, reason: 'Stop the member on port 27018 (kill its PID), then start it again.' });
    const secondariesDone = view({
      processes: [
        proc(27017),
        proc(27018, { running: false, killed: { at: 10, signal: 'SIGTERM', stateThen: 'SECONDARY', termThen: 1 } }),
        proc(27018, { pid: 40018, startedAt: 20, argv: ['mongod', '--port', '27018', '--oplogSize', '100'] }),
        proc(27019, { running: false, killed: { at: 30, signal: 'SIGTERM', stateThen: 'SECONDARY', termThen: 1 } }),
        proc(27019, { pid: 40019, startedAt: 40, argv: ['mongod', '--port', '27019', '--oplogSize', '100'] }),
      ],
    });
    expect(await runCheck(challenge!.check, secondariesDone)).toEqual({ passed: false, reason: 'Stop the member on port 27017 (kill its PID), then start it again.' });
  });

  it('walks the walkthrough in its four chapters with its commands as typed', async () => {
    expect(walkthroughLesson.chapters.map((c) => c.id)).toEqual(['start', 'initiate', 'connect', 'failover']);
    const typed = walkthroughLesson.chapters.flatMap((c) => c.steps.flatMap((s) => s.commands.map((cmd) => cmd.text)));
    expect(typed).toContain('mongod --replSet foo/morton.local:27018,morton.local:27019 --rest');
    expect(typed).toContain('c.admin.command("replSetInitiate")');
    expect(typed).toContain('Connection("morton.local", 27019)');
    expect(typed).toContain('db.connection.port');
  });
});

describe('LessonTracker', async () => {
  it('moves through steps as checks pass, says why the current one does not, and keeps done steps done', async () => {
    const tracker = new LessonTracker(walkthroughLesson);
    const hostnameRan = { at: 0, finishedAt: 0, tab: 't1', language: 'bash' as const, input: 'hostname', ok: true };
    expect(await tracker.evaluate(view())).toBe(true);
    expect(tracker.progress().steps[0]).toMatchObject({ state: 'current', reason: 'Run `hostname` in the servers shell.' });

    await tracker.evaluate(view({ shellHistory: [hostnameRan], processes: [proc(27017), proc(27018)] }));
    let progress = tracker.progress();
    expect(progress.steps.slice(0, 3).map((s) => s.state)).toEqual(['done', 'done', 'current']);
    expect(progress.steps[2]!.reason).toBe('2 of 3 members are running; start the one on port 27019.');
    expect(progress.stepIndex).toBe(2);
    expect(progress.chapterIndex).toBe(0);

    // Stopping a member later does not undo a finished step.
    await tracker.evaluate(view({ processes: [proc(27018)] }));
    progress = tracker.progress();
    expect(progress.steps[1]!.state).toBe('done');
    expect(progress.steps[2]!.reason).toBe('1 of 3 members is running; start the ones on ports 27017 and 27019.');
    expect(await tracker.evaluate(view({ processes: [proc(27018)] }))).toBe(false);
  });

  it('skips to a step when forked', async () => {
    const tracker = new LessonTracker(walkthroughLesson);
    tracker.skipTo('connect-one');
    expect(tracker.progress().stepIndex).toBe(3);
    expect(tracker.progress().chapterIndex).toBe(1);
  });
});
