import type { LabEvent } from '@rslab/protocol';
import { describe, expect, it } from 'vitest';
import { clusterMarkers } from '../../src/timeline/clustering';
import { laneKey } from '../../src/timeline/lanes';

const ev = (id: number, at: number, kind: string, member?: string): LabEvent => ({
  id,
  at,
  source: member ? 'cluster' : 'driver',
  kind,
  ...(member ? { member } : {}),
  text: `e${id}`,
});

describe('clusterMarkers', () => {
  const x = (at: number) => at / 10;
  it('groups close events in the same lane and keeps lanes apart', () => {
    const groups = clusterMarkers(
      [ev(1, 0, 'heartbeatFailed', 'a'), ev(2, 50, 'heartbeatFailed', 'b'), ev(3, 60, 'stateChange', 'a'), ev(4, 300, 'stateChange', 'a')],
      laneKey,
      x,
      10,
    );
    expect(groups.map((g) => [g.lane, g.events.map((e) => e.id)])).toEqual([
      ['a', [1, 3]],
      ['b', [2]],
      ['a', [4]],
    ]);
  });
  it('draws a mixed group with its most telling kind', () => {
    const [group] = clusterMarkers([ev(1, 0, 'heartbeatFailed', 'a'), ev(2, 10, 'electionStarted', 'a')], laneKey, x, 10);
    expect(group?.kind).toBe('electionStarted');
  });
  it('measures the gap from the first marker of a group, so chains do not grow forever', () => {
    const groups = clusterMarkers([ev(1, 0, 'k', 'a'), ev(2, 80, 'k', 'a'), ev(3, 160, 'k', 'a')], laneKey, x, 10);
    expect(groups.map((g) => g.events.length)).toEqual([2, 1]);
  });
  it('refuses events out of time order', () => {
    expect(() => clusterMarkers([ev(1, 10, 'k', 'a'), ev(2, 0, 'k', 'a')], laneKey, x, 10)).toThrow(RangeError);
  });
  it('folds a run of repeating failures into one marker with a tail, until something else happens in the lane', () => {
    const groups = clusterMarkers(
      [
        ev(1, 0, 'heartbeatFailed', 'a'),
        ev(2, 2_000, 'heartbeatFailed', 'a'),
        ev(3, 4_000, 'heartbeatFailed', 'a'),
        ev(4, 4_500, 'heartbeatFailed', 'b'),
        ev(5, 6_000, 'stateChange', 'a'),
        ev(6, 8_000, 'heartbeatFailed', 'a'),
      ],
      laneKey,
      x,
      10,
    );
    expect(groups.map((g) => [g.lane, g.events.map((e) => e.id), g.endX])).toEqual([
      ['a', [1, 2, 3], 400],
      ['b', [4], undefined],
      ['a', [5], undefined],
      ['a', [6], undefined],
    ]);
  });
});
