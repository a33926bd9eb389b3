import { existsSync } from 'node:fs';
import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import fp from 'fastify-plugin';

/** Serves the built web app; says how to build it when it is missing. */
export const webRoutes = fp<{ webRoot: string }>(
  async (app, { webRoot }) => {
    if (webRoot !== '' && existsSync(join(webRoot, 'index.html'))) {
      await app.register(fastifyStatic, { root: webRoot, prefix: '/', index: ['index.html'], cacheControl: false });
      app.addHook('onSend', async (request, reply) => {
        // Hashed assets can be cached for good; the page itself must always be fresh.
        if (request.url.startsWith('/assets/')) reply.header('cache-control', 'public, max-age=31536000, immutable');
        else if (request.url === '/' || request.url.endsWith('.html')) reply.header('cache-control', 'no-cache');
      });
      return;
    }
    app.get('/', { schema: { response: { 503: { type: 'string' } } } }, async (_request, reply) =>
      reply
        .code(503)
        .type('text/plain; charset=utf-8')
        .send(`The web app is not built (no index.html in ${webRoot || '(unset)'}). Run: pnpm build\n`),
    );
  },
  { name: 'rslab-web' },
);
