import type { LabEvent } from '@rslab/protocol';
import { describe, expect, it } from 'vitest';
import { appendEvents } from '../../src/store/events';

const ev = (id: number, at: number): LabEvent => ({ id, at, source: 'cluster', kind: 'stateChange', text: `e${id}` });

describe('appendEvents', () => {
  it('appends in time order and drops ids it already holds', () => {
    const a = appendEvents([], [ev(1, 10), ev(2, 20)]);
    const b = appendEvents(a, [ev(2, 20), ev(3, 30)]);
    expect(b.map((e) => e.id)).toEqual([1, 2, 3]);
  });
  it('returns the same array when nothing is new', () => {
    const a = appendEvents([], [ev(1, 10)]);
    expect(appendEvents(a, [ev(1, 10)])).toBe(a);
    expect(appendEvents(a, [])).toBe(a);
  });
  it('sorts late arrivals into place', () => {
    const a = appendEvents([ev(1, 10), ev(3, 30)], [ev(2, 20)]);
    expect(a.map((e) => e.id)).toEqual([1, 2, 3]);
  });
  it('keeps only the newest max events', () => {
    const many = Array.from({ length: 25 }, (_, i) => ev(i, i * 10));
    const kept = appendEvents([], many, 10);
    expect(kept).toHaveLength(10);
    expect(kept[0]?.id).toBe(15);
    expect(kept[9]?.id).toBe(24);
  });
});
