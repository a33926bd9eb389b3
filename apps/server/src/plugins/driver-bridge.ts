import fp from 'fastify-plugin';
import type { Network } from '@rslab/sim';
import { LoopbackAliasNetwork } from '../driver/loopbackAlias';
import { SocksBridge, type SocksRoute } from '../driver/socksBridge';
import type { DriverRoute } from '../driver/gateway';
import { newProxyCredentials } from '../engine/simEngine';

declare module 'fastify' {
  interface FastifyInstance {
    driverBridge: DriverBridge;
  }
}

/** The server's one SOCKS5 bridge; each sandbox registers its own login and network. */
export class DriverBridge {
  private readonly routes = new Map<string, { password: string; route: SocksRoute }>();
  readonly bridge: SocksBridge;
  private port = 0;

  constructor() {
    this.bridge = new SocksBridge({
      authenticate: (username, password) => {
        const entry = this.routes.get(username);
        return entry && entry.password === password ? entry.route : null;
      },
    });
  }

  async start(): Promise<void> {
    this.port = (await this.bridge.listen(0)).port;
  }

  /** Register a sandbox's network; the returned route is what its driver clients use. */
  register(network: Network, hostname: string): DriverRoute & { release(): void } {
    const { username, password } = newProxyCredentials();
    this.routes.set(username, { password, route: { network: new LoopbackAliasNetwork(network, hostname), fromHost: 'client.local' } });
    return {
      proxyHost: '127.0.0.1',
      proxyPort: this.port,
      proxyUsername: username,
      proxyPassword: password,
      release: () => this.routes.delete(username),
    };
  }

  get size(): number {
    return this.routes.size;
  }

  close(): Promise<void> {
    this.routes.clear();
    return this.bridge.close();
  }
}

export const driverBridgePlugin = fp(
  async (app) => {
    const bridge = new DriverBridge();
    await bridge.start();
    app.decorate('driverBridge', bridge);
    app.addHook('onClose', async () => bridge.close());
  },
  { name: 'rslab-driver-bridge' },
);
