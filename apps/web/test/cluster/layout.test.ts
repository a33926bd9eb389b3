import { describe, expect, it } from 'vitest';
import { circleLayout } from '../../src/cluster/layout';

describe('circle layout', () => {
  it('puts three members in a triangle, first at the top, inside the margins', () => {
    const p = circleLayout(['a', 'b', 'c'], 300, 200, 30);
    expect(p.get('a')).toEqual({ x: 150, y: 30 });
    const b = p.get('b');
    const c = p.get('c');
    expect(b && c && b.x > 150 && c.x < 150).toBe(true);
    expect(b?.y).toBe(c?.y);
    for (const point of p.values()) {
      expect(point.x).toBeGreaterThanOrEqual(30);
      expect(point.x).toBeLessThanOrEqual(270);
      expect(point.y).toBeGreaterThanOrEqual(30);
      expect(point.y).toBeLessThanOrEqual(170);
    }
  });
  it('centres one member and spreads two', () => {
    expect(circleLayout(['a'], 100, 100, 10).get('a')).toEqual({ x: 50, y: 50 });
    const two = circleLayout(['a', 'b'], 100, 60, 10);
    expect(two.get('a')).toEqual({ x: 10, y: 30 });
    expect(two.get('b')).toEqual({ x: 90, y: 30 });
  });
  it('refuses a box smaller than its margins', () => {
    expect(() => circleLayout(['a'], 10, 100, 10)).toThrow(RangeError);
  });
});
