import type { Document } from 'bson';

/**
 * MongoDB server error codes used across the simulator, by the `codeName` the server reports: the
 * one table every server error comes from (`serverError(name, ...)`; a `ServerError` is built from
 * a name, never a bare number). Values are MongoDB 7.0's own (src/mongo/base/error_codes.yml);
 * add rows here rather than inlining numbers elsewhere. Assertion sites that mongod raises with a
 * bare number, which have no name in error_codes.yml, are listed as `Location<code>`: the codeName
 * mongod reports for them.
 */
export const ErrorCodes = {
  OK: 0,
  InternalError: 1,
  BadValue: 2,
  NoSuchKey: 4,
  GraphContainsCycle: 5,
  HostUnreachable: 6,
  HostNotFound: 7,
  UnknownError: 8,
  FailedToParse: 9,
  CannotMutateObject: 10,
  UserNotFound: 11,
  UnsupportedFormat: 12,
  Unauthorized: 13,
  TypeMismatch: 14,
  Overflow: 15,
  InvalidLength: 16,
  ProtocolError: 17,
  AuthenticationFailed: 18,
  IllegalOperation: 20,
  EmptyArrayOperation: 21,
  InvalidBSON: 22,
  AlreadyInitialized: 23,
  LockTimeout: 24,
  NamespaceNotFound: 26,
  IndexNotFound: 27,
  PathNotViable: 28,
  NonExistentPath: 29,
  InvalidPath: 30,
  RoleNotFound: 31,
  ConflictingUpdateOperators: 40,
  CursorNotFound: 43,
  NoMatchingDocument: 47,
  NamespaceExists: 48,
  MaxTimeMSExpired: 50,
  DollarPrefixedFieldName: 52,
  InvalidIdField: 53,
  NotSingleValueField: 54,
  ImmutableField: 66,
  CannotCreateIndex: 67,
  IndexAlreadyExists: 68,
  InvalidOptions: 72,
  InvalidNamespace: 73,
  NodeNotFound: 74,
  NoReplicationEnabled: 76,
  WriteConcernFailed: 64,
  MultipleErrorsOccurred: 65,
  IndexOptionsConflict: 85,
  IndexKeySpecsConflict: 86,
  NetworkTimeout: 89,
  CommandFailed: 125,
  ShutdownInProgress: 91,
  InvalidReplicaSetConfig: 93,
  NotYetInitialized: 94,
  NotSecondary: 95,
  OperationFailed: 96,
  NoProgressMade: 82,
  OutOfDiskSpace: 14031,
  SocketException: 9001,
  ExceededTimeLimit: 262,
  UnknownReplWriteConcern: 79,
  UnsatisfiableWriteConcern: 100,
  OutdatedClient: 101,
  NewReplicaSetConfigurationIncompatible: 103,
  NodeNotElectable: 104,
  ConfigurationInProgress: 109,
  IncompatibleServerVersion: 188,
  WriteConflict: 112,
  InitialSyncFailure: 113,
  CommandNotSupported: 115,
  ConflictingOperationInProgress: 117,
  NamespaceNotSharded: 118,
  InvalidSyncSource: 119,
  OplogStartMissing: 120,
  DocumentValidationFailure: 121,
  NotAReplicaSet: 123,
  IncompatibleElectionProtocol: 124,
  ReadConcernMajorityNotEnabled: 148,
  StaleTerm: 135,
  InterruptedAtShutdown: 11600,
  Interrupted: 11601,
  /** A prepared transaction holds what the operation needs (transactions are not prepared here; failCommand may name it). */
  PreparedTransactionInProgress: 267,
  InterruptedDueToReplStateChange: 11602,
  /** An operation whose client closed its connection (operation_context.cpp _checkClientConnected). */
  ClientDisconnect: 279,
  InconsistentReplicaSetNames: 108,
  PrimarySteppedDown: 189,
  CurrentConfigNotCommittedYet: 308,
  UnsupportedOpQueryCommand: 352,
  NoSuchTransaction: 251,
  TransactionCommitted: 256,
  InvalidResumeToken: 260,
  ChangeStreamHistoryLost: 286,
  CannotConvertIndexToUnique: 359,
  RetryChangeStream: 234,
  FailedToSatisfyReadPreference: 133,
  LinearizableReadConcernError: 187,
  TransactionTooOld: 225,
  IncompleteTransactionHistory: 217,
  CommandNotFound: 59,
  NotWritablePrimary: 10107,
  NotPrimaryNoSecondaryOk: 13435,
  NotPrimaryOrSecondary: 13436,
  LegacyNotPrimary: 10058,
  DuplicateKey: 11000,
  BSONObjectTooLarge: 10334,
  ExceededMemoryLimit: 146,
  CommandNotSupportedOnView: 166,
  OptionNotSupportedOnView: 167,
  InvalidPipelineOperator: 168,
  QueryPlanKilled: 175,
  OperationNotSupportedInTransaction: 263,
  FailPointSetFailed: 266,
  TooManyLogicalSessions: 261,
  SnapshotTooOld: 239,
  SnapshotUnavailable: 246,
  StaleConfig: 13388,
  StaleShardVersion: 63,
  StaleEpoch: 150,
  StaleDbVersion: 249,
  CappedPositionLost: 136,
  OplogOperationUnsupported: 62,
  MergeStageNoMatchingDocument: 13113,
  ChangeStreamFatalError: 280,
  APIVersionError: 322,
  APIStrictError: 323,
  // Bare-number assertion sites (codeName `Location<code>`).
  /** OP_MSG without a body (rpc/op_msg.cpp). */
  Location40587: 40587,
  /** OP_MSG with more than one body section. */
  Location40430: 40430,
  /** OP_MSG with the same document sequence twice. */
  Location40431: 40431,
  /** OP_MSG with a field both in the body and as a document sequence. */
  Location40433: 40433,
  /** OP_MSG request without `$db`. */
  Location40571: 40571,
  /** `$collStats` not the first stage of a pipeline (pipeline/document_source_coll_stats.cpp). */
  Location40602: 40602,
  /** More than one of resumeAfter/startAfter/startAtOperationTime (document_source_change_stream.cpp). */
  Location40674: 40674,
  /** `$changeStream` on a member that is not in a replica set. */
  Location40573: 40573,
  /** An IDL-parsed command without a required field. */
  Location40414: 40414,
  /** An IDL field validator failed (idl/idl_parser.h `throwComparisonError`), e.g. replSetResizeOplog's size. */
  Location51024: 51024,
  /** `apiStrict` or `apiDeprecationErrors` without `apiVersion` (api_parameters.cpp). */
  Location4886600: 4886600,
  /** An unknown aggregation stage name (pipeline/document_source.cpp). */
  Location40324: 40324,
  /** `$listSearchIndexes` off Atlas (MongoDB 7.0 Community, document_source_list_search_indexes.cpp). */
  Location6047401: 6047401,
  /** `$out`/`$merge` anywhere but last in a pipeline (pipeline/pipeline.cpp). */
  Location40601: 40601,
  /** `$out` with neither a string nor an object (document_source_out.cpp). */
  Location16990: 16990,
  /** `$merge` result without an `on` field, or with null or an array there (merge_processor.cpp). */
  Location51132: 51132,
  /** `$merge` on fields no unique index covers (document_source_merge.cpp). */
  Location51183: 51183,
  /** An IDL-parsed (strict) command or sub-document with a field it does not know (idl/idl_parser.cpp). */
  Location40415: 40415,
  /** A legacy opcode (OP_QUERY on a collection, OP_GET_MORE...) that mongod 5.1+ no longer serves. */
  Location5739101: 5739101,
  /** setDefaultRWConcern/getDefaultRWConcern on a node without --replSet (rwc_defaults_commands.cpp assertNotStandaloneOrShardServer). */
  Location51300: 51300,
} as const;

