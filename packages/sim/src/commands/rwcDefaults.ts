import { Int32, Long, Timestamp } from 'bson';
import type { Document } from 'bson';
import { codeNameFor, serverError } from '../base/errors';
import type { ServerError } from '../base/errors';
import { tsFromBson, tsToBson } from '../base/optime';
import type { ReplSetConfig } from '../repl/config';
import { findCustomWriteMode } from '../repl/config';
import type { WriteConcern } from '../repl/parameters';
import { implicitDefaultWriteConcern } from '../repl/writeConcern';
import { bsonTypeName, isPlainObject } from '../storage/values';
import { parseReadConcern } from './crud/readConcern';
import type { CommandRequest } from './handler';

/**
 * Cluster-wide read and write concern defaults (MongoDB 7.0: db/read_write_concern_defaults.cpp,
 * db/commands/rwc_defaults_commands.cpp and their .idl files; manual pages setDefaultRWConcern and
 * getDefaultRWConcern). The defaults are one document, `_id: "ReadWriteConcernDefaults"`, in
 * config.settings, written with an ordinary upsert, so it goes through the oplog: secondaries
 * apply it, a restart finds it in the data, a new primary has it. Each member keeps what it last
 * read of it (mongod's ReadWriteConcernDefaults cache) with the time it took it in.
 */

export const RWC_DEFAULTS_COMMANDS: ReadonlySet<string> = new Set(['setdefaultrwconcern', 'getdefaultrwconcern']);

/** ReadWriteConcernDefaults::kPersistedDocumentId, in config.settings. */
export const RWC_DEFAULTS_DOCUMENT_ID = 'ReadWriteConcernDefaults';
export const CONFIG_SETTINGS = { db: 'config', coll: 'settings' } as const;

/** WriteConcernOptions: a numeric `w` is at most ReplSetConfig::kMaxMembers. */
const W_NUMBER_MAX = 50;

/** The stored document without its `_id`: what RWConcernDefault (read_write_concern_defaults.idl) holds. */
export interface RwcDefaultsDocument {
  defaultReadConcern?: Document;
  defaultWriteConcern?: Document;
  updateOpTime?: Timestamp;
  updateWallClockTime?: Date;
}

/** What the commands need of the member they run on. */
export interface RwcDefaultsHost {
  /** Started with --replSet (mongod's isReplEnabled). */
  readonly replicationEnabled: boolean;
  readonly config: ReplSetConfig | undefined;
  readonly rwcDefaults: RwcDefaultsCache;
  /** Throws NotWritablePrimary unless this member is primary (setDefaultRWConcern is never allowed on a secondary). */
  checkWritablePrimary(): void;
  /** The cluster time now (packed ts): updateOpTime (VectorClock::getTime().clusterTime()). */
  clusterTs(): number;
  nowMillis(): number;
  /** The write concern this command runs with (extracted before it runs, defaults applied). */
  writeConcernOf(request: CommandRequest): WriteConcern;
  /** Upsert the defaults document with `writeConcern` (DBDirectClient update); resolves with the update's reply. */
  upsertDefaults(document: Document, writeConcern: Document, request: CommandRequest): Promise<Document>;
}

/** What the member last took in of the stored defaults (mongod's ReadThroughCache entry). */
interface CacheEntry {
  readonly doc: RwcDefaultsDocument | undefined;
  readonly updateTs: number | undefined;
  readonly localUpdateWallClockTime: Date;
}

function storedWithoutId(doc: Document | undefined): RwcDefaultsDocument | undefined {
  if (doc === undefined) return undefined;
  const { _id: _dropped, ...rest } = doc;
  return rest as RwcDefaultsDocument;
}

function updateTsOf(doc: RwcDefaultsDocument | undefined): number | undefined {
  return doc?.updateOpTime instanceof Timestamp ? tsFromBson(doc.updateOpTime) : undefined;
}

/**
 * One member's view of the defaults. mongod updates its cache when a write to the document commits
 * or is applied (observeDirectWriteToConfigSettings) and on getDefaultRWConcern's refresh; the
 * simulator looks at the stored document whenever the defaults are needed and takes it in when it
 * changed, so `localUpdateWallClockTime` is when this member first used the new value.
 */
export class RwcDefaultsCache {
  private entry: CacheEntry | undefined;
  private readonly read: () => Document | undefined;
  private readonly now: () => number;

