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
const COLL_MOD_FIELDS = new Set(['collMod', 'index', 'validator', 'validationLevel', 'validationAction', 'changeStreamPreAndPostImages']);
/** coll_mod.idl fields of features the simulator does not have (views, time-series, clustered, capped). */
const COLL_MOD_UNSUPPORTED = new Set(['viewOn', 'pipeline', 'timeseries', 'expireAfterSeconds', 'cappedSize', 'cappedMax', 'dryRun']);

function enumValue(field: string, value: unknown, allowed: readonly string[]): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw serverError('TypeMismatch', `BSON field 'collMod.${field}' is the wrong type, expected type 'string'`);
  if (!allowed.includes(value)) throw serverError('BadValue', `Enumeration value '${value}' for field 'collMod.${field}' is not a valid value.`);
  return value;
}

/** collMod's `index` argument (CollModIndex): by name or keyPattern, with hidden and/or expireAfterSeconds. */
function parseIndexChange(raw: Document, ctx: StorageCommandContext, db: string, coll: string): NonNullable<CollModChange['index']> {
  for (const key of Object.keys(raw)) {
    if (['unique', 'prepareUnique', 'forceNonUnique'].includes(key)) {
      throw serverError('CommandNotSupported', `collMod index option '${key}' is not supported by the simulated mongod`);
    }
    if (!['name', 'keyPattern', 'hidden', 'expireAfterSeconds'].includes(key)) throw serverError('Location40415', `BSON field 'collMod.index.${key}' is an unknown field.`);
  }
  if ((raw.name === undefined) === (raw.keyPattern === undefined)) {
    throw serverError('InvalidOptions', 'Must specify either index name or key pattern.');
  }
  const collection = ctx.storage.getCollection(db, coll);
  const spec = collection?.findIndex(typeof raw.name === 'string' ? raw.name : isPlainObject(raw.keyPattern) ? raw.keyPattern : '');
  if (collection && !spec) {
    const what = raw.name !== undefined ? `name ${String(raw.name)}` : `key pattern ${JSON.stringify(raw.keyPattern)}`;
    throw serverError('IndexNotFound', `cannot find index ${what} for ns ${db}.${coll}`);
  }
  if (raw.hidden === undefined && raw.expireAfterSeconds === undefined) {
    throw serverError('InvalidOptions', 'no expireAfterSeconds or hidden field');
  }
  const change: NonNullable<CollModChange['index']> = { name: spec?.name ?? String(raw.name) };
  if (raw.hidden !== undefined) {
    if (typeof raw.hidden !== 'boolean') throw serverError('TypeMismatch', "BSON field 'collMod.index.hidden' is the wrong type, expected type 'bool'");
    if (change.name === ID_INDEX_NAME) throw serverError('BadValue', "can't hide _id index");
    change.hidden = raw.hidden;
  }
  if (raw.expireAfterSeconds !== undefined) {
    const seconds = asNumber(raw.expireAfterSeconds);
    if (seconds === undefined) throw serverError('TypeMismatch', "BSON field 'collMod.index.expireAfterSeconds' is the wrong type, expected type 'long'");
    if (spec && spec.expireAfterSeconds === undefined) throw serverError('InvalidOptions', 'no expireAfterSeconds field to update');
    if (seconds < 0) throw serverError('InvalidOptions', `TTL index 'expireAfterSeconds' option must be within an acceptable range, try a lower number`);
    change.expireAfterSeconds = Math.floor(seconds);
  }
  return change;
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
  for (const key of Object.keys(body)) {
    if (COLL_MOD_FIELDS.has(key) || GENERIC_ARGUMENTS.has(key)) continue;
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
  const change: CollModChange = { options };
  const index = reader.object('index');
  if (index !== undefined) change.index = parseIndexChange(index, ctx, db, coll);
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
  const oplog: OplogOp[] = [];
  ctx.storage.renameCollection(from, to, dropTarget, oplog);
  return { reply: { ok: 1 }, oplog };
}
