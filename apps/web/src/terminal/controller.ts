import { Terminal } from '@xterm/xterm';
import { FitAddon } from '@xterm/addon-fit';
import { clearScreenSequence, type ClientMessage, type TabSnapshot } from '@rslab/protocol';
import { LineEditor, type EditorEffect } from './lineEditor';
import { longestCommonPrefix, toTerminalNewlines } from './text';
import { TerminalTranscript, transcriptFromScrollback, type TranscriptChunk } from './transcript';

/** How much of what a terminal drew the page keeps for showing past moments (about the xterm's 5000-line scrollback). */
export const transcriptCharsMax = 512 * 1024;

/** A client runtime this page hosts for a tab (see src/runtime/). */
export interface LocalRuntime {
  interrupt(tab: string): void;
  complete(tab: string, line: string, cursor: number): Promise<{ replaceFrom: number; candidates: string[] }> | null;
}

/**
 * Glue between one xterm.js instance and one server-side terminal tab. The editing itself lives
 * in LineEditor; this class only routes bytes.
 */
export class TerminalController {
  readonly term: Terminal;
  private readonly fit = new FitAddon();
  private readonly attachWaiters: Array<() => void> = [];
  private readonly editor = new LineEditor();
  private opened = false;
  private completionRequest = 0;
  /** Escape was the last key: the next Tab or Shift+Tab leaves the terminal instead of completing. */
  private leaveArmed = false;
  private inputLocked = false;
  /** Every byte written to the xterm, with its sandbox time (see terminal/transcript.ts). */
  private readonly transcript = new TerminalTranscript(transcriptCharsMax);
  /** The past moment shown instead of the live screen (null: live); live writes are only recorded meanwhile. */
  private pastAt: number | null = null;

  constructor(
    readonly tabId: string,
    private readonly send: (message: ClientMessage) => boolean,
    fontSize: number,
    /** The runtime this page runs for the tab (Python): Ctrl-C and Tab go to it directly. */
    private readonly local: LocalRuntime | null = null,
    /** The sandbox clock as the page last heard it (millis), which stamps each write. */
    private readonly clock: () => number = () => 0,
  ) {
    this.term = new Terminal({
      fontSize,
      fontFamily: 'ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace',
      cursorBlink: true,
      convertEol: false,
      scrollback: 5000,
      theme: { background: '#0f1720', foreground: '#e6edf3' },
    });
    this.term.loadAddon(this.fit);
    this.term.onData((data) => {
      if (!this.inputLocked && this.pastAt === null) this.apply(this.editor.feed(data));
    });
    this.term.onResize(({ cols }) => this.editor.resize(cols));
    this.term.attachCustomKeyEventHandler((event) => this.keyboardEscape(event));
  }

  /**
   * A terminal keeps Tab for completion, which would trap keyboard users: Escape then Tab (or
   * Shift+Tab) moves focus on like anywhere else on the page. Returning false hands the key to
   * the browser.
   */
  private keyboardEscape(event: KeyboardEvent): boolean {
    if (event.type !== 'keydown') return !(event.key === 'Escape' || (event.key === 'Tab' && this.leaveArmed));
    if (event.key === 'Escape') {
      this.leaveArmed = true;
      return false;
    }
    if (event.key === 'Tab' && this.leaveArmed) {
      this.leaveArmed = false;
      return false;
    }
    if (event.key !== 'Shift') this.leaveArmed = false;
    return true;
  }

  attach(element: HTMLElement): void {
    if (!this.opened) {
      this.term.open(element);
      this.opened = true;
    } else if (this.term.element && this.term.element.parentElement !== element) {
      element.appendChild(this.term.element);
    }
    this.fitToContainer();
    for (const waiter of this.attachWaiters.splice(0)) waiter();
  }

  /**
   * Run `then` once the terminal is on the page and fitted (now, if it is). A line typed into a
   * tab that has just opened must wait: before the fit the editor wraps at 80 columns, and on a
   * phone's 36 the redraws stack copies of the line down the screen.
   */
  whenAttached(then: () => void): void {
    if (this.opened) then();
    else this.attachWaiters.push(then);
  }

  fitToContainer(): void {
    if (!this.opened) return;
    try {
      this.fit.fit();
    } catch (error) {
      // fit() measures the DOM; a hidden pane has no size yet and is fitted when shown
      console.debug('terminal not fitted (hidden pane)', error);
    }
    this.editor.resize(this.term.cols);
  }

  /** A read-only terminal (following someone else) shows output but takes no keys. */
  setInputLocked(locked: boolean): void {
    this.inputLocked = locked;
    this.showLocked();
  }

  private showLocked(): void {
    const locked = this.inputLocked || this.pastAt !== null;
    this.term.options.disableStdin = locked;
    this.term.options.cursorBlink = !locked;
  }

  /**
   * Show the terminal as it was at sandbox time `at` (read-only), or the live screen again (null).
   * While the past shows, live output and prompts are recorded but not drawn; going back redraws
   * everything recorded, so output that came meanwhile and a half-typed line are all there.
   */
  showMoment(at: number | null): void {
    if (at === this.pastAt) return;
    this.pastAt = at;
    if (at === null) this.redraw(this.transcript.all());
    // The past takes no keys: no cursor invites typing (the live stream's reset shows it again).
    else this.redraw(`${this.transcript.upTo(at)}\x1b[?25l`);
    this.showLocked();
  }

