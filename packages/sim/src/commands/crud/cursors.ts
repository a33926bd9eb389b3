import { Long, calculateObjectSize } from 'bson';
import type { Document } from 'bson';
import { cursorNotFound, serverError } from '../../base/errors';
import { CursorActivity } from '../../base/cursorActivity';
import type { CursorReport } from '../../base/cursorActivity';

/** Limits and defaults for cursors, MongoDB's values. */
export interface CursorLimits {
  /** mongod's `cursorTimeoutMillis`: an idle cursor is killed after this long. */
  cursorTimeoutMillis: number;
  /** Documents in a first batch when the client gives no batchSize. */
  firstBatchDocumentsDefault: number;
  /** Bytes of documents in one batch (the reply must fit in a 16 MiB BSON document). */
  batchSizeBytesMax: number;
  /** Open cursors per member. */
  cursorsOpenMax: number;
}

export const defaultCursorLimits: CursorLimits = {
  cursorTimeoutMillis: 600_000,
  firstBatchDocumentsDefault: 101,
  batchSizeBytesMax: 16 * 1024 * 1024,
  cursorsOpenMax: 10_000,
};

export interface CursorManagerOptions {
  /** The injected clock's now (milliseconds). */
  now: () => number;
  limits?: Partial<CursorLimits>;
  /** First cursor id handed out (ids then count up); lets members differ. */
  firstCursorId?: bigint;
}

/** Where a tailable cursor finds documents written after it last looked (commands/crud/read.ts). */
export interface TailSource {
  /** The documents after the last one it scanned, matching; moves past them. May throw (CappedPositionLost). */
  next(): Document[];
  /** awaitData: a getMore that finds nothing waits up to its maxTimeMS (default 1 s) for new documents. */
  readonly awaitData: boolean;
}

interface OpenCursor {
  readonly id: bigint;
  readonly ns: string;
  readonly connectionId: number;
  readonly noCursorTimeout: boolean;
  docs: Document[];
  /** A tailable cursor's source of new documents: it stays open when drained. */
  readonly tail?: TailSource;
  /** Checked before each getMore with the last document returned; throws when the cursor's position is gone. */
  readonly restore?: (lastReturned: Document) => void;
  position: number;
  lastUsedMillis: number;
  /** The session (lsid key) the cursor was opened in, if any. */
  sessionKey?: string;
  /** The session's lsid itself, for $currentOp. */
  lsid?: Document;
  readonly activity: CursorActivity;
  /** The command that opened it (set by the caller once the cursor exists: `describe`). */
  originatingCommand?: Document;
}

export interface BatchOptions {
  /** Documents wanted; undefined = the default for the batch kind. 0 = none (first batch only). */
  batchSize?: number;
  noCursorTimeout?: boolean;
  /** Close the cursor after the first batch, whatever remains. */
  singleBatch?: boolean;
  /** A tailable cursor: kept open when drained, refilled from this by getMore. */
  tail?: TailSource;
  /** A position check before each getMore (a collection scan of a capped collection). */
  restore?: (lastReturned: Document) => void;
}

export interface CursorReply {
  id: Long;
  ns: string;
  batch: Document[];
}

export interface KillCursorsResult {
  cursorsKilled: Long[];
  cursorsNotFound: Long[];
  cursorsAlive: Long[];
  cursorsUnknown: Long[];
}

/**
 * Cursors of one member: results materialized when the cursor opens, served in batches, owned by
 * the connection that opened them (killed when it closes), reaped after `cursorTimeoutMillis` idle.
 */
export class CursorManager {
  readonly limits: CursorLimits;
  private readonly cursors = new Map<bigint, OpenCursor>();
  private readonly now: () => number;
  private nextId: bigint;

  constructor(options: CursorManagerOptions) {
    this.now = options.now;
    this.limits = { ...defaultCursorLimits, ...options.limits };
    this.nextId = options.firstCursorId ?? 1n;
    if (this.nextId <= 0n) throw new RangeError('firstCursorId must be positive');
  }

