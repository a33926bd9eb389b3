import { randomBytes } from 'node:crypto';
import { HttpErrorCode, eventsDigest, replayListLengthMax, trimTerminals, type ClusterSnapshot, type LabEvent, type ReplaySummary, type ReplayTerminal, type ReplayView, type SavedReplay } from '@rslab/protocol';
import { frozenRecordingOf } from '../sandbox/lab';
import type { Sandbox, SavedRecording } from '../workspace/sandbox';
import type { ProgressStore, ReplayRecord } from './store';

export interface ReplayLimits {
  /** Bytes one replay's frames, events and terminals may take as JSON (terminals are trimmed to fit). */
  replayBytesMax: number;
  /** How long a saved replay is kept, from its save. */
  replayTtlMillis: number;
  /** Replays whose members' copies stay in memory for "Branch from here"; the oldest go first. */
  replayBranchPointsMax: number;
}

/** A replay that cannot be saved or found; `code` is the HTTP API's error name, `statusCode` its status. */
export class ReplayError extends Error {
  override readonly name = 'ReplayError';
  constructor(
    readonly code: HttpErrorCode,
    readonly statusCode: number,
    message: string,
  ) {
    super(message);
  }
}

/** What the store's payload holds: what the page plays. */
interface ReplayPayload {
  frames: ClusterSnapshot[];
  events: LabEvent[];
  /** Absent in replays saved before terminals were carried. */
  terminals?: ReplayTerminal[];
}

/**
 * Replays to share (issue 19). Saving one takes a sandbox's recording as it is now — the cluster
 * views its history kept (one a second) and its timeline — and stores it in the progress store
 * under a random id, for `replayTtlMillis`, refusing one over `replayBytesMax`. Anyone with the id
 * reads it back and plays those very frames and events: nothing is re-run, so every play shows
 * the same (the digest of the events says so). A frozen copy of the recording, members' copies
 * included, stays in this server's memory for "Branch from here" (the newest
 * `replayBranchPointsMax`; the store holds what is watched, not the members' data).
 */
export class Replays {
  /** Branch points by replay id, oldest first. */
  private readonly recordings = new Map<string, { recording: SavedRecording; expiresAt: number }>();

