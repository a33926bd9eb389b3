import fp from 'fastify-plugin';
import websocket from '@fastify/websocket';
import { ApiError } from '@rslab/protocol';
import { driverBridgePlugin } from './plugins/driver-bridge';
import { lifecyclePlugin } from './plugins/lifecycle';
import { replaysPlugin } from './plugins/replays';
import { roomsPlugin } from './plugins/rooms';
import { sandboxesPlugin } from './plugins/sandboxes';
import { sessionPlugin } from './plugins/session';
import { errorHandler, notFoundHandler } from './routes/errors';
import { healthRoutes } from './routes/health';
import { lessonsRoutes } from './routes/lessons';
import { replaysRoutes } from './routes/replays';
import { roomsRoutes } from './routes/rooms';
import { runtimeRoutes } from './routes/runtime';
import { webRoutes } from './routes/web';
import { roomsWsPlugin } from './ws/rooms';
import { terminalWsPlugin } from './ws/terminal';
import type { Settings } from './settings';

export interface AppOptions {
  settings: Settings;
}

/**
 * The whole server as one Fastify plugin; every feature is a plugin of its own. Services first
 * (`plugins/`: lifecycle, session, driver bridge, sandboxes, rooms, replays), then what answers (`routes/` for HTTP,
 * `ws/` for the WebSockets). Errors and unknown routes answer in `ApiError`'s one shape.
 */
export const app = fp<AppOptions>(
  async (instance, { settings }) => {
    instance.addSchema({ $id: 'ApiError', ...ApiError });
    instance.setErrorHandler(errorHandler);
    instance.setNotFoundHandler(notFoundHandler);
    await instance.register(websocket, { options: { maxPayload: settings.wsMessageBytesMax } });
    await instance.register(lifecyclePlugin, { settings });
    await instance.register(sessionPlugin);
    await instance.register(driverBridgePlugin);
    await instance.register(sandboxesPlugin, { settings });
    await instance.register(roomsPlugin, { settings });
    await instance.register(replaysPlugin, { settings });
    await instance.register(healthRoutes, { settings });
    await instance.register(lessonsRoutes, { engine: settings.engine });
    await instance.register(roomsRoutes);
    await instance.register(replaysRoutes);
    await instance.register(terminalWsPlugin, { settings });
    await instance.register(roomsWsPlugin, { settings });
    await instance.register(runtimeRoutes);
    await instance.register(webRoutes, { webRoot: settings.webRoot });
  },
  { name: 'rslab-app' },
);
