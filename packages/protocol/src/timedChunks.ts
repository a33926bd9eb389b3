/** One write with the sandbox-clock millis it was made at (a terminal's scrollback, a page's transcript). */
export interface TimedChunk {
  at: number;
  data: string;
}

/**
 * Add `data` written at `at` to `list` (oldest first), for the server's scrollback and the page's
 * transcript alike (issue 19): a time before the last write's is held at it, so later output never
 * lands in the past when a clock steps back (a branch, a reconnect), and writes of the same time
 * share a chunk. Empty writes are dropped. Returns the characters added.
 */
export function appendTimed(list: TimedChunk[], at: number, data: string): number {
  if (data === '') return 0;
  const last = list[list.length - 1];
  const stamped = last ? Math.max(last.at, at) : at;
  if (last && last.at === stamped) last.data += data;
  else list.push({ at: stamped, data });
  return data.length;
}

/**
 * What clears a terminal: cursor home, erase the screen and the terminal's own scrollback. The page
 * writes it for the shell's `clear`, and the server's timed scrollback records it in place of
 * forgetting what came before, so the past before a `clear` can still be shown after a reload.
 */
export const clearScreenSequence = '\x1b[H\x1b[2J\x1b[3J';
