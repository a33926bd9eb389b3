import type { Document } from 'bson';
import { ServerError, commandNotFound } from '../../base/errors';
import type { StorageCommandContext, StorageCommandResult } from './context';
import {
  collStatsCommand,
  createCommand,
  createIndexesCommand,
  dbStatsCommand,
  dropCommand,
  dropDatabaseCommand,
  dropIndexesCommand,
  listCollectionsCommand,
  listDatabasesCommand,
  listIndexesCommand,
} from './admin';
import { cloneCollectionAsCappedCommand, collModCommand, convertToCappedCommand, renameCollectionCommand } from './catalog';
import { aggregateCommand, countCommand, distinctCommand, findCommand, getMoreCommand, killCursorsCommand } from './read';
import { MemberCrudCommands } from './plugin';
import type { MemberCrudOptions } from './plugin';
import { validateCommand } from './validate';
import { deleteCommand, findAndModifyCommand, insertCommand, updateCommand } from './write';

export type { StorageCommandContext, StorageCommandResult } from './context';
export { CursorManager, defaultCursorLimits } from './cursors';
export type { BatchOptions, CursorLimits, CursorManagerOptions, CursorReply, KillCursorsResult } from './cursors';
export { writeBatchOperationsMax } from './write';
export { MemberCrudCommands } from './plugin';
export type { MemberCrudOptions } from './plugin';

type CrudImplementation = (db: string, body: Document, ctx: StorageCommandContext, commandName: string) => StorageCommandResult;

/** Whether a command writes (a member must be writable primary to run it on a user database). */
export type CrudCommandKind = 'read' | 'write';

interface CrudCommandSpec {
  readonly kind: CrudCommandKind;
  readonly run: CrudImplementation;
}

const COMMANDS: ReadonlyMap<string, CrudCommandSpec> = new Map<string, CrudCommandSpec>([
  ['insert', { kind: 'write', run: insertCommand }],
  ['update', { kind: 'write', run: updateCommand }],
  ['delete', { kind: 'write', run: deleteCommand }],
  ['findAndModify', { kind: 'write', run: findAndModifyCommand }],
  ['findandmodify', { kind: 'write', run: findAndModifyCommand }],
  ['find', { kind: 'read', run: findCommand }],
  ['getMore', { kind: 'read', run: getMoreCommand }],
  ['killCursors', { kind: 'read', run: killCursorsCommand }],
  ['count', { kind: 'read', run: countCommand }],
  ['distinct', { kind: 'read', run: distinctCommand }],
  ['aggregate', { kind: 'read', run: aggregateCommand }],
  ['listDatabases', { kind: 'read', run: listDatabasesCommand }],
  ['listCollections', { kind: 'read', run: listCollectionsCommand }],
  ['listIndexes', { kind: 'read', run: listIndexesCommand }],
  ['create', { kind: 'write', run: createCommand }],
  ['drop', { kind: 'write', run: dropCommand }],
  ['dropDatabase', { kind: 'write', run: dropDatabaseCommand }],
  ['createIndexes', { kind: 'write', run: createIndexesCommand }],
  ['dropIndexes', { kind: 'write', run: dropIndexesCommand }],
  ['deleteIndexes', { kind: 'write', run: dropIndexesCommand }],
  ['collMod', { kind: 'write', run: collModCommand }],
  ['renameCollection', { kind: 'write', run: renameCollectionCommand }],
  ['cloneCollectionAsCapped', { kind: 'write', run: cloneCollectionAsCappedCommand }],
  ['convertToCapped', { kind: 'write', run: convertToCappedCommand }],
  ['collStats', { kind: 'read', run: collStatsCommand }],
  ['dbStats', { kind: 'read', run: dbStatsCommand }],
  ['dbstats', { kind: 'read', run: dbStatsCommand }],
  ['validate', { kind: 'read', run: validateCommand }],
]);

/** Names of the commands `runCrudCommand` implements. */
export const crudCommandNames: ReadonlySet<string> = new Set(COMMANDS.keys());

/** The command name of a command document: its first field. */
export function commandNameOf(body: Document): string {
  const name = Object.keys(body)[0];
  return name ?? '';
}

/** 'read' or 'write' for a CRUD command name; undefined for others. An aggregate is a read (no $out/$merge). */
export function crudCommandKind(commandName: string): CrudCommandKind | undefined {
  return COMMANDS.get(commandName)?.kind;
}

/**
 * Runs one CRUD command against the member's storage and cursors. Never throws a ServerError: it
 * becomes an `ok: 0` reply (with no oplog entries, since such errors come before any write; write
 * errors of single statements are in the reply's `writeErrors`, with entries for the statements
 * that succeeded). Anything else thrown is a simulator bug and propagates.
 */
export function runCrudCommand(db: string, body: Document, ctx: StorageCommandContext): StorageCommandResult {
  const name = commandNameOf(body);
  const spec = COMMANDS.get(name);
  try {
    if (!spec) throw commandNotFound(name);
    return spec.run(db, body, ctx, name);
  } catch (error) {
    if (error instanceof ServerError) return { reply: error.toReply(), oplog: [] };
    throw error;
  }
}

/** The storage's CRUD commands as a `Member`'s `crud` plug-in. */
export function createMemberCrudCommands(options: MemberCrudOptions = {}): MemberCrudCommands {
  return new MemberCrudCommands({ names: crudCommandNames, kind: crudCommandKind, run: runCrudCommand }, options);
}
