import { Long } from 'bson';
import type { Document } from 'bson';
import { serverError } from '../base/errors';
import { compareOpTime, opTimeFromBson, tsFromBson } from '../base/optime';
import { entryToBson } from '../storage/oplog';
import { compileFilter } from '../storage/query';
import type { ReplContext } from './context';
import { WakeList } from './timers';
import type { SignalSource } from './timers';
import { CursorActivity, originatingCommandOf } from '../base/cursorActivity';
import type { CursorReport } from '../base/cursorActivity';

interface OplogCursor {
  id: bigint;
  position: number;
  reverse: boolean;
  tailable: boolean;
  generation: number;
  lastUsedMillis: number;
  /** Conditions other than the `ts` range (a person browsing the oplog), via mingo. */
  matcher: ((doc: Document) => boolean) | undefined;
  /** Entries still allowed by `limit` (Infinity without one). */
  remaining: number;
  readonly awaitData: boolean;
  /** The find that opened it, for $currentOp. */
  readonly originatingCommand: Document;
  readonly activity: CursorActivity;
}

/**
 * Serving `local.oplog.rs` to members syncing from this one and to people browsing it: `find`
 * forward from a ts (tailable, awaitData) or backwards ($natural: -1), `getMore` that waits up to
 * maxTimeMS for new entries, cursors that die when a rollback or the cap cuts past them.
 */
export class OplogServer {
  private readonly ctx: ReplContext;
  private readonly cursors = new Map<bigint, OplogCursor>();
  private totalOpened = 0;
  private timedOut = 0;
  private nextCursorId: bigint;
  private readonly waiters = new WakeList();

  constructor(ctx: ReplContext, firstCursorId: bigint) {
    this.ctx = ctx;
    this.nextCursorId = firstCursorId;
  }

  /** The oplog grew (or was cut: cursors past the cut die first), or the commit point moved; wake tailing getMores. */
  oplogChanged(rolledBack: boolean): void {
    if (rolledBack) {
      const generation = this.ctx.topology.oplog.generation;
      for (const [id, c] of this.cursors) if (c.generation !== generation) this.cursors.delete(id);
    }
    this.waiters.wakeAll();
  }

  wakeAll(): void {
    this.waiters.wakeAll();
  }

  /** `find` on local.oplog.rs. */
  find(cmd: Document): Document {
    const { topology, params } = this.ctx;
    if (cmd.term !== undefined && Number(cmd.term) > topology.term) topology.observeTerm(Number(cmd.term), 'oplog query');
    const filter = (cmd.filter ?? {}) as Document;
    const tsCond = (filter.ts ?? {}) as Document;
    const reverse = Number((cmd.sort as Document | undefined)?.$natural ?? 1) < 0;
    const batchSize = Math.min(Number(cmd.batchSize ?? 101) || 101, params.oplogFetchBatchEntriesMax);
    const oplog = topology.oplog;
    let position: number;
    if (reverse) {
      position = oplog.length - 1;
      if (tsCond.$lte !== undefined) position = oplog.lowerBound(tsFromBson(tsCond.$lte) + 1) - 1;
      else if (tsCond.$lt !== undefined) position = oplog.lowerBound(tsFromBson(tsCond.$lt)) - 1;
    } else {
      position = 0;
      if (tsCond.$gte !== undefined) position = oplog.lowerBound(tsFromBson(tsCond.$gte));
      else if (tsCond.$gt !== undefined) position = oplog.lowerBound(tsFromBson(tsCond.$gt) + 1);
    }
    const rest: Document = { ...filter };
    delete rest.ts;
    const matcher = Object.keys(rest).length > 0 ? compileFilter(rest) : undefined;
    const limit = Math.abs(Number(cmd.limit ?? 0));
    const cursor: OplogCursor = {
      id: 0n,
      position: position + oplog.droppedCount,
      reverse,
      tailable: cmd.tailable === true && !reverse,
      generation: oplog.generation,
      lastUsedMillis: this.ctx.timers.now(),
      matcher,
      remaining: limit > 0 ? limit : Number.POSITIVE_INFINITY,
      awaitData: cmd.awaitData === true && cmd.tailable === true && !reverse,
      originatingCommand: originatingCommandOf('local', cmd),
      activity: new CursorActivity(this.ctx.timers.now(), 0),
    };
    const batch = this.takeBatch(cursor, batchSize);
    cursor.activity.nDocsReturned = batch.length;
    const exhausted = cursor.remaining <= 0 || cmd.singleBatch === true || this.atEnd(cursor);
    if (!exhausted) {
      this.prune();
      if (this.cursors.size >= params.oplogCursorsMax) {
        throw serverError('ExceededMemoryLimit', `too many open oplog cursors (${params.oplogCursorsMax})`);
      }
      cursor.id = this.nextCursorId++;
      this.cursors.set(cursor.id, cursor);
      this.totalOpened++;
    }
    return { cursor: { firstBatch: batch, id: Long.fromBigInt(cursor.id), ns: 'local.oplog.rs' }, ok: 1, $replData: topology.replData(), $oplogQueryData: topology.oplogQueryData() };
  }

