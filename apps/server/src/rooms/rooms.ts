import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { findLesson } from '../lessons/catalog';
import type { Dashboard, DashboardRow, LessonProgress } from '@rslab/protocol';
import type { LabCopyReport, Sandbox, SandboxManager } from '../workspace/sandbox';
import type { Settings } from '../settings';
import { formatJoinCode, newJoinCode } from './joinCode';
import { rebuildAt } from './rebuild';
import { hashSecret, StoreUnavailableError, type ProgressFields, type ProgressRecord, type ProgressStore, type RoomRecord, type SavedPosition } from './store';

/** Presence changes wait this long to be written together. */
const presenceBatchMillis = 200;

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

/** One open rooms WebSocket, as the room sees it. */
export interface RoomConnection {
  /** The room was closed: stop showing its sandboxes and say why. */
  roomClosed(reason: string): void;
}

/** What an attendee's page is told besides the sandbox it shows. */
export interface AttendeeConnection extends RoomConnection {
  /** The instructor reset the attendee's sandbox: go back to the live view. */
  backToLive(reason: string): void;
  /** Their progress was stored (or could not be yet, and why). */
  progressSaved(saved: { ok: boolean; stepId: string | null; message: string }): void;
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
  /** Whether they made a copy of their own (it may have to be rebuilt from `position` on this instance). */
  hasOwn = false;
  /** This instance's open pages of theirs. */
  readonly connections = new Set<AttendeeConnection>();
  /** Progress in the attendee's own copy; null before they first fork. */
  position: StepPosition | null = null;
  /** Last time a page of theirs was connected (here, or elsewhere as the store says). */
  lastSeenAt: number | null = null;
  /** Until when another instance says a page of theirs is connected there. */
  onlineUntil = 0;
  /** `updatedAt` of the progress last written here or read from the store: an older record changes nothing. */
  updatedAt = 0;
  /** Saves of this attendee's progress, one at a time, in order. */
  saving: Promise<void> = Promise.resolve();
  savesPending = 0;
  stopFollowingProgress: (() => void) | null = null;

  constructor(
    readonly id: string,
    public name: string,
    readonly tokenHash: string,
    readonly joinedAt: number,
  ) {}
}

export class Room {
  readonly attendees = new Map<string, Attendee>();
  /** Open rooms WebSockets of this room (instructor's, attendees', watchers'). */
  readonly sessions = new Set<RoomConnection>();
  readonly attendeesByToken = new Map<string, Attendee>();
  lastActiveAt: number;
  /** The instructor's position as last stored (here or by another instance), and when it was written. */
  instructorSaved: SavedPosition | null = null;
  instructorAt = 0;
  stopFollowingInstructor: (() => void) | null = null;
  /** The moment (sandbox-clock millis) the instructor shows the class, or null: live. Not stored. */
  rewoundAt: number | null = null;
  /** When the attendees were last read from the store, and the read under way. */
  syncedAt = 0;
  syncing: Promise<void> | null = null;
  /** Reads of the store started for this room so far, and the number of the one under way. */
  syncsStarted = 0;
  syncingNumber = 0;
  closed = false;

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

/** A stored position as the dashboard shows it (titles and indexes from the lesson). */
export function positionFromSaved(saved: SavedPosition): StepPosition {
  const steps = findLesson(saved.lessonId)?.chapters.flatMap((chapter) => chapter.steps) ?? [];
  const index = saved.stepId === null ? steps.length : steps.findIndex((step) => step.id === saved.stepId);
  return {
    lessonId: saved.lessonId,
    stepId: saved.stepId,
    stepTitle: steps[index]?.title ?? null,
    stepIndex: Math.max(0, index),
    stepsTotal: steps.length,
    doneStepIds: saved.doneStepIds,
    reason: null,
    stepSince: saved.stepSince.getTime(),
  };
}

function savedOf(position: StepPosition): SavedPosition {
  return { lessonId: position.lessonId, stepId: position.stepId, doneStepIds: position.doneStepIds, stepSince: new Date(position.stepSince) };
}

/** An attendee's id, the same for the same token (a join sent twice is one attendee). */
function attendeeIdFor(tokenHash: string): string {
  return `a-${createHash('sha256').update(`attendee:${tokenHash}`).digest('hex').slice(0, 12)}`;
}

/**
 * Rooms as this instance serves them. The store is the one truth of who is in a room and where
 * they are: joins, mode changes and steps are written there (acknowledged by a majority) before
 * anyone is told they happened, and the attendees in memory are refreshed from it
 * (`sync`, at most `roomSyncMillis` old when used), so that every instance shows the same room.
 * What only this instance has: the sandboxes (the instructor's and attendees' own copies), its
 * open pages, and a check's reason in a copy it runs.
 */
export class RoomManager {
  private readonly rooms = new Map<string, Room>();
  private readonly now: () => number;
  private lastStamp = 0;

