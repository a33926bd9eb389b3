import type { Document } from 'bson';
import { serverError } from '../../base/errors';
import type { OplogOp } from '../../storage/oplog';
import type { CollModChange } from '../../storage/storage';
import { ID_INDEX_NAME } from '../../storage/collection';
import { checkCollectionName, checkDatabaseName } from '../../storage/namespace';
import { compileFilter } from '../../storage/query';
import { isPlainObject } from '../../storage/values';
import type { StorageCommandContext, StorageCommandResult } from './context';
import { CommandReader, asNumber, collectionArgument } from './parse';

/** Arguments every command may carry (idl/generic_argument.idl): not collMod's own fields. */
const GENERIC_ARGUMENTS = new Set([
  '$db', 'lsid', 'txnNumber', 'autocommit', 'startTransaction', 'stmtId', 'writeConcern', 'readConcern', 'maxTimeMS', 'comment',
  '$clusterTime', '$readPreference', 'apiVersion', 'apiStrict', 'apiDeprecationErrors', '$audit', '$client', 'mayBypassWriteBlocking',
]);

/** collMod's own fields (catalog/coll_mod.idl, 7.0), those the simulator builds first. */
const COLL_MOD_FIELDS = new Set(['collMod', 'index', 'validator', 'validationLevel', 'validationAction', 'changeStreamPreAndPostImages', 'cappedSize', 'cappedMax']);
/** coll_mod.idl fields of features the simulator does not have (views, time-series, clustered, capped). */
const COLL_MOD_UNSUPPORTED = new Set(['timeseries', 'expireAfterSeconds', 'dryRun']);
/** collection_options.cpp checkAndAdjustCappedSize: at most 1 PB. */
const cappedSizeBytesMax = 2 ** 50;

/**
 * collMod cappedSize / cappedMax (6.0+, coll_mod.cpp parseCollModRequest): only on a capped
 * collection ("Collection must be capped."); the size at least 1 (coll_mod.idl) and at most 1 PB,
 * the max below 2^31. The entry keeps the values as given; the collection takes them as
 * CollectionOptions adjusts them (storage.ts), and the next inserts delete down to them
 * (jstests/core/capped_resize.js).
 */
function cappedChanges(body: Document, ctx: StorageCommandContext, db: string, coll: string, options: Document): void {
  if (body.cappedSize === undefined && body.cappedMax === undefined) return;
  const collection = ctx.storage.getCollection(db, coll);
  if (collection !== undefined && collection.options.capped !== true) throw serverError('InvalidOptions', 'Collection must be capped.');
  if (body.cappedSize !== undefined) {
    const size = asNumber(body.cappedSize);
    if (size === undefined) throw serverError('TypeMismatch', "BSON field 'collMod.cappedSize' is the wrong type, expected a number");
    if (size < 1) throw serverError('Location51024', `BSON field 'collMod.cappedSize' value must be >= 1, actual value '${size}'`);
    if (size > cappedSizeBytesMax) throw serverError('BadValue', 'size cannot exceed 1 PB');
    options.cappedSize = body.cappedSize;
  }
  if (body.cappedMax !== undefined) {
    const max = asNumber(body.cappedMax);
    if (max === undefined) throw serverError('TypeMismatch', "BSON field 'collMod.cappedMax' is the wrong type, expected a number");
    if (max >= 2 ** 31) throw serverError('BadValue', 'max in a capped collection has to be < 2^31 or not set');
    options.cappedMax = body.cappedMax;
  }
}
/** coll_mod.cpp: the fields a view's collMod takes (any other is "option not supported on a view"). */
const VIEW_FIELDS = new Set(['viewOn', 'pipeline']);

/**
 * collMod of a view (coll_mod.cpp parseCollModRequest, view_catalog.cpp modifyView): a new viewOn
 * and/or pipeline, written over its system.views document; other options are InvalidOptions.
 */
function collModView(db: string, coll: string, body: Document, ctx: StorageCommandContext): StorageCommandResult {
  const view = ctx.storage.getView(db, coll)!;
  for (const key of Object.keys(body)) {
    if (key === 'collMod' || GENERIC_ARGUMENTS.has(key) || VIEW_FIELDS.has(key)) continue;
    throw serverError('InvalidOptions', `option not supported on a view: ${key}`);
  }
  const next = { ...view };
  if (body.viewOn !== undefined) {
    if (typeof body.viewOn !== 'string') throw serverError('InvalidOptions', "'viewOn' option must be a string");
    next.viewOn = body.viewOn;
  }
  if (body.pipeline !== undefined) {
    if (!Array.isArray(body.pipeline)) throw serverError('InvalidOptions', "'pipeline' option must be specified as an array");
    next.pipeline = body.pipeline as Document[];
  }
  const oplog: OplogOp[] = [];
  ctx.storage.modifyView(db, next, oplog);
  return { reply: { ok: 1 }, oplog };
}

