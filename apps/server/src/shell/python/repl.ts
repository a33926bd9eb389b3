/** The `python` REPL: prompts, continuation lines, and output and tracebacks as Python 3.11 prints them. */
import type { EndOfInput, Repl, ReplIO, ReplOutcome, SourceLimits } from '../io';
import { InterruptedError, defaultSourceLimits } from '../io';
import type { Completion } from '../complete';
import { completePython } from '../complete';
import type { PyMongoBackend } from './backend';
import type { InterpreterLimits } from './interp';
import { ExitRequest, PyInterpreter, defaultInterpreterLimits } from './interp';
import { CompileRecursionError, IncompleteInput, PySyntaxError, UnsupportedSyntax, parseStatement } from './parser';
import type { PyMongoEnv } from './pymongo';
import { addressFor, defaultObjectIdHex, makeModules } from './pymongo';
import type { StdlibEnv } from './stdlib';
import { makeStdlib, realStdlibEnv } from './stdlib';
import type { PyContext } from './values';
import { PyException } from './values';

export const pythonBanner =
  'Python 3.11.2 (main, Mar 13 2023, 12:18:29) [GCC 12.2.0] on linux\n' +
  'Type "help", "copyright", "credits" or "license" for more information.\n';

export interface PythonReplOptions {
  backend: PyMongoBackend;
  /** `time.sleep`/`time.time` (the sandbox passes its own clock); real time by default. */
  stdlib?: StdlibEnv;
  newObjectIdHex?: () => string;
  sourceLimits?: SourceLimits;
  interpreterLimits?: InterpreterLimits;
}

/** How much of a very long line a SyntaxError shows on each side of the caret. */
const syntaxContextChars = 200;

export class PythonRepl implements Repl {
  readonly title = 'python';
  readonly interpreter: PyInterpreter;
  private pending: string[] = [];
  private readonly limits: SourceLimits;
  private readonly env: PyMongoEnv;

  constructor(options: PythonReplOptions) {
    this.limits = options.sourceLimits ?? defaultSourceLimits;
    this.env = { backend: options.backend, newObjectIdHex: options.newObjectIdHex ?? defaultObjectIdHex, openClients: new Set() };
    const modules = makeModules(this.env);
    for (const [name, mod] of makeStdlib(options.stdlib ?? realStdlibEnv)) modules.set(name, mod);
    this.interpreter = new PyInterpreter(modules, options.interpreterLimits ?? defaultInterpreterLimits);
  }

  banner(): string {
    return pythonBanner;
  }

  prompt(): string {
    return this.pending.length > 0 ? '... ' : '>>> ';
  }

  complete(line: string, cursor: number): Completion {
    return completePython(line, cursor, this.interpreter);
  }

  /** Closes every client this REPL opened (the terminal calls it when Python exits). */
  async dispose(): Promise<void> {
    const clients = [...this.env.openClients];
    this.env.openClients.clear();
    await Promise.allSettled(clients.map((c) => this.env.backend.close(c)));
  }

  /** Ctrl-D on an empty line leaves Python. */
  endOfInput(): EndOfInput {
    if (this.pending.length > 0) {
      this.pending = [];
      return { text: '\n', exit: false };
    }
    return { text: '\n', exit: true };
  }

  /** Ctrl-C at the prompt (nothing running): drops a pending statement. */
  interrupt(): string {
    this.pending = [];
    return '\nKeyboardInterrupt\n';
  }

