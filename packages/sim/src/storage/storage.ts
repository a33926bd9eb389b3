import { createHash } from 'node:crypto';
import { Binary, ObjectId, calculateObjectSize, deserialize, serialize, serializeWithBufferAndIndex } from 'bson';
import type { Document } from 'bson';
import { ServerError, serverError } from '../base/errors';
import { Collection, ID_INDEX_NAME, defaultIndexName, uuidFromSeed } from './collection';
import type { IndexSpec } from './collection';
import { checkCollectionName, checkDatabaseName, isReplicatedDatabase, parseNamespace } from './namespace';
import type { OpType, OplogOp } from './oplog';
import { compileFilter, idEquality } from './query';
import { validationFailureDetails } from './validation';
import { cloneDocument, indexKey, isPlainObject } from './values';

/** Limits, with units in their names. */
export interface StorageLimits {
  /** mongod's maximum BSON document size: 16 MiB. */
  documentSizeBytesMax: number;
  /** Cap on documents across all databases (sandboxes); Infinity = none. */
  storageDocumentsMax: number;
  /** Cap on the BSON bytes of all documents (sandboxes); Infinity = none. */
  storageBytesMax: number;
}

export const defaultStorageLimits: StorageLimits = {
  documentSizeBytesMax: 16 * 1024 * 1024,
  storageDocumentsMax: Number.POSITIVE_INFINITY,
  storageBytesMax: Number.POSITIVE_INFINITY,
};

export interface StorageOptions {
  limits?: Partial<StorageLimits>;
  /** Milliseconds since the epoch (the injected clock): used for generated ObjectIds. */
  now?: () => number;
  /** Makes the `_id` of an inserted document that lacks one. Default: deterministic from `now()`, `processUnique` and a counter. */
  newObjectId?: () => ObjectId;
  /** The 5 "process unique" bytes of generated ObjectIds (e.g. from the seeded Random). */
  processUnique?: Uint8Array;
}

/** How to invert one applied oplog entry. Pre-images are stored documents (immutable, shared). */
type UndoAction =
  /** `preImageRecorded`: the collection had changeStreamPreAndPostImages enabled, so mongod kept `pre` in config.system.preimages. */
  | { kind: 'doc'; ns: string; id: unknown; pre: Document | undefined; preImageRecorded?: boolean }
  | { kind: 'collection'; ns: string; pre: Collection | undefined }
  | { kind: 'database'; db: string; pre: Map<string, Collection> | undefined }
  | { kind: 'none' }
  /** An `applyOps` entry (a committed transaction): its ops' actions, in the order they were applied. */
  | { kind: 'many'; steps: Array<{ op: OpType; action: UndoAction }> };

/**
 * The opaque `undo` an applied entry carries: how to invert it. Pre-images are stored documents
 * (immutable, shared) or whole collections as they were.
 */
export class UndoToken {
  #action: UndoAction;
  constructor(action: UndoAction) {
    this.#action = action;
  }
  get action(): UndoAction {
    return this.#action;
  }
}

/** One undone entry's document, as mongod writes it to a rollback file. */
export interface RolledBackDocument {
  ns: string;
  op: OpType;
  /** The document as the undone write left it (null when it no longer existed, e.g. after a delete). */
  doc: Document | null;
}

/**
 * What the replication core needs from storage, and nothing more: `applyOps` for secondaries,
 * `undo` for rollback. Each applied entry gets its private undo information in `entry.undo`.
 */
export interface ReplStorage {
  /** Apply entries fetched from a sync source, in order; set each entry's `undo`. */
  applyOps(entries: readonly OplogOp[]): void;
  /** Undo entries, given newest first, using their `undo`; return what they had written. */
  undo(entries: readonly OplogOp[]): RolledBackDocument[];
  /** A stable fingerprint of all user data, for convergence checks. */
  dataDigest(): string;
  /** The databases that hold collections (initial sync drops them before cloning). */
  listDatabaseNames(): string[];
}

/** Per-write options from the command (`bypassDocumentValidation`). */
export interface WriteOptions {
  bypassDocumentValidation?: boolean;
}

export interface CreateIndexesResult {
  numIndexesBefore: number;
  numIndexesAfter: number;
  createdCollectionAutomatically: boolean;
  /** Set when every requested index already existed. */
  note?: string;
}

/** Where a database keeps its views' definitions (mongod's `<db>.system.views`). */
export const SYSTEM_VIEWS = 'system.views';
/** view_graph.h kMaxViewDepth: how many views one view may stand on. */
export const viewDepthMax = 20;

/** collection_options.cpp adjustCappedSize: capped sizes are whole multiples of 256 bytes. */
export function adjustCappedSize(sizeBytes: number): number {
  return Math.ceil(Math.trunc(sizeBytes) / 256) * 256;
}

/** adjustCappedMaxDocs: a `max` of 0 or less means none, kept as 0x7fffffff. */
export function adjustCappedMax(max: number): number {
  return max <= 0 ? 0x7fffffff : Math.trunc(max);
}

/** One view, as `system.views` holds it (without the `db.` of its `_id`). */
export interface ViewDefinition {
  name: string;
  viewOn: string;
  pipeline: Document[];
  collation?: Document;
}

/** A placeholder UUID (all zeros) for a collection that is never stored. */
const NIL_UUID = new Binary(new Uint8Array(16), Binary.SUBTYPE_UUID);

const STORAGE_FORMAT = 'rslab-storage';
const STORAGE_FORMAT_VERSION = 1;

/**
 * A mongod's data: databases → collections → documents, in memory.
 *
 * Every mutation goes through here and appends the oplog entries that describe it to the `oplog`
 * array the caller passes (writes to the `local` database are not logged, as in mongod). Each
 * applied entry — made here or applied from a sync source — gets an `undo` token holding its
 * pre-image, so a rollback restores the exact previous state: see `undo`. (Chosen over snapshots:
 * the cost is one reference per entry, since stored documents are never mutated.)
 */
export class Storage implements ReplStorage {
  readonly limits: StorageLimits;
  private readonly databases = new Map<string, Map<string, Collection>>();
  private readonly now: () => number;
  private readonly newObjectIdFn: () => ObjectId;
  private objectIdCounter = 0;
  private uuidCounter = 0;
  private processUnique: Uint8Array;
  private objectIdsSeededFlag: boolean;
  private documentCount = 0;
  private bytesTotal = 0;

  constructor(options: StorageOptions = {}) {
    this.limits = { ...defaultStorageLimits, ...options.limits };
    this.now = options.now ?? (() => 0);
    this.processUnique = options.processUnique ?? new Uint8Array(5);
    if (this.processUnique.length !== 5) throw new RangeError('processUnique must be 5 bytes');
    this.objectIdsSeededFlag = options.processUnique !== undefined || options.newObjectId !== undefined;
    this.newObjectIdFn = options.newObjectId ?? (() => this.defaultObjectId());
  }

  private defaultObjectId(): ObjectId {
    const bytes = new Uint8Array(12);
    const seconds = Math.floor(this.now() / 1000) >>> 0;
    new DataView(bytes.buffer).setUint32(0, seconds);
    bytes.set(this.processUnique, 4);
    const counter = this.objectIdCounter++ & 0xffffff;
    bytes[9] = (counter >>> 16) & 0xff;
    bytes[10] = (counter >>> 8) & 0xff;
    bytes[11] = counter & 0xff;
    return new ObjectId(bytes);
  }

  newObjectId(): ObjectId {
    return this.newObjectIdFn();
  }

