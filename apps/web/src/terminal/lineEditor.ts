/**
 * The terminal's line editing, done once, as plain logic: it turns keystrokes (as xterm reports
 * them) into the bytes to draw and the actions to take. No DOM, no xterm: tested on its own.
 */

export type EditorEffect =
  | { type: 'write'; data: string }
  | { type: 'submit'; line: string }
  | { type: 'interrupt' }
  | { type: 'eof' }
  | { type: 'complete'; line: string; cursor: number };

export interface LineEditorOptions {
  historyMax?: number;
  /** Terminal width in columns, for redrawing lines that wrap. */
  columns?: number;
}

const CSI = '\x1b[';
// eslint-disable-next-line no-control-regex -- terminal escape sequences start with ESC
const escapeSequence = /^\x1b(?:\[[0-9;?]*[~A-Za-z]|O[A-Za-z])/;

/** Visible width of a prompt: escape sequences take no room. */
function visibleLength(text: string): number {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '').length;
}

export class LineEditor {
  private buffer = '';
  private cursor = 0;
  private promptText = '';
  /** True while the shell waits for a line; false while a command runs. */
  private active = false;
  private typeahead = '';
  private history: string[] = [];
  private historyIndex: number | null = null;
  private draft = '';
  /** Row of the screen cursor inside the drawn prompt+line, counted from its first row. */
  private cursorRow = 0;
  private readonly historyMax: number;
  private columns: number;

  constructor(options: LineEditorOptions = {}) {
    this.historyMax = options.historyMax ?? 500;
    this.columns = Math.max(2, options.columns ?? 80);
  }

  get line(): string {
    return this.buffer;
  }

  get cursorPosition(): number {
    return this.cursor;
  }

  get isActive(): boolean {
    return this.active;
  }

  /** The prompt last shown (what the shell is: `morton$ `, `>>> `…). */
  get prompt(): string {
    return this.promptText;
  }

  setHistory(lines: readonly string[]): void {
    this.history = lines.slice(-this.historyMax);
    this.historyIndex = null;
  }

  getHistory(): readonly string[] {
    return this.history;
  }

  resize(columns: number): void {
    this.columns = Math.max(2, columns);
  }

  /** The shell is ready: show `prompt`, then replay anything typed while it was busy. */
  start(prompt: string): EditorEffect[] {
    this.promptText = prompt;
    this.active = true;
    this.buffer = '';
    this.cursor = 0;
    this.cursorRow = 0;
    this.historyIndex = null;
    const effects: EditorEffect[] = [{ type: 'write', data: prompt }];
    this.cursorRow = this.rowOf(visibleLength(prompt));
    const pending = this.typeahead;
    this.typeahead = '';
    if (pending) effects.push(...this.feed(pending));
    return effects;
  }

  /** Forget the current line without drawing (the screen was replaced). */
  deactivate(): void {
    this.active = false;
    this.buffer = '';
    this.cursor = 0;
    this.typeahead = '';
  }

  /** Redraw prompt and line from a fresh screen (after Ctrl-L or a server `clear`). */
  redraw(): EditorEffect[] {
    if (!this.active) return [];
    this.cursorRow = 0;
    return [{ type: 'write', data: this.render() }];
  }

  feed(data: string): EditorEffect[] {
    const effects: EditorEffect[] = [];
    let i = 0;
    while (i < data.length) {
      if (!this.active) {
        // While a command runs only Ctrl-C acts at once; the rest waits for the next prompt.
        const interrupt = data.indexOf('\x03', i);
        if (interrupt === -1) {
          this.typeahead += data.slice(i);
          return effects;
        }
        this.typeahead = '';
        effects.push({ type: 'write', data: '^C' }, { type: 'interrupt' });
        i = interrupt + 1;
        continue;
      }
      const rest = data.slice(i);
      const match = escapeSequence.exec(rest);
      if (match) {
        effects.push(...this.onEscape(match[0]));
        i += match[0].length;
        continue;
      }
      const ch = data[i] as string;
      i += 1;
      effects.push(...this.onChar(ch, data[i]));
      if (ch === '\r' && data[i] === '\n') i += 1; // CRLF from a paste is one line end
    }
    return effects;
  }

