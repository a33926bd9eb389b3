import { describe, expect, it } from 'vitest';
import type { ClusterSnapshot, ServerMessage } from '@rslab/protocol';
import { followerView, instructorMoment } from '../../src/rooms/rewind';
import type { PastMoment } from '../../src/store/lab';
import { pastNotice } from '../../src/timeline/rewind';

const cluster = (at: number, setName: string): ClusterSnapshot => ({ at, speed: 1, paused: false, setName, members: [], links: [] });
type RoomPast = NonNullable<Extract<ServerMessage, { type: 'room.moment' }>['past']>;
const moment = (at: number, setName: string): RoomPast => ({
  at,
  momentAt: at,
  cluster: cluster(at, setName),
  events: [],
  reachesBackTo: 0,
  liveAt: 60_000,
});

// Issue 19: the instructor rewinds the class's view; an attendee may scrub on their own meanwhile.
describe('a room follower’s view of the instructor’s rewind', () => {
  const instructor = instructorMoment({ type: 'room.moment', past: moment(20_000, 'instructor') })!;
  const own: PastMoment = { at: 30_000, momentAt: 30_000, cluster: cluster(30_000, 'own'), events: [], liveAt: 60_000 };

  it('marks the instructor’s moment as theirs and names it in the notice; null is live', () => {
    expect(instructor.by).toBe('instructor');
    expect(instructor.cluster.setName).toBe('instructor');
    expect(instructorMoment({ type: 'room.moment', past: null })).toBeNull();
    expect(pastNotice(instructor, 60_000)).toBe('Viewing 0:20 — 40 s ago — the instructor rewound the class');
    expect(pastNotice(own, 60_000)).not.toMatch(/instructor/);
  });

  it('follows the instructor from live or from the instructor’s earlier moment, back to live too', () => {
    expect(followerView(null, instructor)).toBe(instructor);
    expect(followerView(instructorMoment({ type: 'room.moment', past: moment(10_000, 'earlier') }), instructor)).toBe(instructor);
    expect(followerView(instructor, null)).toBeNull();
  });

  it('leaves a moment the attendee scrubbed to alone until they go back to live', () => {
    expect(followerView(own, instructor)).toBe('keep');
    expect(followerView(own, null)).toBe('keep');
  });
});
