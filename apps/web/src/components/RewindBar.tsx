import { useRef, type KeyboardEvent, type MouseEvent } from 'react';
import type { LabClient } from '../app/labClient';
import { selectBranching, selectHistoryFrom, selectLiveCluster, selectPast, useLab } from '../store/lab';
import { positionText, sliderAtFraction, sliderTarget, viewingText } from '../timeline/rewind';

/**
 * The rewind bar above the timeline: the "Timeline position" slider (WAI-ARIA slider; keys in
 * timeline/rewind.ts), what moment is shown, "Back to live" and "Branch from here".
 */
export function RewindBar({ client }: { client: LabClient }) {
  const live = useLab(selectLiveCluster);
  const past = useLab(selectPast);
  const historyFrom = useLab(selectHistoryFrom);
  const branching = useLab(selectBranching);
  const track = useRef<HTMLDivElement>(null);
  if (!live) return null;
  const liveAt = Math.max(live.at, past?.liveAt ?? 0);
  const min = Math.min(historyFrom ?? liveAt, past?.at ?? liveAt);
  const value = past ? past.at : liveAt;
  const go = (target: number | 'live') => {
    if (target === 'live') client.backToLive();
    else client.viewAt(target);
  };
  const onKey = (event: KeyboardEvent<HTMLDivElement>) => {
    const target = sliderTarget(event.key, value, min, liveAt);
    if (target === null) return;
    event.preventDefault();
    go(target);
  };
  const onClick = (event: MouseEvent<HTMLDivElement>) => {
    const box = track.current?.getBoundingClientRect();
    if (!box || box.width === 0) return;
    go(sliderAtFraction((event.clientX - box.left) / box.width, min, liveAt));
  };
  const fraction = liveAt > min ? (value - min) / (liveAt - min) : 1;
  return (
    <div className={`rewind-bar${past ? ' rewind-past' : ''}`}>
      <div
        ref={track}
        className="rewind-track"
        role="slider"
        tabIndex={0}
        aria-label="Timeline position"
        aria-valuemin={min}
        aria-valuemax={liveAt}
        aria-valuenow={value}
        aria-valuetext={positionText(value, liveAt, past === null)}
        onKeyDown={onKey}
        onClick={onClick}
      >
        <div className="rewind-fill" style={{ width: `${Math.round(fraction * 100)}%` }} />
        <div className="rewind-thumb" style={{ left: `${Math.round(fraction * 100)}%` }} />
      </div>
      {past ? (
        <>
          <strong className="rewind-status" role="status">
            {viewingText(past.at, liveAt)}
          </strong>
          <button type="button" onClick={() => client.backToLive()}>
            Back to live
          </button>
          <button type="button" onClick={() => client.branchFromPast()} disabled={branching}>
            Branch from here
          </button>
        </>
      ) : (
        <span className="rewind-status muted">live{historyFrom !== null ? ` — history reaches back ${Math.round((liveAt - historyFrom) / 1000)} s` : ''}</span>
      )}
    </div>
  );
}
