import { clockText } from '../cluster/format';
import type { PastMoment } from '../store/lab';

/** One step of the "Timeline position" slider's arrows, and of PageUp/PageDown, in sandbox millis. */
export const arrowStepMillis = 1000;
export const pageStepMillis = 10_000;

/**
 * Where a key sends the "Timeline position" slider (WAI-ARIA slider pattern, as the issue asks):
 * ArrowLeft/ArrowRight 1 s back/forward, PageDown/PageUp 10 s back/forward, Home the start of the
 * history, End live. `live` when the target is now or later; null for a key the slider ignores.
 */
export function sliderTarget(key: string, value: number, min: number, live: number): number | 'live' | null {
  let target: number;
  switch (key) {
    case 'ArrowLeft':
    case 'ArrowDown':
      target = value - arrowStepMillis;
      break;
    case 'ArrowRight':
    case 'ArrowUp':
      target = value + arrowStepMillis;
      break;
    case 'PageDown':
      target = value - pageStepMillis;
      break;
    case 'PageUp':
      target = value + pageStepMillis;
      break;
    case 'Home':
      target = min;
      break;
    case 'End':
      return 'live';
    default:
      return null;
  }
  if (target >= live) return 'live';
  return Math.max(min, target);
}

/**
 * Where the slider stands: where it was last sent (`viewTarget`, its answer maybe still on the way),
 * else the past moment shown, else live. Keys step on from there, so presses quicker than the
 * server's answers each move it.
 */
export function sliderValue(viewTarget: number | null, pastAt: number | null, liveAt: number): number {
  return viewTarget ?? pastAt ?? liveAt;
}

/** Where a click at `fraction` (0..1) of the slider's track goes. */
export function sliderAtFraction(fraction: number, min: number, live: number): number | 'live' {
  const clamped = Math.min(1, Math.max(0, fraction));
  const target = Math.round(min + clamped * (live - min));
  return target >= live ? 'live' : target;
}

/** What the page says while it shows the past: "Viewing 12:03:41 — 38 s ago". */
export function viewingText(at: number, liveAt: number): string {
  return `Viewing ${clockText(at)} — ${Math.max(0, Math.round((liveAt - at) / 1000))} s ago`;
}

/** The notice while a past moment shows: "Viewing 12:03:41 — 38 s ago", and who chose it in a room. */
export function pastNotice(past: PastMoment, liveAt: number): string {
  return past.by === 'instructor' ? `${viewingText(past.at, liveAt)} — the instructor rewound the class` : viewingText(past.at, liveAt);
}

/** The slider's aria-valuetext. */
export function positionText(at: number, liveAt: number, live: boolean): string {
  return live ? `live, ${clockText(liveAt)}` : viewingText(at, liveAt);
}

/** The terminal pane's banner while it shows the past: "Terminal as at 12:03:41 — the past, read-only". */
export function pastTerminalText(at: number): string {
  return `Terminal as at ${clockText(at)} — the past, read-only`;
}
