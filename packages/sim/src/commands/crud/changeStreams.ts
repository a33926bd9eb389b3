import { Binary, Long, Timestamp } from 'bson';
import type { Document } from 'bson';
import { ServerError, serverError } from '../../base/errors';
import type { OpTime } from '../../base/optime';
import { tsFromBson, tsToBson } from '../../base/optime';
import type { Clock } from '../../clock/clock';
import { sleepOn } from '../../clock/clock';
import type { OplogEntry } from '../../storage/oplog';
import { aggregateDocuments } from '../../storage/query';
import type { Storage } from '../../storage/storage';
import { SYSTEM_VIEWS, appliedPreImage, applyUpdateEntry, recordedPreImage } from '../../storage/storage';
import { describeUpdate } from './updateDescription';
import { CursorActivity, originatingCommandOf } from '../../base/cursorActivity';
import type { CursorReport } from '../../base/cursorActivity';
import { isPlainObject } from '../../storage/values';

/**
 * Change streams on a replica-set member (the Change Streams specification,
 * mongodb/specifications source/change-streams; mongod's pipeline/document_source_change_stream*.cpp
 * and change_stream_event_transform.cpp): an aggregate whose first stage is `$changeStream` opens a
 * cursor on the member's oplog, from which it reads only majority-committed entries, turning each
 * write into an event (insert, update, replace, delete; drop, dropDatabase and invalidate; the ops
 * of a committed transaction's applyOps entry, each with the transaction's lsid and txnNumber).
 * Each event's `_id` is its resume token; `postBatchResumeToken` tells the driver how far the
 * stream has read even when a batch is empty. A stream resumes with `resumeAfter`/`startAfter` on
 * any member that has the entries (the token names an oplog position, the same on every member),
 * and fails with ChangeStreamHistoryLost (286) when the oplog no longer reaches back to it.
 *
 * Resume tokens here are `{_data: hex}` as mongod's, but their content is the simulator's: the
 * entry's timestamp, the op's index inside a transaction, and whether it is a high-water mark.
 */

/** How long a getMore on a change stream waits for events when the driver gives no maxTimeMS (mongod's awaitData default). */
export const CHANGE_STREAM_AWAIT_MILLIS_DEFAULT = 1000;
/** How often a waiting getMore looks at the oplog again, in the member's clock. */
export const CHANGE_STREAM_POLL_MILLIS = 10;
/** Events per batch when the request does not say (mongod's default first batch is 101 documents). */
export const CHANGE_STREAM_BATCH_DEFAULT = 101;
/** The first id of change-stream cursors: far from the ones CursorManager hands out. */
const FIRST_CHANGE_STREAM_CURSOR_ID = 1n << 52n;
/** The index of a high-water-mark token: after every op of its entry. */
const HIGH_WATER_INDEX = 0xffffffff;

/** The stages a change stream's pipeline may have after `$changeStream` (change streams spec, "Stages"). */
const CHANGE_STREAM_STAGES: ReadonlySet<string> = new Set(['$match', '$project', '$addFields', '$set', '$unset', '$replaceRoot', '$replaceWith', '$redact']);
/** Other stage names mongod knows: refused in a change stream with IllegalOperation rather than 40324. */
const KNOWN_STAGES: ReadonlySet<string> = new Set([
  '$group', '$sort', '$limit', '$skip', '$unwind', '$lookup', '$graphLookup', '$facet', '$bucket', '$bucketAuto', '$count',
  '$sortByCount', '$sample', '$out', '$merge', '$geoNear', '$indexStats', '$collStats', '$currentOp', '$densify', '$fill',
  '$setWindowFields', '$unionWith', '$documents', '$listSessions', '$listLocalSessions', '$planCacheStats', '$search',
]);

/** Databases no change stream reports (change_stream_filter_helpers.cpp). */
const INTERNAL_DATABASES: ReadonlySet<string> = new Set(['admin', 'config', 'local']);

/** A point in the oplog: the entry's timestamp and the op's index in it (applyOps), or HIGH_WATER_INDEX. */
interface Position {
  readonly ts: number;
  readonly index: number;
}

