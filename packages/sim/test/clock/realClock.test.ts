import { performance } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { RealClock } from '../../src/clock/realClock';

describe('RealClock', () => {
  it('runs zero-delay timers on the next loop turn, not after the 1 ms setTimeout clamp', async () => {
    const clock = new RealClock();
    const hops = 200;
    const began = performance.now();
    await new Promise<void>((resolve) => {
      let left = hops;
      const hop = (): void => {
        if (--left === 0) resolve();
        else clock.setTimer(0, hop);
      };
      clock.setTimer(0, hop);
    });
    // 200 clamped setTimeout hops would take at least 200 ms.
    expect(performance.now() - began).toBeLessThan(150);
  });

  it('cancels zero and positive delays', async () => {
    const clock = new RealClock();
    const fired: string[] = [];
    clock.setTimer(0, () => fired.push('zero')).cancel();
    clock.setTimer(5, () => fired.push('five')).cancel();
    clock.setTimer(10, () => fired.push('ten'));
    await new Promise((r) => setTimeout(r, 40));
    expect(fired).toEqual(['ten']);
  });
});
