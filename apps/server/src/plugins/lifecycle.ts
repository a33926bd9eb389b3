import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';
import type { WebSocket } from 'ws';
import { HttpErrorCode, ProtocolErrorCode, type ApiError } from '@rslab/protocol';
import type { Settings } from '../settings';

declare module 'fastify' {
  interface FastifyInstance {
    lifecycle: Lifecycle;
  }
}

/** WebSocket close code 1012, "service restart": the page connects again (through the balancer, elsewhere). */
export const serviceRestartCloseCode = 1012;
/** 1013, "try again later": refused while draining. */
export const tryAgainLaterCloseCode = 1013;

/**
 * This instance's life as a balancer sees it: its name, its open WebSockets, and draining (after
 * SIGTERM): `/api/health` answers 503 so the balancer stops sending, new sessions are refused,
 * and after `drainMillis` every open page is told to reconnect (elsewhere) and the server closes.
 */
export class Lifecycle {
  private drainingSince: number | null = null;
  private readonly sockets = new Set<WebSocket>();

  constructor(readonly instanceName: string) {}

  get draining(): boolean {
    return this.drainingSince !== null;
  }

  /** A new WebSocket: kept to be told when this instance drains; refused (false, closed) while draining. */
  admit(socket: WebSocket): boolean {
    if (this.draining) {
      socket.send(JSON.stringify({ type: 'error', code: ProtocolErrorCode.draining, message: 'this server is shutting down; connecting to another', retryAfterSeconds: 1 }));
      socket.close(tryAgainLaterCloseCode, 'draining');
      return false;
    }
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
    return true;
  }

  get openSockets(): number {
    return this.sockets.size;
  }

  /** Start draining: from now on health says so and new sessions are refused. */
  startDraining(now: number): void {
    this.drainingSince ??= now;
  }

  /** Tell every open page to reconnect (it lands on another instance) and close its socket. */
  closeSockets(): number {
    const count = this.sockets.size;
    for (const socket of this.sockets) {
      socket.send(JSON.stringify({ type: 'error', code: ProtocolErrorCode.draining, message: 'this server is shutting down; reconnecting you to another', retryAfterSeconds: 0 }));
      socket.close(serviceRestartCloseCode, 'server shutting down');
    }
    return count;
  }
}

/** The instance's name on every answer, and draining for SIGTERM (`main.ts` calls `drain`). */
export const lifecyclePlugin = fp<{ settings: Settings }>(
  async (app, { settings }) => {
    const lifecycle = new Lifecycle(settings.instanceName);
    app.decorate('lifecycle', lifecycle);
    app.addHook('onRequest', async (request, reply) => {
      reply.header('x-rslab-instance', settings.instanceName);
      // While draining, nothing new starts here: a room or a join goes to another instance on retry.
      // A WebSocket upgrade too (a new session, or a page reconnecting): refused before the upgrade, so
      // that a balancer without health checks (nginx) sees the 503 and passes it to the next instance.
      const upgrade = request.headers.upgrade?.toLowerCase() === 'websocket';
      if (lifecycle.draining && ((request.method !== 'GET' && request.url.startsWith('/api/')) || upgrade)) {
        const body: ApiError = { statusCode: 503, error: HttpErrorCode.draining, message: 'this server is shutting down; try again (another server will answer)' };
        return reply.code(503).header('retry-after', '1').send(body);
      }
      return undefined;
    });
  },
  { name: 'rslab-lifecycle' },
);

/**
 * SIGTERM: drain, then close. Health says "draining" at once (the balancer stops sending within
 * its check interval), new sessions are refused; after `drainMillis` every open page is told to
 * reconnect (the balancer sends it to another instance, which restores it from the store); then
 * the saves under way finish and the server closes.
 */
export async function drainAndClose(app: FastifyInstance, drainMillis: number): Promise<void> {
  app.lifecycle.startDraining(Date.now());
  app.log.info({ drainMillis, openSockets: app.lifecycle.openSockets }, 'draining: health answers 503 and new sessions are refused; open pages move elsewhere shortly');
  await new Promise((resolve) => setTimeout(resolve, drainMillis));
  const moved = app.lifecycle.closeSockets();
  app.log.info({ moved }, 'draining: told every open page to reconnect to another instance');
  await app.close();
}
