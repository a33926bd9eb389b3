import { describe, expect, it } from 'vitest';
import { nextMarker } from '../../src/timeline/navigation';

const lanes = ['a', 'b', 'c', 'driver'];
const markers = [
  { lane: 'a', x: 10 },
  { lane: 'driver', x: 20 },
  { lane: 'a', x: 50 },
  { lane: 'c', x: 55 },
  { lane: 'a', x: 90 },
];

describe('timeline keyboard navigation', () => {
  it('moves through time with Left, Right, Home and End, stopping at the ends', () => {
    expect(nextMarker(markers, lanes, 2, 'ArrowRight')).toBe(3);
    expect(nextMarker(markers, lanes, 4, 'ArrowRight')).toBe(4);
    expect(nextMarker(markers, lanes, 0, 'ArrowLeft')).toBe(0);
    expect(nextMarker(markers, lanes, 2, 'Home')).toBe(0);
    expect(nextMarker(markers, lanes, 2, 'End')).toBe(4);
  });
  it('moves between lanes to the nearest marker in time, skipping empty lanes', () => {
    expect(nextMarker(markers, lanes, 2, 'ArrowDown')).toBe(3);
    expect(nextMarker(markers, lanes, 3, 'ArrowDown')).toBe(1);
    expect(nextMarker(markers, lanes, 3, 'ArrowUp')).toBe(2);
    expect(nextMarker(markers, lanes, 0, 'ArrowUp')).toBe(0);
  });
  it('ignores other keys and copes with no markers or a stale index', () => {
    expect(nextMarker(markers, lanes, 1, 'x')).toBeNull();
    expect(nextMarker([], lanes, 0, 'ArrowLeft')).toBeNull();
    expect(nextMarker(markers, lanes, 99, 'ArrowLeft')).toBe(4);
  });
});
