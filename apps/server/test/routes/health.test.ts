import { createServer } from 'node:net';
import { WebSocket } from 'ws';
import { afterEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import type { HealthReply } from '@rslab/protocol';
import { drainAndClose, serviceRestartCloseCode, tryAgainLaterCloseCode } from '../../src/plugins/lifecycle';
import { buildServer } from '../../src/server';
import { testSettings, type Settings } from '../../src/settings';
import { startServer, TestClient } from '../helpers/wsClient';

/**
 * `/api/health` as the balancer reads it. HAProxy's `http-check disable-on-404` (HAProxy 2.6
 * configuration manual, "http-check disable-on-404") puts a server answering 404 in maintenance
 * for new sessions only, which is what a full instance wants; any other non-2xx marks it down.
 */

const apps: FastifyInstance[] = [];
const clients: TestClient[] = [];
afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  for (const app of apps.splice(0)) await app.close().catch(() => undefined);
});

async function build(overrides: Partial<Settings> = {}): Promise<FastifyInstance> {
  const app = await buildServer({ settings: testSettings({ instanceName: 'test-a', ...overrides }), logger: false });
  apps.push(app);
  return app;
}

async function health(app: FastifyInstance): Promise<{ status: number; body: HealthReply; instance: unknown }> {
  const response = await app.inject({ method: 'GET', url: '/api/health' });
  return { status: response.statusCode, body: response.json<HealthReply>(), instance: response.headers['x-rslab-instance'] };
}

/** A WebSocket the server answers with an HTTP status instead of upgrading. */
function refusedUpgrade(url: string, cookie: string): Promise<{ status: number; retryAfter: string | undefined; body: string }> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { headers: { cookie } });
    socket.once('open', () => reject(new Error('the upgrade was accepted')));
    socket.once('unexpected-response', (_, response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, retryAfter: response.headers['retry-after'], body }));
    });
  });
}

/** A loopback port with nothing listening on it. */
async function deadPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

describe('/api/health for the balancer', () => {
  it('answers 200 ready with the instance name, here and in every answer\'s header', async () => {
    const app = await build();
    const reply = await health(app);
    expect(reply.status).toBe(200);
    expect(reply.instance).toBe('test-a');
    expect(reply.body).toMatchObject({ ok: true, state: 'ready', instance: 'test-a', acceptingSandboxes: true, draining: false, store: { kind: 'memory', state: 'ready' } });
  });

  it('answers 404 when full: no new learners, its own still served', async () => {
    const app = await build({ sandboxesMax: 1 });
    app.sandboxes.obtain('learner-1');
    const reply = await health(app);
    expect(reply.status).toBe(404);
    expect(reply.body).toMatchObject({ ok: false, state: 'full', sandboxes: 1, sandboxesMax: 1, acceptingSandboxes: false });
  });

  it('says when its store has no primary to write to (still 200: sandboxes do not need it), and a room change fails fast with 503 + Retry-After', async () => {
    const port = await deadPort();
    const app = await build({ progressStore: `mongodb://127.0.0.1:${port}/?serverSelectionTimeoutMS=300`, storeDeadlineMillis: 800 });
    const reply = await health(app);
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({ ok: false, state: 'store', acceptingSandboxes: true });
    expect(['starting', 'waiting']).toContain(reply.body.store.state);
    const startedAt = Date.now();
    const create = await app.inject({ method: 'POST', url: '/api/rooms', payload: { title: 'no store' } });
    // Nothing acknowledged, nothing promised: the page is told to send it again.
    expect(create.statusCode).toBe(503);
    expect(create.json()).toMatchObject({ error: 'StoreUnavailable' });
    expect(Number(create.headers['retry-after'])).toBeGreaterThan(0);
    expect(Date.now() - startedAt).toBeLessThan(5000);
  });

  it('SIGTERM drains: health 503 at once, new writes and sockets refused, open pages told to reconnect (1012)', async () => {
    const app = await build();
    const server = await startServer(app);
    const cookie = await server.cookie();
    const open = await TestClient.connect(server.baseUrl, cookie, '/ws');
    clients.push(open);
    await open.waitFor((m) => m.type === 'welcome');
    const draining = drainAndClose(app, 300);
    const reply = await health(app);
    expect(reply.status).toBe(503);
    expect(reply.body).toMatchObject({ state: 'draining', draining: true, acceptingSandboxes: false });
    const create = await app.inject({ method: 'POST', url: '/api/rooms', payload: { title: 'late' } });
    expect(create.statusCode).toBe(503);
    expect(create.json()).toMatchObject({ error: 'Draining' });
    expect(create.headers['retry-after']).toBe('1');
    // A new WebSocket is refused before its upgrade (503, what a balancer without health checks sees).
    const late = await refusedUpgrade(`${server.baseUrl.replace('http', 'ws')}/ws`, cookie);
    expect(late.status).toBe(503);
    expect(late.retryAfter).toBe('1');
    expect(JSON.parse(late.body)).toMatchObject({ error: 'Draining' });
    // One that got past the check as draining began is told in the socket, and closed with 1013.
    const sent: string[] = [];
    let closedWith: number | undefined;
    const racing = { send: (text: string) => sent.push(text), close: (code: number) => (closedWith = code), once: () => undefined };
    expect(app.lifecycle.admit(racing as never)).toBe(false);
    expect(JSON.parse(sent[0]!)).toMatchObject({ type: 'error', code: 'Draining' });
    expect(closedWith).toBe(tryAgainLaterCloseCode);
    await draining;
    await expect.poll(() => open.closeCode).toBe(serviceRestartCloseCode);
    expect(open.messages.some((m) => m.type === 'error' && m.code === 'Draining')).toBe(true);
  });
});