  constructor(private readonly options: RoomManagerOptions) {
    this.now = options.now ?? Date.now;
  }

  get size(): number {
    return this.rooms.size;
  }

  get store(): ProgressStore {
    return this.options.store;
  }

  /** Rooms in this instance's memory. */
  all(): Room[] {
    return [...this.rooms.values()];
  }

  /** A write time later than every one before from this instance (last writer wins in the store). */
  private stamp(): Date {
    this.lastStamp = Math.max(this.lastStamp + 1, this.now());
    return new Date(this.lastStamp);
  }

  private reportStoreError(error: unknown): void {
    this.options.onStoreError?.(error);
  }

  async create(request: { title: string; lessonId: string }): Promise<{ room: Room; secret: string }> {
    const { settings } = this.options;
    this.reclaimIdle();
    if (this.rooms.size >= settings.roomsMax) {
      throw new RoomError('RoomLimitError', `this server already has ${settings.roomsMax} rooms open, its limit; close one or try later`);
    }
    if (!findLesson(request.lessonId)) throw new RoomError('RoomLessonError', `there is no lesson '${request.lessonId}'`);
    const secret = randomBytes(24).toString('base64url');
    const secretHash = hashSecret(secret);
    const createdAt = this.now();
    for (;;) {
      const code = newJoinCode();
      if (this.rooms.has(code)) continue;
      const record: RoomRecord = { _id: code, title: request.title, lessonId: request.lessonId, secretHash, createdAt: new Date(createdAt), instructor: null };
      if (!(await this.options.store.insertRoom(record))) continue;
      const room = new Room(code, request.title, request.lessonId, secretHash, createdAt);
      room.syncedAt = this.now();
      this.rooms.set(code, room);
      return { room, secret };
    }
  }

  /** The room with this (normalized) code, from memory or, after a restart or on another instance, from the store. */
  async find(code: string): Promise<Room | null> {
    const live = this.rooms.get(code);
    if (live) return live;
    const record = await this.options.store.findRoom(code);
    if (!record || record.closedAt) return null;
    // Two requests may have read it at once: keep the first.
    const raced = this.rooms.get(code);
    if (raced) return raced;
    if (this.rooms.size >= this.options.settings.roomsMax) this.reclaimIdle();
    if (this.rooms.size >= this.options.settings.roomsMax) return null;
    const room = new Room(record._id, record.title, record.lessonId, record.secretHash, record.createdAt.getTime());
    this.applyRoomRecord(room, record);
    room.lastActiveAt = this.now();
    this.rooms.set(code, room);
    return room;
  }

