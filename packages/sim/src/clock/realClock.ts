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

/** One timer of a ScaledClock, and its own handle: a timer costs one object, not a handle and a closure besides. */
export class ScaledTimer implements TimerHandle {
  handle: ReturnType<typeof setTimeout> | undefined = undefined;
  constructor(
    private readonly clock: ScaledClock,
    readonly atVirtualMillis: number,
    public callback: (() => void) | null,
  ) {}

  cancel(): void {
    this.clock.forget(this);
  }
}

/**
 * Where a scaled clock stands: virtual time `virtualMillis` at wall time `wallMillis` (Date.now()),
 * from which it runs at `speed` virtual ms per wall ms, or stands still while `paused`. Two clocks
 * with one reading read the same time at every wall instant.
 */
export interface ClockReading {
  virtualMillis: number;
  wallMillis: number;
  speed: number;
  paused: boolean;
}

/** The virtual time `reading` gives at wall time `wallMillis`. */
export function virtualAt(reading: ClockReading, wallMillis: number): number {
  return reading.paused ? reading.virtualMillis : reading.virtualMillis + (wallMillis - reading.wallMillis) * reading.speed;
}

/** `next` as a reading taken at `wallMillis` (the same clock, re-anchored there). */
function rebased(next: ClockReading, wallMillis: number): ClockReading {
  return { virtualMillis: virtualAt(next, wallMillis), wallMillis, speed: next.speed, paused: next.paused };
}

/** Four float64s (virtual, wall, speed, paused) after an int32 sequence number, padded to 8. */
const sharedAnchorBytes = 8 + 4 * 8;

/**
 * A clock reading in a SharedArrayBuffer, so a clock on another thread reads the very anchor its
 * owner wrote, at once, with no message to wait for. One thread writes (the owner's ScaledClock),
 * any may read. A sequence lock keeps a reader from seeing half a write: the sequence is odd while
 * a write is under way. The writer takes its wall time inside the lock and a reader takes its own
 * inside too, so a reader that saw the old anchor read the wall clock no later than the writer
 * did: the new anchor, continuous with the old at the writer's instant, never reads earlier.
 */
export class SharedClockAnchor {
  readonly buffer: SharedArrayBuffer;
  private readonly sequence: Int32Array;
  private readonly values: Float64Array;

  constructor(buffer: SharedArrayBuffer = new SharedArrayBuffer(sharedAnchorBytes)) {
    if (buffer.byteLength !== sharedAnchorBytes) throw new RangeError(`SharedClockAnchor: the buffer must be ${sharedAnchorBytes} bytes, got ${buffer.byteLength}`);
    this.buffer = buffer;
    this.sequence = new Int32Array(buffer, 0, 1);
    this.values = new Float64Array(buffer, 8, 4);
  }

  /** How many readings were written (a newer reading has a higher version). */
  get version(): number {
    return Atomics.load(this.sequence, 0) >>> 1;
  }

  /**
   * The virtual time now, read as `load()` reads (the anchor and the wall clock together) but with
   * nothing allocated: a following clock's `now()` runs for every timer and every oplog entry, and
   * the objects `load()` makes were a fifth of what a sandbox worker allocated.
   */
  virtualNow(): number {
    for (;;) {
      const before = Atomics.load(this.sequence, 0);
      if ((before & 1) === 1) continue;
      const wallMillis = Date.now();
      const virtual = this.values[3] === 1 ? (this.values[0] as number) : (this.values[0] as number) + (wallMillis - (this.values[1] as number)) * (this.values[2] as number);
      if (Atomics.load(this.sequence, 0) === before) return virtual;
    }
  }

  /** The anchor's speed now (no allocation). */
  speedNow(): number {
    return this.loadValue(2);
  }

  /** Whether the anchor stands still now (no allocation). */
  pausedNow(): boolean {
    return this.loadValue(3) === 1;
  }

  /** One of the anchor's values, read under the sequence lock (a float64 may tear between threads). */
  private loadValue(index: number): number {
    for (;;) {
      const before = Atomics.load(this.sequence, 0);
      if ((before & 1) === 1) continue;
      const value = this.values[index] as number;
      if (Atomics.load(this.sequence, 0) === before) return value;
    }
  }

