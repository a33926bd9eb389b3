/**
 * The learner's shell languages, as pure modules: bash (`BashShell` over a `BashHost`), Python with
 * PyMongo (`PythonRepl` over a `PyMongoBackend`) and mongosh (`MongoshRepl` over a
 * `MongoshBackend`). Each REPL has `prompt()`, `execute(line, io)`, `complete(line, cursor)`,
 * `interrupt()` (Ctrl-C at the prompt) and `endOfInput()` (Ctrl-D). Input is parsed, never eval'ed.
 */
export type { EndOfInput, Repl, ReplIO, ReplOutcome, SourceLimits } from './io';
export { InterruptedError, abortable, defaultSourceLimits } from './io';
export type { Completion } from './complete';
export { completeBash, completeMongosh, completePython } from './complete';

export type { BashHost, BashOutcome, MongodStarted, ProcessInfo } from './bash/shell';
export { BashCommandError, BashShell, bashHelpText, signalNumbers } from './bash/shell';
export type { MongodOptions, MongodParse } from '../mongod/flags';
export { mongodVersion, parseMongodArgs } from '../mongod/flags';

export type {
  BackendCallContext,
  BsonDocument,
  FindOptions,
  HostPort,
  Namespace,
  PyClientHandle,
  PyConnectOptions,
  PyMongoApi,
  PyMongoBackend,
  PyMongoExceptionName,
} from './python/backend';
export { PyMongoBackendError } from './python/backend';
export type { PythonReplOptions } from './python/repl';
export { PythonRepl, pythonBanner } from './python/repl';
export type { StdlibEnv } from './python/stdlib';
export { operationFailureMessage } from './python/pymongo';

export type { Document, MongoshBackend, MongoshCallContext, MongoshFindOptions, MongoshTopology } from './mongosh/backend';
export { MongoshBackendError } from './mongosh/backend';
export type { MongoshReplOptions } from './mongosh/repl';
export { MongoshRepl, mongoshConnectingBanner, mongoshPrompt, mongoshVersion, normalizeMongoshUri } from './mongosh/repl';
