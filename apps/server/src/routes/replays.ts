import { Ajv } from 'ajv';
import fp from 'fastify-plugin';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { HttpErrorCode, InstructorHeaders, ReplayParams, ReplayView, SaveReplayBody, SavedReplay, instructorSecretHeader, replayTerminalsBytesMax } from '@rslab/protocol';
import { normalizeJoinCode } from '../rooms/joinCode';
import { ReplayError } from '../rooms/replays';
import type { Sandbox } from '../workspace/sandbox';
import { errorResponses, sendError } from './errors';

// Strict bodies: an unknown field is an error, not silently dropped (Fastify's default strips it).
const ajv = new Ajv({ removeAdditional: false, coerceTypes: false, allErrors: false });
const strict = { validatorCompiler: ({ schema }: { schema: object }) => ajv.compile(schema) };

/** A save request's bytes: its terminals (the page trims them to `replayTerminalsBytesMax`) and room for the name. */
export const saveReplayBodyBytesMax = replayTerminalsBytesMax + 64 * 1024;

/**
 * `POST /api/replays` saves the recording of this browser session's sandbox (or, with `room` and
 * its instructor secret, the room's instructor sandbox) under a name and answers its link; `GET /api/replays/:id` is what anyone with the link plays (no session needed).
 */
export const replaysRoutes = fp(
  async (app) => {
    /**
     * The room's instructor sandbox, when the request carries its secret. As on the other
     * instructor routes, an unknown room and a wrong secret get the same 403 and count against
     * the address's join attempts.
     */
    const instructorSandbox = async (typed: string, request: FastifyRequest, reply: FastifyReply): Promise<Sandbox | null> => {
      const verdict = app.roomJoinAttempts.check(request.ip);
      if (!verdict.allowed) {
        void sendError(reply.header('retry-after', String(verdict.retryAfterSeconds)), 429, HttpErrorCode.tooManyAttempts, `too many join attempts from this address; try again in ${verdict.retryAfterSeconds} s`);
        return null;
      }
      const code = normalizeJoinCode(typed);
      const room = code === null ? null : await app.rooms.find(code);
      const secret = request.headers[instructorSecretHeader];
      if (room && app.rooms.isInstructor(room, typeof secret === 'string' ? secret : undefined)) return app.rooms.instructorSandbox(room);
      app.roomJoinAttempts.fail(request.ip);
      void sendError(reply, 403, HttpErrorCode.forbidden, "only the room's instructor may save its sandbox: the instructor link carries the secret");
      return null;
    };

    app.post(
      '/api/replays',
      { bodyLimit: saveReplayBodyBytesMax, schema: { body: SaveReplayBody, headers: InstructorHeaders, response: { 201: SavedReplay, ...errorResponses } }, ...strict },
      async (request, reply) => {
        const body = request.body as SaveReplayBody;
        let sandbox: Sandbox | undefined;
        if (body.room !== undefined) {
          const found = await instructorSandbox(body.room, request, reply);
          if (!found) return reply;
          sandbox = found;
        } else {
          sandbox = request.sessionId === null ? undefined : app.sandboxes.get(request.sessionId);
          if (!sandbox) return sendError(reply, 409, HttpErrorCode.nothingRecorded, 'this browser has no sandbox to save: open the lab and start a member first');
        }
        try {
          const saved = await app.replays.save(sandbox, body.name, body.terminals);
          request.log.info({ replay: saved.id, sandboxId: sandbox.id, sizeBytes: saved.sizeBytes, frames: saved.frames, terminalChunks: saved.terminalChunks, terminalChunksDropped: saved.terminalChunksDropped }, 'replay saved');
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
  { name: 'rslab-replays-routes', dependencies: ['rslab-replays', 'rslab-sandboxes', 'rslab-session', 'rslab-rooms'] },
);
