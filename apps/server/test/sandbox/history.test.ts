import { describe, expect, it } from 'vitest';
import type { ClusterSnapshot } from '@rslab/protocol';
import { appPerFile } from '../helpers/appPerFile';
import { TranscriptSession } from '../../src/transcript/run';
import type { WorkerCheckpoint } from '../../src/engine/workerEngine';
import { LabHistory, MomentNotKeptError } from '../../src/sandbox/history';
import { primaryOf, recordUntil } from '../helpers/recording';

const app = appPerFile();

function cluster(at: number, padding = 0): ClusterSnapshot {
  return { at, speed: 1, paused: false, setName: 'x'.repeat(padding), members: [], links: [] };
}

describe('LabHistory', () => {
  it('takes a moment once per momentIntervalMillis and finds the latest at or before a time', () => {
    const history = new LabHistory({ momentIntervalMillis: 1000 });
    for (const at of [0, 400, 1000, 1999, 2000, 3500]) if (history.due(at)) history.capture(cluster(at), null);
    expect(history.momentCount).toBe(4);
    expect(history.momentAt(1999).at).toBe(1000);
    expect(history.momentAt(2000).at).toBe(2000);
    expect(history.momentAt(99_999).at).toBe(3500);
    expect(() => history.momentAt(-1)).toThrow(MomentNotKeptError);
  });

  it('drops the oldest moments past historyBytesMax and says how far back it reaches', () => {
    const history = new LabHistory({ momentIntervalMillis: 1, historyBytesMax: 2000 });
    for (let at = 0; at < 20; at += 1) history.capture(cluster(at, 400), null);
    expect(history.historyBytes).toBeLessThanOrEqual(2000);
    expect(history.reachesBackToMillis).toBeGreaterThan(0);
    expect(history.latestMillis).toBe(19);
    expect(() => history.momentAt(0)).toThrow(MomentNotKeptError);
  });

  it('keeps at most historyInputsMax inputs, the newest', () => {
    const history = new LabHistory({ historyInputsMax: 3 });
    for (let at = 0; at < 5; at += 1) history.recordInput({ at, kind: 'speed', speed: at + 1 });
    expect(history.inputsUpTo(100).map((i) => i.at)).toEqual([2, 3, 4]);
    expect(history.inputsUpTo(3).map((i) => i.at)).toEqual([2, 3]);
  });

  it("a frozen copy holds the worker checkpoints it keeps until it is released, whatever the live history lets go of", () => {
    const held = new Map<number, number>();
    const workers = {
      retain: (cp: WorkerCheckpoint) => {
        if (!held.has(cp.id)) return false;
        held.set(cp.id, held.get(cp.id)! + 1);
        return true;
      },
      // As the pool does: a checkpoint it no longer has (its worker stopped) is nobody's to release.
      release: (cp: WorkerCheckpoint) => {
        if (!held.has(cp.id)) return;
        const n = held.get(cp.id)! - 1;
        if (n === 0) held.delete(cp.id);
        else held.set(cp.id, n);
      },
    };
    const checkpoint = (id: number): WorkerCheckpoint => ({ kind: 'worker', sandboxId: 'sb-1', id, atMillis: id * 1000, sizeBytes: 10 });
    const live = new LabHistory({ momentIntervalMillis: 1000, historyBytesMax: 3 * (JSON.stringify(cluster(1000)).length + 10) }, (m) => workers.release(m.checkpoint as WorkerCheckpoint));
    for (const id of [1, 2, 3]) {
      held.set(id, 1);
      live.capture(cluster(id * 1000), checkpoint(id));
    }
    // Checkpoint 3 is already gone from its worker (a worker that stopped): the copy keeps its view only.
    held.delete(3);
    const frozen = live.frozenCopy(workers);
    expect([...held.entries()]).toEqual([[1, 2], [2, 2]]);
    // The live history drops its oldest moment and then everything (its sandbox is disposed): the copy still holds 1 and 2.
    held.set(4, 1);
    live.capture(cluster(4000), checkpoint(4));
    live.release();
    expect([...held.entries()]).toEqual([[1, 1], [2, 1]]);
    expect(frozen.momentAt(1000).checkpoint).toMatchObject({ id: 1 });
    expect(frozen.momentAt(3000).checkpoint).toBeNull();
    frozen.release();
    expect(held.size).toBe(0);
  });
});

