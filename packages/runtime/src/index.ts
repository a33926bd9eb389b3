export { RuntimeHost, defaultRuntimeHostLimits, type LocalCompletion, type RuntimeHostLimits, type RuntimeHostOptions, type WorkerLike } from './host/runtimeHost';
export type { DriverRpcError, HostToServer, ServerToHost } from './host/messages';
export type { RuntimeAssets, RuntimeKind } from './worker/messages';
export { SyncBridgeUnavailableError } from './bridge/syncChannel';
