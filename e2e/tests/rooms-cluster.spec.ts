import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join as joinPath } from 'node:path';
import { expect, test } from '@playwright/test';
import { startCluster, type Cluster } from '../../scripts/cluster.mjs';

/**
 * The classroom past one server, as docs/DEPLOY.md describes it and scripts/cluster.mjs runs it:
 * HAProxy in front of two server instances, the rooms' truth in a 3-member sim-mongod replica set
 * (MONGODB_URI). HAProxy must be installed (Debian's `haproxy`; .ci/run installs it).
 *
 * Writes are w:majority with retryable writes (MongoDB manual, "Write Concern" and "Retryable
 * Writes"): a write the set acknowledged with w:majority survives the loss of the primary, so the
 * dashboard must list every join that was answered 201, however the election went.
 */

interface DashboardBody {
  attendees: Array<{ id: string; name: string; stepId: string | null; lastSeenAt: number | null }>;
}

let cluster: Cluster;
let dir: string;

test.describe.configure({ mode: 'serial' });

test.beforeAll(async () => {
  test.setTimeout(180_000);
  dir = mkdtempSync(joinPath(tmpdir(), 'rslab-cluster-'));
  cluster = await startCluster({
    dir,
    build: 'server',
    instanceEnv: {
      // Every test joins many attendees from one loopback address.
      RSLAB_ROOM_JOIN_ATTEMPTS_PER_MINUTE_MAX: '10000',
      RSLAB_DRAIN_MILLIS: '500',
      LOG_LEVEL: 'warn',
    },
  });
});

// A failure here is about timing between processes: keep what each one logged.
// eslint-disable-next-line no-empty-pattern -- Playwright reads a hook's fixtures from this pattern; it needs none
test.afterEach(async ({}, testInfo) => {
  if (testInfo.status === testInfo.expectedStatus || !cluster) return;
  for (const process of [...cluster.instances, ...cluster.members]) {
    if (!existsSync(process.log)) continue;
    const copy = testInfo.outputPath(process.log.split('/').pop()!);
    writeFileSync(copy, readFileSync(process.log, 'utf8').slice(-500_000));
    await testInfo.attach(copy.split('/').pop()!, { path: copy, contentType: 'text/plain' });
  }
});

test.afterAll(async () => {
  await cluster?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function json<T>(response: Response): Promise<T> {
  const text = await response.text();
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new Error(`not JSON (${response.status}): ${text.slice(0, 300)}`);
  }
}

/** A room made through the balancer, and the instance that serves its traffic. */
async function createRoom(base: string): Promise<{ code: string; secret: string; instance: string }> {
  const response = await fetch(`${base}/api/rooms`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ title: 'cluster class', lessonId: 'walkthrough' }) });
  expect(response.status).toBe(201);
  const body = await json<{ code: string; instructorPath: string }>(response);
  const secret = /secret=([A-Za-z0-9_-]+)/.exec(body.instructorPath)![1]!;
  // Made on whichever instance the balancer chose for a request without a room; from now on the
  // room's traffic goes by its code, to the instance its hash picks.
  const instance = (await fetch(`${base}/api/rooms/${body.code}`)).headers.get('x-rslab-instance') ?? '';
  return { code: body.code, secret, instance };
}

/** One join, sent again with the same token after each 503 until it is acknowledged (as the page does). */
async function join(base: string, code: string, name: string, token = randomBytes(18).toString('base64url')) {
  const statuses: number[] = [];
  const startedAt = Date.now();
  for (;;) {
    const sentAt = Date.now();
    const response = await fetch(`${base}/api/rooms/${code}/join`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name, token }), signal: AbortSignal.timeout(60_000) });
    const tookMillis = Date.now() - sentAt;
    statuses.push(response.status);
    if (response.status === 201 || response.status === 200) {
      const body = await json<{ attendeeId: string }>(response);
      return { attendeeId: body.attendeeId, token, statuses, tookMillis, instance: response.headers.get('x-rslab-instance') };
    }
    const text = await response.text();
    // The bound: during an election a request succeeds or fails fast, never hangs past 30 s.
    expect(tookMillis, `a join answered ${response.status} after ${tookMillis} ms`).toBeLessThan(30_000);
    expect([503, 502], `join answered ${response.status}: ${text.slice(0, 400)}`).toContain(response.status);
    if (Date.now() - startedAt > 120_000) throw new Error(`join of ${name} never acknowledged: ${statuses.join(',')}`);
    const retryAfter = Number(response.headers.get('retry-after') ?? '1');
    await new Promise((resolve) => setTimeout(resolve, Math.min(retryAfter, 2) * 1000));
  }
}

