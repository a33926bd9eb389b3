import type { Repl, ReplIO } from '../../src/shell/io';

export interface Captured {
  output: string;
  progress: Array<string | null>;
}

/** Runs lines through a REPL and returns the screen as a person would see it: prompt, line, output. */
export async function transcript(repl: Repl, lines: string[]): Promise<string> {
  let screen = '';
  for (const line of lines) {
    screen += `${repl.prompt()}${line}\n`;
    const io: ReplIO = { write: (t) => (screen += t), signal: new AbortController().signal };
    await repl.execute(line, io);
  }
  return screen;
}

/** Runs one line and returns only what it printed, plus the outcome. */
export async function run(repl: Repl, line: string, signal = new AbortController().signal) {
  const captured: Captured = { output: '', progress: [] };
  const io: ReplIO = {
    write: (t) => (captured.output += t),
    signal,
    onProgress: (s) => captured.progress.push(s),
  };
  const outcome = await repl.execute(line, io);
  return { ...captured, outcome };
}
