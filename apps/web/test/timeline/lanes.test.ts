import { describe, expect, it } from 'vitest';
import { assignLanes, laneKey } from '../../src/timeline/lanes';

describe('lanes', () => {
  it('puts cluster events on their member, driver and shell on their own', () => {
    expect(laneKey({ source: 'cluster', member: 'h:1' })).toBe('h:1');
    expect(laneKey({ source: 'cluster' })).toBe('set');
    expect(laneKey({ source: 'driver', member: 'h:1' })).toBe('driver');
    expect(laneKey({ source: 'shell' })).toBe('shell');
  });
  it('lists members in host order, then the set, driver and shell lanes as needed', () => {
    const lanes = assignLanes(['h:2', 'h:1'], [{ source: 'cluster', member: 'h:3' }, { source: 'cluster' }]);
    expect(lanes.map((l) => l.key)).toEqual(['h:1', 'h:2', 'h:3', 'set', 'driver']);
    const withShell = assignLanes(['h:1'], [{ source: 'shell' }]);
    expect(withShell.map((l) => l.key)).toEqual(['h:1', 'driver', 'shell']);
  });
});
