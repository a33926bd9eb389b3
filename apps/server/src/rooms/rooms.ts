import { randomBytes, timingSafeEqual } from 'node:crypto';
import { findLesson } from '../lessons/catalog';
import type { Dashboard, DashboardRow, LessonProgress } from '@rslab/protocol';
import type { LabCopyReport, Sandbox, SandboxManager } from '../workspace/sandbox';
import type { Settings } from '../settings';
import { formatJoinCode, newJoinCode } from './joinCode';
import { rebuildAt } from './rebuild';
import { hashSecret, type ProgressRecord, type ProgressStore } from './store';

/** Our own errors about rooms, with stable names the routes map to status codes. */
export class RoomError extends Error {
  constructor(
    override readonly name: 'RoomLimitError' | 'RoomNotFoundError' | 'RoomLessonError',
    message: string,
  ) {
    super(message);
  }
}

export type AttendeeMode = 'live' | 'fork';

/** Something showing an attendee's view that the room may need to move (a WebSocket). */
/** One open rooms WebSocket, as the room sees it. */
export interface RoomConnection {
  /** The room was closed: stop showing its sandboxes and say why. */
  roomClosed(reason: string): void;
}

export interface AttendeeConnection extends RoomConnection {
  /** The instructor reset the attendee's sandbox: go back to the live view. */
  backToLive(reason: string): void;
}

/** Where one learner is in the lesson, as the dashboard shows it. */
export interface StepPosition {
  lessonId: string;
  stepId: string | null;
  stepTitle: string | null;
  stepIndex: number;
  stepsTotal: number;
  doneStepIds: string[];
  /** Why the current step's check does not pass yet; null when not checked yet or done. */
  reason: string | null;
  /** Wall-clock millis when the learner reached this step. */
  stepSince: number;
}

export class Attendee {
  mode: AttendeeMode = 'live';
  readonly connections = new Set<AttendeeConnection>();
  /** Progress in the attendee's own copy; null before they first fork. */
  position: StepPosition | null = null;
  lastSeenAt: number;
  stopFollowingProgress: (() => void) | null = null;

  constructor(
    readonly id: string,
    readonly name: string,
    readonly tokenHash: string,
    readonly joinedAt: number,
  ) {
    this.lastSeenAt = joinedAt;
  }
}

export class Room {
  readonly attendees = new Map<string, Attendee>();
  /** Open rooms WebSockets of this room (instructor's, attendees', watchers'). */
  readonly sessions = new Set<RoomConnection>();
  readonly attendeesByToken = new Map<string, Attendee>();
  lastActiveAt: number;

  constructor(
    readonly code: string,
    readonly title: string,
    readonly lessonId: string,
    readonly secretHash: string,
    readonly createdAt: number,
  ) {
    this.lastActiveAt = createdAt;
  }

  get instructorKey(): string {
    return `room:${this.code}:instructor`;
  }

  forkKey(attendee: Attendee): string {
    return `room:${this.code}:attendee:${attendee.id}`;
  }
}

export interface RoomManagerOptions {
  settings: Settings;
  sandboxes: SandboxManager;
  store: ProgressStore;
  now?: () => number;
  /** Where a failed background save is reported (never swallowed). */
  onStoreError?: (error: unknown) => void;
}

export function positionOf(progress: LessonProgress, previous: StepPosition | null, now: number): StepPosition {
  const step = progress.steps[progress.stepIndex];
  const stepId = step?.id ?? null;
  return {
    lessonId: progress.lessonId,
    stepId,
    stepTitle: step?.title ?? null,
    stepIndex: progress.stepIndex,
    stepsTotal: progress.steps.length,
    doneStepIds: progress.steps.filter((s) => s.state === 'done').map((s) => s.id),
    reason: step?.reason ?? null,
    stepSince: previous && previous.stepId === stepId && previous.lessonId === progress.lessonId ? previous.stepSince : now,
  };
}

/**
 * Rooms on this server: join codes, instructor secrets (kept only as hashes), attendees and their
 * own copies of the instructor's sandbox. Rooms and progress are saved to the store, so attendees
 * get back in with their resume link after a restart.
 */
export class RoomManager {
  private readonly rooms = new Map<string, Room>();
  private readonly now: () => number;