  /**
   * Read the room's attendees (and the instructor's step) from the store. `cached`: only when the
   * copy here is older than `roomSyncMillis`. `now`: by a read that starts after this call, so
   * that it sees every write acknowledged before it, on whichever instance (what the instructor's
   * dashboard promises: a join answered 201 anywhere is listed by the next refresh). One read at
   * a time per room; callers share it when it is new enough for them.
   */
  async sync(room: Room, freshness: 'cached' | 'now' = 'cached'): Promise<void> {
    const startedBeforeCall = room.syncsStarted;
    while (room.syncing) {
      if (freshness === 'cached' || room.syncingNumber > startedBeforeCall) return room.syncing;
      // That read began before this call and may predate writes acknowledged since: let it end
      // (its own callers hear how), then read again.
      await room.syncing.then(
        () => undefined,
        () => undefined,
      );
    }
    if (freshness === 'cached' && this.now() - room.syncedAt < this.options.settings.roomSyncMillis) return;
    const startedAt = this.now();
    room.syncsStarted += 1;
    room.syncingNumber = room.syncsStarted;
    room.syncing = (async () => {
      const [record, progress] = await Promise.all([this.options.store.findRoom(room.code), this.options.store.roomProgress(room.code)]);
      if (record?.closedAt) {
        if (!room.closed) await this.closeHere(room, `the instructor closed the room "${room.title}"`);
        return;
      }
      // No record is not "closed" (that leaves a tombstone): the read did not see the room yet. A
      // majority read on a primary elected a moment ago answers from its commit point, which may
      // still be before entries the old primary acknowledged (MongoDB manual, Read Concern
      // "majority": the most recent majority-committed data *on that node*). Dropping the room then
      // lost this instance's acknowledged joins from its dashboard; keep it and read again later.
      if (!record) return;
      this.applyRoomRecord(room, record);
      for (const entry of progress) await this.applyProgress(room, entry);
      room.syncedAt = startedAt;
    })().finally(() => {
      room.syncing = null;
    });
    return room.syncing;
  }

  private applyRoomRecord(room: Room, record: RoomRecord): void {
    const at = record.instructorAt?.getTime() ?? 0;
    if (at > room.instructorAt) {
      room.instructorAt = at;
      room.instructorSaved = record.instructor ?? null;
    }
  }

  /** The attendee a stored record describes, made or brought up to date from it. */
  private async applyProgress(room: Room, record: ProgressRecord): Promise<Attendee> {
    let attendee = room.attendeesByToken.get(record._id);
    if (!attendee) {
      attendee = new Attendee(record.attendeeId, record.name, record._id, (record.joinedAt ?? record.updatedAt).getTime());
      room.attendees.set(attendee.id, attendee);
      room.attendeesByToken.set(attendee.tokenHash, attendee);
    }
    const seen = record.lastSeenAt?.getTime() ?? null;
    if (seen !== null && (attendee.lastSeenAt === null || seen > attendee.lastSeenAt)) attendee.lastSeenAt = seen;
    attendee.onlineUntil = record.onlineUntil?.getTime() ?? 0;
    const updatedAt = record.updatedAt.getTime();
    // Our own writes are the newest until they land; an older record (a slow read) changes nothing.
    if (attendee.savesPending > 0 || updatedAt <= attendee.updatedAt) return attendee;
    attendee.updatedAt = updatedAt;
    attendee.name = record.name;
    const hasOwnHere = this.ownSandbox(room, attendee) !== undefined;
    const hasOwn = record.hasOwn ?? record.mode === 'fork';
    if (!hasOwn && hasOwnHere) {
      // Reset on another instance: their copy here goes too.
      await this.dropOwn(room, attendee, 'the instructor reset your sandbox');
    }
    attendee.mode = record.mode;
    attendee.hasOwn = hasOwn;
    // A copy running here knows its step better than the store (it writes it there).
    if (!hasOwnHere || !hasOwn) attendee.position = hasOwn ? positionFromSaved(record) : null;
    return attendee;
  }

  /** Whether `secret` is the room's instructor secret, compared in constant time. */
  isInstructor(room: Room, secret: string | undefined): boolean {
    if (secret === undefined) return false;
    const given = Buffer.from(hashSecret(secret));
    const expected = Buffer.from(room.secretHash);
    return given.length === expected.length && timingSafeEqual(given, expected);
  }

