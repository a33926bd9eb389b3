import type { Document } from 'bson';
import { serverError } from '../base/errors';
import type { LogVerbosity } from '../log/verbosity';
import type { CommandRequest } from './handler';

/** The server parameters this simulator can set at runtime: the log's verbosity (logv2 server parameters). */
const SETTABLE: ReadonlySet<string> = new Set(['logLevel', 'logComponentVerbosity']);

/** Fields every command may carry (generic arguments): not parameters. */
function isGenericArgument(name: string): boolean {
  return name.startsWith('$') || ['lsid', 'txnNumber', 'comment', 'maxTimeMS', 'writeConcern', 'readConcern', 'apiVersion', 'apiStrict', 'apiDeprecationErrors'].includes(name);
}

const HELP = ', use help:true to see options ';

/**
 * setParameter (commands/parameters.cpp CmdSet): admin only; every name checked before any is set;
 * answers `was`, the first parameter's previous value. `logLevel` is the default component's
 * verbosity, `logComponentVerbosity` a tree of them (what mongosh's db.setLogLevel sends).
 */
export function runSetParameter(verbosity: LogVerbosity, request: CommandRequest): Document {
  if (request.db !== 'admin') throw serverError('Unauthorized', 'setParameter may only be run against the admin database.');
  const names = Object.keys(request.body).filter((k) => k !== Object.keys(request.body)[0] && !isGenericArgument(k));
  if (names.length === 0) throw serverError('InvalidOptions', `no option found to set${HELP}`);
  for (const name of names) {
    if (!SETTABLE.has(name)) throw serverError('InvalidOptions', `attempted to set unrecognized parameter [${name}]${HELP}`);
  }
  let was: unknown;
  names.forEach((name, index) => {
    const value: unknown = request.body[name];
    const previous = name === 'logLevel' ? verbosity.defaultLevel : verbosity.toDocument();
    if (index === 0) was = previous;
    if (name === 'logLevel') {
      if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) throw serverError('BadValue', `Invalid value for logLevel: ${String(value)}`);
      verbosity.setDefault(value);
      return;
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw serverError('TypeMismatch', 'logComponentVerbosity must be an object');
    try {
      verbosity.apply(value as Document);
    } catch (error) {
      throw serverError('BadValue', error instanceof Error ? error.message : String(error));
    }
  });
  return { was, ok: 1 };
}

/** Whether a getParameter names one of the log's parameters (or asks for all with `'*'`). */
export function namesLogParameter(body: Document): boolean {
  return body.getParameter === '*' || body.logLevel !== undefined || body.logComponentVerbosity !== undefined;
}

/** getParameter of the log's verbosity: `logLevel`, `logComponentVerbosity`, both for `'*'`. */
export function logParameters(verbosity: LogVerbosity, body: Document): Document {
  const all = body.getParameter === '*';
  return {
    ...(all || body.logComponentVerbosity !== undefined ? { logComponentVerbosity: verbosity.toDocument() } : {}),
    ...(all || body.logLevel !== undefined ? { logLevel: verbosity.defaultLevel } : {}),
  };
}