  get openCount(): number {
    return this.cursors.size;
  }

  /** Cursors opened since the member started, and those killed for being idle (serverStatus().metrics.cursor). */
  totalOpened = 0;
  timedOut = 0;

  /** Open cursors that never time out (noCursorTimeout). */
  get noTimeoutCount(): number {
    let n = 0;
    for (const cursor of this.cursors.values()) if (cursor.noCursorTimeout) n++;
    return n;
  }

  private takeBatch(docs: Document[], start: number, batchSize: number | undefined): number {
    const wanted = batchSize === undefined || batchSize === 0 ? Number.POSITIVE_INFINITY : batchSize;
    let end = start;
    let bytes = 0;
    while (end < docs.length && end - start < wanted) {
      const size = calculateObjectSize(docs[end] as Document);
      if (end > start && bytes + size > this.limits.batchSizeBytesMax) break;
      bytes += size;
      end++;
    }
    return end;
  }

  /**
   * Opens a cursor over `docs` and returns the first batch. When everything fits (or
   * `singleBatch`), no cursor stays open and the id is 0.
   */
  open(ns: string, docs: Document[], connectionId: number, options: BatchOptions = {}): CursorReply {
    this.reapIdle();
    const batchSize = options.batchSize ?? this.limits.firstBatchDocumentsDefault;
    const end = batchSize === 0 ? 0 : this.takeBatch(docs, 0, batchSize);
    const batch = docs.slice(0, end);
    if (end >= docs.length && batchSize !== 0 && options.tail === undefined) return { id: Long.ZERO, ns, batch };
    if (options.singleBatch) return { id: Long.ZERO, ns, batch };
    if (this.cursors.size >= this.limits.cursorsOpenMax) {
      throw serverError('ExceededMemoryLimit', `too many open cursors (cursorsOpenMax ${this.limits.cursorsOpenMax})`);
    }
    const id = this.nextId++;
    this.totalOpened++;
    this.cursors.set(id, {
      id,
      ns,
      connectionId,
      noCursorTimeout: options.noCursorTimeout ?? false,
      docs,
      ...(options.tail ? { tail: options.tail } : {}),
      ...(options.restore ? { restore: options.restore } : {}),
      position: end,
      lastUsedMillis: this.now(),
      activity: new CursorActivity(this.now(), batch.length),
    });
    return { id: Long.fromBigInt(id), ns, batch };
  }

  has(id: bigint): boolean {
    return this.cursors.has(id);
  }

  /** Whether the cursor is tailable with awaitData (its getMore may wait for documents). */
  awaitsData(id: bigint): boolean {
    return this.cursors.get(id)?.tail?.awaitData === true;
  }

  /** The next batch (default: as many as fit in 16 MiB). CursorNotFound (43) for an unknown id; Unauthorized (13) for another namespace. */
  getMore(id: bigint, ns: string, batchSize?: number): CursorReply {
    this.reapIdle();
    const cursor = this.cursors.get(id);
    if (!cursor) throw cursorNotFound(id);
    if (cursor.ns !== ns) {
      throw serverError('Unauthorized', `Requested getMore on namespace '${ns}', but cursor belongs to a different namespace ${cursor.ns}`);
    }
    try {
      const last = cursor.docs[cursor.position - 1];
      if (cursor.restore !== undefined && last !== undefined) cursor.restore(last);
      if (cursor.tail !== undefined && cursor.position >= cursor.docs.length) {
        cursor.docs = cursor.tail.next();
        cursor.position = 0;
      }
    } catch (error) {
      // The position is lost (or the collection gone): the cursor dies with the error.
      this.cursors.delete(id);
      throw error;
    }
    const end = this.takeBatch(cursor.docs, cursor.position, batchSize);
    const batch = cursor.docs.slice(cursor.position, end);
    cursor.position = end;
    cursor.lastUsedMillis = this.now();
    // An awaitData getMore polls until documents come or its time is up; it returns one batch (`awaitedEmpty`).
    if (batch.length > 0 || cursor.tail?.awaitData !== true) cursor.activity.returned(batch.length, this.now());
    // A drained tailable cursor stays open: later getMores see later documents.
    if (end >= cursor.docs.length && cursor.tail === undefined) {
      this.cursors.delete(id);
      return { id: Long.ZERO, ns, batch };
    }
    return { id: Long.fromBigInt(id), ns, batch };
  }

