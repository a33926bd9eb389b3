import type { DriverGateway, ClientView, OperationRecord } from './gateway';
import { DriverRpcExecutor, type CallContext, type DriverRpcLimits, type RpcReply } from '../runtime/driverRpc';

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
 * sandbox's own DriverGateway; for a sandbox on a worker thread, a mirror of the one in that worker
 * (engine/workerDriver.ts), so the driver's sockets, BSON and monitoring stay off the main thread.
 */
export interface LabDriver {
  views(): ClientView[];
  readonly operations: readonly OperationRecord[];
  executor(clock: { readonly paused: boolean }, limits?: Partial<DriverRpcLimits>): DriverExecutor;
  closeAll(): Promise<void>;
}

/** The driver in this thread: a DriverGateway and one DriverRpcExecutor per connection. */
export class LocalLabDriver implements LabDriver {
  constructor(readonly gateway: DriverGateway) {}

  views(): ClientView[] {
    return this.gateway.views();
  }

  get operations(): readonly OperationRecord[] {
    return this.gateway.operations;
  }

  executor(clock: { readonly paused: boolean }, limits: Partial<DriverRpcLimits> = {}): DriverExecutor {
    return new DriverRpcExecutor(this.gateway, clock, limits);
  }

  closeAll(): Promise<void> {
    return this.gateway.closeAll();
  }
}
