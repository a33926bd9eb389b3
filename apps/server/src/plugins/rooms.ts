import { Ajv } from 'ajv';
import fp from 'fastify-plugin';
import { Type } from '@sinclair/typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { findLesson } from '../lessons/catalog';
import { ProtocolErrorCode, RoomSecret, type RoomClientMessage, type RoomWelcome, type ServerMessage } from '@rslab/protocol';
import { parseRoomsClientMessage } from '@rslab/protocol';
import { formatJoinCode, normalizeJoinCode } from '../rooms/joinCode';
import { AttemptLimiter } from '../rooms/rateLimit';
import { RoomError, RoomManager, type Attendee, type AttendeeConnection, type Room } from '../rooms/rooms';
import { openProgressStore } from '../rooms/openStore';
import { LearnerProgress } from '../rooms/learners';
import { SandboxLimitError } from '../sandbox/sandbox';
import { LabCopyError } from '../sandbox/lab';
import type { Settings } from '../settings';
import { Connection } from './terminal-ws';

declare module 'fastify' {
  interface FastifyInstance {
    rooms: RoomManager;
    /** Resume links for learners on their own (the `/ws` WebSocket's progress messages). */
    learners: LearnerProgress;
  }
}

/** The header the instructor's pages send the secret in (it is in the link's fragment, never in a URL path or query). */
export const instructorSecretHeader = 'x-rslab-instructor-secret';

const CodeParams = Type.Object({ code: Type.String({ maxLength: 16 }) });
const AttendeeParams = Type.Object({ code: Type.String({ maxLength: 16 }), attendeeId: Type.String({ pattern: '^a-[a-z0-9]{1,24}$' }) });
const CreateBody = Type.Object(
  {
    title: Type.Optional(Type.String({ minLength: 1, maxLength: 120 })),
    lessonId: Type.Optional(Type.String({ maxLength: 64 })),
  },
  { additionalProperties: false },
);
const JoinBody = Type.Object({ name: Type.String({ minLength: 1, maxLength: 60 }) }, { additionalProperties: false });
const SecretHeaders = Type.Object({ [instructorSecretHeader]: Type.Optional(RoomSecret) });

/** How often rooms in use keep their sandboxes alive and idle rooms are closed. */
const housekeepingMillis = 30_000;

// Strict bodies: an unknown field is an error, not silently dropped (Fastify's default strips it).
const ajv = new Ajv({ removeAdditional: false, coerceTypes: false, allErrors: false });
const strict = { validatorCompiler: ({ schema }: { schema: object }) => ajv.compile(schema) };

