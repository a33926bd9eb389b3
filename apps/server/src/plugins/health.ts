import fp from 'fastify-plugin';

export const healthPlugin = fp(
  async (app) => {
    app.get(
      '/api/health',
      {
        schema: {
          response: {
            200: {
              type: 'object',
              properties: { ok: { type: 'boolean' }, sandboxes: { type: 'integer' } },
              required: ['ok', 'sandboxes'],
              additionalProperties: false,
            },
          },
        },
      },
      async () => ({ ok: true, sandboxes: app.sandboxes.size }),
    );
  },
  { name: 'rslab-health', dependencies: ['rslab-sandboxes'] },
);
