import { eventsDigest, type ClusterSnapshot, type LabEvent, type MemberStateName, type ReplayView } from '@rslab/protocol';
import { member } from '../cluster/helpers';

const frame = (at: number, primary: string): ClusterSnapshot => ({
  at,
  speed: 1,
  paused: false,
  setName: 'foo',
  members: ['a:1', 'b:1'].map((host) => ({ ...member(host), state: (host === primary ? 'PRIMARY' : 'SECONDARY') as MemberStateName })),
  links: [],
});
const event = (id: number, at: number, text: string): LabEvent => ({ id, at, source: 'cluster', kind: 'stateChange', text });

/** A failover: a:1 primary from 10 s, killed at 14 s, b:1 primary from 16 s; the replay ends at 20 s. */
export const events = [event(1, 10_000, 'a:1 is PRIMARY'), event(2, 14_000, 'killed a:1'), event(3, 16_000, 'b:1 is PRIMARY'), event(4, 20_000, 'heartbeat')];
export const replay: ReplayView = {
  id: 'r-0123456789ab',
  name: 'failover',
  createdAt: 0,
  expiresAt: 1,
  startAt: 10_000,
  endAt: 20_000,
  frames: [frame(10_000, 'a:1'), frame(15_000, 'none'), frame(16_000, 'b:1'), frame(20_000, 'b:1')],
  events,
  digest: eventsDigest(events),
  branchable: true,
  terminals: [],
};
