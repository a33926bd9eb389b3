import { describe, expect, it } from 'vitest';
import { SkewedClock } from '../../src/clock/skewed';
import { VirtualClock } from '../../src/clock/virtual';

describe('SkewedClock', () => {
  it('runs at its rate from an offset, and fires timers by its own time', () => {
    const base = new VirtualClock(1000);
    const fast = new SkewedClock(base, { rate: 2, offsetMillis: 500 });
    expect(fast.now()).toBe(1500);
    const fired: number[] = [];
    fast.setTimer(1000, () => fired.push(base.now()));
    base.advance(499);
    expect(fired).toEqual([]);
    base.advance(1);
    expect(fired).toEqual([1500]);
    expect(fast.now()).toBe(2500);
  });

  it('re-arms pending timers when its rate changes, without its time jumping', () => {
    const base = new VirtualClock(0);
    const c = new SkewedClock(base);
    const fired: number[] = [];
    const cancelled = c.setTimer(300, () => fired.push(-1));
    c.setTimer(1000, () => fired.push(base.now()));
    cancelled.cancel();
    base.advance(400);
    c.setRate(0.5);
    expect(c.now()).toBe(400);
    base.advance(1199);
    expect(fired).toEqual([]);
    base.advance(1);
    expect(fired).toEqual([1600]);
    expect(() => c.setRate(0)).toThrow(RangeError);
  });
});
