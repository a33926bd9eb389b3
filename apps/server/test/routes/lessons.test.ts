import Fastify from 'fastify';
import { Value } from '@sinclair/typebox/value';
import { LessonList } from '@rslab/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { app } from '../../src/app';
import { lessons } from '../../src/lessons/catalog';
import { testSettings } from '../../src/settings';

let server: ReturnType<typeof Fastify> | null = null;
afterEach(async () => {
  await server?.close();
  server = null;
});

async function serve(engine: 'sim' | 'mongod') {
  server = Fastify();
  await server.register(app, { settings: { ...testSettings(), engine } });
  await server.ready();
  return server;
}

describe('GET /api/lessons', () => {
  it('lists the course in order with steps, minutes and what each lesson needs', async () => {
    const response = await (await serve('sim')).inject({ method: 'GET', url: '/api/lessons' });
    expect(response.statusCode).toBe(200);
    const body: unknown = response.json();
    expect(Value.Check(LessonList, body)).toBe(true);
    const list = body as LessonList;
    expect(list.map((l) => l.id)).toEqual(lessons.map((l) => l.id));
    expect(list.length).toBeGreaterThanOrEqual(8);
    expect(list[0]).toMatchObject({ id: 'walkthrough', engine: 'any', available: true, after: [] });
    for (const lesson of list) {
      expect(lesson.steps, lesson.id).toBeGreaterThan(1);
      expect(lesson.minutes, lesson.id).toBeGreaterThan(0);
      for (const before of lesson.after) expect(list.findIndex((l) => l.id === before), `${lesson.id} after ${before}`).toBeLessThan(list.indexOf(lesson));
    }
  });

  it('says which lessons a mongod-engine server cannot run (partitions need the sim engine)', async () => {
    const list = (await (await serve('mongod')).inject({ method: 'GET', url: '/api/lessons' })).json() as LessonList;
    const simOnly = list.filter((l) => l.engine === 'sim');
    expect(simOnly.length).toBeGreaterThan(0);
    expect(simOnly.every((l) => !l.available)).toBe(true);
    expect(list.filter((l) => l.engine === 'any').every((l) => l.available)).toBe(true);
  });
});
