import type { LessonProgress, ServerMessage } from '@rslab/protocol';
import { shellForCommand, type CommandLanguage, type ShellRole } from '../lesson/shells';
import { controlAcked, receiveCluster, receiveEvents, receiveLesson, type LessonStepDetail, type LessonView } from '../store/lab';

/** Most commands one step may offer as "Run this" buttons. */
export const stepCommandsMax = 20;

type SandboxMessage = Extract<ServerMessage, { type: 'cluster' | 'events' | 'lesson' | 'control.ack' }>;

export function isSandboxMessage(message: ServerMessage): message is SandboxMessage {
  return message.type === 'cluster' || message.type === 'events' || message.type === 'lesson' || message.type === 'control.ack';
}

/**
 * Route a sandbox-state message into the store. While a fixture replays (`ignoreSandboxState`),
 * cluster, events and lesson from the server are dropped; control acks always count.
 */
export function applySandboxMessage(message: SandboxMessage, options: { ignoreSandboxState: boolean; nowWallMillis: number }): void {
  switch (message.type) {
    case 'control.ack':
      controlAcked(message.requestId, message.ok, message.message);
      return;
    case 'cluster':
      if (!options.ignoreSandboxState) receiveCluster(message.cluster, options.nowWallMillis, message.historyFrom);
      return;
    case 'events':
      if (!options.ignoreSandboxState) receiveEvents(message.events);
      return;
    case 'lesson':
      if (!options.ignoreSandboxState) receiveLesson(lessonView(message.progress));
      return;
  }
}

/** A step command: a string, or `{tab, text}` as the lesson data has it. */
function stepCommand(value: unknown): { text: string; shell?: ShellRole } | null {
  if (typeof value === 'string') return value.trim() === '' ? null : { text: value };
  if (typeof value !== 'object' || value === null) return null;
  const { tab, text: line } = value as { tab?: unknown; text?: unknown };
  if (typeof line !== 'string' || line.trim() === '') return null;
  return tab === 'servers' || tab === 'client' ? { text: line, shell: tab } : { text: line };
}

const shellRole = (value: unknown): ShellRole | undefined => (value === 'servers' || value === 'client' ? value : undefined);
const isCommandLanguage = (value: unknown): value is CommandLanguage => value === 'bash' || value === 'python' || value === 'mongosh';

const text = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);

/**
 * The lesson as the page renders it. The protocol's progress is about to carry lesson content
 * (`title`, `markdown`, and per step `chapter`, `markdown`, `hint`, `commands`); take each extra
 * only when it has the right type, so a half-updated server cannot break the pane.
 */
export function lessonView(progress: LessonProgress): LessonView {
  const extra = progress as LessonProgress & Record<string, unknown>;
  const steps: LessonStepDetail[] = progress.steps.map((step) => {
    const raw = step as typeof step & Record<string, unknown>;
    const detail: LessonStepDetail = { id: step.id, title: step.title, state: step.state, reason: step.reason };
    const chapter = text(raw.chapter);
    const markdown = text(raw.markdown);
    const hint = text(raw.hint);
    if (chapter) detail.chapter = chapter;
    if (markdown) detail.markdown = markdown;
    if (hint) detail.hint = hint;
    if (Array.isArray(raw.commands)) {
      const commands = raw.commands.map(stepCommand).filter((c) => c !== null).slice(0, stepCommandsMax);
      // The shell of each command: from the command itself, else a parallel `commandTabs` list, else inferred.
      const tabs = Array.isArray(raw.commandTabs) ? raw.commandTabs : [];
      if (commands.length > 0) {
        detail.commands = commands.map((c) => c.text);
        detail.commandShells = commands.map((c, i) => c.shell ?? shellRole(tabs[i]) ?? shellForCommand(c.text));
        const languages = Array.isArray(raw.commandLanguages) ? raw.commandLanguages : [];
        if (languages.length === commands.length && languages.every(isCommandLanguage)) detail.commandLanguages = languages;
      }
    }
    if (step.challenge) detail.challenge = true;
    if (step.prediction) detail.prediction = step.prediction;
    return detail;
  });
  const view: LessonView = { lessonId: progress.lessonId, chapterIndex: progress.chapterIndex, stepIndex: progress.stepIndex, steps };
  const title = text(extra.title);
  const markdown = text(extra.markdown);
  if (title) view.title = title;
  if (markdown) view.markdown = markdown;
  if (Array.isArray(progress.catalog)) view.catalog = progress.catalog;
  if (progress.preparing === true) view.preparing = true;
  return view;
}
