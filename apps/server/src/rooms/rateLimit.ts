/** Whether a key may try now, and if not for how long it must wait. */
export type AttemptVerdict = { allowed: true } | { allowed: false; retryAfterSeconds: number };

/**
 * Failed attempts per key (an IP address) in a fixed window: a key that failed `attemptsMax` times
 * is blocked until its window ends. Only failures count, so a class behind one NAT address can
 * all join, while guessing codes from it stops after a handful of tries. Bounded: at most `keysMax` keys are
 * remembered; when full, expired windows are dropped first, then the oldest.
 */
export class AttemptLimiter {
  private readonly windows = new Map<string, { startedAt: number; count: number }>();

  constructor(
    private readonly attemptsMax: number,
    private readonly windowMillis: number,
    private readonly now: () => number = Date.now,
    private readonly keysMax = 100_000,
  ) {}

  /** Whether `key` may try now, without counting anything. */
  check(key: string): AttemptVerdict {
    const now = this.now();
    const window = this.windows.get(key);
    if (!window || now - window.startedAt >= this.windowMillis || window.count < this.attemptsMax) return { allowed: true };
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((window.startedAt + this.windowMillis - now) / 1000)) };
  }

  /** Count one failed attempt. */
  fail(key: string): void {
    this.attempt(key);
  }

  /** Count one attempt; when over the limit, how many seconds until the window ends. */
  attempt(key: string): { allowed: true } | { allowed: false; retryAfterSeconds: number } {
    const now = this.now();
    let window = this.windows.get(key);
    if (!window || now - window.startedAt >= this.windowMillis) {
      this.windows.delete(key);
      this.makeRoom(now);
      window = { startedAt: now, count: 0 };
      this.windows.set(key, window);
    }
    window.count += 1;
    if (window.count <= this.attemptsMax) return { allowed: true };
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((window.startedAt + this.windowMillis - now) / 1000)) };
  }

  private makeRoom(now: number): void {
    if (this.windows.size < this.keysMax) return;
    for (const [key, window] of this.windows) if (now - window.startedAt >= this.windowMillis) this.windows.delete(key);
    while (this.windows.size >= this.keysMax) {
      const oldest = this.windows.keys().next().value;
      if (oldest === undefined) break;
      this.windows.delete(oldest);
    }
  }
}
