/**
 * Known bugs a member can be told to have, so that the simulator's checkers are seen to catch
 * them (`simulate --bug NAME`); never set outside tests and simulations.
 * - `ack-before-majority`: a w:"majority" write is acknowledged once it is applied on the primary,
 *   before a majority has it (mongod waits for the commit point: ReplicationCoordinatorImpl::
 *   _doneWaitingForReplication_inlock).
 * - `double-vote`: a voter grants a vote to a second candidate in a term it has already voted in
 *   (mongod refuses: "already voted for another candidate", TopologyCoordinator::
 *   processReplSetRequestVotes).
 */
export const INJECTED_BUGS = ['ack-before-majority', 'double-vote'] as const;
export type InjectedBug = (typeof INJECTED_BUGS)[number];

/** One MiB: mongod's `--oplogSize` and `replSetResizeOplog`'s `size` are in these. */
export const MIB_BYTES = 1024 * 1024;

/**
 * mongod's default oplog size is 5% of the free disk space, at least 990 MB and at most 50 GB
 * (repl/oplog.cpp `getNewOplogSizeBytes`); a simulated member has no disk to measure, so it takes
 * the 990 MB floor (docs/FIDELITY.md).
 */
export const DEFAULT_OPLOG_BYTES_MAX = 990 * MIB_BYTES;

/** Limits and knobs of replication that are server parameters rather than config settings. */
export interface ReplParameters {
  /** replElectionTimeoutOffsetLimitFraction */
  electionTimeoutOffsetLimitFraction: number;
  /** periodicNoopIntervalSecs (writePeriodicNoops) */
  periodicNoopIntervalSecs: number;
  /** priorityTakeoverFreshnessWindowSeconds */
  priorityTakeoverFreshnessWindowSeconds: number;
  /** Entries per oplog fetch batch. */
  oplogFetchBatchEntriesMax: number;
  /** Wait before looking for a sync source again. */
  syncSourceRetryMillis: number;
  /** maxSyncSourceLagSecs: a sync source this far behind the primary is abandoned. */
  maxSyncSourceLagSecs: number;
  /** changeSyncSourceThresholdMillis: a member this much closer (ping) than the sync source replaces it; 0 never. */
  changeSyncSourceThresholdMillis: number;
  /** maxNumSyncSourceChangesPerHour: past this many changes in the last hour, no ping-based change. */
  maxNumSyncSourceChangesPerHour: number;
  /** How long a sync source that failed is passed over. */
  syncSourceDenylistMillis: number;
  /** numInitialSyncAttempts: failed initial sync attempts before the member gives up (aborts). */
  numInitialSyncAttempts: number;
  /** How long after a failed initial sync attempt the next one starts (initial_syncer.h `initialSyncRetryWait`, 1 s). */
  initialSyncRetryWaitMillis: number;
  oplogCursorsMax: number;
  oplogCursorIdleTimeoutMillis: number;
  writeConcernWaitersMax: number;
  topologyWaitersMax: number;
  rollbackFilesMax: number;
  /** Entries a rollback may undo. */
  rollbackEntriesMax: number;
  /**
   * The size in bytes a new oplog is capped at (mongod's `--oplogSize`/`replication.oplogSizeMB` ×
   * 1 MiB): the oplog keeps it, or a `replSetResizeOplog` size, in the persisted state from its
   * first entry on (`PersistedReplState.oplogSizeBytes`). Past it the oldest entries go, never
   * past the majority commit point nor younger than `oplogMinRetentionHours` (topology/oplogWrite.ts
   * `capOplog`).
   */
  oplogBytesMax: number;
  /** `storage.oplogMinRetentionHours` (`--oplogMinRetentionHours`, `replSetResizeOplog`): 0 = none. */
  oplogMinRetentionHours: number;
  /**
   * A simulator limit on top of mongod's byte cap, for memory and for the randomized runs: past
   * this many entries the oldest tenth is dropped (with the same commit-point guard).
   */
  oplogEntriesMax: number;
  /** Bugs this member has on purpose (see INJECTED_BUGS); empty everywhere but simulations. */
  injectedBugs: readonly InjectedBug[];
}

export const DEFAULT_REPL_PARAMETERS: ReplParameters = {
  electionTimeoutOffsetLimitFraction: 0.15,
  periodicNoopIntervalSecs: 10,
  priorityTakeoverFreshnessWindowSeconds: 2,
  oplogFetchBatchEntriesMax: 5000,
  syncSourceRetryMillis: 1000,
  maxSyncSourceLagSecs: 30,
  changeSyncSourceThresholdMillis: 5,
  maxNumSyncSourceChangesPerHour: 3,
  syncSourceDenylistMillis: 10_000,
  numInitialSyncAttempts: 10,
  initialSyncRetryWaitMillis: 1000,
  oplogCursorsMax: 1000,
  oplogCursorIdleTimeoutMillis: 600_000,
  writeConcernWaitersMax: 100_000,
  topologyWaitersMax: 10_000,
  rollbackFilesMax: 100,
  rollbackEntriesMax: 1_000_000,
  oplogBytesMax: DEFAULT_OPLOG_BYTES_MAX,
  oplogMinRetentionHours: 0,
  oplogEntriesMax: 1_000_000,
  injectedBugs: [],
};

export type LogSeverity = 'F' | 'E' | 'W' | 'I' | 'D1';

/** ReadWriteConcernProvenance's sources (read_write_concern_provenance_base.idl). */
export type WriteConcernProvenance = 'clientSupplied' | 'implicitDefault' | 'customDefault' | 'getLastErrorDefaults' | 'internalWriteDefault';

export const WRITE_CONCERN_PROVENANCES: ReadonlySet<string> = new Set(['clientSupplied', 'implicitDefault', 'customDefault', 'getLastErrorDefaults', 'internalWriteDefault']);

/** A write concern as a command asks for it (`w`, `wtimeout`, `j`). */
export interface WriteConcern {
  w?: number | string;
  wtimeout?: number;
  j?: boolean;
  /**
   * Where `w` came from, as mongod reports it in `errInfo.writeConcern` (default clientSupplied;
   * read_write_concern_provenance_base.idl's sources; a client may send any of them).
   */
  provenance?: WriteConcernProvenance;
}
