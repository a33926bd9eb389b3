import type { Clock, TimerHandle } from './clock';

/**
 * Wall-clock time and Node timers. A zero delay runs on the next turn of the event loop
 * (setImmediate): Node clamps `setTimeout(fn, 0)` to 1 ms, which would add a millisecond to every
 * "do this next" hop (a secondary's position update after its journal flush, for one).
 */
export class RealClock implements Clock {
  now(): number {
    return Date.now();
  }

  setTimer(delayMillis: number, callback: () => void): TimerHandle {
    if (!(delayMillis > 0)) {
      const immediate = setImmediate(callback);
      return { cancel: () => clearImmediate(immediate) };
    }
    const handle = setTimeout(callback, delayMillis);
    return { cancel: () => clearTimeout(handle) };
  }
}

interface ScaledTimer {
  atVirtualMillis: number;
  callback: (() => void) | null;
  handle: ReturnType<typeof setTimeout> | undefined;
}

export interface ScaledClockOptions {
  /** Virtual milliseconds per real millisecond; 1 is real time. */
  speed?: number;
  /** Where virtual time starts; defaults to the wall clock. */
  startMillis?: number;
  /** Largest speed accepted. */
  speedMax?: number;
}

/**
 * Real time multiplied by `speed`, pausable: the lesson's speed control. While paused, `now()`
 * stands still and no timer fires; changing speed re-arms pending timers at the new rate.
 */
export class ScaledClock implements Clock {
  private speedValue: number;
  private readonly speedMax: number;
  private pausedFlag = false;
  /** Virtual time at the last re-anchoring, and the real time it happened. */
  private anchorVirtualMillis: number;
  private anchorRealMillis: number;
  private timers = new Set<ScaledTimer>();

  constructor(options: ScaledClockOptions = {}) {
    this.speedMax = options.speedMax ?? 1000;
    this.speedValue = 1;
    this.setSpeedChecked(options.speed ?? 1);
    this.anchorRealMillis = Date.now();
    this.anchorVirtualMillis = options.startMillis ?? this.anchorRealMillis;
  }

  get speed(): number {
    return this.speedValue;
  }

  get paused(): boolean {
    return this.pausedFlag;
  }

  now(): number {
    if (this.pausedFlag) return this.anchorVirtualMillis;
    return this.anchorVirtualMillis + (Date.now() - this.anchorRealMillis) * this.speedValue;
  }

  setSpeed(speed: number): void {
    this.reanchor();
    this.setSpeedChecked(speed);
    this.rearmAll();
  }

  pause(): void {
    if (this.pausedFlag) return;
    this.reanchor();
    this.pausedFlag = true;
    for (const timer of this.timers) this.disarm(timer);
  }

  resume(): void {
    if (!this.pausedFlag) return;
    this.anchorRealMillis = Date.now();
    this.pausedFlag = false;
    this.rearmAll();
  }

  setTimer(delayMillis: number, callback: () => void): TimerHandle {
    const timer: ScaledTimer = { atVirtualMillis: this.now() + Math.max(0, delayMillis), callback, handle: undefined };
    this.timers.add(timer);
    if (!this.pausedFlag) this.arm(timer);
    return {
      cancel: () => {
        this.disarm(timer);
        timer.callback = null;
        this.timers.delete(timer);
      },
    };
  }

  private setSpeedChecked(speed: number): void {
    if (!(speed > 0) || speed > this.speedMax) throw new RangeError(`ScaledClock: speed must be in (0, ${this.speedMax}], got ${speed}`);
    this.speedValue = speed;
  }

  private reanchor(): void {
    this.anchorVirtualMillis = this.now();
    this.anchorRealMillis = Date.now();
  }

  private rearmAll(): void {
    for (const timer of this.timers) {
      this.disarm(timer);
      this.arm(timer);
    }
  }

  private arm(timer: ScaledTimer): void {
    const realDelay = Math.max(0, (timer.atVirtualMillis - this.now()) / this.speedValue);
    timer.handle = setTimeout(() => {
      timer.handle = undefined;
      if (this.pausedFlag) return;
      if (this.now() < timer.atVirtualMillis) {
        this.arm(timer);
        return;
      }
      this.timers.delete(timer);
      const callback = timer.callback;
      timer.callback = null;
      if (callback) callback();
    }, realDelay);
  }

  private disarm(timer: ScaledTimer): void {
    if (timer.handle !== undefined) clearTimeout(timer.handle);
    timer.handle = undefined;
  }
}
