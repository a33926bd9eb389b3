import type { ClientView, DriverGateway, OperationRecord } from '../driver/gateway';
import type { DriverExecutor, DriverRpcLimits, LabDriver } from '../driver/labDriver';
import { DriverRpcExecutor } from './driverRpc';

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
