import fp from 'fastify-plugin';
import { HealthReply } from '@rslab/protocol';
import { errorResponses } from './errors';

/** `GET /api/health`: up, and how many sandboxes it holds. */
export const healthRoutes = fp(
  async (app) => {
    app.get('/api/health', { schema: { response: { 200: HealthReply, ...errorResponses } } }, async (): Promise<HealthReply> => ({ ok: true, sandboxes: app.sandboxes.size }));
  },
  { name: 'rslab-health', dependencies: ['rslab-sandboxes'] },
);
