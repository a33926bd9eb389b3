import type { ClusterSnapshot, LabEvent } from '@rslab/protocol';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  controlAcked,
  controlSent,
  receiveCluster,
  receiveEvents,
  resetSandboxState,
  selectIsPending,
  selectMemberHosts,
  useLab,
} from '../../src/store/lab';
import { member } from '../cluster/helpers';

const snapshot: ClusterSnapshot = { at: 1_000, speed: 1, paused: false, setName: 'foo', members: [member('h:1'), member('h:2')], links: [] };
const ev = (id: number): LabEvent => ({ id, at: id, source: 'driver', kind: 'k', text: 't' });

describe('lab store', () => {
  beforeEach(() => resetSandboxState());

  it('keeps the snapshot with the page time it arrived', () => {
    receiveCluster(snapshot, 42);
    expect(useLab.getState().cluster).toBe(snapshot);
    expect(useLab.getState().clusterReceivedAt).toBe(42);
    expect(selectMemberHosts(useLab.getState())).toBe('h:1,h:2');
  });

  it('does not change the events array when nothing new arrives', () => {
    receiveEvents([ev(1)]);
    const first = useLab.getState().events;
    receiveEvents([ev(1)]);
    expect(useLab.getState().events).toBe(first);
    receiveEvents([ev(2)]);
    expect(useLab.getState().events.map((e) => e.id)).toEqual([1, 2]);
  });

  it('tracks a control until its ack, and keeps a refusal to show', () => {
    controlSent({ requestId: 7, action: 'stepDown', target: 'h:1', sentAtWallMillis: 0 });
    expect(selectIsPending('stepDown', 'h:1')(useLab.getState())).toBe(true);
    controlAcked(7, false, 'not primary');
    expect(selectIsPending('stepDown', 'h:1')(useLab.getState())).toBe(false);
    expect(useLab.getState().controlFailure).toEqual({ requestId: 7, action: 'stepDown', message: 'not primary' });
    controlSent({ requestId: 8, action: 'kill', target: 'h:2', sentAtWallMillis: 0 });
    controlAcked(8, true, 'killed');
    expect(useLab.getState().controlFailure).toBeNull();
  });

  it('forgets a sandbox when reset', () => {
    receiveCluster(snapshot, 1);
    receiveEvents([ev(1)]);
    resetSandboxState();
    expect(useLab.getState().cluster).toBeNull();
    expect(useLab.getState().events).toEqual([]);
  });
});
