export * from './messages';
export * from './driverRpc';
