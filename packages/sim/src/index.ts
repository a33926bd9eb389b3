export { NetworkError, formatHostPort, type Duplex, type HostPort, type Listener, type Network } from './net/network';
export { VirtualNetwork } from './net/virtual';
export type { Clock, TimerHandle } from './clock/clock';
