import type { LabEvent } from '../protocol/messages';

/** A sandbox's timeline: cluster and driver events, bounded, with listeners for live views. */
export class EventLog {
  private readonly events: LabEvent[] = [];
  private nextId = 1;
  private readonly listeners = new Set<(event: LabEvent) => void>();

  constructor(
    private readonly now: () => number,
    private readonly eventsMax = 2000,
  ) {}

  add(event: Omit<LabEvent, 'id' | 'at'> & { at?: number }): LabEvent {
    const full: LabEvent = { ...event, id: this.nextId, at: event.at ?? this.now() };
    this.nextId += 1;
    this.events.push(full);
    if (this.events.length > this.eventsMax) this.events.splice(0, this.events.length - this.eventsMax);
    for (const listener of this.listeners) listener(full);
    return full;
  }

  all(): LabEvent[] {
    return [...this.events];
  }

  subscribe(listener: (event: LabEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
