import fp from 'fastify-plugin';
import { ProtocolErrorCode, parseRoomsClientMessage, type RoomClientMessage, type RoomWelcome } from '@rslab/protocol';
import { normalizeJoinCode } from '../rooms/joinCode';
import type { AttemptVerdict } from '../rooms/rateLimit';
import type { Attendee, AttendeeConnection, Room, RoomManager } from '../rooms/rooms';
import { StoreUnavailableError } from '../rooms/store';
import { SandboxLimitError, type Sandbox } from '../workspace/sandbox';
import { formatClock, LabCopyError } from '../sandbox/lab';
import { MomentNotKeptError } from '../sandbox/history';
import type { Settings } from '../settings';
import { Connection, type AnyClientMessage, type ConnectionFeature, type TabConnection } from './connection';

/**
 * `/ws/room`: a connection first says who it is in which room (instructor, attendee, watcher),
 * then speaks the terminal protocol on the sandbox the room shows it.
 */
export const roomsWsPlugin = fp<{ settings: Settings }>(
  async (app, { settings }) => {
    app.get('/ws/room', { websocket: true }, (socket, request) => {
      if (!app.lifecycle.admit(socket)) return;
      let touchKey: string | null = null;
      new Connection(socket, {
        inputMessagesPerSecondMax: settings.inputMessagesPerSecondMax,
        touch: () => {
          if (touchKey !== null) app.sandboxes.touch(touchKey);
        },
        feature: (connection) =>
          new RoomSession(
            app.rooms,
            connection,
            (key) => {
              touchKey = key;
            },
            { check: () => app.roomJoinAttempts.check(request.ip), fail: () => app.roomJoinAttempts.fail(request.ip) },
            (error) => app.log.error({ err: error }, 'a room request failed'),
          ),
      });
    });
  },
  { name: 'rslab-rooms-ws', dependencies: ['rslab-rooms', 'rslab-sandboxes', 'rslab-session', 'rslab-lifecycle'] },
);

/** What one rooms WebSocket is: nobody yet, the instructor, or an attendee (following or on their own copy). */
type Identity = { role: 'none' } | { role: 'instructor'; room: Room } | { role: 'attendee'; room: Room; attendee: Attendee };

class RoomSession implements AttendeeConnection, ConnectionFeature {
  private identity: Identity = { role: 'none' };
  /** One room operation at a time per connection (fork is async). */
  private busy = false;
  readonly parse = parseRoomsClientMessage;

  constructor(
    private readonly rooms: RoomManager,
    private readonly connection: TabConnection,
    private readonly setTouchKey: (key: string) => void,
    /** This IP's failed attempts to enter a room: may it try, and count a failure. */
    private readonly attempts: { check: () => AttemptVerdict; fail: () => void },
    /** A room request failed for a reason the page cannot fix (a bug, a store down). */
    private readonly logFailure: (error: unknown) => void,
  ) {}

  closed(): void {
    this.leave();
  }

  private error(code: string, message: string, retryAfterSeconds?: number): true {
    this.connection.send({ type: 'error', code, message, ...(retryAfterSeconds !== undefined ? { retryAfterSeconds } : {}) });
    return true;
  }

  progressSaved(saved: { ok: boolean; stepId: string | null; message: string }): void {
    this.connection.send({ type: 'room.saved', ...saved });
  }

  private welcome(room: Room, extra: Omit<RoomWelcome, 'code' | 'title'>): RoomWelcome {
    return { code: room.code, title: room.title, ...extra };
  }

  private showLive(room: Room, attendee: Attendee, resumed: boolean): void {
    const sandbox = this.rooms.instructorSandbox(room);
    this.setTouchKey(room.instructorKey);
    this.connection.attach(sandbox, {
      readOnly: true,
      resumed,
      room: this.welcome(room, { role: 'attendee', mode: 'live', readOnly: true, attendeeId: attendee.id, hasFork: this.rooms.ownSandbox(room, attendee) !== undefined }),
    });
    // A class the instructor rewound sees that moment from the start.
    if (room.rewoundAt !== null) this.showMoment(sandbox, room.rewoundAt);
  }

