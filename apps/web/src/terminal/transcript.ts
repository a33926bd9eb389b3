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
 */
export interface TranscriptChunk {
  /** Sandbox-clock millis when the page wrote `data` (never less than the chunk before). */
  at: number;
  data: string;
}

export class TerminalTranscript {
  private chunks: TranscriptChunk[] = [];
  private chars = 0;

  constructor(private readonly charsMax: number) {}

  /** Remember a write; a clock that stepped back (a branch, a reconnect) is held at the last time. */
  record(at: number, data: string): void {
    if (data === '') return;
    const last = this.chunks[this.chunks.length - 1];
    const stamped = last ? Math.max(last.at, at) : at;
    if (last && last.at === stamped) last.data += data;
    else this.chunks.push({ at: stamped, data });
    this.chars += data.length;
    // Drop the oldest writes past the cap (the xterm's own scrollback forgets them too).
    while (this.chars > this.charsMax && this.chunks.length > 1) {
      const dropped = this.chunks.shift() as TranscriptChunk;
      this.chars -= dropped.data.length;
    }
  }

  /** Forget everything (the terminal was reset from a snapshot). */
  clear(): void {
    this.chunks = [];
    this.chars = 0;
  }

  /** Everything written, for putting the live screen back. */
  all(): string {
    return this.chunks.map((chunk) => chunk.data).join('');
  }

  /** What had been written by sandbox time `at`, cut where a terminal can stop (see `safeCut`). */
  upTo(at: number): string {
    let text = '';
    for (const chunk of this.chunks) {
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
  let end = text.length;
  const lastCode = text.charCodeAt(end - 1);
  if (lastCode >= 0xd800 && lastCode <= 0xdbff) end -= 1;
  const esc = text.lastIndexOf('\x1b', end - 1);
  if (esc !== -1 && !escapeComplete(text.slice(esc, end))) end = esc;
  return text.slice(0, end);
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