  constructor(read: () => Document | undefined, now: () => number) {
    this.read = read;
    this.now = now;
  }

  /** The cached defaults, taking in a stored document that changed since. */
  current(): CacheEntry {
    const doc = storedWithoutId(this.read());
    const updateTs = updateTsOf(doc);
    if (this.entry === undefined || this.entry.updateTs !== updateTs) this.entry = { doc, updateTs, localUpdateWallClockTime: new Date(this.now()) };
    return this.entry;
  }

  /**
   * refreshIfNecessary: look the document up again and take it when it is newer, when nothing was
   * cached, or when there is none stored (then the refresh time is now).
   */
  refresh(): CacheEntry {
    const doc = storedWithoutId(this.read());
    const updateTs = updateTsOf(doc);
    const cached = this.entry;
    if (cached === undefined || updateTs === undefined || cached.updateTs === undefined || updateTs > cached.updateTs) {
      this.entry = { doc, updateTs, localUpdateWallClockTime: new Date(this.now()) };
    }
    return this.entry!;
  }

  /** The custom (global) default write concern, when one was set. */
  customWriteConcern(): Document | undefined {
    return this.current().doc?.defaultWriteConcern;
  }

  /** The custom (global) default read concern, when one was set. */
  customReadConcern(): Document | undefined {
    return this.current().doc?.defaultReadConcern;
  }

  /**
   * The default write concern a command without one gets (ReadWriteConcernDefaults::getDefault):
   * the custom one, provenance customDefault; else the implicit w:"majority", provenance
   * implicitDefault; undefined when the implicit default is w:1 (mongod has no default then: the
   * command's own w:1 stands).
   */
  defaultWriteConcern(config: ReplSetConfig | undefined): WriteConcern | undefined {
    const custom = this.customWriteConcern();
    if (custom !== undefined) {
      const j = custom.j === true ? { j: true } : custom.j === false ? { j: false } : {};
      return { w: typeof custom.w === 'string' ? custom.w : Number(custom.w), wtimeout: Number(custom.wtimeout ?? 0), ...j, provenance: 'customDefault' };
    }
    const implicit = implicitDefaultWriteConcern(config);
    return implicit.w === 'majority' ? implicit : undefined;
  }
}

/**
 * getDefaultRWConcern's answer (GetDefaultRWConcernResponse: RWConcernDefault's fields, then
 * inMemory, then localUpdateWallClockTime), with ReadWriteConcernDefaults::getDefault's filling
 * in: no read concern set is `{level: "local"}` from `implicit`; no write concern set is the
 * implicit default, shown only when it is w:"majority".
 */
function defaultsReply(entry: CacheEntry, config: ReplSetConfig | undefined, inMemory: boolean): Document {
  const doc = entry.doc ?? {};
  const rcSet = doc.defaultReadConcern !== undefined && Object.keys(doc.defaultReadConcern).length > 0;
  const wcSet = doc.defaultWriteConcern !== undefined;
  const implicitMajority = implicitDefaultWriteConcern(config).w === 'majority';
  const reply: Document = { defaultReadConcern: rcSet ? doc.defaultReadConcern : { level: 'local' } };
  if (wcSet) reply.defaultWriteConcern = doc.defaultWriteConcern;
  else if (implicitMajority) reply.defaultWriteConcern = { w: 'majority', wtimeout: 0 };
  if (doc.updateOpTime !== undefined) reply.updateOpTime = doc.updateOpTime;
  if (doc.updateWallClockTime !== undefined) reply.updateWallClockTime = doc.updateWallClockTime;
  reply.defaultWriteConcernSource = wcSet ? 'global' : 'implicit';
  reply.defaultReadConcernSource = rcSet ? 'global' : 'implicit';
  if (inMemory) reply.inMemory = true;
  reply.localUpdateWallClockTime = entry.localUpdateWallClockTime;
  reply.ok = 1;
  return reply;
}

/** rwc_defaults_commands.cpp assertNotStandaloneOrShardServer. */
function checkReplicationEnabled(host: RwcDefaultsHost, name: string): void {
  if (!host.replicationEnabled) throw serverError('Location51300', `'${name}' is not supported on standalone nodes.`);
}

