import { instructorSecretHeader, replayTerminalsBytesMax, terminalsBytes } from '@rslab/protocol';
import { describe, expect, it } from 'vitest';
import { deleteReplay, listReplays, saveReplay, saveReplayBody } from '../../src/replay/api';
import { advance, frameOf, playbackText, replaySummaryText, replayTerminalText, seek, shownDigest, startPlayback, togglePlaying, withSpeed } from '../../src/replay/player';
import { parseReplayBranchRoute, parseReplayRoute, replayBranchHash } from '../../src/replay/route';
import { replay } from './helpers';


describe('replay playback (pure)', () => {
  it('plays at its speed and stops at the end; play again starts over', () => {
    let p = togglePlaying(startPlayback(replay), replay);
    p = advance(withSpeed(p, 2), 1000, replay.endAt);
    expect(p.at).toBe(12_000);
    p = advance(p, 60_000, replay.endAt);
    expect(p).toMatchObject({ at: 20_000, playing: false });
    expect(togglePlaying(p, replay)).toMatchObject({ at: 10_000, playing: true });
    expect(advance({ ...p, playing: false, at: 11_000 }, 500, replay.endAt).at).toBe(11_000);
  });

  it('plays at 0.25× to 10× only, and seeks within the replay', () => {
    expect(() => withSpeed(startPlayback(replay), 0.1)).toThrow(RangeError);
    expect(() => withSpeed(startPlayback(replay), 11)).toThrow(RangeError);
    expect(advance({ at: 10_000, playing: true, speed: 0.25 }, 400, replay.endAt).at).toBe(10_100);
    expect(seek(startPlayback(replay), 0, replay).at).toBe(10_000);
    expect(seek(startPlayback(replay), 99_000, replay).at).toBe(20_000);
  });

  it('shows the stored frame at or before a time and the events up to it; the digest at the end is the saved one', () => {
    expect(frameOf(replay, 14_999)?.cluster.at).toBe(10_000);
    expect(frameOf(replay, 14_999)?.events.map((e) => e.id)).toEqual([1, 2]);
    expect(shownDigest(replay, replay.endAt)).toBe(replay.digest);
    expect(shownDigest(replay, 19_999)).not.toBe(replay.digest);
    expect(playbackText(replay, 14_000)).toMatch(/ — 4 s of 10 s$/);
  });
});

describe('replay routes', () => {
  it('reads #replay=<id> and #branch=<id>&at=<millis>, and nothing else', () => {
    expect(parseReplayRoute('#replay=r-0123456789ab')).toBe('r-0123456789ab');
    expect(parseReplayRoute('#replay=../x')).toBeNull();
    expect(parseReplayBranchRoute(replayBranchHash('r-0123456789ab', 12_345.6))).toEqual({ replayId: 'r-0123456789ab', at: 12_346 });
    expect(parseReplayBranchRoute('#branch=r-0123456789ab&at=-1')).toBeNull();
  });
});

describe('saveReplay', () => {
  it("sends the instructor's secret in its header and the room in the body; an error answer becomes its message", async () => {
    const calls: Array<{ url: string; init: RequestInit }> = [];
    const fetcher = (async (url: string, init: RequestInit) => {
      calls.push({ url, init });
      return new Response(JSON.stringify({ statusCode: 403, error: 'Forbidden', message: "only the room's instructor may save its sandbox" }), { status: 403 });
    }) as unknown as typeof fetch;
    await expect(saveReplay('class', { code: 'ABCD2345', secret: 's'.repeat(32) }, [], fetcher)).rejects.toMatchObject({ name: 'ReplayApiError', status: 403, code: 'Forbidden', message: "only the room's instructor may save its sandbox" });
    expect(calls[0]?.url).toBe('/api/replays');
    expect(JSON.parse(String(calls[0]?.init.body))).toEqual({ name: 'class', room: 'ABCD2345' });
    expect((calls[0]?.init.headers as Record<string, string>)[instructorSecretHeader]).toBe('s'.repeat(32));
    expect(calls[0]?.url).not.toContain('s'.repeat(32));
  });
});