export const roomsPlugin = fp<{ settings: Settings }>(
  async (app, { settings }) => {
    const store = await openProgressStore(settings, app.log);
    const rooms = new RoomManager({
      settings,
      sandboxes: app.sandboxes,
      store,
      onStoreError: (error) => app.log.error({ err: error }, 'saving room progress failed'),
    });
    app.decorate('rooms', rooms);
    app.decorate('learners', new LearnerProgress(store, Date.now, (error) => app.log.error({ err: error }, 'saving learner progress failed')));
    const housekeeping = setInterval(() => {
      rooms.touchInUse();
      const closed = rooms.reclaimIdle();
      if (closed > 0) app.log.info({ closed, remaining: rooms.size }, 'closed idle rooms');
    }, housekeepingMillis);
    housekeeping.unref();
    app.addHook('onClose', async () => {
      clearInterval(housekeeping);
      await store.close();
    });
    const joins = new AttemptLimiter(settings.roomJoinAttemptsPerMinuteMax, 60_000);

    /** True (with a 429 sent) when this IP has failed too often lately; failures are counted by `failed`. */
    const limited = (request: FastifyRequest, reply: FastifyReply): boolean => {
      const verdict = joins.check(request.ip);
      if (verdict.allowed) return false;
      void reply
        .code(429)
        .header('retry-after', String(verdict.retryAfterSeconds))
        .send({ error: 'TooManyAttempts', message: `too many join attempts from this address; try again in ${verdict.retryAfterSeconds} s` });
      return true;
    };
    const findRoom = async (typed: string, request: FastifyRequest, reply: FastifyReply): Promise<Room | null> => {
      const code = normalizeJoinCode(typed);
      const room = code === null ? null : await rooms.find(code);
      if (!room) {
        joins.fail(request.ip);
        void reply.code(404).send({ error: 'RoomNotFound', message: `there is no room with the code '${typed.slice(0, 16)}'` });
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
      void reply.code(403).send({ error: 'Forbidden', message: 'only the instructor may do this: the instructor link carries the secret' });
      return null;
    };

    app.post('/api/rooms', { schema: { body: CreateBody }, ...strict }, async (request, reply) => {
      const body = request.body as { title?: string; lessonId?: string };
      const lessonId = body.lessonId ?? 'walkthrough';
      if (!findLesson(lessonId)) return reply.code(400).send({ error: 'UnknownLesson', message: `there is no lesson '${lessonId}'` });
      try {
        const { room, secret } = await rooms.create({ title: body.title ?? 'Replica set workshop', lessonId });
        return reply.code(201).send({
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
        });
      } catch (error) {
        if (error instanceof RoomError && error.name === 'RoomLimitError') {
          return reply.code(503).header('retry-after', '60').send({ error: error.name, message: error.message });
        }
        throw error;
      }
    });

    app.get('/api/rooms/:code', { schema: { params: CodeParams } }, async (request, reply) => {
      if (limited(request, reply)) return reply;
      const room = await findRoom((request.params as { code: string }).code, request, reply);
      if (!room) return reply;
      return { code: room.code, displayCode: formatJoinCode(room.code), title: room.title, lessonId: room.lessonId, attendees: room.attendees.size };
    });

    app.post('/api/rooms/:code/join', { schema: { params: CodeParams, body: JoinBody }, ...strict }, async (request, reply) => {
      if (limited(request, reply)) return reply;
      const room = await findRoom((request.params as { code: string }).code, request, reply);
      if (!room) return reply;
      try {
        const { attendee, token } = await rooms.join(room, (request.body as { name: string }).name.trim() || 'attendee');
        return reply.code(201).send({
          code: room.code,
          title: room.title,
          attendeeId: attendee.id,
          token,
          resumePath: `/#join=${room.code}&resume=${token}`,
        });
      } catch (error) {
        if (error instanceof RoomError && error.name === 'RoomLimitError') return reply.code(409).send({ error: 'RoomFull', message: error.message });
        throw error;
      }
    });

    app.get('/api/rooms/:code/dashboard', { schema: { params: CodeParams, headers: SecretHeaders } }, async (request, reply) => {
      const room = await instructorRoom(request, reply, (request.params as { code: string }).code);
      if (!room) return reply;
      return rooms.dashboard(room);
    });

    app.post('/api/rooms/:code/attendees/:attendeeId/reset', { schema: { params: AttendeeParams, headers: SecretHeaders } }, async (request, reply) => {
      const params = request.params as { code: string; attendeeId: string };
      const room = await instructorRoom(request, reply, params.code);
      if (!room) return reply;
      const attendee = room.attendees.get(params.attendeeId);
      if (!attendee) return reply.code(404).send({ error: 'AttendeeNotFound', message: `no attendee '${params.attendeeId}' in this room` });
      const dropped = await rooms.reset(room, attendee);
      return { ok: true, message: dropped ? `${attendee.name}'s sandbox was reset; they are back on the live view` : `${attendee.name} had no sandbox of their own` };
    });

    app.delete('/api/rooms/:code', { schema: { params: CodeParams, headers: SecretHeaders } }, async (request, reply) => {
      const room = await instructorRoom(request, reply, (request.params as { code: string }).code);
      if (!room) return reply;
      await rooms.close(room);
      return { ok: true };
    });

    app.get('/ws/room', { websocket: true }, (socket, request) => {
      const send = (message: ServerMessage): void => {
        if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(message));
      };
      let touchKey: string | null = null;
      const connection = new Connection(socket, settings, send, () => {
        if (touchKey !== null) app.sandboxes.touch(touchKey);
      });
      connection.parse = parseRoomsClientMessage;
      new RoomSession(
        rooms,
        connection,
        (key) => {
          touchKey = key;
        },
        { check: () => joins.check(request.ip), fail: () => joins.fail(request.ip) },
      ).install();
    });
  },
  { name: 'rslab-rooms', dependencies: ['rslab-sandboxes', 'rslab-session'] },
);

/** What one rooms WebSocket is: nobody yet, the instructor, or an attendee (following or on their own copy). */
type Identity = { role: 'none' } | { role: 'instructor'; room: Room } | { role: 'attendee'; room: Room; attendee: Attendee };

class RoomSession implements AttendeeConnection {
  private identity: Identity = { role: 'none' };
  /** One room operation at a time per connection (fork is async). */
  private busy = false;

