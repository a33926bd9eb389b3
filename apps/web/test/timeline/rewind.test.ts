import { describe, expect, it } from 'vitest';
import { pastTerminalText, positionText, sliderAtFraction, sliderTarget, viewingText } from '../../src/timeline/rewind';

// The keys follow the WAI-ARIA slider pattern (https://www.w3.org/WAI/ARIA/apg/patterns/slider/):
// PageUp is a bigger step towards the maximum (live), PageDown towards the minimum.
describe('the "Timeline position" slider', () => {
  const min = 100_000;
  const live = 200_000;
  it('moves 1 s with the arrows and 10 s with PageUp/PageDown', () => {
    expect(sliderTarget('ArrowLeft', 150_000, min, live)).toBe(149_000);
    expect(sliderTarget('ArrowRight', 150_000, min, live)).toBe(151_000);
    expect(sliderTarget('PageDown', 150_000, min, live)).toBe(140_000);
    expect(sliderTarget('PageUp', 150_000, min, live)).toBe(160_000);
  });
  it('Home goes to the start of the history, End and anything past now to live', () => {
    expect(sliderTarget('Home', 150_000, min, live)).toBe(min);
    expect(sliderTarget('End', 150_000, min, live)).toBe('live');
    expect(sliderTarget('ArrowRight', 199_500, min, live)).toBe('live');
    expect(sliderTarget('PageUp', live, min, live)).toBe('live');
  });
  it('stops at the start of the history and ignores other keys', () => {
    expect(sliderTarget('PageDown', 105_000, min, live)).toBe(min);
    expect(sliderTarget('ArrowLeft', live, min, live)).toBe(199_000);
    expect(sliderTarget('a', 150_000, min, live)).toBeNull();
  });
  it('maps a click on the track to a moment', () => {
    expect(sliderAtFraction(0, min, live)).toBe(min);
    expect(sliderAtFraction(0.5, min, live)).toBe(150_000);
    expect(sliderAtFraction(1, min, live)).toBe('live');
    expect(sliderAtFraction(-3, min, live)).toBe(min);
  });
  it('says plainly which moment it shows', () => {
    const at = new Date(2026, 0, 1, 12, 3, 41).getTime();
    expect(viewingText(at, at + 38_000)).toBe('Viewing 12:03:41 — 38 s ago');
    expect(positionText(at, at + 38_000, false)).toBe('Viewing 12:03:41 — 38 s ago');
    expect(positionText(at, at, true)).toBe('live, 12:03:41');
    expect(pastTerminalText(at)).toBe('Terminal as at 12:03:41 — the past, read-only');
  });
});