interface Scope {
  /** undefined: the whole cluster. */
  readonly db: string | undefined;
  /** undefined: the whole database. */
  readonly coll: string | undefined;
}

interface ChangeStreamCursor {
  readonly id: bigint;
  readonly ns: string;
  readonly scope: Scope;
  readonly fullDocument: string;
  /** 'off', 'whenAvailable' or 'required' (6.0+). */
  readonly fullDocumentBeforeChange: string;
  readonly showExpandedEvents: boolean;
  readonly stages: Document[];
  readonly connectionId: number;
  position: Position;
  invalidated: boolean;
  readonly originatingCommand: Document;
  readonly lsid: Document | undefined;
  readonly activity: CursorActivity;
}

/** What a change stream needs of its member. */
export interface ChangeStreamMember {
  oplogEntries(): readonly OplogEntry[];
  readonly commitPoint: OpTime;
  readonly lastApplied: OpTime;
  oldestOplogTs(): number;
  /** The member's data at the commit point (for fullDocument: updateLookup). */
  majorityStorage(): Storage;
  readonly clock: Clock;
  nowMillis(): number;
}

function hex(value: number, digits: number): string {
  return value.toString(16).toUpperCase().padStart(digits, '0');
}

function tokenOf(position: Position): Document {
  return { _data: `82${hex(position.ts, 14)}${hex(position.index, 8)}` };
}

function positionOf(token: unknown, field: string): Position {
  const data: unknown = isPlainObject(token) ? token._data : undefined;
  if (typeof data !== 'string' || !/^82[0-9A-Fa-f]{22}$/.test(data)) {
    throw serverError('InvalidResumeToken', `${field} is not a valid resume token: ${JSON.stringify(token)}`);
  }
  return { ts: parseInt(data.slice(2, 16), 16), index: parseInt(data.slice(16, 24), 16) };
}

function after(a: Position, b: Position): boolean {
  return a.ts > b.ts || (a.ts === b.ts && a.index > b.index);
}

/** Whether the aggregate opens a change stream (its first stage is `$changeStream`). */
export function isChangeStreamAggregate(body: Document): boolean {
  const pipeline: unknown = body.pipeline;
  return Array.isArray(pipeline) && isPlainObject(pipeline[0]) && '$changeStream' in pipeline[0];
}

function splitNs(ns: string): { db: string; coll: string } {
  const dot = ns.indexOf('.');
  return { db: ns.slice(0, dot), coll: ns.slice(dot + 1) };
}

function inScope(scope: Scope, db: string, coll: string | undefined): boolean {
  if (INTERNAL_DATABASES.has(db)) return false;
  if (coll !== undefined && coll.startsWith('system.')) return false;
  if (scope.db !== undefined && scope.db !== db) return false;
  return scope.coll === undefined || coll === undefined || scope.coll === coll;
}

