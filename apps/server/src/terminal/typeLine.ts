import type { TerminalSession } from './session';

/** Our own error for a transcript that cannot go on (a line that never finished). */
export class TranscriptError extends Error {
  override readonly name = 'TranscriptError';
}

/** Type a line into a terminal and wait for the next prompt; returns what it printed. */
export async function typeLine(tab: TerminalSession, line: string, timeoutMillis: number): Promise<string> {
  let output = '';
  let prompted: (() => void) | null = null;
  const done = new Promise<void>((resolve) => {
    prompted = resolve;
  });
  const unsubscribe = tab.subscribe((event) => {
    if (event.type === 'output') output += event.data;
    if (event.type === 'prompt') prompted?.();
  });
  const previous = tab.onExit;
  const exited = new Promise<void>((resolve) => {
    tab.onExit = () => {
      previous?.();
      resolve();
    };
  });
  try {
    const accepted = tab.submit(line);
    if (!accepted.accepted) throw new TranscriptError(`line refused: ${accepted.reason}`);
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMillis);
    });
    const result = await Promise.race([done.then(() => 'prompt' as const), exited.then(() => 'exit' as const), timedOut]);
    clearTimeout(timer);
    if (result === 'timeout') {
      tab.interrupt();
      throw new TranscriptError(`"${line}" did not finish within ${timeoutMillis} ms; output so far:\n${output}`);
    }
    return output;
  } finally {
    unsubscribe();
    // Put the shell's own exit handler back, so a long run of lines does not chain wrappers.
    if (tab.onExit !== previous) tab.onExit = previous;
  }
}

