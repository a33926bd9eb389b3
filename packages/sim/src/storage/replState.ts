import type { Binary, Document } from 'bson';
import { uuidFromSeed } from './collection';
import type { OpTime } from '../base/optime';
import { Oplog } from './oplog';
import type { OplogEntry, OplogOp } from './oplog';
import type { RolledBackDocument } from './storage';

/**
 * Replication's durable state — what mongod keeps in `local.*` collections — as storage holds and
 * persists it. Storage owns these types so that the journal (journal.ts) can make them durable
 * without knowing replication: the replica-set config is opaque here (`Config`), written and read
 * through the `ConfigCodec` replication hands the journal (repl/config.ts).
 */
export interface DurableReplState<Config> {
  config: Config | undefined;
  term: number;
  lastVote: { term: number; candidateIndex: number };
  oplog: Oplog;
  /** Rollback id: bumped on every rollback. */
  rbid: number;
  /** Documents undone by rollbacks, as mongod's rollback files keep them. */
  rollbackFiles: RollbackFile[];
  /**
   * Where initial sync left the data consistent (mongod's initialDataTimestamp, set when initial
   * sync ends): this member cannot roll back to before it and must be resynced instead.
   * Undefined for a member that never finished one.
   */
  initialDataOpTime: OpTime | undefined;
  /**
   * An initial sync started and has not finished (mongod's initialSyncFlag in
   * local.replset.minvalid, set before cloning and cleared at the end): a member that restarts
   * with it set has data from an unfinished clone, consistent with no oplog point, and starts
   * initial sync again (startup_recovery.cpp: "The node did not complete the last initial sync.
   * We should attempt initial sync again."; replication_recovery.cpp recovers nothing then).
   */
  initialSyncFlag: boolean;
  /**
   * The oplog's size cap in bytes, fixed when the oplog gets its first entry (from `--oplogSize` or
   * the default) and changed only by replSetResizeOplog: mongod keeps it in the oplog's collection
   * options, and a later `--oplogSize` does not change it (manual: --oplogSize). Undefined until then.
   */
  oplogSizeBytes: number | undefined;
  /**
   * The UUIDs of this member's own `local` collections (oplog.rs, system.replset), by name: made
   * on this member when it first gets a config, as mongod creates them then
   * (ReplicationCoordinatorExternalStateImpl::initializeReplSetStorage, or initial sync), so each
   * member has its own; kept in the journal and checkpoints.
   */
  localUuids: Record<string, Binary>;
}

/** The `local` collections a member with a replica-set config has. */
export const LOCAL_REPLICATION_COLLECTIONS = ['oplog.rs', 'system.replset'] as const;

/**
 * Gives the `local` collections their UUIDs if they have none yet; true when it made any. Hashed
 * from `seed` (the set's id and this member's name), so no randomness is drawn and two members
 * differ.
 */
export function ensureLocalUuids(state: DurableReplState<unknown>, seed: string): boolean {
  let made = false;
  for (const name of LOCAL_REPLICATION_COLLECTIONS) {
    if (state.localUuids[name]) continue;
    state.localUuids[name] = uuidFromSeed(new TextEncoder().encode(`${seed}\u0000local.${name}`));
    made = true;
  }
  return made;
}

/** What one rollback undid (mongod's rollback files). */
export interface RollbackFile {
  atMillis: number;
  commonPoint: OpTime;
  undone: OpTime[];
  documents: RolledBackDocument[];
}

export function newDurableReplState<Config>(): DurableReplState<Config> {
  return { config: undefined, term: 0, lastVote: { term: -1, candidateIndex: -1 }, oplog: new Oplog(), rbid: 1, rollbackFiles: [], initialDataOpTime: undefined, initialSyncFlag: false, oplogSizeBytes: undefined, localUuids: {} };
}

/** An independent copy (entries and documents are immutable and shared; the rest is copied). */
export function copyDurableReplState<Config>(source: DurableReplState<Config>): DurableReplState<Config> {
  const copy = newDurableReplState<Config>();
  copy.config = source.config === undefined ? undefined : structuredClone(source.config);
  copy.term = source.term;
  copy.lastVote = { ...source.lastVote };
  copy.rbid = source.rbid;
  copy.initialDataOpTime = source.initialDataOpTime;
  copy.initialSyncFlag = source.initialSyncFlag;
  copy.oplogSizeBytes = source.oplogSizeBytes;
  copy.localUuids = { ...source.localUuids };
  // Not structuredClone: it turns the rolled-back documents' ObjectIds (and any BSON value) into
  // plain objects. Documents and optimes are immutable, so the copy shares them.
  copy.rollbackFiles = source.rollbackFiles.map((file) => ({ ...file, undone: [...file.undone], documents: [...file.documents] }));
  for (const entry of source.oplog.all()) copy.oplog.append(entry);
  return copy;
}

/** How the journal stores a replica-set config it does not otherwise understand. */
export interface ConfigCodec<Config> {
  toDocument(config: Config): Document;
  fromDocument(doc: Document): Config;
}

/**
 * Where a member makes its `DurableReplState` durable (sim-mongod's journal, journal.ts).
 * Optional: without it nothing is written and a restart needs the same state object.
 */
export interface ReplPersistence<Config> {
  /** `state.term`, `lastVote`, `config`, `initialDataOpTime`, `initialSyncFlag` (set by 'initialSync': the oplog starts again empty) or `oplogSizeBytes` changed: must be durable when this returns (a vote is answered next). */
  replStateChanged(what: 'term' | 'vote' | 'config' | 'initialData' | 'initialSync' | 'oplogSize', state: DurableReplState<Config>): void;
  /**
   * Entries appended to the oplog (storage already holds them): written here (`fromSyncSource`
   * false), or applied from a sync source — then make them durable soon, since the primary's
   * w:majority waits on this member's durable optime.
   */
  oplogAppended(entries: readonly OplogEntry[], fromSyncSource: boolean): void;
  /** Initial sync cloned these ops (creates, indexes, documents) into storage; not oplog entries. */
  dataCloned?(ops: readonly OplogOp[]): void;
  /** A rollback cut the oplog after `commonPoint` and undid those entries in storage. */
  rolledBack(commonPoint: OpTime, file: RollbackFile, state: DurableReplState<Config>): void;
  /** The newest oplog optime on disk (a secondary reports it as its durableOpTime). */
  durableOpTime(): OpTime;
}

/**
 * A member's journal (sim-mongod's `--dbpath`): the replication state and oplog through
 * `ReplPersistence`, plus the writes of a member without replication and the wait that `j: true`
 * (and w:majority with writeConcernMajorityJournalDefault) acknowledgements need.
 */
export interface ReplJournal<Config> extends ReplPersistence<Config> {
  /** Writes made without replication (no `--replSet`): there is no oplog to journal them through. */
  unreplicatedOps(ops: readonly OplogOp[]): void;
  /** Resolves when everything journaled so far is on disk. */
  waitDurable(): Promise<void>;
}