  private onEscape(sequence: string): EditorEffect[] {
    switch (sequence) {
      case '\x1b[D':
      case '\x1bOD':
        return this.moveTo(this.cursor - 1);
      case '\x1b[C':
      case '\x1bOC':
        return this.moveTo(this.cursor + 1);
      case '\x1b[H':
      case '\x1bOH':
      case '\x1b[1~':
        return this.moveTo(0);
      case '\x1b[F':
      case '\x1bOF':
      case '\x1b[4~':
        return this.moveTo(this.buffer.length);
      case '\x1b[A':
      case '\x1bOA':
        return this.historyStep(-1);
      case '\x1b[B':
      case '\x1bOB':
        return this.historyStep(1);
      case '\x1b[3~':
        if (this.cursor >= this.buffer.length) return [];
        return this.replace(this.buffer.slice(0, this.cursor) + this.buffer.slice(this.cursor + 1), this.cursor);
      case '\x1b[1;5D':
        return this.moveTo(this.wordStart(this.cursor));
      case '\x1b[1;5C':
        return this.moveTo(this.wordEnd(this.cursor));
      default:
        return [];
    }
  }

  private onChar(ch: string, _next: string | undefined): EditorEffect[] {
    switch (ch) {
      case '\r':
      case '\n':
        return this.submit();
      case '\x7f':
      case '\b':
        if (this.cursor === 0) return [];
        return this.replace(this.buffer.slice(0, this.cursor - 1) + this.buffer.slice(this.cursor), this.cursor - 1);
      case '\x03': {
        // As a tty does: echo ^C, drop the line, and let the shell answer (a new prompt, or
        // Python's KeyboardInterrupt, which also drops a half-entered statement).
        const effects = this.moveTo(this.buffer.length);
        effects.push({ type: 'write', data: '^C' }, { type: 'interrupt' });
        this.active = false;
        this.buffer = '';
        this.cursor = 0;
        this.historyIndex = null;
        this.cursorRow = 0;
        return effects;
      }
      case '\x04':
        if (this.buffer.length > 0) {
          if (this.cursor >= this.buffer.length) return [];
          return this.replace(this.buffer.slice(0, this.cursor) + this.buffer.slice(this.cursor + 1), this.cursor);
        }
        this.active = false;
        this.cursorRow = 0;
        return [{ type: 'eof' }];
      case '\x0c':
        this.cursorRow = 0;
        return [{ type: 'write', data: `${CSI}H${CSI}2J${CSI}3J` + this.render() }];
      case '\x01':
        return this.moveTo(0);
      case '\x05':
        return this.moveTo(this.buffer.length);
      case '\x02':
        return this.moveTo(this.cursor - 1);
      case '\x06':
        return this.moveTo(this.cursor + 1);
      case '\x15':
        return this.replace(this.buffer.slice(this.cursor), 0);
      case '\x0b':
        return this.replace(this.buffer.slice(0, this.cursor), this.cursor);
      case '\x17': {
        const start = this.wordStart(this.cursor);
        return this.replace(this.buffer.slice(0, start) + this.buffer.slice(this.cursor), start);
      }
      case '\t':
        return [{ type: 'complete', line: this.buffer, cursor: this.cursor }];
      default:
        if (ch < ' ' || ch === '\x7f') return []; // other control characters do nothing
        return this.replace(this.buffer.slice(0, this.cursor) + ch + this.buffer.slice(this.cursor), this.cursor + 1);
    }
  }

  /** Apply a completion the server chose: replace `[from, cursor)` with `text`. */
  applyCompletion(from: number, text: string): EditorEffect[] {
    if (!this.active) return [];
    const start = Math.max(0, Math.min(from, this.cursor));
    return this.replace(this.buffer.slice(0, start) + text + this.buffer.slice(this.cursor), start + text.length);
  }

