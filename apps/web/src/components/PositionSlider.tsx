import { useRef, type KeyboardEvent, type MouseEvent } from 'react';
import { sliderAtFraction, sliderTarget } from '../timeline/rewind';

/**
 * A WAI-ARIA slider over sandbox time from `min` to `max` (keys in timeline/rewind.ts; a click
 * goes where it lands): the rewind bar's "Timeline position" and a replay's "Replay position".
 * `onGo` gets a time, or `live` for `max` and beyond.
 */
export function PositionSlider({ label, min, max, value, valueText, onGo }: { label: string; min: number; max: number; value: number; valueText: string; onGo: (target: number | 'live') => void }) {
  const track = useRef<HTMLDivElement>(null);
  const onKey = (event: KeyboardEvent<HTMLDivElement>) => {
    const target = sliderTarget(event.key, value, min, max);
    if (target === null) return;
    event.preventDefault();
    onGo(target);
  };
  const onClick = (event: MouseEvent<HTMLDivElement>) => {
    const box = track.current?.getBoundingClientRect();
    if (!box || box.width === 0) return;
    onGo(sliderAtFraction((event.clientX - box.left) / box.width, min, max));
  };
  const percent = `${Math.round((max > min ? (value - min) / (max - min) : 1) * 100)}%`;
  return (
    <div
      ref={track}
      className="rewind-track"
      role="slider"
      tabIndex={0}
      aria-label={label}
      aria-valuemin={min}
      aria-valuemax={max}
      aria-valuenow={Math.round(value)}
      aria-valuetext={valueText}
      onKeyDown={onKey}
      onClick={onClick}
    >
      <div className="rewind-fill" style={{ width: percent }} />
      <div className="rewind-thumb" style={{ left: percent }} />
    </div>
  );
}
