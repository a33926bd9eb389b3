import { Type, type Static } from '@sinclair/typebox';
import { ClusterSnapshot, LabEvent, ReplayId } from './messages';

/**
 * Replays to share (issue 19): a sandbox's recording saved under a name in the progress store,
 * opened by anyone with its link (`#replay=<id>`) and played read-only. What plays is the stored
 * recording itself: the cluster views the sandbox kept (one a second) and its timeline, so every
 * page that opens the link shows the same moments and the same events; `eventsDigest` says so.
 */

export const replayNameLengthMax = 120;

/** `POST /api/replays`: save the recording of the session's own sandbox (or, for its instructor, a room's). */
export const SaveReplayBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: replayNameLengthMax }),
    /**
     * Save the instructor's sandbox of this room instead (the instructor page): the request
     * carries the room's instructor secret in its header, as the other instructor routes do.
     */
    room: Type.Optional(Type.String({ maxLength: 16 })),
  },
  { additionalProperties: false },
);
export type SaveReplayBody = Static<typeof SaveReplayBody>;

/** The answer to `POST /api/replays` (201). */
export const SavedReplay = Type.Object(
  {
    id: ReplayId,
    name: Type.String(),
    /** The link's path: `/#replay=<id>`. */
    path: Type.String(),
    /** Wall-clock millis after which the store forgets it. */
    expiresAt: Type.Number(),
    sizeBytes: Type.Integer({ minimum: 0 }),
    frames: Type.Integer({ minimum: 0 }),
    events: Type.Integer({ minimum: 0 }),
    digest: Type.String(),
  },
  { additionalProperties: false },
);
export type SavedReplay = Static<typeof SavedReplay>;

export const ReplayParams = Type.Object({ id: ReplayId });

/** `GET /api/replays/:id`: what a page plays. */
export const ReplayView = Type.Object(
  {
    id: ReplayId,
    name: Type.String(),
    createdAt: Type.Number(),
    expiresAt: Type.Number(),
    /** Sandbox-clock millis the recording starts and ends at. */
    startAt: Type.Number(),
    endAt: Type.Number(),
    /** The cluster as the sandbox showed it, in time order (the first at `startAt`). */
    frames: Type.Array(ClusterSnapshot),
    /** The timeline up to `endAt`, in time order. */
    events: Type.Array(LabEvent),
    /** `eventsDigest(events)`, computed when it was saved. */
    digest: Type.String(),
    /** Whether this server still holds the members' copies a "Branch from here" starts from. */
    branchable: Type.Boolean(),
  },
  { additionalProperties: false },
);
export type ReplayView = Static<typeof ReplayView>;

/**
 * A digest of timeline events (32-bit FNV-1a over each event's time, source, kind, member and
 * text, hex, with the count): the same events in the same order give the same digest, on the
 * server and in the page. Not a security hash: it only tells two plays of a replay apart.
 */
export function eventsDigest(events: readonly LabEvent[]): string {
  let hash = 0x811c9dc5;
  const feed = (text: string) => {
    for (let i = 0; i < text.length; i++) {
      hash ^= text.charCodeAt(i);
      hash = Math.imul(hash, 0x01000193) >>> 0;
    }
  };
  for (const event of events) feed(`${event.at}\u0001${event.source}\u0001${event.kind}\u0001${event.member ?? ''}\u0001${event.text}\u0002`);
  return `${events.length}-${hash.toString(16).padStart(8, '0')}`;
}

/** The frame a replay shows at sandbox time `at`: the last at or before it (the first before the start). */
export function frameAt(frames: readonly ClusterSnapshot[], at: number): ClusterSnapshot | null {
  if (frames.length === 0) return null;
  let lo = 0;
  let hi = frames.length - 1;
  if (at < frames[0]!.at) return frames[0]!;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (frames[mid]!.at <= at) lo = mid;
    else hi = mid - 1;
  }
  return frames[lo]!;
}

/** How many of a replay's events (in time order) happened at or before `at`. */
export function eventsCountAt(events: readonly LabEvent[], at: number): number {
  let lo = 0;
  let hi = events.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (events[mid]!.at <= at) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