  /**
   * A new attendee, stored before this returns. `token` (the page's own) makes the join
   * idempotent: the same token joins the same attendee, however often the request is sent.
   */
  async join(room: Room, name: string, token: string = randomBytes(18).toString('base64url')): Promise<{ attendee: Attendee; token: string; created: boolean }> {
    const { settings } = this.options;
    const known = await this.attendee(room, token);
    if (known) return { attendee: known, token, created: false };
    const tokenHash = hashSecret(token);
    if (room.attendees.size >= settings.attendeesPerRoomMax) {
      throw new RoomError('RoomLimitError', `this room is full: it has ${settings.attendeesPerRoomMax} attendees, its limit`);
    }
    const now = this.now();
    const updatedAt = this.stamp();
    const record: ProgressRecord = {
      _id: tokenHash,
      roomCode: room.code,
      attendeeId: attendeeIdFor(tokenHash),
      name,
      mode: 'live',
      hasOwn: false,
      lessonId: room.lessonId,
      stepId: null,
      doneStepIds: [],
      stepSince: new Date(now),
      updatedAt,
      joinedAt: new Date(now),
      lastSeenAt: new Date(now),
      onlineUntil: new Date(now),
    };
    await this.options.store.insertProgress(record);
    const attendee = await this.applyProgress(room, record);
    room.lastActiveAt = now;
    return { attendee, token, created: true };
  }

  /**
   * The attendee with this resume token, as the store has them now: the room is read again first
   * when the copy here is older than `roomSyncMillis` (it may have moved on on another instance).
   */
  async attendee(room: Room, token: string): Promise<Attendee | null> {
    const tokenHash = hashSecret(token);
    await this.sync(room);
    const known = room.attendeesByToken.get(tokenHash);
    if (known) return known;
    // Joined a moment ago, on this instance's sync or another's.
    const record = await this.options.store.findProgress(tokenHash);
    if (!record || record.roomCode !== room.code) return null;
    if (room.attendees.size >= this.options.settings.attendeesPerRoomMax) return null;
    return this.applyProgress(room, record);
  }

  /** The instructor's sandbox, created with the room's lesson on first use, at the instructor's stored step. */
  instructorSandbox(room: Room): Sandbox {
    const { sandbox, created } = this.options.sandboxes.obtain(room.instructorKey);
    room.lastActiveAt = this.now();
    if (!created) return sandbox;
    sandbox.lesson.select(room.lessonId);
    const saved = room.instructorSaved;
    const first = findLesson(room.lessonId)?.chapters[0]?.steps[0]?.id;
    if (saved && saved.lessonId === room.lessonId && saved.stepId !== first) {
      // Another instance (or this one before a restart) had the room further on: rebuild it there.
      const restoring = positionFromSaved(saved);
      sandbox.tabs.values().next().value?.notice(`# This room moved to this server. Rebuilding the instructor's sandbox: replaying the lesson up to "${restoring.stepTitle ?? 'the end'}"…\n`);
      this.followInstructor(room, sandbox, restoring);
      rebuildAt(sandbox, saved.lessonId, saved.stepId).then(
        (failures) => {
          if (failures.length > 0) this.reportStoreError(new Error(`rebuilding room ${room.code}'s instructor sandbox: ${failures.join('; ').slice(0, 500)}`));
        },
        (error: unknown) => this.reportStoreError(error),
      );
    } else {
      this.followInstructor(room, sandbox, null);
      // A lesson that starts from a running set (its setup) gets it here too, as a learner's own
      // sandbox does when the lesson is picked; without it the room's cluster stays empty.
      if (findLesson(room.lessonId)?.setup) {
        sandbox.startLesson(room.lessonId).then(
          (started) => {
            if (!started) this.reportStoreError(new Error(`room ${room.code}: lesson '${room.lessonId}' could not start on this engine`));
          },
          (error: unknown) => this.reportStoreError(error),
        );
      }
    }
    return sandbox;
  }

