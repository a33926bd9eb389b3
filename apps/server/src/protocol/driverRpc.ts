/**
 * The driver calls mongosh's shell API makes, as messages: what the browser's remote service
 * provider sends and the server's executor answers. Values inside are BSON-typed JavaScript
 * (ObjectId, Timestamp, Long, Date...); a transport carries them as canonical Extended JSON.
 *
 * The shape follows mongosh's ServiceProvider (@mongosh/service-provider-core): a method name and
 * its arguments, and cursors by handle, so the server can hand each call to mongosh's own
 * NodeDriverServiceProvider around the driver client it tracks.
 */

import { EJSON } from 'bson';

export type Document = Record<string, unknown>;

/** The driver's topology as mongosh's prompt reads it (`foo [primary] test>`). */
export interface TopologyView {
  type: string;
  setName: string | null;
  /** `host:port` and that server's type (`RSPrimary`, `RSSecondary`, `Unknown`...). */
  servers: Array<{ address: string; type: string; setName: string | null }>;
}

/** Methods a cursor may have applied before its first batch (all synchronous in mongosh). */
export const cursorModifiers = [
  'addCursorFlag',
  'allowDiskUse',
  'batchSize',
  'collation',
  'comment',
  'hint',
  'limit',
  'max',
  'maxAwaitTimeMS',
  'maxTimeMS',
  'min',
  'project',
  'returnKey',
  'showRecordId',
  'skip',
  'sort',
  'withReadConcern',
  'withReadPreference',
] as const;
export type CursorModifier = (typeof cursorModifiers)[number];

/** ServiceProvider methods that open a cursor. */
export const cursorMethods = ['find', 'aggregate', 'aggregateDb', 'runCursorCommand'] as const;
export type CursorMethod = (typeof cursorMethods)[number];

/** ServiceProvider methods that answer one value (a promise in mongosh's interface). */
export const valueMethods = [
  'bulkWrite',
  'count',
  'countDocuments',
  'createCollection',
  'createIndexes',
  'deleteMany',
  'deleteOne',
  'distinct',
  'dropCollection',
  'dropDatabase',
  'estimatedDocumentCount',
  'findOneAndDelete',
  'findOneAndReplace',
  'findOneAndUpdate',
  'getConnectionInfo',
  'getIndexes',
  'getSearchIndexes',
  'insertMany',
  'insertOne',
  'listCollections',
  'listDatabases',
  'renameCollection',
  'replaceOne',
  'resetConnectionOptions',
  'runCommand',
  'runCommandWithCheck',
  'updateMany',
  'updateOne',
] as const;
export type ValueMethod = (typeof valueMethods)[number];

/** What a cursor request does after opening (or continuing) the cursor. */
export type CursorAction = { kind: 'batch'; max: number } | { kind: 'explain'; verbosity?: unknown } | { kind: 'count'; options?: unknown };

export type DriverRequest =
  /** Open a client as mongosh would for this URI (`directConnection` for one host, and so on). */
  | { op: 'connect'; uri: string; options: Document }
  | { op: 'call'; connection: string; method: ValueMethod; args: unknown[] }
  /** Open a cursor: `find(db, coll, filter, options)` and so on, then its modifiers in order. */
  | { op: 'cursor.open'; connection: string; method: CursorMethod; args: unknown[]; modifiers: Array<[CursorModifier, ...unknown[]]>; action: CursorAction }
  | { op: 'cursor.more'; cursor: string; max: number }
  | { op: 'cursor.close'; cursor: string }
  /** The client's topology as the driver sees it now (no I/O): mongosh's prompt follows it. */
  | { op: 'topology'; connection: string }
  | { op: 'close'; connection: string };

export type DriverReply =
  | { op: 'connect'; connection: string; topology: TopologyView }
  | { op: 'call'; value: unknown; topology: TopologyView }
  /** `cursor` is null when the cursor was used up by this request (or by its action). */
  | { op: 'cursor'; cursor: string | null; batch: Document[]; value?: unknown; topology: TopologyView }
  | { op: 'topology'; topology: TopologyView }
  | { op: 'closed' };

/** A driver or server error, as the shell prints it (`MongoServerError[NotWritablePrimary]: ...`). */
export interface DriverErrorInfo {
  name: string;
  message: string;
  code?: number;
  codeName?: string;
  errorLabels?: string[];
  /** Any further fields the error carried (`errInfo`, `writeErrors`, `result`, `errorResponse`...). */
  fields?: Document;
}

/**
 * A driver message as it travels: canonical Extended JSON, so every BSON type (ObjectId, Long,
 * Timestamp, Decimal128, dates, regular expressions) arrives as the type it left as.
 */
export function encodeDriverValue(value: unknown): string {
  return EJSON.stringify(value as never, { relaxed: false });
}

export function decodeDriverValue<T>(text: string): T {
  return EJSON.parse(text, { relaxed: false }) as T;
}