  /** What this terminal drew, with sandbox times (what "Save replay" sends). */
  transcriptChunks(): TranscriptChunk[] {
    return this.transcript.chunks();
  }

  /** Whether a past moment is shown instead of the live screen. */
  get showingPast(): boolean {
    return this.pastAt !== null;
  }

  /**
   * Start the xterm afresh and draw `text`. The reset goes through the write queue (RIS, ESC c)
   * rather than `term.reset()`: that one acts at once while earlier writes may still wait in the
   * queue, and those would then land on the fresh screen before `text` (a room attendee who joined
   * while the instructor showed the past got the live screen and the past one after it).
   */
  private redraw(text: string): void {
    this.term.write(`\x1bc${text}`);
  }

  /** Write to the xterm (unless the past shows) and to the transcript. */
  private draw(data: string): void {
    this.transcript.record(this.clock(), data);
    if (this.pastAt === null) this.term.write(data);
  }

  setFontSize(size: number): void {
    this.term.options.fontSize = size;
    this.fitToContainer();
  }

  /** Whether the tab is waiting at a prompt (false while a line runs). */
  get prompting(): boolean {
    return this.editor.isActive;
  }

  /** The prompt this tab last showed, which tells which interpreter is in front. */
  get promptShown(): string {
    return this.editor.prompt;
  }

  focus(): void {
    this.term.focus();
  }

  load(snapshot: TabSnapshot): void {
    this.editor.deactivate();
    // The server's record is the truth for what came before. The screen is rebuilt from it, so the
    // past must be cut from the same bytes: keeping this page's own earlier record (after a reconnect)
    // would show a past that does not lead to the live screen, or output twice. What only the page
    // had is lost on purpose: a typed line's echo, key by key, shows from when the line was sent (the
    // server keeps prompt and line, the prompt at its own time), a half-typed line was never sent
    // (the editor starts empty after a reload anyway), and this page's own notices were never part
    // of the sandbox. After a reload the page has no record at all; a room attendee joining late has
    // none from before the join.
    this.transcript.seed(transcriptFromScrollback(snapshot.scrollback));
    if (this.pastAt === null) this.redraw(this.transcript.all());
    this.editor.setHistory(snapshot.history);
    if (!snapshot.busy) this.apply(this.editor.start(snapshot.prompt));
    if (this.pastAt !== null) {
      // A reconnect while the past shows: the live screen is rebuilt underneath, the past stays on.
      const at = this.pastAt;
      this.pastAt = null;
      this.showMoment(at);
    }
  }

  output(data: string): void {
    this.draw(toTerminalNewlines(data));
  }

  prompt(prompt: string): void {
    this.apply(this.editor.start(prompt));
  }

  clear(): void {
    this.draw(clearScreenSequence);
    this.apply(this.editor.redraw());
  }

  /** A line from the page itself (not the sandbox), such as "reconnecting…". */
  notice(text: string): void {
    const wasActive = this.editor.isActive;
    this.draw(`\r\x1b[K\x1b[33m${text}\x1b[0m\r\n`);
    if (wasActive) this.apply(this.editor.redraw());
  }

  /** Type `text` as if the learner did, and press Enter when `submit` is set. */
  typeLine(text: string, submit: boolean): void {
    this.apply(this.editor.feed(submit ? `${text}\r` : text));
  }

  completion(requestId: number, replaceFrom: number, candidates: string[]): void {
    if (requestId !== this.completionRequest || candidates.length === 0) return;
    const prefix = longestCommonPrefix(candidates);
    const typed = this.editor.line.slice(replaceFrom, this.editor.cursorPosition);
    if (candidates.length === 1) this.apply(this.editor.applyCompletion(replaceFrom, candidates[0] as string));
    else if (prefix.length > typed.length) this.apply(this.editor.applyCompletion(replaceFrom, prefix));
    else this.apply(this.editor.listCandidates(candidates));
  }

  dispose(): void {
    this.term.dispose();
  }

  private apply(effects: EditorEffect[]): void {
    for (const effect of effects) {
      switch (effect.type) {
        case 'write':
          this.draw(effect.data);
          break;
        case 'submit':
          this.send({ type: 'input', tab: this.tabId, line: effect.line });
          break;
        case 'interrupt':
          this.local?.interrupt(this.tabId);
          this.send({ type: 'interrupt', tab: this.tabId });
          break;
        case 'eof':
          this.send({ type: 'eof', tab: this.tabId });
          break;
        case 'complete': {
          this.completionRequest += 1;
          const requestId = this.completionRequest;
          const local = this.local?.complete(this.tabId, effect.line, effect.cursor) ?? null;
          const remote = () => this.send({ type: 'complete', tab: this.tabId, requestId, line: effect.line, cursor: effect.cursor });
          // The runtime in this page completes from its live namespace; if it cannot, the server asks the one that runs it.
          if (local) local.then((result) => this.completion(requestId, result.replaceFrom, result.candidates), remote);
          else remote();
          break;
        }
      }
    }
  }
}
