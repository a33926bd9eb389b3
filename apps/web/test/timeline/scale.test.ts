import { describe, expect, it } from 'vitest';
import { relativeLabel, tickStep, timeScale, visibleDomain } from '../../src/timeline/scale';

describe('time scale', () => {
  it('maps the domain onto the range linearly', () => {
    const s = timeScale([1_000, 11_000], [100, 600]);
    expect(s.x(1_000)).toBe(100);
    expect(s.x(6_000)).toBe(350);
    expect(s.x(11_000)).toBe(600);
  });
  it('survives an empty domain', () => {
    const s = timeScale([5_000, 5_000], [0, 100]);
    expect(Number.isFinite(s.x(5_000))).toBe(true);
  });
  it('picks round tick steps and labels them from the start', () => {
    expect(tickStep(10_000, 10)).toBe(1_000);
    expect(tickStep(10_000, 4)).toBe(5_000);
    expect(tickStep(600_000, 6)).toBe(120_000);
    const ticks = timeScale([500, 10_500], [0, 1000]).ticks(5);
    expect(ticks.map((t) => t.at)).toEqual([2_000, 4_000, 6_000, 8_000, 10_000]);
    expect(ticks[0]?.label).toBe('0:02');
    expect(timeScale([0, 2_000], [0, 100]).ticks(10)[1]?.label).toBe('0:00.2');
  });
  it('labels minutes', () => {
    expect(relativeLabel(120_000)).toBe('+2 min');
    expect(relativeLabel(75_000)).toBe('+1:15');
    expect(relativeLabel(5_000)).toBe('+5 s');
  });
  it('shows the last window up to now, not before the first event', () => {
    expect(visibleDomain(0, 100_000, 30_000)).toEqual([70_000, 100_000]);
    expect(visibleDomain(90_000, 100_000, 30_000)).toEqual([90_000, 100_000]);
    expect(visibleDomain(0, 100_000, null)).toEqual([0, 100_000]);
    expect(visibleDomain(null, 5_000, null)).toEqual([4_000, 5_000]);
  });
});