  constructor(
    private readonly store: ProgressStore,
    private readonly limits: ReplayLimits,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Save `sandbox`'s recording under `name`, with the page's `terminals` (each a timed transcript
   * in time order): their oldest writes are dropped until the whole payload fits `replayBytesMax`;
   * frames and events are never cut (a recording too big without terminals is refused).
   */
  async save(sandbox: Sandbox, name: string, terminals: readonly ReplayTerminal[] = [], ownerKey?: string): Promise<SavedReplay> {
    checkTimeOrder(terminals);
    const lab = sandbox.lab;
    const frames = lab.past.clusters();
    // The cluster as it is now ends the replay, when the last moment kept is older.
    const live = await lab.snapshot();
    if (live.at > (frames.at(-1)?.at ?? Number.NEGATIVE_INFINITY)) frames.push(live);
    const first = frames[0];
    const last = frames.at(-1);
    if (!first || !last) throw new ReplayError(HttpErrorCode.nothingRecorded, 409, 'this sandbox has recorded nothing yet: start a member first');
    const events = lab.events.all().filter((event) => event.at <= last.at);
    const bare = JSON.stringify({ frames, events, terminals: [] } satisfies ReplayPayload);
    const bareBytes = Buffer.byteLength(bare, 'utf8');
    // What the terminals may take: the room left, plus the "[]" they replace.
    const trimmed = trimTerminals(
      // A write the page stamped after the last moment shows at the end (the page's clock is the one it last heard).
      terminals.map((terminal) => ({ ...terminal, chunks: terminal.chunks.map((chunk) => (chunk.at > last.at ? { at: last.at, data: chunk.data } : chunk)) })),
      Math.max(0, this.limits.replayBytesMax - bareBytes + 2),
    );
    const payload = bareBytes > this.limits.replayBytesMax ? bare : JSON.stringify({ frames, events, terminals: trimmed.terminals } satisfies ReplayPayload);
    const sizeBytes = Buffer.byteLength(payload, 'utf8');
    if (sizeBytes > this.limits.replayBytesMax) {
      throw new ReplayError(
        HttpErrorCode.replayTooLarge,
        413,
        `this recording is ${kib(sizeBytes)} KiB (${frames.length} moments, ${events.length} events), more than the ${kib(this.limits.replayBytesMax)} KiB a replay may hold (replayBytesMax)`,
      );
    }
    const createdAt = this.now();
    const record: ReplayRecord = {
      _id: `r-${randomBytes(9).toString('hex')}`,
      name: name.trim() || 'replay',
      createdAt: new Date(createdAt),
      expiresAt: new Date(createdAt + this.limits.replayTtlMillis),
      sandboxId: sandbox.id,
      ...(ownerKey === undefined ? {} : { ownerKey }),
      startAt: first.at,
      endAt: last.at,
      frames: frames.length,
      events: events.length,
      digest: eventsDigest(events),
      sizeBytes,
      payload,
    };
    await this.store.insertReplay(record);
    this.keep(record._id, { source: frozenRecordingOf(lab), lessonId: sandbox.lesson.tracker.lesson.id, speed: lab.engine.clock.speed, sandboxId: sandbox.id }, createdAt + this.limits.replayTtlMillis);
    return {
      id: record._id,
      name: record.name,
      path: replayPath(record._id),
      expiresAt: record.expiresAt.getTime(),
      sizeBytes,
      frames: record.frames,
      events: record.events,
      digest: record.digest,
      terminalChunks: trimmed.terminals.reduce((sum, terminal) => sum + terminal.chunks.length, 0),
      terminalChunksDropped: trimmed.dropped,
    };
  }

  /** The replay as a page plays it, or null (none, or expired). */
  async find(id: string): Promise<ReplayView | null> {
    const record = await this.store.findReplay(id, new Date(this.now()));
    if (!record) return null;
    const payload = JSON.parse(record.payload) as ReplayPayload;
    return {
      id: record._id,
      name: record.name,
      createdAt: record.createdAt.getTime(),
      expiresAt: record.expiresAt.getTime(),
      startAt: record.startAt,
      endAt: record.endAt,
      frames: payload.frames,
      events: payload.events,
      digest: record.digest,
      branchable: this.recording(id) !== null,
      terminals: payload.terminals ?? [],
    };
  }

  /** The replays `ownerKey` saved that have not expired, newest first (at most `replayListLengthMax`). */
  async list(ownerKey: string): Promise<ReplaySummary[]> {
    const listed = await this.store.listReplays(ownerKey, new Date(this.now()), replayListLengthMax);
    return listed.map((record) => ({
      id: record._id,
      name: record.name,
      path: replayPath(record._id),
      createdAt: record.createdAt.getTime(),
      expiresAt: record.expiresAt.getTime(),
      lengthSandboxSeconds: Math.max(0, record.endAt - record.startAt) / 1000,
      sizeBytes: record.sizeBytes,
      branchable: this.recording(record._id) !== null,
    }));
  }

  /**
   * Delete a replay its owner asks to: gone from the store, and its branch point let go of here
   * (the worker frees the members' checkpoints, as when the newest replayBranchPointsMax push it out).
   * 404 when there is none (or it expired), 403 when `ownerKey` did not save it.
   */
  async delete(id: string, ownerKey: string): Promise<void> {
    const record = await this.store.findReplay(id, new Date(this.now()));
    if (!record) throw new ReplayError(HttpErrorCode.replayNotFound, 404, `there is no replay '${id}': it was deleted, or it expired`);
    if (record.ownerKey !== ownerKey) throw new ReplayError(HttpErrorCode.forbidden, 403, 'only whoever saved a replay may delete it: this browser session (or room) did not save this one');
    await this.store.deleteReplay(id);
    this.forget(id);
  }

  /** What "Branch from here" starts from, while this server keeps it. */
  recording(id: string): SavedRecording | null {
    this.dropExpired();
    return this.recordings.get(id)?.recording ?? null;
  }

  /** Branch points this server keeps (their members' copies stay in memory, or in a worker, until let go of). */
  get branchPointsKept(): number {
    return this.recordings.size;
  }

  /** Let go of every branch point (the server closes). */
  close(): void {
    for (const id of [...this.recordings.keys()]) this.forget(id);
  }

  private keep(id: string, recording: SavedRecording, expiresAt: number): void {
    if (this.limits.replayBranchPointsMax === 0) {
      recording.source.release();
      return;
    }
    this.dropExpired();
    this.recordings.set(id, { recording, expiresAt });
    for (const [oldId] of this.recordings) {
      if (this.recordings.size <= this.limits.replayBranchPointsMax) break;
      this.forget(oldId);
    }
  }

  private dropExpired(): void {
    const now = this.now();
    for (const [id, kept] of this.recordings) if (kept.expiresAt <= now) this.forget(id);
  }

  /** The members' copies a recording held go (a worker frees its checkpoints once nobody else holds them). */
  private forget(id: string): void {
    const kept = this.recordings.get(id);
    if (!kept) return;
    this.recordings.delete(id);
    kept.recording.source.release();
  }
}

/** Each terminal's writes must be in time order (the page records them so): a replay plays them as a prefix. */
function checkTimeOrder(terminals: readonly ReplayTerminal[]): void {
  for (const terminal of terminals) {
    for (let i = 1; i < terminal.chunks.length; i++) {
      if (terminal.chunks[i]!.at < terminal.chunks[i - 1]!.at) {
        throw new ReplayError(HttpErrorCode.invalidRequest, 400, `terminal '${terminal.label}': chunk ${i} is at ${terminal.chunks[i]!.at} ms, before the chunk before it (${terminal.chunks[i - 1]!.at} ms): chunks must be in time order`);
      }
    }
  }
}

function replayPath(id: string): string {
  return `/#replay=${id}`;
}

function kib(bytes: number): number {
  return Math.ceil(bytes / 1024);
}
