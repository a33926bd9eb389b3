import type { LessonProgress, LessonStepView, LessonSummary } from '@rslab/protocol';
import { lessons } from './catalog';
import { runCheck } from './checks';
import { commandLanguages } from './commandLanguages';
import { lessonSteps, type Chapter, type Lesson, type Step } from './model';
import { observe, type Observation } from './observe';
import { checkView } from './scope';
import { originMark, type LabMark, type LabView } from './view';

/** A prediction as the learner made it: the choice, and the moment (what came after counts). */
export interface MadePrediction {
  choiceId: string;
  mark: LabMark;
  outcome: Observation | null;
}

/** What a tracker keeps between runs of its lesson (saved with a resume link, restored on a switch back). */
export interface LessonRecord {
  lessonId: string;
  doneStepIds: string[];
  predictions: Record<string, string>;
}

/**
 * Tracks how far a learner is in one lesson. A step is done once its check has passed while it
 * was the current step; done steps stay done, so a later kill does not undo "the set is healthy".
 *
 * The tracker holds two marks (see `CheckView`): where this run of the lesson began (the machine
 * cleared, its setup built) and where the current step began (or its prediction was made). A step
 * that passes moves the step mark to that moment, so what passed one step never passes the next.
 */
export class LessonTracker {
  private readonly done = new Set<string>();
  private readonly predictions = new Map<string, MadePrediction>();
  private lastReason: string | null = null;
  private readonly languages: ReturnType<typeof commandLanguages>;
  private lessonMark: LabMark = originMark;
  private stepMark: LabMark = originMark;
  /** Set while the lab is being rebuilt to where the learner was: no check runs then. */
  private restoring = false;

  constructor(
    readonly lesson: Lesson,
    /** The engine the sandbox runs, to say which lessons it can offer. */
    private readonly engine: 'sim' | 'mongod' = 'sim',
  ) {
    this.languages = commandLanguages(lesson);
  }

  get steps(): Step[] {
    return lessonSteps(this.lesson);
  }

  get finished(): boolean {
    return this.done.size === this.steps.length;
  }

  get doneCount(): number {
    return this.done.size;
  }

  get current(): Step | undefined {
    return this.steps.find((step) => !this.done.has(step.id));
  }

  /** A new run of the lesson begins at `mark` (the machine was just cleared). Progress is kept. */
  begin(mark: LabMark): void {
    this.lessonMark = mark;
    this.stepMark = mark;
    this.lastReason = null;
  }

  /** The lab is being rebuilt to the learner's step: hold every check until `resumeAt`. */
  holdChecks(): void {
    this.restoring = true;
  }

  /** The rebuilt lab is ready: the current step counts what comes after `mark`. */
  resumeAt(mark: LabMark): void {
    this.restoring = false;
    this.stepMark = mark;
    this.lastReason = null;
    // A prediction made before the rebuild belongs to the lab that is gone; ask it again.
    const current = this.current;
    if (current) this.predictions.delete(current.id);
  }

  /** Try the current step again: only what comes after `mark` counts for it from now on. */
  retry(mark: LabMark): void {
    this.stepMark = mark;
    const current = this.current;
    if (current) this.predictions.delete(current.id);
    this.lastReason = null;
  }

  /** Forget every step and prediction: the lesson starts over. */
  reset(): void {
    this.done.clear();
    this.predictions.clear();
    this.lastReason = null;
  }

  /** The learner's prediction for the current step; refused for any other step or a second time. */
  predict(stepId: string, choiceId: string, mark: LabMark): { ok: boolean; message: string } {
    const step = this.current;
    if (!step || step.id !== stepId) return { ok: false, message: 'predictions are made on the current step only' };
    if (!step.predict) return { ok: false, message: `step "${step.title}" asks for no prediction` };
    const choice = step.predict.choices.find((c) => c.id === choiceId);
    if (!choice) return { ok: false, message: `"${choiceId}" is not one of this step's choices` };
    if (this.predictions.has(stepId)) return { ok: false, message: 'the prediction is already made; try the step again to change it' };
    this.predictions.set(stepId, { choiceId, mark, outcome: null });
    this.lastReason = null;
    return { ok: true, message: `predicted: ${choice.text}` };
  }

  /** Re-run the current step's check (and the following ones it unlocks); true if anything changed. */
  async evaluate(view: LabView): Promise<boolean> {
    if (this.restoring) return false;
    let changed = await this.observeOutcomes(view);
    for (const step of this.steps) {
      if (this.done.has(step.id)) continue;
      const prediction = this.predictions.get(step.id);
      let reason: string | null = null;
      if (step.predict && !prediction) {
        reason = 'Make your prediction first: pick an answer below, then do the step.';
      } else {
        const result = await runCheck(step.check, checkView(view, this.lessonMark, prediction?.mark ?? this.stepMark));
        if (!result.passed) reason = result.reason;
      }
      if (reason !== null) {
        if (reason !== this.lastReason) changed = true;
        this.lastReason = reason;
        return changed;
      }
      this.done.add(step.id);
      this.stepMark = view.mark;
      this.lastReason = null;
      changed = true;
      if (await this.observeOutcomes(view)) changed = true;
    }
    return changed;
  }

