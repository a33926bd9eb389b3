import { Ajv } from 'ajv';
import fp from 'fastify-plugin';
import type { FastifyReply, FastifyRequest } from 'fastify';
import {
  AttendeeParams,
  CreateRoomBody,
  CreatedRoom,
  Dashboard,
  HttpErrorCode,
  InstructorHeaders,
  JoinRoomBody,
  JoinedRoom,
  OkMessageReply,
  OkReply,
  RoomCodeParams,
  RoomInfo,
  instructorSecretHeader,
} from '@rslab/protocol';
import { findLesson } from '../lessons/catalog';
import { formatJoinCode, normalizeJoinCode } from '../rooms/joinCode';
import { RoomError, type Room } from '../rooms/rooms';
import { errorResponses, sendError } from './errors';

// Strict bodies: an unknown field is an error, not silently dropped (Fastify's default strips it).
const ajv = new Ajv({ removeAdditional: false, coerceTypes: false, allErrors: false });
const strict = { validatorCompiler: ({ schema }: { schema: object }) => ajv.compile(schema) };

/** The rooms HTTP API: create a room, find and join it, and the instructor's dashboard, reset and close. */
export const roomsRoutes = fp(
  async (app) => {
    const { rooms, roomJoinAttempts: joins } = app;

    /** True (with a 429 sent) when this IP has failed too often lately; failures are counted by `failed`. */
    const limited = (request: FastifyRequest, reply: FastifyReply): boolean => {
      const verdict = joins.check(request.ip);
      if (verdict.allowed) return false;
      void sendError(
        reply.header('retry-after', String(verdict.retryAfterSeconds)),
        429,
        HttpErrorCode.tooManyAttempts,
        `too many join attempts from this address; try again in ${verdict.retryAfterSeconds} s`,
      );
      return true;
    };
    const findRoom = async (typed: string, request: FastifyRequest, reply: FastifyReply): Promise<Room | null> => {
      const code = normalizeJoinCode(typed);
      const room = code === null ? null : await rooms.find(code);
      if (!room) {
        joins.fail(request.ip);
        void sendError(reply, 404, HttpErrorCode.roomNotFound, `there is no room with the code '${typed.slice(0, 16)}'`);
      }
      return room;
    };
    /**
     * The room, when the request carries its instructor secret. An unknown code and a wrong secret
     * get the same 403, and each try counts against the IP's join attempts: no way to probe codes.
     */
    const instructorRoom = async (request: FastifyRequest, reply: FastifyReply, typed: string): Promise<Room | null> => {
      const code = normalizeJoinCode(typed);
      const room = code === null ? null : await rooms.find(code);
      const secret = request.headers[instructorSecretHeader];
      if (limited(request, reply)) return null;
      if (room && rooms.isInstructor(room, typeof secret === 'string' ? secret : undefined)) return room;
      joins.fail(request.ip);
      void sendError(reply, 403, HttpErrorCode.forbidden, 'only the instructor may do this: the instructor link carries the secret');
      return null;
    };

    app.post(
      '/api/rooms',
      { schema: { body: CreateRoomBody, response: { 201: CreatedRoom, ...errorResponses } }, ...strict },
      async (request, reply) => {
        const body = request.body as CreateRoomBody;
        const lessonId = body.lessonId ?? 'walkthrough';
        if (!findLesson(lessonId)) return sendError(reply, 400, HttpErrorCode.unknownLesson, `there is no lesson '${lessonId}'`);
        try {
          const { room, secret } = await rooms.create({ title: body.title ?? 'Replica set workshop', lessonId });
          const created: CreatedRoom = {
            code: room.code,
            displayCode: formatJoinCode(room.code),
            title: room.title,
            lessonId: room.lessonId,
            joinPath: `/#join=${room.code}`,
            // The secret rides in the fragment: browsers never send fragments to a server, and the join link has none.
            instructorPath: `/#instructor=${room.code}&secret=${secret}`,
            dashboardPath: `/#dashboard=${room.code}&secret=${secret}`,
            presenterPath: `/#presenter=${room.code}&secret=${secret}`,
            secret,
          };
          return reply.code(201).send(created);
        } catch (error) {
          if (error instanceof RoomError && error.name === 'RoomLimitError') {
            return sendError(reply.header('retry-after', '60'), 503, HttpErrorCode.roomLimit, error.message);
          }
          throw error;
        }
      },
    );

    app.get('/api/rooms/:code', { schema: { params: RoomCodeParams, response: { 200: RoomInfo, ...errorResponses } } }, async (request, reply) => {
      if (limited(request, reply)) return reply;
      const room = await findRoom((request.params as { code: string }).code, request, reply);
      if (!room) return reply;
      await rooms.sync(room);
      const info: RoomInfo = { code: room.code, displayCode: formatJoinCode(room.code), title: room.title, lessonId: room.lessonId, attendees: room.attendees.size };
      return info;
    });

    app.post(
      '/api/rooms/:code/join',
      { schema: { params: RoomCodeParams, body: JoinRoomBody, response: { 200: JoinedRoom, 201: JoinedRoom, ...errorResponses } }, ...strict },
      async (request, reply) => {
        if (limited(request, reply)) return reply;
        const room = await findRoom((request.params as { code: string }).code, request, reply);
        if (!room) return reply;
        try {
          const body = request.body as JoinRoomBody;
          // Answered once the store acknowledged the attendee; the same token sent again is the same attendee.
          const { attendee, token, created } = await rooms.join(room, body.name.trim() || 'attendee', body.token);
          const joined: JoinedRoom = { code: room.code, title: room.title, attendeeId: attendee.id, token, resumePath: `/#join=${room.code}&resume=${token}` };
          return reply.code(created ? 201 : 200).send(joined);
        } catch (error) {
          if (error instanceof RoomError && error.name === 'RoomLimitError') return sendError(reply, 409, HttpErrorCode.roomFull, error.message);
          throw error;
        }
      },
    );

    app.get(
      '/api/rooms/:code/dashboard',
      { schema: { params: RoomCodeParams, headers: InstructorHeaders, response: { 200: Dashboard, ...errorResponses } } },
      async (request, reply) => {
        const room = await instructorRoom(request, reply, (request.params as { code: string }).code);
        if (!room) return reply;
        return rooms.dashboard(room);
      },
    );

    app.post(
      '/api/rooms/:code/attendees/:attendeeId/reset',
      { schema: { params: AttendeeParams, headers: InstructorHeaders, response: { 200: OkMessageReply, ...errorResponses } } },
      async (request, reply) => {
        const params = request.params as { code: string; attendeeId: string };
        const room = await instructorRoom(request, reply, params.code);
        if (!room) return reply;
        // The attendee may have joined on another instance a moment ago.
        await rooms.sync(room, 'now');
        const attendee = room.attendees.get(params.attendeeId);
        if (!attendee) return sendError(reply, 404, HttpErrorCode.attendeeNotFound, `no attendee '${params.attendeeId}' in this room`);
        const dropped = await rooms.reset(room, attendee);
        const answer: OkMessageReply = {
          ok: true,
          message: dropped ? `${attendee.name}'s sandbox was reset; they are back on the live view` : `${attendee.name} had no sandbox of their own`,
        };
        return answer;
      },
    );

    app.delete(
      '/api/rooms/:code',
      { schema: { params: RoomCodeParams, headers: InstructorHeaders, response: { 200: OkReply, ...errorResponses } } },
      async (request, reply) => {
        const room = await instructorRoom(request, reply, (request.params as { code: string }).code);
        if (!room) return reply;
        await rooms.close(room);
        const answer: OkReply = { ok: true };
        return answer;
      },
    );
  },
  { name: 'rslab-rooms-routes', dependencies: ['rslab-rooms'] },
);