  /**
   * A new collection UUID: version 4, variant 1 (mongod's UUID::gen(), BSON Binary subtype 4).
   * Deterministic as generated ObjectIds are: from the process-unique bytes (random once
   * `seedObjectIds` ran), the clock and a counter, hashed.
   */
  newCollectionUuid(): Binary {
    const seed = new Uint8Array(17);
    seed.set(this.processUnique, 0);
    const view = new DataView(seed.buffer);
    view.setFloat64(5, this.now());
    view.setUint32(13, this.uuidCounter++ >>> 0);
    return uuidFromSeed(seed);
  }

  /** Whether generated ObjectIds have their own process-unique bytes (else two storages could make the same ids). */
  get objectIdsSeeded(): boolean {
    return this.objectIdsSeededFlag;
  }

  /**
   * Gives generated ObjectIds random process-unique bytes and a random counter start, as a real
   * mongod does at startup, from the seeded Random: members then never generate the same `_id`.
   */
  seedObjectIds(random: { nextUint32(): number }): void {
    const unique = new Uint8Array(5);
    for (let i = 0; i < unique.length; i++) unique[i] = random.nextUint32() & 0xff;
    this.processUnique = unique;
    this.objectIdCounter = random.nextUint32() & 0xffffff;
    this.objectIdsSeededFlag = true;
  }

  /** The injected clock's time in milliseconds (for `$currentDate`). */
  nowMillis(): number {
    return this.now();
  }

  // ---- reading ----

  listDatabaseNames(): string[] {
    return [...this.databases.keys()].sort();
  }

  hasDatabase(db: string): boolean {
    return this.databases.has(db);
  }