  /** Store the instructor's step as it changes, so that any instance can rebuild the room there. */
  private followInstructor(room: Room, sandbox: Sandbox, restoring: StepPosition | null): void {
    room.stopFollowingInstructor?.();
    let last: StepPosition | null = restoring;
    const update = (progress: LessonProgress): void => {
      if (restoring && progress.lessonId === restoring.lessonId && progress.stepIndex < restoring.stepIndex) return;
      const next = positionOf(progress, last, this.now());
      if (last?.stepId === next.stepId && last.lessonId === next.lessonId) return;
      last = next;
      this.saveInstructorInBackground(room, next);
    };
    update(sandbox.lesson.tracker.progress());
    room.stopFollowingInstructor = sandbox.lesson.onProgress(update);
  }

  /** Store the instructor's current step now (the presenter's "next step" waits for it). */
  async saveInstructor(room: Room): Promise<void> {
    const sandbox = this.liveSandbox(room);
    if (!sandbox) return;
    const position = positionOf(sandbox.lesson.tracker.progress(), null, this.now());
    const at = this.stamp();
    await this.options.store.saveInstructor(room.code, savedOf(position), at);
    if (at.getTime() > room.instructorAt) {
      room.instructorAt = at.getTime();
      room.instructorSaved = savedOf(position);
    }
  }

  private saveInstructorInBackground(room: Room, position: StepPosition): void {
    const attempt = (): void => {
      if (room.closed) return;
      const at = this.stamp();
      this.options.store.saveInstructor(room.code, savedOf(position), at).then(
        () => {
          if (at.getTime() > room.instructorAt) {
            room.instructorAt = at.getTime();
            room.instructorSaved = savedOf(position);
          }
        },
        (error: unknown) => {
          this.reportStoreError(error);
          // Keep trying while it is still the instructor's step.
          if (error instanceof StoreUnavailableError) setTimeout(attempt, error.retryAfterSeconds * 1000).unref();
        },
      );
    };
    attempt();
  }

  /**
   * The instructor's "Branch from here": the room's live sandbox becomes a new one started from the
   * moment `at`; the class is back to live on it. The previous sandbox is kept as its recording.
   */
  async branchInstructor(room: Room, at: number): Promise<{ sandbox: Sandbox; previous: Sandbox; report: { at: number; started: unknown[] } }> {
    const branched = await this.options.sandboxes.branch(room.instructorKey, at);
    room.rewoundAt = null;
    this.followInstructor(room, branched.sandbox, null);
    return branched;
  }

  /** The instructor's sandbox if it exists, without creating it. */
  liveSandbox(room: Room): Sandbox | undefined {
    return this.options.sandboxes.get(room.instructorKey);
  }

  ownSandbox(room: Room, attendee: Attendee): Sandbox | undefined {
    return this.options.sandboxes.get(room.forkKey(attendee));
  }

  /**
   * "Try it myself": a copy of the instructor's sandbox as it is now, replacing any earlier copy.
   * Answered once the store has the attendee on their own copy; if it cannot say so in time the
   * copy goes again and the error says to retry.
   */
  async fork(room: Room, attendee: Attendee): Promise<{ sandbox: Sandbox; report: LabCopyReport }> {
    const source = this.instructorSandbox(room);
    const result = await this.options.sandboxes.fork(room.forkKey(attendee), source);
    const before = { mode: attendee.mode, hasOwn: attendee.hasOwn };
    attendee.mode = 'fork';
    attendee.hasOwn = true;
    this.followProgress(room, attendee, result.sandbox);
    try {
      await this.save(room, attendee);
    } catch (error) {
      attendee.stopFollowingProgress?.();
      attendee.stopFollowingProgress = null;
      await this.options.sandboxes.drop(room.forkKey(attendee));
      attendee.mode = before.mode;
      attendee.hasOwn = before.hasOwn;
      throw error;
    }
    return result;
  }

