import { appendTimed } from '@rslab/protocol';
import { toTerminalNewlines } from './text';

/**
 * What a terminal drew, with the sandbox time of each write, so the page can show the terminal as
 * it was at a past moment (issue 19) and then put the live screen back exactly.
 *
 * Source of truth: the page, not the server's transcript. Python runs in this page (Pyodide) and
 * its output reaches the xterm without passing through the server's scrollback, and the line
 * editor's echo (the typed and half-typed lines) exists only here. Recording the very bytes the
 * page wrote to its xterm, and replaying a prefix of them into a reset terminal, reproduces the
 * screen of that moment with nothing guessed. Each write is stamped with the sandbox clock as the
 * page last heard it (the live cluster's `at`), the same clock the "Timeline position" slider uses.
 *
 * Before this page loaded (a reload, a reconnect, a room attendee joining late) the server's timed
 * scrollback is the record: `seed` starts the transcript from the tab snapshot's chunks, each at
 * the sandbox time the server printed it (see TerminalController.load for what that gives up).
 */
export interface TranscriptChunk {
  /** Sandbox-clock millis when the page wrote `data` (never less than the chunk before). */
  at: number;
  data: string;
}

/**
 * A tab snapshot's timed scrollback as the page writes it: the server keeps the shell's '\n', the
 * xterm needs '\r\n' (converted per write; a '\r' ending one write stays a harmless carriage return).
 */
export function transcriptFromScrollback(scrollback: readonly TranscriptChunk[]): TranscriptChunk[] {
  return scrollback.map((chunk) => ({ at: chunk.at, data: toTerminalNewlines(chunk.data) }));
}

export class TerminalTranscript {
  private list: TranscriptChunk[] = [];
  private chars = 0;

  constructor(private readonly charsMax: number) {}

  /** Remember a write; a clock that stepped back (a branch, a reconnect) is held at the last time. */
  record(at: number, data: string): void {
    this.chars += appendTimed(this.list, at, data);
    // Drop the oldest writes past the cap (the xterm's own scrollback forgets them too).
    while (this.chars > this.charsMax && this.list.length > 1) {
      const dropped = this.list.shift() as TranscriptChunk;
      this.chars -= dropped.data.length;
    }
  }

  /** Forget everything. */
  clear(): void {
    this.list = [];
    this.chars = 0;
  }

  /**
   * Start over from the server's timed scrollback (a page load, a reconnect, a room join): what
   * this page recorded before is dropped, and each write keeps the time the server printed it at,
   * so the past shows output from before this page loaded at its own moment. The cap and the
   * never-going-back rule apply as to `record`.
   */
  seed(chunks: readonly TranscriptChunk[]): void {
    this.clear();
    for (const chunk of chunks) this.record(chunk.at, chunk.data);
  }

  /** The timed writes kept, oldest first (a copy: what "Save replay" sends). */
  chunks(): TranscriptChunk[] {
    return this.list.map((chunk) => ({ ...chunk }));
  }

  /** Everything written, for putting the live screen back. */
  all(): string {
    return this.list.map((chunk) => chunk.data).join('');
  }

  /** What had been written by sandbox time `at`, cut where a terminal can stop (see `safeCut`). */
  upTo(at: number): string {
    let text = '';
    for (const chunk of this.list) {
      if (chunk.at > at) break;
      text += chunk.data;
    }
    return safeCut(text);
  }

  get size(): number {
    return this.chars;
  }
}

/**
 * `text` without an unfinished end: a shell may send an escape sequence (a colour, a cursor move)
 * or a surrogate pair split over two writes, and a cut between them would leave the past screen in
 * a half-parsed state (or eat the banner the page writes after it). Drops a trailing lone high
 * surrogate and a trailing ESC sequence that has not reached its final byte.
 */
export function safeCut(text: string): string {
  return text.slice(0, safeEnd(text, text.length));
}

/** Where `text.slice(0, end)` can safely stop (see `safeCut`): `end` or a little before it. */
export function safeEnd(text: string, end: number): number {
  const lastCode = text.charCodeAt(end - 1);
  if (lastCode >= 0xd800 && lastCode <= 0xdbff) end -= 1;
  const esc = end > 0 ? text.lastIndexOf('\x1b', end - 1) : -1;
  if (esc !== -1 && !escapeComplete(text.slice(esc, end))) end = esc;
  return end;
}

/**
 * A saved terminal (a replay's, issue 19) played to a moment: `update(at)` says what to write to
 * a read-only xterm so it shows what had been drawn by sandbox time `at`. Moving forward writes
 * only what is new (a play at 10× redraws nothing); moving back resets and writes the prefix.
 */
export class TranscriptPlayback {
  private readonly text: string;
  /** Where each chunk ends in `text`, and its time. */
  private readonly ends: number[] = [];
  private readonly ats: number[] = [];
  /** How much of `text` the xterm shows now. */
  private written = 0;

  constructor(chunks: readonly TranscriptChunk[]) {
    let length = 0;
    for (const chunk of chunks) {
      length += chunk.data.length;
      this.ends.push(length);
      this.ats.push(chunk.at);
    }
    this.text = chunks.map((chunk) => chunk.data).join('');
  }

  /** How much of the text had been drawn by `at`, cut where a terminal can stop. */
  lengthAt(at: number): number {
    let lo = 0;
    let hi = this.ats.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((this.ats[mid] as number) <= at) lo = mid + 1;
      else hi = mid;
    }
    return lo === 0 ? 0 : safeEnd(this.text, this.ends[lo - 1] as number);
  }

  /** What to write for the terminal to show moment `at`; `reset` first when it went back. */
  update(at: number): { reset: boolean; data: string } {
    const target = this.lengthAt(at);
    const reset = target < this.written;
    const data = this.text.slice(reset ? 0 : this.written, target);
    this.written = target;
    return { reset, data };
  }

  /** The xterm was reset from outside (a remount): the next update writes from the start. */
  restart(): void {
    this.written = 0;
  }
}

/** Whether `sequence` (starting with ESC) is a whole escape sequence. */
function escapeComplete(sequence: string): boolean {
  if (sequence.length < 2) return false;
  const kind = sequence[1] as string;
  if (kind === '[') {
    // CSI: parameter and intermediate bytes (0x20-0x3f), then one final byte 0x40-0x7e.
    for (let i = 2; i < sequence.length; i++) {
      const code = sequence.charCodeAt(i);
      if (code >= 0x40 && code <= 0x7e) return true;
      if (code < 0x20 || code > 0x3f) return true; // not a CSI after all: nothing to wait for
    }
    return false;
  }
  if (kind === ']') {
    // OSC: ends with BEL or ESC \.
    return sequence.includes('\x07') || sequence.includes('\x1b\\', 2);
  }
  // Two-byte sequences (ESC 7, ESC c…); ESC ( and the like take one more byte.
  if ('()*+#%'.includes(kind)) return sequence.length >= 3;
  return true;
}
