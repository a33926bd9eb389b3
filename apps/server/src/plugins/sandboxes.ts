import fp from 'fastify-plugin';
import { SimEngine } from '../engine/simEngine';
import { MongodEngine } from '../engine/mongodEngine';
import { resolveMongodBinary } from '../engine/mongodBinary';
import type { Engine } from '../engine/engine';
import { Lab, defaultLabLimits } from '../sandbox/lab';
import { EventLog } from '../sandbox/eventLog';
import { SandboxManager, type LabStart } from '../sandbox/sandbox';
import type { Settings } from '../settings';

declare module 'fastify' {
  interface FastifyInstance {
    sandboxes: SandboxManager;
  }
}

export interface SandboxesPluginOptions {
  settings: Settings;
}

/** Owns every sandbox on this server and reclaims idle ones in the background. */
export const sandboxesPlugin = fp<SandboxesPluginOptions>(
  async (app, { settings }) => {
    const createLab = (sandboxId: string, start: LabStart = {}): Lab => {
      let release = (): void => undefined;
      const clockHolder: { now: () => number } = { now: () => Date.now() };
      const events = new EventLog(() => clockHolder.now(), defaultLabLimits.eventsMax);
      const routeFor = (network: Parameters<typeof app.driverBridge.register>[0]) => {
        const route = app.driverBridge.register(network, settings.sandboxHostname);
        release = route.release;
        return route;
      };
      const engine: Engine =
        settings.engine === 'mongod'
          ? new MongodEngine({ hostname: settings.sandboxHostname, events, routeFor, limits: { membersMax: settings.sandboxMembersMax } })
          : new SimEngine({
              hostname: settings.sandboxHostname,
              events,
              routeFor,
              limits: { membersMax: settings.sandboxMembersMax },
              storageLimits: { storageDocumentsMax: settings.sandboxDocumentsMax, storageBytesMax: settings.sandboxBytesMax },
              ...(start.clock ? { clock: start.clock } : {}),
            });
      clockHolder.now = () => engine.clock.now();
      const lab = new Lab(engine, settings.sandboxHostname, events, defaultLabLimits, { serverRuntimes: settings.serverRuntimes });
      const dispose = lab.dispose.bind(lab);
      lab.dispose = async () => {
        release();
        await dispose();
      };
      app.log.debug({ sandboxId }, 'sandbox created');
      return lab;
    };
    if (settings.engine === 'mongod') {
      // Say at start whether the mongod engine has a binary; learners get the same message at their first `mongod`.
      await resolveMongodBinary().then(
        (path) => app.log.info({ path }, 'mongod engine: using this mongod binary'),
        (error: unknown) => app.log.error(error instanceof Error ? error.message : String(error)),
      );
    }
    const manager = new SandboxManager({ settings, createLab });
    app.decorate('sandboxes', manager);
    const reclaimEveryMillis = Math.min(60_000, settings.sandboxIdleMillis);
    const timer = setInterval(() => {
      const reclaimed = manager.reclaimIdle();
      if (reclaimed > 0) app.log.info({ reclaimed, remaining: manager.size }, 'reclaimed idle sandboxes');
    }, reclaimEveryMillis);
    timer.unref();
    app.addHook('onClose', async () => {
      clearInterval(timer);
      await manager.disposeAll();
    });
  },
  { name: 'rslab-sandboxes', dependencies: ['rslab-driver-bridge'] },
);