  constructor(
    private readonly rooms: RoomManager,
    private readonly connection: Connection,
    private readonly setTouchKey: (key: string) => void,
    /** This IP's failed attempts to enter a room: may it try, and count a failure. */
    private readonly attempts: { check: () => { allowed: true } | { allowed: false; retryAfterSeconds: number }; fail: () => void },
  ) {}

  install(): void {
    this.connection.roomHandler = (message) => this.handle(message);
    this.connection.onClose = () => this.leave();
  }

  private error(code: string, message: string): true {
    this.connection.send({ type: 'error', code, message });
    return true;
  }

  private welcome(room: Room, extra: Omit<RoomWelcome, 'code' | 'title'>): RoomWelcome {
    return { code: room.code, title: room.title, ...extra };
  }

  private showLive(room: Room, attendee: Attendee, resumed: boolean): void {
    const sandbox = this.rooms.instructorSandbox(room);
    attendee.mode = 'live';
    this.setTouchKey(room.instructorKey);
    this.connection.attach(sandbox, {
      readOnly: true,
      resumed,
      room: this.welcome(room, { role: 'attendee', mode: 'live', readOnly: true, attendeeId: attendee.id, hasFork: this.rooms.ownSandbox(room, attendee) !== undefined }),
    });
  }

  backToLive(reason: string): void {
    if (this.identity.role !== 'attendee') return;
    const { room, attendee } = this.identity;
    this.connection.send({ type: 'error', code: 'Reset', message: reason });
    this.showLive(room, attendee, false);
  }

  private handle(message: Parameters<NonNullable<Connection['roomHandler']>>[0]): boolean {
    switch (message.type) {
      case 'room.instructor':
      case 'room.follow':
      case 'room.watch':
      case 'room.fork':
      case 'room.mine':
      case 'room.rejoin':
      case 'lesson.skip':
        if (this.busy) return this.error(ProtocolErrorCode.rateLimited, 'one room request at a time; wait for the answer');
        this.busy = true;
        void this.run(message)
          .catch((error: unknown) => {
            if (error instanceof SandboxLimitError) this.error(ProtocolErrorCode.serverFull, error.message);
            else if (error instanceof LabCopyError) this.error('ForkUnavailable', error.message);
            else this.error('InternalError', error instanceof Error ? error.message : String(error));
          })
          .finally(() => {
            this.busy = false;
          });
        return true;
      default:
        return false;
    }
  }

  /**
   * The room `typed` names, if `admit` lets this connection in. Each failure counts against the
   * IP's attempts, and an unknown code answers exactly as a wrong secret or token does.
   */
  private async enter<T>(typed: string, admit: (room: Room) => Promise<T | null> | T | null): Promise<{ room: Room; admitted: T } | null> {
    const verdict = this.attempts.check();
    if (!verdict.allowed) {
      this.error(ProtocolErrorCode.rateLimited, `too many attempts to enter a room from this address; try again in ${verdict.retryAfterSeconds} s`);
      return null;
    }
    const code = normalizeJoinCode(typed);
    const room = code === null ? null : await this.rooms.find(code);
    const admitted = room ? await admit(room) : null;
    if (!room || admitted === null) {
      this.attempts.fail();
      this.error(ProtocolErrorCode.forbidden, 'no room has this code, or this link is not valid for it (the instructor link, or your own attendee link)');
      return null;
    }
    return { room, admitted };
  }

