import type { ServerMessage } from '@rslab/protocol';
import type { PastMoment } from '../store/lab';

type RoomMoment = Extract<ServerMessage, { type: 'room.moment' }>;

/** The instructor's moment as a follower's page shows it: marked as the instructor's, or null for live. */
export function instructorMoment(message: RoomMoment): PastMoment | null {
  if (!message.past) return null;
  const { at, momentAt, cluster, events, liveAt } = message.past;
  return { at, momentAt, cluster, events, liveAt, by: 'instructor' };
}

/**
 * What a follower's page shows when the instructor's moment changes to `instructor` (null: live),
 * given what it shows now (`shown`: null is live). A moment the attendee scrubbed to on their own
 * stays until they press "Back to live"; otherwise the page follows the instructor. 'keep': no change.
 */
export function followerView(shown: PastMoment | null, instructor: PastMoment | null): PastMoment | null | 'keep' {
  if (shown !== null && shown.by !== 'instructor') return 'keep';
  return instructor;
}
