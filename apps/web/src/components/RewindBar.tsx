import type { LabClient } from '../app/labClient';
import { selectBranching, selectHistoryFrom, selectInputLocked, selectLiveCluster, selectPast, selectViewTarget, useLab } from '../store/lab';
import { pastNotice, positionText, sliderValue } from '../timeline/rewind';
import { PositionSlider } from './PositionSlider';

/**
 * The rewind bar above the timeline: the "Timeline position" slider (WAI-ARIA slider; keys in
 * timeline/rewind.ts), what moment is shown, "Back to live" and "Branch from here".
 */
export function RewindBar({ client }: { client: LabClient }) {
  const live = useLab(selectLiveCluster);
  const past = useLab(selectPast);
  const historyFrom = useLab(selectHistoryFrom);
  const branching = useLab(selectBranching);
  const viewTarget = useLab(selectViewTarget);
  // A follower's page may look at the past but not branch the instructor's sandbox.
  const readOnly = useLab(selectInputLocked) !== null;
  if (!live) return null;
  const liveAt = Math.max(live.at, past?.liveAt ?? 0);
  const value = sliderValue(viewTarget, past?.at ?? null, liveAt);
  const min = Math.min(historyFrom ?? liveAt, value);
  const go = (target: number | 'live') => {
    if (target === 'live') client.backToLive();
    else client.viewAt(target);
  };
  return (
    <div className={`rewind-bar${past ? ' rewind-past' : ''}`}>
      <PositionSlider label="Timeline position" min={min} max={liveAt} value={value} valueText={positionText(value, liveAt, past === null)} onGo={go} />
      {past ? (
        <>
          <strong className="rewind-status" role="status">
            {pastNotice(past, liveAt)}
          </strong>
          <button type="button" onClick={() => client.backToLive()}>
            Back to live
          </button>
          <button type="button" onClick={() => client.branchFromPast()} disabled={branching || readOnly}>
            Branch from here
          </button>
        </>
      ) : (
        <span className="rewind-status muted">live{historyFrom !== null ? ` — history reaches back ${Math.round((liveAt - historyFrom) / 1000)} s` : ''}</span>
      )}
    </div>
  );
}
