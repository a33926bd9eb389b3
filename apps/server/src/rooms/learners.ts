import { randomBytes } from 'node:crypto';
import type { LessonProgress } from '@rslab/protocol';
import type { Sandbox } from '../workspace/sandbox';
import { rebuildAt } from './rebuild';
import { positionOf, type StepPosition } from './rooms';
import { hashSecret, type ProgressStore } from './store';

interface Tracked {
  token: string;
  position: StepPosition | null;
  stop: () => void;
}

/**
 * Resume links for learners on their own: a token per sandbox (kept in memory; the store only
 * has its hash) under which the lesson progress is saved at each step, and which another
 * browser presents to get a sandbox rebuilt at that step.
 */
export class LearnerProgress {
  private readonly tracked = new WeakMap<Sandbox, Tracked>();
  private lastStamp = 0;

  constructor(
    private readonly store: ProgressStore,
    private readonly now: () => number = Date.now,
    private readonly onStoreError: (error: unknown) => void = () => undefined,
  ) {}

  /** The path that resumes this sandbox's progress elsewhere; the first call starts saving it. */
  async link(sandbox: Sandbox): Promise<string> {
    const tracked = this.tracked.get(sandbox) ?? this.track(sandbox, randomBytes(18).toString('base64url'), null);
    await this.save(tracked, sandbox.lesson.tracker.progress());
    return `/#resume=${tracked.token}`;
  }

  /**
   * Bring the progress saved under `token` into `sandbox`: replay the lesson up to the saved step
   * when the sandbox is fresh (nothing started yet), and save under the same token from now on.
   */
  async resume(sandbox: Sandbox, token: string): Promise<{ ok: boolean; message: string }> {
    const existing = this.tracked.get(sandbox);
    if (existing?.token === token) return { ok: true, message: 'this sandbox already carries that progress' };
    const record = await this.store.findProgress(hashSecret(token));
    if (!record || record.roomCode !== null) return { ok: false, message: 'this resume link is not known here (or it belongs to a room: open the room link)' };
    const fresh = sandbox.lab.engine.processes().length === 0 && sandbox.lab.history.length === 0;
    if (!fresh) return { ok: false, message: 'this sandbox already has work in it; open the resume link in a new browser or after a reset' };
    existing?.stop();
    const position: StepPosition = {
      lessonId: record.lessonId,
      stepId: record.stepId,
      stepTitle: null,
      stepIndex: 0,
      stepsTotal: 0,
      doneStepIds: record.doneStepIds,
      reason: null,
      stepSince: record.stepSince.getTime(),
    };
    const tracked = this.track(sandbox, token, position);
    const failures = await rebuildAt(sandbox, record.lessonId, record.stepId);
    tracked.position = positionOf(sandbox.lesson.tracker.progress(), position, this.now());
    await this.save(tracked, sandbox.lesson.tracker.progress());
    return failures.length === 0
      ? { ok: true, message: 'your progress is back: the lesson was replayed up to your step' }
      : { ok: true, message: `your progress is back, but replaying the lesson went wrong on the way: ${failures[0]?.split('\n')[0] ?? ''}` };
  }

  private track(sandbox: Sandbox, token: string, restoring: StepPosition | null): Tracked {
    const tracked: Tracked = { token, position: restoring, stop: () => undefined };
    const restoringIds = new Set(restoring?.doneStepIds ?? []);
    tracked.stop = sandbox.lesson.onProgress((progress) => {
      // While a resumed sandbox replays, it passes through steps already done: save nothing then.
      const done = progress.steps.filter((s) => s.state === 'done').map((s) => s.id);
      if (restoringIds.size > 0 && done.length < restoringIds.size) return;
      const before = tracked.position;
      tracked.position = positionOf(progress, before, this.now());
      if (before?.stepId !== tracked.position.stepId) void this.save(tracked, progress).catch(this.onStoreError);
    });
    this.tracked.set(sandbox, tracked);
    return tracked;
  }

  private async save(tracked: Tracked, progress: LessonProgress): Promise<void> {
    const position = tracked.position ?? positionOf(progress, null, this.now());
    tracked.position = position;
    await this.store.saveProgress({
      _id: hashSecret(tracked.token),
      roomCode: null,
      attendeeId: 'learner',
      name: '',
      mode: 'fork',
      lessonId: position.lessonId,
      stepId: position.stepId,
      doneStepIds: position.doneStepIds,
      stepSince: new Date(position.stepSince),
      // Later than every save before from here: the store keeps the last one written.
      updatedAt: new Date((this.lastStamp = Math.max(this.lastStamp + 1, this.now()))),
    });
  }
}
