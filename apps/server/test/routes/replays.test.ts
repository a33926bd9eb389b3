import { describe, expect, it } from 'vitest';
import { eventsCountAt, eventsDigest, frameAt, instructorSecretHeader, type LabEvent, type ReplayView, type SavedReplay } from '@rslab/protocol';
import { appPerFile } from '../helpers/appPerFile';
import { primaryOf, recordUntil } from '../helpers/recording';
import { TranscriptSession } from '../../src/transcript/run';
import { MemoryProgressStore } from '../../src/rooms/store';
import { Replays } from '../../src/rooms/replays';
import { sessionCookieName } from '../../src/plugins/session';

/** Issue 19, "Replays to share": POST /api/replays from a sandbox, GET /api/replays/:id for anyone. */

const app = appPerFile({ replayBytesMax: 4 * 1024 * 1024 });
const hosts = ['morton.local:27017', 'morton.local:27018', 'morton.local:27019'];
const session = (name: string) => name.padEnd(22, '0');

/** A three-member set in `key`'s sandbox that fails over: its old and new primary. */
async function failover(key: string): Promise<{ oldPrimary: string; newPrimary: string; electedAt: number }> {
  const { sandbox } = app().sandboxes.obtain(key);
  const typing = new TranscriptSession(sandbox, { speed: 5 });
  expect(await typing.run(hosts.map((h, i) => `mongod --port ${h.split(':')[1]} --dbpath /d${i} --replSet foo`).join('\n'))).toEqual([]);
  const lab = sandbox.lab;
  expect((await lab.engine.command(hosts[0]!, { replSetInitiate: { _id: 'foo', members: hosts.map((host, _id) => ({ _id, host })) } })).ok).toBe(1);
  const before = await recordUntil(lab, (s) => primaryOf(s) !== undefined);
  const oldPrimary = primaryOf(before)!;
  // The old primary leads for 4 s of sandbox time: a play in steps of less than that shows it.
  await recordUntil(lab, (s) => s.at >= before.at + 4000);
  expect((await lab.control({ action: 'kill', target: oldPrimary })).ok).toBe(true);
  const after = await recordUntil(lab, (s) => primaryOf(s) !== undefined && primaryOf(s) !== oldPrimary, 40_000);
  return { oldPrimary, newPrimary: primaryOf(after)!, electedAt: before.at };
}

/** Play a replay as the page does, in steps of `stepMillis`: the events it shows in the order it shows them, and each primary it shows. */
function play(replay: ReplayView, stepMillis: number): { shown: LabEvent[]; primaries: string[] } {
  const shown: LabEvent[] = [];
  const primaries: string[] = [];
  let at = replay.startAt;
  for (;;) {
    shown.push(...replay.events.slice(shown.length, eventsCountAt(replay.events, at)));
    const primary = primaryOf(frameAt(replay.frames, at)!);
    if (primary !== undefined && primary !== primaries.at(-1)) primaries.push(primary);
    if (at >= replay.endAt) break;
    at = Math.min(replay.endAt, at + stepMillis);
  }
  return { shown, primaries };
}

