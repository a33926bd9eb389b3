import { createHash } from 'node:crypto';
import { Binary, calculateObjectSize } from 'bson';
import type { Document } from 'bson';
import { ServerError, serverError } from '../base/errors';
import { formatDocument, indexKey, isPlainObject } from './values';

/** What mongod reports in listIndexes; `v: 2` always. */
export interface IndexSpec {
  v: 2;
  key: Record<string, unknown>;
  name: string;
  unique?: boolean;
  sparse?: boolean;
  expireAfterSeconds?: number;
  /** Hidden from the query planner (4.4+); set at creation or by collMod. */
  hidden?: boolean;
  /** 6.0+ (collMod `index: {prepareUnique: true}`): new duplicate keys are refused, existing ones stay, ahead of `unique: true`. */
  prepareUnique?: boolean;
}

export const ID_INDEX_NAME = '_id_';
export const ID_INDEX_SPEC: IndexSpec = { v: 2, key: { _id: 1 }, name: ID_INDEX_NAME };
/** mongod's limit on indexes per collection, the `_id` index included. */
export const indexesPerCollectionMax = 64;
/** Cap on keys one document may generate for one unique index (multikey cartesian products). */
export const indexKeysPerDocumentMax = 1000;

export interface StoredDocument {
  readonly doc: Document;
  readonly sizeBytes: number;
}

/** One index against the documents: its key count and the entries missing from it or extra in it. */
export interface IndexConsistency {
  name: string;
  keys: number;
  missing: Array<{ doc: Document; keyValue: Document }>;
  extra: Array<{ doc: Document | undefined; keyValue: Document }>;
}

interface IndexState {
  readonly spec: IndexSpec;
  readonly fields: readonly string[];
  /** Only for unique indexes: key string → idKey of the document that holds it. */
  readonly entries: Map<string, string> | undefined;
}

/** A version 4, variant 1 UUID (mongod's UUID::gen(), BSON Binary subtype 4) hashed from `seed`. */
export function uuidFromSeed(seed: Uint8Array): Binary {
  const bytes = new Uint8Array(createHash('sha256').update(seed).digest().subarray(0, 16));
  bytes[6] = (bytes[6]! & 0x0f) | 0x40;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  return new Binary(bytes, Binary.SUBTYPE_UUID);
}

/** Values at a dotted path, descending into arrays as a multikey index does. Missing ⇒ [undefined]. */
function valuesAtPath(doc: unknown, path: readonly string[]): unknown[] {
  if (path.length === 0) {
    if (Array.isArray(doc)) return doc.length === 0 ? [undefined] : doc;
    return [doc];
  }
  if (Array.isArray(doc)) {
    const out: unknown[] = [];
    for (const item of doc) out.push(...valuesAtPath(item, path));
    return out.length === 0 ? [undefined] : out;
  }
  if (!isPlainObject(doc)) return [undefined];
  const [head, ...rest] = path as [string, ...string[]];
  return valuesAtPath(doc[head], rest);
}

function sameKeyPattern(a: Record<string, unknown>, b: Record<string, unknown>): boolean {
  return indexKey(a) === indexKey(b);
}

/** Generates mongod's default index name: `a_1_b_-1`. */
export function defaultIndexName(key: Record<string, unknown>): string {
  return Object.entries(key)
    .map(([field, direction]) => `${field}_${String(direction)}`)
    .join('_');
}

/**
 * One collection: documents in natural (insertion) order keyed by their `_id`, plus its indexes.
 * Stored documents are never mutated: updates replace the stored object.
 */
export class Collection {
  readonly docs = new Map<string, StoredDocument>();
  private readonly indexStates: IndexState[] = [];
  private bytes = 0;

  /**
   * The collection's UUID (BSON Binary subtype 4), fixed at creation (catalog/collection_options.h
   * `uuid`): kept by a rename within a database, new for a re-created collection, the same on every
   * member (secondaries and initial sync take it from the `ui` of the primary's entries).
   */
  readonly uuid: Binary;

  constructor(
    readonly db: string,
    readonly name: string,
    readonly options: Document,
    uuid: Binary,
  ) {
    this.uuid = uuid;
    this.indexStates.push({ spec: ID_INDEX_SPEC, fields: ['_id'], entries: undefined });
  }

  get ns(): string {
    return `${this.db}.${this.name}`;
  }

