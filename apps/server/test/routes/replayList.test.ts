import { describe, expect, it, vi } from 'vitest';
import { instructorSecretHeader, type ReplayList, type ReplayView, type SavedReplay } from '@rslab/protocol';
import { appPerFile } from '../helpers/appPerFile';
import { recordUntil } from '../helpers/recording';
import { TranscriptSession } from '../../src/transcript/run';
import { sessionCookieName } from '../../src/plugins/session';

/** Issue 19: whoever saved replays lists theirs (newest first) and deletes them; nobody else may. */

const app = appPerFile();
const session = (name: string) => name.padEnd(22, '0');
const as = (key: string) => ({ cookies: { [sessionCookieName]: key } });

async function oneMember(key: string): Promise<void> {
  const { sandbox } = app().sandboxes.obtain(key);
  expect(await new TranscriptSession(sandbox, { speed: 5 }).run('mongod --port 27017 --dbpath /d --replSet foo')).toEqual([]);
  await recordUntil(sandbox.lab, (s) => s.members.length === 1);
}

async function save(key: string, name: string): Promise<SavedReplay> {
  const saved = await app().inject({ method: 'POST', url: '/api/replays', payload: { name }, ...as(key) });
  expect(saved.statusCode).toBe(201);
  return saved.json<SavedReplay>();
}

const list = async (key: string) => (await app().inject({ method: 'GET', url: '/api/replays', ...as(key) })).json<ReplayList>().replays;

describe('the replays one saved: list and delete', () => {
  const alice = session('replays-alice');
  const bob = session('replays-bob');

  it('lists only this session’s replays, newest first, with name, length in sandbox seconds, size and expiry', async () => {
    await oneMember(alice);
    await oneMember(bob);
    const first = await save(alice, 'first');
    await new Promise((resolve) => setTimeout(resolve, 5));
    const second = await save(alice, 'second');
    const bobs = await save(bob, 'bob’s');
    const mine = await list(alice);
    expect(mine.map((r) => r.name)).toEqual(['second', 'first']);
    const view = (await app().inject({ method: 'GET', url: `/api/replays/${second.id}` })).json<ReplayView>();
    expect(mine[0]).toEqual({
      id: second.id,
      name: 'second',
      path: `/#replay=${second.id}`,
      createdAt: view.createdAt,
      expiresAt: second.expiresAt,
      lengthSandboxSeconds: (view.endAt - view.startAt) / 1000,
      sizeBytes: second.sizeBytes,
      branchable: true,
    });
    expect(mine[1]!.id).toBe(first.id);
    expect((await list(bob)).map((r) => r.id)).toEqual([bobs.id]);
    // A browser with no session yet gets a new one, which has saved nothing.
    const fresh = await app().inject({ method: 'GET', url: '/api/replays' });
    expect(fresh.statusCode).toBe(200);
    expect(fresh.json<ReplayList>().replays).toEqual([]);
  });

  it('deletes one’s own replay: gone from the store and the list, and its branch point (the members’ checkpoints) let go of', async () => {
    const [newest] = await list(alice);
    const recording = app().replays.recording(newest!.id)!;
    const release = vi.spyOn(recording.source, 'release');
    const kept = app().replays.branchPointsKept;
    const deleted = await app().inject({ method: 'DELETE', url: `/api/replays/${newest!.id}`, ...as(alice) });
    expect(deleted.statusCode).toBe(204);
    expect(deleted.body).toBe('');
    expect(release).toHaveBeenCalledTimes(1);
    expect(app().replays.recording(newest!.id)).toBeNull();
    expect(app().replays.branchPointsKept).toBe(kept - 1);
    expect((await app().inject({ method: 'GET', url: `/api/replays/${newest!.id}` })).statusCode).toBe(404);
    expect((await list(alice)).map((r) => r.name)).toEqual(['first']);
    // Deleted twice: there is none now.
    const again = await app().inject({ method: 'DELETE', url: `/api/replays/${newest!.id}`, ...as(alice) });
    expect(again.statusCode).toBe(404);
    expect(again.json()).toMatchObject({ error: 'ReplayNotFound' });
  });

  it('refuses to delete another’s replay (403, it stays), an unknown id is 404, a malformed one 400', async () => {
    const [bobs] = await list(bob);
    for (const key of [alice, undefined]) {
      const refused = await app().inject({ method: 'DELETE', url: `/api/replays/${bobs!.id}`, ...(key ? as(key) : {}) });
      expect(refused.statusCode).toBe(403);
      expect(refused.json()).toMatchObject({ error: 'Forbidden', message: expect.stringContaining('only whoever saved a replay may delete it') });
    }
    expect((await app().inject({ method: 'GET', url: `/api/replays/${bobs!.id}` })).statusCode).toBe(200);
    expect(app().replays.recording(bobs!.id)).not.toBeNull();
    const unknown = await app().inject({ method: 'DELETE', url: '/api/replays/r-000000000000', ...as(alice) });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json()).toMatchObject({ error: 'ReplayNotFound' });
    const malformed = await app().inject({ method: 'DELETE', url: '/api/replays/..%2Fetc', ...as(alice) });
    expect(malformed.statusCode).toBe(400);
    expect(malformed.json()).toMatchObject({ error: 'InvalidRequest' });
    expect((await app().inject({ method: 'GET', url: '/api/replays?extra=1', ...as(alice) })).statusCode).toBe(400);
  });

  it("a room's instructor lists and deletes the room's replays with its secret; a wrong secret is 403", async () => {
    const room = (await app().inject({ method: 'POST', url: '/api/rooms', payload: { title: 'Tuesday class' } })).json<{ code: string; secret: string }>();
    const secret = { [instructorSecretHeader]: room.secret };
    const saved = (await app().inject({ method: 'POST', url: '/api/replays', payload: { name: 'class', room: room.code }, headers: secret })).json<SavedReplay>();
    const listed = await app().inject({ method: 'GET', url: `/api/replays?room=${room.code}`, headers: secret });
    expect(listed.json<ReplayList>().replays.map((r) => r.id)).toEqual([saved.id]);
    // Not the instructor's browser session's, nor anyone's without the secret.
    expect((await list(alice)).some((r) => r.id === saved.id)).toBe(false);
    for (const headers of [{}, { [instructorSecretHeader]: 'x'.repeat(32) }]) {
      const refused = await app().inject({ method: 'GET', url: `/api/replays?room=${room.code}`, headers });
      expect(refused.statusCode).toBe(403);
      expect(refused.json()).toMatchObject({ error: 'Forbidden' });
    }
    expect((await app().inject({ method: 'DELETE', url: `/api/replays/${saved.id}`, ...as(alice) })).statusCode).toBe(403);
    expect((await app().inject({ method: 'DELETE', url: `/api/replays/${saved.id}?room=${room.code}`, headers: secret })).statusCode).toBe(204);
    expect((await app().inject({ method: 'GET', url: `/api/replays?room=${room.code}`, headers: secret })).json<ReplayList>().replays).toEqual([]);
  });
});