  /** The attendee goes to the live view (`live`) or back to their copy (`fork`), as stored before this returns. */
  async setMode(room: Room, attendee: Attendee, mode: AttendeeMode): Promise<void> {
    if (attendee.mode === mode) return;
    const before = attendee.mode;
    attendee.mode = mode;
    try {
      await this.save(room, attendee);
    } catch (error) {
      attendee.mode = before;
      throw error;
    }
  }

  /**
   * The attendee's own sandbox after a restart, on another instance, or after it was reclaimed as
   * idle, from saved progress: a fresh sandbox that replays the lesson's solution lines up to the
   * saved step, so the cluster is back too (not the exact one: their own typing, data and timing
   * are not saved). Returns at once; `rebuilt` settles when the replay is over.
   */
  restoreOwn(room: Room, attendee: Attendee): { sandbox: Sandbox; rebuilt: Promise<string[]> } | null {
    const position = attendee.position;
    if (!position || !attendee.hasOwn) return null;
    const { sandbox, created } = this.options.sandboxes.obtain(room.forkKey(attendee));
    let rebuilt: Promise<string[]> = Promise.resolve([]);
    if (created) {
      sandbox.lesson.select(position.lessonId);
      const tab = sandbox.tabs.values().next().value;
      tab?.notice(`# Welcome back. Rebuilding your sandbox: replaying the lesson up to "${position.stepTitle ?? 'the end'}"…\n`);
      rebuilt = rebuildAt(sandbox, position.lessonId, position.stepId).then(
        (failures) => {
          if (failures.length > 0) this.reportStoreError(new Error(`rebuilding ${attendee.id}'s sandbox: ${failures.join('; ').slice(0, 500)}`));
          return failures;
        },
        (error: unknown) => {
          this.reportStoreError(error);
          return [error instanceof Error ? error.message : String(error)];
        },
      );
    }
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
      if (before?.stepId !== attendee.position.stepId || before.lessonId !== attendee.position.lessonId) this.saveInBackground(room, attendee);
    };
    update(sandbox.lesson.tracker.progress());
    attendee.stopFollowingProgress = sandbox.lesson.onProgress(update);
  }

  /**
   * Store a step the attendee reached on their own, and keep trying until the store has it (or a
   * later step replaced it); their pages hear each outcome.
   */
  private saveInBackground(room: Room, attendee: Attendee): void {
    const stepId = attendee.position?.stepId ?? null;
    const attempt = (): void => {
      this.save(room, attendee).then(
        (stamp) => {
          if (stamp !== attendee.updatedAt) return;
          for (const connection of attendee.connections) connection.progressSaved({ ok: true, stepId, message: 'progress saved' });
        },
        (error: unknown) => {
          this.reportStoreError(error);
          const retry = error instanceof StoreUnavailableError ? error.retryAfterSeconds : 5;
          const message = `progress not saved yet (${error instanceof Error ? error.message : String(error)}); trying again in ${retry} s`;
          for (const connection of attendee.connections) connection.progressSaved({ ok: false, stepId, message });
          setTimeout(() => {
            // A later save carries the newer step; this one has nothing left to say.
            if ((attendee.position?.stepId ?? null) === stepId && !room.closed) attempt();
          }, retry * 1000).unref();
        },
      );
    };
    attempt();
  }

  /** The instructor's reset: stored first, then the attendee's own copy goes, and their pages go back to the live view. */
  async reset(room: Room, attendee: Attendee): Promise<boolean> {
    const before = { mode: attendee.mode, hasOwn: attendee.hasOwn, position: attendee.position };
    attendee.mode = 'live';
    attendee.hasOwn = false;
    attendee.position = null;
    try {
      await this.save(room, attendee);
    } catch (error) {
      Object.assign(attendee, before);
      throw error;
    }
    return this.dropOwn(room, attendee, 'the instructor reset your sandbox');
  }

