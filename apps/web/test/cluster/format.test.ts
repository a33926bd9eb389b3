import { describe, expect, it } from 'vitest';
import { durationText, lagText, optimeText } from '../../src/cluster/format';

describe('format', () => {
  it('writes durations in the unit a person expects', () => {
    expect(durationText(850)).toBe('850 ms');
    expect(durationText(2_449)).toBe('2.4 s');
    expect(durationText(12_600)).toBe('13 s');
    expect(durationText(185_000)).toBe('3 min 05 s');
    expect(durationText(-1500)).toBe('−1.5 s');
    expect(durationText(Number.NaN)).toBe('—');
  });
  it('writes optimes with their term', () => {
    expect(optimeText({ ts: 1700000000, i: 3, t: 2 })).toBe('1700000000:3 (t2)');
    expect(optimeText(null)).toBe('—');
  });
  it('writes lag, none and unknown', () => {
    expect(lagText(null)).toBe('—');
    expect(lagText(0)).toBe('none');
    expect(lagText(3_000)).toBe('3.0 s');
  });
});

describe('clockText', () => {
  it('writes sandbox time as a clock', async () => {
    const { clockText } = await import('../../src/cluster/format');
    expect(clockText(64_000)).toBe('1:04');
    expect(clockText(64_350, true)).toBe('1:04.3');
    expect(clockText(3_725_000)).toBe('1:02:05');
    expect(clockText(-5)).toBe('0:00');
  });
  it('reads a clock that holds a date as the local time of day', async () => {
    const { clockText } = await import('../../src/cluster/format');
    const at = new Date(2026, 10, 25, 14, 3, 7, 450).getTime();
    expect(clockText(at)).toBe('14:03:07');
    expect(clockText(at, true)).toBe('14:03:07.4');
  });
});
