import type { Document } from 'bson';
import { serverError } from '../base/errors';
import { isPlainObject } from '../storage/values';

/**
 * The Stable API parameters of a command (MongoDB 5.0+; api_parameters.cpp and
 * service_entry_point_common.cpp; manual "Stable API"): `apiVersion` must be "1"; `apiStrict` and
 * `apiDeprecationErrors` need an `apiVersion`; with `apiStrict: true` a command outside API Version 1,
 * or an aggregation stage outside it, is refused with APIStrictError (323).
 */

/** The commands of API Version 1 (the manual's "Stable API Commands" list for 7.0). */
const API_V1_COMMANDS: ReadonlySet<string> = new Set(
  [
    'abortTransaction', 'aggregate', 'authenticate', 'collMod', 'commitTransaction', 'count', 'create', 'createIndexes', 'delete',
    'drop', 'dropDatabase', 'dropIndexes', 'endSessions', 'explain', 'find', 'findAndModify', 'getMore', 'hello', 'insert',
    'killCursors', 'listCollections', 'listDatabases', 'listIndexes', 'ping', 'refreshSessions', 'saslContinue', 'saslStart',
    'update',
  ].map((name) => name.toLowerCase()),
);

/** Stages left out of API Version 1 (document sources registered `kNeverInVersion1`). */
const STAGES_NOT_IN_V1: ReadonlySet<string> = new Set(['$listLocalSessions', '$listSessions', '$currentOp', '$collStats', '$indexStats', '$planCacheStats', '$listSearchIndexes']);

const DOCHUB = 'Information on supported commands and migrations in API Version 1 can be found at https://dochub.mongodb.org/core/manual-versioned-api';

export function checkApiParameters(commandName: string, body: Document): void {
  const version: unknown = body.apiVersion;
  const strict: unknown = body.apiStrict;
  const deprecationErrors: unknown = body.apiDeprecationErrors;
  if (version === undefined) {
    if (strict !== undefined) throw serverError('Location4886600', 'Provided apiStrict without a corresponding apiVersion');
    if (deprecationErrors !== undefined) throw serverError('Location4886600', 'Provided apiDeprecationErrors without a corresponding apiVersion');
    return;
  }
  if (typeof version !== 'string') throw serverError('TypeMismatch', `BSON field 'apiVersion' is the wrong type, expected type 'string'`);
  if (version !== '1') throw serverError('APIVersionError', 'API version must be "1"');
  if (strict !== true) return;
  if (!API_V1_COMMANDS.has(commandName.toLowerCase())) {
    throw serverError('APIStrictError', `Provided apiStrict:true, but the command ${commandName} is not in API Version 1. ${DOCHUB}`);
  }
  if (commandName.toLowerCase() === 'aggregate' && Array.isArray(body.pipeline)) {
    for (const stage of body.pipeline as unknown[]) {
      const name = isPlainObject(stage) ? Object.keys(stage)[0] : undefined;
      if (name !== undefined && STAGES_NOT_IN_V1.has(name)) throw serverError('APIStrictError', `${name} is not allowed with 'apiStrict: true' in API Version 1`);
    }
  }
}