export type ErrorCodeName = keyof typeof ErrorCodes;

/** Codes not in the table (replies from elsewhere) read as `Location<code>`, as mongod names assertion sites without a name. */
const CODE_NAMES: ReadonlyMap<number, string> = (() => {
  const map = new Map<number, string>();
  for (const [name, code] of Object.entries(ErrorCodes)) {
    if (map.has(code)) throw new Error(`ErrorCodes: ${code} listed twice (${map.get(code)}, ${name})`);
    map.set(code, name);
  }
  return map;
})();

export function codeNameFor(code: number): string {
  return CODE_NAMES.get(code) ?? `Location${code}`;
}

/** Error labels mongod attaches; drivers decide what to retry from these. */
export type ErrorLabel =
  | 'RetryableWriteError'
  | 'TransientTransactionError'
  | 'UnknownTransactionCommitResult'
  | 'NoWritesPerformed'
  | 'ResumableChangeStreamError'
  | 'NonResumableChangeStreamError';

function codeSet(names: readonly ErrorCodeName[]): ReadonlySet<number> {
  return new Set(names.map((name) => ErrorCodes[name]));
}

/**
 * The codes after which a driver may retry a write: the retryable-writes specification's list,
 * MongoDB's RetriableError category (error_codes.yml) as drivers see it. mongod labels a failed
 * retryable command's reply `RetryableWriteError` when its code, or its writeConcernError's, is
 * one of these (commands/errorLabels.ts).
 */
export const RETRYABLE_WRITE_CODES: ReadonlySet<number> = codeSet([
  'InterruptedAtShutdown',
  'InterruptedDueToReplStateChange',
  'NotWritablePrimary',
  'NotPrimaryNoSecondaryOk',
  'NotPrimaryOrSecondary',
  'PrimarySteppedDown',
  'ShutdownInProgress',
  'HostNotFound',
  'HostUnreachable',
  'NetworkTimeout',
  'SocketException',
  'ExceededTimeLimit',
]);

/** Codes that tell a driver "this member is not primary" (SDAM marks it Unknown). */
export const NOT_PRIMARY_CODES: ReadonlySet<number> = codeSet(['NotWritablePrimary', 'NotPrimaryNoSecondaryOk', 'LegacyNotPrimary']);
/** Codes that tell a driver "this member is recovering". */
export const NODE_RECOVERING_CODES: ReadonlySet<number> = codeSet(['ShutdownInProgress', 'PrimarySteppedDown', 'InterruptedAtShutdown', 'InterruptedDueToReplStateChange', 'NotPrimaryOrSecondary']);