  get sizeBytes(): number {
    return this.bytes;
  }

  get count(): number {
    return this.docs.size;
  }

  get indexes(): readonly IndexSpec[] {
    return this.indexStates.map((state) => state.spec);
  }

  documents(): Document[] {
    const out: Document[] = [];
    for (const stored of this.docs.values()) out.push(stored.doc);
    return out;
  }

  getById(id: unknown): Document | undefined {
    return this.docs.get(indexKey(id))?.doc;
  }

  /** Deep-enough copy: documents are immutable and shared, maps are copied. */
  clone(): Collection {
    const copy = new Collection(this.db, this.name, structuredClone(this.options), this.uuid);
    copy.indexStates.length = 0;
    for (const state of this.indexStates) {
      copy.indexStates.push({ spec: { ...state.spec, key: { ...state.spec.key } }, fields: state.fields, entries: state.entries ? new Map(state.entries) : undefined });
    }
    for (const [key, stored] of this.docs) copy.docs.set(key, stored);
    copy.bytes = this.bytes;
    return copy;
  }

  private keysFor(state: IndexState, doc: Document): string[] {
    if (state.spec.sparse && state.fields.every((field) => valuesAtPath(doc, field.split('.'))[0] === undefined && valuesAtPath(doc, field.split('.')).length === 1)) {
      return [];
    }
    let keys: string[] = [''];
    for (const field of state.fields) {
      const values = [...new Set(valuesAtPath(doc, field.split('.')).map((value) => indexKey(value)))];
      const next: string[] = [];
      for (const prefix of keys) for (const value of values) next.push(prefix === '' ? value : `${prefix}|${value}`);
      if (next.length > indexKeysPerDocumentMax) {
        throw serverError('CannotCreateIndex', `document generates more than ${indexKeysPerDocumentMax} keys for index ${state.spec.name}`);
      }
      keys = next;
    }
    return keys;
  }

  private duplicateKeyError(state: IndexState, doc: Document): ServerError {
    const keyValue = this.keyValue(state, doc);
    const keyPattern = { ...state.spec.key };
    return new ServerError(
      'DuplicateKey',
      `E11000 duplicate key error collection: ${this.ns} index: ${state.spec.name} dup key: ${formatDocument(keyValue)}`,
      { extra: { keyPattern, keyValue } },
    );
  }

  /** Throws DuplicateKey if `doc` (replacing the document with `replacingIdKey`, if any) would violate a unique index. */
  checkUnique(doc: Document, replacingIdKey?: string): void {
    const idKey = indexKey(doc._id);
    const existing = this.docs.get(idKey);
    if (existing && idKey !== replacingIdKey) throw this.duplicateKeyError(this.indexStates[0] as IndexState, doc);
    for (const state of this.indexStates) {
      if (!state.entries) {
        if (state.spec.prepareUnique) this.checkPreparedUnique(state, doc, replacingIdKey);
        continue;
      }
      for (const key of this.keysFor(state, doc)) {
        const holder = state.entries.get(key);
        if (holder !== undefined && holder !== replacingIdKey && holder !== idKey) throw this.duplicateKeyError(state, doc);
      }
    }
  }

  /** A prepareUnique index refuses a key the write adds when another document already has it (existing duplicates stay). */
  private checkPreparedUnique(state: IndexState, doc: Document, replacingIdKey: string | undefined): void {
    const previous = replacingIdKey === undefined ? undefined : this.docs.get(replacingIdKey);
    const had = new Set(previous ? this.keysFor(state, previous.doc) : []);
    const added = this.keysFor(state, doc).filter((key) => !had.has(key));
    if (added.length === 0) return;
    for (const [otherKey, stored] of this.docs) {
      if (otherKey === replacingIdKey) continue;
      if (this.keysFor(state, stored.doc).some((key) => added.includes(key))) throw this.duplicateKeyError(state, doc);
    }
  }

  /** The `_id`s of documents sharing a key of index `name`, per key with more than one (CannotConvertIndexToUnique's violations). */
  uniqueViolations(name: string): unknown[][] {
    const state = this.indexStates.find((candidate) => candidate.spec.name === name);
    if (!state) throw serverError('IndexNotFound', `index not found with name [${name}]`);
    const holders = new Map<string, unknown[]>();
    for (const stored of this.docs.values()) {
      for (const key of this.keysFor(state, stored.doc)) {
        const ids = holders.get(key) ?? [];
        if (!ids.includes(stored.doc._id)) ids.push(stored.doc._id);
        holders.set(key, ids);
      }
    }
    return [...holders.values()].filter((ids) => ids.length > 1);
  }

