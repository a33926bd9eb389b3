import type { Repl, ReplIO } from '../shell/io';
import type { BashOutcome } from '../shell/bash/shell';
import type { Completion, ExecuteOutcome, Interpreter, ShellIO } from './session';

/** What the interpreter reports after each line, so the sandbox can keep its record. */
export interface LineReport {
  language: 'bash' | 'python' | 'mongosh';
  input: string;
  output: string;
  startedAt: number;
  finishedAt: number;
}

export interface ReplInterpreterOptions {
  onLine?: (report: LineReport) => void;
  now: () => number;
}

/** Lines longer than this are not kept whole in a line report. */
const reportedOutputCharsMax = 2000;

function languageOf(repl: Repl): LineReport['language'] {
  return repl.title === 'python' ? 'python' : repl.title === 'mongosh' ? 'mongosh' : 'bash';
}

/**
 * Runs one of the shell languages (bash, Python, mongosh) in a terminal: progress lines are
 * drawn in place, nested REPLs are wrapped the same way, and every line is reported.
 */
export class ReplInterpreter implements Interpreter {
  constructor(
    private readonly repl: Repl,
    private readonly options: ReplInterpreterOptions,
  ) {}

  get title(): string {
    return this.repl.title;
  }

  prompt(): string {
    return this.repl.prompt();
  }

  complete(line: string, cursor: number): Completion | Promise<Completion> {
    const completing = this.repl as Repl & { complete?: (line: string, cursor: number) => Completion | Promise<Completion> };
    return completing.complete?.(line, cursor) ?? { replaceFrom: cursor, candidates: [] };
  }

  async execute(line: string, io: ShellIO): Promise<ExecuteOutcome> {
    let output = '';
    let progressShown = false;
    const replIO: ReplIO = {
      write: (text, origin) => {
        if (progressShown) {
          io.write('\r\x1b[K');
          progressShown = false;
        }
        if (output.length < reportedOutputCharsMax) output += text;
        io.write(text, origin);
      },
      ...(io.origin !== undefined ? { origin: io.origin } : {}),
      signal: io.signal,
      clear: () => io.clear(),
      onProgress: (status) => {
        if (status === null) {
          if (progressShown) io.write('\r\x1b[K');
          progressShown = false;
          return;
        }
        io.write(`\r\x1b[K\x1b[2m${status}\x1b[0m`);
        progressShown = true;
      },
    };
    const startedAt = this.options.now();
    const outcome = (await this.repl.execute(line, replIO)) as BashOutcome;
    if (progressShown) io.write('\r\x1b[K');
    this.options.onLine?.({ language: languageOf(this.repl), input: line, output, startedAt, finishedAt: this.options.now() });
    const result: ExecuteOutcome = {};
    if (outcome.exit) result.exit = true;
    if (outcome.push) result.push = new ReplInterpreter(outcome.push, this.options);
    return result;
  }

  interrupt(): string {
    const repl = this.repl as Repl & { interrupt?: () => string };
    return repl.interrupt?.() ?? '\n';
  }

  endOfInput(): { text: string; exit: boolean } {
    const repl = this.repl as Repl & { endOfInput?: () => { text: string; exit: boolean } };
    return repl.endOfInput?.() ?? { text: '\n', exit: false };
  }

  dispose(): void {
    const disposable = this.repl as Repl & { dispose?: () => unknown };
    void disposable.dispose?.();
  }
}
