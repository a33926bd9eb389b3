import type { CheckSpec } from './checks';

/**
 * Lessons are data: prose, a check per step that judges the sandbox's state (not the words
 * typed), a hint, and the lines that solve the step. The solution lines use the transcript
 * syntax: `# tab:NAME` switches shell, `# wait Ns` lets time pass, `# control ACTION` presses a
 * cluster-view button.
 */
export interface Lesson {
  id: string;
  title: string;
  summary: string;
  /** Engines the lesson can run on; all when absent. Partitions and time control need `sim`. */
  engines?: Array<'sim' | 'mongod'>;
  chapters: Chapter[];
}

export interface Chapter {
  id: string;
  title: string;
  /** Markdown shown above the chapter's steps. */
  intro: string;
  steps: Step[];
}

export interface Step {
  id: string;
  title: string;
  /** Markdown: what to do and why. */
  text: string;
  /** Commands the "run this" buttons type, in order. */
  commands: StepCommand[];
  hint: string;
  check: CheckSpec;
  /** Transcript lines that solve the step from the state the previous steps leave. */
  solution: string[];
  /** A short note on what changed since 2010, where it matters. */
  sinceThen?: string;
}

export interface StepCommand {
  /** Which shell to type it in: the one for servers or the one for the client. */
  tab: 'servers' | 'client';
  text: string;
}
