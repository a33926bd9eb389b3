import { Ajv } from 'ajv';
import fp from 'fastify-plugin';
import { HttpErrorCode, ReplayParams, ReplayView, SaveReplayBody, SavedReplay } from '@rslab/protocol';
import { ReplayError } from '../rooms/replays';
import { errorResponses, sendError } from './errors';

// Strict bodies: an unknown field is an error, not silently dropped (Fastify's default strips it).
const ajv = new Ajv({ removeAdditional: false, coerceTypes: false, allErrors: false });
const strict = { validatorCompiler: ({ schema }: { schema: object }) => ajv.compile(schema) };

/**
 * `POST /api/replays` saves the recording of this browser session's sandbox under a name and
 * answers its link; `GET /api/replays/:id` is what anyone with the link plays (no session needed).
 */
export const replaysRoutes = fp(
  async (app) => {
    app.post(
      '/api/replays',
      { schema: { body: SaveReplayBody, response: { 201: SavedReplay, ...errorResponses } }, ...strict },
      async (request, reply) => {
        const sandbox = request.sessionId === null ? undefined : app.sandboxes.get(request.sessionId);
        if (!sandbox) return sendError(reply, 409, HttpErrorCode.nothingRecorded, 'this browser has no sandbox to save: open the lab and start a member first');
        try {
          const saved = await app.replays.save(sandbox, (request.body as SaveReplayBody).name);
          request.log.info({ replay: saved.id, sandboxId: sandbox.id, sizeBytes: saved.sizeBytes, frames: saved.frames }, 'replay saved');
          return reply.code(201).send(saved);
        } catch (error) {
          if (error instanceof ReplayError) return sendError(reply, error.statusCode, error.code, error.message);
          throw error;
        }
      },
    );

    app.get('/api/replays/:id', { schema: { params: ReplayParams, response: { 200: ReplayView, ...errorResponses } } }, async (request, reply) => {
      const { id } = request.params as { id: string };
      const replay = await app.replays.find(id);
      if (!replay) return sendError(reply, 404, HttpErrorCode.replayNotFound, `there is no replay '${id}': the link is wrong, or the replay expired`);
      return replay;
    });
  },
  { name: 'rslab-replays-routes', dependencies: ['rslab-replays', 'rslab-sandboxes', 'rslab-session'] },
);