/** One op of an entry (the entry itself, or one of its applyOps) as change events; `invalidate` when it ends the stream. */
function eventsOf(
  op: Document,
  entry: OplogEntry,
  opIndex: number | undefined,
  position: Position,
  cursor: ChangeStreamCursor,
  lookup: () => Storage,
): { events: Document[]; invalidate: boolean } {
  const base = (operationType: string, withUuid = true): Document => {
    const event: Document = { _id: tokenOf(position), operationType, clusterTime: tsToBson(entry.ts) };
    // change_stream_event_transform.cpp: with showExpandedEvents, `collectionUUID` is the op's `ui`
    // (none when the op has none, e.g. dropDatabase; never on invalidate, which another stage makes,
    // nor on a view's events: ChangeStreamViewDefinitionEventTransformation adds no such field).
    if (withUuid && cursor.showExpandedEvents && op.ui instanceof Binary && operationType !== 'invalidate') event.collectionUUID = op.ui;
    event.wallTime = new Date(entry.wallMillis);
    if (entry.lsid !== undefined && entry.txnNumber !== undefined && Array.isArray(entry.o.applyOps)) {
      event.lsid = entry.lsid;
      event.txnNumber = Long.fromNumber(entry.txnNumber);
    }
    return event;
  };
  const ns = String(op.ns ?? '');
  const o = isPlainObject(op.o) ? op.o : {};
  switch (op.op) {
    case 'i':
    case 'u':
    case 'd': {
      const { db, coll } = splitNs(ns);
      if (coll === SYSTEM_VIEWS) return { events: viewDefinitionEvents(op, o, db, cursor, (operationType) => base(operationType, false)), invalidate: false };
      if (!inScope(cursor.scope, db, coll)) return { events: [], invalidate: false };
      const id: unknown = op.op === 'u' ? (isPlainObject(op.o2) ? op.o2._id : undefined) : o._id;
      const nsDoc = { db, coll };
      if (op.op === 'i') return { events: [{ ...base('insert'), fullDocument: o, ns: nsDoc, documentKey: { _id: id } }], invalidate: false };
      // Pre-images (document_source_change_stream_add_pre_image.cpp) and the post-images
      // `whenAvailable`/`required` derive from them (..._add_post_image.cpp): only what the
      // collection recorded with changeStreamPreAndPostImages enabled; null, or NoMatchingDocument (47) when required.
      const pre = recordedPreImage(entry, opIndex);
      const eventText = (): string => `{operationType: ${op.op === 'd' ? 'delete' : 'update'}, ns: ${ns}, documentKey: {_id: ${JSON.stringify(id)}}}`;
      const withBefore = (event: Document): Document => {
        if (cursor.fullDocumentBeforeChange === 'off') return event;
        if (pre === undefined && cursor.fullDocumentBeforeChange === 'required') {
          throw serverError('NoMatchingDocument', `Change stream was configured to require a pre-image for all update, delete and replace events, but the pre-image was not found for event: ${eventText()}`);
        }
        return { ...event, fullDocumentBeforeChange: pre ?? null };
      };
      if (op.op === 'd') return { events: [withBefore({ ...base('delete'), ns: nsDoc, documentKey: { _id: id } })], invalidate: false };
      const isDiff = Object.keys(o).some((key) => key.startsWith('$'));
      if (!isDiff) return { events: [withBefore({ ...base('replace'), fullDocument: o, ns: nsDoc, documentKey: { _id: id } })], invalidate: false };
      // The change from the document the op found (document_diff_calculator.cpp's description);
      // without it (data an initial sync cloned) the entry's top-level fields.
      const found = appliedPreImage(entry, opIndex);
      const updateDescription: Document =
        found === undefined
          ? { updatedFields: isPlainObject(o.$set) ? o.$set : {}, removedFields: isPlainObject(o.$unset) ? Object.keys(o.$unset) : [], truncatedArrays: [] }
          : describeUpdate(found, applyUpdateEntry(found, o), cursor.showExpandedEvents);
      const event: Document = { ...base('update'), ns: nsDoc, documentKey: { _id: id }, updateDescription };
      if (cursor.fullDocument === 'updateLookup') event.fullDocument = lookup().getCollection(db, coll)?.getById(id) ?? null;
      if (cursor.fullDocument === 'whenAvailable' || cursor.fullDocument === 'required') {
        if (pre === undefined && cursor.fullDocument === 'required') {
          throw serverError('NoMatchingDocument', `Change stream was configured to require a post-image for all update, delete and replace events, but the post-image was not found for event: ${eventText()}`);
        }
        event.fullDocument = pre === undefined ? null : applyUpdateEntry(pre, o);
      }
      return { events: [withBefore(event)], invalidate: false };
    }
    case 'c': {
      const db = splitNs(ns).db;
      if (typeof o.drop === 'string') {
        const coll = o.drop;
        if (!inScope(cursor.scope, db, coll)) return { events: [], invalidate: false };
        const drop = { ...base('drop'), ns: { db, coll } };
        // A stream on the dropped collection ends with an invalidate (document_source_change_stream_check_invalidate.cpp).
        if (cursor.scope.coll === coll) return { events: [drop, { ...base('invalidate'), _id: tokenOf({ ...position, index: position.index + 1 }) }], invalidate: true };
        return { events: [drop], invalidate: false };
      }
      if (o.dropDatabase !== undefined) {
        if (!inScope(cursor.scope, db, undefined)) return { events: [], invalidate: false };
        if (cursor.scope.db === undefined) return { events: [{ ...base('dropDatabase'), ns: { db } }], invalidate: false };
        const invalidate = { ...base('invalidate'), _id: tokenOf({ ...position, index: position.index + 1 }) };
        if (cursor.scope.coll !== undefined) return { events: [{ ...base('drop'), ns: { db, coll: cursor.scope.coll } }, invalidate], invalidate: true };
        return { events: [{ ...base('dropDatabase'), ns: { db } }, invalidate], invalidate: true };
      }
      if (typeof o.renameCollection === 'string' && typeof o.to === 'string') {
        // change_stream_event_transform.cpp: `rename` with `to`; showExpandedEvents adds
        // operationDescription. A stream on either collection ends with an invalidate
        // (document_source_change_stream_check_invalidate.cpp).
        const from = splitNs(o.renameCollection);
        const to = splitNs(o.to);
        if (!inScope(cursor.scope, from.db, from.coll) && !inScope(cursor.scope, to.db, to.coll)) return { events: [], invalidate: false };
        const event: Document = { ...base('rename'), ns: from, to };
        if (cursor.showExpandedEvents) event.operationDescription = { to, ...(o.dropTarget !== undefined ? { dropTarget: o.dropTarget } : {}) };
        if (cursor.scope.coll !== undefined) return { events: [event, { ...base('invalidate'), _id: tokenOf({ ...position, index: position.index + 1 }) }], invalidate: true };
        return { events: [event], invalidate: false };
      }
      if (cursor.showExpandedEvents && typeof o.collMod === 'string' && inScope(cursor.scope, db, o.collMod)) {
        // `modify` (6.0+): the changes and the options before them (o2).
        const { collMod: coll, ...changes } = o;
        const old = isPlainObject(op.o2) ? op.o2 : {};
        const stateBeforeChange: Document = { collectionOptions: old.collectionOptions_old ?? {} };
        if (old.indexOptions_old !== undefined) stateBeforeChange.indexOptions = old.indexOptions_old;
        return { events: [{ ...base('modify'), ns: { db, coll }, operationDescription: changes, stateBeforeChange }], invalidate: false };
      }
      if (cursor.showExpandedEvents && typeof o.create === 'string' && inScope(cursor.scope, db, o.create)) {
        return { events: [{ ...base('create'), ns: { db, coll: o.create } }], invalidate: false };
      }
      // showExpandedEvents (6.0+, change_stream_event_transform.cpp): index builds and drops.
      if (cursor.showExpandedEvents && typeof o.createIndexes === 'string' && inScope(cursor.scope, db, o.createIndexes)) {
        const { createIndexes: coll, ...spec } = o;
        return { events: [{ ...base('createIndexes'), ns: { db, coll }, operationDescription: { indexes: [spec] } }], invalidate: false };
      }
      if (cursor.showExpandedEvents && typeof o.dropIndexes === 'string' && inScope(cursor.scope, db, o.dropIndexes)) {
        const spec = isPlainObject(op.o2) ? op.o2 : { name: o.index };
        return { events: [{ ...base('dropIndexes'), ns: { db, coll: o.dropIndexes }, operationDescription: { indexes: [spec] } }], invalidate: false };
      }
      return { events: [], invalidate: false };
    }
    default:
      return { events: [], invalidate: false };
  }
}