  /** The anchor and the wall time, read together (see the class comment). */
  load(): { reading: ClockReading; wallMillis: number; version: number } {
    for (;;) {
      const before = Atomics.load(this.sequence, 0);
      if ((before & 1) === 1) continue;
      const wallMillis = Date.now();
      const reading = { virtualMillis: this.values[0] as number, wallMillis: this.values[1] as number, speed: this.values[2] as number, paused: this.values[3] === 1 };
      if (Atomics.load(this.sequence, 0) === before) return { reading, wallMillis, version: before >>> 1 };
    }
  }

  /** Write the reading `next` makes of the wall time now (the writer's thread only). */
  store(next: (wallMillis: number) => ClockReading): ClockReading {
    Atomics.add(this.sequence, 0, 1);
    try {
      const reading = next(Date.now());
      this.values[0] = reading.virtualMillis;
      this.values[1] = reading.wallMillis;
      this.values[2] = reading.speed;
      this.values[3] = reading.paused ? 1 : 0;
      return reading;
    } finally {
      Atomics.add(this.sequence, 0, 1);
    }
  }
}

export interface ScaledClockOptions {
  /** Virtual milliseconds per real millisecond; 1 is real time. */
  speed?: number;
  /** Where virtual time starts; defaults to the wall clock. */
  startMillis?: number;
  /** Start exactly at this reading instead (`speed` and `startMillis` are then ignored). */
  reading?: ClockReading;
  /** Largest speed accepted. */
  speedMax?: number;
  /** Keep the anchor here, so clocks on other threads can follow this one (`ScaledClock.following`). */
  share?: SharedClockAnchor;
}

/** Thrown when a clock would read an earlier time than it already has. */
export class ClockWentBackError extends Error {
  override readonly name = 'ClockWentBackError';
}

/**
 * Real time multiplied by `speed`, pausable: the lesson's speed control. While paused, `now()`
 * stands still and no timer fires; changing speed re-arms pending timers at the new rate.
 *
 * The clock is its reading (see `ClockReading`), kept in the object or in a `SharedClockAnchor`.
 * A clock made with `ScaledClock.following(anchor)` reads the anchor another thread's clock keeps
 * there, so both read the same time at every instant; `sync()` re-arms its timers after a change
 * (a timer armed at the old rate fires early and re-arms itself, or fires late until then).
 * Changing a following clock here ends the following: from then on it runs on its own.
 */
export class ScaledClock implements Clock {
  private readonly speedMax: number;
  private local: ClockReading;
  private shared: SharedClockAnchor | null;
  private follows: boolean;
  private timers = new Set<ScaledTimer>();

  constructor(options: ScaledClockOptions = {}) {
    this.speedMax = options.speedMax ?? 1000;
    const wallMillis = Date.now();
    const reading = options.reading ?? { virtualMillis: options.startMillis ?? wallMillis, wallMillis, speed: options.speed ?? 1, paused: false };
    this.checkSpeed(reading.speed);
    this.local = { ...reading };
    this.shared = options.share ?? null;
    this.follows = false;
    this.shared?.store(() => reading);
  }

  /** A clock that reads the anchor another thread's clock keeps in `anchor` (see the class comment). */
  static following(anchor: SharedClockAnchor, options: { speedMax?: number } = {}): ScaledClock {
    const clock = new ScaledClock({ ...options, reading: anchor.load().reading });
    clock.shared = anchor;
    clock.follows = true;
    return clock;
  }

  /** Whether this clock still reads another thread's anchor. */
  get following(): boolean {
    return this.follows;
  }

  get speed(): number {
    if (this.follows && this.shared) return this.shared.speedNow();
    return this.local.speed;
  }

  get paused(): boolean {
    if (this.follows && this.shared) return this.shared.pausedNow();
    return this.local.paused;
  }

