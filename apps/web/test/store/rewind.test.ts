import { beforeEach, describe, expect, it } from 'vitest';
import type { ClusterSnapshot } from '@rslab/protocol';
import { receiveCluster, receiveEvents, requestPast, resetSandboxState, selectCluster, selectEvents, selectViewTarget, selectViewingPast, showLive, showOthersPast, showPast, useLab } from '../../src/store/lab';
import { sliderTarget, sliderValue } from '../../src/timeline/rewind';

const cluster = (at: number, setName: string): ClusterSnapshot => ({ at, speed: 1, paused: false, setName, members: [], links: [] });

describe('the lab store while rewinding', () => {
  beforeEach(() => resetSandboxState());
  it('shows the past moment instead of the live cluster and timeline, and live again after showLive', () => {
    receiveCluster(cluster(50_000, 'live'), 0, 10_000);
    receiveEvents([{ id: 1, at: 20_000, source: 'cluster', kind: 'a', text: 'old' }, { id: 2, at: 45_000, source: 'cluster', kind: 'b', text: 'new' }]);
    showPast({ at: 20_000, momentAt: 20_000, cluster: cluster(20_000, 'past'), events: [{ id: 1, at: 20_000, source: 'cluster', kind: 'a', text: 'old' }], liveAt: 50_000 });
    expect(selectViewingPast(useLab.getState())).toBe(true);
    expect(selectCluster(useLab.getState())?.setName).toBe('past');
    expect(selectEvents(useLab.getState()).map((e) => e.id)).toEqual([1]);
    // Live snapshots keep arriving underneath without replacing what is shown.
    receiveCluster(cluster(51_000, 'live'), 0);
    expect(selectCluster(useLab.getState())?.setName).toBe('past');
    expect(useLab.getState().historyFrom).toBe(10_000);
    showLive();
    expect(selectCluster(useLab.getState())?.at).toBe(51_000);
    expect(selectEvents(useLab.getState()).map((e) => e.id)).toEqual([1, 2]);
  });

  it('steps the slider on from where it was last sent, so key presses quicker than the answers each move it (a busy server)', () => {
    receiveCluster(cluster(50_000, 'live'), 0, 10_000);
    showPast({ at: 40_000, momentAt: 40_000, cluster: cluster(40_000, 'past'), events: [], liveAt: 50_000 });
    // Two ArrowLefts before the server answers the first: the second goes from 39 s, not again from 40 s.
    const value = () => sliderValue(selectViewTarget(useLab.getState()), useLab.getState().past?.at ?? null, 50_000);
    for (const expected of [39_000, 38_000]) {
      const target = sliderTarget('ArrowLeft', value(), 10_000, 50_000);
      expect(target).toBe(expected);
      requestPast(target as number);
    }
    expect(useLab.getState().past?.at).toBe(40_000);
    showLive();
    expect(selectViewTarget(useLab.getState())).toBeNull();
  });

  it("stands the slider on a moment the page did not ask for (the instructor's rewind), not on the page's own last request", () => {
    receiveCluster(cluster(50_000, 'live'), 0, 10_000);
    requestPast(30_000);
    showOthersPast({ at: 20_000, momentAt: 20_000, cluster: cluster(20_000, 'past'), events: [], liveAt: 50_000, by: 'instructor' });
    expect(sliderValue(selectViewTarget(useLab.getState()), useLab.getState().past?.at ?? null, 50_000)).toBe(20_000);
  });
});