/**
 * A write to `system.views` is a view's create, modify or drop (change_stream_event_transform.cpp
 * ChangeStreamViewDefinitionEventTransformation, showExpandedEvents only): the event names the view,
 * and its operationDescription the definition (viewOn, pipeline) for create and modify.
 */
function viewDefinitionEvents(op: Document, o: Document, db: string, cursor: ChangeStreamCursor, base: (operationType: string) => Document): Document[] {
  if (!cursor.showExpandedEvents) return [];
  const id: unknown = op.op === 'u' ? (isPlainObject(op.o2) ? op.o2._id : undefined) : o._id;
  if (typeof id !== 'string' || !id.startsWith(`${db}.`)) return [];
  const coll = id.slice(db.length + 1);
  if (!inScope(cursor.scope, db, coll)) return [];
  if (op.op === 'd') return [{ ...base('drop'), ns: { db, coll } }];
  const definition = isPlainObject(o.$set) ? o.$set : o;
  const operationDescription: Document = { viewOn: definition.viewOn, pipeline: definition.pipeline };
  return [{ ...base(op.op === 'i' ? 'create' : 'modify'), ns: { db, coll }, operationDescription }];
}

/**
 * document_source_change_stream_ensure_resume_token_present / handle_topology_change:
 * the user's stages may not change an event's `_id` (its resume token); mongod fails the stream
 * with ChangeStreamFatalError (280) and the cursor is gone.
 */
