import { describe, expect, it } from 'vitest';
import type { ClusterSnapshot, LabEvent } from '../src/messages';
import { eventsCountAt, eventsDigest, frameAt } from '../src/replay';
import { parseClientMessage } from '../src/validate';

const event = (id: number, at: number, text: string, member?: string): LabEvent => ({ id, at, source: 'cluster', kind: 'stateChange', text, ...(member ? { member } : {}) });
const frame = (at: number): ClusterSnapshot => ({ at, speed: 1, paused: false, setName: 'rs0', members: [], links: [] });

describe('eventsDigest', () => {
  const events = [event(1, 1000, 'a is PRIMARY', 'a:1'), event(2, 2000, 'b is PRIMARY', 'b:1')];

  it('is the same for the same events, whatever their ids (a copy renumbers them)', () => {
    expect(eventsDigest(events)).toBe(eventsDigest(events.map((e, i) => ({ ...e, id: 100 + i }))));
    expect(eventsDigest(events)).toMatch(/^2-[0-9a-f]{8}$/);
    expect(eventsDigest([])).toBe('0-811c9dc5');
  });

  it('tells a different time, text, member, order or count apart', () => {
    const base = eventsDigest(events);
    expect(eventsDigest([{ ...events[0]!, at: 1001 }, events[1]!])).not.toBe(base);
    expect(eventsDigest([{ ...events[0]!, text: 'a is SECONDARY' }, events[1]!])).not.toBe(base);
    expect(eventsDigest([{ ...events[0]!, member: 'c:1' }, events[1]!])).not.toBe(base);
    expect(eventsDigest([events[1]!, events[0]!])).not.toBe(base);
    expect(eventsDigest(events.slice(0, 1))).not.toBe(base);
  });
});

describe('frameAt and eventsCountAt', () => {
  const frames = [frame(1000), frame(2000), frame(3000)];

  it('shows the last frame at or before a time, the first before the start', () => {
    expect(frameAt(frames, 500)?.at).toBe(1000);
    expect(frameAt(frames, 1000)?.at).toBe(1000);
    expect(frameAt(frames, 2999)?.at).toBe(2000);
    expect(frameAt(frames, 9000)?.at).toBe(3000);
    expect(frameAt([], 1000)).toBeNull();
  });

  it('counts the events at or before a time', () => {
    const events = [event(1, 1000, 'x'), event(2, 1000, 'y'), event(3, 2500, 'z')];
    expect(eventsCountAt(events, 999)).toBe(0);
    expect(eventsCountAt(events, 1000)).toBe(2);
    expect(eventsCountAt(events, 2500)).toBe(3);
  });
});

describe('replay.branch', () => {
  it('is a client message with a replay id, refused with a bad one', () => {
    expect(parseClientMessage('{"type":"replay.branch","requestId":1,"replayId":"r-0123456789ab","at":5}').ok).toBe(true);
    expect(parseClientMessage('{"type":"replay.branch","requestId":1,"replayId":"../etc","at":5}')).toMatchObject({ ok: false, message: expect.stringContaining('/replayId') });
  });
});