describe('saveReplayBody (the page sends its terminals with "Save replay")', () => {
  it('sends each tab with writes, trimmed oldest first to replayTerminalsBytesMax; a page without terminals sends none', () => {
    const big = 'x'.repeat(replayTerminalsBytesMax / 2);
    const servers = { label: 'servers', chunks: [{ at: 1, data: big }, { at: 3, data: 'kill 42\r\n' }] };
    const client = { label: 'client', chunks: [{ at: 2, data: big }, { at: 4, data: 'AutoReconnect\r\n' }] };
    const body = saveReplayBody('r', undefined, [servers, { label: 'shell 3', chunks: [] }, client]);
    expect(body.terminals?.map((t) => [t.label, t.chunks.map((c) => c.at)])).toEqual([['servers', [3]], ['client', [2, 4]]]);
    expect(terminalsBytes(body.terminals ?? [])).toBeLessThanOrEqual(replayTerminalsBytesMax);
    expect(saveReplayBody('r', { code: 'ABCD2345', secret: 's' }, [{ label: 'servers', chunks: [] }])).toEqual({ name: 'r', room: 'ABCD2345' });
  });
});

describe('replaySummaryText ("Your replays")', () => {
  it('gives the length on the sandbox clock, the size and the time left', () => {
    const now = 1_000_000;
    expect(replaySummaryText({ lengthSandboxSeconds: 166.4, sizeBytes: 319_000, expiresAt: now + 7 * 24 * 3600_000 - 5000 }, now)).toBe('2 min 46 s · 312 KiB · expires in 7 days');
    expect(replaySummaryText({ lengthSandboxSeconds: 12, sizeBytes: 900, expiresAt: now + 5 * 3600_000 + 1 }, now)).toBe('12 s · 900 B · expires in 5 hours');
    expect(replaySummaryText({ lengthSandboxSeconds: 0, sizeBytes: 3 * 1024 * 1024, expiresAt: now + 30_000 }, now)).toBe('0 s · 3.0 MiB · expires in 1 min');
    expect(replaySummaryText({ lengthSandboxSeconds: 0, sizeBytes: 0, expiresAt: now }, now)).toBe('0 s · 0 B · expired');
  });
});

describe('replayTerminalText', () => {
  it('marks the replay terminal read-only, and says so when its beginning was trimmed', () => {
    expect(replayTerminalText(Date.UTC(2026, 11, 7, 14, 5, 18))).toMatch(/^Terminal as saved, at \d\d:\d\d:\d\d — read-only$/);
    expect(replayTerminalText(0, true)).toMatch(/read-only; earlier output not kept$/);
  });
});

describe('listReplays and deleteReplay', () => {
  it("ask for the room's replays with the secret in a header; a delete answered 204 resolves, a refusal becomes its message", async () => {
    const calls: Array<{ url: string; init: RequestInit | undefined }> = [];
    const answers = [
      new Response(JSON.stringify({ replays: [] }), { status: 200 }),
      new Response(null, { status: 204 }),
      new Response(JSON.stringify({ statusCode: 403, error: 'Forbidden', message: 'only whoever saved a replay may delete it' }), { status: 403 }),
    ];
    const fetcher = (async (url: string, init?: RequestInit) => {
      calls.push({ url, init });
      return answers.shift()!;
    }) as unknown as typeof fetch;
    const room = { code: 'ABCD2345', secret: 's'.repeat(32) };
    expect(await listReplays(room, fetcher)).toEqual([]);
    await deleteReplay('r-0123456789ab', undefined, fetcher);
    await expect(deleteReplay('r-0123456789ab', undefined, fetcher)).rejects.toMatchObject({ status: 403, code: 'Forbidden' });
    expect(calls.map((c) => [c.url, c.init?.method ?? 'GET'])).toEqual([
      ['/api/replays?room=ABCD2345', 'GET'],
      ['/api/replays/r-0123456789ab', 'DELETE'],
      ['/api/replays/r-0123456789ab', 'DELETE'],
    ]);
    expect((calls[0]?.init?.headers as Record<string, string>)[instructorSecretHeader]).toBe(room.secret);
  });
});