function checkTokensKept(events: readonly Document[], shaped: readonly Document[], cursor: ChangeStreamCursor, cursors: Map<bigint, ChangeStreamCursor>): void {
  const tokens = new Set(events.map((event) => (event._id as Document)._data as string));
  for (const out of shaped) {
    const data: unknown = isPlainObject(out._id) ? out._id._data : undefined;
    if (typeof data !== 'string' || !tokens.has(data)) {
      cursors.delete(cursor.id);
      // error_labels.cpp: a change stream's NonResumableChangeStreamError codes carry that label.
      throw new ServerError(
        'ChangeStreamFatalError',
        'Encountered an event whose _id field, which contains the resume token, was modified by the pipeline. Modifying the _id field of an event makes it impossible to resume the stream from that point. Only transformations that retain the unmodified _id field are allowed.',
        { errorLabels: ['NonResumableChangeStreamError'] },
      );
    }
  }
}

/** A member's change-stream cursors. */
export class ChangeStreamCursors {
  private readonly cursors = new Map<bigint, ChangeStreamCursor>();
  /** Change streams opened since the member started (serverStatus().metrics.cursor.totalOpened). */
  totalOpened = 0;

  get openCount(): number {
    return this.cursors.size;
  }
  private nextId = FIRST_CHANGE_STREAM_CURSOR_ID;

  has(id: bigint): boolean {
    return this.cursors.has(id);
  }

