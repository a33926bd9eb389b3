import { clearScreenSequence, type TabSnapshot } from '@rslab/protocol';
import { TimedScrollback } from './scrollback';

/** What an interpreter may do to its terminal while it runs a line. */
export interface ShellIO {
  write(text: string, origin?: string): void;
  clear(): void;
  /** The runtime host (page connection) that typed the line, if one did. */
  readonly origin?: string;
  /** Aborted when the learner presses Ctrl-C. */
  readonly signal: AbortSignal;
}

export interface Completion {
  replaceFrom: number;
  candidates: string[];
}

export interface ExecuteOutcome {
  /** Leave this interpreter (python's `exit()`, bash's `exit`). */
  exit?: boolean;
  /** Start a nested interpreter (bash runs `python`). */
  push?: Interpreter;
}

/** One language a terminal can speak: bash, Python, mongosh. */
export interface Interpreter {
  readonly title: string;
  prompt(): string;
  execute(line: string, io: ShellIO): Promise<ExecuteOutcome | void>;
  /** Tab completion; a client runtime answers from its live namespace, on the page that runs it. */
  complete?(line: string, cursor: number): Completion | Promise<Completion>;
  /** Ctrl-C with nothing running: drop any half-entered statement; returns what to print. */
  interrupt?(): string;
  /** Ctrl-D on an empty line: what to print, and whether to leave this interpreter. */
  endOfInput?(): { text: string; exit: boolean };
  /** Called when the interpreter is left or the terminal closes. */
  dispose?(): void;
}

export type TerminalEvent =
  /** `origin`: the runtime host (page) that already shows this output; it is not sent back there. */
  | { type: 'output'; data: string; origin?: string }
  | { type: 'prompt'; prompt: string }
  | { type: 'clear' };

export interface TerminalLimits {
  scrollbackBytesMax: number;
  historyLinesMax: number;
  /** Lines waiting behind a running command before new ones are refused. */
  pendingLinesMax: number;
}

/**
 * One terminal tab: a stack of interpreters (bash at the bottom), the lines typed into it and
 * everything it printed. Lines run one at a time, in order; Ctrl-C aborts the running one.
 */
export class TerminalSession {
  private readonly stack: Interpreter[];
  private readonly pending: Array<{ line: string; origin: string | undefined }> = [];
  private readonly listeners = new Set<(event: TerminalEvent) => void>();
  private readonly lineListeners = new Set<(line: string) => void>();
  private readonly history: string[] = [];
  private readonly scrollback: TimedScrollback;
  private running: AbortController | null = null;
  private closed = false;
  /** The prompt on screen after the scrollback; it joins the scrollback with the next line. */
  private promptShown: string;
  /** When that prompt was shown: it goes into the scrollback at its own time, not the next line's. */
  private promptShownAt: number;
  /** Set when the bottom interpreter exits: the tab is done. */
  onExit: (() => void) | null = null;

  constructor(
    readonly id: string,
    root: Interpreter,
    private readonly limits: TerminalLimits,
    /** The sandbox clock (millis): stamps each write in the scrollback. */
    private readonly now: () => number,
  ) {
    this.scrollback = new TimedScrollback(limits.scrollbackBytesMax);
    this.stack = [root];
    this.promptShown = root.prompt();
    this.promptShownAt = now();
  }

  get busy(): boolean {
    return this.running !== null;
  }

  get title(): string {
    return this.current.title;
  }

  private get current(): Interpreter {
    const top = this.stack[this.stack.length - 1];
    if (!top) throw new Error('terminal has no interpreter');
    return top;
  }

