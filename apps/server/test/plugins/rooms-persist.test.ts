import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildServer } from '../../src/server';
import { testSettings } from '../../src/settings';
import { scrollbackText, type ServerMessage } from '@rslab/protocol';
import { forkAndReachConnectOne } from '../helpers/roomFork';
import { startServer, TestClient } from '../helpers/wsClient';

type Welcome = Extract<ServerMessage, { type: 'welcome' }>;

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function start(dataDir: string): Promise<{ app: FastifyInstance; open: () => Promise<TestClient> }> {
  const app = await buildServer({ settings: testSettings({ progressStore: 'embedded', dataDir }) });
  const server = await startServer(app);
  let closed = false;
  const clients: TestClient[] = [];
  cleanups.push(async () => {
    for (const client of clients) client.close();
    if (!closed) await app.close();
  });
  const close = app.close.bind(app);
  app.close = (async () => {
    closed = true;
    for (const client of clients) client.close();
    return close();
  }) as typeof app.close;
  return {
    app,
    open: async () => {
      const client = await TestClient.connect(server.baseUrl, await server.cookie(), '/ws/room');
      clients.push(client);
      return client;
    },
  };
}

describe('room progress in the embedded store', () => {
  it('survives a server restart: the resume link finds the room, the attendee and their step', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'rslab-rooms-'));
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));

    const first = await start(dataDir);
    const created = (await first.app.inject({ method: 'POST', url: '/api/rooms', payload: { title: 'persisted' } })).json<{ code: string; secret: string }>();
    const joined = (await first.app.inject({ method: 'POST', url: `/api/rooms/${created.code}/join`, payload: { name: 'ada' } })).json<{ attendeeId: string; token: string; resumePath: string }>();
    expect(joined.resumePath).toBe(`/#join=${created.code}&resume=${joined.token}`);
    const attendee = await first.open();
    await forkAndReachConnectOne(attendee, created.code, joined.token, 10_000);
    await attendee.waitFor((m) => m.type === 'lesson' && m.progress.steps[m.progress.stepIndex]?.id === 'connect-one', 10_000);
    // Let the background save land before stopping.
    await new Promise((resolve) => setTimeout(resolve, 500));
    await first.app.close();
    // sim-mongod keeps it in its journal under the data folder; secrets and tokens only as hashes.
    const files = (await readdir(path.join(dataDir, 'progress-db'), { recursive: true, withFileTypes: true })).filter((entry) => entry.isFile());
    const stored = Buffer.concat(await Promise.all(files.map((entry) => readFile(path.join(entry.parentPath, entry.name)))));
    expect(stored.includes(Buffer.from('persisted'))).toBe(true);
    expect(stored.includes(Buffer.from(created.secret))).toBe(false);
    expect(stored.includes(Buffer.from(joined.token))).toBe(false);

    const second = await start(dataDir);
    expect((await second.app.inject({ method: 'GET', url: `/api/rooms/${created.code}` })).json()).toMatchObject({ title: 'persisted' });
    const again = await second.open();
    again.send({ type: 'room.follow', code: created.code, attendee: joined.token });
    const welcome = await again.waitFor((m): m is Welcome => m.type === 'welcome', 10_000);
    expect(welcome.room).toMatchObject({ role: 'attendee', mode: 'fork', attendeeId: joined.attendeeId });
    // The dashboard knows where they were at once; the sandbox replays the lesson up to there.
    const dashboard = await second.app.inject({ method: 'GET', url: `/api/rooms/${created.code}/dashboard`, headers: { 'x-rslab-instructor-secret': created.secret } });
    expect(dashboard.json()).toMatchObject({ attendees: [{ id: joined.attendeeId, name: 'ada', stepId: 'connect-one', mode: 'fork' }] });
    await again.waitFor((m) => m.type === 'lesson' && m.progress.steps[m.progress.stepIndex]?.id === 'connect-one' && m.progress.steps[2]?.state === 'done', 20_000);
    const rebuilt = second.app.sandboxes.all().find((s) => s.id === welcome.sandboxId)!;
    expect(rebuilt.lab.engine.processes().filter((p) => p.running).map((p) => p.port)).toEqual([27017, 27018, 27019]);
    expect(scrollbackText(welcome.tabs[0]!)).toContain('Rebuilding your sandbox');
  }, 90_000);

  it('keeps a closed room closed across a restart: its record stays as a tombstone with closedAt', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'rslab-rooms-'));
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
    const first = await start(dataDir);
    const created = (await first.app.inject({ method: 'POST', url: '/api/rooms', payload: { title: 'closing' } })).json<{ code: string; secret: string }>();
    const closed = await first.app.inject({ method: 'DELETE', url: `/api/rooms/${created.code}`, headers: { 'x-rslab-instructor-secret': created.secret } });
    expect(closed.json()).toEqual({ ok: true });
    expect((await first.app.inject({ method: 'GET', url: `/api/rooms/${created.code}` })).statusCode).toBe(404);
    expect(await first.app.rooms.store.findRoom(created.code)).toMatchObject({ _id: created.code, closedAt: expect.any(Date) });
    await first.app.close();
    const second = await start(dataDir);
    expect((await second.app.inject({ method: 'GET', url: `/api/rooms/${created.code}` })).statusCode).toBe(404);
    const join = await second.app.inject({ method: 'POST', url: `/api/rooms/${created.code}/join`, payload: { name: 'late' } });
    expect(join.statusCode).toBe(404);
  }, 60_000);

  it('falls back to memory, saying so, when the embedded store cannot start', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'rslab-rooms-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const notADirectory = path.join(dir, 'file');
    await writeFile(notADirectory, 'x');
    const lines: string[] = [];
    const app = await buildServer({
      settings: testSettings({ progressStore: 'embedded', dataDir: notADirectory }),
      logger: { level: 'error', stream: { write: (line: string) => void lines.push(line) } },
    });
    cleanups.push(() => app.close());
    expect((await app.inject({ method: 'POST', url: '/api/rooms', payload: {} })).statusCode).toBe(201);
    expect(lines.join('')).toContain('the embedded progress store did not start; keeping progress in memory only');
  });
});
