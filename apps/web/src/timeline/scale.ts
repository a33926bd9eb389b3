import { clockText } from '../cluster/format';

/** A linear map from sandbox millis to pixels, with tick marks at round steps. */
export interface TimeScale {
  domain: readonly [number, number];
  range: readonly [number, number];
  x(at: number): number;
  ticks(countMax: number): Tick[];
}

export interface Tick {
  at: number;
  x: number;
  /** The sandbox clock at the tick: `1:05`, or `1:05.5` when ticks are under a second apart. */
  label: string;
}

const tickStepsMillis = [100, 200, 500, 1_000, 2_000, 5_000, 10_000, 15_000, 30_000, 60_000, 120_000, 300_000, 600_000, 1_800_000, 3_600_000];

/** The smallest round step that puts at most `countMax` ticks over `spanMillis`. */
export function tickStep(spanMillis: number, countMax: number): number {
  if (countMax < 1) throw new RangeError('countMax must be at least 1');
  for (const step of tickStepsMillis) if (spanMillis / step <= countMax) return step;
  return tickStepsMillis[tickStepsMillis.length - 1] as number;
}

export function timeScale(domain: readonly [number, number], range: readonly [number, number]): TimeScale {
  const [d0, d1Raw] = domain;
  const d1 = d1Raw > d0 ? d1Raw : d0 + 1;
  const [r0, r1] = range;
  const k = (r1 - r0) / (d1 - d0);
  const x = (at: number) => r0 + (at - d0) * k;
  return {
    domain: [d0, d1],
    range,
    x,
    ticks(countMax) {
      const step = tickStep(d1 - d0, countMax);
      const ticks: Tick[] = [];
      for (let at = Math.ceil(d0 / step) * step; at <= d1; at += step) {
        ticks.push({ at, x: x(at), label: clockText(at, step < 1_000 || at % 1_000 !== 0) });
      }
      return ticks;
    },
  };
}

export function relativeLabel(millis: number): string {
  const seconds = millis / 1000;
  if (seconds >= 60 && seconds % 60 === 0) return `+${seconds / 60} min`;
  if (seconds >= 60) return `+${Math.floor(seconds / 60)}:${String(Math.round(seconds % 60)).padStart(2, '0')}`;
  return `+${Number.isInteger(seconds) ? seconds : seconds.toFixed(1)} s`;
}

/**
 * The time window to draw: the last `windowMillis` up to `now` (or everything when null), never
 * empty, and starting no earlier than the first event.
 */
export function visibleDomain(firstAt: number | null, now: number, windowMillis: number | null): [number, number] {
  const end = Math.max(now, firstAt ?? now);
  let start = windowMillis === null ? (firstAt ?? end) : Math.max(end - windowMillis, firstAt ?? end - windowMillis);
  if (end - start < 1_000) start = end - 1_000;
  return [start, end];
}
