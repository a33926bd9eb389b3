import { Writable } from 'node:stream';
import Fastify, { type FastifyInstance, type RouteOptions } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { pyodidePath } from '../../src/routes/runtime';
import { app } from '../../src/app';
import { testSettings } from '../../src/settings';

let server: FastifyInstance | null = null;
afterEach(async () => {
  await server?.close();
  server = null;
});

/** A server with the app and a capture of its JSON log lines; `extra` may add routes before it is ready. */
async function serverWithLog(extra?: (instance: FastifyInstance) => void) {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line.trim() !== '') lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  const routes: RouteOptions[] = [];
  const instance = Fastify({ logger: { level: 'info', stream } });
  instance.addHook('onRoute', (route) => {
    routes.push(route);
  });
  await instance.register(app, { settings: testSettings() });
  extra?.(instance);
  await instance.ready();
  server = instance;
  return { server: instance, lines, routes };
}

describe('errors answer in one shape (ApiError)', () => {
  it('an unknown route is a logged 404 NotFound', async () => {
    const { server, lines } = await serverWithLog();
    const response = await server.inject({ method: 'GET', url: '/api/nowhere?x=1' });
    expect(response.statusCode).toBe(404);
    expect(response.json()).toEqual({ statusCode: 404, error: 'NotFound', message: 'no route for GET /api/nowhere' });
    expect(lines.some((line) => line.msg === 'no route' && line.url === '/api/nowhere?x=1')).toBe(true);
  });

  it('a body that breaks the schema is a 400 InvalidRequest naming the field', async () => {
    const { server } = await serverWithLog();
    const response = await server.inject({ method: 'POST', url: '/api/rooms', payload: { title: 'x', extra: 1 } });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ statusCode: 400, error: 'InvalidRequest', message: expect.stringContaining('additional properties') });
  });

  it('a route that throws is a 500 InternalError, logged with the cause, and the page is not shown the cause', async () => {
    const { server, lines } = await serverWithLog((instance) => {
      instance.get('/api/test-boom', async () => {
        throw new Error('secret internals');
      });
    });
    const response = await server.inject({ method: 'GET', url: '/api/test-boom' });
    expect(response.statusCode).toBe(500);
    expect(response.json()).toEqual({ statusCode: 500, error: 'InternalError', message: 'the server failed to answer this request; it is logged' });
    const logged = lines.find((line) => line.msg === 'request failed');
    expect((logged?.err as { message?: string } | undefined)?.message).toBe('secret internals');
    expect(logged?.level).toBe(50);
  });

  it('a room error the API knows keeps its own name in the same shape', async () => {
    const { server } = await serverWithLog();
    const response = await server.inject({ method: 'GET', url: '/api/rooms/ABCDEFGH' });
    expect(response.statusCode).toBe(404);
    expect(response.json()).toEqual({ statusCode: 404, error: 'RoomNotFound', message: "there is no room with the code 'ABCDEFGH'" });
  });
});

describe('every HTTP route has JSON schemas', () => {
  it('declares its responses, errors included', async () => {
    const { routes } = await serverWithLog();
    const http = routes.filter((route) => !(route as { websocket?: boolean }).websocket && route.method !== 'HEAD');
    expect(http.map((route) => `${String(route.method)} ${route.url}`).sort()).toEqual([
      'DELETE /api/replays/:id',
      'DELETE /api/rooms/:code',
      'GET /',
      'GET /api/health',
      'GET /api/lessons',
      'GET /api/replays',
      'GET /api/replays/:id',
      'GET /api/rooms/:code',
      'GET /api/rooms/:code/dashboard',
      'POST /api/replays',
      'POST /api/rooms',
      'POST /api/rooms/:code/attendees/:attendeeId/reset',
      'POST /api/rooms/:code/join',
      'GET /runtime/info.json',
      'GET /runtime/python-sources.json',
      `HEAD,GET ${pyodidePath}*`,
    ].sort());
    // Pyodide's own files (the interpreter, the standard library) are static files, not API replies.
    for (const route of http.filter((candidate) => candidate.url !== `${pyodidePath}*`)) {
      const response = route.schema?.response as Record<string, unknown> | undefined;
      expect(response, `${String(route.method)} ${route.url}`).toBeDefined();
      if (route.url.startsWith('/api/')) expect(Object.keys(response ?? {}), route.url).toEqual(expect.arrayContaining(['4xx', '5xx']));
    }
  });
});