async function dashboard(base: string, code: string, secret: string): Promise<DashboardBody> {
  const response = await fetch(`${base}/api/rooms/${code}/dashboard`, { headers: { 'x-rslab-instructor-secret': secret }, signal: AbortSignal.timeout(30_000) });
  expect(response.status, await response.clone().text()).toBe(200);
  return json<DashboardBody>(response);
}

const ids = (board: DashboardBody) => board.attendees.map((row) => row.id).sort();

test('a room made through HAProxy is one room on both instances: joins on either show on both dashboards within 2 s', async () => {
  test.setTimeout(120_000);
  const room = await createRoom(cluster.url);
  expect(['a', 'b']).toContain(room.instance);
  const joined: string[] = [];
  for (const [index, name] of ['a', 'b', 'a', 'b', 'a', 'b'].entries()) joined.push((await join(cluster.instanceUrl(name), room.code, `learner ${index}`)).attendeeId);
  for (const name of ['a', 'b']) {
    await expect.poll(async () => ids(await dashboard(cluster.instanceUrl(name), room.code, room.secret)), { timeout: 2500, intervals: [100] }).toEqual([...joined].sort());
  }
  // Through the balancer, by room code, always the same instance.
  const served = new Set<string | null>();
  for (let i = 0; i < 5; i += 1) served.add((await fetch(`${cluster.url}/api/rooms/${room.code}`)).headers.get('x-rslab-instance'));
  expect([...served]).toEqual([room.instance]);
});

test('kill -9 of the instance serving a room: the other serves it through HAProxy with every attendee; after its restart it lists them too', async () => {
  test.setTimeout(180_000);
  const room = await createRoom(cluster.url);
  const joined: string[] = [];
  for (let i = 0; i < 5; i += 1) joined.push((await join(cluster.url, room.code, `stayer ${i}`)).attendeeId);
  const other = room.instance === 'a' ? 'b' : 'a';
  await cluster.killInstance(room.instance, 'SIGKILL');
  // HAProxy retries a refused connection on the other server (option redispatch) and marks the dead one down.
  const after = await dashboard(cluster.url, room.code, room.secret);
  expect(ids(after)).toEqual([...joined].sort());
  const info = await fetch(`${cluster.url}/api/rooms/${room.code}`);
  expect(info.headers.get('x-rslab-instance')).toBe(other);
  // The restarted instance (same data folder, same port) has nothing in memory: all from the store.
  await cluster.startInstance(room.instance);
  await cluster.waitForHealthy(room.instance);
  const restarted = await dashboard(cluster.instanceUrl(room.instance), room.code, room.secret);
  expect(ids(restarted)).toEqual([...joined].sort());
  for (const row of restarted.attendees) expect(row.lastSeenAt).not.toBeNull();
  await cluster.waitForBalancer();
});

test('kill -9 of the store primary during 20 joins: every join answered 201 is stored, none hangs past 30 s', async () => {
  test.setTimeout(240_000);
  const room = await createRoom(cluster.url);
  const primary = await cluster.waitForPrimary();
  // Five joins under way as the primary dies, fifteen more sent while the set has none.
  const joins = Array.from({ length: 5 }, (_, i) => join(cluster.url, room.code, `before ${i}`));
  await new Promise((resolve) => setTimeout(resolve, 20));
  await cluster.killMember(primary, 'SIGKILL');
  for (let i = 0; i < 15; i += 1) joins.push(join(cluster.url, room.code, `during election ${i}`));
  const results = await Promise.all(joins);
  const summary = results.map((result) => `${result.statuses.join('>')}/${result.tookMillis}ms`).join(' ');
  console.log(`joins across the election: ${summary}`);
  // The election was really under way for these: some waited for it (or were told to retry).
  expect(results.some((result) => result.statuses.length > 1 || result.tookMillis > 2000), summary).toBe(true);
  const newPrimary = await cluster.waitForPrimary();
  expect(newPrimary).not.toBe(primary);
  const acknowledged = results.map((result) => result.attendeeId).sort();
  // First the store itself: a majority read through the set holds every acknowledged join.
  const stored = await cluster.storedDocuments('progress', { roomCode: room.code });
  const storedIds = (documents: Array<Record<string, unknown>>) => documents.map((document) => String(document.attendeeId)).sort();
  const perMember = Object.entries(stored.byMember).map(([index, documents]) => `member ${index}: ${typeof documents === 'string' ? documents : storedIds(documents).length}`).join(', ');
  expect(storedIds(stored.majority), `the store lost acknowledged joins (${perMember}; joins by instance: ${results.map((result) => result.instance).join(',')})`).toEqual(acknowledged);
  // Every acknowledged join (each ends acknowledged: the page sends it again after a 503) is there, once.
  for (const name of ['a', 'b']) {
    const board = await dashboard(cluster.instanceUrl(name), room.code, room.secret);
    expect(ids(board), `dashboard of instance ${name} (joins by instance: ${results.map((result) => result.instance).join(',')})`).toEqual(acknowledged);
  }
  await cluster.startMember(primary);
});

