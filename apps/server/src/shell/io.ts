/**
 * What every shell language (bash, Python, mongosh) needs from the terminal that runs it, and what
 * it answers after a line. Structurally compatible with the terminal's `ShellIO`: a sandbox can pass
 * the same object.
 */
export interface ReplIO {
  /**
   * Output, with `\n` line ends (the terminal layer converts). `origin` names the runtime host
   * (page) that has already shown it, so it is not sent back there.
   */
  write(text: string, origin?: string): void;
  /** The runtime host (page) that typed this line, if one did. */
  readonly origin?: string;
  /** Aborted when the learner presses Ctrl-C while the line runs. */
  readonly signal: AbortSignal;
  /** Clear the screen (bash `clear`/`reset`); optional. */
  clear?(): void;
  /**
   * A live status line while a long call waits (e.g. `waiting for a primary… 4s`). `null` removes
   * it. The terminal shows it in place, not in the scrollback.
   */
  onProgress?(status: string | null): void;
}

export interface ReplOutcome {
  /** The line is incomplete: show the continuation prompt (`... `, `> `) and send the next line. */
  continuation?: boolean;
  /** Leave this interpreter (`exit()`, `quit()`, bash `exit`). */
  exit?: boolean;
}

export interface EndOfInput {
  text: string;
  exit: boolean;
}

/** One language a terminal can speak. */
export interface Repl {
  readonly title: string;
  prompt(): string;
  execute(line: string, io: ReplIO): Promise<ReplOutcome>;
  /** Ctrl-D: what the tool prints, and whether it leaves (it may not, e.g. inside a bash quote). */
  endOfInput?(): EndOfInput;
  /** Ctrl-C at the prompt while nothing runs: drops pending input; returns what the tool prints. */
  interrupt?(): string;
}

/** Limits every interpreter applies to its input. */
export interface SourceLimits {
  /** Longest accepted input (one line or a pending multi-line statement), in characters. */
  sourceLengthMax: number;
  /** Deepest nesting of brackets/expressions the parsers accept. */
  nestingDepthMax: number;
  /** Most lines a multi-line statement may collect before it is refused. */
  continuationLinesMax: number;
}

export const defaultSourceLimits: SourceLimits = {
  sourceLengthMax: 256 * 1024,
  nestingDepthMax: 200,
  continuationLinesMax: 200,
};

/** Thrown when a call is interrupted through the AbortSignal (Ctrl-C). */
export class InterruptedError extends Error {
  override readonly name = 'InterruptedError';
  constructor() {
    super('interrupted');
  }
}

export function throwIfAborted(signal: AbortSignal): void {
  if (signal.aborted) throw new InterruptedError();
}

/** Resolves or rejects with `promise`, or rejects with InterruptedError as soon as `signal` aborts. */
export function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    // The line was interrupted before it began: nobody waits for this promise any more, and its
    // outcome (success or failure) has no one to tell. The shell's caller reports the interrupt.
    promise.catch(() => undefined);
    return Promise.reject(new InterruptedError());
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(new InterruptedError());
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
