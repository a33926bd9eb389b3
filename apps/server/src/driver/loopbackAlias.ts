import type { Duplex, HostPort, Network } from '@rslab/sim';

/** Host names a learner may use for "this machine", which reach the sandbox's own host. */
const loopbackNames = new Set(['localhost', '127.0.0.1', '::1', '0.0.0.0']);

/** Lets `localhost:27017` and `127.0.0.1:27017` reach the sandbox's host, as on a real machine. */
export class LoopbackAliasNetwork implements Network {
  constructor(
    private readonly inner: Network,
    private readonly hostname: string,
  ) {}

  listen(addr: HostPort, onConnection: (conn: Duplex) => void) {
    return this.inner.listen(addr, onConnection);
  }

  connect(fromHost: string, to: HostPort, options?: { timeoutMillis?: number }) {
    const host = loopbackNames.has(to.host.toLowerCase()) ? this.hostname : to.host;
    return this.inner.connect(fromHost, { host, port: to.port }, options);
  }
}
