import type { DurableReplState, ReplPersistence as DurableReplPersistence, RollbackFile } from '../storage/replState';
import { newDurableReplState } from '../storage/replState';
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

/** Where a member makes `PersistedReplState` durable (storage/journal.ts); see storage/replState.ts. */
export type ReplPersistence = DurableReplPersistence<ReplSetConfig>;
