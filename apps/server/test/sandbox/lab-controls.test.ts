import { describe, expect, it } from 'vitest';
import { appPerFile } from '../helpers/appPerFile';
import { TranscriptSession } from '../../src/transcript/run';
import { viewOf } from '../../src/workspace/lesson';

const app = appPerFile();

describe('the cluster controls', () => {
  it('end a partition when its cut links are healed one by one, as a card\u2019s "reconnect" does', async () => {
    const { sandbox } = app().sandboxes.obtain('reconnect');
    const session = new TranscriptSession(sandbox, { speed: 5 });
    const start = ['mongod --port 27017 --dbpath /a --replSet foo', 'mongod --port 27018 --dbpath /b --replSet foo', 'mongod --port 27019 --dbpath /c --replSet foo'];
    expect(await session.run(start.join('\n'))).toEqual([]);
    const lab = sandbox.lab;
    const [a, b, c] = ['morton.local:27017', 'morton.local:27018', 'morton.local:27019'];
    expect(await lab.control({ action: 'partition', groups: [[a], [b, c]] })).toMatchObject({ ok: true });
    const cut = (await lab.engine.snapshot()).links.filter((link) => link.status === 'cut');
    expect(cut.map((link) => [link.from, link.to])).toEqual([[a, b], [a, c]]);

    expect((await lab.control({ action: 'healLink', target: a, peer: b })).ok).toBe(true);
    expect((await viewOf(lab)).partitions.at(-1)?.healedAt).toBeNull();
    expect((await lab.control({ action: 'healLink', target: a, peer: c })).ok).toBe(true);
    expect((await lab.engine.snapshot()).links.every((link) => link.status === 'up')).toBe(true);
    expect((await viewOf(lab)).partitions.at(-1)?.healedAt).toEqual(expect.any(Number));
  }, 30_000);

  it('isolate a second member off the partition that holds, so that isolating two of three leaves three groups', async () => {
    const { sandbox } = app().sandboxes.obtain('isolate-twice');
    const session = new TranscriptSession(sandbox, { speed: 5 });
    const start = ['mongod --port 27017 --dbpath /a --replSet foo', 'mongod --port 27018 --dbpath /b --replSet foo', 'mongod --port 27019 --dbpath /c --replSet foo'];
    expect(await session.run(start.join('\n'))).toEqual([]);
    const lab = sandbox.lab;
    const [a, b, c] = ['morton.local:27017', 'morton.local:27018', 'morton.local:27019'];
    expect(await lab.control({ action: 'partition', target: a })).toMatchObject({ message: `partitioned into ${a} / ${b} + ${c}` });
    expect(await lab.control({ action: 'partition', target: b })).toMatchObject({ message: `partitioned into ${b} / ${a} / ${c}` });
    const cut = (await lab.engine.snapshot()).links.filter((link) => link.status === 'cut');
    expect(cut).toHaveLength(3);
    // The first partition ended when the second replaced it; only the second is open.
    const partitions = (await viewOf(lab)).partitions;
    expect(partitions.map((p) => p.healedAt === null)).toEqual([false, true]);
    // After a heal, isolating starts again from the whole set.
    await lab.control({ action: 'heal' });
    expect(await lab.control({ action: 'partition', target: c })).toMatchObject({ message: `partitioned into ${c} / ${a} + ${b}` });
  }, 30_000);
});
