import { Type, type Static } from '@sinclair/typebox';
import { ClusterSnapshot, LabEvent, ReplayId } from './messages';

/**
 * Replays to share (issue 19): a sandbox's recording saved under a name in the progress store,
 * opened by anyone with its link (`#replay=<id>`) and played read-only. What plays is the stored
 * recording itself: the cluster views the sandbox kept (one a second) and its timeline, so every
 * page that opens the link shows the same moments and the same events; `eventsDigest` says so.
 */

export const replayNameLengthMax = 120;

/** Terminal tabs one replay carries. */
export const replayTerminalsMax = 8;
export const replayTerminalLabelLengthMax = 40;
/** Timed writes one terminal of a save request may carry. */
export const replayTerminalChunksMax = 100_000;
/**
 * Bytes (UTF-8, as JSON) the terminals of one save request may take: the page trims its
 * transcripts to this, oldest writes first (`trimTerminals`); the server then trims them again so
 * the whole recording stays within its `replayBytesMax`.
 */
export const replayTerminalsBytesMax = 2 * 1024 * 1024;

/** One write the page made to a terminal, at sandbox-clock millis `at` (chunks are in time order). */
export const ReplayTerminalChunk = Type.Object({ at: Type.Number(), data: Type.String({ minLength: 1 }) }, { additionalProperties: false });
export type ReplayTerminalChunk = Static<typeof ReplayTerminalChunk>;

/** A terminal tab's timed transcript (what the page drew, `{at, data}`), under the tab's label. */
export const ReplayTerminal = Type.Object(
  {
    label: Type.String({ minLength: 1, maxLength: replayTerminalLabelLengthMax }),
    chunks: Type.Array(ReplayTerminalChunk, { maxItems: replayTerminalChunksMax }),
    /** Older writes left out to fit a bound (`trimTerminals`): the first chunk is not where the screen began. */
    chunksDropped: Type.Optional(Type.Integer({ minimum: 0 })),
  },
  { additionalProperties: false },
);
export type ReplayTerminal = Static<typeof ReplayTerminal>;

/** `POST /api/replays`: save the recording of the session's own sandbox (or, for its instructor, a room's). */
export const SaveReplayBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: replayNameLengthMax }),
    /**
     * Save the instructor's sandbox of this room instead (the instructor page): the request
     * carries the room's instructor secret in its header, as the other instructor routes do.
     */
    room: Type.Optional(Type.String({ maxLength: 16 })),
    /** The page's terminals, each a timed transcript, trimmed to `replayTerminalsBytesMax`; the replay page plays them read-only. */
    terminals: Type.Optional(Type.Array(ReplayTerminal, { maxItems: replayTerminalsMax })),
  },
  { additionalProperties: false },
);
export type SaveReplayBody = Static<typeof SaveReplayBody>;

/** What a saved replay's saver is told of it, on saving and in their list. */
const replayLinkFields = {
  id: ReplayId,
  name: Type.String(),
  /** The link's path: `/#replay=<id>`. */
  path: Type.String(),
  /** Wall-clock millis after which the store forgets it. */
  expiresAt: Type.Number(),
  /** What the store holds for it (frames, events, terminals as JSON). */
  sizeBytes: Type.Integer({ minimum: 0 }),
};

/** The answer to `POST /api/replays` (201). */
export const SavedReplay = Type.Object(
  {
    ...replayLinkFields,
    frames: Type.Integer({ minimum: 0 }),
    events: Type.Integer({ minimum: 0 }),
    digest: Type.String(),
    /** Terminal writes kept, and the oldest ones dropped so the recording fits `replayBytesMax`. */
    terminalChunks: Type.Integer({ minimum: 0 }),
    terminalChunksDropped: Type.Integer({ minimum: 0 }),
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
    /** The terminals as the saving page drew them (none for a replay saved without). */
    terminals: Type.Array(ReplayTerminal),
  },
  { additionalProperties: false },
);
export type ReplayView = Static<typeof ReplayView>;

/** Replays `GET /api/replays` lists, newest first. */
export const replayListLengthMax = 100;

