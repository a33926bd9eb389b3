import type { OpTimeView } from '@rslab/protocol';

/** Millis as a short duration a person reads at a glance: `850 ms`, `2.4 s`, `3 min 05 s`. */
export function durationText(millis: number): string {
  if (!Number.isFinite(millis)) return '—';
  const abs = Math.abs(millis);
  const sign = millis < 0 ? '−' : '';
  if (abs < 1000) return `${sign}${Math.round(abs)} ms`;
  if (abs < 60_000) return `${sign}${(abs / 1000).toFixed(abs < 10_000 ? 1 : 0)} s`;
  const minutes = Math.floor(abs / 60_000);
  const seconds = Math.floor((abs % 60_000) / 1000);
  return `${sign}${minutes} min ${String(seconds).padStart(2, '0')} s`;
}

/** An optime as MongoDB prints it, shortened: `{ts: 1700000000:3, t: 2}` becomes `1700000000:3 (t2)`. */
export function optimeText(optime: OpTimeView | null): string {
  if (!optime) return '—';
  return `${optime.ts}:${optime.i} (t${optime.t})`;
}

export function lagText(lagMillis: number | null): string {
  if (lagMillis === null) return '—';
  if (lagMillis <= 0) return 'none';
  return durationText(lagMillis);
}

/** Below this the sandbox clock counts from zero (fixtures, tests); above it, it is a date. */
const clockDateFromMillis = 86_400_000;

/**
 * Sandbox clock time as `m:ss` (or `h:mm:ss`), with tenths when asked: `1:04`, `1:04.3`. A clock
 * that holds a date (the server's sandboxes start at the wall clock) reads as the local time of
 * day, `14:03:07`, not as half a million hours.
 */
export function clockText(millis: number, tenths = false): string {
  const total = Math.max(0, millis);
  const frac = tenths ? `.${Math.floor((total % 1000) / 100)}` : '';
  if (total >= clockDateFromMillis) {
    const date = new Date(total);
    const two = (n: number) => String(n).padStart(2, '0');
    return `${two(date.getHours())}:${two(date.getMinutes())}:${two(date.getSeconds())}${frac}`;
  }
  const hours = Math.floor(total / 3_600_000);
  const minutes = Math.floor((total % 3_600_000) / 60_000);
  const seconds = Math.floor((total % 60_000) / 1000);
  const ss = String(seconds).padStart(2, '0');
  return hours > 0 ? `${hours}:${String(minutes).padStart(2, '0')}:${ss}${frac}` : `${minutes}:${ss}${frac}`;
}
