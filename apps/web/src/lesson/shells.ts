import type { CommandLanguage } from '@rslab/protocol';

/**
 * Lessons talk about two shells: one where the `mongod` servers are started and killed, and one
 * for the client (Python or mongosh). The page gives the first terminal tab the role "servers"
 * and the second "client"; further tabs are plain shells.
 */
export type ShellRole = 'servers' | 'client';

export const shellRoles: readonly ShellRole[] = ['servers', 'client'];

/** Commands that act on processes of the machine; everything else is typed at a client prompt. */
const serverCommand = /^\s*(hostname|mongod|ps|kill|pkill)(\s|$)/;

/** Which shell a lesson command belongs in, when the lesson does not say. */
export function shellForCommand(command: string): ShellRole {
  return serverCommand.test(command) ? 'servers' : 'client';
}

/** The tab index that plays `role`. */
export function roleIndex(role: ShellRole): number {
  return shellRoles.indexOf(role);
}

/** What a tab is called in the tab bar, by its position. */
export function tabLabel(index: number): string {
  return shellRoles[index] ?? `shell ${index + 1}`;
}

/** Prompts at which a new interpreter need not be started: `python` there would be a Python name. */
const replPrompt = /^(>>>|\.\.\.) $|> $/;

/**
 * Whether running `command` at `prompt` would only start an interpreter that is already running
 * (`python` at `>>> `, `mongosh …` at a mongosh prompt): then the page just selects the tab.
 */
export function alreadyInInterpreter(command: string, prompt: string): boolean {
  const word = command.trim().split(/\s+/)[0];
  if (word === 'python' || word === 'python3') return /^(>>>|\.\.\.) $/.test(prompt);
  if (word === 'mongosh') return replPrompt.test(prompt) && !/^(>>>|\.\.\.) $/.test(prompt) && !prompt.endsWith('$ ');
  return false;
}

/** A lesson's `PID` placeholder filled with a process id the page knows (the primary's), when it has one. */
export function fillPid(command: string, pid: number | null): string {
  return pid === null ? command : command.replace(/\bPID\b/g, String(pid));
}

export type { CommandLanguage };

/** Which interpreter shows `prompt`, or null while nothing is prompting (a command is running). */
export function promptLanguage(prompt: string): CommandLanguage | null {
  if (/^(>>>|\.\.\.) $/.test(prompt)) return 'python';
  if (prompt.endsWith('$ ') || prompt.endsWith('# ')) return 'bash';
  if (prompt.endsWith('> ')) return 'mongosh';
  return null;
}

const languageNames: Record<CommandLanguage, string> = { bash: 'the shell', python: 'Python', mongosh: 'mongosh' };
const leaveHow: Record<Exclude<CommandLanguage, 'bash'>, string> = { python: 'exit() or Ctrl-D', mongosh: 'exit' };
const startHow: Record<Exclude<CommandLanguage, 'bash'>, string> = { python: 'start python', mongosh: 'start mongosh (an earlier step shows the line)' };

/**
 * Why a lesson line meant for `expected` should not be typed at `prompt`, or null when it fits
 * (or when either side is unknown). Typing Python into bash only earns a bash syntax error.
 */
export function commandMismatch(expected: CommandLanguage | undefined, prompt: string): string | null {
  const running = promptLanguage(prompt);
  if (expected === undefined || running === null || running === expected) return null;
  const lineFor = `This line is for ${languageNames[expected]}`;
  if (running === 'bash') return `${lineFor}: ${startHow[expected as Exclude<CommandLanguage, 'bash'>]} in this shell first.`;
  const leave = `${languageNames[running]} is running in this shell: leave it with ${leaveHow[running]}`;
  return expected === 'bash' ? `${lineFor}, and ${leave} first.` : `${lineFor}, and ${leave}, then ${startHow[expected]}.`;
}
