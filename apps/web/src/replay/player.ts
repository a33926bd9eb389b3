import { eventsCountAt, eventsDigest, frameAt, type ClusterSnapshot, type LabEvent, type ReplaySummary, type ReplayView } from '@rslab/protocol';
import { clockText } from '../cluster/format';

/**
 * A replay's playback, as pure functions: where the play is (sandbox-clock millis between the
 * replay's start and end), whether it runs and how fast. What it shows at a time is the stored
 * frame at or before it and the stored events up to it: the same for every page and every play.
 */

export const replaySpeeds = [0.25, 0.5, 1, 2, 5, 10] as const;
export const replaySpeedMin = 0.25;
export const replaySpeedMax = 10;

export interface Playback {
  at: number;
  playing: boolean;
  speed: number;
}

/** A fresh play: at the start, paused, at 1×. */
export function startPlayback(replay: Pick<ReplayView, 'startAt'>): Playback {
  return { at: replay.startAt, playing: false, speed: 1 };
}

/** `wallMillis` of page time later: the play moves on at its speed and stops at the end. */
export function advance(playback: Playback, wallMillis: number, endAt: number): Playback {
  if (!playback.playing || wallMillis <= 0) return playback;
  const at = Math.min(endAt, playback.at + wallMillis * playback.speed);
  return { ...playback, at, playing: at < endAt };
}

/** Play (from the start again when at the end) or pause. */
export function togglePlaying(playback: Playback, replay: Pick<ReplayView, 'startAt' | 'endAt'>): Playback {
  if (playback.playing) return { ...playback, playing: false };
  return { ...playback, playing: true, at: playback.at >= replay.endAt ? replay.startAt : playback.at };
}

export function withSpeed(playback: Playback, speed: number): Playback {
  if (!(speed >= replaySpeedMin && speed <= replaySpeedMax)) throw new RangeError(`a replay plays at ${replaySpeedMin}× to ${replaySpeedMax}×, not ${speed}×`);
  return { ...playback, speed };
}

/** Jump to `at`, kept within the replay. */
export function seek(playback: Playback, at: number, replay: Pick<ReplayView, 'startAt' | 'endAt'>): Playback {
  return { ...playback, at: Math.min(replay.endAt, Math.max(replay.startAt, at)) };
}

export interface ReplayFrame {
  cluster: ClusterSnapshot;
  events: readonly LabEvent[];
}

/** What the page shows at `at`: the stored cluster at or before it, the stored events up to it. */
export function frameOf(replay: Pick<ReplayView, 'frames' | 'events'>, at: number): ReplayFrame | null {
  const cluster = frameAt(replay.frames, at);
  if (!cluster) return null;
  return { cluster, events: replay.events.slice(0, eventsCountAt(replay.events, at)) };
}

/** The digest of what a play has shown so far (`eventsDigest` of the events up to `at`). */
export function shownDigest(replay: Pick<ReplayView, 'events'>, at: number): string {
  return eventsDigest(replay.events.slice(0, eventsCountAt(replay.events, at)));
}

/** "00:01:12 — 14 s of 40 s". */
export function playbackText(replay: Pick<ReplayView, 'startAt' | 'endAt'>, at: number): string {
  const seconds = (millis: number) => Math.round(millis / 1000);
  return `${clockText(at)} — ${seconds(at - replay.startAt)} s of ${seconds(replay.endAt - replay.startAt)} s`;
}

/** The replay terminal's banner: "Terminal as saved, at 12:03:41 — read-only" (and whether its beginning was left out). */
export function replayTerminalText(at: number, earlierDropped = false): string {
  return `Terminal as saved, at ${clockText(at)} — read-only${earlierDropped ? '; earlier output not kept' : ''}`;
}

/** A listed replay's facts: "2 min 46 s · 312 KiB · expires in 7 days" (length on the sandbox clock). */
export function replaySummaryText(replay: Pick<ReplaySummary, 'lengthSandboxSeconds' | 'sizeBytes' | 'expiresAt'>, nowMillis: number): string {
  return `${lengthText(replay.lengthSandboxSeconds)} · ${sizeText(replay.sizeBytes)} · ${expiryText(replay.expiresAt - nowMillis)}`;
}

function lengthText(seconds: number): string {
  const whole = Math.round(seconds);
  return whole < 60 ? `${whole} s` : `${Math.floor(whole / 60)} min ${whole % 60} s`;
}

function sizeText(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${Math.ceil(bytes / 1024)} KiB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
}

function expiryText(leftMillis: number): string {
  const hours = leftMillis / 3600_000;
  if (leftMillis <= 0) return 'expired';
  if (hours >= 48) return `expires in ${Math.round(hours / 24)} days`;
  if (hours >= 2) return `expires in ${Math.round(hours)} hours`;
  return `expires in ${Math.max(1, Math.floor(leftMillis / 60_000))} min`;
}