  /** Makes index `name` unique (collMod `unique: true`), building its key map; DuplicateKey if documents share a key. */
  convertToUnique(name: string): void {
    const position = this.indexStates.findIndex((state) => state.spec.name === name);
    if (position < 0) throw serverError('IndexNotFound', `index not found with name [${name}]`);
    const old = this.indexStates[position] as IndexState;
    const { prepareUnique: _prepared, ...rest } = old.spec;
    const entries = new Map<string, string>();
    const state: IndexState = { spec: { ...rest, unique: true }, fields: old.fields, entries };
    for (const [idKey, stored] of this.docs) {
      for (const key of this.keysFor(state, stored.doc)) {
        if (entries.has(key)) throw this.duplicateKeyError(state, stored.doc);
        entries.set(key, idKey);
      }
    }
    this.indexStates[position] = state;
  }

  /** Inserts or replaces (by `_id`) without checks beyond the unique indexes. Returns the previous document. */
  put(doc: Document): Document | undefined {
    const idKey = indexKey(doc._id);
    const previous = this.docs.get(idKey);
    this.checkUnique(doc, previous ? idKey : undefined);
    if (previous) this.removeKeys(previous.doc, idKey);
    const sizeBytes = calculateObjectSize(doc);
    this.docs.set(idKey, { doc, sizeBytes });
    this.bytes += sizeBytes - (previous?.sizeBytes ?? 0);
    for (const state of this.indexStates) {
      if (!state.entries) continue;
      for (const key of this.keysFor(state, doc)) state.entries.set(key, idKey);
    }
    return previous?.doc;
  }

  remove(id: unknown): Document | undefined {
    const idKey = indexKey(id);
    const previous = this.docs.get(idKey);
    if (!previous) return undefined;
    this.removeKeys(previous.doc, idKey);
    this.docs.delete(idKey);
    this.bytes -= previous.sizeBytes;
    return previous.doc;
  }

  private removeKeys(doc: Document, idKey: string): void {
    for (const state of this.indexStates) {
      if (!state.entries) continue;
      for (const key of this.keysFor(state, doc)) {
        if (state.entries.get(key) === idKey) state.entries.delete(key);
      }
    }
  }

  findIndex(nameOrKey: string | Record<string, unknown>): IndexSpec | undefined {
    return this.indexStates.find((state) =>
      typeof nameOrKey === 'string' ? state.spec.name === nameOrKey : sameKeyPattern(state.spec.key, nameOrKey),
    )?.spec;
  }

  /**
   * Adds an index. Returns false when an identical index exists (mongod: "all indexes already
   * exist"); throws IndexOptionsConflict/IndexKeySpecsConflict for near-duplicates and
   * DuplicateKey when existing documents violate a new unique index.
   */
  addIndex(spec: IndexSpec): boolean {
    const sameName = this.indexStates.find((state) => state.spec.name === spec.name);
    const sameKey = this.indexStates.find((state) => sameKeyPattern(state.spec.key, spec.key));
    if (sameName && sameKey === sameName) {
      if (Boolean(sameName.spec.unique) === Boolean(spec.unique) && Boolean(sameName.spec.sparse) === Boolean(spec.sparse)) return false;
      throw serverError('IndexOptionsConflict', `An existing index has the same name as the requested index. When index names are not specified, they are auto generated and can cause conflicts. Please refer to our documentation. Requested index: ${formatDocument(spec as unknown as Record<string, unknown>)}, existing index: ${formatDocument(sameName.spec as unknown as Record<string, unknown>)}`);
    }
    if (sameName) {
      throw serverError('IndexKeySpecsConflict', `An existing index has the same name as the requested index. When index names are not specified, they are auto generated and can cause conflicts. Please refer to our documentation. Requested index: ${formatDocument(spec as unknown as Record<string, unknown>)}, existing index: ${formatDocument(sameName.spec as unknown as Record<string, unknown>)}`);
    }
    if (sameKey) {
      throw serverError('IndexOptionsConflict', `Index already exists with a different name: ${sameKey.spec.name}`);
    }
    if (this.indexStates.length >= indexesPerCollectionMax) {
      throw serverError('CannotCreateIndex', `add index fails, too many indexes for ${this.ns} key:${formatDocument(spec.key)}`);
    }
    const state: IndexState = { spec, fields: Object.keys(spec.key), entries: spec.unique ? new Map() : undefined };
    if (state.entries) {
      for (const [idKey, stored] of this.docs) {
        for (const key of this.keysFor(state, stored.doc)) {
          if (state.entries.has(key)) throw this.duplicateKeyError(state, stored.doc);
          state.entries.set(key, idKey);
        }
      }
    }
    this.indexStates.push(state);
    return true;
  }