  /** An awaitData getMore returned an empty batch after waiting: one batch for the cursor's report. */
  awaitedEmpty(id: bigint): void {
    this.cursors.get(id)?.activity.returned(0, this.now());
  }

  /** Records the command that opened a cursor, and its session's lsid, for $currentOp. */
  describe(id: bigint, originatingCommand: Document, lsid: Document | undefined): void {
    const cursor = this.cursors.get(id);
    if (cursor === undefined || cursor.originatingCommand !== undefined) return;
    cursor.originatingCommand = originatingCommand;
    if (lsid !== undefined) cursor.lsid = lsid;
  }

  /** The open cursors as $currentOp reports them. */
  reports(): CursorReport[] {
    return [...this.cursors.values()].map((cursor) =>
      cursor.activity.report({
        id: cursor.id,
        ns: cursor.ns,
        lsid: cursor.lsid,
        noCursorTimeout: cursor.noCursorTimeout,
        tailable: cursor.tail !== undefined,
        awaitData: cursor.tail?.awaitData === true,
        originatingCommand: cursor.originatingCommand ?? {},
      }),
    );
  }

  kill(ns: string, ids: readonly bigint[]): KillCursorsResult {
    this.reapIdle();
    const result: KillCursorsResult = { cursorsKilled: [], cursorsNotFound: [], cursorsAlive: [], cursorsUnknown: [] };
    for (const id of ids) {
      const cursor = this.cursors.get(id);
      if (cursor && cursor.ns === ns) {
        this.cursors.delete(id);
        result.cursorsKilled.push(Long.fromBigInt(id));
      } else {
        result.cursorsNotFound.push(Long.fromBigInt(id));
      }
    }
    return result;
  }

  /** Records the session a cursor was opened in. */
  tagSession(id: bigint, sessionKey: string): void {
    const cursor = this.cursors.get(id);
    if (cursor !== undefined) cursor.sessionKey = sessionKey;
  }

  /** Kills the cursors opened in these sessions (killSessions, endSessions). Returns how many. */
  killForSessions(sessionKeys: ReadonlySet<string>): number {
    let killed = 0;
    for (const [id, cursor] of this.cursors) {
      if (cursor.sessionKey !== undefined && sessionKeys.has(cursor.sessionKey)) {
        this.cursors.delete(id);
        killed++;
      }
    }
    return killed;
  }

  /** Kills every cursor the connection opened (call when it closes). Returns how many. */
  killForConnection(connectionId: number): number {
    let killed = 0;
    for (const [id, cursor] of this.cursors) {
      if (cursor.connectionId === connectionId) {
        this.cursors.delete(id);
        killed++;
      }
    }
    return killed;
  }

  /** Kills cursors idle for longer than `cursorTimeoutMillis` (unless noCursorTimeout). Returns how many. */
  reapIdle(): number {
    const now = this.now();
    let reaped = 0;
    for (const [id, cursor] of this.cursors) {
      if (!cursor.noCursorTimeout && now - cursor.lastUsedMillis > this.limits.cursorTimeoutMillis) {
        this.cursors.delete(id);
        reaped++;
      }
    }
    this.timedOut += reaped;
    return reaped;
  }

  /** Kills all cursors (e.g. on step-down or shutdown). */
  killAll(): number {
    const count = this.cursors.size;
    this.cursors.clear();
    return count;
  }
}
