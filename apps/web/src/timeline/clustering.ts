import type { LabEvent } from '@rslab/protocol';

/** One drawn marker: a single event, or several in the same lane too close to tell apart. */
export interface MarkerGroup {
  lane: string;
  /** Pixel position: the first event's. */
  x: number;
  events: LabEvent[];
  /** The kind drawn: the first event's, or the most telling one in the group. */
  kind: string;
  /** For a run of a repeating kind (see `repeatingKinds`): the pixel position of its last event. */
  endX?: number;
}

/**
 * Kinds that repeat for as long as a condition lasts (a heartbeat fails every two seconds while a
 * member is down). A run of one of them in a lane, with nothing else between, is one marker with a
 * tail to the last one, so the plot shows "failing from here to there" instead of a row of crosses.
 */
export const repeatingKinds: ReadonlySet<string> = new Set(['heartbeatFailed', 'serverHeartbeatFailed']);

/** Kinds that matter more win the shape of a mixed group. */
const importance: Record<string, number> = {
  primaryLost: 6,
  processExited: 6,
  electionWon: 5,
  primaryFound: 5,
  electionStarted: 5,
  stepDown: 5,
  stateChange: 4,
  commandFailed: 4,
  voteRefused: 3,
  voteGranted: 3,
  heartbeatFailed: 2,
  topologyDescriptionChanged: 2,
  serverDescriptionChanged: 1,
};

/**
 * Groups events of one lane whose markers would overlap: an event joins the group before it when
 * it is within `minGapPx` of that group's first marker. Events must be in time order.
 */
export function clusterMarkers(
  events: readonly LabEvent[],
  laneOf: (event: LabEvent) => string,
  x: (at: number) => number,
  minGapPx: number,
): MarkerGroup[] {
  const open = new Map<string, MarkerGroup>();
  const groups: MarkerGroup[] = [];
  let previousAt = Number.NEGATIVE_INFINITY;
  for (const event of events) {
    if (event.at < previousAt) throw new RangeError('events must be in time order');
    previousAt = event.at;
    const lane = laneOf(event);
    const px = x(event.at);
    const current = open.get(lane);
    if (current && repeatingKinds.has(event.kind) && current.events.every((e) => e.kind === event.kind)) {
      current.events.push(event);
      current.endX = px;
      continue;
    }
    if (current && px - current.x < minGapPx) {
      current.events.push(event);
      if ((importance[event.kind] ?? 0) > (importance[current.kind] ?? 0)) current.kind = event.kind;
      continue;
    }
    const group: MarkerGroup = { lane, x: px, events: [event], kind: event.kind };
    open.set(lane, group);
    groups.push(group);
  }
  return groups;
}