describe('replays to share', () => {
  it('saves a failover under a name; a request without a session plays the same events and moments, and a branch starts from its past', async () => {
    const key = session('replay-failover');
    const { oldPrimary, newPrimary, electedAt } = await failover(key);
    const original = app().sandboxes.get(key)!;

    const saved = await app().inject({ method: 'POST', url: '/api/replays', payload: { name: 'Failover, Tuesday' }, cookies: { [sessionCookieName]: key } });
    expect(saved.statusCode).toBe(201);
    const reply = saved.json<SavedReplay>();
    expect(reply).toMatchObject({ name: 'Failover, Tuesday', path: `/#replay=${reply.id}` });
    expect(reply.id).toMatch(/^r-[a-z0-9]{12,32}$/);
    expect(reply.frames).toBeGreaterThan(2);

    // The learner goes on; the replay stays as it was saved.
    await original.lab.control({ action: 'restart', target: oldPrimary });

    const fetched = await app().inject({ method: 'GET', url: `/api/replays/${reply.id}` });
    expect(fetched.statusCode).toBe(200);
    const replay = fetched.json<ReplayView>();
    expect(replay.digest).toBe(reply.digest);
    expect(replay.branchable).toBe(true);
    const originalEvents = original.lab.events.all().filter((e) => e.at <= replay.endAt);
    expect(replay.digest).toBe(eventsDigest(originalEvents));
    // Played at 250 ms steps and at 2 s steps, the events shown are the original's, in order, and
    // so are the primaries: the old one, then the new one.
    for (const step of [250, 2000]) {
      const played = play(replay, step);
      expect(eventsDigest(played.shown)).toBe(eventsDigest(originalEvents));
      expect(played.primaries).toEqual([oldPrimary, newPrimary]);
    }
    expect(replay.events.some((e) => e.text.includes(`restarted`) && e.at > replay.endAt)).toBe(false);

    // "Branch from here" on the replay, from another browser's sandbox, at a moment the old primary
    // led (it had been elected and led for 4 s; moments are 1 s apart): it leads again. A moment
    // before the first election would branch into a new election, which any member may win.
    const viewer = session('replay-viewer');
    const { sandbox: first } = app().sandboxes.obtain(viewer);
    const recording = app().replays.recording(reply.id)!;
    const branchAt = electedAt + 2000;
    const { sandbox: branched, report, replaced } = await app().sandboxes.branchFromRecording(viewer, recording, branchAt);
    expect(app().sandboxes.get(viewer)).toBe(branched);
    expect(replaced).toBe(first);
    await replaced!.dispose();
    expect(report.at).toBeLessThanOrEqual(branchAt);
    expect(report.at).toBeGreaterThanOrEqual(electedAt);
    expect(primaryOf(await recordUntil(branched.lab, (s) => primaryOf(s) !== undefined))).toBe(oldPrimary);
    expect(branched.lab.events.all().some((e) => e.kind === 'branched')).toBe(true);
  }, 120_000);

  it('refuses bad input with a clear error: no sandbox, a bad body, a bad or unknown id', async () => {
    const none = await app().inject({ method: 'POST', url: '/api/replays', payload: { name: 'x' }, cookies: { [sessionCookieName]: session('nobody-here') } });
    expect(none.statusCode).toBe(409);
    expect(none.json()).toMatchObject({ error: 'NothingRecorded', message: expect.stringContaining('no sandbox') });
    for (const payload of [{}, { name: '' }, { name: 'x'.repeat(121) }, { name: 'x', extra: 1 }]) {
      const bad = await app().inject({ method: 'POST', url: '/api/replays', payload, cookies: { [sessionCookieName]: session('nobody-here') } });
      expect(bad.statusCode, JSON.stringify(payload)).toBe(400);
      expect(bad.json()).toMatchObject({ error: 'InvalidRequest' });
    }
    const malformed = await app().inject({ method: 'GET', url: '/api/replays/..%2Fetc' });
    expect(malformed.statusCode).toBe(400);
    expect(malformed.json()).toMatchObject({ statusCode: 400, error: 'InvalidRequest', message: expect.stringContaining('id') });
    const unknown = await app().inject({ method: 'GET', url: '/api/replays/r-000000000000' });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json()).toMatchObject({ error: 'ReplayNotFound', message: expect.stringContaining('expired') });
  });
});

describe("saving a room's instructor sandbox", () => {
  it('takes the instructor secret in its header; a wrong one or an unknown room is 403', async () => {
    const created = await app().inject({ method: 'POST', url: '/api/rooms', payload: { title: 'Tuesday class' } });
    const room = created.json<{ code: string; secret: string }>();
    const save = (headers: Record<string, string>, code = room.code) => app().inject({ method: 'POST', url: '/api/replays', payload: { name: 'class', room: code }, headers });
    for (const refused of [await save({}), await save({ [instructorSecretHeader]: 'x'.repeat(32) }), await save({ [instructorSecretHeader]: room.secret }, 'ZZZZZZZ0')]) {
      expect(refused.statusCode).toBe(403);
      expect(refused.json()).toMatchObject({ error: 'Forbidden' });
    }
    const saved = await save({ [instructorSecretHeader]: room.secret });
    expect(saved.statusCode).toBe(201);
    const replay = (await app().inject({ method: 'GET', url: `/api/replays/${saved.json<SavedReplay>().id}` })).json<ReplayView>();
    expect(replay).toMatchObject({ name: 'class', branchable: true });
    expect(replay.frames.length).toBeGreaterThanOrEqual(1);
  });
});

describe('Replays: replayBytesMax and replayTtlMillis', () => {
  it('refuses a recording over replayBytesMax, and forgets a replay (and its branch points) after replayTtlMillis', async () => {
    const { sandbox } = app().sandboxes.obtain(session('replay-limits'));
    await new TranscriptSession(sandbox, { speed: 5 }).run('mongod --port 27017 --dbpath /d --replSet foo');
    await recordUntil(sandbox.lab, (s) => s.members.length === 1);
    let now = 1_000_000;
    const store = new MemoryProgressStore();
    const small = new Replays(store, { replayBytesMax: 200, replayTtlMillis: 60_000, replayBranchPointsMax: 1 }, () => now);
    await expect(small.save(sandbox, 'too big')).rejects.toMatchObject({ name: 'ReplayError', code: 'ReplayTooLarge', statusCode: 413, message: expect.stringMatching(/KiB .*more than the 1 KiB a replay may hold \(replayBytesMax\)/) });

    const replays = new Replays(store, { replayBytesMax: 1024 * 1024, replayTtlMillis: 60_000, replayBranchPointsMax: 1 }, () => now);
    const first = await replays.save(sandbox, 'first');
    expect(first.expiresAt).toBe(now + 60_000);
    expect((await replays.find(first.id))?.branchable).toBe(true);
    // Branch points are kept for the newest replayBranchPointsMax only; the replay itself stays watchable.
    const second = await replays.save(sandbox, 'second');
    expect((await replays.find(first.id))?.branchable).toBe(false);
    expect(replays.recording(second.id)).not.toBeNull();
    now += 60_000;
    expect(await replays.find(second.id)).toBeNull();
    expect(replays.recording(second.id)).toBeNull();
  }, 60_000);
});
