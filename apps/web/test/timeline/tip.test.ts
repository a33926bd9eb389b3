import { describe, expect, it } from 'vitest';
import { placeTip, type TipInput } from '../../src/timeline/tip';

const input = (overrides: Partial<TipInput> = {}): TipInput => ({
  x: 500,
  laneIndex: 0,
  lanes: 5,
  laneHeightPx: 24,
  axisHeightPx: 22,
  width: 1200,
  labelWidth: 150,
  tipWidthPx: 320,
  ...overrides,
});

describe('placeTip', () => {
  it('puts the tip under a lane in the upper half, centred on the marker', () => {
    expect(placeTip(input())).toEqual({ left: 340, top: 22 + 24 + 4, above: false, maxWidth: 320 });
  });

  it('puts it above a lane in the lower half, where below would run off the plot', () => {
    const tip = placeTip(input({ laneIndex: 4 }));
    expect(tip.above).toBe(true);
    expect(tip.top).toBe(22 + 4 * 24 - 4);
  });

  it('keeps it inside the plot: never over the right edge, never left of the labels', () => {
    expect(placeTip(input({ x: 1190 })).left).toBe(1200 - 320 - 4);
    expect(placeTip(input({ x: 160 })).left).toBe(150);
  });

  it('narrows it on a phone-wide plot instead of letting it overflow', () => {
    const tip = placeTip(input({ width: 300, x: 250, labelWidth: 48 }));
    expect(tip.maxWidth).toBe(292);
    expect(tip.left + tip.maxWidth).toBeLessThanOrEqual(300);
    expect(tip.left).toBeGreaterThanOrEqual(4);
  });
});