  async execute(line: string, io: ReplIO): Promise<ReplOutcome> {
    const pendingLength = this.pending.reduce((n, l) => n + l.length + 1, 0);
    if (line.length + pendingLength > this.limits.sourceLengthMax) {
      this.pending = [];
      io.write(`LabError: input too long (${line.length + pendingLength} characters; this lab's Python accepts up to ${this.limits.sourceLengthMax})\n`);
      return {};
    }
    if (this.pending.length === 0) {
      if (line.trim() === '') return {};
      if (/^[ \t]/.test(line) && !/^[ \t]*#/.test(line)) {
        io.write(`  File "<stdin>", line 1\n    ${clip(line.trim())}\nIndentationError: unexpected indent\n`);
        return {};
      }
    }
    const lines = [...this.pending, line];
    const src = lines.join('\n');
    let stmts;
    try {
      stmts = parseStatement(src, { nestingDepthMax: this.limits.nestingDepthMax });
    } catch (e) {
      if (e instanceof IncompleteInput) {
        if (lines.length >= this.limits.continuationLinesMax) {
          this.pending = [];
          io.write(`LabError: statement too long (${lines.length} lines; this lab's Python accepts up to ${this.limits.continuationLinesMax})\n`);
          return {};
        }
        this.pending = lines;
        return { continuation: true };
      }
      this.pending = [];
      if (e instanceof PySyntaxError) {
        io.write(formatSyntaxError(src, e));
        return {};
      }
      if (e instanceof UnsupportedSyntax) {
        io.write(`LabError: ${e.message}\n`);
        return {};
      }
      if (e instanceof CompileRecursionError) {
        io.write('RecursionError: maximum recursion depth exceeded during compilation\n');
        return {};
      }
      io.write(`SystemError: the lab's Python parser failed: ${String(e)}\n`);
      return {};
    }
    this.pending = [];
    const ctx: PyContext = {
      signal: io.signal,
      write: (text) => io.write(text),
      onProgress: (status) => io.onProgress?.(status),
      addressOf: (obj) => addressFor(obj),
    };
    try {
      for (const stmt of stmts) await this.interpreter.exec(stmt, ctx, true);
    } catch (e) {
      io.onProgress?.(null);
      if (e instanceof ExitRequest) return { exit: true };
      io.write(formatException(e));
    }
    return {};
  }
}

function clip(text: string): string {
  return text.length > syntaxContextChars * 2 ? `${text.slice(0, syntaxContextChars * 2)}...` : text;
}

/** `File "<stdin>", line N` / the line / the caret / `SyntaxError: msg`. */
export function formatSyntaxError(src: string, e: PySyntaxError): string {
  const before = src.slice(0, e.offset);
  const lineNo = before.split('\n').length;
  const lineStart = before.lastIndexOf('\n') + 1;
  let lineEnd = src.indexOf('\n', lineStart);
  if (lineEnd < 0) lineEnd = src.length;
  let text = src.slice(lineStart, lineEnd);
  let col = e.offset - lineStart;
  const stripped = text.length - text.trimStart().length;
  text = text.trimStart();
  col -= stripped;
  text = text.trimEnd();
  let width = Math.max(1, Math.min(e.width, text.length - col));
  if (text.length > syntaxContextChars * 2) {
    const from = Math.max(0, col - syntaxContextChars);
    text = text.slice(from, col + syntaxContextChars);
    col -= from;
    width = Math.min(width, text.length - col);
  }
  const caret = `${' '.repeat(Math.max(0, col))}${'^'.repeat(Math.max(1, width))}`;
  const kind = /indent/.test(e.message) ? 'IndentationError' : 'SyntaxError';
  if (!e.showSource) return `  File "<stdin>", line ${lineNo}\n${kind}: ${e.message}\n`;
  return `  File "<stdin>", line ${lineNo}\n    ${text}\n    ${caret}\n${kind}: ${e.message}\n`;
}

/** A Python traceback for anything a statement raised. Never throws. */
export function formatException(e: unknown): string {
  const line = e instanceof PyException ? (e.lineNumber ?? 1) : 1;
  const head = `Traceback (most recent call last):\n  File "<stdin>", line ${line}, in <module>\n`;
  if (e instanceof PyException) return `${head}${e.line()}\n`;
  if (e instanceof InterruptedError) return `${head}KeyboardInterrupt\n`;
  if (e instanceof RangeError) return `${head}RecursionError: maximum recursion depth exceeded\n`;
  return `${head}SystemError: internal error in the lab's Python: ${e instanceof Error ? e.message : String(e)}\n`;
}
