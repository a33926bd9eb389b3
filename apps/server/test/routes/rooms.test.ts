import { afterEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildServer } from '../../src/server';
import { testSettings, type Settings } from '../../src/settings';

let app: FastifyInstance | null = null;

afterEach(async () => {
  await app?.close();
  app = null;
});

async function setup(overrides: Partial<Settings> = {}) {
  app = await buildServer({ settings: testSettings(overrides) });
  return app;
}

async function createRoom(server: FastifyInstance, body: object = { title: 'Tuesday class' }) {
  const response = await server.inject({ method: 'POST', url: '/api/rooms', payload: body });
  expect(response.statusCode).toBe(201);
  return response.json<{ code: string; displayCode: string; secret: string; instructorPath: string; joinPath: string }>();
}

describe('rooms API', () => {
  it('creates a room with an 8-symbol code and keeps the secret out of every path but the fragment', async () => {
    const server = await setup();
    const room = await createRoom(server);
    expect(room.code).toMatch(/^[0-9A-HJKMNP-TV-Z]{8}$/);
    expect(room.displayCode).toBe(`${room.code.slice(0, 4)}-${room.code.slice(4)}`);
    expect(room.secret.length).toBeGreaterThanOrEqual(32);
    expect(room.joinPath).not.toContain(room.secret);
    const [beforeFragment] = room.instructorPath.split('#');
    expect(beforeFragment).not.toContain(room.secret);
    expect(room.instructorPath.split('#')[1]).toContain(`secret=${room.secret}`);
  });

  it('validates the body: unknown fields and lessons are refused', async () => {
    const server = await setup();
    expect((await server.inject({ method: 'POST', url: '/api/rooms', payload: { title: 'x', extra: 1 } })).statusCode).toBe(400);
    expect((await server.inject({ method: 'POST', url: '/api/rooms', payload: { title: '' } })).statusCode).toBe(400);
    const unknown = await server.inject({ method: 'POST', url: '/api/rooms', payload: { lessonId: 'nope' } });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json()).toMatchObject({ error: 'UnknownLesson' });
  });

  it('limits rooms per server and attendees per room', async () => {
    const server = await setup({ roomsMax: 1, attendeesPerRoomMax: 2 });
    const room = await createRoom(server);
    const second = await server.inject({ method: 'POST', url: '/api/rooms', payload: {} });
    expect(second.statusCode).toBe(503);
    expect(second.headers['retry-after']).toBe('60');
    for (const name of ['ada', 'bob']) {
      expect((await server.inject({ method: 'POST', url: `/api/rooms/${room.code}/join`, payload: { name } })).statusCode).toBe(201);
    }
    const third = await server.inject({ method: 'POST', url: `/api/rooms/${room.code}/join`, payload: { name: 'cy' } });
    expect(third.statusCode).toBe(409);
    expect(third.json()).toMatchObject({ error: 'RoomFull' });
  });

  it('accepts codes as people type them and answers 404 for unknown ones', async () => {
    const server = await setup();
    const room = await createRoom(server);
    const typed = `${room.code.slice(0, 4).toLowerCase()} ${room.code.slice(4)}`.replace(/0/g, 'o');
    const found = await server.inject({ method: 'GET', url: `/api/rooms/${encodeURIComponent(typed)}` });
    expect(found.statusCode).toBe(200);
    expect(found.json()).toMatchObject({ code: room.code, title: 'Tuesday class', attendees: 0 });
    const other = room.code.startsWith('Z') ? `Y${room.code.slice(1)}` : `Z${room.code.slice(1)}`;
    expect((await server.inject({ method: 'GET', url: `/api/rooms/${other}` })).statusCode).toBe(404);
  });

  it('rate-limits join attempts per IP with 429 and Retry-After, whether the codes exist or not', async () => {
    const server = await setup({ roomJoinAttemptsPerMinuteMax: 3 });
    const room = await createRoom(server);
    for (let i = 0; i < 3; i += 1) {
      const guess = await server.inject({ method: 'POST', url: '/api/rooms/ZZZZZZZ0/join', payload: { name: 'eve' }, remoteAddress: '10.0.0.9' });
      expect(guess.statusCode).toBe(404);
    }
    const limited = await server.inject({ method: 'POST', url: `/api/rooms/${room.code}/join`, payload: { name: 'eve' }, remoteAddress: '10.0.0.9' });
    expect(limited.statusCode).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(Number(limited.headers['retry-after'])).toBeLessThanOrEqual(60);
    // Successes are not counted: a whole class behind one address joins.
    for (let i = 0; i < 5; i += 1) {
      const joined = await server.inject({ method: 'POST', url: `/api/rooms/${room.code}/join`, payload: { name: `s${i}` }, remoteAddress: '10.0.0.20' });
      expect(joined.statusCode).toBe(201);
    }
    // Another address is not affected.
    const other = await server.inject({ method: 'POST', url: `/api/rooms/${room.code}/join`, payload: { name: 'ann' }, remoteAddress: '10.0.0.10' });
    expect(other.statusCode).toBe(201);
  });

  it('shows the dashboard only with the instructor secret, in a header', async () => {
    const server = await setup();
    const room = await createRoom(server);
    const joined = await server.inject({ method: 'POST', url: `/api/rooms/${room.code}/join`, payload: { name: 'ada' } });
    const { attendeeId } = joined.json<{ attendeeId: string }>();
    expect((await server.inject({ method: 'GET', url: `/api/rooms/${room.code}/dashboard` })).statusCode).toBe(403);
    const wrong = await server.inject({ method: 'GET', url: `/api/rooms/${room.code}/dashboard`, headers: { 'x-rslab-instructor-secret': 'x'.repeat(32) } });
    expect(wrong.statusCode).toBe(403);
    const dashboard = await server.inject({ method: 'GET', url: `/api/rooms/${room.code}/dashboard`, headers: { 'x-rslab-instructor-secret': room.secret } });
    expect(dashboard.statusCode).toBe(200);
    expect(dashboard.json()).toMatchObject({
      title: 'Tuesday class',
      attendees: [{ id: attendeeId, name: 'ada', mode: 'live', connected: false, hasFork: false, stuck: false }],
    });
    const reset = await server.inject({ method: 'POST', url: `/api/rooms/${room.code}/attendees/${attendeeId}/reset`, headers: { 'x-rslab-instructor-secret': room.secret } });
    expect(reset.statusCode).toBe(200);
    const resetByAttendee = await server.inject({ method: 'POST', url: `/api/rooms/${room.code}/attendees/${attendeeId}/reset` });
    expect(resetByAttendee.statusCode).toBe(403);
  });
});