  /** On a page that follows the live sandbox: show the instructor's moment `at` (null: live). */
  showMoment(sandbox: Sandbox, at: number | null): void {
    if (this.identity.role !== 'attendee' || this.connection.attached !== sandbox) return;
    if (at === null) {
      this.connection.send({ type: 'room.moment', past: null });
      return;
    }
    try {
      this.connection.send({ type: 'room.moment', past: sandbox.viewAt(at) });
    } catch (error) {
      // The moment left the bounded history: the class is back to live.
      if (!(error instanceof MomentNotKeptError)) throw error;
      this.connection.send({ type: 'room.moment', past: null });
    }
  }

  /** The instructor's `room.rewind`: remember the class's moment and show it on every follower's page. */
  private rewind(at: number | null): true {
    const sandbox = this.connection.attached;
    if (this.identity.role !== 'instructor' || !sandbox || sandbox !== this.rooms.liveSandbox(this.identity.room)) {
      return this.error(ProtocolErrorCode.forbidden, 'only the instructor may rewind the class’s live view');
    }
    const room = this.identity.room;
    room.rewoundAt = at;
    for (const session of room.sessions) if (session instanceof RoomSession) session.showMoment(sandbox, at);
    return true;
  }

  backToLive(reason: string): void {
    if (this.identity.role !== 'attendee') return;
    const { room, attendee } = this.identity;
    this.connection.send({ type: 'error', code: ProtocolErrorCode.reset, message: reason });
    this.showLive(room, attendee, false);
  }

