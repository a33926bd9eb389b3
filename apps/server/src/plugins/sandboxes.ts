import fp from 'fastify-plugin';
import { SandboxManager, type ShellFactory } from '../sandbox/sandbox';
import type { Settings } from '../settings';

declare module 'fastify' {
  interface FastifyInstance {
    sandboxes: SandboxManager;
  }
}

export interface SandboxesPluginOptions {
  settings: Settings;
  shellFactory: ShellFactory;
}

/** Owns every sandbox on this server and reclaims idle ones in the background. */
export const sandboxesPlugin = fp<SandboxesPluginOptions>(
  async (app, { settings, shellFactory }) => {
    const manager = new SandboxManager({ settings, shellFactory });
    app.decorate('sandboxes', manager);
    const reclaimEveryMillis = Math.min(60_000, settings.sandboxIdleMillis);
    const timer = setInterval(() => {
      const reclaimed = manager.reclaimIdle();
      if (reclaimed > 0) app.log.info({ reclaimed, remaining: manager.size }, 'reclaimed idle sandboxes');
    }, reclaimEveryMillis);
    timer.unref();
    app.addHook('onClose', async () => {
      clearInterval(timer);
      manager.disposeAll();
    });
  },
  { name: 'rslab-sandboxes' },
);
