import { createHash } from 'node:crypto';
import { MongoError, MongoServerError, MongoWriteConcernError, type Collection, type MongoClient, type TopologyDescription } from 'mongodb';

/** Where a learner (or the instructor) is in a lesson, as stored. */
export interface SavedPosition {
  lessonId: string;
  /** The step they are on (null when the lesson is finished). */
  stepId: string | null;
  doneStepIds: string[];
  /** Wall-clock time they reached `stepId`. */
  stepSince: Date;
}

/** A room as stored: enough to let attendees back in after a restart. The secret only as a hash. */
export interface RoomRecord {
  _id: string;
  title: string;
  lessonId: string;
  secretHash: string;
  createdAt: Date;
  /** Where the instructor's sandbox was, so that another instance rebuilds it there; null before the first step. */
  instructor?: SavedPosition | null;
  /** When `instructor` was written (last writer wins). */
  instructorAt?: Date;
  /**
   * When the instructor closed the room. A closed room keeps its record (a tombstone): an
   * instance that reads no record cannot tell "closed" from a read that does not see the room yet
   * (a majority read on a primary just elected, whose commit point still lags), so only this says closed.
   */
  closedAt?: Date;
}

/** One learner's progress in a lesson, keyed by the hash of their resume token. */
export interface ProgressRecord {
  _id: string;
  roomCode: string | null;
  attendeeId: string;
  name: string;
  /** Whether they work on their own copy (`fork`) or follow the instructor (`live`). */
  mode: 'live' | 'fork';
  /** Whether they have made a copy of their own (true also while back on the live view). */
  hasOwn?: boolean;
  lessonId: string;
  /** The step they are on (null when the lesson is finished), and the steps done. */
  stepId: string | null;
  doneStepIds: string[];
  /** Wall-clock time the learner reached `stepId`. */
  stepSince: Date;
  /** When this progress was written: a later write wins, an earlier one (a retry, a slow instance) is dropped. */
  updatedAt: Date;
  joinedAt?: Date;
  /** Presence, written apart from progress: last time a page of theirs was connected, and until when it counts as online. */
  lastSeenAt?: Date;
  onlineUntil?: Date;
}

/** The fields a progress save writes; presence and the join time are written on their own. */
export type ProgressFields = Omit<ProgressRecord, 'lastSeenAt' | 'onlineUntil' | 'joinedAt'>;

/**
 * A saved replay (issue 19): a sandbox's recording under a name, read by anyone with its id.
 * `payload` is the JSON the page plays (`{ frames, events }`), kept as one string: its length is
 * what `replayBytesMax` bounds, and the store never looks inside.
 */
export interface ReplayRecord {
  _id: string;
  name: string;
  createdAt: Date;
  /** After this the replay is gone: reads skip it, and a store with a TTL monitor deletes it. */
  expiresAt: Date;
  /** The sandbox it was saved from (for the log; not shown). */
  sandboxId: string;
  /**
   * Who saved it, as the save was authorized: `session:<hash of the session id>` or
   * `room:<code>` (the instructor secret). Only they list and delete it. Absent on replays saved
   * before replays had owners: nobody may delete those (they expire).
   */
  ownerKey?: string;
  startAt: number;
  endAt: number;
  frames: number;
  events: number;
  digest: string;
  sizeBytes: number;
  payload: string;
}

/** A replay as its saver's list shows it: everything but the payload. */
export type ReplayListing = Omit<ReplayRecord, 'payload'>;

/** Newest first: `createdAt`, then `_id` (two saves in one millisecond). */
function newestFirst(a: ReplayListing, b: ReplayListing): number {
  return b.createdAt.getTime() - a.createdAt.getTime() || (a._id < b._id ? 1 : a._id > b._id ? -1 : 0);
}

/** What the store can do right now, for `/api/health` and the log. */
export interface StoreStatus {
  kind: string;
  /** `ready`: writes are acknowledged; `waiting`: started, no primary reachable yet (or now); `starting`: not open yet. */
  state: 'starting' | 'waiting' | 'ready';
  message: string;
}

/**
 * The store did not acknowledge in time (no primary through an election, unreachable): nothing was
 * promised. HTTP answers 503 with `Retry-After`, WebSockets `StoreUnavailable`; pages retry.
 */