  listCollections(db: string): Collection[] {
    const colls = this.databases.get(db);
    return colls ? [...colls.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)) : [];
  }

  getCollection(db: string, coll: string): Collection | undefined {
    return this.databases.get(db)?.get(coll);
  }

  /**
   * The view `db.name`, as mongod keeps it: a document `{_id: "db.name", viewOn, pipeline,
   * collation?}` in the database's `system.views` collection (catalog/durable_view_catalog.cpp), so
   * a view replicates, journals and rolls back as that collection's inserts and deletes do.
   */
  getView(db: string, name: string): ViewDefinition | undefined {
    const doc = this.getCollection(db, SYSTEM_VIEWS)?.getById(`${db}.${name}`);
    if (doc === undefined || typeof doc.viewOn !== 'string') return undefined;
    const view: ViewDefinition = { name, viewOn: doc.viewOn, pipeline: Array.isArray(doc.pipeline) ? (doc.pipeline as Document[]) : [] };
    if (isPlainObject(doc.collation)) view.collation = doc.collation;
    return view;
  }

  /** The database's views, by name. */
  listViews(db: string): ViewDefinition[] {
    const prefix = `${db}.`;
    const out: ViewDefinition[] = [];
    for (const doc of this.documents(db, SYSTEM_VIEWS)) {
      const id: unknown = doc._id;
      const view = typeof id === 'string' && id.startsWith(prefix) ? this.getView(db, id.slice(prefix.length)) : undefined;
      if (view) out.push(view);
    }
    return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /**
   * A view down to its collection: the collection it finally reads and the pipelines of the views
   * on the way, innermost first (a view on a view runs the inner view's pipeline first). Undefined
   * when `name` is no view. GraphContainsCycle past `viewDepthMax` (a cycle: view_graph.cpp).
   */
  resolveView(db: string, name: string): { coll: string; pipeline: Document[]; collation?: Document } | undefined {
    let view = this.getView(db, name);
    if (view === undefined) return undefined;
    const collation = view.collation;
    const pipelines: Document[][] = [];
    for (let depth = 0; view !== undefined; depth++) {
      if (depth >= viewDepthMax) throw serverError('GraphContainsCycle', `View depth too deep or view cycle detected. Maximum depth is ${viewDepthMax}`);
      pipelines.unshift(view.pipeline);
      const next = this.getView(db, view.viewOn);
      if (next === undefined) return { coll: view.viewOn, pipeline: pipelines.flat(), ...(collation ? { collation } : {}) };
      view = next;
    }
    throw new Error('unreachable');
  }

  /**
   * Creates a view (create_collection.cpp _createView): `system.views` first when missing, then the
   * view's document there. NamespaceExists (48) when a collection or view has the name.
   */
  createView(db: string, view: ViewDefinition, oplog: OplogOp[]): void {
    checkCollectionName(db, view.name);
    if (this.getCollection(db, view.name) || this.getView(db, view.name)) throw serverError('NamespaceExists', `Namespace already exists: ${db}.${view.name}`);
    const doc = this.viewDocument(db, view);
    this.ensureCollection(db, SYSTEM_VIEWS, oplog);
    this.applyLogged({ op: 'i', ns: `${db}.${SYSTEM_VIEWS}`, o: doc }, oplog);
  }

  /** collMod of a view: its system.views document replaced (one `u` entry with the whole document). */
  modifyView(db: string, view: ViewDefinition, oplog: OplogOp[]): void {
    if (!this.getView(db, view.name)) throw serverError('NamespaceNotFound', `ns does not exist: ${db}.${view.name}`);
    this.replace(db, SYSTEM_VIEWS, this.viewDocument(db, view), oplog, 'full');
  }

  /** A view's system.views document, once its viewOn chain is checked (view_graph.cpp: no cycle, at most `viewDepthMax` deep). */
  private viewDocument(db: string, view: ViewDefinition): Document {
    const seen = [view.name];
    for (let on: ViewDefinition | undefined = { ...view }; on !== undefined; on = this.getView(db, on.viewOn)) {
      if (seen.includes(on.viewOn)) throw serverError('GraphContainsCycle', `View cycle detected: [${[...seen, on.viewOn].map((n) => `${db}.${n}`).join(' => ')}]`);
      seen.push(on.viewOn);
      if (seen.length > viewDepthMax) throw serverError('GraphContainsCycle', `View depth too deep or view cycle detected. Maximum depth is ${viewDepthMax}`);
    }
    const doc: Document = { _id: `${db}.${view.name}`, viewOn: view.viewOn, pipeline: view.pipeline };
    if (view.collation) doc.collation = view.collation;
    return doc;
  }

  /** Drops a view: its document leaves `system.views` (one `d` entry). */
  dropView(db: string, name: string, oplog: OplogOp[]): void {
    if (!this.getView(db, name)) throw serverError('NamespaceNotFound', 'ns not found');
    this.applyLogged({ op: 'd', ns: `${db}.${SYSTEM_VIEWS}`, o: { _id: `${db}.${name}` } }, oplog);
  }

  /** CommandNotSupportedOnView (166) with mongod's words when `db.coll` is a view (AutoGetCollection, views forbidden). */
  refuseView(db: string, coll: string): void {
    if (this.getView(db, coll)) throw serverError('CommandNotSupportedOnView', `Namespace ${db}.${coll} is a view, not a collection`);
  }

  /** Documents of a collection in natural order ([] when it does not exist). Do not mutate them. */
  documents(db: string, coll: string): Document[] {
    return this.getCollection(db, coll)?.documents() ?? [];
  }

  /**
   * The documents a filter can match, in natural order: one at most when the filter pins `_id`
   * (the `_id` index), else all. The caller still applies the whole filter.
   */
  candidates(db: string, coll: string, filter: Document): Document[] {
    const collection = this.getCollection(db, coll);
    if (!collection) return [];
    const id = idEquality(filter);
    if (id) {
      const doc = collection.getById(id.value);
      return doc ? [doc] : [];
    }
    return collection.documents();
  }

  get totalDocuments(): number {
    return this.documentCount;
  }

  get totalBytes(): number {
    return this.bytesTotal;
  }

  databaseSizeBytes(db: string): number {
    let total = 0;
    for (const coll of this.databases.get(db)?.values() ?? []) total += coll.sizeBytes;
    return total;
  }

  // ---- collections and indexes ----

  /** Creates a collection; NamespaceExists (48) if it exists. */
  createCollection(db: string, coll: string, options: Document, oplog: OplogOp[]): void {
    checkCollectionName(db, coll);
    if (this.getCollection(db, coll)) throw serverError('NamespaceExists', `Collection ${db}.${coll} already exists.`);
    if (this.getView(db, coll)) throw serverError('NamespaceExists', `Namespace already exists: ${db}.${coll}`);
    if (options.validator !== undefined) {
      if (!isPlainObject(options.validator)) throw serverError('TypeMismatch', "BSON field 'create.validator' is the wrong type, expected type 'object'");
      if (JSON.stringify(Object.keys(options.validator)).includes('$jsonSchema')) {
        throw serverError('CommandNotSupported', '$jsonSchema validators are not supported by the simulated mongod');
      }
      compileFilter(options.validator);
    }
    const stored: Document = { ...options };
    // CollectionOptions keeps changeStreamPreAndPostImages only when enabled (as collMod does, applyCollModOptions).
    if (stored.changeStreamPreAndPostImages !== undefined) {
      const images = stored.changeStreamPreAndPostImages;
      if (!isPlainObject(images) || typeof images.enabled !== 'boolean') {
        throw serverError('TypeMismatch', "BSON field 'create.changeStreamPreAndPostImages.enabled' is missing or not a boolean");
      }
      if (images.enabled) stored.changeStreamPreAndPostImages = { enabled: true };
      else delete stored.changeStreamPreAndPostImages;
    }
    this.applyLogged({ op: 'c', ns: `${db}.$cmd`, o: { create: coll, ...stored } }, oplog);
  }

  /** The collection, created (and logged) first when missing, as an insert or createIndexes does. */
  private ensureCollection(db: string, coll: string, oplog: OplogOp[]): { collection: Collection; created: boolean } {
    const existing = this.getCollection(db, coll);
    if (existing) return { collection: existing, created: false };
    this.createCollection(db, coll, {}, oplog);
    return { collection: this.getCollection(db, coll) as Collection, created: true };
  }

  /** Drops a collection; NamespaceNotFound (26) "ns not found" if missing. Returns its document count. */
  dropCollection(db: string, coll: string, oplog: OplogOp[]): void {
    checkDatabaseName(db);
    if (!this.getCollection(db, coll)) throw serverError('NamespaceNotFound', 'ns not found');
    this.applyLogged({ op: 'c', ns: `${db}.$cmd`, o: { drop: coll } }, oplog);
  }

  /** Drops a database (a no-op without an entry when it does not exist, as mongod). */
  dropDatabase(db: string, oplog: OplogOp[]): boolean {
    checkDatabaseName(db);
    if (!this.databases.has(db)) return false;
    this.applyLogged({ op: 'c', ns: `${db}.$cmd`, o: { dropDatabase: 1 } }, oplog);
    return true;
  }

  /**
   * collMod (catalog/coll_mod.cpp): sets collection options and at most one index's options, and
   * logs one `c` entry as OpObserverImpl::onCollMod writes it: `o` is the command's changes,
   * `o2.collectionOptions_old` the options before and `o2.indexOptions_old` the index's old values.
   * Returns the index's old values (the command's `hidden_old`, `expireAfterSeconds_old`).
   */
  collMod(db: string, coll: string, change: CollModChange, oplog: OplogOp[]): Document {
    const collection = this.getCollection(db, coll);
    if (!collection) throw serverError('NamespaceNotFound', 'ns does not exist');
    const o: Document = { collMod: coll, ...change.options };
    const o2: Document = { collectionOptions_old: structuredClone(collection.options) };
    const indexOld: Document = {};
    if (change.index) {
      const spec = collection.findIndex(change.index.name);
      if (!spec) throw serverError('IndexNotFound', `cannot find index ${change.index.name} for ns ${db}.${coll}`);
      if (change.index.expireAfterSeconds !== undefined) indexOld.expireAfterSeconds = spec.expireAfterSeconds;
      if (change.index.hidden !== undefined) indexOld.hidden = spec.hidden === true;
      if (change.index.prepareUnique !== undefined) indexOld.prepareUnique = spec.prepareUnique === true;
      if (change.index.unique) {
        const violations = collection.uniqueViolations(spec.name);
        if (violations.length > 0) {
          throw serverError('CannotConvertIndexToUnique', 'Cannot convert the index to unique. Please resolve conflicting documents before running collMod again.', {
            extra: { violations: violations.map((ids) => ({ ids })) },
          });
        }
        indexOld.unique = false;
      }
      o.index = { ...change.index };
      o2.indexOptions_old = indexOld;
    }
    this.applyLogged({ op: 'c', ns: `${db}.$cmd`, o, o2 }, oplog);
    return indexOld;
  }

  /**
   * renameCollection (catalog/rename_collection.cpp). Within a database: one `c` entry
   * `{renameCollection: from, to, stayTemp: false, dropTarget?}` (OpObserverImpl::preRenameCollection;
   * `dropTarget` only when a target was dropped, holding that collection's UUID; `ui` is the
   * source's, which the renamed collection keeps). Across databases mongod copies:
   * it creates a temporary collection in the target database, inserts the documents and builds the
   * indexes there, renames it onto the target, then drops the source; the entries say the same.
   */
  renameCollection(from: { db: string; coll: string }, to: { db: string; coll: string }, dropTarget: boolean, oplog: OplogOp[]): void {
    const source = this.getCollection(from.db, from.coll);
    if (!source) throw serverError('NamespaceNotFound', `Source collection ${from.db}.${from.coll} does not exist`);
    const target = this.getCollection(to.db, to.coll);
    if (target && !dropTarget) throw serverError('NamespaceExists', 'target namespace exists');
    if (from.db === to.db) {
      this.applyLogged({ op: 'c', ns: `${from.db}.$cmd`, o: { renameCollection: `${from.db}.${from.coll}`, to: `${to.db}.${to.coll}`, stayTemp: false, ...(target ? { dropTarget: target.uuid } : {}) } }, oplog);
      return;
    }
    const tmp = `tmp${this.newObjectId().toHexString().slice(-5)}.renameCollection`;
    this.applyLogged({ op: 'c', ns: `${to.db}.$cmd`, o: { create: tmp, ...structuredClone(source.options) } }, oplog);
    for (const doc of source.documents()) this.applyLogged({ op: 'i', ns: `${to.db}.${tmp}`, o: doc }, oplog);
    for (const spec of source.indexes) {
      if (spec.name !== ID_INDEX_NAME) this.applyLogged({ op: 'c', ns: `${to.db}.$cmd`, o: { createIndexes: tmp, ...spec } }, oplog);
    }
    this.applyLogged({ op: 'c', ns: `${to.db}.$cmd`, o: { renameCollection: `${to.db}.${tmp}`, to: `${to.db}.${to.coll}`, stayTemp: false, ...(target ? { dropTarget: target.uuid } : {}) } }, oplog);
    this.applyLogged({ op: 'c', ns: `${from.db}.$cmd`, o: { drop: from.coll } }, oplog);
  }

  /**
   * cloneCollectionAsCapped (collection_crud/capped_utils.cpp): a new capped collection `to` of
   * `sizeBytes` with the source's options (no index but `_id`), filled with the source's documents
   * oldest first — skipping at the start those that could not fit anyway — each an insert entry,
   * the capped deletes following as they do for any insert. Validation is off for the copy.
   */
  cloneCollectionAsCapped(db: string, from: string, to: string, sizeBytes: number, oplog: OplogOp[]): void {
    const source = this.getCollection(db, from);
    if (!source) {
      if (this.getView(db, from)) throw serverError('CommandNotSupportedOnView', `cloneCollectionAsCapped not supported for views: ${db}.${from}`);
      throw serverError('NamespaceNotFound', `source collection ${db}.${from} does not exist`);
    }
    if (this.getCollection(db, to) || this.getView(db, to)) {
      throw serverError('NamespaceExists', `cloneCollectionAsCapped failed - destination collection ${db}.${to} already exists. source collection: ${db}.${from}`);
    }
    const options: Document = { ...structuredClone(source.options), capped: true, size: sizeBytes };
    this.applyLogged({ op: 'c', ns: `${db}.$cmd`, o: { create: to, ...options } }, oplog);
    const target = this.getCollection(db, to) as Collection;
    // capped_utils.cpp: what exceeds twice the size is skipped, counting 4x each document's size.
    let excessBytes = source.sizeBytes - 2 * sizeBytes;
    for (const stored of source.docs.values()) {
      if (excessBytes > 0) {
        excessBytes -= 4 * stored.sizeBytes;
        continue;
      }
      this.applyLogged({ op: 'i', ns: `${db}.${to}`, o: stored.doc }, oplog);
      this.cappedDeleteAsNeeded(target, stored.doc._id, oplog);
    }
  }

  listIndexes(db: string, coll: string): IndexSpec[] {
    const collection = this.getCollection(db, coll);
    if (!collection) throw serverError('NamespaceNotFound', `ns does not exist: ${db}.${coll}`);
    return collection.indexes.map((spec) => ({ ...spec }));
  }

  createIndexes(db: string, coll: string, specs: readonly Document[], oplog: OplogOp[]): CreateIndexesResult {
    checkCollectionName(db, coll);
    const parsed = specs.map((spec) => parseIndexSpec(spec));
    // Validate all first (the command is atomic), then create the collection if needed and log one entry per new index.
    const existing = this.getCollection(db, coll);
    const trial = existing ? existing.clone() : new Collection(db, coll, {}, NIL_UUID);
    const numIndexesBefore = trial.indexes.length;
    const fresh: IndexSpec[] = [];
    for (const spec of parsed) if (trial.addIndex(spec)) fresh.push(spec);
    const { collection, created } = this.ensureCollection(db, coll, oplog);
    for (const spec of fresh) {
      this.applyLogged({ op: 'c', ns: `${db}.$cmd`, o: { createIndexes: coll, ...spec } }, oplog);
    }
    const result: CreateIndexesResult = { numIndexesBefore, numIndexesAfter: collection.indexes.length, createdCollectionAutomatically: created };
    if (fresh.length === 0) result.note = 'all indexes already exist';
    return result;
  }

  /** Drops indexes by name, by key pattern, a list of names, or `'*'` (all but `_id_`). Returns nIndexesWas. */
  dropIndexes(db: string, coll: string, index: unknown, oplog: OplogOp[]): number {
    const collection = this.getCollection(db, coll);
    if (!collection) throw serverError('NamespaceNotFound', `ns not found ${db}.${coll}`);
    const before = collection.indexes.length;
    let names: string[];
    if (index === '*') names = collection.indexes.filter((spec) => spec.name !== ID_INDEX_NAME).map((spec) => spec.name);
    else if (typeof index === 'string') names = [index];
    else if (Array.isArray(index) && index.every((name) => typeof name === 'string')) names = index as string[];
    else if (isPlainObject(index)) {
      const spec = collection.findIndex(index);
      if (!spec) throw serverError('IndexNotFound', `can't find index with key: ${JSON.stringify(index)}`);
      names = [spec.name];
    } else throw serverError('TypeMismatch', `BSON field 'dropIndexes.index' is the wrong type, expected type string, array or object`);
    for (const name of names) {
      if (name === ID_INDEX_NAME) throw serverError('InvalidOptions', 'cannot drop _id index');
      if (!collection.findIndex(name)) throw serverError('IndexNotFound', `index not found with name [${name}]`);
    }
    for (const name of names) this.applyLogged({ op: 'c', ns: `${db}.$cmd`, o: { dropIndexes: coll, index: name } }, oplog);
    return before;
  }

  // ---- documents ----

  private checkDocumentSize(doc: Document, what: 'insert' | 'update'): number {
    const size = calculateObjectSize(doc);
    if (size > this.limits.documentSizeBytesMax) {
      if (what === 'insert') {
        throw serverError('BadValue', `object to insert too large. size in bytes: ${size}, max size: ${this.limits.documentSizeBytesMax}`);
      }
      throw serverError('BSONObjectTooLarge', `Resulting document after update is larger than ${this.limits.documentSizeBytesMax}`);
    }
    return size;
  }

  private checkCaps(addDocuments: number, addBytes: number): void {
    if (this.documentCount + addDocuments > this.limits.storageDocumentsMax) {
      throw serverError('OutOfDiskSpace', `storage limit reached: at most ${this.limits.storageDocumentsMax} documents (storageDocumentsMax)`);
    }
    if (this.bytesTotal + addBytes > this.limits.storageBytesMax) {
      throw serverError('OutOfDiskSpace', `storage limit reached: at most ${this.limits.storageBytesMax} bytes of documents (storageBytesMax)`);
    }
  }

  /**
   * Prepares a document for insertion as mongod does: `_id` first, generated (ObjectId) when missing;
   * rejects array/regex/undefined `_id` (InvalidIdField 53) and oversize documents.
   */
  prepareInsert(doc: Document): Document {
    if (!isPlainObject(doc)) throw serverError('TypeMismatch', 'document to insert must be an object');
    const id = '_id' in doc ? doc._id : this.newObjectId();
    if (Array.isArray(id)) throw serverError('InvalidIdField', "The '_id' value cannot be of type array");
    if (id instanceof RegExp) throw serverError('InvalidIdField', "The '_id' value cannot be of type regex");
    if (id === undefined) throw serverError('InvalidIdField', "The '_id' value cannot be of type undefined");
    checkIdStorable(id);
    const out: Document = { _id: id };
    for (const [key, value] of Object.entries(doc)) if (key !== '_id') out[key] = value;
    const prepared = cloneDocument(out);
    this.checkDocumentSize(prepared, 'insert');
    return prepared;
  }

  /**
   * The collection's `validator` (a query) must match `doc`, unless bypassed, `validationLevel` is
   * "off", or "moderate" and the document being replaced did not match either;
   * `validationAction: "warn"` lets it pass. DocumentValidationFailure (121) otherwise.
   */
  private checkValidator(collection: Collection | undefined, doc: Document, previous: Document | undefined, write: WriteOptions): void {
    const validator = collection?.options.validator;
    if (!collection || write.bypassDocumentValidation || !isPlainObject(validator)) return;
    const level = collection.options.validationLevel ?? 'strict';
    if (level === 'off' || collection.options.validationAction === 'warn') return;
    const matches = compileFilter(validator);
    if (level === 'moderate' && previous && !matches(previous)) return;
    if (!matches(doc)) {
      const details = validationFailureDetails(validator, doc);
      throw serverError('DocumentValidationFailure', 'Document failed validation', { extra: { errInfo: { failingDocumentId: doc._id, details } } });
    }
  }

  /** Inserts one document (creating the collection if needed). Returns the stored document (with its `_id`). */
  insert(db: string, coll: string, doc: Document, oplog: OplogOp[], write: WriteOptions = {}): Document {
    checkCollectionName(db, coll);
    this.refuseView(db, coll);
    const prepared = this.prepareInsert(doc);
    const existing = this.getCollection(db, coll);
    this.checkValidator(existing, prepared, undefined, write);
    if (existing) existing.checkUnique(prepared);
    this.checkCaps(1, calculateObjectSize(prepared));
    const { collection } = this.ensureCollection(db, coll, oplog);
    this.applyLogged({ op: 'i', ns: `${db}.${coll}`, o: prepared }, oplog);
    if (collection.options.capped === true) this.cappedDeleteAsNeeded(collection, prepared._id, oplog);
    return prepared;
  }

  /**
   * A capped collection over its `size` (bytes of documents) or `max` (documents) loses its oldest
   * documents, never the one just inserted (collection_crud/capped_collection_maintenance.cpp
   * cappedDeleteUntilBelowConfiguredMaximum). Since FCV 5.0 the primary logs each as a `d` entry and
   * secondaries delete only by applying those (shouldDeferCappedDeletesToOplogApplication): so
   * this runs on the write path only, never in `applyOplogEntry`.
   */
  private cappedDeleteAsNeeded(collection: Collection, justInserted: unknown, oplog: OplogOp[]): void {
    const sizeBytesMax = Number(collection.options.size ?? 0);
    const max = Number(collection.options.max ?? 0);
    const docsMax = max > 0 ? max : Number.POSITIVE_INFINITY;
    const keep = indexKey(justInserted);
    for (const old of collection.documents()) {
      if (collection.sizeBytes <= sizeBytesMax && collection.count <= docsMax) break;
      if (indexKey(old._id) === keep) break;
      this.applyLogged({ op: 'd', ns: collection.ns, o: { _id: old._id } }, oplog);
    }
  }

  /**
   * Replaces the document whose `_id` is `next._id` with `next` (an update's post-image). `_id` must
   * not change. Logs a top-level `$set`/`$unset` diff when that reproduces `next` exactly, else the
   * full post-image. Returns false when nothing changed (no entry).
   */
  replace(db: string, coll: string, next: Document, oplog: OplogOp[], kind: 'diff' | 'full' = 'diff', write: WriteOptions = {}): boolean {
    const collection = this.getCollection(db, coll);
    if (!collection) throw serverError('NamespaceNotFound', `ns not found ${db}.${coll}`);
    const current = collection.getById(next._id);
    if (!current) throw new Error(`Storage.replace: no document with _id ${indexKey(next._id)} in ${db}.${coll}`);
    const prepared = cloneDocument(next);
    const size = this.checkDocumentSize(prepared, 'update');
    if (bsonEqual(current, prepared)) return false;
    this.checkValidator(collection, prepared, current, write);
    collection.checkUnique(prepared, indexKey(prepared._id));
    this.checkCaps(0, size - calculateObjectSize(current));
    let o: Document = prepared;
    if (kind === 'diff') {
      const diff = topLevelDiff(current, prepared);
      if (bsonEqual(applyDiff(current, diff), prepared)) o = diff;
    }
    this.applyLogged({ op: 'u', ns: `${db}.${coll}`, o2: { _id: prepared._id }, o }, oplog);
    return true;
  }

  /** Deletes by `_id`. Returns the deleted document, or undefined when there was none (no entry). */
  remove(db: string, coll: string, id: unknown, oplog: OplogOp[]): Document | undefined {
    const current = this.getCollection(db, coll)?.getById(id);
    if (!current) return undefined;
    this.applyLogged({ op: 'd', ns: `${db}.${coll}`, o: { _id: current._id } }, oplog);
    return current;
  }

  // ---- the oplog ----

  private applyLogged(entry: OplogOp, oplog: OplogOp[]): void {
    const ui = this.uuidOfOp(entry);
    if (ui !== undefined) entry.ui = ui;
    this.applyOplogEntry(entry);
    const { db } = parseNamespace(entry.ns);
    if (isReplicatedDatabase(db)) oplog.push(entry);
  }

  /**
   * The `ui` OpObserverImpl writes on an op about to be logged: the collection's UUID for
   * inserts, updates, deletes and the commands on one collection (a new one for `create`, the
   * source's for `renameCollection`); none for dropDatabase and applyOps.
   */
  private uuidOfOp(entry: OplogOp): Binary | undefined {
    if (entry.ui !== undefined || entry.op === 'n') return entry.ui;
    const { db, coll } = parseNamespace(entry.ns);
    if (entry.op !== 'c') return this.getCollection(db, coll)?.uuid;
    const name = Object.keys(entry.o)[0];
    const target: unknown = name === undefined ? undefined : entry.o[name];
    switch (name) {
      case 'create':
        return this.newCollectionUuid();
      case 'drop':
      case 'createIndexes':
      case 'dropIndexes':
      case 'collMod':
        return typeof target === 'string' ? this.getCollection(db, target)?.uuid : undefined;
      case 'renameCollection': {
        if (typeof target !== 'string') return undefined;
        const from = parseNamespace(target);
        return this.getCollection(from.db, from.coll)?.uuid;
      }
      default:
        return undefined;
    }
  }

  /**
   * Applies one oplog entry (on a secondary, or while replaying a journal). Idempotent: applying the
   * same entry again leaves the same state — an insert of an existing `_id` replaces it, an update
   * of a missing document with a full post-image inserts it, a delete of a missing document and a
   * drop of a missing collection do nothing.
   */
  applyOplogEntry(entry: OplogOp): void {
    const action = this.applyEntry(entry);
    // Re-applying the same entry object keeps the first pre-image: that is the state to roll back to.
    if (!(entry.undo instanceof UndoToken)) entry.undo = new UndoToken(action);
  }

  /**
   * Applies entries in order (a secondary's batch); each gets its `undo`. All or nothing: when an
   * entry fails, the ones before it are undone (and lose their token) before the error propagates,
   * so a refetch applies the batch again from the same state.
   */
  applyOps(entries: readonly OplogOp[]): void {
    const applied: OplogOp[] = [];
    try {
      for (const entry of entries) {
        const hadToken = entry.undo instanceof UndoToken;
        this.applyOplogEntry(entry);
        if (!hadToken) applied.push(entry);
      }
    } catch (error) {
      this.undo(applied.reverse());
      for (const entry of applied) delete entry.undo;
      throw error;
    }
  }

  private applyEntry(entry: OplogOp): UndoAction {
    // No-ops carry `ns: ''` (mongod's "initiating set" and "new primary" messages).
    if (entry.op === 'n') return { kind: 'none' };
    const { db, coll } = parseNamespace(entry.ns);
    const ui = asUuid(entry.ui);
    switch (entry.op) {
      case 'i': {
        const collection = this.collectionForApply(db, coll, ui);
        const doc = cloneDocument(entry.o);
        const pre = collection.getById(doc._id);
        collection.put(doc);
        this.recount();
        return { kind: 'doc', ns: entry.ns, id: doc._id, pre };
      }
      case 'u': {
        if (!entry.o2 || !('_id' in entry.o2)) throw serverError('FailedToParse', `update oplog entry for ${entry.ns} has no o2._id`);
        const collection = this.collectionForApply(db, coll, ui);
        const id = entry.o2._id;
        const pre = collection.getById(id);
        const isDiff = Object.keys(entry.o).some((key) => key.startsWith('$'));
        let next: Document;
        if (isDiff) next = applyDiff(pre ?? { _id: id }, entry.o);
        else next = cloneDocument({ _id: id, ...entry.o });
        if (indexKey(next._id) !== indexKey(id)) throw serverError('ImmutableField', `oplog update changes _id of ${entry.ns}`);
        collection.put(next);
        this.recount();
        return { kind: 'doc', ns: entry.ns, id, pre, ...preImageFlag(collection) };
      }
      case 'd': {
        const collection = this.getCollection(db, coll);
        const pre = collection?.remove(entry.o._id);
        this.recount();
        return { kind: 'doc', ns: entry.ns, id: entry.o._id, pre, ...(collection ? preImageFlag(collection) : {}) };
      }
      case 'c':
        return this.applyCommand(db, entry, ui);
      default:
        throw serverError('OplogOperationUnsupported', `unknown oplog operation ${JSON.stringify((entry as { op: unknown }).op)}`);
    }
  }

  /** The collection, made (with the entry's `ui`, else a new UUID) when an applied op finds it missing. */
  private collectionForApply(db: string, coll: string, ui?: Binary): Collection {
    const colls = this.databaseForApply(db);
    let collection = colls.get(coll);
    if (!collection) {
      collection = new Collection(db, coll, {}, ui ?? this.newCollectionUuid());
      colls.set(coll, collection);
    }
    return collection;
  }

  private databaseForApply(db: string): Map<string, Collection> {
    let colls = this.databases.get(db);
    if (!colls) {
      colls = new Map();
      this.databases.set(db, colls);
    }
    return colls;
  }

  private applyCommand(db: string, entry: OplogOp, ui: Binary | undefined): UndoAction {
    const o = entry.o;
    const name = Object.keys(o)[0];
    switch (name) {
      case 'create': {
        const coll = String(o.create);
        const { create: _create, ...options } = o;
        const existing = this.getCollection(db, coll);
        if (existing) return { kind: 'none' };
        // The primary's UUID (oplog entry `ui`), so every member has the same one.
        this.databaseForApply(db).set(coll, new Collection(db, coll, options, ui ?? this.newCollectionUuid()));
        return { kind: 'collection', ns: `${db}.${coll}`, pre: undefined };
      }
      case 'drop': {
        const coll = String(o.drop);
        const colls = this.databases.get(db);
        const pre = colls?.get(coll);
        if (!colls || !pre) return { kind: 'none' };
        colls.delete(coll);
        if (colls.size === 0) this.databases.delete(db);
        this.recount();
        return { kind: 'collection', ns: `${db}.${coll}`, pre };
      }
      case 'dropDatabase': {
        const pre = this.databases.get(db);
        if (!pre) return { kind: 'none' };
        this.databases.delete(db);
        this.recount();
        return { kind: 'database', db, pre };
      }
      case 'createIndexes': {
        const coll = String(o.createIndexes);
        const collection = this.collectionForApply(db, coll, ui);
        const pre = collection.clone();
        const { createIndexes: _c, ...spec } = o;
        collection.addIndex(parseIndexSpec(spec));
        return { kind: 'collection', ns: `${db}.${coll}`, pre };
      }
      case 'dropIndexes': {
        const coll = String(o.dropIndexes);
        const collection = this.getCollection(db, coll);
        if (!collection || !collection.findIndex(String(o.index))) return { kind: 'none' };
        const pre = collection.clone();
        collection.dropIndex(String(o.index));
        return { kind: 'collection', ns: `${db}.${coll}`, pre };
      }
      case 'collMod': {
        const coll = String(o.collMod);
        const collection = this.getCollection(db, coll);
        if (!collection) return { kind: 'none' };
        const pre = collection.clone();
        applyCollModOptions(collection.options, o);
        const index = isPlainObject(o.index) ? o.index : undefined;
        if (index && typeof index.name === 'string' && collection.findIndex(index.name)) {
          collection.modifyIndex(index.name, (spec) => {
            if (typeof index.expireAfterSeconds === 'number') spec.expireAfterSeconds = index.expireAfterSeconds;
            if (index.hidden === true) spec.hidden = true;
            else if (index.hidden === false) delete spec.hidden;
            if (index.prepareUnique === true) spec.prepareUnique = true;
            else if (index.prepareUnique === false) delete spec.prepareUnique;
            return spec;
          });
          if (index.unique === true) collection.convertToUnique(index.name);
        }
        return { kind: 'collection', ns: `${db}.${coll}`, pre };
      }
      case 'renameCollection': {
        const from = parseNamespace(String(o.renameCollection));
        const to = parseNamespace(String(o.to));
        const source = this.getCollection(from.db, from.coll);
        if (!source) return { kind: 'none' };
        const steps: Array<{ op: OpType; action: UndoAction }> = [];
        const targetColls = this.databases.get(to.db);
        const oldTarget = targetColls?.get(to.coll);
        if (oldTarget) steps.push({ op: 'c', action: { kind: 'collection', ns: `${to.db}.${to.coll}`, pre: oldTarget } });
        const sourceColls = this.databases.get(from.db) as Map<string, Collection>;
        sourceColls.delete(from.coll);
        steps.push({ op: 'c', action: { kind: 'collection', ns: `${from.db}.${from.coll}`, pre: source } });
        if (sourceColls.size === 0) this.databases.delete(from.db);
        this.databaseForApply(to.db).set(to.coll, source.renamedTo(to.db, to.coll));
        steps.push({ op: 'c', action: { kind: 'collection', ns: `${to.db}.${to.coll}`, pre: undefined } });
        this.recount();
        return { kind: 'many', steps };
      }
      case 'applyOps':
        return this.applyTransactionOps(o.applyOps);
      default:
        throw serverError('OplogOperationUnsupported', `unsupported command in oplog entry: ${JSON.stringify(name)}`);
    }
  }

  /**
   * The ops of an `applyOps` entry, the one entry a committed transaction writes (mongod's
   * OpObserverImpl::onUnpreparedTransactionCommit packs them as `{applyOps: [...]}` on `admin.$cmd`),
   * applied in order, all or none.
   */
  private applyTransactionOps(raw: unknown): UndoAction {
    if (!Array.isArray(raw)) throw serverError('FailedToParse', 'applyOps entry without an applyOps array');
    const steps: Array<{ op: OpType; action: UndoAction }> = [];
    try {
      for (const inner of raw) {
        if (!isOplogOpShape(inner)) throw serverError('FailedToParse', 'applyOps entry with a malformed op');
        if (inner.op === 'c' && isPlainObject(inner.o) && 'applyOps' in inner.o) throw serverError('FailedToParse', 'applyOps entries do not nest');
        steps.push({ op: inner.op, action: this.applyEntry(inner) });
      }
    } catch (error) {
      this.undoAction({ kind: 'many', steps }, 'c', []);
      this.recount();
      throw error;
    }
    return { kind: 'many', steps };
  }

  private recount(): void {
    let documents = 0;
    let bytes = 0;
    for (const colls of this.databases.values()) {
      for (const coll of colls.values()) {
        documents += coll.count;
        bytes += coll.sizeBytes;
      }
    }
    this.documentCount = documents;
    this.bytesTotal = bytes;
  }

  /**
   * Rollback: undoes `entries`, newest first, each of which this storage applied (it carries the
   * `undo` token set then). Restores the exact pre-images and returns, per undone document write,
   * the document as that write left it (what mongod writes to its rollback files).
   * Throws StorageRollbackError, before changing anything, when an entry has no token.
   */
  undo(entries: readonly OplogOp[]): RolledBackDocument[] {
    entries.forEach((entry, index) => {
      // No-ops the member logs itself (the new primary's message) never went through storage.
      if (entry.op === 'n') return;
      if (!(entry.undo instanceof UndoToken)) {
        throw new StorageRollbackError(`entry ${index} to undo (${entry.op} ${entry.ns}) was not applied by this storage: it has no undo information`);
      }
    });
    const documents: RolledBackDocument[] = [];
    for (const entry of entries) {
      if (entry.undo instanceof UndoToken) this.undoAction(entry.undo.action, entry.op, documents);
    }
    this.recount();
    return documents;
  }

  /** Inverts one applied action (an entry's, or one op's of an applyOps entry), adding what it had written to `documents`. */
  private undoAction(action: UndoAction, op: OpType, documents: RolledBackDocument[]): void {
    switch (action.kind) {
      case 'none':
        break;
      case 'many':
        for (let i = action.steps.length - 1; i >= 0; i--) this.undoAction(action.steps[i]!.action, action.steps[i]!.op, documents);
        break;
      case 'doc': {
        const { db, coll } = parseNamespace(action.ns);
        const collection = this.collectionForApply(db, coll);
        const current = collection.getById(action.id);
        documents.push({ ns: action.ns, op, doc: current ?? null });
        if (action.pre) collection.put(action.pre);
        else collection.remove(action.id);
        break;
      }
      case 'collection': {
        const { db, coll } = parseNamespace(action.ns);
        let colls = this.databases.get(db);
        if (action.pre) {
          if (!colls) {
            colls = new Map();
            this.databases.set(db, colls);
          }
          // A copy: tokens may be shared with a cloned storage.
          colls.set(coll, action.pre.clone());
        } else if (colls) {
          for (const doc of colls.get(coll)?.documents() ?? []) documents.push({ ns: action.ns, op, doc });
          colls.delete(coll);
          if (colls.size === 0) this.databases.delete(db);
        }
        break;
      }
      case 'database':
        if (action.pre) {
          const copy = new Map<string, Collection>();
          for (const [name, coll] of action.pre) copy.set(name, coll.clone());
          this.databases.set(action.db, copy);
        } else this.databases.delete(action.db);
        break;
    }
  }

  /** Whether `viewBefore(entries)` can be built: every entry (but no-ops) was applied here, with undo information. */
  canViewBefore(entries: readonly OplogOp[]): boolean {
    return entries.every((entry) => entry.op === 'n' || entry.undo instanceof UndoToken);
  }

  /**
   * A copy of this storage as it was before `entries` (newest first, each applied here): for reads
   * at the majority commit point (`readConcern: {level: "majority"}`), pass the entries after it.
   * This storage is unchanged.
   */
  viewBefore(entries: readonly OplogOp[]): Storage {
    const view = this.clone();
    if (entries.length > 0) view.undo(entries);
    return view;
  }

  /**
   * The digest of replicated data only (every database but `local`, which differs per member):
   * what must converge across a replica set. The name the replication core's interface uses.
   */
  dataDigest(): string {
    return this.digest({ includeLocal: false });
  }

  // ---- snapshots, digest, persistence ----

  /** A deep, independent copy (documents are immutable and shared; maps and indexes are copied). */
  clone(options: StorageOptions = {}): Storage {
    const copy = new Storage({ limits: this.limits, now: this.now, processUnique: this.processUnique, ...options });
    copy.objectIdsSeededFlag = this.objectIdsSeededFlag || options.processUnique !== undefined || options.newObjectId !== undefined;
    for (const [db, colls] of this.databases) {
      const copied = new Map<string, Collection>();
      for (const [name, coll] of colls) copied.set(name, coll.clone());
      copy.databases.set(db, copied);
    }
    copy.objectIdCounter = this.objectIdCounter;
    copy.uuidCounter = this.uuidCounter;
    copy.recount();
    return copy;
  }

  /** The plain contents (format for `serialize`), databases and collections sorted, documents in natural order. */
  private contents(): Document {
    return {
      format: STORAGE_FORMAT,
      version: STORAGE_FORMAT_VERSION,
      databases: this.listDatabaseNames().map((db) => ({
        name: db,
        collections: this.listCollections(db).map((coll) => ({
          name: coll.name,
          uuid: coll.uuid,
          options: coll.options,
          indexes: coll.indexes.filter((spec) => spec.name !== ID_INDEX_NAME),
          documents: coll.documents(),
        })),
      })),
    };
  }

  /**
   * A stable digest (sha256 hex) of the data: databases, collections, options, indexes and
   * documents, independent of natural order (documents are taken in `_id` order).
   */
  digest(options: { includeLocal?: boolean } = {}): string {
    const hash = createHash('sha256');
    for (const db of this.listDatabaseNames()) {
      if (options.includeLocal === false && !isReplicatedDatabase(db)) continue;
      hash.update(`db\u0000${db}\u0000`);
      for (const coll of this.listCollections(db)) {
        hash.update(`coll\u0000${coll.name}\u0000`);
        hash.update(coll.uuid.buffer);
        hash.update(serialize({ options: coll.options, indexes: [...coll.indexes].sort((a, b) => (a.name < b.name ? -1 : 1)) }));
        const docs = [...coll.docs.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
        for (const [, stored] of docs) hash.update(serialize(stored.doc));
      }
    }
    return hash.digest('hex');
  }

  /** BSON bytes of the whole storage (for a journal checkpoint). */
  serialize(): Uint8Array {
    const contents = this.contents();
    const size = calculateObjectSize(contents);
    const buffer = new Uint8Array(size);
    const end = serializeWithBufferAndIndex(contents, buffer);
    if (end + 1 !== size) throw new Error(`Storage.serialize: wrote ${end + 1} bytes, expected ${size}`);
    return buffer;
  }

  static deserialize(bytes: Uint8Array, options: StorageOptions = {}): Storage {
    const contents = deserialize(bytes, { promoteLongs: false });
    if (contents.format !== STORAGE_FORMAT || contents.version !== STORAGE_FORMAT_VERSION) {
      throw new StorageFormatError(`not a storage snapshot of format ${STORAGE_FORMAT} v${STORAGE_FORMAT_VERSION}`);
    }
    const storage = new Storage(options);
    for (const db of contents.databases as Document[]) {
      const colls = new Map<string, Collection>();
      for (const c of db.collections as Document[]) {
        // Snapshots from before collection UUIDs have none: such a collection gets a new one.
        const collection = new Collection(String(db.name), String(c.name), c.options as Document, c.uuid instanceof Binary ? c.uuid : storage.newCollectionUuid());
        for (const spec of c.indexes as Document[]) collection.addIndex(parseIndexSpec(spec));
        for (const doc of c.documents as Document[]) collection.put(doc);
        colls.set(collection.name, collection);
      }
      storage.databases.set(String(db.name), colls);
    }
    storage.recount();
    return storage;
  }
}

function preImageFlag(collection: Collection): { preImageRecorded?: true } {
  const images = collection.options.changeStreamPreAndPostImages;
  return isPlainObject(images) && images.enabled === true ? { preImageRecorded: true } : {};
}

/**
 * The pre-image a change stream may show for a u/d op (`fullDocumentBeforeChange`, and the
 * post-image `fullDocument: whenAvailable/required` derives from it): the document before the op,
 * when its collection had changeStreamPreAndPostImages enabled as the op applied here (mongod
 * writes it to config.system.preimages then). `index`: the op's position in an applyOps entry.
 * Undefined when none was recorded.
 */
export function recordedPreImage(entry: OplogOp, index?: number): Document | undefined {
  if (!(entry.undo instanceof UndoToken)) return undefined;
  let action = entry.undo.action;
  if (index !== undefined && action.kind === 'many') action = action.steps[index]?.action ?? { kind: 'none' };
  return action.kind === 'doc' && action.preImageRecorded === true ? action.pre : undefined;
}

/**
 * The document a u/d op found (its undo pre-image), whether or not the collection records
 * pre-images: what a change stream diffs an update's post-image against. Undefined when this
 * storage did not apply the op (data an initial sync cloned).
 */
export function appliedPreImage(entry: OplogOp, index?: number): Document | undefined {
  if (!(entry.undo instanceof UndoToken)) return undefined;
  let action = entry.undo.action;
  if (index !== undefined && action.kind === 'many') action = action.steps[index]?.action ?? { kind: 'none' };
  return action.kind === 'doc' ? action.pre : undefined;
}

/** The document an update entry's `o` (a full post-image or a `$set`/`$unset` diff) makes of `pre`. */
export function applyUpdateEntry(pre: Document, o: Document): Document {
  return Object.keys(o).some((key) => key.startsWith('$')) ? applyDiff(pre, o) : cloneDocument({ _id: pre._id, ...o });
}

/** What a collMod changes: collection options (already validated by the command) and at most one index. */
export interface CollModChange {
  /** validator, validationLevel, validationAction, changeStreamPreAndPostImages, as given. */
  options: Document;
  index?: { name: string; hidden?: boolean; expireAfterSeconds?: number; prepareUnique?: boolean; unique?: true };
}

/** The collection-option fields of a collMod entry, set on `options` (CollectionOptions keeps pre-images only when enabled). */
function applyCollModOptions(options: Document, o: Document): void {
  for (const key of ['validator', 'validationLevel', 'validationAction'] as const) if (o[key] !== undefined) options[key] = o[key];
  if (o.cappedSize !== undefined) options.size = adjustCappedSize(Number(o.cappedSize));
  if (o.cappedMax !== undefined) options.max = adjustCappedMax(Number(o.cappedMax));
  const images = o.changeStreamPreAndPostImages;
  if (isPlainObject(images)) {
    if (images.enabled === true) options.changeStreamPreAndPostImages = { enabled: true };
    else delete options.changeStreamPreAndPostImages;
  }
}

export class StorageRollbackError extends Error {
  override readonly name = 'StorageRollbackError';
}

export class StorageFormatError extends Error {
  override readonly name = 'StorageFormatError';
}

/** Validates one createIndexes spec (`{key, name, unique?, sparse?, expireAfterSeconds?}`). */
export function parseIndexSpec(raw: Document): IndexSpec {
  if (!isPlainObject(raw)) throw serverError('TypeMismatch', 'index specification must be an object');
  const key = raw.key;
  if (!isPlainObject(key) || Object.keys(key).length === 0) {
    throw serverError('CannotCreateIndex', "Index key pattern must be a non-empty object");
  }
  for (const [field, direction] of Object.entries(key)) {
    const value = typeof direction === 'object' && direction !== null ? Number(direction.valueOf()) : direction;
    const ok = (typeof value === 'number' && value !== 0 && Number.isFinite(value)) || ['text', 'hashed', '2d', '2dsphere'].includes(String(value));
    if (!ok || field.length === 0) throw serverError('CannotCreateIndex', `Values in the index key pattern can't be 0 or empty: ${field}`);
    if (typeof value === 'string') throw serverError('CannotCreateIndex', `index type '${value}' is not supported by the simulator`);
  }
  const name = raw.name === undefined ? defaultIndexName(key) : raw.name;
  if (typeof name !== 'string' || name.length === 0) throw serverError('TypeMismatch', "The field 'name' must be a non-empty string");
  if (raw.partialFilterExpression !== undefined) throw serverError('CannotCreateIndex', 'partialFilterExpression is not supported by the simulator');
  const spec: IndexSpec = { v: 2, key: { ...key }, name };
  if (raw.unique === true || raw.unique === 1) {
    if ('_id' in key && Object.keys(key).length === 1) throw serverError('BadValue', "The field 'unique' is not valid for an _id index specification");
    spec.unique = true;
  }
  if (raw.sparse === true || raw.sparse === 1) spec.sparse = true;
  if (raw.prepareUnique === true && !spec.unique) spec.prepareUnique = true;
  if (typeof raw.expireAfterSeconds === 'number') spec.expireAfterSeconds = raw.expireAfterSeconds;
  if (raw.hidden === true) {
    if ('_id' in key && Object.keys(key).length === 1) throw serverError('BadValue', 'can\'t hide _id index');
    spec.hidden = true;
  }
  return spec;
}

/** Byte-equality of two documents' BSON: same fields, order, types and values. */
export function bsonEqual(a: Document, b: Document): boolean {
  return Buffer.from(serialize(a)).equals(Buffer.from(serialize(b)));
}

/** A `$set`/`$unset` diff of top-level fields from `before` to `after`. */
function topLevelDiff(before: Document, after: Document): Document {
  const set: Document = {};
  const unset: Document = {};
  for (const key of Object.keys(before)) if (!(key in after)) unset[key] = true;
  for (const [key, value] of Object.entries(after)) {
    if (!(key in before) || !bsonEqual({ v: before[key] }, { v: value })) set[key] = value;
  }
  const diff: Document = {};
  if (Object.keys(set).length > 0) diff.$set = set;
  if (Object.keys(unset).length > 0) diff.$unset = unset;
  return diff;
}

function applyDiff(before: Document, diff: Document): Document {
  const out: Document = {};
  const unset = isPlainObject(diff.$unset) ? diff.$unset : {};
  const set = isPlainObject(diff.$set) ? diff.$set : {};
  for (const [key, value] of Object.entries(before)) {
    if (key in unset) continue;
    out[key] = key in set ? set[key] : value;
  }
  for (const [key, value] of Object.entries(set)) if (!(key in out)) out[key] = value;
  return cloneDocument(out);
}

/** An entry's `ui` as a Binary: BSON's, or its 16 bytes when a copy lost the class (structuredClone). */
function asUuid(value: unknown): Binary | undefined {
  if (value instanceof Binary) return value;
  const bytes: unknown = isPlainObject(value) ? value.buffer : undefined;
  return bytes instanceof Uint8Array && bytes.length === 16 ? new Binary(bytes, Binary.SUBTYPE_UUID) : undefined;
}

function isOplogOpShape(value: unknown): value is OplogOp {
  if (!isPlainObject(value)) return false;
  return typeof value.op === 'string' && ['i', 'u', 'd', 'c', 'n'].includes(value.op) && typeof value.ns === 'string' && isPlainObject(value.o);
}

export { ServerError };

/**
 * An `_id` that is a document may hold no `$`-prefixed field at any depth (storage_validation.cpp
 * `storageValidIdField`; MongoDB 5.0+ allows `$` fields elsewhere in a document, not in `_id`).
 */
function checkIdStorable(value: unknown): void {
  if (Array.isArray(value)) {
    for (const item of value) checkIdStorable(item);
    return;
  }
  if (!isPlainObject(value)) return;
  for (const [key, item] of Object.entries(value)) {
    if (key.startsWith('$')) throw serverError('DollarPrefixedFieldName', `_id fields may not contain '$'-prefixed fields: ${key} is not valid for storage.`);
    checkIdStorable(item);
  }
}