function enumValue(field: string, value: unknown, allowed: readonly string[]): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw serverError('TypeMismatch', `BSON field 'collMod.${field}' is the wrong type, expected type 'string'`);
  if (!allowed.includes(value)) throw serverError('BadValue', `Enumeration value '${value}' for field 'collMod.${field}' is not a valid value.`);
  return value;
}

/**
 * collMod's `index` argument: by name or keyPattern, with hidden and/or expireAfterSeconds
 * (coll_mod.cpp `parseCollModRequest`). Hiding a hidden index or unhiding a visible one is a
 * no-op: `hidden` is left out of the entry and the reply. Undefined when nothing remains to change.
 */
function parseIndexChange(raw: Document, ctx: StorageCommandContext, db: string, coll: string): CollModChange['index'] {
  for (const key of Object.keys(raw)) {
    if (key === 'forceNonUnique') throw serverError('CommandNotSupported', `collMod index option '${key}' is not supported by the simulated mongod`);
    if (!['name', 'keyPattern', 'hidden', 'expireAfterSeconds', 'prepareUnique', 'unique'].includes(key)) throw serverError('Location40415', `BSON field 'collMod.index.${key}' is an unknown field.`);
  }
  if (raw.name !== undefined && raw.keyPattern !== undefined) throw serverError('InvalidOptions', 'Cannot specify both key pattern and name.');
  if (raw.name === undefined && raw.keyPattern === undefined) throw serverError('InvalidOptions', 'Must specify either index name or key pattern.');
  if (raw.name !== undefined && typeof raw.name !== 'string') throw serverError('InvalidOptions', 'Index name must be a string.');
  if (raw.keyPattern !== undefined && !isPlainObject(raw.keyPattern)) throw serverError('InvalidOptions', 'Key pattern must be an object.');
  if (raw.hidden === undefined && raw.expireAfterSeconds === undefined && raw.prepareUnique === undefined && raw.unique === undefined) {
    throw serverError('InvalidOptions', 'no expireAfterSeconds, hidden, prepareUnique or unique field');
  }
  for (const flag of ['prepareUnique', 'unique'] as const) {
    if (raw[flag] !== undefined && typeof raw[flag] !== 'boolean') throw serverError('TypeMismatch', `BSON field 'collMod.index.${flag}' is the wrong type '${typeof raw[flag]}', expected type 'bool'`);
  }
  if (raw.unique === false) throw serverError('BadValue', "'Unique: false' option is not supported");
  const seconds = raw.expireAfterSeconds === undefined ? undefined : asNumber(raw.expireAfterSeconds);
  if (raw.expireAfterSeconds !== undefined && seconds === undefined) throw serverError('InvalidOptions', 'expireAfterSeconds field must be a number');
  if (raw.hidden !== undefined && typeof raw.hidden !== 'boolean') throw serverError('InvalidOptions', 'hidden field must be a boolean');
  const collection = ctx.storage.getCollection(db, coll);
  if (!collection) return undefined;
  const spec = collection.findIndex(typeof raw.name === 'string' ? raw.name : (raw.keyPattern as Document));
  if (!spec) {
    const what = typeof raw.name === 'string' ? raw.name : JSON.stringify(raw.keyPattern);
    throw serverError('IndexNotFound', `cannot find index ${what} for ns ${db}.${coll}`);
  }
  if (seconds !== undefined && spec.expireAfterSeconds === undefined) throw serverError('InvalidOptions', 'no expireAfterSeconds field to update');
  if (raw.hidden === true && coll.startsWith('system.')) throw serverError('BadValue', "Can't hide index on system collection");
  if (raw.hidden === true && spec.name === ID_INDEX_NAME) throw serverError('BadValue', "can't hide _id index");
  const change: NonNullable<CollModChange['index']> = { name: spec.name };
  if (typeof raw.hidden === 'boolean' && raw.hidden !== (spec.hidden === true)) change.hidden = raw.hidden;
  if (seconds !== undefined) change.expireAfterSeconds = Math.floor(seconds);
  // Unique conversion (6.0+): `prepareUnique: true` first (new duplicates refused), then
  // `unique: true` when no documents share a key; a unique index ignores both (no-ops).
  if (typeof raw.prepareUnique === 'boolean' && !spec.unique && raw.prepareUnique !== (spec.prepareUnique === true)) change.prepareUnique = raw.prepareUnique;
  if (raw.unique === true && !spec.unique) {
    if (!spec.prepareUnique && change.prepareUnique !== true) throw serverError('InvalidOptions', "Cannot make index unique with 'unique: true' unless 'prepareUnique' is set to true");
    change.unique = true;
  }
  return Object.keys(change).length === 1 ? undefined : change;
}