describe('rewinding a sandbox', () => {
  it('shows the old primary at a moment before the failover, and branches a live sandbox whose primary is the old one', async () => {
    const { sandbox } = app().sandboxes.obtain('rewind');
    const session = new TranscriptSession(sandbox, { speed: 5 });
    const hosts = ['morton.local:27017', 'morton.local:27018', 'morton.local:27019'];
    const start = hosts.map((h, i) => `mongod --port ${h.split(':')[1]} --dbpath /d${i} --replSet foo`);
    expect(await session.run(start.join('\n'))).toEqual([]);
    const lab = sandbox.lab;
    const initiated = await lab.engine.command(hosts[0]!, { replSetInitiate: { _id: 'foo', members: hosts.map((host, _id) => ({ _id, host })) } });
    expect(initiated.ok).toBe(1);
    const before = await recordUntil(lab, (s) => primaryOf(s) !== undefined);
    const oldPrimary = primaryOf(before)!;
    // One more moment with the old primary in charge, then the failover.
    await recordUntil(lab, (s) => s.at >= before.at + 1000);
    const moment = lab.past.momentAt(before.at + 1000);
    expect(primaryOf(moment.cluster)).toBe(oldPrimary);
    expect((await lab.control({ action: 'kill', target: oldPrimary })).ok).toBe(true);
    await recordUntil(lab, (s) => primaryOf(s) !== undefined && primaryOf(s) !== oldPrimary, 40_000);

    const past = sandbox.viewAt(moment.at);
    expect(primaryOf(past.cluster)).toBe(oldPrimary);
    expect(past.events.every((e) => e.at <= moment.at)).toBe(true);
    expect(past.events.some((e) => e.text.includes('killed') || e.kind === 'processExited')).toBe(false);
    expect(past.liveAt).toBeGreaterThan(moment.at);
    expect(lab.past.inputsUpTo(Number.MAX_SAFE_INTEGER).some((i) => i.kind === 'control' && i.action === 'kill')).toBe(true);

    const { sandbox: branched, previous } = await app().sandboxes.branch('rewind', moment.at);
    expect(previous).toBe(sandbox);
    expect(app().sandboxes.get('rewind')).toBe(branched);
    expect(app().sandboxes.previousOf('rewind')).toBe(sandbox);
    expect(sandbox.lab.engine.clock.paused).toBe(true);
    const live = await recordUntil(branched.lab, (s) => primaryOf(s) !== undefined);
    expect(primaryOf(live)).toBe(oldPrimary);
    expect(live.members.filter((m) => m.process === 'running')).toHaveLength(3);
    expect(branched.lab.events.all().at(-1)?.kind === 'branched' || branched.lab.events.all().some((e) => e.kind === 'branched')).toBe(true);
    // The tab re-opens with the lines typed in it up to then.
    expect([...branched.tabs.values()][0]!.snapshot().history).toEqual(start);
  }, 90_000);
});

describe('rewinding across a new lesson (Lab.clear mid-history)', () => {
  it('shows the machine before the clear, and a branch from then gets that run: its members, lesson and typed lines only', async () => {
    const { sandbox } = app().sandboxes.obtain('rewind-clear');
    const session = new TranscriptSession(sandbox, { speed: 5 });
    const start = ['mongod --port 27017 --dbpath /a --replSet foo', 'mongod --port 27018 --dbpath /b --replSet foo'];
    expect(await session.run(start.join('\n'))).toEqual([]);
    const lab = sandbox.lab;
    const before = await recordUntil(lab, (s) => s.members.filter((m) => m.process === 'running').length === 2);
    await recordUntil(lab, (s) => s.at >= before.at + 1000);
    const beforeClear = lab.now();
    // Opening another lesson clears the machine and closes the tab the lines were typed in.
    expect(await sandbox.startLesson('today')).toBe(true);
    const after = await recordUntil(lab, (s) => s.at >= beforeClear + 1500 && s.members.length === 0);
    expect(lab.past.lastClearAtOrBefore(after.at)).toBeGreaterThanOrEqual(beforeClear);
    expect(lab.past.lessonAt(after.at)).toBe('today');

    expect(sandbox.viewAt(before.at).cluster.members.filter((m) => m.process === 'running')).toHaveLength(2);
    expect(sandbox.viewAt(after.at).cluster.members).toHaveLength(0);

    // After the clear: nothing of the walkthrough's run comes along.
    const later = await app().sandboxes.branch('rewind-clear', after.at);
    expect(later.sandbox.lab.history).toEqual([]);
    expect(later.sandbox.lesson.tracker.lesson.id).toBe('today');
  }, 90_000);

  it('a branch from before the clear re-opens the closed tab with its lines, on the lesson open then', async () => {
    const { sandbox } = app().sandboxes.obtain('rewind-clear-before');
    const session = new TranscriptSession(sandbox, { speed: 5 });
    const start = ['mongod --port 27017 --dbpath /a --replSet foo', 'mongod --port 27018 --dbpath /b --replSet foo'];
    expect(await session.run(start.join('\n'))).toEqual([]);
    const lab = sandbox.lab;
    const lessonThen = sandbox.lesson.tracker.lesson.id;
    const before = await recordUntil(lab, (s) => s.members.filter((m) => m.process === 'running').length === 2);
    await recordUntil(lab, (s) => s.at >= before.at + 1000);
    const closedTab = [...sandbox.tabs.keys()][0];
    expect(await sandbox.startLesson('today')).toBe(true);
    expect(sandbox.tabs.has(closedTab!)).toBe(false);
    await recordUntil(lab, (s) => s.members.length === 0);

    const { sandbox: branched } = await app().sandboxes.branch('rewind-clear-before', before.at);
    expect(lessonThen).not.toBe('today');
    expect(branched.lesson.tracker.lesson.id).toBe(lessonThen);
    expect(branched.lab.history.map((line) => line.input)).toEqual(start);
    expect([...branched.tabs.values()].map((tab) => tab.snapshot().history)).toEqual([start]);
    const live = await recordUntil(branched.lab, (s) => s.members.filter((m) => m.process === 'running').length === 2);
    expect(live.members.map((m) => m.host).sort()).toEqual(['morton.local:27017', 'morton.local:27018']);
  }, 90_000);
});
