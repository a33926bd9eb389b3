import type { Clock, TimerHandle } from '../clock/clock';

/**
 * The coordinator's timers on the injected clock: every one is tracked so that stopping the member
 * cancels them all, and a callback never runs once stopped. Named timers (the topology core's
 * election, catch-up, liveness... timers) are armed at most once: arming again replaces the old one.
 */
export class Timers {
  private readonly clock: Clock;
  private readonly handles = new Set<TimerHandle>();
  private readonly named = new Map<string, TimerHandle>();
  private stopped = false;

  constructor(clock: Clock) {
    this.clock = clock;
  }

  now(): number {
    return this.clock.now();
  }

  /** Run `callback` after `delayMillis` (negative counts as 0), unless stopped first. */
  set(delayMillis: number, callback: () => void): TimerHandle {
    const handle = this.clock.setTimer(Math.max(0, delayMillis), () => {
      this.handles.delete(handle);
      if (!this.stopped) callback();
    });
    this.handles.add(handle);
    return {
      cancel: () => {
        handle.cancel();
        this.handles.delete(handle);
      },
    };
  }

  /** Resolves after `millis`; never, once stopped. */
  sleep(millis: number): Promise<void> {
    return new Promise((resolve) => this.set(millis, resolve));
  }

  /** (Re)arm the timer called `name`. */
  arm(name: string, delayMillis: number, callback: () => void): void {
    this.named.get(name)?.cancel();
    const handle = this.set(delayMillis, () => {
      if (this.named.get(name) === handle) this.named.delete(name);
      callback();
    });
    this.named.set(name, handle);
  }

  cancel(name: string): void {
    this.named.get(name)?.cancel();
    this.named.delete(name);
  }

  stopAll(): void {
    this.stopped = true;
    for (const handle of this.handles) handle.cancel();
    this.handles.clear();
    this.named.clear();
  }
}

/**
 * Where a waiting command gets its AbortSignal from (its CommandRequest): read only when it
 * actually waits, since a peer request makes its signal on first read (member/transport.ts).
 */
export interface SignalSource {
  readonly signal: AbortSignal;
}

/**
 * Callers waiting for something to change (awaitable hello, a tailing getMore): each waits until
 * `wakeAll`, its time runs out, or its signal aborts.
 */
export class WakeList {
  private readonly waiters = new Set<() => void>();

  get size(): number {
    return this.waiters.size;
  }

  wait(timers: Timers, maxMillis: number, signal: AbortSignal | undefined): Promise<void> {
    return new Promise((resolve) => {
      let finished = false;
      const done = (): void => {
        if (finished) return;
        finished = true;
        this.waiters.delete(done);
        timer.cancel();
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = timers.set(maxMillis, done);
      this.waiters.add(done);
      signal?.addEventListener('abort', done);
    });
  }

  wakeAll(): void {
    for (const wake of [...this.waiters]) wake();
  }
}