export class StoreUnavailableError extends Error {
  override readonly name = 'StoreUnavailableError';
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Where rooms and progress live: a MongoDB deployment through the driver, or memory for tests. */
export interface ProgressStore {
  readonly kind: string;
  status(): StoreStatus;
  /** A new room; false when its code is taken (the caller draws another). */
  insertRoom(room: RoomRecord): Promise<boolean>;
  findRoom(code: string): Promise<RoomRecord | null>;
  /** The instructor's position, if `at` is later than the stored one. */
  saveInstructor(code: string, position: SavedPosition | null, at: Date): Promise<void>;
  /** The instructor closed the room: its record stays with `closedAt` set (RoomRecord.closedAt says why). */
  closeRoom(code: string, at: Date): Promise<void>;
  /** A new attendee (a join): stored once, even when the write is retried. */
  insertProgress(progress: ProgressRecord): Promise<void>;
  /** Progress, if `progress.updatedAt` is later than what is stored (created when missing). */
  saveProgress(progress: ProgressFields): Promise<void>;
  findProgress(tokenHash: string): Promise<ProgressRecord | null>;
  roomProgress(code: string): Promise<ProgressRecord[]>;
  /** These learners' pages are connected (or, with `onlineUntil` = `seenAt`, just left). */
  touchPresence(tokenHashes: string[], seenAt: Date, onlineUntil: Date): Promise<void>;
  /** A new replay (its id is random); stored once, even when the write is retried. Expired replays may be deleted on the way. */
  insertReplay(replay: ReplayRecord): Promise<void>;
  /** The replay, unless there is none or it expired before `now`. */
  findReplay(id: string, now: Date): Promise<ReplayRecord | null>;
  /** `ownerKey`'s replays that have not expired by `now`, newest first, at most `limit`, without their payload. */
  listReplays(ownerKey: string, now: Date, limit: number): Promise<ReplayListing[]>;
  /** Delete the replay; false when there was none. */
  deleteReplay(id: string): Promise<boolean>;
  close(): Promise<void>;
}

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('base64url');
}

const attendeesPerRoomRead = 10_000;

/** Keeps everything in this process; progress is lost when it exits. */
export class MemoryProgressStore implements ProgressStore {
  readonly kind = 'memory';
  private readonly rooms = new Map<string, RoomRecord>();
  private readonly progress = new Map<string, ProgressRecord>();
  private readonly replays = new Map<string, ReplayRecord>();

  status(): StoreStatus {
    return { kind: this.kind, state: 'ready', message: 'in memory: nothing survives a restart' };
  }
  async insertRoom(room: RoomRecord): Promise<boolean> {
    if (this.rooms.has(room._id)) return false;
    this.rooms.set(room._id, structuredClone(room));
    return true;
  }
  async findRoom(code: string): Promise<RoomRecord | null> {
    const room = this.rooms.get(code);
    return room ? structuredClone(room) : null;
  }
  async saveInstructor(code: string, position: SavedPosition | null, at: Date): Promise<void> {
    const room = this.rooms.get(code);
    if (!room || (room.instructorAt && room.instructorAt >= at)) return;
    room.instructor = structuredClone(position);
    room.instructorAt = at;
  }
  async closeRoom(code: string, at: Date): Promise<void> {
    const room = this.rooms.get(code);
    if (room && !room.closedAt) room.closedAt = at;
  }
  async insertProgress(progress: ProgressRecord): Promise<void> {
    if (!this.progress.has(progress._id)) this.progress.set(progress._id, structuredClone(progress));
  }
  async saveProgress(progress: ProgressFields): Promise<void> {
    const stored = this.progress.get(progress._id);
    if (stored && stored.updatedAt >= progress.updatedAt) return;
    this.progress.set(progress._id, { ...stored, ...structuredClone(progress) });
  }
  async findProgress(tokenHash: string): Promise<ProgressRecord | null> {
    const progress = this.progress.get(tokenHash);
    return progress ? structuredClone(progress) : null;
  }
  async roomProgress(code: string): Promise<ProgressRecord[]> {
    return [...this.progress.values()].filter((p) => p.roomCode === code).map((p) => structuredClone(p));
  }
  async touchPresence(tokenHashes: string[], seenAt: Date, onlineUntil: Date): Promise<void> {
    for (const id of tokenHashes) {
      const stored = this.progress.get(id);
      if (!stored) continue;
      if (!stored.lastSeenAt || stored.lastSeenAt < seenAt) stored.lastSeenAt = seenAt;
      stored.onlineUntil = onlineUntil;
    }
  }
  async insertReplay(replay: ReplayRecord): Promise<void> {
    for (const [id, stored] of this.replays) if (stored.expiresAt <= replay.createdAt) this.replays.delete(id);
    if (!this.replays.has(replay._id)) this.replays.set(replay._id, structuredClone(replay));
  }
  async findReplay(id: string, now: Date): Promise<ReplayRecord | null> {
    const replay = this.replays.get(id);
    return replay && replay.expiresAt > now ? structuredClone(replay) : null;
  }
  async listReplays(ownerKey: string, now: Date, limit: number): Promise<ReplayListing[]> {
    return [...this.replays.values()]
      .filter((replay) => replay.ownerKey === ownerKey && replay.expiresAt > now)
      .map(({ payload: _payload, ...listing }) => structuredClone(listing))
      .sort(newestFirst)
      .slice(0, limit);
  }
  async deleteReplay(id: string): Promise<boolean> {
    return this.replays.delete(id);
  }
  async close(): Promise<void> {}
}