test('kill -9 of the instance holding an attendee\'s own copy: her page reconnects through HAProxy and the other instance rebuilds it at her saved step', async ({ page }) => {
  test.setTimeout(180_000);
  const room = await createRoom(cluster.url);
  const ada = await join(cluster.url, room.code, 'ada');
  const other = room.instance === 'a' ? 'b' : 'a';
  // A page on the balancer's origin, speaking the rooms protocol over its own WebSockets.
  await page.goto(`${cluster.url}/api/health`);
  await page.evaluate(() => {
    const w = window as unknown as { sockets: WebSocket[]; inbox: unknown[][] };
    w.sockets = [];
    w.inbox = [];
  });
  const open = (url: string) =>
    page.evaluate(async (wsUrl) => {
      const w = window as unknown as { sockets: WebSocket[]; inbox: unknown[][] };
      const socket = new WebSocket(wsUrl);
      const inbox: unknown[] = [];
      socket.onmessage = (event) => inbox.push(JSON.parse(String(event.data)));
      await new Promise((resolve, reject) => {
        socket.onopen = resolve;
        socket.onerror = reject;
      });
      w.sockets.push(socket);
      w.inbox.push(inbox);
      return w.sockets.length - 1;
    }, url);
  const send = (index: number, message: unknown) => page.evaluate(([i, m]) => (window as unknown as { sockets: WebSocket[] }).sockets[i as number]!.send(JSON.stringify(m)), [index, message] as const);
  const inbox = (index: number) => page.evaluate((i) => (window as unknown as { inbox: Array<Array<Record<string, unknown>>> }).inbox[i]!, index);
  const wsUrl = `${cluster.url.replace('http', 'ws')}/ws/room?room=${room.code}`;

  const first = await open(wsUrl);
  await send(first, { type: 'room.follow', code: room.code, attendee: ada.token });
  await expect.poll(async () => (await inbox(first)).some((m) => m.type === 'welcome')).toBe(true);
  await send(first, { type: 'room.fork' });
  let tab = '';
  await expect
    .poll(
      async () => {
        const fork = (await inbox(first)).find((m) => m.type === 'welcome' && (m.room as { mode?: string } | undefined)?.mode === 'fork') as { tabs: Array<{ tab: string }> } | undefined;
        tab = fork?.tabs[0]?.tab ?? '';
        return tab !== '';
      },
      { timeout: 20_000 },
    )
    .toBe(true);
  for (const line of ['hostname', 'mongod --replSet foo/morton.local:27018,morton.local:27019 --rest', 'mongod --port 27018 --dbpath /data/db1 --replSet foo/morton.local:27017 --rest', 'mongod --port 27019 --dbpath /data/db2 --replSet foo/morton.local:27017 --rest']) {
    await send(first, { type: 'input', tab, line });
  }
  // The server says `room.saved` only once the set acknowledged the step (w:majority).
  await expect.poll(async () => (await inbox(first)).some((m) => m.type === 'room.saved' && m.ok === true && m.stepId === 'connect-one'), { timeout: 30_000 }).toBe(true);

  await cluster.killInstance(room.instance, 'SIGKILL');
  // The page's reconnect, through the balancer: the room's code now hashes to the instance left.
  const second = await open(wsUrl);
  await send(second, { type: 'room.follow', code: room.code, attendee: ada.token });
  await expect.poll(async () => (await inbox(second)).find((m) => m.type === 'welcome')?.room, { timeout: 30_000 }).toMatchObject({ role: 'attendee', mode: 'fork', attendeeId: ada.attendeeId });
  // A fresh sandbox replays the lesson up to her step: the lesson is back at connect-one.
  await expect
    .poll(async () => (await inbox(second)).some((m) => m.type === 'lesson' && (m.progress as { stepIndex: number; steps: Array<{ id: string }> }).steps[(m.progress as { stepIndex: number }).stepIndex]?.id === 'connect-one'), { timeout: 60_000 })
    .toBe(true);
  expect((await fetch(`${cluster.url}/api/rooms/${room.code}`)).headers.get('x-rslab-instance')).toBe(other);
  await cluster.startInstance(room.instance);
  await cluster.waitForHealthy(room.instance);
  await cluster.waitForBalancer();
});
