import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import type { Dashboard } from '@rslab/protocol';
import { forkAndReachConnectOne } from '../helpers/roomFork';
import { TestClient } from '../helpers/wsClient';

/**
 * Issue 18's "after a clean restart and after a kill -9 of a single instance, the dashboard lists
 * every attendee who had joined, with their saved step": the server as a process of its own
 * (src/main.ts under tsx) with the embedded store, stopped by SIGTERM or killed by SIGKILL, then
 * started again on the same data folder. Nothing of the room is in the new process's memory.
 */

const serverDir = fileURLToPath(new URL('../..', import.meta.url));
const tsxLoader = createRequire(import.meta.url).resolve('tsx');
const children: ChildProcess[] = [];
const clients: TestClient[] = [];
afterEach(() => {
  for (const client of clients.splice(0)) client.close();
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

async function startProcess(dataDir: string): Promise<{ child: ChildProcess; baseUrl: string; output: () => string }> {
  const child = spawn(process.execPath, ['--import', tsxLoader, 'src/main.ts'], {
    cwd: serverDir,
    env: { ...process.env, HOST: '127.0.0.1', PORT: '0', RSLAB_PROGRESS_STORE: 'embedded', RSLAB_DATA_DIR: dataDir, RSLAB_DRAIN_MILLIS: '0', RSLAB_PRESENCE_MILLIS: '500', LOG_LEVEL: 'warn', MONGODB_URI: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const baseUrl = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the server did not start:\n${output}`)), 45_000);
    const look = (): void => {
      const match = /Replica Set Lab listening on (http:\/\/\S+)/.exec(output);
      if (!match) return;
      clearTimeout(timer);
      resolve(match[1]!.replace('localhost', '127.0.0.1'));
    };
    child.stdout?.on('data', look);
    child.once('exit', (code, signal) => reject(new Error(`the server exited (${code ?? signal}):\n${output}`)));
  });
  return { child, baseUrl, output: () => output };
}

async function cookieOf(baseUrl: string): Promise<string> {
  const response = await fetch(`${baseUrl}/api/health`);
  await response.text();
  const cookie = response.headers.get('set-cookie');
  if (!cookie) throw new Error('no session cookie issued');
  return cookie.split(';')[0]!;
}

async function dashboard(baseUrl: string, code: string, secret: string): Promise<Dashboard> {
  const response = await fetch(`${baseUrl}/api/rooms/${code}/dashboard`, { headers: { 'x-rslab-instructor-secret': secret } });
  expect(response.status).toBe(200);
  return (await response.json()) as Dashboard;
}

describe.each([
  ['a clean restart (SIGTERM)', 'SIGTERM'],
  ['a kill -9', 'SIGKILL'],
] as const)('the dashboard after %s of the only instance (embedded store)', (_title, signal) => {
  it('lists every attendee who had joined, online or not, with their saved step', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'rslab-restart-'));
    try {
      const first = await startProcess(dataDir);
      const created = (await (await fetch(`${first.baseUrl}/api/rooms`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ title: 'restart class' }) })).json()) as { code: string; instructorPath: string };
      const secret = /secret=([A-Za-z0-9_-]+)/.exec(created.instructorPath)![1]!;
      const join = async (name: string) => (await (await fetch(`${first.baseUrl}/api/rooms/${created.code}/join`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name }) })).json()) as { attendeeId: string; token: string };
      const ada = await join('ada');
      const bob = await join('bob');
      const cyd = await join('cyd');
      // Ada works on her own copy and reaches the fourth step; Bob follows live; Cyd never opened the page.
      const page = await TestClient.connect(first.baseUrl, await cookieOf(first.baseUrl), '/ws/room');
      clients.push(page);
      await forkAndReachConnectOne(page, created.code, ada.token, 15_000);
      // Acknowledged by the store: the page hears `room.saved` only after the write.
      await page.waitFor((m) => m.type === 'room.saved' && m.ok && m.stepId === 'connect-one', 20_000);
      const follower = await TestClient.connect(first.baseUrl, await cookieOf(first.baseUrl), '/ws/room');
      clients.push(follower);
      follower.send({ type: 'room.follow', code: created.code, attendee: bob.token });
      await follower.waitFor((m) => m.type === 'welcome');

      const exited = new Promise((resolve) => first.child.once('exit', resolve));
      first.child.kill(signal);
      await exited;
      page.close();
      follower.close();

      const second = await startProcess(dataDir);
      const board = await dashboard(second.baseUrl, created.code, secret);
      const rows = Object.fromEntries(board.attendees.map((row) => [row.name, row]));
      expect(board.attendees.map((row) => row.name)).toEqual(['ada', 'bob', 'cyd']);
      expect(rows.ada).toMatchObject({ id: ada.attendeeId, mode: 'fork', stepId: 'connect-one', stepTitle: expect.any(String), hasFork: true });
      expect(rows.bob).toMatchObject({ id: bob.attendeeId, mode: 'live' });
      expect(rows.cyd).toMatchObject({ id: cyd.attendeeId, mode: 'live', connected: false });
      // Ada and Bob had pages open, so they were seen; when is in the store, not in memory.
      expect(rows.ada!.lastSeenAt).toBeGreaterThan(0);
      expect(rows.bob!.lastSeenAt).toBeGreaterThan(0);
      if (signal === 'SIGTERM') {
        // A clean stop writes its pages as gone.
        expect([rows.ada!.connected, rows.bob!.connected]).toEqual([false, false]);
      } else {
        // A killed instance wrote nothing more: its pages count as online until their lease
        // (3 x RSLAB_PRESENCE_MILLIS) runs out, then as gone.
        await expect
          .poll(async () => (await dashboard(second.baseUrl, created.code, secret)).attendees.map((row) => row.connected), { timeout: 5000, interval: 250 })
          .toEqual([false, false, false]);
      }
      const stopped = new Promise((resolve) => second.child.once('exit', resolve));
      second.child.kill('SIGTERM');
      await stopped;
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  }, 120_000);
});