/**
 * A duplicate key whose document a majority read does not see yet: the write is on the primary but
 * not acknowledged by a majority (a new primary's commit point lags for a moment after its
 * election). Mapped to StoreUnavailableError; a retry finds it.
 */
class NotYetVisibleError extends Error {
  override readonly name = 'NotYetVisibleError';
}

/** MongoDB's DuplicateKey. */
const duplicateKeyCode = 11000;

/**
 * Whether a driver error means "not acknowledged, try again later" (no primary, unreachable,
 * out of time, an election under way) rather than a bug or a refusal. Server errors count when the
 * driver labelled them retryable, or carry a code the retryable reads/writes specifications list
 * (specifications: source/retryable-writes/retryable-writes.md "Determining Retryable Errors",
 * source/retryable-reads/retryable-reads.md), or are a write concern error of any code: the write
 * may be applied, but a majority did not acknowledge it (mongod's write_concern.cpp waits, then
 * answers writeConcernError with the reason, e.g. 64 WriteConcernTimeout, 91 ShutdownInProgress,
 * 11602 InterruptedDueToReplStateChange, 100 UnsatisfiableWriteConcern).
 */
export function isStoreUnavailable(error: unknown): boolean {
  if (!(error instanceof MongoError)) return isSocketError(error);
  if (error instanceof MongoWriteConcernError) return true;
  if (error instanceof MongoServerError) {
    if (error.hasErrorLabel('RetryableWriteError') || error.hasErrorLabel('TransientTransactionError')) return true;
    if (retryableServerCodes.has(Number(error.code))) return true;
    // An ok:1 reply with a writeConcernError the driver folded into a server error (bulk writes).
    const concernCode: unknown = (error.errorResponse as { writeConcernError?: { code?: unknown } } | undefined)?.writeConcernError?.code;
    return concernCode !== undefined;
  }
  // Driver-side: server selection, network, timeouts (CSOT), a closed client, a pool cleared.
  return true;
}

/**
 * Server errors a retry may cure: the not-primary, shutdown and network codes of the retryable
 * writes and reads specifications (6 HostUnreachable, 7 HostNotFound, 89 NetworkTimeout, 91
 * ShutdownInProgress, 134 ReadConcernMajorityNotAvailableYet, 189 PrimarySteppedDown, 262
 * ExceededTimeLimit, 9001 SocketException, 10107 NotWritablePrimary, 11600 InterruptedAtShutdown,
 * 11602 InterruptedDueToReplStateChange, 13435 NotPrimaryNoSecondaryOk, 13436
 * NotPrimaryOrSecondary, 10058 LegacyNotPrimary), and 64 WriteConcernTimeout, 50 MaxTimeMSExpired
 * (our deadline, sent as maxTimeMS).
 */
const retryableServerCodes = new Set([6, 7, 89, 91, 134, 189, 262, 9001, 10058, 10107, 11600, 11602, 13435, 13436, 64, 50]);

/**
 * Node's own socket errors (a connection reset, refused, cut off). The driver wraps them in
 * MongoNetworkError, except one path of mongodb 7.5.0: a command whose write had to wait for
 * 'drain' (cmap/connection.ts `writeCommand`) rethrows the socket's error as it is: `write
 * ECONNRESET`, or EPIPE "This socket has been ended by the other party" (Node's writeAfterFIN,
 * which has no syscall) when the primary is killed mid-write. Nothing was acknowledged, as with
 * any network error.
 */