  /** `getMore` on an oplog cursor; a tailable awaitData cursor waits up to maxTimeMS for entries. */
  async getMore(cmd: Document, connection: SignalSource | undefined): Promise<Document> {
    const { topology, params } = this.ctx;
    const id = asBigInt(cmd.getMore);
    const cursor = this.cursors.get(id);
    if (!cursor) throw serverError('CursorNotFound', `cursor id ${id} not found`);
    if (cmd.term !== undefined && Number(cmd.term) > topology.term) topology.observeTerm(Number(cmd.term), 'oplog getMore');
    const batchSize = Math.min(Number(cmd.batchSize ?? params.oplogFetchBatchEntriesMax) || params.oplogFetchBatchEntriesMax, params.oplogFetchBatchEntriesMax);
    const maxTimeMS = Math.max(0, Number(cmd.maxTimeMS ?? 1000));
    const oplog = topology.oplog;
    const check = (): void => {
      if (cursor.generation !== oplog.generation) {
        this.cursors.delete(id);
        throw serverError('CappedPositionLost', 'CollectionScan died due to position in capped collection being deleted.');
      }
    };
    check();
    // getmore_cmd.cpp: an awaitData getMore on the oplog returns early, even empty, once the commit
    // point has moved past the one the client says it knows (lastKnownCommittedOpTime), so the
    // members syncing from us learn it (and hear from the primary) without waiting out maxTimeMS.
    const clientCommitPoint = cmd.lastKnownCommittedOpTime === undefined ? undefined : opTimeFromBson(cmd.lastKnownCommittedOpTime);
    const commitPointNews = (): boolean => clientCommitPoint !== undefined && compareOpTime(topology.commitPoint, clientCommitPoint) > 0;
    const atEndOfOplog = (): boolean => cursor.position - oplog.droppedCount >= oplog.length;
    if (cursor.tailable && maxTimeMS > 0) {
      const deadlineMillis = this.ctx.timers.now() + maxTimeMS;
      while (atEndOfOplog() && !commitPointNews() && !connection?.signal.aborted) {
        const leftMillis = deadlineMillis - this.ctx.timers.now();
        if (leftMillis <= 0) break;
        await this.waiters.wait(this.ctx.timers, leftMillis, connection?.signal);
        if (this.ctx.stopped()) throw serverError('InterruptedAtShutdown', 'interrupted at shutdown');
        check();
      }
    }
    cursor.lastUsedMillis = this.ctx.timers.now();
    const batch = this.takeBatch(cursor, batchSize);
    cursor.activity.returned(batch.length, cursor.lastUsedMillis);
    let cursorId = id;
    if (cursor.remaining <= 0 || this.atEnd(cursor)) {
      this.cursors.delete(id);
      cursorId = 0n;
    }
    return { cursor: { nextBatch: batch, id: Long.fromBigInt(cursorId), ns: 'local.oplog.rs' }, ok: 1, $replData: topology.replData(), $oplogQueryData: topology.oplogQueryData() };
  }

  has(id: bigint): boolean {
    return this.cursors.has(id);
  }

  kill(id: bigint): boolean {
    return this.cursors.delete(id);
  }

  /** Nothing more for this cursor: a reverse scan past the start, a plain forward one past the end. */
  private atEnd(cursor: OplogCursor): boolean {
    const oplog = this.ctx.topology.oplog;
    const rel = cursor.position - oplog.droppedCount;
    return cursor.reverse ? rel < 0 : !cursor.tailable && rel >= oplog.length;
  }

  private takeBatch(cursor: OplogCursor, batchSize: number): Document[] {
    const oplog = this.ctx.topology.oplog;
    const out: Document[] = [];
    const step = cursor.reverse ? -1 : 1;
    if (!cursor.reverse && cursor.position < oplog.droppedCount) {
      throw serverError('CappedPositionLost', 'CollectionScan died due to position in capped collection being deleted.');
    }
    for (;;) {
      const rel = cursor.position - oplog.droppedCount;
      if (out.length >= batchSize || cursor.remaining <= 0 || rel < 0 || rel >= oplog.length) break;
      const doc = entryToBson(oplog.at(rel)!);
      cursor.position += step;
      if (cursor.matcher && !cursor.matcher(doc)) continue;
      out.push(doc);
      cursor.remaining--;
    }
    return out;
  }

  private prune(): void {
    const now = this.ctx.timers.now();
    for (const [id, c] of this.cursors) {
      if (now - c.lastUsedMillis > this.ctx.params.oplogCursorIdleTimeoutMillis) {
        this.cursors.delete(id);
        this.timedOut++;
      }
    }
  }

  /** The open oplog cursors as $currentOp reports them (members tailing this one, people browsing). */
  reports(): CursorReport[] {
    return [...this.cursors.values()].map((cursor) =>
      cursor.activity.report({ id: cursor.id, ns: 'local.oplog.rs', lsid: undefined, noCursorTimeout: false, tailable: cursor.tailable, awaitData: cursor.awaitData, originatingCommand: cursor.originatingCommand }),
    );
  }

  /** Oplog cursors open now, opened since the member started, and killed for being idle. */
  cursorCounts(): { open: number; totalOpened: number; timedOut: number } {
    return { open: this.cursors.size, totalOpened: this.totalOpened, timedOut: this.timedOut };
  }
}

/** A cursor id as a bigint, whether it arrived as Long, number or bigint. */
export function asBigInt(value: unknown): bigint {
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number') return BigInt(Math.trunc(value));
  if (value instanceof Long) return value.toBigInt();
  throw new TypeError(`expected a cursor id, got ${String(value)}`);
}
