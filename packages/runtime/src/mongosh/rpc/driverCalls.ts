import { promoteValues } from '../bsonValues';

export type Document = Record<string, unknown>;

/**
 * A failed driver call as the lab's driver RPC describes it (/work/team/runtime-host.md,
 * "Errors"): the Node driver's class name and fields, or the RPC's own names.
 */
export interface DriverCallFailure {
  name: string;
  message: string;
  code?: number;
  codeName?: string;
  errmsg?: string;
  errorLabels?: string[];
  /** The server's whole reply for a server error. */
  errorResponse?: Document;
  /** For MongoBulkWriteError: writeErrors and the counts. */
  bulkResult?: Document;
  network?: 'refused' | 'timedOut' | 'closed' | 'other';
  address?: string;
  selection?: { timeoutMillis: number; servers: Array<{ address: string; type: string; error?: { message: string; network?: string } }> };
}

/** The lab's driver RPC, as a runtime sees it: one method with its parameters, one result. */
export interface DriverCalls {
  /** Values are BSON-typed JavaScript both ways; the transport carries them as canonical EJSON. */
  call(method: string, params: Document, signal?: AbortSignal): Promise<Document>;
}

/** Thrown by a transport when the RPC answered with an error. */
export class DriverCallError extends Error {
  constructor(readonly failure: DriverCallFailure) {
    super(failure.message);
    this.name = 'DriverCallError';
  }
}

/**
 * mongosh's own interruption (shell-api's MongoshInterruptedError, which it does not export): the
 * async rewriter rethrows it from every catch block, so learner code cannot swallow Ctrl-C.
 */
export function interruptedError(): Error {
  const error = new Error('execution was interrupted');
  error.name = 'MongoshInterruptedError';
  Object.defineProperty(error, Symbol.for('@@mongosh.uncatchable'), { value: true });
  return error;
}

/** The Node driver's words for a network failure when it talks to `address` itself. */
export function networkMessage(network: string | undefined, address: string | undefined, fallback: string): string {
  if (!address) return fallback;
  if (network === 'refused') return `connect ECONNREFUSED ${address}`;
  if (network === 'timedOut') return `connection to ${address} timed out`;
  if (network === 'closed') return `connection to ${address} closed`;
  return fallback;
}

/**
 * The error mongosh's shell API would have received from the driver: the driver's class name and
 * the fields mongosh prints (`MongoServerError[NotWritablePrimary]: not primary`, errInfo,
 * writeErrors). `Interrupted` (Ctrl-C while the call waited) becomes mongosh's own interruption.
 */
export function asDriverError(failure: DriverCallFailure): Error {
  if (failure.name === 'Interrupted') return interruptedError();
  const fields: Document = {};
  const { name } = failure;
  let { message } = failure;
  if (failure.network) {
    message = networkMessage(failure.network, failure.address, message);
  } else if (failure.selection) {
    const failing = failure.selection.servers.find((server) => server.error?.network);
    if (failing?.error) message = networkMessage(failing.error.network, failing.address, failing.error.message);
  }
  if (failure.errmsg !== undefined && name === 'MongoServerError') message = failure.errmsg;
  if (failure.code !== undefined) fields.code = failure.code;
  if (failure.codeName !== undefined) fields.codeName = failure.codeName;
  if (failure.errorLabels !== undefined) fields.errorLabels = failure.errorLabels;
  if (failure.errorResponse) {
    const response = promoteValues(failure.errorResponse);
    fields.errorResponse = response;
    if (response.errInfo !== undefined) fields.errInfo = response.errInfo;
  }
  if (failure.bulkResult) {
    const result = promoteValues(failure.bulkResult);
    if (Array.isArray(result.writeErrors) && result.writeErrors.length > 0) fields.writeErrors = result.writeErrors;
  }
  const error = Object.assign(new Error(message), fields);
  error.name = name;
  // The stack would point into the lab; mongosh shows the driver's message.
  error.stack = `${name}: ${message}`;
  return error;
}

/** Calls that become the driver's errors, with int32/double values promoted as mongosh's driver does. */
export async function callDriver(calls: DriverCalls, method: string, params: Document, signal?: AbortSignal): Promise<Document> {
  try {
    const result = await calls.call(method, params, signal);
    return promoteValues(result);
  } catch (error) {
    if (error instanceof DriverCallError) throw asDriverError(error.failure);
    throw error;
  }
}
