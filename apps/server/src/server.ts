import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { app } from './app';
import type { Settings } from './settings';

export interface ServerOptions {
  settings: Settings;
  logger?: FastifyServerOptions['logger'];
}

/** Largest HTTP request body accepted. */
const bodyBytesMax = 1024 * 1024;

/**
 * How long one plugin may take to start. Fastify's default (10 s) is too short for the sandboxes
 * plugin, which waits for its worker threads: from source each loads the sim through tsx, which
 * on a busy machine takes longer than that (a bundle starts in well under a second).
 */
const pluginStartMillisMax = 120_000;

/** A Fastify server with the app registered and ready; `main.ts` listens on it, tests `inject` into it. */
export async function buildServer(options: ServerOptions): Promise<FastifyInstance> {
  const server = Fastify({ logger: options.logger ?? false, bodyLimit: bodyBytesMax, pluginTimeout: pluginStartMillisMax });
  await server.register(app, { settings: options.settings });
  await server.ready();
  return server;
}
