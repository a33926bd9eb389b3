import type { Document } from 'bson';

/**
 * MongoDB server error codes used across the simulator, with the `codeName` the server reports.
 * Values are MongoDB's own (src/mongo/base/error_codes.yml); add rows here rather than inlining
 * numbers elsewhere.
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
  IncompatibleServerVersion: 104,
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
  StaleTerm: 145,
  InterruptedAtShutdown: 11600,
  Interrupted: 11601,
  InterruptedDueToReplStateChange: 11602,
  InconsistentReplicaSetNames: 185,
  PrimarySteppedDown: 189,
  UnsupportedOpQueryCommand: 352,
  NoSuchTransaction: 251,
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
  InvalidPipelineOperator: 168,
  QueryPlanKilled: 175,
  OperationNotSupportedInTransaction: 263,
  StaleConfig: 13388,
  CappedPositionLost: 136,
  OplogOperationUnsupported: 62,
} as const;

export type ErrorCodeName = keyof typeof ErrorCodes;

/** Codes not in the table report `Location<code>`, as mongod does for assertion sites without a name. */
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
export type ErrorLabel = 'RetryableWriteError' | 'TransientTransactionError' | 'UnknownTransactionCommitResult' | 'NoWritesPerformed' | 'ResumableChangeStreamError';

/** Codes for which mongod adds `RetryableWriteError` to a failed retryable write's reply. */
export const RETRYABLE_WRITE_CODES: ReadonlySet<number> = new Set([
  6, 7, 89, 91, 189, 262, 9001, 10107, 11600, 11602, 13435, 13436,
]);

/** Codes that tell a driver "this member is not primary" (SDAM marks it Unknown). */
export const NOT_PRIMARY_CODES: ReadonlySet<number> = new Set([10107, 13435, 10058]);
/** Codes that tell a driver "this member is recovering". */
export const NODE_RECOVERING_CODES: ReadonlySet<number> = new Set([91, 189, 11600, 11602, 13436]);

export interface ServerErrorOptions {
  errorLabels?: readonly ErrorLabel[];
  /** Extra reply fields MongoDB sends with this error (e.g. `keyPattern`, `keyValue`, `writeConcernError`). */
  extra?: Document;
}

/**
 * An error a real mongod would report: real `code`, `codeName`, `errmsg`. Thrown inside command
 * implementations and turned into an `ok: 0` reply by `toReply()`; never let one reach the wire as a
 * rejection.
 */
export class ServerError extends Error {
  override readonly name = 'ServerError';
  readonly code: number;
  readonly codeName: string;
  readonly errmsg: string;
  readonly errorLabels: readonly ErrorLabel[];
  readonly extra: Document;

  constructor(code: number, errmsg: string, options: ServerErrorOptions = {}) {
    super(errmsg);
    if (!Number.isInteger(code) || code === 0) throw new RangeError(`ServerError needs a non-zero integer code, got ${code}`);
    this.code = code;
    this.codeName = codeNameFor(code);
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

  withLabels(labels: readonly ErrorLabel[]): ServerError {
    return new ServerError(this.code, this.errmsg, { errorLabels: [...this.errorLabels, ...labels], extra: this.extra });
  }
}

/** Shorthand: `serverError('BadValue', 'msg')`. */
export function serverError(name: ErrorCodeName, errmsg: string, options?: ServerErrorOptions): ServerError {
  return new ServerError(ErrorCodes[name], errmsg, options);
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
  return new ServerError(ErrorCodes.InternalError, message).toReply();
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

export function notWritablePrimary(): ServerError {
  return serverError('NotWritablePrimary', 'not primary', { errorLabels: ['RetryableWriteError'] });
}
