import type { OpTimeView } from '@rslab/server/protocol';

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