/**
 * collMod (catalog/coll_mod.cpp, 7.0): changes a collection's validator, validation level and
 * action, change-stream pre- and post-images, or one index's `hidden`/`expireAfterSeconds`. With
 * an index change the reply says the old and new values (`hidden_old`, `hidden_new`, ...).
 */
export function collModCommand(db: string, body: Document, ctx: StorageCommandContext): StorageCommandResult {
  const coll = collectionArgument('collMod', body, db);
  checkCollectionName(db, coll);
  const reader = new CommandReader('collMod', body);
  if (ctx.storage.getView(db, coll)) return collModView(db, coll, body, ctx);
  for (const key of Object.keys(body)) {
    if (COLL_MOD_FIELDS.has(key) || GENERIC_ARGUMENTS.has(key)) continue;
    if (VIEW_FIELDS.has(key)) throw serverError('InvalidOptions', `option only supported on a view: ${key}`);
    if (COLL_MOD_UNSUPPORTED.has(key)) throw serverError('CommandNotSupported', `collMod '${key}' is not supported by the simulated mongod`);
    throw serverError('Location40415', `BSON field 'collMod.${key}' is an unknown field.`);
  }
  const options: Document = {};
  const validator = reader.object('validator');
  if (validator !== undefined) {
    if (JSON.stringify(Object.keys(validator)).includes('$jsonSchema')) {
      throw serverError('CommandNotSupported', '$jsonSchema validators are not supported by the simulated mongod');
    }
    compileFilter(validator);
    options.validator = validator;
  }
  const level = enumValue('validationLevel', body.validationLevel, ['off', 'strict', 'moderate']);
  if (level !== undefined) options.validationLevel = level;
  const action = enumValue('validationAction', body.validationAction, ['warn', 'error']);
  if (action !== undefined) options.validationAction = action;
  const images = reader.object('changeStreamPreAndPostImages');
  if (images !== undefined) {
    const imagesReader = new CommandReader('collMod.changeStreamPreAndPostImages', images);
    for (const key of Object.keys(images)) if (key !== 'enabled') throw serverError('Location40415', `BSON field 'collMod.changeStreamPreAndPostImages.${key}' is an unknown field.`);
    const enabled = imagesReader.bool('enabled');
    if (enabled === undefined) throw serverError('Location40414', "BSON field 'collMod.changeStreamPreAndPostImages.enabled' is missing but a required field");
    options.changeStreamPreAndPostImages = { enabled };
  }
  cappedChanges(body, ctx, db, coll, options);
  const change: CollModChange = { options };
  const index = reader.object('index');
  const indexChange = index === undefined ? undefined : parseIndexChange(index, ctx, db, coll);
  if (indexChange) change.index = indexChange;
  const oplog: OplogOp[] = [];
  const old = ctx.storage.collMod(db, coll, change, oplog);
  const reply: Document = {};
  if (change.index?.hidden !== undefined) {
    reply.hidden_old = old.hidden;
    reply.hidden_new = change.index.hidden;
  }
  if (change.index?.expireAfterSeconds !== undefined) {
    reply.expireAfterSeconds_old = old.expireAfterSeconds;
    reply.expireAfterSeconds_new = change.index.expireAfterSeconds;
  }
  if (change.index?.prepareUnique !== undefined) {
    reply.prepareUnique_old = old.prepareUnique;
    reply.prepareUnique_new = change.index.prepareUnique;
  }
  if (change.index?.unique) reply.unique_new = true;
  return { reply: { ...reply, ok: 1 }, oplog };
}

