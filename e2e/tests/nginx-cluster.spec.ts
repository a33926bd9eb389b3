import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join as joinPath } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { startCluster, type Cluster } from '../../scripts/cluster.mjs';

/**
 * The nginx configuration of docs/DEPLOY.md, as scripts/cluster.mjs writes it (`--balancer nginx`),
 * run by Debian's nginx (/usr/sbin/nginx) in front of two built instances on a 3-member sim-mongod
 * set. Open-source nginx has no `sticky` and no active health checks (nginx docs, "Module
 * ngx_http_upstream_module": `sticky` and `health_check` are commercial), so the config sticks a
 * learner by a cookie nginx sets itself and fails over passively: `proxy_next_upstream` passes a
 * request that met a refused connection or a 503 to the next server ("Module ngx_http_proxy_module",
 * proxy_next_upstream; GET and WebSocket upgrades only, never a POST), and `max_fails=1` keeps that
 * server out for `fail_timeout`.
 */

let cluster: Cluster;
let dir: string;
const drainMillis = 4000;

test.describe.configure({ mode: 'serial' });

test.beforeAll(async () => {
  test.setTimeout(180_000);
  dir = mkdtempSync(joinPath(tmpdir(), 'rslab-nginx-'));
  cluster = await startCluster({
    dir,
    balancer: 'nginx',
    build: 'server',
    instanceEnv: { RSLAB_ROOM_JOIN_ATTEMPTS_PER_MINUTE_MAX: '10000', RSLAB_DRAIN_MILLIS: String(drainMillis), LOG_LEVEL: 'warn' },
  });
});

