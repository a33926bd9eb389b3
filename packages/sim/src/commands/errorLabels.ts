import type { Document } from 'bson';
import { ErrorCodes, RETRYABLE_WRITE_CODES } from '../base/errors';
import type { ErrorLabel } from '../base/errors';

/**
 * The error labels mongod adds to a command's reply, decided once, where the reply leaves the
 * member (member/member.ts): commands throw plain ServerErrors and never label them themselves.
 * The rule is mongod's ErrorLabelBuilder (src/mongo/db/error_labels.cpp) and the retryable-writes
 * specification: `RetryableWriteError` goes on the reply of a retryable command whose error code,
 * or whose writeConcernError's code, is a retryable one (base/errors.ts RETRYABLE_WRITE_CODES).
 * `TransientTransactionError` goes on the errors of a transaction's commands (they carry
 * `autocommit`) that leave nothing behind (error_labels.cpp isTransientTransactionError): write
 * conflicts, snapshot errors, and NoSuchTransaction, plus, for a statement that is not
 * commit/abort, the retryable codes; a commit/abort's NoSuchTransaction only without a
 * writeConcernError. The two labels exclude each other, TransientTransactionError first.
 * UnknownTransactionCommitResult is the driver's to add, never the server's.
 */

/** The commands that end a transaction (error_labels.cpp's commitOrAbortCommands, as a client sends them). */
const COMMIT_OR_ABORT_COMMANDS: ReadonlySet<string> = new Set(['commitTransaction', 'abortTransaction']);

/**
 * A retryable write (the command carries `txnNumber` and no `autocommit`) or a transaction's
 * commitTransaction/abortTransaction (`txnNumber` with `autocommit`): the commands mongod labels.
 */
export function isRetryableCommand(commandName: string, body: Document): boolean {
  if (body.txnNumber === undefined) return false;
  if (body.autocommit === undefined) return true;
  return COMMIT_OR_ABORT_COMMANDS.has(commandName);
}

function codeOf(value: unknown): number | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  const code = Number((value as Document).code);
  return Number.isInteger(code) ? code : undefined;
}

/** Always transient in a transaction (error_labels.cpp; the sharding-only codes left out). */
const TRANSIENT_CODES: ReadonlySet<number> = new Set([
  ErrorCodes.WriteConflict,
  ErrorCodes.LockTimeout,
  ErrorCodes.PreparedTransactionInProgress,
  ErrorCodes.SnapshotTooOld,
  ErrorCodes.SnapshotUnavailable,
]);

function isTransientTransactionError(code: number, hasWriteConcernError: boolean, commitOrAbort: boolean): boolean {
  if (TRANSIENT_CODES.has(code)) return true;
  if (commitOrAbort) return code === ErrorCodes.NoSuchTransaction && !hasWriteConcernError;
  return RETRYABLE_WRITE_CODES.has(code) || code === ErrorCodes.NoSuchTransaction;
}

/**
 * A change stream's aggregate or getMore failing with an error it can resume from
 * (error_labels.cpp isResumableChangeStreamError): the retryable and network codes, the
 * NeedRetargettingError codes, RetryChangeStream, FailedToSatisfyReadPreference; never with a
 * writeConcernError.
 */
function isResumableChangeStreamError(commandName: string, code: number | undefined, writeConcernCode: number | undefined): boolean {
  if (code === undefined || writeConcernCode !== undefined) return false;
  if (commandName !== 'aggregate' && commandName !== 'getMore') return false;
  return RETRYABLE_WRITE_CODES.has(code) || NEEDS_RETARGETING_CODES.has(code) || code === ErrorCodes.RetryChangeStream || code === ErrorCodes.FailedToSatisfyReadPreference;
}

/** error_codes.yml's NeedRetargettingError category: resumable for a change stream (the stream re-targets). */
const NEEDS_RETARGETING_CODES: ReadonlySet<number> = new Set([ErrorCodes.StaleShardVersion, ErrorCodes.StaleEpoch, ErrorCodes.StaleConfig, ErrorCodes.StaleDbVersion]);

/** The labels mongod would add to `reply` for this command (`changeStream`: an aggregate or getMore of a change stream). */
export function errorLabelsFor(commandName: string, body: Document, reply: Document, changeStream = false): ErrorLabel[] {
  const code = Number(reply.ok) === 1 ? undefined : codeOf(reply);
  const writeConcernCode = codeOf(reply.writeConcernError);
  if (body.txnNumber !== undefined && body.autocommit !== undefined && code !== undefined) {
    if (isTransientTransactionError(code, writeConcernCode !== undefined, COMMIT_OR_ABORT_COMMANDS.has(commandName))) return ['TransientTransactionError'];
  }
  if (!isRetryableCommand(commandName, body)) return changeStream && isResumableChangeStreamError(commandName, code, writeConcernCode) ? ['ResumableChangeStreamError'] : [];
  const retryable = (code !== undefined && RETRYABLE_WRITE_CODES.has(code)) || (writeConcernCode !== undefined && RETRYABLE_WRITE_CODES.has(writeConcernCode));
  if (retryable) return ['RetryableWriteError'];
  return changeStream && isResumableChangeStreamError(commandName, code, writeConcernCode) ? ['ResumableChangeStreamError'] : [];
}

/** `reply` with the labels mongod adds for this command merged into its `errorLabels` (each once). */
export function withErrorLabels(commandName: string, body: Document, reply: Document, changeStream = false): Document {
  const labels = errorLabelsFor(commandName, body, reply, changeStream);
  if (labels.length === 0) return reply;
  const existing = Array.isArray(reply.errorLabels) ? (reply.errorLabels as unknown[]).map(String) : [];
  return { ...reply, errorLabels: [...new Set([...existing, ...labels])] };
}
