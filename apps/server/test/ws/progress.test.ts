import { afterEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildServer } from '../../src/server';
import { testSettings } from '../../src/settings';
import type { ServerMessage } from '@rslab/protocol';
import { startServer, TestClient } from '../helpers/wsClient';

type Welcome = Extract<ServerMessage, { type: 'welcome' }>;
type Lesson = Extract<ServerMessage, { type: 'lesson' }>;

let app: FastifyInstance | null = null;
const clients: TestClient[] = [];
afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  await app?.close();
  app = null;
});

const stepOf = (m: Lesson) => m.progress.steps[m.progress.stepIndex]?.id;

describe('resume links for learners on their own', () => {
  it('carry the lesson progress to another browser, which gets its sandbox rebuilt at that step', async () => {
    app = await buildServer({ settings: testSettings() });
    const server = await startServer(app);
    const open = async () => {
      const client = await TestClient.connect(server.baseUrl, await server.cookie());
      clients.push(client);
      return client;
    };
    const first = await open();
    const tab = (await first.waitFor((m): m is Welcome => m.type === 'welcome')).tabs[0]!.tab;
    for (const line of ['hostname', 'mongod --replSet foo/morton.local:27018,morton.local:27019 --rest']) first.send({ type: 'input', tab, line });
    await first.waitFor((m): m is Lesson => m.type === 'lesson' && stepOf(m) === 'other-members', 10_000);
    first.send({ type: 'progress.link', requestId: 5 });
    const link = await first.waitFor((m): m is Extract<ServerMessage, { type: 'progress.link' }> => m.type === 'progress.link');
    expect(link).toMatchObject({ requestId: 5, path: expect.stringMatching(/^\/#resume=[A-Za-z0-9_-]{24}$/) });
    const token = link.path.split('=')[1]!;

    // Another browser (another session cookie) presents the link.
    const second = await open();
    const welcome = await second.waitFor((m): m is Welcome => m.type === 'welcome');
    expect(welcome.sandboxId).not.toBe((first.messages.find((m) => m.type === 'welcome') as Welcome).sandboxId);
    second.send({ type: 'progress.resume', token });
    const resumed = await second.waitFor((m): m is Extract<ServerMessage, { type: 'progress.resumed' }> => m.type === 'progress.resumed', 20_000);
    expect(resumed).toMatchObject({ ok: true });
    await second.waitFor((m): m is Lesson => m.type === 'lesson' && stepOf(m) === 'other-members');
    const sandbox = app.sandboxes.all().find((s) => s.id === welcome.sandboxId)!;
    expect(sandbox.lab.engine.processes().filter((p) => p.running).map((p) => p.port)).toEqual([27017]);

    // The first browser goes on; its link follows.
    first.send({ type: 'input', tab, line: 'mongod --port 27018 --dbpath /data/db1 --replSet foo/morton.local:27017 --rest' });
    first.send({ type: 'input', tab, line: 'mongod --port 27019 --dbpath /data/db2 --replSet foo/morton.local:27017 --rest' });
    await first.waitFor((m): m is Lesson => m.type === 'lesson' && stepOf(m) === 'connect-one', 10_000);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const third = await open();
    await third.waitFor((m) => m.type === 'welcome');
    third.send({ type: 'progress.resume', token });
    await third.waitFor((m) => m.type === 'progress.resumed', 20_000);
    await third.waitFor((m): m is Lesson => m.type === 'lesson' && stepOf(m) === 'connect-one');

    // A sandbox with work in it is not overwritten, and unknown tokens are refused.
    first.send({ type: 'progress.resume', token: 'Z'.repeat(24) });
    expect(await first.waitFor((m) => m.type === 'progress.resumed')).toMatchObject({ ok: false });
  }, 60_000);

  it('still passes Ctrl-D (eof) through to the shell', { timeout: 90_000 }, async () => {
    app = await buildServer({ settings: testSettings() });
    const server = await startServer(app);
    const client = await TestClient.connect(server.baseUrl, await server.cookie());
    clients.push(client);
    const tab = (await client.waitFor((m): m is Welcome => m.type === 'welcome')).tabs[0]!.tab;
    client.send({ type: 'input', tab, line: 'python' });
    await client.waitFor((m) => m.type === 'prompt' && m.prompt === '>>> ', 60_000); // CPython (Pyodide) starts in a worker_thread here
    client.send({ type: 'eof', tab });
    await client.waitFor((m) => m.type === 'prompt' && m.prompt.endsWith('$ '));
    expect(client.messages.some((m) => m.type === 'error')).toBe(false);
  });
});