function wrongType(field: string, value: unknown, expected: string): ServerError {
  return serverError('TypeMismatch', `BSON field '${field}' is the wrong type '${bsonTypeName(value)}', expected type '${expected}'`);
}

/**
 * The new default write concern, parsed as WriteConcernOptions parses one (write_concern_options.cpp,
 * write_concern_idl.cpp) and checked as a default must be (checkSuitabilityAsDefault); `{}` means
 * "leave unset". Returned in WriteConcernOptions::toBSON's shape: w, then j, then wtimeout.
 */
function parseDefaultWriteConcern(value: Document, config: ReplSetConfig | undefined): Document | undefined {
  if (Object.keys(value).length === 0) return undefined;
  let w: number | string | undefined;
  let j: boolean | undefined;
  let fsync: boolean | undefined;
  let wtimeout = 0;
  let provenance = false;
  for (const [field, v] of Object.entries(value)) {
    if (field === 'w') {
      if (typeof v === 'string') w = v;
      else if (typeof v === 'number' || v instanceof Int32 || v instanceof Long) {
        // BSONElement::safeNumberLong: NaN is 0 (then refused below as unacknowledged).
        const n = Number.isNaN(Number(v)) ? 0 : Number(v);
        if (n < 0 || n > W_NUMBER_MAX) throw serverError('FailedToParse', `w has to be a non-negative number and not greater than ${W_NUMBER_MAX}`);
        w = Math.trunc(n);
      } else throw serverError('FailedToParse', 'w has to be a number or a string');
    } else if (field === 'j' || field === 'fsync') {
      const b = typeof v === 'boolean' ? v : typeof v === 'number' ? v !== 0 : undefined;
      if (b === undefined) throw wrongType(`writeConcern.${field}`, v, 'bool');
      if (field === 'j') j = b;
      else fsync = b;
    } else if (field === 'wtimeout') {
      const n = Number(v);
      if (typeof v === 'boolean' || v === null || !Number.isFinite(n)) throw wrongType('writeConcern.wtimeout', v, 'int');
      wtimeout = Math.trunc(n);
    } else if (field === 'provenance') {
      provenance = true;
    } else if (field !== 'wOpTime' && field !== 'wElectionId' && field !== 'getLastError' && field !== 'getlasterror') {
      throw serverError('Location40415', `BSON field 'writeConcern.${field}' is an unknown field.`);
    }
  }
  if (j === true && fsync === true) throw serverError('FailedToParse', 'fsync and j options cannot be used together');
  // generateNewCWRWCToBeSavedOnDisk: a default must name its w.
  if (w === undefined) throw serverError('BadValue', "Default write concern must have 'w' field.");
  if (w === 0) throw serverError('BadValue', 'Unacknowledged write concern is not suitable for the default write concern');
  if (provenance) throw serverError('BadValue', "'provenance' must be unset in default write concern");
  // ReplicationCoordinatorImpl::validateWriteConcern: a custom mode must be in the config.
  if (typeof w === 'string' && w !== 'majority' && (config === undefined || findCustomWriteMode(config, w) === undefined)) {
    throw serverError('UnknownReplWriteConcern', `No write concern mode named '${w}' found in replica set configuration`);
  }
  const out: Document = { w };
  if (fsync === true) out.fsync = true;
  else if (j !== undefined) out.j = j;
  out.wtimeout = wtimeout;
  return out;
}

/** The new default read concern (ReadConcernArgs parse, then checkSuitabilityAsDefault); `{}` means "leave unset". */
function parseDefaultReadConcern(value: Document): Document | undefined {
  if (Object.keys(value).length === 0) return undefined;
  const rc = parseReadConcern({ readConcern: value })!;
  if (rc.level === 'snapshot' || rc.level === 'linearizable') throw serverError('BadValue', `level: '${rc.level}' is not suitable for the default read concern`);
  for (const field of ['afterOpTime', 'afterClusterTime', 'atClusterTime']) {
    if (value[field] !== undefined) throw serverError('BadValue', `'${field}' is not suitable for the default read concern`);
  }
  if (value.provenance !== undefined) throw serverError('BadValue', "'provenance' must be unset in default read concern");
  return { level: rc.level };
}

/** The write concern as WriteConcernOptions::toBSON writes it into the internal update (provenance kept). */
function writeConcernDocument(wc: WriteConcern): Document {
  const out: Document = { w: wc.w ?? 1 };
  if (wc.j !== undefined) out.j = wc.j;
  out.wtimeout = wc.wtimeout ?? 0;
  if (wc.provenance !== undefined) out.provenance = wc.provenance;
  return out;
}