const socketErrorCodes = new Set(['ECONNRESET', 'EPIPE', 'ECONNREFUSED', 'ECONNABORTED', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH']);

function isSocketError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const { code } = error as NodeJS.ErrnoException;
  return typeof code === 'string' && socketErrorCodes.has(code);
}

/** `hasWritableServer` of a topology description, as server selection for a write sees it. */
function writable(description: TopologyDescription): boolean {
  if (description.type === 'ReplicaSetWithPrimary' || description.type === 'Sharded' || description.type === 'LoadBalanced') return true;
  if (description.type !== 'Single') return false;
  return [...description.servers.values()].some((server) => server.type === 'Standalone' || server.type === 'RSPrimary' || server.type === 'Mongos');
}

export interface MongoStoreOptions {
  kind: string;
  databaseName?: string;
  /** Seconds a page is told to wait (`Retry-After`) after the store did not answer in time. */
  retryAfterSeconds?: number;
  /** How long one operation may take, retries included (the client's `timeoutMS`); said in the 503's message. */
  deadlineMillis: number;
}

/**
 * Rooms and progress in a MongoDB database, through the official driver. Every write is
 * idempotent, so the driver's retry after an election (retryable writes) can never store it twice
 * or roll a newer write back: a join is an insert whose duplicate-key answer reads back as
 * "stored"; a progress save is "set if newer" on `updatedAt`.
 */
export class MongoProgressStore implements ProgressStore {
  readonly kind: string;
  private readonly rooms: Collection<RoomRecord>;
  private readonly progress: Collection<ProgressRecord>;
  private readonly replays: Collection<ReplayRecord>;
  /** The replays' TTL index, made once (a deployment with a TTL monitor deletes expired replays itself). */
  private replaysIndexed: Promise<unknown> | null = null;
  private readonly retryAfterSeconds: number;
  private readonly deadlineMillis: number;
  private current: StoreStatus;
  private readonly statusListeners = new Set<(status: StoreStatus) => void>();

  constructor(
    private readonly client: MongoClient,
    options: MongoStoreOptions,
  ) {
    this.kind = options.kind;
    this.retryAfterSeconds = options.retryAfterSeconds ?? 5;
    this.deadlineMillis = options.deadlineMillis;
    const db = client.db(options.databaseName ?? 'rslab');
    this.rooms = db.collection<RoomRecord>('rooms');
    this.progress = db.collection<ProgressRecord>('progress');
    this.replays = db.collection<ReplayRecord>('replays');
    this.current = { kind: this.kind, state: 'starting', message: 'connecting to the progress store' };
    client.on('topologyDescriptionChanged', (event) => {
      const description = event.newDescription;
      const next: StoreStatus = writable(description)
        ? { kind: this.kind, state: 'ready', message: 'the progress store has a primary' }
        : {
            kind: this.kind,
            state: 'waiting',
            message: [...description.servers.values()].some((server) => server.type !== 'Unknown')
              ? 'the progress store has no primary: waiting for its election'
              : 'the progress store is not reachable: waiting for it',
          };
      this.setStatus(next);
    });
  }

  status(): StoreStatus {
    return this.current;
  }

  /** Hear each change of status (the plugin logs them). */
  onStatus(listener: (status: StoreStatus) => void): () => void {
    this.statusListeners.add(listener);
    return () => this.statusListeners.delete(listener);
  }

  private setStatus(next: StoreStatus): void {
    if (next.state === this.current.state && next.message === this.current.message) return;
    this.current = next;
    for (const listener of this.statusListeners) listener(next);
  }

  /** Run one operation; what the store did not acknowledge in time becomes a StoreUnavailableError. */
  private async run<T>(what: string, operation: () => Promise<T>): Promise<T> {
    try {
      return await operation();
    } catch (error) {
      if (isStoreUnavailable(error) || error instanceof NotYetVisibleError) {
        const reason = error instanceof Error ? error.message : String(error);
        throw new StoreUnavailableError(
          `the progress store did not acknowledge ${what} within ${Math.round(this.deadlineMillis / 1000)} s (${reason.slice(0, 200)}); try again in ${this.retryAfterSeconds} s`,
          this.retryAfterSeconds,
          { cause: error },
        );
      }
      throw error;
    }
  }

  async insertRoom(room: RoomRecord): Promise<boolean> {
    return this.run('the new room', async () => {
      try {
        await this.rooms.insertOne(room);
        return true;
      } catch (error) {
        if (!(error instanceof MongoServerError) || error.code !== duplicateKeyCode) throw error;
        // Taken, unless it is this very insert, applied before a retry (same secret hash).
        const stored = await this.rooms.findOne({ _id: room._id });
        if (stored === null) throw new NotYetVisibleError(`room ${room._id} is on the primary but not yet on a majority`, { cause: error });
        return stored.secretHash === room.secretHash;
      }
    });
  }
  async findRoom(code: string): Promise<RoomRecord | null> {
    return this.run('reading the room', () => this.rooms.findOne({ _id: code }));
  }
  async saveInstructor(code: string, position: SavedPosition | null, at: Date): Promise<void> {
    await this.run("the instructor's step", () =>
      this.rooms.updateOne({ _id: code, $or: [{ instructorAt: { $exists: false } }, { instructorAt: { $lt: at } }] }, { $set: { instructor: position, instructorAt: at } }),
    );
  }
  async closeRoom(code: string, at: Date): Promise<void> {
    await this.run('closing the room', () => this.rooms.updateOne({ _id: code, closedAt: { $exists: false } }, { $set: { closedAt: at } }));
  }
  async insertProgress(progress: ProgressRecord): Promise<void> {
    await this.run('the join', async () => {
      try {
        await this.progress.insertOne(progress);
      } catch (error) {
        if (!(error instanceof MongoServerError) || error.code !== duplicateKeyCode) throw error;
        // The _id is the hash of the page's token: a duplicate is this join, sent again (or retried) after it landed.
        const stored = await this.progress.findOne({ _id: progress._id });
        // Not visible to a majority read yet (a new primary before its commit point reaches the
        // write, right after an election): stored on the primary, not yet acknowledged. Retry later.
        if (stored === null) throw new NotYetVisibleError(`the join of ${progress.attendeeId} is on the primary but not yet on a majority`, { cause: error });
        if (stored.attendeeId !== progress.attendeeId) throw error;
      }
    });
  }
  async saveProgress(progress: ProgressFields): Promise<void> {
    await this.run('the progress', async () => {
      const { _id, ...fields } = progress;
      try {
        await this.progress.updateOne({ _id, updatedAt: { $lt: progress.updatedAt } }, { $set: fields }, { upsert: true });
      } catch (error) {
        // The record exists with an updatedAt as late or later: this write is superseded (or was applied before a retry).
        if (!(error instanceof MongoServerError) || error.code !== duplicateKeyCode) throw error;
      }
    });
  }
  async findProgress(tokenHash: string): Promise<ProgressRecord | null> {
    return this.run('reading the progress', () => this.progress.findOne({ _id: tokenHash }));
  }
  async roomProgress(code: string): Promise<ProgressRecord[]> {
    return this.run("reading the room's attendees", () => this.progress.find({ roomCode: code }).sort({ joinedAt: 1, _id: 1 }).limit(attendeesPerRoomRead).toArray());
  }
  async touchPresence(tokenHashes: string[], seenAt: Date, onlineUntil: Date): Promise<void> {
    if (tokenHashes.length === 0) return;
    await this.run('presence', () => this.progress.updateMany({ _id: { $in: tokenHashes } }, { $max: { lastSeenAt: seenAt }, $set: { onlineUntil } }));
  }
  async insertReplay(replay: ReplayRecord): Promise<void> {
    await this.run('the replay', async () => {
      this.replaysIndexed ??= Promise.all([
        this.replays.createIndex({ expiresAt: 1 }, { expireAfterSeconds: 0, name: 'expiresAt_ttl' }),
        // A saver's list: their replays, newest first.
        this.replays.createIndex({ ownerKey: 1, createdAt: -1 }, { name: 'ownerKey_createdAt' }),
      ]).catch((error: unknown) => {
        this.replaysIndexed = null;
        throw error;
      });
      await this.replaysIndexed;
      // sim-mongod runs no TTL monitor: expired replays go here, one delete per save.
      await this.replays.deleteMany({ expiresAt: { $lte: replay.createdAt } });
      try {
        await this.replays.insertOne(replay);
      } catch (error) {
        // A random id taken twice is this very insert, applied before the driver's retry.
        if (!(error instanceof MongoServerError) || error.code !== duplicateKeyCode) throw error;
        const stored = await this.replays.findOne({ _id: replay._id }, { projection: { digest: 1 } });
        if (stored === null) throw new NotYetVisibleError(`replay ${replay._id} is on the primary but not yet on a majority`, { cause: error });
        if (stored.digest !== replay.digest) throw error;
      }
    });
  }
  async findReplay(id: string, now: Date): Promise<ReplayRecord | null> {
    return this.run('reading the replay', () => this.replays.findOne({ _id: id, expiresAt: { $gt: now } }));
  }
  async listReplays(ownerKey: string, now: Date, limit: number): Promise<ReplayListing[]> {
    return this.run('listing the replays', () =>
      this.replays
        .find({ ownerKey, expiresAt: { $gt: now } }, { projection: { payload: 0 } })
        .sort({ createdAt: -1, _id: -1 })
        .limit(limit)
        .toArray(),
    );
  }
  async deleteReplay(id: string): Promise<boolean> {
    // A retried delete that already landed finds nothing: the caller read the replay just before, so "none" is only ever that.
    return this.run('deleting the replay', async () => (await this.replays.deleteOne({ _id: id })).deletedCount > 0);
  }
  async close(): Promise<void> {
    await this.client.close();
  }
}
