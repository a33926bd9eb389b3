import type { Document } from 'bson';
import { ServerError, serverError } from '../../base/errors';
import type { OplogOp } from '../../storage/oplog';
import type { Storage, WriteOptions } from '../../storage/storage';
import { applyUpdate, classifyUpdate, compileFilter, equalityFields, letVariables, parseCollation, parseSort, project, sortDocuments } from '../../storage/query';
import type { Collation, FilterOptions, UpdateKind, Variables } from '../../storage/query';
import { checkCollectionName } from '../../storage/namespace';
import { formatValue, indexKey, isPlainObject } from '../../storage/values';
import type { StorageCommandContext, StorageCommandResult } from './context';
import { CommandReader, asNumber, collectionArgument } from './parse';

/** mongod's maxWriteBatchSize. */
export const writeBatchOperationsMax = 100_000;

function checkBatch(items: unknown[] | undefined, field: string, command: string): unknown[] {
  if (items === undefined) throw serverError('FailedToParse', `BSON field '${command}.${field}' is missing but a required field`);
  if (items.length === 0 || items.length > writeBatchOperationsMax) {
    throw serverError('InvalidLength', `Write batch sizes must be between 1 and ${writeBatchOperationsMax}. Got ${items.length} operations.`);
  }
  return items;
}

function toServerError(error: unknown): ServerError {
  if (error instanceof ServerError) return error;
  throw error;
}

// ---- insert ----

export function insertCommand(db: string, body: Document, ctx: StorageCommandContext): StorageCommandResult {
  const reader = new CommandReader('insert', body);
  const coll = collectionArgument('insert', body, db);
  checkCollectionName(db, coll);
  const documents = checkBatch(reader.array('documents'), 'documents', 'insert');
  const ordered = reader.bool('ordered') ?? true;
  const write: WriteOptions = { bypassDocumentValidation: reader.bool('bypassDocumentValidation') ?? false };
  const oplog: OplogOp[] = [];
  const writeErrors: Document[] = [];
  let n = 0;
  for (let index = 0; index < documents.length; index++) {
    try {
      const doc = documents[index];
      if (!isPlainObject(doc)) throw serverError('TypeMismatch', `BSON field 'insert.documents.${index}' is the wrong type, expected type 'object'`);
      ctx.storage.insert(db, coll, doc, oplog, write);
      n++;
    } catch (error) {
      writeErrors.push(toServerError(error).toWriteError(index));
      if (ordered) break;
    }
  }
  const reply: Document = { n, ok: 1 };
  if (writeErrors.length > 0) reply.writeErrors = writeErrors;
  return { reply, oplog };
}

// ---- update ----

interface UpdateStatement {
  q: Document;
  u: Document | Document[];
  kind: UpdateKind;
  upsert: boolean;
  multi: boolean;
  arrayFilters: Document[] | undefined;
  sort: Record<string, 1 | -1> | undefined;
  /** The command's `let` constants. */
  variables: Variables | undefined;
  collation: Collation | undefined;
}

/**
 * MongoDB 7.0's update and delete statements (write_ops.idl UpdateOpEntry/DeleteOpEntry, strict)
 * have no `sort`: it came in 8.0. A statement with one is refused as an unknown field, as 7.0 does
 * (the CRUD spec's "updateOne with sort option unsupported (server-side error)" for < 8.0).
 */
function refuseStatementSort(statements: unknown[], field: 'update.updates' | 'delete.deletes'): void {
  for (const raw of statements) {
    if (isPlainObject(raw) && 'sort' in raw) throw serverError('Location40415', `BSON field '${field}.sort' is an unknown field.`);
  }
}

