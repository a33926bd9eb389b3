import { Suspense, lazy, useEffect } from 'react';
import type { LabClient } from '../app/labClient';
import { playbackText, replaySpeeds, shownDigest } from '../replay/player';
import { replayBranchHash } from '../replay/route';
import { playPause, seekTo, selectLoadError, selectPlayback, selectReplay, setSpeed, tick, useReplay } from '../store/replay';
import { ClusterPane } from './ClusterPane';
import { PositionSlider } from './PositionSlider';
import { ReplayTerminals } from './ReplayTerminals';

const Timeline = lazy(() => import('./Timeline'));

/** How often a playing replay moves on, in page millis. */
const tickMillis = 100;

/**
 * A shared replay (`#replay=<id>`), read-only: the cluster and timeline as they were, the
 * "Replay position" slider, play/pause, the speed, and "Branch from here" into a sandbox of one's own;
 * the saving page's terminals, read-only, as they were at the replay's moment.
 * `client` is never started here: the cluster pane's controls are disabled while a past moment shows.
 */
export function ReplayApp({ client }: { client: LabClient }) {
  const replay = useReplay(selectReplay);
  const loadError = useReplay(selectLoadError);
  const at = useReplay(selectPlayback).at;
  const withTerminals = (replay?.terminals.length ?? 0) > 0;
  return (
    <div className="app replay-app">
      <header className="app-header">
        <h1>Replica Set Lab</h1>
        <span className="replay-title">{replay ? `Replay “${replay.name}”` : loadError ? 'Replay not found' : 'Loading the replay…'}</span>
        <div className="header-tools">
          <a href="/">Open the lab</a>
        </div>
      </header>
      {loadError && (
        <div className="notice" role="alert">
          {loadError}
        </div>
      )}
      {replay && (
        <main className={`layout replay-layout${withTerminals ? ' replay-with-terminals' : ''}`}>
          {withTerminals && <ReplayTerminals terminals={replay.terminals} at={at} />}
          <ClusterPane client={client} />
          <section className="pane timeline-pane" aria-label="Timeline">
            <ReplayBar />
            <Suspense fallback={<p className="muted">Loading the timeline…</p>}>
              <Timeline onGoTo={seekTo} />
            </Suspense>
          </section>
        </main>
      )}
    </div>
  );
}

function ReplayBar() {
  const replay = useReplay(selectReplay);
  const playback = useReplay(selectPlayback);
  useEffect(() => {
    if (!playback.playing) return undefined;
    let last = performance.now();
    const timer = setInterval(() => {
      const now = performance.now();
      tick(now - last);
      last = now;
    }, tickMillis);
    return () => clearInterval(timer);
  }, [playback.playing]);
  if (!replay) return null;
  const { startAt, endAt } = replay;
  const go = (target: number | 'live') => seekTo(target === 'live' ? endAt : target);
  const branch = () => {
    // The hash change reloads the page (main.tsx), which opens the lab and asks for the branch.
    window.location.hash = replayBranchHash(replay.id, playback.at);
  };
  return (
    <div className="rewind-bar rewind-past replay-bar">
      <PositionSlider label="Replay position" min={startAt} max={endAt} value={playback.at} valueText={playbackText(replay, playback.at)} onGo={go} />
      <button type="button" onClick={playPause} aria-pressed={playback.playing}>
        {playback.playing ? 'Pause' : 'Play'}
      </button>
      <label>
        speed{' '}
        <select aria-label="Replay speed" value={String(playback.speed)} onChange={(e) => setSpeed(Number(e.target.value))}>
          {replaySpeeds.map((speed) => (
            <option key={speed} value={String(speed)}>
              {speed}×
            </option>
          ))}
        </select>
      </label>
      <strong className="rewind-status" role="status">
        {playbackText(replay, playback.at)}
      </strong>
      <span className="muted" data-testid="replay-digest" title="digest of the events shown so far; the saved replay's is given when it was saved">
        digest {shownDigest(replay, playback.at)}
      </span>
      <button type="button" onClick={branch} disabled={!replay.branchable} aria-describedby={replay.branchable ? undefined : 'replay-not-branchable'} title={replay.branchable ? 'A live sandbox of your own, as the cluster was at this moment' : undefined}>
        Branch from here
      </button>
      {!replay.branchable && (
        // A tooltip is not seen on a phone: say it on the page.
        <span id="replay-not-branchable" className="muted">
          Watch only: this server does not hold the members of this replay (it was saved on another server, or this server restarted since).
        </span>
      )}
    </div>
  );
}
