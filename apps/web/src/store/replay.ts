import { create } from 'zustand';
import type { ReplayView, SavedReplay } from '@rslab/protocol';
import { advance, frameOf, seek, startPlayback, togglePlaying, withSpeed, type Playback } from '../replay/player';
import { showPast } from './lab';

/**
 * Replays: the one a `#replay=` page plays (and where its play is), and the last one this page
 * saved. What the play shows goes into the lab store as a past moment, so the cluster pane and
 * the timeline show it read-only as they show a rewound sandbox.
 */
export interface ReplayState {
  replay: ReplayView | null;
  /** Why the replay could not be loaded, or null. */
  loadError: string | null;
  playback: Playback;
  /** The last replay saved from this page, or why saving failed; `saving` while on its way. */
  saved: SavedReplay | null;
  saveError: string | null;
  saving: boolean;
}

export const useReplay = create<ReplayState>()(() => ({
  replay: null,
  loadError: null,
  playback: { at: 0, playing: false, speed: 1 },
  saved: null,
  saveError: null,
  saving: false,
}));

export const selectReplay = (s: ReplayState) => s.replay;
export const selectLoadError = (s: ReplayState) => s.loadError;
export const selectPlayback = (s: ReplayState) => s.playback;
export const selectSaved = (s: ReplayState) => s.saved;
export const selectSaveError = (s: ReplayState) => s.saveError;
export const selectSaving = (s: ReplayState) => s.saving;

/** Show what the play is at, in the lab store's past moment. */
function show(replay: ReplayView, playback: Playback): void {
  const frame = frameOf(replay, playback.at);
  if (frame) showPast({ at: playback.at, momentAt: frame.cluster.at, cluster: frame.cluster, events: frame.events, liveAt: replay.endAt });
}

function setPlayback(next: (playback: Playback, replay: ReplayView) => Playback): void {
  const { replay, playback } = useReplay.getState();
  if (!replay) return;
  const moved = next(playback, replay);
  if (moved === playback) return;
  useReplay.setState({ playback: moved });
  if (moved.at !== playback.at) show(replay, moved);
}

export function replayLoaded(replay: ReplayView): void {
  const playback = startPlayback(replay);
  useReplay.setState({ replay, loadError: null, playback });
  show(replay, playback);
}

export function replayFailed(message: string): void {
  useReplay.setState({ replay: null, loadError: message });
}

export const tick = (wallMillis: number) => setPlayback((p, r) => advance(p, wallMillis, r.endAt));
export const playPause = () => setPlayback((p, r) => togglePlaying(p, r));
export const setSpeed = (speed: number) => setPlayback((p) => withSpeed(p, speed));
export const seekTo = (at: number) => setPlayback((p, r) => seek(p, at, r));

export function savingStarted(): void {
  useReplay.setState({ saving: true, saveError: null });
}

export function savingDone(result: { saved: SavedReplay } | { error: string }): void {
  useReplay.setState('saved' in result ? { saving: false, saved: result.saved, saveError: null } : { saving: false, saveError: result.error });
}