  /** `aggregate` with `$changeStream` first: opens the stream and returns its first batch (usually empty). */
  open(db: string, body: Document, member: ChangeStreamMember, connectionId: number): Document {
    const pipeline = body.pipeline as Document[];
    const spec: unknown = pipeline[0]!.$changeStream;
    if (!isPlainObject(spec)) throw serverError('FailedToParse', "the $changeStream stage must take an object");
    pipeline.slice(1).forEach((stage) => {
      if (isPlainObject(stage) && '$changeStream' in stage) throw serverError('Location40602', '$changeStream is only valid as the first stage in a pipeline');
      const name = isPlainObject(stage) ? Object.keys(stage)[0] : undefined;
      if (name === undefined || !CHANGE_STREAM_STAGES.has(name)) {
        // A name no stage has is 40324 (pipeline/document_source.cpp parse); a known stage that
        // could block or reorder the stream is refused (change_stream_filter_helpers, 7.0's
        // document_source_change_stream.cpp checks the allowed list).
        if (name === undefined || !KNOWN_STAGES.has(name)) throw serverError('Location40324', `Unrecognized pipeline stage name: '${String(name)}'`);
        throw serverError('IllegalOperation', `${name} is not permitted in a $changeStream pipeline`);
      }
    });
    const target: unknown = body.aggregate;
    const allChangesForCluster = spec.allChangesForCluster === true;
    let scope: Scope;
    if (typeof target === 'string') scope = { db, coll: target };
    else if (allChangesForCluster) {
      if (db !== 'admin') throw serverError('InvalidOptions', "A change stream reporting changes to the entire cluster may only be opened on the 'admin' database, and with no collection name");
      scope = { db: undefined, coll: undefined };
    } else {
      if (db === 'admin') throw serverError('InvalidNamespace', "$changeStream may not be opened on the internal admin database");
      scope = { db, coll: undefined };
    }
    if (scope.db !== undefined && INTERNAL_DATABASES.has(scope.db)) throw serverError('InvalidNamespace', `$changeStream may not be opened on the internal ${scope.db} database`);
    const given = ['resumeAfter', 'startAfter', 'startAtOperationTime'].filter((key) => spec[key] !== undefined);
    if (given.length > 1) throw serverError('Location40674', 'Only one type of resume option is allowed, but multiple were found.');
    let position: Position;
    if (spec.resumeAfter !== undefined || spec.startAfter !== undefined) {
      position = positionOf(spec.resumeAfter ?? spec.startAfter, spec.resumeAfter !== undefined ? 'resumeAfter' : 'startAfter');
      if (position.ts < member.oldestOplogTs()) {
        throw serverError('ChangeStreamHistoryLost', 'Resume of change stream was not possible, as the resume point may no longer be in the oplog.');
      }
    } else if (spec.startAtOperationTime !== undefined) {
      if (!(spec.startAtOperationTime instanceof Timestamp)) throw serverError('TypeMismatch', "BSON field '$changeStream.startAtOperationTime' is the wrong type, expected type 'timestamp'");
      const ts = tsFromBson(spec.startAtOperationTime);
      if (ts < member.oldestOplogTs()) throw serverError('ChangeStreamHistoryLost', 'Resume of change stream was not possible, as the resume point may no longer be in the oplog.');
      position = { ts, index: -1 };
    } else {
      position = { ts: member.lastApplied.ts, index: HIGH_WATER_INDEX };
    }
    const fullDocument = typeof spec.fullDocument === 'string' ? spec.fullDocument : 'default';
    if (!['default', 'updateLookup', 'whenAvailable', 'required'].includes(fullDocument)) {
      throw serverError('BadValue', `unknown full document option: '${fullDocument}'`);
    }
    const fullDocumentBeforeChange = spec.fullDocumentBeforeChange === undefined ? 'off' : spec.fullDocumentBeforeChange;
    if (typeof fullDocumentBeforeChange !== 'string' || !['off', 'whenAvailable', 'required'].includes(fullDocumentBeforeChange)) {
      throw serverError('BadValue', `Enumeration value '${String(fullDocumentBeforeChange)}' for field '$changeStream.fullDocumentBeforeChange' is not a valid value.`);
    }
    const cursorSpec = isPlainObject(body.cursor) ? body.cursor : {};
    const batchSize = typeof cursorSpec.batchSize === 'number' ? cursorSpec.batchSize : CHANGE_STREAM_BATCH_DEFAULT;
    const id = this.nextId++;
    const ns = typeof target === 'string' ? `${db}.${target}` : `${db}.$cmd.aggregate`;
    const cursor: ChangeStreamCursor = {
      id,
      ns,
      scope,
      fullDocument,
      fullDocumentBeforeChange,
      showExpandedEvents: spec.showExpandedEvents === true,
      stages: pipeline.slice(1),
      connectionId,
      position,
      invalidated: false,
      originatingCommand: originatingCommandOf(db, body),
      lsid: isPlainObject(body.lsid) ? body.lsid : undefined,
      activity: new CursorActivity(member.nowMillis(), 0),
    };
    this.cursors.set(id, cursor);
    this.totalOpened++;
    const { batch, token } = this.read(cursor, member, batchSize);
    cursor.activity.nDocsReturned = batch.length;
    return { cursor: { firstBatch: batch, postBatchResumeToken: token, id: Long.fromBigInt(this.cursors.has(id) ? id : 0n), ns }, ok: 1 };
  }

  /** getMore on a change stream: the events since its last batch, waiting up to maxTimeMS (awaitData) for some. */
  async getMore(id: bigint, body: Document, member: ChangeStreamMember, signal: AbortSignal): Promise<Document> {
    const cursor = this.cursors.get(id);
    if (cursor === undefined) throw serverError('CursorNotFound', `cursor id ${id} not found`);
    const ns = `${cursor.ns.split('.')[0]}.${String(body.collection)}`;
    if (typeof body.collection === 'string' && ns !== cursor.ns && !(cursor.ns.endsWith('.$cmd.aggregate') && body.collection === '$cmd.aggregate')) {
      throw serverError('Unauthorized', `Requested getMore on namespace '${ns}', but cursor belongs to a different namespace ${cursor.ns}`);
    }
    const batchSize = typeof body.batchSize === 'number' && body.batchSize > 0 ? body.batchSize : CHANGE_STREAM_BATCH_DEFAULT;
    const maxTimeMS = Number(body.maxTimeMS);
    const waitMillis = Number.isFinite(maxTimeMS) && maxTimeMS >= 0 ? maxTimeMS : CHANGE_STREAM_AWAIT_MILLIS_DEFAULT;
    const deadline = member.nowMillis() + waitMillis;
    for (;;) {
      const { batch, token } = this.read(cursor, member, batchSize);
      if (batch.length > 0 || member.nowMillis() >= deadline || signal.aborted || !this.cursors.has(id)) {
        cursor.activity.returned(batch.length, member.nowMillis());
        return { cursor: { nextBatch: batch, postBatchResumeToken: token, id: Long.fromBigInt(this.cursors.has(id) ? id : 0n), ns: cursor.ns }, ok: 1 };
      }
      await sleepOn(member.clock, Math.min(CHANGE_STREAM_POLL_MILLIS, deadline - member.nowMillis()), signal);
    }
  }

