import { appendTimed, type ScrollbackChunk } from '@rslab/protocol';

/**
 * What a terminal tab printed, each write with the sandbox time it was printed at (issue 19): a
 * page that loads later (a reload, a reconnect, a room attendee who joins late) gets these times
 * in the tab snapshot, so its rewound terminal and its saved replays show output from before it
 * loaded at the moment it happened, not at the moment the page heard of it.
 *
 * Bounded like the plain scrollback was: at most `charsMax` characters of text in all, the oldest
 * dropped, cut after a line break so a redrawn screen does not start mid-line. Writes with the same
 * time share a chunk. A shell's `clear` is kept as its escape sequence (see `clearScreenSequence`),
 * not as forgetting. Pure: the caller passes the time of each write.
 */
export class TimedScrollback {
  private readonly list: ScrollbackChunk[] = [];
  private chars = 0;

  constructor(private readonly charsMax: number) {}

  /** Remember `data` printed at sandbox time `at`; a time before the last write's is held at it (times never go back). */
  append(at: number, data: string): void {
    this.chars += appendTimed(this.list, at, data);
    if (this.chars > this.charsMax) this.dropOldest(this.chars - this.charsMax);
  }

  /** The writes kept, oldest first (copies). */
  chunks(): ScrollbackChunk[] {
    return this.list.map((chunk) => ({ ...chunk }));
  }

  /** All the text kept. */
  text(): string {
    return this.list.map((chunk) => chunk.data).join('');
  }

  /** Characters kept. */
  get size(): number {
    return this.chars;
  }

  /**
   * Drop at least `excess` characters from the front: up to and including the first line break at
   * or after that point, or exactly `excess` when no line break follows it.
   */
  private dropOldest(excess: number): void {
    const cut = this.cutAfter(excess);
    let remaining = cut;
    while (remaining > 0) {
      const first = this.list[0] as ScrollbackChunk;
      if (first.data.length <= remaining) {
        this.list.shift();
        remaining -= first.data.length;
      } else {
        first.data = first.data.slice(remaining);
        remaining = 0;
      }
    }
    this.chars -= cut;
  }

  /** How many characters to drop: through the first '\n' at offset `excess` or later, else `excess`. */
  private cutAfter(excess: number): number {
    let offset = 0;
    for (const chunk of this.list) {
      const end = offset + chunk.data.length;
      if (end > excess) {
        const newline = chunk.data.indexOf('\n', Math.max(0, excess - offset));
        if (newline !== -1) return offset + newline + 1;
      }
      offset = end;
    }
    return excess;
  }
}
