import type { DurableReplState, ReplPersistence as DurableReplPersistence, RollbackFile } from '../storage/replState';
import { copyDurableReplState, newDurableReplState } from '../storage/replState';
import type { ReplSetConfig } from './config';

/**
 * What survives a restart of a member (mongod keeps these in `local.*` collections): term, last
 * vote, config, oplog, rollback id and files. Storage persists it (storage/replState.ts); the
 * topology core holds it in memory and asks for each change to be made durable with a `persist*`
 * action (topology/actions.ts), which the coordinator hands to `ReplPersistence`.
 */
export type PersistedReplState = DurableReplState<ReplSetConfig>;
export type { RollbackFile };

export function newPersistedReplState(): PersistedReplState {
  return newDurableReplState<ReplSetConfig>();
}

/** An independent copy of a member's replication state, for snapshots and forks. */
export function copyPersistedReplState(source: PersistedReplState): PersistedReplState {
  const copy = copyDurableReplState(source);
  // The generic copy structured-clones the config, which keeps no classes: the set's id must stay
  // an ObjectId (rs.conf(), heartbeats' setId). An ObjectId never changes, so the copy may share it.
  if (copy.config !== undefined && source.config !== undefined) copy.config.settings.replicaSetId = source.config.settings.replicaSetId;
  return copy;
}

/** Where a member makes `PersistedReplState` durable (storage/journal.ts); see storage/replState.ts. */
export type ReplPersistence = DurableReplPersistence<ReplSetConfig>;
