import type { DriverErrorInfo, DriverReply, DriverRequest } from '@rslab/server/protocol/driverRpc';

export type {
  CursorAction,
  CursorMethod,
  CursorModifier,
  Document,
  DriverErrorInfo,
  DriverReply,
  DriverRequest,
  TopologyView,
  ValueMethod,
} from '@rslab/server/protocol/driverRpc';
export { cursorModifiers, cursorMethods, valueMethods } from '@rslab/server/protocol/driverRpc';

/** Thrown by a transport when the server answered a request with an error. */
export class DriverRpcError extends Error {
  constructor(readonly info: DriverErrorInfo) {
    super(info.message);
    this.name = 'DriverRpcError';
  }
}

/** How the runtime reaches the server's executor. Values may be BSON-typed; encoding is the transport's. */
export interface DriverTransport {
  request(request: DriverRequest, signal?: AbortSignal): Promise<DriverReply>;
}