  private async dropOwn(room: Room, attendee: Attendee, reason: string): Promise<boolean> {
    attendee.stopFollowingProgress?.();
    attendee.stopFollowingProgress = null;
    const dropped = await this.options.sandboxes.drop(room.forkKey(attendee));
    for (const connection of attendee.connections) connection.backToLive(reason);
    return dropped;
  }

  /**
   * Write the attendee's progress as it is now, after any save still under way. Resolves with the
   * record's `updatedAt` once the store acknowledged it (or already held something newer).
   */
  private save(room: Room, attendee: Attendee): Promise<number> {
    const position = attendee.position;
    const record: ProgressFields = {
      _id: attendee.tokenHash,
      roomCode: room.code,
      attendeeId: attendee.id,
      name: attendee.name,
      mode: attendee.mode,
      hasOwn: attendee.hasOwn,
      lessonId: position?.lessonId ?? room.lessonId,
      stepId: position ? position.stepId : null,
      doneStepIds: position?.doneStepIds ?? [],
      stepSince: new Date(position?.stepSince ?? attendee.joinedAt),
      updatedAt: this.stamp(),
    };
    const stamp = record.updatedAt.getTime();
    attendee.updatedAt = stamp;
    attendee.savesPending += 1;
    const written = attendee.saving.catch(() => undefined).then(() => this.options.store.saveProgress(record));
    attendee.saving = written.finally(() => {
      attendee.savesPending -= 1;
    });
    return attendee.saving.then(() => stamp);
  }

  /** A page of this attendee's connected here. */
  connected(attendee: Attendee, connection: AttendeeConnection): void {
    const first = attendee.connections.size === 0;
    attendee.connections.add(connection);
    attendee.lastSeenAt = this.now();
    if (first) this.queuePresence(attendee, true);
  }

  /** A page of theirs left; with none left here, the store says they went away now. */
  disconnected(attendee: Attendee, connection: AttendeeConnection): void {
    if (!attendee.connections.delete(connection) || attendee.connections.size > 0) return;
    attendee.lastSeenAt = this.now();
    this.queuePresence(attendee, false);
  }

  /** Write presence for every attendee connected here (the plugin calls this each `presenceMillis`). */
  refreshPresence(): void {
    for (const room of this.rooms.values()) {
      for (const attendee of room.attendees.values()) {
        if (attendee.connections.size === 0) continue;
        attendee.lastSeenAt = this.now();
        this.queuePresence(attendee, true);
      }
    }
  }

  private readonly presenceQueue = new Map<string, boolean>();
  private presenceTimer: NodeJS.Timeout | null = null;
  private settled = false;

  /** Presence changes go to the store in batches (a class connecting at once is two writes, not two hundred). */
  private queuePresence(attendee: Attendee, online: boolean): void {
    // Once settled for shutdown, the store is closing: the pages left were already written as gone.
    if (this.settled) return;
    this.presenceQueue.set(attendee.tokenHash, online);
    if (this.presenceTimer) return;
    this.presenceTimer = setTimeout(() => this.flushPresence(), presenceBatchMillis);
    this.presenceTimer.unref();
  }

  /** Write what is queued now (also on shutdown). */
  async flushPresence(): Promise<void> {
    if (this.presenceTimer) clearTimeout(this.presenceTimer);
    this.presenceTimer = null;
    const queued = [...this.presenceQueue];
    this.presenceQueue.clear();
    const now = this.now();
    const writes: Array<Promise<void>> = [];
    for (const online of [true, false]) {
      const ids = queued.filter(([, isOnline]) => isOnline === online).map(([id]) => id);
      const until = online ? now + 3 * this.options.settings.presenceMillis : now;
      if (ids.length > 0) writes.push(this.options.store.touchPresence(ids, new Date(now), new Date(until)).catch((error: unknown) => this.reportStoreError(error)));
    }
    await Promise.all(writes);
  }