  subscribe(listener: (event: TerminalEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Hear each line as it starts to run. The typist's page echoes what it types itself; read-only
   * followers learn of the line here.
   */
  subscribeLines(listener: (line: string) => void): () => void {
    this.lineListeners.add(listener);
    return () => this.lineListeners.delete(listener);
  }

  snapshot(): TabSnapshot {
    return {
      tab: this.id,
      title: this.title,
      prompt: this.busy ? '' : this.promptShown,
      scrollback: this.scrollback.chunks(),
      busy: this.busy,
      history: [...this.history],
    };
  }

  submit(line: string, origin?: string): { accepted: boolean; reason?: string } {
    if (this.closed) return { accepted: false, reason: 'terminal is closed' };
    if (this.pending.length >= this.limits.pendingLinesMax) {
      return { accepted: false, reason: `too many lines waiting (at most ${this.limits.pendingLinesMax})` };
    }
    this.pending.push({ line, origin });
    if (!this.running) {
      // drain() reports an interpreter's failure on the screen itself; this is for a bug in drain.
      this.drain().catch((error: unknown) => this.emit({ type: 'output', data: `internal error: ${error instanceof Error ? error.message : String(error)}\n` }));
    }
    return { accepted: true };
  }

  /** Put a note from the lab (not from a shell) into the scrollback; for a tab nobody shows yet. */
  notice(text: string, origin?: string): void {
    if (!this.closed && text.length > 0) this.emit({ type: 'output', data: text, ...(origin !== undefined ? { origin } : {}) });
  }

  /**
   * Ctrl-C: abort what runs and drop what was typed ahead. With nothing running, the interpreter
   * drops any half-entered statement and the prompt comes back.
   */
  interrupt(): void {
    this.pending.length = 0;
    if (this.running) {
      this.running.abort();
      return;
    }
    if (this.closed) return;
    this.settleIdle(this.current.interrupt?.() ?? '\n', false);
  }

  /** Ctrl-D on an empty line: the interpreter says goodbye or ignores it. */
  endOfInput(): void {
    if (this.running || this.closed) return;
    const { text, exit } = this.current.endOfInput?.() ?? { text: '\n', exit: false };
    this.settleIdle(text, exit);
  }

  /** Print `text` after the prompt on screen, leave the interpreter if asked, and prompt again. */
  private settleIdle(text: string, exit: boolean): void {
    this.appendPromptShown();
    if (text) this.emit({ type: 'output', data: text });
    if (exit && this.leave()) return;
    this.emit({ type: 'prompt', prompt: this.current.prompt() });
  }

  /** Pop the current interpreter; true when that closed the terminal. */
  private leave(): boolean {
    const interpreter = this.stack.pop();
    interpreter?.dispose?.();
    if (this.stack.length > 0) return false;
    this.closed = true;
    this.onExit?.();
    return true;
  }

  complete(line: string, cursor: number): Completion | Promise<Completion> {
    return this.current.complete?.(line, cursor) ?? { replaceFrom: cursor, candidates: [] };
  }

  close(): void {
    this.closed = true;
    this.interrupt();
    for (const interpreter of this.stack.reverse()) interpreter.dispose?.();
    this.stack.length = 0;
    this.listeners.clear();
    this.lineListeners.clear();
  }

  private emit(event: TerminalEvent): void {
    if (event.type === 'output') this.appendScrollback(event.data);
    // Recorded, not forgotten: a page loaded later redraws the cleared screen from it, and its past
    // before the clear (issue 19) still has what was on the screen then.
    if (event.type === 'clear') this.appendScrollback(clearScreenSequence);
    if (event.type === 'prompt') {
      this.promptShown = event.prompt;
      this.promptShownAt = this.now();
    }
    for (const listener of this.listeners) listener(event);
  }

  private appendScrollback(text: string): void {
    this.scrollback.append(this.now(), text);
  }

  /** The prompt on screen joins the scrollback (a line or Ctrl-C follows it), stamped when it was shown. */
  private appendPromptShown(): void {
    this.scrollback.append(this.promptShownAt, this.promptShown);
    this.promptShown = '';
  }

  /** Put lines typed elsewhere into this tab's history (a branch re-opens a tab with what was typed), oldest first. */
  seedHistory(lines: readonly string[]): void {
    for (const line of lines) this.remember(line);
  }

  private remember(line: string): void {
    if (line.trim() === '' || this.history[this.history.length - 1] === line) return;
    this.history.push(line);
    if (this.history.length > this.limits.historyLinesMax) this.history.shift();
  }

  private async drain(): Promise<void> {
    while (!this.closed && this.pending.length > 0) {
      const { line, origin } = this.pending.shift() as { line: string; origin: string | undefined };
      const interpreter = this.current;
      // The client already shows prompt and line; keep them so a reloaded page sees the same screen.
      this.appendPromptShown();
      this.appendScrollback(`${line}\n`);
      this.remember(line);
      for (const listener of this.lineListeners) listener(line);
      const controller = new AbortController();
      this.running = controller;
      const io: ShellIO = {
        write: (text, from) => {
          if (!this.closed && text.length > 0) this.emit({ type: 'output', data: text, ...(from !== undefined ? { origin: from } : {}) });
        },
        ...(origin !== undefined ? { origin } : {}),
        clear: () => this.emit({ type: 'clear' }),
        signal: controller.signal,
      };
      try {
        const outcome = await interpreter.execute(line, io);
        if (outcome?.push) this.stack.push(outcome.push);
        if (outcome?.exit && this.leave()) {
          this.running = null;
          return;
        }
      } catch (error) {
        // An interpreter bug must not kill the terminal: say so, keep the shell.
        const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
        io.write(`internal error: ${message}\n`);
      } finally {
        this.running = null;
      }
      if (!this.closed) this.emit({ type: 'prompt', prompt: this.current.prompt() });
    }
  }
}
