import type { LabEvent } from '@rslab/protocol';

/**
 * A sandbox's timeline: cluster and driver events, bounded, with listeners for live views.
 * A ring of `eventsMax` slots, so a full timeline costs the same per event as an empty one.
 */
export class EventLog {
  private readonly ring: LabEvent[] = [];
  /** Index in `ring` of the oldest event once the ring is full. */
  private oldest = 0;
  private nextId = 1;
  /** The time of the newest event (-Infinity before the first). */
  private lastAt = Number.NEGATIVE_INFINITY;
  private readonly listeners = new Set<(event: LabEvent) => void>();

  constructor(
    private readonly now: () => number,
    private readonly eventsMax = 2000,
  ) {
    if (!Number.isInteger(eventsMax) || eventsMax < 1) throw new RangeError(`eventsMax must be a positive integer, not ${eventsMax}`);
  }

  /**
   * Add an event, at `event.at` or now. Times never go back in the log (the page's timeline needs
   * them in order): an event stamped earlier than the last one, as a sandbox worker's event is when
   * it arrives after one the main thread stamped meanwhile, takes the last one's time (off by at
   * most the message's delay in sandbox time).
   */
  add(event: Omit<LabEvent, 'id' | 'at'> & { at?: number }): LabEvent {
    const at = Math.max(event.at ?? this.now(), this.lastAt);
    this.lastAt = at;
    const full: LabEvent = { ...event, id: this.nextId, at };
    this.nextId += 1;
    if (this.ring.length < this.eventsMax) {
      this.ring.push(full);
    } else {
      this.ring[this.oldest] = full;
      this.oldest = (this.oldest + 1) % this.eventsMax;
    }
    for (const listener of this.listeners) listener(full);
    return full;
  }

  /** The id of the newest event so far (0 before the first). Ids only grow. */
  get lastId(): number {
    return this.nextId - 1;
  }

  /** The kept events, oldest first. */
  all(): LabEvent[] {
    return this.oldest === 0 ? [...this.ring] : [...this.ring.slice(this.oldest), ...this.ring.slice(0, this.oldest)];
  }

  subscribe(listener: (event: LabEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
