import { createHash } from 'node:crypto';
import type { Collection, MongoClient } from 'mongodb';

/** A room as stored: enough to let attendees back in after a restart. The secret only as a hash. */
export interface RoomRecord {
  _id: string;
  title: string;
  lessonId: string;
  secretHash: string;
  createdAt: Date;
}

/** One learner's progress in a lesson, keyed by the hash of their resume token. */
export interface ProgressRecord {
  _id: string;
  roomCode: string | null;
  attendeeId: string;
  name: string;
  /** Whether they work on their own copy (`fork`) or follow the instructor (`live`). */
  mode: 'live' | 'fork';
  lessonId: string;
  /** The step they are on (null when the lesson is finished), and the steps done. */
  stepId: string | null;
  doneStepIds: string[];
  /** Wall-clock time the learner reached `stepId`. */
  stepSince: Date;
  updatedAt: Date;
}

/** Where rooms and progress live: a MongoDB deployment through the driver, or memory for tests. */
export interface ProgressStore {
  readonly kind: string;
  saveRoom(room: RoomRecord): Promise<void>;
  findRoom(code: string): Promise<RoomRecord | null>;
  deleteRoom(code: string): Promise<void>;
  saveProgress(progress: ProgressRecord): Promise<void>;
  findProgress(tokenHash: string): Promise<ProgressRecord | null>;
  roomProgress(code: string): Promise<ProgressRecord[]>;
  close(): Promise<void>;
}

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('base64url');
}

/** Keeps everything in this process; progress is lost when it exits. */
export class MemoryProgressStore implements ProgressStore {
  readonly kind = 'memory';
  private readonly rooms = new Map<string, RoomRecord>();
  private readonly progress = new Map<string, ProgressRecord>();

  async saveRoom(room: RoomRecord): Promise<void> {
    this.rooms.set(room._id, structuredClone(room));
  }
  async findRoom(code: string): Promise<RoomRecord | null> {
    const room = this.rooms.get(code);
    return room ? structuredClone(room) : null;
  }
  async deleteRoom(code: string): Promise<void> {
    this.rooms.delete(code);
  }
  async saveProgress(progress: ProgressRecord): Promise<void> {
    this.progress.set(progress._id, structuredClone(progress));
  }
  async findProgress(tokenHash: string): Promise<ProgressRecord | null> {
    const progress = this.progress.get(tokenHash);
    return progress ? structuredClone(progress) : null;
  }
  async roomProgress(code: string): Promise<ProgressRecord[]> {
    return [...this.progress.values()].filter((p) => p.roomCode === code).map((p) => structuredClone(p));
  }
  async close(): Promise<void> {}
}

/** Rooms and progress in a MongoDB database, through the official driver. */
export class MongoProgressStore implements ProgressStore {
  readonly kind: string;
  private readonly rooms: Collection<RoomRecord>;
  private readonly progress: Collection<ProgressRecord>;

  constructor(
    private readonly client: MongoClient,
    kind: string,
    databaseName = 'rslab',
  ) {
    this.kind = kind;
    const db = client.db(databaseName);
    this.rooms = db.collection<RoomRecord>('rooms');
    this.progress = db.collection<ProgressRecord>('progress');
  }

  async saveRoom(room: RoomRecord): Promise<void> {
    await this.rooms.replaceOne({ _id: room._id }, room, { upsert: true });
  }
  async findRoom(code: string): Promise<RoomRecord | null> {
    return this.rooms.findOne({ _id: code });
  }
  async deleteRoom(code: string): Promise<void> {
    await this.rooms.deleteOne({ _id: code });
  }
  async saveProgress(progress: ProgressRecord): Promise<void> {
    await this.progress.replaceOne({ _id: progress._id }, progress, { upsert: true });
  }
  async findProgress(tokenHash: string): Promise<ProgressRecord | null> {
    return this.progress.findOne({ _id: tokenHash });
  }
  async roomProgress(code: string): Promise<ProgressRecord[]> {
    return this.progress.find({ roomCode: code }).limit(10_000).toArray();
  }
  async close(): Promise<void> {
    await this.client.close();
  }
}