function parseUpdateStatement(raw: unknown, index: number, variables: Variables | undefined): UpdateStatement {
  if (!isPlainObject(raw)) throw serverError('TypeMismatch', `BSON field 'update.updates.${index}' is the wrong type, expected type 'object'`);
  const reader = new CommandReader('update.updates', raw);
  const q = reader.object('q');
  if (q === undefined) throw serverError('FailedToParse', "BSON field 'update.updates.q' is missing but a required field");
  const u = raw.u;
  if (u === undefined) throw serverError('FailedToParse', "BSON field 'update.updates.u' is missing but a required field");
  const kind = classifyUpdate(u);
  const multi = reader.bool('multi') ?? false;
  if (multi && kind === 'replacement') throw serverError('FailedToParse', 'multi update is not supported for replacement-style update');
  const arrayFilters = reader.array('arrayFilters');
  if (arrayFilters && !arrayFilters.every((filter) => isPlainObject(filter))) {
    throw serverError('TypeMismatch', 'arrayFilters must be an array of objects');
  }
  return {
    q,
    u: u as Document | Document[],
    kind,
    upsert: reader.bool('upsert') ?? false,
    multi,
    arrayFilters: arrayFilters as Document[] | undefined,
    sort: undefined,
    variables,
    collation: parseCollation(raw.collation),
  };
}

/** The post-image of `doc` under an update; ImmutableField (66) if `_id` would change. */
function updatedDocument(doc: Document, statement: UpdateStatement, nowMillis: number): Document {
  let next: Document;
  if (statement.kind === 'replacement') {
    const replacement = statement.u as Document;
    if ('_id' in replacement && indexKey(replacement._id) !== indexKey(doc._id)) {
      throw serverError(
        'ImmutableField',
        `After applying the update, the (immutable) field '_id' was found to have been altered to _id: ${formatValue(replacement._id)}`,
      );
    }
    next = { _id: doc._id };
    for (const [key, value] of Object.entries(replacement)) if (key !== '_id') next[key] = value;
  } else {
    next = applyUpdate(doc, statement.u, statement.kind, { filter: statement.q, arrayFilters: statement.arrayFilters, nowMillis, variables: statement.variables });
    if (indexKey(next._id) !== indexKey(doc._id)) {
      throw serverError('ImmutableField', "Performing an update on the path '_id' would modify the immutable field '_id'");
    }
  }
  return next;
}

/** The document an upsert inserts when nothing matched. */
function upsertDocument(storage: Storage, statement: UpdateStatement): Document {
  const seed = equalityFields(statement.q);
  let doc: Document;
  if (statement.kind === 'replacement') {
    doc = { ...(statement.u as Document) };
    if (!('_id' in doc) && '_id' in seed) doc = { _id: seed._id, ...doc };
  } else {
    const { _id: seedId, ...seedFields } = seed;
    const start: Document = '_id' in seed ? { _id: seedId } : {};
    const base = Object.keys(seedFields).length > 0 ? applyUpdate(start, { $set: seedFields }, 'operators') : start;
    doc = applyUpdate(base, statement.u, statement.kind, { arrayFilters: statement.arrayFilters, isInsert: true, nowMillis: storage.nowMillis(), variables: statement.variables });
    if ('_id' in seed && indexKey(doc._id) !== indexKey(seed._id)) {
      throw serverError('ImmutableField', "Performing an update on the path '_id' would modify the immutable field '_id'");
    }
  }
  if (!('_id' in doc)) doc = { _id: storage.newObjectId(), ...doc };
  return doc;
}

function matchingDocuments(storage: Storage, db: string, coll: string, q: Document, sort?: Record<string, 1 | -1>, options: FilterOptions = {}): Document[] {
  const candidates = storage.candidates(db, coll, q);
  const matcher = compileFilter(q, options);
  const matched = candidates.filter((doc) => matcher(doc));
  return sort ? sortDocuments(matched, sort) : matched;
}

interface StatementOutcome {
  n: number;
  nModified: number;
  upsertedId?: unknown;
  /** Pre-image of the (single) updated document, for findAndModify. */
  before?: Document;
  /** Post-image of the (single) updated or upserted document. */
  after?: Document;
}

