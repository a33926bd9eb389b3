import { useEffect, useMemo, useRef, useState } from 'react';
import type { LabEvent } from '@rslab/protocol';
import { clockText } from '../cluster/format';
import { shortHost } from '../cluster/states';
import { clusterMarkers, type MarkerGroup } from '../timeline/clustering';
import { assignLanes, laneKey } from '../timeline/lanes';
import { nextMarker } from '../timeline/navigation';
import { isStroked, legendText, markerPath, markerStyle } from '../timeline/markers';
import { timeScale, visibleDomain } from '../timeline/scale';
import { counted } from '../text/plural';
import { placeTip } from '../timeline/tip';
import { selectCluster, selectEvents, selectMemberHosts, selectPresenterZoom, useLab } from '../store/lab';

const windows = [
  { label: 'last 30 s', millis: 30_000 },
  { label: 'last 2 min', millis: 120_000 },
  { label: 'everything', millis: null },
] as const;
const laneHeightPx = 24;
const labelWidthPx = 150;
/** Below this plot width, lanes are labelled by port only. */
const narrowPlotPx = 600;
const narrowLabelWidthPx = 64;
/** Presenter zoom's lane labels are 15 px instead of 11. */
const presenterLabelScale = 15 / 11;
const axisHeightPx = 22;
const markerRadiusPx = 6;
/** Room a group's "×N" count takes right of its marker. */
const countRoomPx = 12;
/** The tooltip's preferred width (it narrows on a narrow plot). */
const tipWidthPx = 320;
const listRowsMax = 300;
/** Events a grouped marker's accessible name spells out before saying how many more. */
const labelEventsMax = 4;

/** Cluster and driver events on one time axis: swimlanes per member and one for the driver. */
/** `onGoTo`: "go to this moment" on an event of the list view (the rewind slider jumps there). */
export default function Timeline({ onGoTo }: { onGoTo?: (at: number) => void } = {}) {
  const events = useLab(selectEvents);
  const cluster = useLab(selectCluster);
  const hostsKey = useLab(selectMemberHosts);
  const [view, setView] = useState<'plot' | 'list'>('plot');
  const [windowIndex, setWindowIndex] = useState(1);
  const hosts = useMemo(() => (hostsKey ? hostsKey.split(',') : []), [hostsKey]);
  const now = Math.max(cluster?.at ?? 0, events[events.length - 1]?.at ?? 0);
  const windowMillis = windows[windowIndex]?.millis ?? null;
  const [from, to] = visibleDomain(events[0]?.at ?? null, now, windowMillis);
  const domain = useMemo((): [number, number] => [from, to], [from, to]);
  const shown = useMemo(() => events.filter((e) => e.at >= from && e.at <= to), [events, from, to]);
  return (
    <div className="timeline">
      <div className="timeline-head">
        <h2 className="pane-title">Timeline</h2>
        <div className="segmented" role="group" aria-label="Timeline view">
          <button type="button" aria-pressed={view === 'plot'} onClick={() => setView('plot')}>
            plot
          </button>
          <button type="button" aria-pressed={view === 'list'} onClick={() => setView('list')}>
            list
          </button>
        </div>
        <label className="timeline-window">
          show
          <select value={windowIndex} onChange={(e) => setWindowIndex(Number(e.target.value))}>
            {windows.map((w, i) => (
              <option key={w.label} value={i}>
                {w.label}
              </option>
            ))}
          </select>
        </label>
        <span className="pane-meta">
          {shown.length} of {counted(events.length, 'event')}
        </span>
      </div>
      {events.length === 0 ? (
        <p className="muted">Nothing yet: cluster and driver events line up here as they happen.</p>
      ) : view === 'plot' ? (
        <Plot events={shown} hosts={hosts} domain={domain} />
      ) : (
        <EventList events={shown} onGoTo={onGoTo} />
      )}
    </div>
  );
}