export interface ServerErrorOptions {
  errorLabels?: readonly ErrorLabel[];
  /** Extra reply fields MongoDB sends with this error (e.g. `keyPattern`, `keyValue`, `writeConcernError`). */
  extra?: Document;
}

/**
 * An error a real mongod would report: real `code`, `codeName`, `errmsg`, built from a name in
 * the table. Thrown inside command implementations and turned into an `ok: 0` reply by
 * `toReply()`; never let one reach the wire as a rejection.
 */
export class ServerError extends Error {
  override readonly name = 'ServerError';
  readonly code: number;
  readonly codeName: ErrorCodeName;
  readonly errmsg: string;
  readonly errorLabels: readonly ErrorLabel[];
  readonly extra: Document;

  constructor(codeName: ErrorCodeName, errmsg: string, options: ServerErrorOptions = {}) {
    super(errmsg);
    const code: number | undefined = Object.hasOwn(ErrorCodes, codeName) ? ErrorCodes[codeName] : undefined;
    if (code === undefined || code === 0) throw new RangeError(`ServerError needs the name of a non-zero code in ErrorCodes, got ${String(codeName)}`);
    this.code = code;
    this.codeName = codeName;
    this.errmsg = errmsg;
    this.errorLabels = options.errorLabels ?? [];
    this.extra = options.extra ?? {};
  }

  /** The `ok: 0` reply document mongod sends for this error. */
  toReply(): Document {
    const reply: Document = { ok: 0, errmsg: this.errmsg, code: this.code, codeName: this.codeName, ...this.extra };
    if (this.errorLabels.length > 0) reply.errorLabels = [...this.errorLabels];
    return reply;
  }

  /** The entry for a `writeErrors` array as mongod sends it: `{index, code, errmsg, ...extra}` (no codeName there). */
  toWriteError(index: number): Document {
    return { index, code: this.code, errmsg: this.errmsg, ...this.extra };
  }

  /** A reply's `writeConcernError` as mongod sends it: `{code, codeName, errmsg, ...extra}` (`errInfo` goes in `extra`). */
  toWriteConcernError(): Document {
    return { code: this.code, codeName: this.codeName, errmsg: this.errmsg, ...this.extra };
  }

  /** The OP_REPLY query-failure document of the legacy protocol: `{$err, code, ok: 0}`. */
  toQueryFailure(): Document {
    return { $err: this.errmsg, code: this.code, ok: 0 };
  }

  /** `{code, codeName, errmsg}`: a Status, as mongod puts one in a log line's `error` attribute. */
  toStatus(): Document {
    return { code: this.code, codeName: this.codeName, errmsg: this.errmsg };
  }

  withLabels(labels: readonly ErrorLabel[]): ServerError {
    return new ServerError(this.codeName, this.errmsg, { errorLabels: [...this.errorLabels, ...labels], extra: this.extra });
  }
}

/** Shorthand: `serverError('BadValue', 'msg')`. */
export function serverError(name: ErrorCodeName, errmsg: string, options?: ServerErrorOptions): ServerError {
  return new ServerError(name, errmsg, options);
}

/** Whether `name` is a codeName in the table (e.g. one read back from a reply). */
export function isErrorCodeName(name: string): name is ErrorCodeName {
  return Object.hasOwn(ErrorCodes, name);
}

export function isServerError(value: unknown): value is ServerError {
  return value instanceof ServerError;
}

/**
 * Turn anything thrown by a command into a reply. A `ServerError` keeps its code; anything else is a
 * bug in the simulator and is reported as InternalError (1) with its message, never swallowed
 * silently: the caller should also log it.
 */
export function errorToReply(error: unknown): Document {
  if (error instanceof ServerError) return error.toReply();
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return new ServerError('InternalError', message).toReply();
}

// Helpers for the errors many commands raise, with mongod's wording.

export function typeMismatch(errmsg: string): ServerError {
  return serverError('TypeMismatch', errmsg);
}

export function badValue(errmsg: string): ServerError {
  return serverError('BadValue', errmsg);
}

export function failedToParse(errmsg: string): ServerError {
  return serverError('FailedToParse', errmsg);
}

export function invalidNamespace(ns: string): ServerError {
  return serverError('InvalidNamespace', `Invalid namespace specified '${ns}'`);
}

export function namespaceNotFound(errmsg = 'ns not found'): ServerError {
  return serverError('NamespaceNotFound', errmsg);
}

export function commandNotFound(commandName: string): ServerError {
  return serverError('CommandNotFound', `no such command: '${commandName}'`);
}

export function cursorNotFound(cursorId: bigint | number | string): ServerError {
  return serverError('CursorNotFound', `cursor id ${String(cursorId)} not found`);
}

/** `RetryableWriteError` is not set here: it depends on the command (commands/errorLabels.ts). */
export function notWritablePrimary(): ServerError {
  return serverError('NotWritablePrimary', 'not primary');
}
