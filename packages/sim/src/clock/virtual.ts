import type { Clock, TimerHandle } from './clock';

/** 2026-01-01T00:00:00Z: where virtual time starts unless told otherwise. */
export const VIRTUAL_EPOCH_MILLIS = 1_767_225_600_000;

/** One scheduled timer; it is also the handle `setTimer` returns (no closure or object per call). */
class Timer implements TimerHandle {
  constructor(
    readonly atMillis: number,
    /** Insertion order: timers due at the same instant fire in the order they were set. */
    readonly seq: number,
    public callback: (() => void) | null,
  ) {}

  cancel(): void {
    this.callback = null;
  }
}

/** Awaited between timers by the async run methods so promise chains settle; see realYield.ts. */
export type YieldFn = () => Promise<void>;

/** Microtask hops `drainMicrotasks` waits. Chains a timer starts here finish within 6 (the simulator gives identical digests at 6, 16 and 48). */
export const MICROTASK_DRAIN_DEPTH = 16;

/**
 * Let pending promise continuations run by awaiting `depth` resolved promises: much cheaper than a
 * macrotask, and as deterministic (only this process's own microtasks are involved). A chain
 * deeper than `depth` simply continues after the next timer.
 */
export async function drainMicrotasks(depth: number = MICROTASK_DRAIN_DEPTH): Promise<void> {
  for (let i = 0; i < depth; i++) await undefined;
}

/**
 * A clock that only moves when told to. Timers live in a binary heap ordered by (due time,
 * insertion order), so the same sequence of calls always fires timers in the same order.
 */
export class VirtualClock implements Clock {
  private nowMillis: number;
  private heap: Timer[] = [];
  private seq = 0;
  private firedCount = 0;

  constructor(startMillis: number = VIRTUAL_EPOCH_MILLIS) {
    if (!Number.isFinite(startMillis)) throw new RangeError(`VirtualClock: bad start ${startMillis}`);
    this.nowMillis = startMillis;
  }

  now(): number {
    return this.nowMillis;
  }

  /** Number of timers that have fired so far (a cheap progress/throughput measure). */
  get timersFired(): number {
    return this.firedCount;
  }

  /** Timers still scheduled (cancelled ones are removed lazily and may be counted until popped). */
  get pendingTimers(): number {
    return this.heap.length;
  }

  setTimer(delayMillis: number, callback: () => void): TimerHandle {
    if (!(delayMillis >= 0) || !Number.isFinite(delayMillis)) {
      throw new RangeError(`setTimer: delayMillis must be a finite number >= 0, got ${delayMillis}`);
    }
    const timer = new Timer(this.nowMillis + delayMillis, this.seq++, callback);
    this.push(timer);
    return timer;
  }

  /** When the next live timer is due, or undefined when none is. */
  nextTimerMillis(): number | undefined {
    this.dropCancelledTop();
    return this.heap[0]?.atMillis;
  }

  /** Fire, synchronously, every timer due up to `now + millis`, then set the clock there. */
  advance(millis: number): void {
    if (!(millis >= 0)) throw new RangeError(`advance: millis must be >= 0, got ${millis}`);
    this.runUntil(this.nowMillis + millis);
  }

  runUntil(targetMillis: number): void {
    if (targetMillis < this.nowMillis) throw new RangeError(`runUntil: ${targetMillis} is in the past (now ${this.nowMillis})`);
    for (;;) {
      const timer = this.popDue(targetMillis);
      if (!timer) break;
      this.fire(timer);
    }
    this.nowMillis = targetMillis;
  }

  /**
   * Like `advance`, but awaits `yieldFn` after every timer so that promise continuations
   * (async command handlers, transports) run before the next timer: deterministic, since
   * nothing but this clock schedules work.
   */
  async advanceAsync(millis: number, yieldFn: YieldFn): Promise<void> {
    if (!(millis >= 0)) throw new RangeError(`advanceAsync: millis must be >= 0, got ${millis}`);
    await this.runUntilAsync(this.nowMillis + millis, yieldFn);
  }

  async runUntilAsync(targetMillis: number, yieldFn: YieldFn): Promise<void> {
    if (targetMillis < this.nowMillis) throw new RangeError(`runUntilAsync: ${targetMillis} is in the past (now ${this.nowMillis})`);
    await yieldFn();
    for (;;) {
      const timer = this.popDue(targetMillis);
      if (!timer) break;
      this.fire(timer);
      await yieldFn();
    }
    this.nowMillis = targetMillis;
  }

  /**
   * Advance (async) until `predicate()` holds, checking after every timer; gives up at
   * `now + limitMillis`. Returns whether the predicate became true.
   */
  async runUntilTrue(predicate: () => boolean, limitMillis: number, yieldFn: YieldFn): Promise<boolean> {
    const deadline = this.nowMillis + limitMillis;
    await yieldFn();
    if (predicate()) return true;
    for (;;) {
      const timer = this.popDue(deadline);
      if (!timer) break;
      this.fire(timer);
      await yieldFn();
      if (predicate()) return true;
    }
    this.nowMillis = deadline;
    return predicate();
  }

  private fire(timer: Timer): void {
    const callback = timer.callback;
    timer.callback = null;
    this.nowMillis = timer.atMillis;
    this.firedCount++;
    if (callback) callback();
  }

  private dropCancelledTop(): void {
    while (this.heap.length > 0 && this.heap[0]!.callback === null) this.pop();
  }

  private popDue(targetMillis: number): Timer | undefined {
    this.dropCancelledTop();
    const top = this.heap[0];
    if (!top || top.atMillis > targetMillis) return undefined;
    return this.pop();
  }

  private less(a: Timer, b: Timer): boolean {
    return a.atMillis < b.atMillis || (a.atMillis === b.atMillis && a.seq < b.seq);
  }

  private push(timer: Timer): void {
    const heap = this.heap;
    heap.push(timer);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(heap[i]!, heap[parent]!)) break;
      [heap[i], heap[parent]] = [heap[parent]!, heap[i]!];
      i = parent;
    }
  }

  private pop(): Timer | undefined {
    const heap = this.heap;
    const top = heap[0];
    const last = heap.pop();
    if (heap.length > 0 && last) {
      heap[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < heap.length && this.less(heap[l]!, heap[m]!)) m = l;
        if (r < heap.length && this.less(heap[r]!, heap[m]!)) m = r;
        if (m === i) break;
        [heap[i], heap[m]] = [heap[m]!, heap[i]!];
        i = m;
      }
    }
    return top;
  }
}