  /** The open streams as $currentOp reports them: tailable, awaitData cursors (document_source_change_stream.cpp). */
  reports(): CursorReport[] {
    return [...this.cursors.values()].map((cursor) =>
      cursor.activity.report({ id: cursor.id, ns: cursor.ns, lsid: cursor.lsid, noCursorTimeout: false, tailable: true, awaitData: true, originatingCommand: cursor.originatingCommand }),
    );
  }

  /** killCursors of these ids; returns the ones that were change streams. */
  kill(ids: readonly bigint[]): bigint[] {
    return ids.filter((id) => this.cursors.delete(id));
  }

  /** A closed connection's streams end with it. */
  connectionClosed(connectionId: number): void {
    for (const [id, cursor] of this.cursors) if (cursor.connectionId === connectionId) this.cursors.delete(id);
  }

  /** Reads majority-committed events after the cursor's position, at most `batchSize`, and moves it. */
  private read(cursor: ChangeStreamCursor, member: ChangeStreamMember, batchSize: number): { batch: Document[]; token: Document } {
    const commitTs = member.commitPoint.ts;
    const entries = member.oplogEntries();
    const batch: Document[] = [];
    let storage: Storage | undefined;
    const lookup = (): Storage => (storage ??= member.majorityStorage());
    let full = false;
    // Binary search for the first entry at or after the position's timestamp.
    let lo = 0;
    let hi = entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (entries[mid]!.ts < cursor.position.ts) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo; i < entries.length && !full && !cursor.invalidated; i++) {
      const entry = entries[i]!;
      if (entry.ts > commitTs) break;
      const ops: Document[] = entry.op === 'c' && Array.isArray(entry.o.applyOps) ? (entry.o.applyOps as Document[]) : [entry];
      for (let index = 0; index < ops.length; index++) {
        const position = { ts: entry.ts, index };
        if (!after(position, cursor.position)) continue;
        let produced: { events: Document[]; invalidate: boolean };
        try {
          produced = eventsOf(ops[index]!, entry, ops[0] === entry ? undefined : index, position, cursor, lookup);
        } catch (error) {
          // A stream that fails on an event is gone (its getMore killed the cursor).
          this.cursors.delete(cursor.id);
          throw error;
        }
        const { events, invalidate } = produced;
        const shaped = cursor.stages.length === 0 || events.length === 0 ? events : aggregateDocuments(events, cursor.stages, undefined, member.nowMillis());
        if (cursor.stages.length > 0) checkTokensKept(events, shaped, cursor, this.cursors);
        batch.push(...shaped);
        cursor.position = invalidate ? { ts: entry.ts, index: HIGH_WATER_INDEX } : position;
        if (invalidate) {
          cursor.invalidated = true;
          break;
        }
        if (batch.length >= batchSize) {
          full = true;
          break;
        }
      }
      if (!full && !cursor.invalidated) cursor.position = { ts: entry.ts, index: HIGH_WATER_INDEX };
    }
    if (!full && !cursor.invalidated && commitTs > cursor.position.ts) cursor.position = { ts: commitTs, index: HIGH_WATER_INDEX };
    const last = batch.at(-1);
    const token = full && last !== undefined && isPlainObject(last._id) ? last._id : tokenOf(cursor.position);
    if (cursor.invalidated) this.cursors.delete(cursor.id);
    return { batch, token };
  }
}