  /** Wait for every save under way (a draining instance writes what it has before it exits). */
  async settle(): Promise<void> {
    // A clean stop: whoever is connected here is gone now (their pages reconnect elsewhere and say
    // so there), not online until their lease runs out as after a crash.
    for (const room of this.rooms.values()) {
      for (const attendee of room.attendees.values()) if (attendee.connections.size > 0) this.queuePresence(attendee, false);
    }
    this.settled = true;
    await this.flushPresence();
    await Promise.all(this.all().flatMap((room) => [...room.attendees.values()].map((attendee) => attendee.saving.catch(() => undefined))));
  }

  /**
   * Every attendee the store knows, online or not, where they are and when they were last seen:
   * read from the store for each request (the page asks every 2 s), not from this instance's copy,
   * which misses joins another instance acknowledged since its last read.
   */
  async dashboard(room: Room): Promise<Dashboard> {
    await this.sync(room, 'now');
    const now = this.now();
    const stuckAfterMillis = this.options.settings.attendeeStuckAfterMillis;
    const live = this.liveSandbox(room)?.lesson.tracker.progress() ?? null;
    const livePosition = live ? positionOf(live, null, now) : room.instructorSaved ? positionFromSaved(room.instructorSaved) : null;
    const lesson = findLesson(room.lessonId);
    const stepsTotal = lesson?.chapters.reduce((n, chapter) => n + chapter.steps.length, 0) ?? 0;
    const attendees = [...room.attendees.values()]
      .sort((a, b) => a.joinedAt - b.joinedAt)
      .map((attendee): DashboardRow => {
        const own = attendee.mode === 'fork' ? attendee.position : null;
        const position = own ?? livePosition;
        const onStepMillis = own ? now - own.stepSince : 0;
        const finished = position !== null && position.stepId === null;
        const connectedHere = attendee.connections.size > 0;
        return {
          id: attendee.id,
          name: attendee.name,
          mode: attendee.mode,
          connected: connectedHere || attendee.onlineUntil > now,
          lastSeenAt: connectedHere ? now : attendee.lastSeenAt,
          hasFork: this.ownSandbox(room, attendee) !== undefined || (attendee.hasOwn && attendee.position !== null),
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

  /** The instructor closes the room: marked closed in the store first, then gone from here (other instances see it at their next sync). */
  async close(room: Room): Promise<void> {
    await this.options.store.closeRoom(room.code, new Date(this.now()));
    await this.closeHere(room, `the instructor closed the room "${room.title}"`);
  }

  private async closeHere(room: Room, reason: string): Promise<void> {
    room.closed = true;
    this.rooms.delete(room.code);
    room.stopFollowingInstructor?.();
    for (const session of [...room.sessions]) session.roomClosed(reason);
    for (const attendee of room.attendees.values()) {
      attendee.stopFollowingProgress?.();
      await this.options.sandboxes.drop(room.forkKey(attendee));
    }
    await this.options.sandboxes.drop(room.instructorKey);
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

  /** Rooms with pages open here: their attendees are read from the store each `roomSyncMillis`. */
  inUse(): Room[] {
    return [...this.rooms.values()].filter((room) => room.sessions.size > 0);
  }

  /** Close rooms idle for `roomIdleMillis` (their records stay in the store for resume links). */
  reclaimIdle(): number {
    const cutoff = this.now() - this.options.settings.roomIdleMillis;
    let closed = 0;
    for (const room of [...this.rooms.values()]) {
      if (room.sessions.size === 0 && room.lastActiveAt < cutoff) {
        this.rooms.delete(room.code);
        room.stopFollowingInstructor?.();
        for (const attendee of room.attendees.values()) attendee.stopFollowingProgress?.();
        closed += 1;
      }
    }
    return closed;
  }
}