  constructor(private readonly options: RoomManagerOptions) {
    this.now = options.now ?? Date.now;
  }

  get size(): number {
    return this.rooms.size;
  }

  async create(request: { title: string; lessonId: string }): Promise<{ room: Room; secret: string }> {
    const { settings } = this.options;
    this.reclaimIdle();
    if (this.rooms.size >= settings.roomsMax) {
      throw new RoomError('RoomLimitError', `this server already has ${settings.roomsMax} rooms open, its limit; close one or try later`);
    }
    if (!findLesson(request.lessonId)) throw new RoomError('RoomLessonError', `there is no lesson '${request.lessonId}'`);
    let code = newJoinCode();
    while (this.rooms.has(code) || (await this.options.store.findRoom(code))) code = newJoinCode();
    const secret = randomBytes(24).toString('base64url');
    const room = new Room(code, request.title, request.lessonId, hashSecret(secret), this.now());
    this.rooms.set(code, room);
    await this.options.store.saveRoom({ _id: code, title: room.title, lessonId: room.lessonId, secretHash: room.secretHash, createdAt: new Date(room.createdAt) });
    return { room, secret };
  }

  /** The room with this (normalized) code, from memory or, after a restart, from the store. */
  async find(code: string): Promise<Room | null> {
    const live = this.rooms.get(code);
    if (live) return live;
    const record = await this.options.store.findRoom(code);
    if (!record || this.rooms.size >= this.options.settings.roomsMax) return null;
    const room = new Room(record._id, record.title, record.lessonId, record.secretHash, record.createdAt.getTime());
    room.lastActiveAt = this.now();
    this.rooms.set(code, room);
    return room;
  }

  /** Whether `secret` is the room's instructor secret, compared in constant time. */
  isInstructor(room: Room, secret: string | undefined): boolean {
    if (secret === undefined) return false;
    const given = Buffer.from(hashSecret(secret));
    const expected = Buffer.from(room.secretHash);
    return given.length === expected.length && timingSafeEqual(given, expected);
  }

  async join(room: Room, name: string): Promise<{ attendee: Attendee; token: string }> {
    const { settings } = this.options;
    if (room.attendees.size >= settings.attendeesPerRoomMax) {
      throw new RoomError('RoomLimitError', `this room is full: it has ${settings.attendeesPerRoomMax} attendees, its limit`);
    }
    const token = randomBytes(18).toString('base64url');
    const attendee = new Attendee(`a-${randomBytes(6).toString('hex')}`, name, hashSecret(token), this.now());
    room.attendees.set(attendee.id, attendee);
    room.attendeesByToken.set(attendee.tokenHash, attendee);
    room.lastActiveAt = this.now();
    await this.save(room, attendee);
    return { attendee, token };
  }

  /** The attendee with this resume token: in memory, or restored from the store after a restart. */
  async attendee(room: Room, token: string): Promise<Attendee | null> {
    const tokenHash = hashSecret(token);
    const live = room.attendeesByToken.get(tokenHash);
    if (live) return live;
    const record = await this.options.store.findProgress(tokenHash);
    if (!record || record.roomCode !== room.code) return null;
    if (room.attendees.size >= this.options.settings.attendeesPerRoomMax) return null;
    const attendee = new Attendee(record.attendeeId, record.name, tokenHash, this.now());
    if (record.mode === 'live') {
      room.attendees.set(attendee.id, attendee);
      room.attendeesByToken.set(tokenHash, attendee);
      return attendee;
    }
    attendee.mode = 'fork';
    const lesson = findLesson(record.lessonId);
    const steps = lesson?.chapters.flatMap((chapter) => chapter.steps) ?? [];
    const index = record.stepId === null ? steps.length : steps.findIndex((step) => step.id === record.stepId);
    attendee.position = {
      lessonId: record.lessonId,
      stepId: record.stepId,
      stepTitle: steps[index]?.title ?? null,
      stepIndex: Math.max(0, index),
      stepsTotal: steps.length,
      doneStepIds: record.doneStepIds,
      reason: null,
      stepSince: record.stepSince.getTime(),
    };
    room.attendees.set(attendee.id, attendee);
    room.attendeesByToken.set(tokenHash, attendee);
    return attendee;
  }