  /** Print completion candidates under the line, then redraw it. */
  listCandidates(candidates: readonly string[]): EditorEffect[] {
    if (!this.active || candidates.length === 0) return [];
    const effects = this.moveTo(this.buffer.length);
    const width = Math.max(...candidates.map((c) => c.length)) + 2;
    const perRow = Math.max(1, Math.floor(this.columns / width));
    let listing = '\r\n';
    candidates.forEach((candidate, index) => {
      listing += candidate.padEnd(width);
      if ((index + 1) % perRow === 0 || index === candidates.length - 1) listing = `${listing.trimEnd()}\r\n`;
    });
    this.cursorRow = 0;
    effects.push({ type: 'write', data: listing + this.render() });
    return effects;
  }

  private submit(): EditorEffect[] {
    const effects = this.moveTo(this.buffer.length);
    const line = this.buffer;
    // A line that ends exactly at the right edge has already wrapped (see render): the cursor is
    // at the start of a fresh row, and another newline would leave a blank one.
    const endOffset = visibleLength(this.promptText) + line.length;
    const wrapped = endOffset > 0 && endOffset % this.columns === 0;
    effects.push({ type: 'write', data: wrapped ? '\r' : '\r\n' }, { type: 'submit', line });
    if (line.trim() !== '' && this.history[this.history.length - 1] !== line) {
      this.history.push(line);
      if (this.history.length > this.historyMax) this.history.shift();
    }
    this.active = false;
    this.buffer = '';
    this.cursor = 0;
    this.historyIndex = null;
    this.cursorRow = 0;
    return effects;
  }

  private historyStep(direction: -1 | 1): EditorEffect[] {
    if (this.history.length === 0) return [];
    if (this.historyIndex === null) {
      if (direction === 1) return [];
      this.draft = this.buffer;
      this.historyIndex = this.history.length - 1;
    } else {
      const next = this.historyIndex + direction;
      if (next < 0) return [];
      if (next >= this.history.length) {
        this.historyIndex = null;
        return this.replace(this.draft, this.draft.length);
      }
      this.historyIndex = next;
    }
    const entry = this.history[this.historyIndex] as string;
    return this.replace(entry, entry.length);
  }

  private wordStart(from: number): number {
    let i = from;
    while (i > 0 && this.buffer[i - 1] === ' ') i -= 1;
    while (i > 0 && this.buffer[i - 1] !== ' ') i -= 1;
    return i;
  }

  private wordEnd(from: number): number {
    let i = from;
    while (i < this.buffer.length && this.buffer[i] === ' ') i += 1;
    while (i < this.buffer.length && this.buffer[i] !== ' ') i += 1;
    return i;
  }

  private rowOf(offset: number): number {
    return Math.floor(offset / this.columns);
  }

  private moveTo(position: number): EditorEffect[] {
    const target = Math.max(0, Math.min(position, this.buffer.length));
    if (target === this.cursor) return [];
    this.cursor = target;
    return [{ type: 'write', data: this.placeCursor() }];
  }

  private replace(buffer: string, cursor: number): EditorEffect[] {
    this.buffer = buffer;
    this.cursor = cursor;
    return [{ type: 'write', data: this.render() }];
  }

  /**
   * Redraw from the first row of the prompt: go up to it, rewrite prompt and line, erase what
   * is left of the old line, and put the cursor back where it belongs.
   */
  private render(): string {
    let out = this.cursorRow > 0 ? `${CSI}${this.cursorRow}A\r` : '\r';
    out += this.promptText + this.buffer;
    const endOffset = visibleLength(this.promptText) + this.buffer.length;
    // At an exact multiple of the width the terminal waits to wrap; force the wrap so rows add up.
    if (endOffset > 0 && endOffset % this.columns === 0) out += ' \r';
    out += `${CSI}J`;
    this.cursorRow = this.rowOf(endOffset);
    return out + this.placeCursor();
  }

  private placeCursor(): string {
    const offset = visibleLength(this.promptText) + this.cursor;
    const row = this.rowOf(offset);
    const column = offset % this.columns;
    let out = '';
    if (row < this.cursorRow) out += `${CSI}${this.cursorRow - row}A`;
    if (row > this.cursorRow) out += `${CSI}${row - this.cursorRow}B`;
    out += `${CSI}${column + 1}G`;
    this.cursorRow = row;
    return out;
  }
}
