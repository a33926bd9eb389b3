import type { HeartbeatView } from '@rslab/protocol';
import { durationText } from './format';

export interface HeartbeatRow {
  peer: string;
  /** `1.2 s ago`, `never`. */
  ageText: string;
  ageMillis: number | null;
  ok: boolean;
  /** Older than the election timeout or failing: worth colouring. */
  stale: boolean;
  peerState: HeartbeatView['peerState'];
}

/** Age of the last heartbeat reply at sandbox time `at`; null when the peer never answered. */
export function heartbeatAgeMillis(at: number, lastReplyAt: number | null): number | null {
  if (lastReplyAt === null) return null;
  return Math.max(0, at - lastReplyAt);
}

export function heartbeatAgeText(ageMillis: number | null): string {
  return ageMillis === null ? 'never' : `${durationText(ageMillis)} ago`;
}

/** One row per peer, sorted by peer, for a member's card. */
export function heartbeatRows(
  at: number,
  heartbeats: Record<string, HeartbeatView>,
  staleAfterMillis: number,
): HeartbeatRow[] {
  return Object.keys(heartbeats)
    .sort()
    .map((peer) => {
      const view = heartbeats[peer] as HeartbeatView;
      const ageMillis = heartbeatAgeMillis(at, view.lastReplyAt);
      return {
        peer,
        ageMillis,
        ageText: heartbeatAgeText(ageMillis),
        ok: view.ok,
        stale: !view.ok || ageMillis === null || ageMillis > staleAfterMillis,
        peerState: view.peerState,
      };
    });
}