  handle(message: AnyClientMessage): boolean {
    switch (message.type) {
      case 'room.rewind':
        return this.rewind(message.at);
      case 'timeline.branch':
        if (this.identity.role !== 'instructor') return false; // the connection refuses it for anyone else
        if (this.busy) return this.error(ProtocolErrorCode.rateLimited, 'one room request at a time; wait for the answer');
        this.busy = true;
        this.branch(message.requestId, message.at)
          .catch((error: unknown) => this.logFailure(error))
          .finally(() => {
            this.busy = false;
          });
        return true;
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
            if (error instanceof StoreUnavailableError) {
              // Nothing changed: the page sends the same request again after the delay.
              this.logFailure(error);
              this.error(ProtocolErrorCode.storeUnavailable, error.message, error.retryAfterSeconds);
            } else if (error instanceof SandboxLimitError) this.error(ProtocolErrorCode.serverFull, error.message);
            else if (error instanceof LabCopyError) this.error(ProtocolErrorCode.forkUnavailable, error.message);
            else {
              this.logFailure(error);
              this.error(ProtocolErrorCode.internalError, error instanceof Error ? error.message : String(error));
            }
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
        if (attendee.mode === 'fork' && (await this.showOwn(room, attendee, true))) return;
        this.showLive(room, attendee, false);
        return;
      }
      case 'room.watch': {
        const entered = await this.enter(message.code, (room) => (this.rooms.isInstructor(room, message.secret) ? true : null));
        if (!entered) return;
        const { room } = entered;
        // The attendee may have joined on another instance a moment ago.
        await this.rooms.sync(room, 'now');
        const attendee = room.attendees.get(message.attendeeId);
        // Their copy, or (on an instance that does not have it) one rebuilt at their saved step.
        const sandbox = attendee ? (this.rooms.ownSandbox(room, attendee) ?? this.rooms.restoreOwn(room, attendee)?.sandbox) : undefined;
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
        const { room, attendee } = this.identity;
        if (!attendee.hasOwn || (!this.rooms.ownSandbox(room, attendee) && !attendee.position)) {
          this.error(ProtocolErrorCode.notInRoom, 'you have no sandbox of your own yet: use "Try it myself"');
          return;
        }
        await this.rooms.setMode(room, attendee, 'fork');
        await this.showOwn(room, attendee, true);
        return;
      }
      case 'room.rejoin': {
        if (this.identity.role !== 'attendee') {
          this.error(ProtocolErrorCode.notInRoom, 'only an attendee can go back to the live view');
          return;
        }
        const { room, attendee } = this.identity;
        await this.rooms.setMode(room, attendee, 'live');
        this.showLive(room, attendee, true);
        return;
      }
      case 'lesson.skip': {
        const sandbox = this.connection.attached;
        if (this.identity.role !== 'instructor' || !sandbox || sandbox !== this.rooms.liveSandbox(this.identity.room)) {
          this.error(ProtocolErrorCode.forbidden, 'only the instructor may move the room to the next step');
          this.connection.send({ type: 'lesson.ack', requestId: message.requestId, ok: false, message: 'refused: instructor only' });
          return;
        }
        const progress = sandbox.lesson.tracker.progress();
        const next = progress.steps[progress.stepIndex + 1];
        sandbox.lesson.tracker.skipTo(next?.id ?? '\u0000none');
        await sandbox.lesson.evaluate();
        sandbox.lesson.notify();
        // Answered once stored: a room that moves to another instance is rebuilt at this step.
        try {
          await this.rooms.saveInstructor(this.identity.room);
        } catch (error) {
          if (!(error instanceof StoreUnavailableError)) throw error;
          this.logFailure(error);
          this.connection.send({ type: 'lesson.ack', requestId: message.requestId, ok: false, message: `moved on, but not stored yet: ${error.message}` });
          return;
        }
        this.connection.send({ type: 'lesson.ack', requestId: message.requestId, ok: true, message: next ? `on to "${next.title}"` : 'lesson finished' });
        return;
      }
    }
  }

  /**
   * The instructor's "Branch from here": the room's live sandbox becomes the moment `at`, and every
   * page that showed the old one (followers, the presenter view) follows the new live sandbox.
   */
  private async branch(requestId: number, at: number): Promise<void> {
    const sandbox = this.connection.attached;
    if (this.identity.role !== 'instructor' || !sandbox || sandbox !== this.rooms.liveSandbox(this.identity.room)) {
      this.connection.send({ type: 'timeline.ack', requestId, ok: false, message: '"Branch from here" is for the room’s live sandbox, by its instructor' });
      return;
    }
    const room = this.identity.room;
    let branched: Awaited<ReturnType<RoomManager['branchInstructor']>>;
    try {
      branched = await this.rooms.branchInstructor(room, at);
    } catch (error) {
      if (!(error instanceof MomentNotKeptError || error instanceof LabCopyError || error instanceof SandboxLimitError)) this.logFailure(error);
      this.connection.send({ type: 'timeline.ack', requestId, ok: false, message: error instanceof Error ? error.message : String(error) });
      return;
    }
    this.connection.send({ type: 'timeline.ack', requestId, ok: true, message: `branched the room from ${formatClock(branched.report.at)}: ${branched.report.started.length} members as they were` });
    for (const session of room.sessions) if (session instanceof RoomSession) session.followBranch(branched.previous);
  }

  /** The room's live sandbox was branched: a page that showed the old one shows the new one. */
  private followBranch(previous: Sandbox): void {
    if (this.connection.attached !== previous) return;
    if (this.identity.role === 'attendee') this.showLive(this.identity.room, this.identity.attendee, false);
    else if (this.identity.role === 'instructor') {
      const room = this.identity.room;
      this.connection.attach(this.rooms.instructorSandbox(room), { readOnly: false, resumed: false, room: this.welcome(room, { role: 'instructor', mode: 'live', readOnly: false }) });
    }
  }

  /** Show the attendee's own copy, restoring it from saved progress after a restart. False if there is none. */
  private async showOwn(room: Room, attendee: Attendee, resumed: boolean): Promise<boolean> {
    const sandbox = this.rooms.ownSandbox(room, attendee) ?? this.rooms.restoreOwn(room, attendee)?.sandbox;
    if (!sandbox) return false;
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
    if (this.identity.role === 'attendee') this.rooms.disconnected(this.identity.attendee, this);
    if (this.identity.role !== 'none') this.identity.room.sessions.delete(this);
    this.identity = { role: 'none' };
  }

  private become(identity: Exclude<Identity, { role: 'none' }>): void {
    this.leave();
    this.identity = identity;
    identity.room.sessions.add(this);
    if (identity.role === 'attendee') this.rooms.connected(identity.attendee, this);
  }
}

