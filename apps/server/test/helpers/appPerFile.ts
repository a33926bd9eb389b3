import { afterAll, beforeAll } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildServer } from '../../src/server';
import { testSettings, type Settings } from '../../src/settings';

/**
 * One app for every test of the calling file, built before the first and closed after the last.
 * Returns a getter: the app exists only once `beforeAll` has run.
 */
export function appPerFile(overrides: Partial<Settings> = {}): () => FastifyInstance {
  let app: FastifyInstance | null = null;
  beforeAll(async () => {
    app = await buildServer({ settings: testSettings(overrides) });
  });
  afterAll(async () => {
    await app?.close();
  });
  return () => {
    if (!app) throw new Error('the app is built in beforeAll; use it inside a test');
    return app;
  };
}