/** setDefaultRWConcern: validate, store the new document through an upsert, answer with what is now in force. */
async function setDefaultRWConcern(host: RwcDefaultsHost, request: CommandRequest): Promise<Document> {
  const body = request.body;
  checkReplicationEnabled(host, 'setDefaultRWConcern');
  host.checkWritablePrimary();
  // The command's own write concern is taken before it runs, from the defaults then in force.
  const writeConcern = writeConcernDocument(host.writeConcernOf(request));
  const rcArg: unknown = body.defaultReadConcern;
  const wcArg: unknown = body.defaultWriteConcern;
  if (rcArg !== undefined && !isPlainObject(rcArg)) throw wrongType('setDefaultRWConcern.defaultReadConcern', rcArg, 'object');
  if (wcArg !== undefined && !isPlainObject(wcArg)) throw wrongType('setDefaultRWConcern.defaultWriteConcern', wcArg, 'object');
  if (rcArg === undefined && wcArg === undefined) throw serverError('BadValue', 'At least one of the "defaultReadConcern" or "defaultWriteConcern" fields must be present');
  const rc = rcArg === undefined ? undefined : parseDefaultReadConcern(rcArg);
  const wc = wcArg === undefined ? undefined : parseDefaultWriteConcern(wcArg, host.config);
  const current = host.rwcDefaults.current().doc;
  // Once a default write concern is set it cannot be unset ({defaultWriteConcern: {}}).
  if (wcArg !== undefined && wc === undefined && current?.defaultWriteConcern !== undefined) {
    throw serverError('IllegalOperation', 'The global default write concern cannot be unset once it is set.');
  }
  const next: Document = { _id: RWC_DEFAULTS_DOCUMENT_ID };
  const nextRc = rcArg === undefined ? current?.defaultReadConcern : rc;
  const nextWc = wcArg === undefined ? current?.defaultWriteConcern : wc;
  if (nextRc !== undefined) next.defaultReadConcern = nextRc;
  if (nextWc !== undefined) next.defaultWriteConcern = nextWc;
  next.updateOpTime = tsToBson(host.clusterTs());
  next.updateWallClockTime = new Date(host.nowMillis());
  const reply = await host.upsertDefaults(next, writeConcern, request);
  // updatePersistedDefaultRWConcernDocument: the update's error, write error or write concern error fails the command.
  if (Number(reply.ok) !== 1) return reply;
  const failed = (Array.isArray(reply.writeErrors) ? (reply.writeErrors as Document[])[0] : undefined) ?? (reply.writeConcernError as Document | undefined);
  if (failed !== undefined) {
    const code = Number(failed.code);
    return { ok: 0, errmsg: String(failed.errmsg), code, codeName: codeNameFor(code), ...(isPlainObject(failed.errInfo) ? { errInfo: failed.errInfo } : {}) };
  }
  return defaultsReply(host.rwcDefaults.refresh(), host.config, false);
}

/** getDefaultRWConcern: the defaults this member applies; `inMemory: true` answers from its cache without looking again. */
function getDefaultRWConcern(host: RwcDefaultsHost, request: CommandRequest): Document {
  checkReplicationEnabled(host, 'getDefaultRWConcern');
  const inMemoryArg: unknown = request.body.inMemory;
  if (inMemoryArg !== undefined && typeof inMemoryArg !== 'boolean') throw wrongType('getDefaultRWConcern.inMemory', inMemoryArg, 'bool');
  const inMemory = inMemoryArg === true;
  const entry = inMemory ? host.rwcDefaults.current() : host.rwcDefaults.refresh();
  return defaultsReply(entry, host.config, inMemory);
}

export async function runRwcDefaultsCommand(host: RwcDefaultsHost, name: string, request: CommandRequest): Promise<Document> {
  const canonical = name === 'setdefaultrwconcern' ? 'setDefaultRWConcern' : 'getDefaultRWConcern';
  if (request.db !== 'admin') throw serverError('Unauthorized', `${canonical} may only be run against the admin database.`);
  return canonical === 'setDefaultRWConcern' ? setDefaultRWConcern(host, request) : getDefaultRWConcern(host, request);
}
