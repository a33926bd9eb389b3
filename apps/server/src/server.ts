import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { app } from './app';
import type { Settings } from './settings';

export interface ServerOptions {
  settings: Settings;
  logger?: FastifyServerOptions['logger'];
}

/** Largest HTTP request body accepted. */
const bodyBytesMax = 1024 * 1024;

/** A Fastify server with the app registered and ready; `main.ts` listens on it, tests `inject` into it. */
export async function buildServer(options: ServerOptions): Promise<FastifyInstance> {
  const server = Fastify({ logger: options.logger ?? false, bodyLimit: bodyBytesMax });
  await server.register(app, { settings: options.settings });
  await server.ready();
  return server;
}
