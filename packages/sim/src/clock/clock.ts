/**
 * Time for the simulation. Real, scaled/pausable, or virtual (advanced by tests). Nothing else in
 * the package may call `Date.now`, `setTimeout` or `setInterval`.
 */
export interface TimerHandle {
  cancel(): void;
}

export interface Clock {
  /** Milliseconds since the Unix epoch, as this clock sees it. */
  now(): number;
  /** Run `callback` once after `delayMillis` of this clock's time. */
  setTimer(delayMillis: number, callback: () => void): TimerHandle;
}

/** Resolve after `millis` of `clock`'s time, or at once when `signal` aborts (a closed connection). */
export function sleepOn(clock: Clock, millis: number, signal: AbortSignal): Promise<void> {
  if (!(millis > 0) || signal.aborted) return Promise.resolve();
  return new Promise<void>((resolve) => {
    const done = (): void => {
      timer.cancel();
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = clock.setTimer(millis, done);
    signal.addEventListener('abort', done);
  });
}