function namespaceArgument(field: string, value: unknown): { db: string; coll: string } {
  if (typeof value !== 'string') throw serverError('TypeMismatch', `BSON field 'renameCollection.${field}' is the wrong type, expected type 'string'`);
  const dot = value.indexOf('.');
  if (dot <= 0 || dot === value.length - 1) throw serverError('InvalidNamespace', `Invalid ${field === 'to' ? 'target' : 'source'} namespace: ${value}`);
  const ns = { db: value.slice(0, dot), coll: value.slice(dot + 1) };
  checkDatabaseName(ns.db);
  checkCollectionName(ns.db, ns.coll);
  return ns;
}

/**
 * renameCollection (commands/rename_collection_cmd.cpp and catalog/rename_collection.cpp, 7.0):
 * an admin command taking full namespaces; the target must not exist unless `dropTarget`; the
 * internal databases and system collections cannot be renamed; across databases it copies.
 */
export function renameCollectionCommand(db: string, body: Document, ctx: StorageCommandContext): StorageCommandResult {
  if (db !== 'admin') throw serverError('Unauthorized', 'renameCollection may only be run against the admin database.');
  const from = namespaceArgument('renameCollection', body.renameCollection);
  if (body.to === undefined) throw serverError('Location40414', "BSON field 'renameCollection.to' is missing but a required field");
  const to = namespaceArgument('to', body.to);
  const reader = new CommandReader('renameCollection', body);
  const dropTarget = reader.bool('dropTarget') ?? false;
  if (from.db === to.db && from.coll === to.coll) throw serverError('IllegalOperation', "Can't rename a collection to itself");
  for (const ns of [from, to]) {
    if (['admin', 'config', 'local'].includes(ns.db) || ns.coll.startsWith('system.')) {
      throw serverError('IllegalOperation', `error with ${ns === from ? 'source' : 'target'} namespace: cannot rename to or from a system collection ${ns.db}.${ns.coll}`);
    }
  }
  // rename_collection.cpp: a view cannot be renamed, nor be the target.
  if (!ctx.storage.getCollection(from.db, from.coll) && ctx.storage.getView(from.db, from.coll)) {
    throw serverError('CommandNotSupportedOnView', `cannot rename view: ${from.db}.${from.coll}`);
  }
  if (ctx.storage.getView(to.db, to.coll)) throw serverError('NamespaceExists', `a view already exists with that name: ${to.db}.${to.coll}`);
  const oplog: OplogOp[] = [];
  ctx.storage.renameCollection(from, to, dropTarget, oplog);
  return { reply: { ok: 1 }, oplog };
}

function cappedSizeArgument(command: string, body: Document): number {
  if (body.size === undefined) throw serverError('Location40414', `BSON field '${command}.size' is missing but a required field`);
  const size = asNumber(body.size);
  if (size === undefined) throw serverError('TypeMismatch', `BSON field '${command}.size' is the wrong type, expected a number`);
  return Math.trunc(size);
}

/** cloneCollectionAsCapped (commands/collection_to_capped.cpp): a capped copy of a collection in the same database. */
export function cloneCollectionAsCappedCommand(db: string, body: Document, ctx: StorageCommandContext): StorageCommandResult {
  const from = collectionArgument('cloneCollectionAsCapped', body, db);
  checkCollectionName(db, from);
  const to = body.toCollection;
  if (typeof to !== 'string') throw serverError('Location40414', "BSON field 'cloneCollectionAsCapped.toCollection' is missing but a required field");
  checkCollectionName(db, to);
  const oplog: OplogOp[] = [];
  ctx.storage.cloneCollectionAsCapped(db, from, to, cappedSizeArgument('cloneCollectionAsCapped', body), oplog);
  return { reply: { ok: 1 }, oplog };
}

/**
 * convertToCapped (capped_utils.cpp convertToCapped): the collection cloned as capped into a
 * temporary `tmpXXXXX.convertToCapped.<coll>`, then renamed over it (dropTarget): its other
 * indexes are gone, as in mongod.
 */
export function convertToCappedCommand(db: string, body: Document, ctx: StorageCommandContext): StorageCommandResult {
  const coll = collectionArgument('convertToCapped', body, db);
  checkCollectionName(db, coll);
  const size = cappedSizeArgument('convertToCapped', body);
  const tmp = `tmp${ctx.storage.newObjectId().toHexString().slice(-5)}.convertToCapped.${coll}`;
  const oplog: OplogOp[] = [];
  ctx.storage.cloneCollectionAsCapped(db, coll, tmp, size, oplog);
  ctx.storage.renameCollection({ db, coll: tmp }, { db, coll }, true, oplog);
  return { reply: { ok: 1 }, oplog };
}