  now(): number {
    if (this.follows && this.shared) return this.shared.virtualNow();
    return virtualAt(this.local, Date.now());
  }

  /** The reading this clock was last anchored at (what its owner wrote, for a following clock): equal anchors, equal clocks. */
  get anchor(): ClockReading {
    return { ...this.current().reading };
  }

  /** Where this clock stands, as a reading taken now. */
  reading(): ClockReading {
    const { reading, wallMillis } = this.current();
    return rebased(reading, wallMillis);
  }

  setSpeed(speed: number): void {
    this.checkSpeed(speed);
    this.change((now) => ({ ...now, speed }));
    this.rearmAll();
  }

  pause(): void {
    if (this.paused && !this.follows) return;
    this.change((now) => ({ ...now, paused: true }));
    for (const timer of this.timers) this.disarm(timer);
  }

  resume(): void {
    if (!this.paused && !this.follows) return;
    this.change((now) => ({ ...now, paused: false }));
    this.rearmAll();
  }

  /**
   * Take `reading` as this clock's own, exactly (another clock's, sent here): from now on this clock
   * reads what that one does. Virtual time never goes back: a reading that reads earlier than this
   * clock does now throws `ClockWentBackError` and changes nothing.
   */
  adopt(reading: ClockReading): void {
    this.checkSpeed(reading.speed);
    this.change((now) => {
      const ahead = now.virtualMillis - virtualAt(reading, now.wallMillis);
      if (ahead > 0) throw new ClockWentBackError(`ScaledClock: adopting ${JSON.stringify(reading)} would set the time back ${ahead} ms`);
      return { ...reading };
    });
    if (this.paused) for (const timer of this.timers) this.disarm(timer);
    else this.rearmAll();
  }

  /** A following clock: the anchor changed (at least to `version`), so re-arm the timers at its rate. Returns the anchor's version and reading. */
  sync(version = 0): { version: number; anchor: ClockReading } {
    if (!this.follows || !this.shared) throw new Error('ScaledClock.sync: this clock follows no anchor');
    const found = this.shared.load();
    if (found.version < version) throw new Error(`ScaledClock.sync: the shared anchor is at version ${found.version}, older than ${version}`);
    if (found.reading.paused) for (const timer of this.timers) this.disarm(timer);
    else this.rearmAll();
    return { version: found.version, anchor: found.reading };
  }

  setTimer(delayMillis: number, callback: () => void): TimerHandle {
    const timer = new ScaledTimer(this, this.now() + Math.max(0, delayMillis), callback);
    this.timers.add(timer);
    if (!this.paused) this.arm(timer);
    return timer;
  }

  /** A timer cancelled: it never fires (its handle's `cancel`). */
  forget(timer: ScaledTimer): void {
    this.disarm(timer);
    timer.callback = null;
    this.timers.delete(timer);
  }

  private current(): { reading: ClockReading; wallMillis: number } {
    if (this.follows && this.shared) return this.shared.load();
    return { reading: this.local, wallMillis: Date.now() };
  }

  /** Re-anchor at the wall time now with what `next` makes of the reading then; a following clock stops following. */
  private change(next: (now: ClockReading) => ClockReading): void {
    if (this.follows) {
      // From here on this clock runs on its own, from where the anchor stands now.
      this.local = this.reading();
      this.follows = false;
      this.shared = null;
    }
    const make = (wallMillis: number): ClockReading => next(rebased(this.local, wallMillis));
    this.local = this.shared ? this.shared.store(make) : make(Date.now());
  }

  private checkSpeed(speed: number): void {
    if (!(speed > 0) || speed > this.speedMax) throw new RangeError(`ScaledClock: speed must be in (0, ${this.speedMax}], got ${speed}`);
  }

  private rearmAll(): void {
    for (const timer of this.timers) {
      this.disarm(timer);
      this.arm(timer);
    }
  }

  private arm(timer: ScaledTimer): void {
    const realDelay = Math.max(0, (timer.atVirtualMillis - this.now()) / this.speed);
    timer.handle = setTimeout(() => {
      timer.handle = undefined;
      if (this.paused) return;
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
