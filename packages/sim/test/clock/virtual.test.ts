import { afterEach, describe, expect, it, vi } from 'vitest';
import { VirtualClock, drainMicrotasks } from '../../src/clock/virtual';
import { ClockWentBackError, ScaledClock, SharedClockAnchor } from '../../src/clock/realClock';

describe('VirtualClock', () => {
  it('fires timers in due order, same-instant timers in insertion order, and skips cancelled ones', () => {
    const clock = new VirtualClock(1000);
    const fired: string[] = [];
    clock.setTimer(20, () => fired.push('b'));
    clock.setTimer(10, () => fired.push('a'));
    clock.setTimer(20, () => fired.push('c'));
    const cancelled = clock.setTimer(15, () => fired.push('x'));
    cancelled.cancel();
    clock.advance(19);
    expect(fired).toEqual(['a']);
    expect(clock.now()).toBe(1019);
    clock.advance(1);
    expect(fired).toEqual(['a', 'b', 'c']);
    expect(clock.nextTimerMillis()).toBeUndefined();
  });

  it('shows each timer its own due time and runs timers set by timers', () => {
    const clock = new VirtualClock(0);
    const seen: number[] = [];
    clock.setTimer(5, () => {
      seen.push(clock.now());
      clock.setTimer(5, () => seen.push(clock.now()));
    });
    clock.runUntil(100);
    expect(seen).toEqual([5, 10]);
    expect(clock.now()).toBe(100);
  });

  it('refuses time travel and bad delays', () => {
    const clock = new VirtualClock(50);
    expect(() => clock.runUntil(10)).toThrow(RangeError);
    expect(() => clock.setTimer(-1, () => undefined)).toThrow(RangeError);
    expect(() => clock.setTimer(Number.NaN, () => undefined)).toThrow(RangeError);
  });

  it('async runs let promise chains started by a timer finish before the next timer', async () => {
    const clock = new VirtualClock(0);
    const log: string[] = [];
    clock.setTimer(10, () => {
      void Promise.resolve()
        .then(() => Promise.resolve())
        .then(() => log.push(`chain@${clock.now()}`));
    });
    clock.setTimer(20, () => log.push(`timer@${clock.now()}`));
    await clock.advanceAsync(30, () => drainMicrotasks());
    expect(log).toEqual(['chain@10', 'timer@20']);
  });

  it('runUntilTrue stops as soon as the predicate holds', async () => {
    const clock = new VirtualClock(0);
    let done = false;
    clock.setTimer(700, () => {
      done = true;
    });
    clock.setTimer(900, () => undefined);
    expect(await clock.runUntilTrue(() => done, 5000, () => drainMicrotasks())).toBe(true);
    expect(clock.now()).toBe(700);
    expect(await clock.runUntilTrue(() => false, 1000, () => drainMicrotasks())).toBe(false);
    expect(clock.now()).toBe(1700);
  });
});

describe('ScaledClock', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('runs at speed × real time, stands still while paused and fires timers on resume', () => {
    vi.useFakeTimers();
    vi.setSystemTime(0);
    const clock = new ScaledClock({ speed: 10, startMillis: 1_000_000 });
    const fired: number[] = [];
    clock.setTimer(1000, () => fired.push(clock.now()));
    vi.advanceTimersByTime(50);
    expect(clock.now()).toBe(1_000_500);
    clock.pause();
    vi.advanceTimersByTime(1000);
    expect(clock.now()).toBe(1_000_500);
    expect(fired).toEqual([]);
    clock.resume();
    clock.setSpeed(100);
    vi.advanceTimersByTime(5);
    expect(fired.length).toBe(1);
    expect(fired[0]).toBeGreaterThanOrEqual(1_001_000);
    expect(() => clock.setSpeed(0)).toThrow(RangeError);
  });

  it('adopts another clock\'s reading exactly, and refuses one that would set its time back', () => {
    vi.useFakeTimers();
    vi.setSystemTime(10_000);
    const clock = new ScaledClock({ speed: 1, startMillis: 5_000 });
    const fired: number[] = [];
    clock.setTimer(3_000, () => fired.push(clock.now()));
    vi.advanceTimersByTime(100);
    clock.adopt({ virtualMillis: 6_000, wallMillis: 10_050, speed: 4, paused: false });
    expect(clock.reading()).toEqual({ virtualMillis: 6_200, wallMillis: 10_100, speed: 4, paused: false });
    // The timer (due at 8000) is re-armed at the adopted speed: 1800 virtual ms are 450 wall ms.
    vi.advanceTimersByTime(449);
    expect(fired).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(fired).toEqual([8_000]);
    const before = clock.reading();
    expect(() => clock.adopt({ ...before, virtualMillis: before.virtualMillis - 1 })).toThrow(ClockWentBackError);
    expect(clock.reading()).toEqual(before);
    clock.adopt({ ...before, paused: true });
    vi.advanceTimersByTime(1_000);
    expect(clock.now()).toBe(before.virtualMillis);
  });

  it('a clock following a shared anchor reads its owner\'s reading after every change, and runs on its own once changed itself', () => {
    vi.useFakeTimers();
    vi.setSystemTime(0);
    const anchor = new SharedClockAnchor();
    const owner = new ScaledClock({ speed: 2, startMillis: 1_000, share: anchor });
    // Another thread would build it from `anchor.buffer`; the same memory either way.
    const follower = ScaledClock.following(new SharedClockAnchor(anchor.buffer));
    const versions: number[] = [];
    const changes: Array<() => void> = [() => owner.setSpeed(10), () => owner.pause(), () => owner.resume(), () => owner.setSpeed(0.25), () => owner.adopt({ ...owner.reading(), speed: 3 })];
    for (const change of changes) {
      vi.advanceTimersByTime(37);
      change();
      versions.push(anchor.version);
      expect(follower.anchor).toEqual(owner.anchor);
      expect(follower.reading()).toEqual(owner.reading());
      expect([follower.speed, follower.paused]).toEqual([owner.speed, owner.paused]);
      // now(), speed and paused read the anchor's memory directly (no reading object): the same time.
      expect(follower.now()).toBe(owner.now());
    }
    expect(versions).toEqual([2, 3, 4, 5, 6]);
    // A timer on the follower fires at its virtual time, at the owner's rate once synced.
    const fired: number[] = [];
    follower.setTimer(300, () => fired.push(follower.now()));
    owner.setSpeed(1);
    follower.sync(anchor.version);
    vi.advanceTimersByTime(300);
    expect(fired).toHaveLength(1);
    // A timer is its own handle: cancelled, it never fires, and cancelling twice is harmless.
    const cancelled = follower.setTimer(50, () => fired.push(-1));
    cancelled.cancel();
    cancelled.cancel();
    vi.advanceTimersByTime(100);
    expect(fired).toHaveLength(1);
    expect(() => follower.sync(anchor.version + 1)).toThrow(/older than/);
    follower.pause();
    expect(follower.following).toBe(false);
    owner.setSpeed(5);
    vi.advanceTimersByTime(100);
    expect(follower.now()).toBeLessThan(owner.now());
  });
});
