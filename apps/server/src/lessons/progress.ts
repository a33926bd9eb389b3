import type { LessonProgress } from '@rslab/protocol';
import { lessons } from './catalog';
import { runCheck } from './checks';
import { commandLanguages } from './commandLanguages';
import type { Chapter, Lesson, Step } from './model';
import type { LabView } from './view';

/**
 * Tracks how far a learner is in one lesson. A step is done once its check has passed while it
 * was the current step; done steps stay done, so a later kill does not undo "the set is healthy".
 */
export class LessonTracker {
  private readonly done = new Set<string>();
  private lastReason: string | null = null;
  private readonly languages: ReturnType<typeof commandLanguages>;

  constructor(
    readonly lesson: Lesson,
    /** The engine the sandbox runs, to say which lessons it can offer. */
    private readonly engine: 'sim' | 'mongod' = 'sim',
  ) {
    this.languages = commandLanguages(lesson);
  }

  get steps(): Step[] {
    return this.lesson.chapters.flatMap((chapter) => chapter.steps);
  }

  get finished(): boolean {
    return this.done.size === this.steps.length;
  }

  /** Re-run the current step's check (and the following ones it unlocks); true if anything changed. */
  async evaluate(view: LabView): Promise<boolean> {
    let changed = false;
    for (const step of this.steps) {
      if (this.done.has(step.id)) continue;
      const result = await runCheck(step.check, view);
      if (!result.passed) {
        if (result.reason !== this.lastReason) changed = true;
        this.lastReason = result.reason;
        return changed;
      }
      this.done.add(step.id);
      this.lastReason = null;
      changed = true;
    }
    return changed;
  }

  /** Mark steps done without checking, as a fork at an instructor's step does. */
  skipTo(stepId: string): void {
    for (const step of this.steps) {
      if (step.id === stepId) return;
      this.done.add(step.id);
    }
  }

  progress(): LessonProgress {
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
      catalog: lessons.map((lesson) => ({
        id: lesson.id,
        title: lesson.title,
        summary: lesson.summary,
        available: !lesson.engines || lesson.engines.includes(this.engine),
      })),
      title: this.lesson.title,
      markdown: this.lesson.summary,
      chapterIndex: currentIndex === -1 ? this.lesson.chapters.length - 1 : chapterIndex,
      stepIndex: currentIndex === -1 ? steps.length : currentIndex,
      steps: steps.map((step, index) => ({
        id: step.id,
        title: step.title,
        state: this.done.has(step.id) ? 'done' : index === currentIndex ? 'current' : 'pending',
        reason: index === currentIndex ? this.lastReason : null,
        chapter: chapterOf.get(step.id)?.title ?? '',
        markdown: stepMarkdown(step, chapterOf.get(step.id)),
        hint: step.hint,
        commands: step.commands.map((command) => command.text),
        commandTabs: step.commands.map((command) => command.tab),
        commandLanguages: this.languages.get(step) ?? [],
      })),
    };
  }
}

/** A step's text for the page: the chapter's introduction before its first step, and the note on what changed since. */
function stepMarkdown(step: Step, chapter: Chapter | undefined): string {
  const parts: string[] = [];
  if (chapter && chapter.steps[0]?.id === step.id) parts.push(chapter.intro);
  parts.push(step.text);
  if (step.sinceThen) parts.push(`**Since then:** ${step.sinceThen}`);
  return parts.join('\n\n');
}
