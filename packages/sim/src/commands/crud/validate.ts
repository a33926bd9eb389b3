import type { Binary, Document } from 'bson';
import { serverError } from '../../base/errors';
import type { Collection } from '../../storage/collection';
import { checkCollectionName } from '../../storage/namespace';
import { compileFilter } from '../../storage/query';
import { isPlainObject } from '../../storage/values';
import type { StorageCommandContext, StorageCommandResult } from './context';
import { collectionArgument } from './parse';
import { localCollectionSummary } from './localView';

/** BSONElement::trueValue: how mongod reads validate's flags (false, 0, null and absent are false). */
function trueValue(value: unknown): boolean {
  if (value === undefined || value === null || value === false) return false;
  if (typeof value === 'number') return value !== 0;
  if (typeof value === 'object' && 'valueOf' in value && typeof (value as { valueOf(): unknown }).valueOf() === 'number') return (value as { valueOf(): number }).valueOf() !== 0;
  return true;
}

/** commands/validate.cpp CmdValidate::run: the option combinations it refuses (InvalidOptions 72). */
function checkOptions(body: Document, replicated: boolean): { full: boolean; background: boolean } {
  const background = trueValue(body.background);
  const full = trueValue(body.full);
  const enforceFastCount = trueValue(body.enforceFastCount);
  const repair = trueValue(body.repair);
  const refuse = (a: string, b: string): never => {
    throw serverError('InvalidOptions', `Running the validate command with both { ${a}: true } and { ${b}: true } is not supported.`);
  };
  if (background && full) refuse('background', 'full');
  if (background && enforceFastCount) refuse('background', 'enforceFastCount');
  if (background && repair) refuse('background', 'repair');
  if (enforceFastCount && repair) refuse('enforceFastCount', 'repair');
  if (repair && replicated) throw serverError('InvalidOptions', 'Running the validate command with { repair: true } can only be performed in standalone mode.');
  if (trueValue(body.metadata) && (background || full || enforceFastCount || repair)) {
    throw serverError('InvalidOptions', 'Running the validate command with { metadata: true } is not supported with any other options');
  }
  return { full, background };
}

/** The per-index and per-collection figures one validation found. */
interface Findings {
  nrecords: number;
  keysPerIndex: Document;
  indexDetails: Document;
  nNonCompliantDocuments: number;
  warnings: string[];
  errors: string[];
  extraIndexEntries: Document[];
  missingIndexEntries: Document[];
}

/**
 * Checks a collection as validate does (catalog/collection_validation.cpp validate, with
 * validate_adaptor.cpp traverseRecordStore and index_consistency.cpp): counts its documents,
 * compares each index's keys with the documents, and counts documents its validator no longer
 * matches (nNonCompliantDocuments: a warning, not an error).
 */
function checkCollection(collection: Collection): Findings {
  const findings: Findings = { nrecords: collection.count, keysPerIndex: {}, indexDetails: {}, nNonCompliantDocuments: 0, warnings: [], errors: [], extraIndexEntries: [], missingIndexEntries: [] };
  for (const index of collection.indexConsistency()) {
    findings.keysPerIndex[index.name] = index.keys;
    findings.indexDetails[index.name] = { valid: index.missing.length === 0 && index.extra.length === 0 };
    for (const entry of index.missing) findings.missingIndexEntries.push({ indexName: index.name, idKey: { _id: entry.doc._id }, indexKey: entry.keyValue });
    for (const entry of index.extra) findings.extraIndexEntries.push({ indexName: index.name, indexKey: entry.keyValue });
  }
  // index_consistency.cpp addIndexEntryErrors: one error per kind, with the count.
  if (findings.missingIndexEntries.length > 0) findings.errors.push(`Detected ${findings.missingIndexEntries.length} missing index entries.`);
  if (findings.extraIndexEntries.length > 0) findings.errors.push(`Detected ${findings.extraIndexEntries.length} extra index entries.`);
  const validator = collection.options.validator;
  if (isPlainObject(validator)) {
    const matches = compileFilter(validator);
    for (const doc of collection.documents()) if (!matches(doc)) findings.nNonCompliantDocuments += 1;
    // validate_adaptor.cpp: schema violations are reported but leave the collection valid.
    if (findings.nNonCompliantDocuments > 0) findings.warnings.push("Detected one or more documents not compliant with the collection's schema. Check logs for log id 5363500.");
  }
  return findings;
}

/** validate on local.oplog.rs / local.system.replset, whose documents the replication layer holds: counted, nothing to compare. */
function localFindings(count: number, indexed: boolean): Findings {
  const keysPerIndex: Document = indexed ? { _id_: count } : {};
  const indexDetails: Document = indexed ? { _id_: { valid: true } } : {};
  return { nrecords: count, keysPerIndex, indexDetails, nNonCompliantDocuments: 0, warnings: [], errors: [], extraIndexEntries: [], missingIndexEntries: [] };
}

function reply(ns: string, uuid: Binary, findings: Findings): Document {
  const valid = findings.errors.length === 0;
  const out: Document = {
    ns,
    uuid,
    // The simulator stores documents as parsed values: none can be malformed BSON.
    nInvalidDocuments: 0,
    nNonCompliantDocuments: findings.nNonCompliantDocuments,
    nrecords: findings.nrecords,
    nIndexes: Object.keys(findings.keysPerIndex).length,
    keysPerIndex: findings.keysPerIndex,
    indexDetails: findings.indexDetails,
    // ValidateResults::appendToResultObj (catalog/validate_results.cpp).
    valid,
    repaired: false,
    warnings: findings.warnings,
    errors: findings.errors,
    extraIndexEntries: findings.extraIndexEntries,
    missingIndexEntries: findings.missingIndexEntries,
    corruptRecords: [],
  };
  if (!valid) out.advice = 'A corrupt namespace has been detected. See http://dochub.mongodb.org/core/data-recovery for recovery steps.';
  return { ...out, ok: 1 };
}

/**
 * validate (commands/validate.cpp; manual: reference/command/validate). `full` and `background`
 * check the same things here: the simulator has no WiredTiger structures for `full` to verify
 * beyond what every validation compares, and no checkpoint for `background` to read. A standalone
 * may run background validation too (jstests/concurrency/fsm_workloads/background_validation.js
 * runs it against a standalone).
 */
export function validateCommand(db: string, body: Document, ctx: StorageCommandContext): StorageCommandResult {
  const coll = collectionArgument('validate', body, db);
  checkCollectionName(db, coll);
  checkOptions(body, Boolean(ctx.local?.oplogStats()));
  const ns = `${db}.${coll}`;
  const local = localCollectionSummary(db, coll, ctx.local);
  if (local) return { reply: reply(ns, local.uuid, localFindings(local.count, local.indexed)), oplog: [] };
  const collection = ctx.storage.getCollection(db, coll);
  if (!collection) {
    // validate_state.cpp ValidateState: a view first, then NamespaceNotFound.
    if (ctx.storage.getView(db, coll)) throw serverError('CommandNotSupportedOnView', 'Cannot validate a view');
    throw serverError('NamespaceNotFound', `Collection '${ns}' does not exist to validate.`);
  }
  return { reply: reply(ns, collection.uuid, checkCollection(collection)), oplog: [] };
}
