import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import websocket from '@fastify/websocket';
import { healthPlugin } from './plugins/health';
import { sandboxesPlugin } from './plugins/sandboxes';
import { sessionPlugin } from './plugins/session';
import { terminalWsPlugin } from './plugins/terminal-ws';
import { webPlugin } from './plugins/web';
import { driverBridgePlugin } from './plugins/driver-bridge';
import { roomsPlugin } from './plugins/rooms';
import { runtimeAssetsPlugin } from './plugins/runtime-assets';
import type { Settings } from './settings';

export interface AppOptions {
  settings: Settings;
  logger?: FastifyServerOptions['logger'];
}

/** The whole server as one Fastify instance; every feature is a plugin. */
export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const { settings } = options;
  const app = Fastify({ logger: options.logger ?? false, bodyLimit: 1024 * 1024 });
  await app.register(websocket, { options: { maxPayload: settings.wsMessageBytesMax } });
  await app.register(sessionPlugin);
  await app.register(driverBridgePlugin);
  await app.register(sandboxesPlugin, { settings });
  await app.register(healthPlugin);
  await app.register(terminalWsPlugin, { settings });
  await app.register(roomsPlugin, { settings });
  await app.register(runtimeAssetsPlugin);
  await app.register(webPlugin, { webRoot: settings.webRoot });
  return app;
}
