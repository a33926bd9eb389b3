import { describe, expect, it } from 'vitest';
import type { ClusterSnapshot, LabEvent } from '../src/messages';
import { eventsCountAt, eventsDigest, frameAt, terminalsBytes, trimTerminals, utf8Bytes, type ReplayTerminal } from '../src/replay';
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

describe('utf8Bytes', () => {
  it('counts as UTF-8 encodes: ASCII 1, é 2, € 3, an emoji (a surrogate pair) 4, a lone surrogate 3', () => {
    for (const text of ['abc', 'é', '€', '😀', 'a\x1b[31mé😀€']) expect(utf8Bytes(text), text).toBe(new TextEncoder().encode(text).length);
    expect(utf8Bytes('\ud800')).toBe(3);
  });
});

describe('trimTerminals (a replay keeps the newest terminal writes within replayBytesMax)', () => {
  const servers: ReplayTerminal = { label: 'servers', chunks: [{ at: 1000, data: 'mongod 1\r\n' }, { at: 3000, data: 'kill\r\n' }, { at: 5000, data: '$ ' }] };
  const client: ReplayTerminal = { label: 'client', chunks: [{ at: 2000, data: '>>> c = Connection()\r\n' }, { at: 4000, data: 'AutoReconnect\r\n' }] };

  it('keeps everything that fits', () => {
    const bytes = terminalsBytes([servers, client]);
    expect(trimTerminals([servers, client], bytes)).toEqual({ terminals: [servers, client], dropped: 0 });
  });

  it('drops the oldest writes across tabs first, keeps the tabs, and ends within the bound', () => {
    const full = terminalsBytes([servers, client]);
    // Room for all but two chunks (each with its comma), with each tab's `"chunksDropped":1`: the 1000 (servers) and 2000 (client) ones go.
    const bound = full - JSON.stringify(servers.chunks[0]).length - JSON.stringify(client.chunks[0]).length - 2 + 2 * ',"chunksDropped":1'.length;
    const trimmed = trimTerminals([servers, client], bound);
    expect(trimmed.dropped).toBe(2);
    expect(trimmed.terminals.map((t) => t.chunks.map((c) => c.at))).toEqual([[3000, 5000], [4000]]);
    expect(trimmed.terminals.map((t) => t.chunksDropped)).toEqual([1, 1]);
    expect(terminalsBytes(trimmed.terminals)).toBe(bound);
    const none = trimTerminals([servers, client], 10);
    expect(none.terminals).toEqual([
      { label: 'servers', chunks: [], chunksDropped: 3 },
      { label: 'client', chunks: [], chunksDropped: 2 },
    ]);
    // Trimmed again (the page, then the server), the counts add up.
    expect(trimTerminals(trimmed.terminals, 10).terminals.map((t) => t.chunksDropped)).toEqual([3, 2]);
    expect(none.dropped).toBe(5);
  });

  it('measures multi-byte output as bytes, not characters', () => {
    const wide: ReplayTerminal = { label: 'servers', chunks: [{ at: 1, data: '€'.repeat(100) }, { at: 2, data: '€'.repeat(100) }] };
    // 100 € are 300 bytes: a bound of 400 keeps one chunk, though 200 characters would fit.
    const trimmed = trimTerminals([wide], 400);
    expect(trimmed.terminals[0]!.chunks.map((c) => c.at)).toEqual([2]);
    expect(terminalsBytes(trimmed.terminals)).toBeLessThanOrEqual(400);
  });
});
