import type { LabEvent } from '@rslab/protocol';

/** The most timeline events the page keeps; older ones fall off the front. */
export const eventsKeptMax = 2_000;

/**
 * Adds new events to the kept ones: drops ids already held (a reconnect may resend), keeps time
 * order (stable for equal times) and the newest `max` only. Returns `existing` itself when
 * nothing changed, so selectors do not re-render.
 */
export function appendEvents(existing: readonly LabEvent[], incoming: readonly LabEvent[], max = eventsKeptMax): readonly LabEvent[] {
  if (max < 1) throw new RangeError('max must be at least 1');
  if (incoming.length === 0) return existing;
  const seen = new Set(existing.map((e) => e.id));
  const fresh = incoming.filter((e) => {
    if (seen.has(e.id)) return false;
    seen.add(e.id);
    return true;
  });
  if (fresh.length === 0) return existing;
  const last = existing[existing.length - 1];
  const inOrder = fresh.every((e, i) => e.at >= (i === 0 ? (last?.at ?? Number.NEGATIVE_INFINITY) : (fresh[i - 1] as LabEvent).at));
  const merged = inOrder ? [...existing, ...fresh] : [...existing, ...fresh].sort((a, b) => a.at - b.at || a.id - b.id);
  return merged.length > max ? merged.slice(merged.length - max) : merged;
}
