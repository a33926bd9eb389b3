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