function runUpdateStatement(ctx: StorageCommandContext, db: string, coll: string, statement: UpdateStatement, oplog: OplogOp[], write: WriteOptions): StatementOutcome {
  const storage = ctx.storage;
  const matched = matchingDocuments(storage, db, coll, statement.q, statement.sort, { variables: statement.variables, collation: statement.collation });
  const targets = statement.multi ? matched : matched.slice(0, 1);
  if (targets.length === 0) {
    if (!statement.upsert) return { n: 0, nModified: 0 };
    const doc = upsertDocument(storage, statement);
    const stored = storage.insert(db, coll, doc, oplog, write);
    return { n: 1, nModified: 0, upsertedId: stored._id, after: stored };
  }
  let nModified = 0;
  let before: Document | undefined;
  let after: Document | undefined;
  for (const doc of targets) {
    const next = updatedDocument(doc, statement, storage.nowMillis());
    if (storage.replace(db, coll, next, oplog, statement.kind === 'replacement' ? 'full' : 'diff', write)) nModified++;
    before = doc;
    after = storage.getCollection(db, coll)?.getById(doc._id);
  }
  return { n: targets.length, nModified, before, after };
}

export function updateCommand(db: string, body: Document, ctx: StorageCommandContext): StorageCommandResult {
  const reader = new CommandReader('update', body);
  const coll = collectionArgument('update', body, db);
  checkCollectionName(db, coll);
  const updates = checkBatch(reader.array('updates'), 'updates', 'update');
  refuseStatementSort(updates, 'update.updates');
  const variables = letVariables(reader.object('let'), ctx.storage.nowMillis());
  const ordered = reader.bool('ordered') ?? true;
  const write: WriteOptions = { bypassDocumentValidation: reader.bool('bypassDocumentValidation') ?? false };
  const oplog: OplogOp[] = [];
  const writeErrors: Document[] = [];
  const upserted: Document[] = [];
  let n = 0;
  let nModified = 0;
  for (let index = 0; index < updates.length; index++) {
    try {
      const statement = parseUpdateStatement(updates[index], index, variables);
      // write_ops_exec.cpp: each statement meets the view as a write error (166).
      ctx.storage.refuseView(db, coll);
      const outcome = runUpdateStatement(ctx, db, coll, statement, oplog, write);
      n += outcome.n;
      nModified += outcome.nModified;
      if (outcome.upsertedId !== undefined) upserted.push({ index, _id: outcome.upsertedId });
    } catch (error) {
      writeErrors.push(toServerError(error).toWriteError(index));
      if (ordered) break;
    }
  }
  const reply: Document = { n, nModified };
  if (upserted.length > 0) reply.upserted = upserted;
  if (writeErrors.length > 0) reply.writeErrors = writeErrors;
  reply.ok = 1;
  return { reply, oplog };
}

// ---- delete ----

