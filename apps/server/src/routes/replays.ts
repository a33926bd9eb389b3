import { Ajv } from 'ajv';
import fp from 'fastify-plugin';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { HttpErrorCode, InstructorHeaders, ReplayList, ReplayOwnerQuery, ReplayParams, ReplayView, SaveReplayBody, SavedReplay, instructorSecretHeader, replayTerminalsBytesMax } from '@rslab/protocol';
import { normalizeJoinCode } from '../rooms/joinCode';
import { ReplayError } from '../rooms/replays';
import type { Room } from '../rooms/rooms';
import { hashSecret } from '../rooms/store';
import type { Sandbox } from '../workspace/sandbox';
import { errorResponses, sendError } from './errors';

// Strict bodies: an unknown field is an error, not silently dropped (Fastify's default strips it).
const ajv = new Ajv({ removeAdditional: false, coerceTypes: false, allErrors: false });
const strict = { validatorCompiler: ({ schema }: { schema: object }) => ajv.compile(schema) };

/** A save request's bytes: its terminals (the page trims them to `replayTerminalsBytesMax`) and room for the name. */
export const saveReplayBodyBytesMax = replayTerminalsBytesMax + 64 * 1024;

/** A replay saved by this browser session: the id is a secret (the cookie), so only its hash is stored. */
const sessionOwnerKey = (sessionId: string) => `session:${hashSecret(sessionId)}`;
/** A replay saved by a room's instructor (who proves it with the room's secret). */
const roomOwnerKey = (code: string) => `room:${code}`;

/**
 * `POST /api/replays` saves the recording of this browser session's sandbox (or, with `room` and
 * its instructor secret, the room's instructor sandbox) under a name and answers its link; `GET /api/replays/:id` is what anyone with the link plays (no session needed).
 * Whoever saved a replay — the session, or the room's instructor, as the save was authorized —
 * lists theirs (`GET /api/replays[?room=]`) and deletes them (`DELETE /api/replays/:id[?room=]`).
 */
export const replaysRoutes = fp(
  async (app) => {
    /**
     * The room, when the request carries its instructor secret. As on the other instructor
     * routes, an unknown room and a wrong secret get the same 403 and count against the
     * address's join attempts; null once the refusal is sent.
     */
    const instructorRoom = async (typed: string, request: FastifyRequest, reply: FastifyReply, what: string): Promise<Room | null> => {
      const verdict = app.roomJoinAttempts.check(request.ip);
      if (!verdict.allowed) {
        void sendError(reply.header('retry-after', String(verdict.retryAfterSeconds)), 429, HttpErrorCode.tooManyAttempts, `too many join attempts from this address; try again in ${verdict.retryAfterSeconds} s`);
        return null;
      }
      const code = normalizeJoinCode(typed);
      const room = code === null ? null : await app.rooms.find(code);
      const secret = request.headers[instructorSecretHeader];
      if (room && app.rooms.isInstructor(room, typeof secret === 'string' ? secret : undefined)) return room;
      app.roomJoinAttempts.fail(request.ip);
      void sendError(reply, 403, HttpErrorCode.forbidden, `only the room's instructor may ${what}: the instructor link carries the secret`);
      return null;
    };

    /** Who a request speaks for, as saves are authorized: the room's instructor (with `room`), else the browser session. */
    const ownerKey = async (room: string | undefined, request: FastifyRequest, reply: FastifyReply, what: string): Promise<string | null> => {
      if (room !== undefined) {
        const found = await instructorRoom(room, request, reply, what);
        return found ? roomOwnerKey(found.code) : null;
      }
      // The session plugin gives every request one (a new browser gets a new, empty one).
      return sessionOwnerKey(request.sessionId as string);
    };

    app.post(
      '/api/replays',
      { bodyLimit: saveReplayBodyBytesMax, schema: { body: SaveReplayBody, headers: InstructorHeaders, response: { 201: SavedReplay, ...errorResponses } }, ...strict },
      async (request, reply) => {
        const body = request.body as SaveReplayBody;
        let sandbox: Sandbox | undefined;
        let owner: string;
        if (body.room !== undefined) {
          const room = await instructorRoom(body.room, request, reply, 'save its sandbox');
          if (!room) return reply;
          sandbox = app.rooms.instructorSandbox(room);
          owner = roomOwnerKey(room.code);
        } else {
          owner = sessionOwnerKey(request.sessionId as string);
          sandbox = request.sessionId === null ? undefined : app.sandboxes.get(request.sessionId);
          if (!sandbox) return sendError(reply, 409, HttpErrorCode.nothingRecorded, 'this browser has no sandbox to save: open the lab and start a member first');
        }
        try {
          const saved = await app.replays.save(sandbox, body.name, body.terminals, owner);
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

    app.get('/api/replays', { schema: { querystring: ReplayOwnerQuery, headers: InstructorHeaders, response: { 200: ReplayList, ...errorResponses } }, ...strict }, async (request, reply) => {
      const { room } = request.query as ReplayOwnerQuery;
      const owner = await ownerKey(room, request, reply, 'list its replays');
      if (owner === null) return reply;
      return { replays: await app.replays.list(owner) } satisfies ReplayList;
    });

    app.delete('/api/replays/:id', { schema: { params: ReplayParams, querystring: ReplayOwnerQuery, headers: InstructorHeaders, response: { 204: { type: 'null' }, ...errorResponses } }, ...strict }, async (request, reply) => {
      const { id } = request.params as { id: string };
      const { room } = request.query as ReplayOwnerQuery;
      const owner = await ownerKey(room, request, reply, 'delete its replays');
      if (owner === null) return reply;
      try {
        await app.replays.delete(id, owner);
      } catch (error) {
        if (error instanceof ReplayError) return sendError(reply, error.statusCode, error.code, error.message);
        throw error;
      }
      request.log.info({ replay: id }, 'replay deleted');
      return reply.code(204).send();
    });
  },
  { name: 'rslab-replays-routes', dependencies: ['rslab-replays', 'rslab-sandboxes', 'rslab-session', 'rslab-rooms'] },
);