function Plot({ events, hosts, domain }: { events: readonly LabEvent[]; hosts: string[]; domain: [number, number] }) {
  const box = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(800);
  const [activeState, setActive] = useState<{ id: number; pinned: boolean } | null>(null);
  // One tab stop for the whole plot (the focused marker, else the newest); arrows move inside.
  const [focusId, setFocusId] = useState<number | null>(null);
  const markerElements = useRef(new Map<number, SVGGElement>());
  // Presenter zoom draws the lane labels larger (styles.css): their column widens to match.
  const zoom = useLab(selectPresenterZoom);
  useEffect(() => {
    const element = box.current;
    if (!element) return;
    const observer = new ResizeObserver(([entry]) => {
      if (entry) setWidth(Math.max(320, Math.floor(entry.contentRect.width)));
    });
    observer.observe(element);
    return () => observer.disconnect();
  }, []);
  const lanes = useMemo(() => assignLanes(hosts, events), [hosts, events]);
  const laneIndex = new Map(lanes.map((lane, i) => [lane.key, i]));
  const narrow = width < narrowPlotPx;
  const labelWidth = (narrow ? narrowLabelWidthPx : labelWidthPx) * (zoom ? presenterLabelScale : 1);
  const scale = timeScale(domain, [labelWidth + markerRadiusPx, width - markerRadiusPx - 18]);
  // Markers closer than a marker plus its "×N" count are drawn as one: counts never touch (×8×10×9).
  const groups = clusterMarkers(events, laneKey, scale.x, markerRadiusPx * 2 + countRoomPx);
  const tabStopId = groups.some((g) => g.events[0]?.id === focusId) ? focusId : (groups[groups.length - 1]?.events[0]?.id ?? null);
  const moveFocus = (fromIndex: number, key: string): boolean => {
    const to = nextMarker(groups, lanes.map((l) => l.key), fromIndex, key);
    if (to === null) return false;
    const id = groups[to]?.events[0]?.id;
    if (id !== undefined) {
      setFocusId(id);
      markerElements.current.get(id)?.focus();
    }
    return true;
  };
  const activeGroup = activeState ? groups.find((g) => g.events[0]?.id === activeState.id) : undefined;
  const active: { group: MarkerGroup; pinned: boolean } | null = activeGroup && activeState ? { group: activeGroup, pinned: activeState.pinned } : null;
  const height = axisHeightPx + lanes.length * laneHeightPx + 4;
  const ticks = scale.ticks(Math.max(2, Math.floor((width - labelWidth) / 90)));
  const kinds = [...new Set(groups.map((g) => g.kind))];
  const tip = active
    ? placeTip({ x: active.group.x, laneIndex: laneIndex.get(active.group.lane) ?? 0, lanes: lanes.length, laneHeightPx, axisHeightPx, width, labelWidth, tipWidthPx: tipWidthPx })
    : null;
  const grouped = groups.some((group) => group.events.length > 1);
  // The legend sits under the plot, outside its scroll box: with a few lanes the plot scrolls, and
  // a legend at the bottom of what scrolls was cut in half at 1280x800.
  return (
    <>
      <div className="plot" ref={box} onMouseLeave={() => setActive((a) => (a?.pinned ? a : null))}>
        <svg width={width} height={height} className="plot-svg" aria-label="Timeline plot: arrow keys move between events, Enter keeps the details open" role="group">
          {ticks.map((tick) => (
            <g key={tick.at} transform={`translate(${tick.x} 0)`} aria-hidden="true">
              <line y1={axisHeightPx - 4} y2={height} className="grid" />
              <text y={axisHeightPx - 8} textAnchor="middle" className="tick">
                {tick.label}
              </text>
            </g>
          ))}
          {lanes.map((lane, i) => (
            <g key={lane.key} transform={`translate(0 ${axisHeightPx + i * laneHeightPx})`} aria-hidden="true">
              <rect x={0} width={width} height={laneHeightPx} className={i % 2 === 0 ? 'lane even' : 'lane odd'} />
              <text x={8} y={laneHeightPx / 2} dy="0.35em" className="lane-label">
                {narrow ? shortHost(lane.label, hosts) : lane.label}
              </text>
            </g>
          ))}
          {groups.map((group, index) => {
            const style = markerStyle(group.kind);
            const y = axisHeightPx + (laneIndex.get(group.lane) ?? 0) * laneHeightPx + laneHeightPx / 2;
            const first = group.events[0] as LabEvent;
            const last = group.events[group.events.length - 1] as LabEvent;
            const label =
              group.events.length === 1
                ? `${clockText(first.at, true)}, ${group.lane}: ${first.text}`
                : `${counted(group.events.length, 'event')} from ${clockText(first.at, true)} to ${clockText(last.at, true)} on ${group.lane}: ${group.events
                    .slice(0, labelEventsMax)
                    .map((e) => e.text)
                    .join('; ')}${group.events.length > labelEventsMax ? `; and ${group.events.length - labelEventsMax} more` : ''}`;
            const color = `var(${style.colorVar})`;
            const isActive = active?.group === group;
            const id = first.id;
            return (
              <g key={first.id}>
                {group.endX !== undefined && group.endX > group.x && (
                  <line x1={group.x} x2={group.endX} y1={y} y2={y} stroke={color} strokeWidth={2} strokeDasharray="4 3" className="run-tail" aria-hidden="true" />
                )}
                <g
                  transform={`translate(${group.x} ${y})`}
                  className={`marker${isActive ? ' active' : ''}`}
                  tabIndex={id === tabStopId ? 0 : -1}
                  ref={(element) => {
                    if (element) markerElements.current.set(id, element);
                    else markerElements.current.delete(id);
                  }}
                  role="button"
                  aria-label={label}
                  aria-pressed={isActive && active?.pinned ? true : undefined}
                  onMouseEnter={() => setActive((a) => (a?.pinned ? a : { id, pinned: false }))}
                  onFocus={() => {
                    setFocusId(id);
                    setActive((a) => (a?.pinned && a.id !== id ? { id, pinned: false } : a?.id === id ? a : { id, pinned: false }));
                  }}
                  onBlur={() => setActive((a) => (a?.id === id && !a.pinned ? null : a))}
                  onClick={() => setActive((a) => (a?.id === id && a.pinned ? null : { id, pinned: true }))}
                  onKeyDown={(e) => {
                    if (e.key === 'Enter' || e.key === ' ') {
                      e.preventDefault();
                      setActive((a) => (a?.id === id && a.pinned ? null : { id, pinned: true }));
                    } else if (e.key === 'Escape') setActive(null);
                    else if (moveFocus(index, e.key)) e.preventDefault();
                  }}
                >
                  <circle r={markerRadiusPx + 4} className="hit" />
                  <path d={markerPath(style.shape, markerRadiusPx)} fill={isStroked(style.shape) ? 'none' : color} stroke={color} strokeWidth={isStroked(style.shape) ? 2.5 : 1} />
                  {group.events.length > 1 && (
                    // "×3" on a dark halo: counts of neighbouring markers no longer read as one number.
                    <text x={markerRadiusPx + 1} y={-markerRadiusPx + 1} className="count">
                      ×{group.events.length}
                    </text>
                  )}
                </g>
              </g>
            );
          })}
        </svg>
        {active && tip && (
          <div className={`plot-tip${tip.above ? ' above' : ''}`} style={{ left: tip.left, top: tip.top, maxWidth: tip.maxWidth }} aria-hidden="true">
            {active.group.events.slice(0, 8).map((e) => (
              <div key={e.id}>
                <span className="tip-time">{clockText(e.at, true)}</span> {e.text}
              </div>
            ))}
            {active.group.events.length > 8 && <div className="muted">…and {active.group.events.length - 8} more</div>}
          </div>
        )}
      </div>
      <ul className="legend" aria-label="Marker kinds">
        {kinds.map((kind) => {
          const style = markerStyle(kind);
          const color = `var(${style.colorVar})`;
          return (
            <li key={kind}>
              <svg width={14} height={14} viewBox="-7 -7 14 14" aria-hidden="true">
                <path d={markerPath(style.shape, 5)} fill={isStroked(style.shape) ? 'none' : color} stroke={color} strokeWidth={isStroked(style.shape) ? 2 : 1} />
              </svg>
              {legendText(kind)}
            </li>
          );
        })}
        {grouped && (
          <li className="legend-count">
            <span aria-hidden="true">×3</span> events too close to draw apart: point at the marker (or focus it) to list them
          </li>
        )}
      </ul>
    </>
  );
}

function EventList({ events, onGoTo }: { events: readonly LabEvent[]; onGoTo?: ((at: number) => void) | undefined }) {
  const rows = events.slice(-listRowsMax).reverse();
  return (
    <ol className="event-list" aria-label="Timeline events, newest first">
      {rows.map((e) => (
        <li key={e.id}>
          <span className="ev-time">{clockText(e.at, true)}</span>
          <span className={`ev-source ev-${e.source}`}>{e.source}</span>
          <span className="ev-member">{e.member ?? ''}</span>
          <span className="ev-kind">{e.kind}</span>
          <span className="ev-text">{e.text}</span>
          {onGoTo && (
            <button type="button" className="link-button ev-goto" onClick={() => onGoTo(e.at)} aria-label={`go to this moment: ${clockText(e.at)} ${e.text}`}>
              go to this moment
            </button>
          )}
        </li>
      ))}
      {events.length > listRowsMax && <li className="muted">({counted(events.length - listRowsMax, 'older event')} not listed; see “everything” in the plot)</li>}
    </ol>
  );
}
