import type { DriverRpcError } from '@rslab/runtime';
import type { ClientView, OperationRecord } from './gateway';

export interface DriverRpcLimits {
  /** Calls one connection may have running at once; more are refused. */
  callsInFlightMax: number;
  /** Calls per second per connection before they are slowed down (not refused). */
  callsPerSecondMax: number;
  /** Open cursors per connection; the oldest is killed to make room. */
  cursorsMax: number;
  /** Sessions per connection. */
  sessionsMax: number;
  /** Documents one batch brings back. */
  batchDocumentsMax: number;
  /** Bytes (of EJSON text) one answer may carry; a batch is cut to fit. */
  replyBytesMax: number;
}

export const defaultDriverRpcLimits: DriverRpcLimits = {
  callsInFlightMax: 8,
  callsPerSecondMax: 200,
  cursorsMax: 64,
  sessionsMax: 16,
  batchDocumentsMax: 1000,
  replyBytesMax: 4 * 1024 * 1024,
};

export type RpcReply = { ok: true; result: unknown } | { ok: false; error: DriverRpcError };

/** What a call may do to the terminal that runs it while it waits (the "waiting for a primary" line). */
export interface CallContext {
  onProgress(status: string | null): void;
}

/** One connection's driver calls (see DriverRpcExecutor): the part the client runtimes use. */
export interface DriverExecutor {
  /** Never throws: failures are answered as `{ok: false, error}`. */
  call(id: number, runtimeSession: string, method: string, params: unknown, ctx: CallContext): Promise<RpcReply>;
  cancel(id: number): void;
  endSession(runtimeSession: string): Promise<void>;
  dispose(): Promise<void>;
}

/**
 * A sandbox's driver as the lab, its lesson checks and its shells see it: the clients it has open,
 * the operations they ran, and executors for the runtimes' calls. On the main thread it is the
 * sandbox's own DriverGateway (runtime/localDriver.ts); for a sandbox on a worker thread, a mirror of the one in that worker
 * (engine/workerDriver.ts), so the driver's sockets, BSON and monitoring stay off the main thread.
 */
export interface LabDriver {
  views(): ClientView[];
  readonly operations: readonly OperationRecord[];
  executor(clock: { readonly paused: boolean }, limits?: Partial<DriverRpcLimits>): DriverExecutor;
  closeAll(): Promise<void>;
}
