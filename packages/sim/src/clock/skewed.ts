import type { Clock, TimerHandle } from './clock';

/** How far a skewed clock may run from its base: 10 times slower to 10 times faster. */
export const SKEW_RATE_MIN = 0.1;
export const SKEW_RATE_MAX = 10;

/** A pending timer of a SkewedClock; it is also the handle `setTimer` returns. */
class SkewedTimer implements TimerHandle {
  base: TimerHandle | undefined = undefined;

  constructor(
    readonly dueMillis: number,
    readonly callback: () => void,
    private readonly pending: Set<SkewedTimer>,
  ) {}

  cancel(): void {
    this.base?.cancel();
    this.pending.delete(this);
  }
}

/**
 * One machine's clock as it drifts from the others: its own `now` (an offset from the base clock,
 * moving `rate` times as fast) and timers that fire by it. The simulator gives each member one over
 * the shared virtual clock to model clock skew (Jepsen's clock nemesis): a member whose clock runs
 * fast sends heartbeats and times out elections early, one whose clock runs slow does so late.
 * Time only moves forward: a rate change re-anchors and re-arms the pending timers.
 */
export class SkewedClock implements Clock {
  private readonly base: Clock;
  private rateValue: number;
  private anchorBaseMillis: number;
  private anchorLocalMillis: number;
  private readonly timers = new Set<SkewedTimer>();

  constructor(base: Clock, options: { rate?: number; offsetMillis?: number } = {}) {
    this.base = base;
    this.rateValue = SkewedClock.checkRate(options.rate ?? 1);
    this.anchorBaseMillis = base.now();
    this.anchorLocalMillis = this.anchorBaseMillis + (options.offsetMillis ?? 0);
  }

  private static checkRate(rate: number): number {
    if (!(rate >= SKEW_RATE_MIN && rate <= SKEW_RATE_MAX)) throw new RangeError(`SkewedClock: rate must be in [${SKEW_RATE_MIN}, ${SKEW_RATE_MAX}], got ${rate}`);
    return rate;
  }

  get rate(): number {
    return this.rateValue;
  }

  now(): number {
    return Math.floor(this.anchorLocalMillis + (this.base.now() - this.anchorBaseMillis) * this.rateValue);
  }

  setTimer(delayMillis: number, callback: () => void): TimerHandle {
    if (!(delayMillis >= 0) || !Number.isFinite(delayMillis)) throw new RangeError(`setTimer: delayMillis must be a finite number >= 0, got ${delayMillis}`);
    const timer = new SkewedTimer(this.now() + delayMillis, callback, this.timers);
    this.timers.add(timer);
    this.arm(timer);
    return timer;
  }

  /** Change how fast this clock runs from now on (its `now` does not jump). */
  setRate(rate: number): void {
    const checked = SkewedClock.checkRate(rate);
    const local = this.now();
    this.anchorBaseMillis = this.base.now();
    this.anchorLocalMillis = local;
    this.rateValue = checked;
    for (const timer of this.timers) {
      timer.base?.cancel();
      this.arm(timer);
    }
  }

  private arm(timer: SkewedTimer): void {
    const left = Math.max(0, timer.dueMillis - this.now());
    timer.base = this.base.setTimer(Math.ceil(left / this.rateValue), () => {
      if (!this.timers.has(timer)) return;
      // Rounding can leave the local clock a millisecond short: wait for it.
      if (this.now() < timer.dueMillis) {
        this.arm(timer);
        return;
      }
      this.timers.delete(timer);
      timer.callback();
    });
  }
}