/** `GET /api/replays` and `DELETE /api/replays/:id`: the instructor page names its room (and sends the secret in the header). */
export const ReplayOwnerQuery = Type.Object({ room: Type.Optional(Type.String({ maxLength: 16 })) }, { additionalProperties: false });
export type ReplayOwnerQuery = Static<typeof ReplayOwnerQuery>;

/** One of the replays its saver lists. */
export const ReplaySummary = Type.Object(
  {
    ...replayLinkFields,
    createdAt: Type.Number(),
    /** How long it plays, in seconds of the sandbox's (virtual) clock. */
    lengthSandboxSeconds: Type.Number({ minimum: 0 }),
    branchable: Type.Boolean(),
  },
  { additionalProperties: false },
);
export type ReplaySummary = Static<typeof ReplaySummary>;

/** `GET /api/replays`: the replays this browser session (or, with `room`, the room's instructor) saved and that have not expired, newest first. */
export const ReplayList = Type.Object({ replays: Type.Array(ReplaySummary, { maxItems: replayListLengthMax }) }, { additionalProperties: false });
export type ReplayList = Static<typeof ReplayList>;

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

/** What `"chunksDropped":n` adds to a terminal's JSON (nothing when none were dropped). */
function droppedFieldBytes(count: number): number {
  return count > 0 ? `,"chunksDropped":${count}`.length : 0;
}

/** UTF-8 bytes of `text` (counted, not encoded: the protocol runs in pages and on the server). */
export function utf8Bytes(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) bytes += 1;
    else if (code < 0x800) bytes += 2;
    else if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      bytes += 4;
      i += 1;
    } else bytes += 3;
  }
  return bytes;
}

/** Bytes `terminals` take as JSON (UTF-8). */
export function terminalsBytes(terminals: readonly ReplayTerminal[]): number {
  return utf8Bytes(JSON.stringify(terminals));
}

export interface TrimmedTerminals {
  terminals: ReplayTerminal[];
  /** Chunks dropped, all tabs together. */
  dropped: number;
}

/**
 * `terminals` within `bytesMax` bytes of JSON: the oldest writes (smallest `at`, across all tabs;
 * on a tie the earlier tab's) go first, so what is kept is the end of each screen's story — the
 * part nearest the replay's end. Tabs stay, even with no chunk left, and count what they lost in
 * `chunksDropped`. Chunks must be in time order.
 */
export function trimTerminals(terminals: readonly ReplayTerminal[], bytesMax: number): TrimmedTerminals {
  const costs = terminals.map((terminal) => terminal.chunks.map((chunk) => utf8Bytes(JSON.stringify(chunk))));
  let total = terminalsBytes(terminals);
  // total stays exact: each drop takes away just the bytes its chunk held in the JSON.
  const first = terminals.map(() => 0);
  let dropped = 0;
  while (total > bytesMax) {
    let oldest = -1;
    for (let tab = 0; tab < terminals.length; tab++) {
      const chunk = terminals[tab]!.chunks[first[tab]!];
      if (chunk && (oldest === -1 || chunk.at < terminals[oldest]!.chunks[first[oldest]!]!.at)) oldest = tab;
    }
    if (oldest === -1) break; // nothing left to drop: the labels alone are over
    const index = first[oldest]!;
    // Its object, and the comma after it when another chunk follows in its tab; the tab's count of dropped chunks grows.
    total -= costs[oldest]![index]! + (index + 1 < terminals[oldest]!.chunks.length ? 1 : 0);
    const before = (terminals[oldest]!.chunksDropped ?? 0) + index;
    total += droppedFieldBytes(before + 1) - droppedFieldBytes(before);
    first[oldest] = index + 1;
    dropped += 1;
  }
  return {
    terminals: terminals.map((terminal, tab) => {
      const chunksDropped = (terminal.chunksDropped ?? 0) + (first[tab] as number);
      return { label: terminal.label, chunks: terminal.chunks.slice(first[tab]), ...(chunksDropped > 0 ? { chunksDropped } : {}) };
    }),
    dropped,
  };
}