  /** The instructor's sandbox, created with the room's lesson on first use. */
  instructorSandbox(room: Room): Sandbox {
    const { sandbox, created } = this.options.sandboxes.obtain(room.instructorKey);
    if (created) sandbox.lesson.select(room.lessonId);
    room.lastActiveAt = this.now();
    return sandbox;
  }

  /** The instructor's sandbox if it exists, without creating it. */
  liveSandbox(room: Room): Sandbox | undefined {
    return this.options.sandboxes.get(room.instructorKey);
  }

  ownSandbox(room: Room, attendee: Attendee): Sandbox | undefined {
    return this.options.sandboxes.get(room.forkKey(attendee));
  }

  /** "Try it myself": a copy of the instructor's sandbox as it is now, replacing any earlier copy. */
  async fork(room: Room, attendee: Attendee): Promise<{ sandbox: Sandbox; report: LabCopyReport }> {
    const source = this.instructorSandbox(room);
    const result = await this.options.sandboxes.fork(room.forkKey(attendee), source);
    attendee.mode = 'fork';
    this.followProgress(room, attendee, result.sandbox);
    return result;
  }

  /**
   * The attendee's own sandbox after a restart (or after it was reclaimed as idle), from saved
   * progress: a fresh sandbox that replays the lesson's solution lines up to the saved step, so
   * the cluster is back too (not the exact one: their own typing, data and timing are not saved).
   * Returns at once; `rebuilt` settles when the replay is over.
   */
  restoreOwn(room: Room, attendee: Attendee): { sandbox: Sandbox; rebuilt: Promise<string[]> } | null {
    const position = attendee.position;
    if (!position) return null;
    const { sandbox, created } = this.options.sandboxes.obtain(room.forkKey(attendee));
    let rebuilt: Promise<string[]> = Promise.resolve([]);
    if (created) {
      sandbox.lesson.select(position.lessonId);
      const tab = sandbox.tabs.values().next().value;
      tab?.notice(`# Welcome back. Rebuilding your sandbox: replaying the lesson up to "${position.stepTitle ?? 'the end'}"…\n`);
      rebuilt = rebuildAt(sandbox, position.lessonId, position.stepId).then(
        (failures) => {
          if (failures.length > 0) this.options.onStoreError?.(new Error(`rebuilding ${attendee.id}'s sandbox: ${failures.join('; ').slice(0, 500)}`));
          return failures;
        },
        (error: unknown) => {
          this.options.onStoreError?.(error);
          return [error instanceof Error ? error.message : String(error)];
        },
      );
    }
    attendee.mode = 'fork';
    this.followProgress(room, attendee, sandbox, position);
    return { sandbox, rebuilt };
  }

  private followProgress(room: Room, attendee: Attendee, sandbox: Sandbox, restoring: StepPosition | null = null): void {
    attendee.stopFollowingProgress?.();
    const update = (progress: LessonProgress): void => {
      // While a restored sandbox replays, it passes through earlier steps: keep the saved position.
      if (restoring && progress.stepIndex < restoring.stepIndex && progress.lessonId === restoring.lessonId) return;
      const before = attendee.position;
      attendee.position = positionOf(progress, before, this.now());
      if (before?.stepId !== attendee.position.stepId || before.lessonId !== attendee.position.lessonId) {
        this.save(room, attendee).catch((error: unknown) => this.options.onStoreError?.(error));
      }
    };
    update(sandbox.lesson.tracker.progress());
    attendee.stopFollowingProgress = sandbox.lesson.onProgress(update);
  }

  /** The instructor's reset: the attendee's own copy goes, and their pages go back to the live view. */
  async reset(room: Room, attendee: Attendee): Promise<boolean> {
    attendee.stopFollowingProgress?.();
    attendee.stopFollowingProgress = null;
    const dropped = await this.options.sandboxes.drop(room.forkKey(attendee));
    attendee.mode = 'live';
    attendee.position = null;
    await this.save(room, attendee);
    for (const connection of attendee.connections) connection.backToLive('the instructor reset your sandbox');
    return dropped;
  }