  /** Fill in what happened for the predictions of done steps that could not tell yet. */
  private async observeOutcomes(view: LabView): Promise<boolean> {
    let changed = false;
    for (const step of this.steps) {
      const prediction = this.predictions.get(step.id);
      if (!step.predict || !prediction || prediction.outcome || !this.done.has(step.id)) continue;
      const outcome = await observe(step.predict.observe, checkView(view, this.lessonMark, prediction.mark));
      if (outcome) {
        prediction.outcome = outcome;
        changed = true;
      }
    }
    return changed;
  }

  /** Mark steps done without checking, as a fork at an instructor's step does. */
  skipTo(stepId: string, mark?: LabMark): void {
    for (const step of this.steps) {
      if (step.id === stepId) break;
      this.done.add(step.id);
    }
    if (mark) this.stepMark = mark;
    this.lastReason = null;
  }

  /** What to keep of this lesson when the learner leaves it. */
  record(): LessonRecord {
    return {
      lessonId: this.lesson.id,
      doneStepIds: this.steps.filter((s) => this.done.has(s.id)).map((s) => s.id),
      predictions: Object.fromEntries([...this.predictions].map(([id, p]) => [id, p.choiceId])),
    };
  }

  /** Take back what `record` kept (unknown step ids are ignored: lessons change). */
  restore(record: Pick<LessonRecord, 'doneStepIds'>): void {
    const ids = new Set(this.steps.map((s) => s.id));
    for (const id of record.doneStepIds) if (ids.has(id)) this.done.add(id);
  }

  summary(): LessonSummary {
    return summaryOf(this.lesson, this.engine, this.done.size);
  }

  progress(catalog: LessonSummary[] = lessons.map((lesson) => summaryOf(lesson, this.engine, lesson.id === this.lesson.id ? this.done.size : 0))): LessonProgress {
    const steps = this.steps;
    const chapterOf = new Map(this.lesson.chapters.flatMap((chapter) => chapter.steps.map((step) => [step.id, chapter] as const)));
    const currentIndex = steps.findIndex((step) => !this.done.has(step.id));
    let chapterIndex = 0;
    let counted = 0;
    for (const [index, chapter] of this.lesson.chapters.entries()) {
      if (currentIndex >= counted && currentIndex < counted + chapter.steps.length) chapterIndex = index;
      counted += chapter.steps.length;
    }
    return {
      lessonId: this.lesson.id,
      catalog,
      title: this.lesson.title,
      markdown: this.lesson.summary,
      chapterIndex: currentIndex === -1 ? this.lesson.chapters.length - 1 : chapterIndex,
      stepIndex: currentIndex === -1 ? steps.length : currentIndex,
      steps: steps.map((step, index) => this.stepView(step, index, currentIndex, chapterOf.get(step.id))),
      ...(this.restoring ? { preparing: true } : {}),
    };
  }

  private stepView(step: Step, index: number, currentIndex: number, chapter: Chapter | undefined): LessonStepView {
    const prediction = this.predictions.get(step.id);
    return {
      id: step.id,
      title: step.title,
      state: this.done.has(step.id) ? 'done' : index === currentIndex ? 'current' : 'pending',
      reason: index === currentIndex ? this.lastReason : null,
      chapter: chapter?.title ?? '',
      markdown: stepMarkdown(step, chapter),
      hint: step.hint,
      commands: step.commands.map((command) => command.text),
      commandTabs: step.commands.map((command) => command.tab),
      commandLanguages: this.languages.get(step) ?? [],
      ...(step.challenge ? { challenge: true } : {}),
      ...(step.predict
        ? {
            prediction: {
              question: step.predict.question,
              choices: step.predict.choices.map((c) => ({ id: c.id, text: c.text })),
              chosen: prediction?.choiceId ?? null,
              outcome: prediction?.outcome ?? null,
            },
          }
        : {}),
    };
  }
}

/** A lesson as the course page and the lesson picker list it, with how far this learner is. */
export function summaryOf(lesson: Lesson, engine: 'sim' | 'mongod', done: number): LessonSummary {
  return {
    id: lesson.id,
    title: lesson.title,
    summary: lesson.summary,
    available: !lesson.engines || lesson.engines.includes(engine),
    minutes: lesson.minutes,
    steps: lessonSteps(lesson).length,
    done,
    engine: lesson.engines && !lesson.engines.includes('mongod') ? 'sim' : 'any',
    after: lesson.after ?? [],
  };
}

/** A step's text for the page: the chapter's introduction before its first step, and the note on what changed since. */
function stepMarkdown(step: Step, chapter: Chapter | undefined): string {
  const parts: string[] = [];
  if (chapter && chapter.steps[0]?.id === step.id) parts.push(chapter.intro);
  parts.push(step.text);
  if (step.sinceThen) parts.push(`**Since then:** ${step.sinceThen}`);
  return parts.join('\n\n');
}
