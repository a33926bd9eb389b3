import { describe, expect, it } from 'vitest';
import { instructorSecretHeader, replayTerminalsBytesMax, terminalsBytes, type ReplayTerminal, type ReplayView, type SavedReplay } from '@rslab/protocol';
import { appPerFile } from '../helpers/appPerFile';
import { recordUntil } from '../helpers/recording';
import { TranscriptSession } from '../../src/transcript/run';
import { sessionCookieName } from '../../src/plugins/session';

/**
 * Issue 19: a saved replay carries the page's terminals (each tab's timed transcript, `{at, data}`),
 * trimmed oldest first so the whole recording stays within replayBytesMax.
 */

const replayBytesMax = 256 * 1024;
const app = appPerFile({ replayBytesMax });
const session = (name: string) => name.padEnd(22, '0');

/** A sandbox of `key`'s with one member up: a small recording. */
async function oneMember(key: string): Promise<void> {
  const { sandbox } = app().sandboxes.obtain(key);
  expect(await new TranscriptSession(sandbox, { speed: 5 }).run('mongod --port 27017 --dbpath /d --replSet foo')).toEqual([]);
  await recordUntil(sandbox.lab, (s) => s.members.length === 1);
}

const save = (key: string, payload: object) => app().inject({ method: 'POST', url: '/api/replays', payload, cookies: { [sessionCookieName]: key } });

describe('saved replays carry the terminals', () => {
  it('stores each tab’s timed transcript and returns it to anyone with the link; a write stamped after the end shows at the end', async () => {
    const key = session('terminals-stored');
    await oneMember(key);
    const terminals: ReplayTerminal[] = [
      { label: 'servers', chunks: [{ at: 0, data: '$ mongod --port 27017\r\n' }, { at: 1, data: '\x1b[32mlistening\x1b[0m\r\n$ ' }] },
      { label: 'client', chunks: [{ at: 1, data: '>>> é😀 ' }, { at: 1e15, data: 'later' }] },
    ];
    const saved = await save(key, { name: 'with terminals', terminals });
    expect(saved.statusCode).toBe(201);
    expect(saved.json<SavedReplay>()).toMatchObject({ terminalChunks: 4, terminalChunksDropped: 0 });
    const replay = (await app().inject({ method: 'GET', url: `/api/replays/${saved.json<SavedReplay>().id}` })).json<ReplayView>();
    expect(replay.terminals[0]).toEqual(terminals[0]);
    expect(replay.terminals[1]!.chunks).toEqual([{ at: 1, data: '>>> é😀 ' }, { at: replay.endAt, data: 'later' }]);
    expect(replay.frames.length).toBeGreaterThan(0);

    // A save without terminals plays with none.
    const bare = await save(key, { name: 'no terminals' });
    expect((await app().inject({ method: 'GET', url: `/api/replays/${bare.json<SavedReplay>().id}` })).json<ReplayView>().terminals).toEqual([]);
  });

  it("carries the instructor page's terminals when the instructor saves the room's sandbox", async () => {
    const room = (await app().inject({ method: 'POST', url: '/api/rooms', payload: { title: 'Tuesday class' } })).json<{ code: string; secret: string }>();
    const terminals: ReplayTerminal[] = [{ label: 'servers', chunks: [{ at: 0, data: 'morton$ ' }] }];
    const saved = await app().inject({ method: 'POST', url: '/api/replays', payload: { name: 'class', room: room.code, terminals }, headers: { [instructorSecretHeader]: room.secret } });
    expect(saved.statusCode).toBe(201);
    const replay = (await app().inject({ method: 'GET', url: `/api/replays/${saved.json<SavedReplay>().id}` })).json<ReplayView>();
    expect(replay.terminals).toEqual(terminals);
  });

  it('drops the oldest writes (across tabs) so the whole recording stays within replayBytesMax', async () => {
    const key = session('terminals-trimmed');
    await oneMember(key);
    // 2 × 300 chunks of 1000 bytes: about 600 KB, over the 256 KiB the replay may hold with its frames.
    const tab = (label: string, offset: number): ReplayTerminal => ({ label, chunks: Array.from({ length: 300 }, (_, i) => ({ at: 2 * i + offset, data: `${label} ${i} `.padEnd(1000, '.') })) });
    const terminals = [tab('servers', 0), tab('client', 1)];
    expect(terminalsBytes(terminals)).toBeLessThan(replayTerminalsBytesMax);
    const saved = await save(key, { name: 'big terminals', terminals });
    expect(saved.statusCode).toBe(201);
    const reply = saved.json<SavedReplay>();
    expect(reply.sizeBytes).toBeLessThanOrEqual(replayBytesMax);
    expect(reply.sizeBytes).toBeGreaterThan(replayBytesMax - 1100);
    expect(reply.terminalChunksDropped).toBeGreaterThan(0);
    expect(reply.terminalChunks + reply.terminalChunksDropped).toBe(600);
    const replay = (await app().inject({ method: 'GET', url: `/api/replays/${reply.id}` })).json<ReplayView>();
    const kept = replay.terminals.map((t) => t.chunks.map((c) => Number(c.data.split(' ')[1])));
    // What is kept is each tab's newest writes, ending with its last one; the oldest went first on both tabs alike.
    for (const numbers of kept) expect(numbers).toEqual(Array.from({ length: numbers.length }, (_, i) => 300 - numbers.length + i));
    expect(Math.abs(kept[0]!.length - kept[1]!.length)).toBeLessThanOrEqual(1);
    // Each tab says how much of its beginning is missing.
    expect(replay.terminals.map((t) => t.chunksDropped)).toEqual(kept.map((numbers) => 300 - numbers.length));
  });

  it('refuses malformed terminals with 400 InvalidRequest, saying what is wrong', async () => {
    const key = session('terminals-malformed');
    await oneMember(key);
    const chunk = { at: 1, data: 'x' };
    const cases: Array<[object, RegExp]> = [
      [{ terminals: 'x' }, /terminals/],
      [{ terminals: [{ chunks: [chunk] }] }, /label/],
      [{ terminals: [{ label: 'servers', chunks: [{ at: '1', data: 'x' }] }] }, /at/],
      [{ terminals: [{ label: 'servers', chunks: [{ at: 1, data: '' }] }] }, /data/],
      [{ terminals: [{ label: 'servers', chunks: [{ ...chunk, extra: 1 }] }] }, /additional/],
      [{ terminals: Array.from({ length: 9 }, () => ({ label: 't', chunks: [] })) }, /terminals/],
      [{ terminals: [{ label: 'servers', chunks: [{ at: 5, data: 'b' }, { at: 4, data: 'a' }] }] }, /time order/],
    ];
    for (const [fields, message] of cases) {
      const refused = await save(key, { name: 'bad', ...fields });
      expect(refused.statusCode, JSON.stringify(fields)).toBe(400);
      expect(refused.json(), JSON.stringify(fields)).toMatchObject({ error: 'InvalidRequest', message: expect.stringMatching(message) });
    }
    // A body past what a save may carry is refused before it is read: 413.
    const huge = await save(key, { name: 'huge', terminals: [{ label: 'servers', chunks: [{ at: 1, data: 'x'.repeat(replayTerminalsBytesMax + 100 * 1024) }] }] });
    expect(huge.statusCode).toBe(413);
    expect(huge.json()).toMatchObject({ statusCode: 413 });
  });
});