  private async save(room: Room, attendee: Attendee): Promise<void> {
    const position = attendee.position;
    const record: ProgressRecord = {
      _id: attendee.tokenHash,
      roomCode: room.code,
      attendeeId: attendee.id,
      name: attendee.name,
      mode: attendee.mode,
      lessonId: position?.lessonId ?? room.lessonId,
      stepId: position ? position.stepId : null,
      doneStepIds: position?.doneStepIds ?? [],
      stepSince: new Date(position?.stepSince ?? attendee.joinedAt),
      updatedAt: new Date(this.now()),
    };
    try {
      await this.options.store.saveProgress(record);
    } catch (error) {
      this.options.onStoreError?.(error);
    }
  }

  dashboard(room: Room): Dashboard {
    const now = this.now();
    const stuckAfterMillis = this.options.settings.attendeeStuckAfterMillis;
    const live = this.liveSandbox(room)?.lesson.tracker.progress() ?? null;
    const livePosition = live ? positionOf(live, null, now) : null;
    const lesson = findLesson(room.lessonId);
    const stepsTotal = lesson?.chapters.reduce((n, chapter) => n + chapter.steps.length, 0) ?? 0;
    const attendees = [...room.attendees.values()].map((attendee): DashboardRow => {
      const own = attendee.mode === 'fork' ? attendee.position : null;
      const position = own ?? livePosition;
      const onStepMillis = own ? now - own.stepSince : 0;
      const finished = position !== null && position.stepId === null;
      return {
        id: attendee.id,
        name: attendee.name,
        mode: attendee.mode,
        connected: attendee.connections.size > 0,
        hasFork: this.ownSandbox(room, attendee) !== undefined,
        lessonId: position?.lessonId ?? room.lessonId,
        stepId: position?.stepId ?? null,
        stepTitle: position?.stepTitle ?? null,
        stepIndex: position?.stepIndex ?? 0,
        stepsTotal: position?.stepsTotal ?? stepsTotal,
        check: finished ? 'done' : position?.reason ? 'failing' : 'waiting',
        reason: finished ? null : (position?.reason ?? null),
        onStepMillis,
        // Only someone working on their own can be stuck; followers go at the instructor's pace.
        stuck: own !== null && !finished && onStepMillis > stuckAfterMillis,
      };
    });
    return {
      code: formatJoinCode(room.code),
      title: room.title,
      lessonId: room.lessonId,
      stuckAfterMillis,
      instructor: {
        stepId: livePosition?.stepId ?? null,
        stepTitle: livePosition?.stepTitle ?? null,
        stepIndex: livePosition?.stepIndex ?? 0,
        stepsTotal: livePosition?.stepsTotal ?? stepsTotal,
      },
      attendees,
    };
  }

  async close(room: Room): Promise<void> {
    this.rooms.delete(room.code);
    for (const session of [...room.sessions]) session.roomClosed(`the instructor closed the room "${room.title}"`);
    for (const attendee of room.attendees.values()) {
      attendee.stopFollowingProgress?.();
      await this.options.sandboxes.drop(room.forkKey(attendee));
    }
    await this.options.sandboxes.drop(room.instructorKey);
    await this.options.store.deleteRoom(room.code);
  }

  /**
   * Keep the sandboxes of rooms in use from being reclaimed as idle: a class may watch the
   * instructor's sandbox for a long time without anyone typing.
   */
  touchInUse(): void {
    for (const room of this.rooms.values()) {
      if (room.sessions.size === 0) continue;
      room.lastActiveAt = this.now();
      this.options.sandboxes.touch(room.instructorKey);
      for (const attendee of room.attendees.values()) {
        if (attendee.connections.size > 0 && attendee.mode === 'fork') this.options.sandboxes.touch(room.forkKey(attendee));
      }
    }
  }

  /** Close rooms idle for `roomIdleMillis` (their records stay in the store for resume links). */
  reclaimIdle(): number {
    const cutoff = this.now() - this.options.settings.roomIdleMillis;
    let closed = 0;
    for (const room of [...this.rooms.values()]) {
      if (room.sessions.size === 0 && room.lastActiveAt < cutoff) {
        this.rooms.delete(room.code);
        for (const attendee of room.attendees.values()) attendee.stopFollowingProgress?.();
        closed += 1;
      }
    }
    return closed;
  }
}