  dropIndex(name: string): IndexSpec {
    const position = this.indexStates.findIndex((state) => state.spec.name === name);
    if (position < 0) throw serverError('IndexNotFound', `index not found with name [${name}]`);
    if (position === 0) throw serverError('InvalidOptions', 'cannot drop _id index');
    const [removed] = this.indexStates.splice(position, 1);
    return (removed as IndexState).spec;
  }

  /** Replaces an index's spec by name (collMod's index options); the key pattern stays. */
  modifyIndex(name: string, change: (spec: IndexSpec) => IndexSpec): void {
    const position = this.indexStates.findIndex((state) => state.spec.name === name);
    if (position < 0) throw serverError('IndexNotFound', `index not found with name [${name}]`);
    const state = this.indexStates[position] as IndexState;
    this.indexStates[position] = { ...state, spec: change({ ...state.spec, key: { ...state.spec.key } }) };
  }

  /** The same collection under another namespace (renameCollection); documents and indexes are shared copies. */
  renamedTo(db: string, name: string): Collection {
    const copy = this.clone();
    const moved = new Collection(db, name, copy.options, this.uuid);
    moved.indexStates.length = 0;
    moved.indexStates.push(...copy.indexStates);
    for (const [key, stored] of copy.docs) moved.docs.set(key, stored);
    moved.bytes = copy.bytes;
    return moved;
  }

  /**
   * Compares each index with the documents it should cover, as validate does
   * (catalog/index_consistency.cpp: every key a document generates must be in the index, every
   * index entry must come from a document that generates it). The `_id` index is the document map
   * itself, unique indexes keep a key map; the other indexes are derived from the documents when
   * read, so they cannot disagree with them and are only counted.
   */
  indexConsistency(): IndexConsistency[] {
    return this.indexStates.map((state, position) => {
      const result: IndexConsistency = { name: state.spec.name, keys: 0, missing: [], extra: [] };
      if (position === 0) {
        result.keys = this.docs.size;
        for (const [idKey, stored] of this.docs) {
          if (indexKey(stored.doc._id) === idKey) continue;
          // Stored under another _id than its own: not reachable by its _id, and the entry is not its key.
          result.missing.push({ doc: stored.doc, keyValue: this.keyValue(state, stored.doc) });
          result.extra.push({ doc: stored.doc, keyValue: this.keyValue(state, stored.doc) });
        }
        return result;
      }
      if (!state.entries) {
        for (const stored of this.docs.values()) result.keys += this.keysFor(state, stored.doc).length;
        return result;
      }
      result.keys = state.entries.size;
      for (const [idKey, stored] of this.docs) {
        for (const key of this.keysFor(state, stored.doc)) {
          if (state.entries.get(key) !== idKey) result.missing.push({ doc: stored.doc, keyValue: this.keyValue(state, stored.doc) });
        }
      }
      for (const [key, idKey] of state.entries) {
        const holder = this.docs.get(idKey);
        if (holder && this.keysFor(state, holder.doc).includes(key)) continue;
        result.extra.push({ doc: holder?.doc, keyValue: holder ? this.keyValue(state, holder.doc) : { key } });
      }
      return result;
    });
  }

  /** The index key a document has for `state`, by field (the first value of a multikey field). */
  private keyValue(state: IndexState, doc: Document): Document {
    const out: Document = {};
    for (const field of state.fields) out[field] = valuesAtPath(doc, field.split('.'))[0] ?? null;
    return out;
  }

  /** Replaces the secondary indexes with `specs` (rollback of index commands). */
  restoreIndexes(specs: readonly IndexSpec[]): void {
    this.indexStates.length = 1;
    for (const spec of specs) if (spec.name !== ID_INDEX_NAME) this.addIndex(spec);
  }
}
