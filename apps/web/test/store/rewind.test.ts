import { beforeEach, describe, expect, it } from 'vitest';
import type { ClusterSnapshot } from '@rslab/protocol';
import { receiveCluster, receiveEvents, resetSandboxState, selectCluster, selectEvents, selectViewingPast, showLive, showPast, useLab } from '../../src/store/lab';

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
});
