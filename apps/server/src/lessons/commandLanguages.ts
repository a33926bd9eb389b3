import type { CommandLanguage } from '@rslab/protocol';
import type { Lesson, Step } from './model';

const startsPython = /^\s*python3?\s*$/;
const startsMongosh = /^\s*mongosh(\s|$)/;
const leavesInterpreter = /^\s*(exit|quit)(\(\))?\s*$/;

/**
 * The interpreter each "run this" command of a lesson is typed into, step by step: every shell
 * starts in bash, `python` and `mongosh` lines start an interpreter there, `exit` leaves it. Lets
 * the page refuse to type a Python line into bash (or `kill` into Python) with a reason.
 */
export function commandLanguages(lesson: Lesson): Map<Step, CommandLanguage[]> {
  const running: Record<'servers' | 'client', CommandLanguage> = { servers: 'bash', client: 'bash' };
  const byStep = new Map<Step, CommandLanguage[]>();
  for (const step of lesson.chapters.flatMap((chapter) => chapter.steps)) {
    byStep.set(
      step,
      step.commands.map((command) => {
        const language = running[command.tab];
        if (language === 'bash' && startsPython.test(command.text)) running[command.tab] = 'python';
        else if (language === 'bash' && startsMongosh.test(command.text)) running[command.tab] = 'mongosh';
        else if (language !== 'bash' && leavesInterpreter.test(command.text)) running[command.tab] = 'bash';
        return language;
      }),
    );
  }
  return byStep;
}
