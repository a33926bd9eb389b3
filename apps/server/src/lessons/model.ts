import type { CheckSpec } from './checks';
import type { ObservationSpec } from './observe';

/**
 * Lessons are data: prose, a check per step that judges the sandbox's state (not the words
 * typed), a hint, and the lines that solve the step. The solution lines use the transcript
 * syntax: `# tab:NAME` switches shell, `# wait Ns` lets time pass, `# control ACTION` presses a
 * cluster-view button, `# predict CHOICE` answers the step's prediction.
 */
export interface Lesson {
  id: string;
  title: string;
  summary: string;
  /** About how long the lesson takes a learner who reads the text, in minutes. */
  minutes: number;
  /** Engines the lesson can run on; all when absent. Partitions and time control need `sim`. */
  engines?: Array<'sim' | 'mongod'>;
  /** Lessons to do first (the course page says so; nothing is locked). */
  after?: string[];
  /**
   * What the machine holds when the lesson starts. Every lesson starts on a cleared machine; with
   * a setup the lab then starts these members and initiates the set, so that the lesson can begin
   * where the earlier ones have taught the learner to get by themselves.
   */
  setup?: LessonSetup;
  chapters: Chapter[];
}

export interface LessonSetup {
  replSetName: string;
  /** The members, in config order; `_id` is the index. */
  members: SetupMember[];
  /** Replica-set settings for the config (`electionTimeoutMillis`...). */
  settings?: Record<string, number>;
  /** Every member's `--oplogSize`, in MB (mongod's default otherwise: 5% of the disk, here 990 MB). */
  oplogSizeMB?: number;
}

export interface SetupMember {
  port: number;
  dbpath: string;
  priority?: number;
  votes?: number;
  arbiterOnly?: boolean;
  hidden?: boolean;
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
  /** Markdown: what to do and why. For a challenge: the goal, and nothing about how. */
  text: string;
  /** Commands the "run this" buttons type, in order. A challenge has none. */
  commands: StepCommand[];
  /** Shown when the learner asks. A challenge has none (empty). */
  hint: string;
  check: CheckSpec;
  /** Transcript lines that solve the step from the state the previous steps leave. */
  solution: string[];
  /** A short note on what changed since 2010, where it matters. */
  sinceThen?: string;
  /**
   * Ask the learner to predict what the step's action will do before they do it; the step counts
   * only what happens after the prediction, and shows what happened beside it.
   */
  predict?: Prediction;
  /** The lesson's closing challenge: a goal state, no hint, no commands, checked like a step. */
  challenge?: true;
}

export interface Prediction {
  /** Markdown: the question. */
  question: string;
  choices: PredictionChoice[];
  /** How to tell, from the lab, what really happened (and which choice that was). */
  observe: ObservationSpec;
}

export interface PredictionChoice {
  id: string;
  text: string;
}

export interface StepCommand {
  /** Which shell to type it in: the one for servers or the one for the client. */
  tab: 'servers' | 'client';
  text: string;
}

export function lessonSteps(lesson: Lesson): Step[] {
  return lesson.chapters.flatMap((chapter) => chapter.steps);
}