  private async run(message: RoomClientMessage): Promise<void> {
    switch (message.type) {
      case 'room.instructor': {
        const entered = await this.enter(message.code, (room) => (this.rooms.isInstructor(room, message.secret) ? true : null));
        if (!entered) return;
        const { room } = entered;
        this.become({ role: 'instructor', room });
        this.setTouchKey(room.instructorKey);
        this.connection.attach(this.rooms.instructorSandbox(room), {
          readOnly: false,
          resumed: false,
          room: this.welcome(room, { role: 'instructor', mode: 'live', readOnly: false }),
        });
        return;
      }
      case 'room.follow': {
        const entered = await this.enter(message.code, (room) => this.rooms.attendee(room, message.attendee));
        if (!entered) return;
        const { room, admitted: attendee } = entered;
        this.become({ role: 'attendee', room, attendee });
        attendee.lastSeenAt = Date.now();
        if (attendee.mode === 'fork' && (await this.showOwn(room, attendee, true))) return;
        this.showLive(room, attendee, false);
        return;
      }
      case 'room.watch': {
        const entered = await this.enter(message.code, (room) => (this.rooms.isInstructor(room, message.secret) ? true : null));
        if (!entered) return;
        const { room } = entered;
        const attendee = room.attendees.get(message.attendeeId);
        const sandbox = attendee ? this.rooms.ownSandbox(room, attendee) : undefined;
        if (!attendee || !sandbox) {
          this.error(ProtocolErrorCode.notInRoom, `attendee '${message.attendeeId}' has no sandbox of their own (they follow the live view)`);
          return;
        }
        this.become({ role: 'instructor', room });
        this.setTouchKey(room.forkKey(attendee));
        this.connection.attach(sandbox, {
          readOnly: true,
          resumed: true,
          room: this.welcome(room, { role: 'instructor', mode: 'watch', readOnly: true, attendeeId: attendee.id }),
        });
        return;
      }
      case 'room.fork': {
        if (this.identity.role !== 'attendee') {
          this.error(ProtocolErrorCode.notInRoom, 'only an attendee following a room can fork it');
          return;
        }
        const { room, attendee } = this.identity;
        const { sandbox, report } = await this.rooms.fork(room, attendee);
        this.setTouchKey(room.forkKey(attendee));
        this.connection.attach(sandbox, {
          readOnly: false,
          resumed: false,
          room: this.welcome(room, { role: 'attendee', mode: 'fork', readOnly: false, attendeeId: attendee.id, forkedAtStepId: report.stepId, hasFork: true }),
        });
        return;
      }
      case 'room.mine': {
        if (this.identity.role !== 'attendee') {
          this.error(ProtocolErrorCode.notInRoom, 'only an attendee has a sandbox of their own here');
          return;
        }
        if (!(await this.showOwn(this.identity.room, this.identity.attendee, true))) {
          this.error(ProtocolErrorCode.notInRoom, 'you have no sandbox of your own yet: use "Try it myself"');
        }
        return;
      }
      case 'room.rejoin': {
        if (this.identity.role !== 'attendee') {
          this.error(ProtocolErrorCode.notInRoom, 'only an attendee can go back to the live view');
          return;
        }
        this.showLive(this.identity.room, this.identity.attendee, true);
        return;
      }
      case 'lesson.skip': {
        const sandbox = this.connection.attached;
        if (this.identity.role !== 'instructor' || !sandbox || sandbox !== this.rooms.liveSandbox(this.identity.room)) {
          this.error(ProtocolErrorCode.forbidden, 'only the instructor may move the room to the next step');
          this.connection.send({ type: 'lesson.ack', requestId: message.requestId, ok: false, message: 'refused: instructor only' });
          return;
        }
        const progress = sandbox.lab.tracker.progress();
        const next = progress.steps[progress.stepIndex + 1];
        sandbox.lab.tracker.skipTo(next?.id ?? '\u0000none');
        await sandbox.lab.evaluate();
        sandbox.lab.notifyProgress();
        this.connection.send({ type: 'lesson.ack', requestId: message.requestId, ok: true, message: next ? `on to "${next.title}"` : 'lesson finished' });
        return;
      }
    }
  }

  /** Show the attendee's own copy, restoring it from saved progress after a restart. False if there is none. */
  private async showOwn(room: Room, attendee: Attendee, resumed: boolean): Promise<boolean> {
    const sandbox = this.rooms.ownSandbox(room, attendee) ?? this.rooms.restoreOwn(room, attendee)?.sandbox;
    if (!sandbox) return false;
    attendee.mode = 'fork';
    this.setTouchKey(room.forkKey(attendee));
    this.connection.attach(sandbox, {
      readOnly: false,
      resumed,
      room: this.welcome(room, { role: 'attendee', mode: 'fork', readOnly: false, attendeeId: attendee.id, hasFork: true }),
    });
    return true;
  }

  roomClosed(reason: string): void {
    this.connection.detach();
    this.leave();
    this.connection.send({ type: 'error', code: ProtocolErrorCode.roomClosed, message: reason });
  }

  private leave(): void {
    if (this.identity.role === 'attendee') this.identity.attendee.connections.delete(this);
    if (this.identity.role !== 'none') this.identity.room.sessions.delete(this);
    this.identity = { role: 'none' };
  }

  private become(identity: Exclude<Identity, { role: 'none' }>): void {
    this.leave();
    this.identity = identity;
    identity.room.sessions.add(this);
    if (identity.role === 'attendee') identity.attendee.connections.add(this);
  }
}