test.afterAll(async () => {
  await cluster?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** The cookies an answer set, by name. */
function setCookies(response: Response): Map<string, string> {
  const cookies = new Map<string, string>();
  for (const line of response.headers.getSetCookie()) {
    const [pair] = line.split(';');
    const at = pair!.indexOf('=');
    cookies.set(pair!.slice(0, at).trim(), pair!.slice(at + 1));
  }
  return cookies;
}

/** A learner as nginx sees one: their cookies, and the instance nginx has stuck them to. */
async function newLearner(want?: string): Promise<{ cookie: string; instance: string }> {
  for (let attempt = 0; attempt < 20; attempt += 1) {
    const response = await fetch(`${cluster.url}/api/health`);
    const cookies = setCookies(response);
    const served = response.headers.get('x-rslab-instance')!;
    // nginx's own cookie names the instance that answered; the server's is the session.
    expect(cookies.get('rslab_instance')).toBe(served);
    expect(cookies.get('rslab_session')).toBeTruthy();
    if (want === undefined || served === want) return { cookie: `rslab_session=${cookies.get('rslab_session')}; rslab_instance=${served}`, instance: served };
  }
  throw new Error(`nginx never sent a new learner to instance ${want}`);
}

async function servedBy(path: string, cookie = ''): Promise<{ status: number; instance: string | null; cookies: Map<string, string> }> {
  const response = await fetch(`${cluster.url}${path}`, { headers: cookie ? { cookie } : {}, signal: AbortSignal.timeout(30_000) });
  await response.arrayBuffer();
  return { status: response.status, instance: response.headers.get('x-rslab-instance'), cookies: setCookies(response) };
}

/** A WebSocket from a page on nginx's origin (its cookies go with the upgrade); resolves with the first message. */
async function firstMessage(page: Page, path: string): Promise<Record<string, unknown>> {
  return page.evaluate(async (url) => {
    const socket = new WebSocket(url);
    return new Promise<Record<string, unknown>>((resolve, reject) => {
      socket.onmessage = (event) => {
        resolve(JSON.parse(String(event.data)) as Record<string, unknown>);
        socket.close();
      };
      socket.onclose = (event) => reject(new Error(`closed ${event.code} before any message`));
    });
  }, `${cluster.url.replace('http', 'ws')}${path}`);
}

test('nginx sticks a learner to the instance that first answered, by its own cookie, and upgrades WebSockets', async ({ page }) => {
  const a = await newLearner('a');
  const b = await newLearner('b');
  for (let i = 0; i < 6; i += 1) {
    const atA = await servedBy('/api/health', a.cookie);
    expect(atA.instance).toBe('a');
    // Set once: not on every answer.
    expect(atA.cookies.has('rslab_instance')).toBe(false);
    expect((await servedBy('/api/health', b.cookie)).instance).toBe('b');
  }
  // The browser's WebSocket through nginx: the Upgrade and Connection headers reach the server.
  await page.goto(`${cluster.url}/api/health`);
  const welcome = await firstMessage(page, '/ws');
  expect(welcome.type).toBe('welcome');
});

test('room traffic goes by room code (with or without its dash) and leaves the learner cookie alone', async () => {
  const learner = await newLearner();
  const create = await fetch(`${cluster.url}/api/rooms`, { method: 'POST', headers: { 'content-type': 'application/json', cookie: learner.cookie }, body: JSON.stringify({ title: 'nginx class', lessonId: 'walkthrough' }) });
  expect(create.status).toBe(201);
  const { code } = (await create.json()) as { code: string };
  const dashed = `${code.slice(0, 4)}-${code.slice(4)}`;
  const served = new Set<string | null>();
  for (const path of [`/api/rooms/${code}`, `/api/rooms/${dashed}`, `/api/rooms/${code}`]) {
    for (const cookie of ['', learner.cookie]) {
      const reply = await servedBy(path, cookie);
      expect(reply.status).toBe(200);
      expect(reply.cookies.has('rslab_instance')).toBe(false);
      served.add(reply.instance);
    }
  }
  expect(served.size).toBe(1);
});

test('SIGTERM: the draining instance answers 503, nginx passes GETs and WebSocket upgrades to the other at once and moves the learner; after it exits its rooms are served by the other', async ({ page }) => {
  test.setTimeout(120_000);
  const drained = 'a';
  const other = 'b';
  const learner = await newLearner(drained);
  // A room whose code hashes to the instance that will drain.
  let code = '';
  for (let attempt = 0; attempt < 20 && !code; attempt += 1) {
    const create = await fetch(`${cluster.url}/api/rooms`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ title: 'drained class', lessonId: 'walkthrough' }) });
    expect(create.status).toBe(201);
    const made = ((await create.json()) as { code: string }).code;
    if ((await servedBy(`/api/rooms/${made}`)).instance === drained) code = made;
  }
  expect(code, 'no room hashed to the instance to drain in 20 tries').not.toBe('');
  const [name, value] = learner.cookie.split('; ').map((pair) => pair.split('='))[0]!;
  await page.context().addCookies([
    { name: name!, value: value!, url: cluster.url },
    { name: 'rslab_instance', value: drained, url: cluster.url },
  ]);
  await page.goto(`${cluster.url}/api/health`);

  const stopping = cluster.killInstance(drained, 'SIGTERM');
  await expect.poll(async () => (await cluster.health(drained))?.status, { timeout: 5000, intervals: [50] }).toBe(503);
  // Its health answers 503: nginx gives the learner's request to the other and sets the cookie to it.
  const moved = await servedBy('/api/health', learner.cookie);
  expect(moved).toMatchObject({ status: 200, instance: other });
  expect(moved.cookies.get('rslab_instance')).toBe(other);
  // A page reconnecting while it drains: the upgrade is refused (503) before it happens, so nginx
  // passes it on and the socket opens on the other instance.
  const welcome = await firstMessage(page, '/ws');
  expect(welcome.type).toBe('welcome');
  // Still within the drain: a join (POST) is not resent by nginx: the page gets the 503 with Retry-After and sends it again.
  const join = await fetch(`${cluster.url}/api/rooms/${code}/join`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'late', token: 'nginx-drain-token-0123456789' }) });
  expect(join.status).toBe(503);
  expect(join.headers.get('retry-after')).toBe('1');
  expect(join.headers.get('x-rslab-instance')).toBe(drained);

  await stopping;
  // Gone: the room's traffic (its code hashes to the dead instance) goes to the other, from the store.
  const room = await servedBy(`/api/rooms/${code}`);
  expect(room).toMatchObject({ status: 200, instance: other });
  const again = await fetch(`${cluster.url}/api/rooms/${code}/join`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'late', token: 'nginx-drain-token-0123456789' }) });
  expect([200, 201]).toContain(again.status);
  expect(again.headers.get('x-rslab-instance')).toBe(other);
  // A learner still holding the old cookie: the backup server answers and the cookie follows.
  const stale = await servedBy('/api/health', `rslab_instance=${drained}`);
  expect(stale).toMatchObject({ status: 200, instance: other });
  expect(stale.cookies.get('rslab_instance')).toBe(other);
});