export function deleteCommand(db: string, body: Document, ctx: StorageCommandContext): StorageCommandResult {
  const reader = new CommandReader('delete', body);
  const coll = collectionArgument('delete', body, db);
  checkCollectionName(db, coll);
  const deletes = checkBatch(reader.array('deletes'), 'deletes', 'delete');
  refuseStatementSort(deletes, 'delete.deletes');
  const variables = letVariables(reader.object('let'), ctx.storage.nowMillis());
  const ordered = reader.bool('ordered') ?? true;
  const oplog: OplogOp[] = [];
  const writeErrors: Document[] = [];
  let n = 0;
  for (let index = 0; index < deletes.length; index++) {
    try {
      const raw = deletes[index];
      if (!isPlainObject(raw)) throw serverError('TypeMismatch', `BSON field 'delete.deletes.${index}' is the wrong type, expected type 'object'`);
      const statementReader = new CommandReader('delete.deletes', raw);
      const q = statementReader.object('q');
      if (q === undefined) throw serverError('FailedToParse', "BSON field 'delete.deletes.q' is missing but a required field");
      const limit = asNumber(raw.limit);
      if (limit === undefined) throw serverError('FailedToParse', "BSON field 'delete.deletes.limit' is missing but a required field");
      if (limit !== 0 && limit !== 1) throw serverError('FailedToParse', `The limit field in delete objects must be 0 or 1. Got ${limit}`);
      ctx.storage.refuseView(db, coll);
      const matched = matchingDocuments(ctx.storage, db, coll, q, undefined, { variables, collation: parseCollation(raw.collation) });
      for (const doc of limit === 1 ? matched.slice(0, 1) : matched) {
        if (ctx.storage.remove(db, coll, doc._id, oplog)) n++;
      }
    } catch (error) {
      writeErrors.push(toServerError(error).toWriteError(index));
      if (ordered) break;
    }
  }
  const reply: Document = { n };
  if (writeErrors.length > 0) reply.writeErrors = writeErrors;
  reply.ok = 1;
  return { reply, oplog };
}

// ---- findAndModify ----

export function findAndModifyCommand(db: string, body: Document, ctx: StorageCommandContext, commandName: string): StorageCommandResult {
  const reader = new CommandReader(commandName, body);
  const coll = collectionArgument(commandName, body, db);
  checkCollectionName(db, coll);
  const query = reader.object('query') ?? {};
  const sort = parseSort(reader.object('sort'));
  const remove = reader.bool('remove') ?? false;
  const returnNew = reader.bool('new') ?? false;
  const upsert = reader.bool('upsert') ?? false;
  const fields = reader.object('fields');
  const update = body.update as unknown;
  if (remove && update !== undefined) throw serverError('FailedToParse', 'Cannot specify both an update and remove=true');
  if (!remove && update === undefined) throw serverError('FailedToParse', 'Either an update or remove=true must be specified');
  if (remove && returnNew) throw serverError('FailedToParse', "Cannot specify both new=true and remove=true; 'remove' always returns the deleted document");
  if (remove && upsert) throw serverError('FailedToParse', 'Cannot specify both upsert=true and remove=true');
  const variables = letVariables(reader.object('let'), ctx.storage.nowMillis());
  const collation = parseCollation(body.collation);
  ctx.storage.refuseView(db, coll);
  const oplog: OplogOp[] = [];
  const projectValue = (doc: Document | undefined): Document | null => {
    if (!doc) return null;
    if (!fields || Object.keys(fields).length === 0) return doc;
    return applyProjection(doc, fields);
  };
  if (remove) {
    const [doc] = matchingDocuments(ctx.storage, db, coll, query, sort, { variables, collation });
    if (doc) ctx.storage.remove(db, coll, doc._id, oplog);
    return { reply: { lastErrorObject: { n: doc ? 1 : 0 }, value: projectValue(doc), ok: 1 }, oplog };
  }
  const kind = classifyUpdate(update);
  const arrayFilters = reader.array('arrayFilters') as Document[] | undefined;
  const statement: UpdateStatement = { q: query, u: update as Document, kind, upsert, multi: false, arrayFilters, sort, variables, collation };
  const write: WriteOptions = { bypassDocumentValidation: reader.bool('bypassDocumentValidation') ?? false };
  const outcome = runUpdateStatement(ctx, db, coll, statement, oplog, write);
  const lastErrorObject: Document = { n: outcome.n, updatedExisting: outcome.n > 0 && outcome.upsertedId === undefined };
  if (outcome.upsertedId !== undefined) lastErrorObject.upserted = outcome.upsertedId;
  const value = returnNew ? outcome.after : outcome.upsertedId !== undefined ? undefined : outcome.before;
  return { reply: { lastErrorObject, value: projectValue(value), ok: 1 }, oplog };
}


function applyProjection(doc: Document, projection: Document): Document {
  return project([doc], projection)[0] as Document;
}
