export { RuntimeHost, defaultRuntimeHostLimits, type LocalCompletion, type RuntimeHostLimits, type RuntimeHostOptions, type WorkerLike } from './host/runtimeHost';
export type { DriverRpcError, HostToServer, ServerToHost } from './host/messages';
export type { RuntimeAssets, RuntimeKind } from './worker/messages';
export { SyncBridgeUnavailableError } from './bridge/syncChannel';

/** The CPython that Pyodide 314.0.8 ships (its `sys.version`); `python --version` prints it. */
export const pythonVersion = '3.14.2';
