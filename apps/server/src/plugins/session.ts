import { randomBytes } from 'node:crypto';
import cookie from '@fastify/cookie';
import fp from 'fastify-plugin';
import type { FastifyRequest } from 'fastify';

export const sessionCookieName = 'rslab_session';
const sessionIdPattern = /^[A-Za-z0-9_-]{22,64}$/;

declare module 'fastify' {
  interface FastifyRequest {
    /** The browser session this request belongs to, or null when it has none yet. */
    sessionId: string | null;
  }
}

export function newSessionId(): string {
  return randomBytes(18).toString('base64url');
}

function readSessionId(request: FastifyRequest): string | null {
  const value = request.cookies[sessionCookieName];
  return value !== undefined && sessionIdPattern.test(value) ? value : null;
}

/**
 * A browser session is a random id in an httpOnly cookie, issued on the first page load. The
 * WebSocket upgrade carries it, which is how a reload finds the same sandbox.
 */
export const sessionPlugin = fp(
  async (app) => {
    await app.register(cookie);
    app.decorateRequest('sessionId', null);
    app.addHook('onRequest', async (request, reply) => {
      request.sessionId = readSessionId(request);
      if (request.sessionId === null && !request.url.startsWith('/ws')) {
        request.sessionId = newSessionId();
        reply.setCookie(sessionCookieName, request.sessionId, {
          path: '/',
          httpOnly: true,
          sameSite: 'lax',
          maxAge: 7 * 24 * 3600,
        });
      }
    });
  },
  { name: 'rslab-session' },
);
