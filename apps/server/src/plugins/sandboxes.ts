import fp from 'fastify-plugin';
import { SimEngine } from '../engine/simEngine';
import { MongodEngine } from '../engine/mongodEngine';
import { resolveMongodBinary } from '../engine/mongodBinary';
import type { Engine } from '../engine/engine';
import { newProxyCredentials } from '../engine/simEngine';
import { WorkerEngine } from '../engine/workerEngine';
import { SandboxWorkerPool, type SandboxWorkerLoss } from '../engine/workerPool';
import { openFilesLimit, openFilesShortfall } from '../openFiles';
import { Lab, defaultLabLimits } from '../sandbox/lab';
import { DriverGateway } from '../driver/gateway';
import { LocalLabDriver } from '../runtime/localDriver';
import { EventLog } from '../timeline/eventLog';
import { SandboxLimitError, SandboxManager, type LabStart } from '../workspace/sandbox';
import type { Settings } from '../settings';

/**
 * The sandbox worker's entry: from source (tsx, Vitest) the .mjs that registers tsx in the thread;
 * from the bundle (`pnpm build`) the worker bundle `scripts/build.mjs` writes beside the server's.
 */
export function sandboxWorkerFile(): URL {
  return import.meta.url.endsWith('.ts') ? new URL('../workspace/sandboxWorker.mjs', import.meta.url) : new URL('./sandbox-worker.mjs', import.meta.url);
}

/** What a learner whose sandbox's worker died is told, before the fresh sandbox's welcome. */
export function sandboxLostMessage(loss: SandboxWorkerLoss): string {
  return `The lab's worker thread running your sandbox stopped (worker ${loss.workerIndex}), and your cluster with it; this is a fresh, empty sandbox. Start your members again (the lesson's steps say how).`;
}

declare module 'fastify' {
  interface FastifyInstance {
    sandboxes: SandboxManager;
    /** The worker threads sandboxes run on, or null when they run on the main thread (`sandboxWorkers` 0). */
    sandboxWorkers: SandboxWorkerPool | null;
  }
}

export interface SandboxesPluginOptions {
  settings: Settings;
}

/** Owns every sandbox on this server and reclaims idle ones in the background. */
export const sandboxesPlugin = fp<SandboxesPluginOptions>(
  async (app, { settings }) => {
    let manager: SandboxManager | null = null;
    const workerEngines = new Map<string, WorkerEngine>();
    const pool =
      settings.engine === 'sim' && settings.sandboxWorkers > 0
        ? new SandboxWorkerPool({
            workersMax: settings.sandboxWorkers,
            file: sandboxWorkerFile(),
            // Every sandbox may land on one worker (the least loaded takes each): the server's own limit is the one that counts.
            sandboxesPerWorkerMax: settings.sandboxesMax * 2,
            onWorkerLost: (loss) => {
              app.log.error(
                { workerIndex: loss.workerIndex, exitCode: loss.exitCode, err: loss.error, sandboxIds: loss.sandboxIds },
                'a sandbox worker thread stopped: its sandboxes are lost, their learners get fresh ones',
              );
              for (const sandboxId of loss.sandboxIds) {
                workerEngines.get(sandboxId)?.markLost(loss.workerIndex);
                manager?.replaceLost(sandboxId, sandboxLostMessage(loss));
              }
            },
          })
        : null;
    const filesShortfall = openFilesShortfall(settings.sandboxesMax);
    if (filesShortfall) app.log.warn({ sandboxesMax: settings.sandboxesMax, openFilesLimit: openFilesLimit() }, filesShortfall);
    if (pool) {
      // Waited for, so the first learners' calls do not queue behind a worker still loading. (Their
      // clocks would agree either way: a worker's clock reads the main thread's shared anchor.)
      await pool.ready();
      app.log.info({ workers: settings.sandboxWorkers }, 'sandboxes run on worker threads');
    }
    const createLab = (sandboxId: string, start: LabStart = {}): Lab => {
      let release = (): void => undefined;
      const clockHolder: { now: () => number } = { now: () => Date.now() };
      const events = new EventLog(() => clockHolder.now(), defaultLabLimits.eventsMax);
      const routeFor = (network: Parameters<typeof app.driverBridge.register>[0]) => {
        const route = app.driverBridge.register(network, settings.sandboxHostname);
        release = route.release;
        return route;
      };
      const onError = (error: unknown, what: string) => app.log.error({ err: error, sandboxId }, what);
      const engine: Engine = pool
        ? workerEngineFor(pool, sandboxId, start, events, onError)
        : settings.engine === 'mongod'
          ? new MongodEngine({ hostname: settings.sandboxHostname, events, onError, routeFor, limits: { membersMax: settings.sandboxMembersMax } })
          : new SimEngine({
              hostname: settings.sandboxHostname,
              events,
              onError,
              routeFor,
              limits: { membersMax: settings.sandboxMembersMax },
              storageLimits: { storageDocumentsMax: settings.sandboxDocumentsMax, storageBytesMax: settings.sandboxBytesMax },
              ...(start.clock ? { clock: start.clock } : {}),
            });
      clockHolder.now = () => engine.clock.now();
      // A worker's sandbox runs its driver there, beside its members; else the driver is on this thread.
      const driver = engine instanceof WorkerEngine ? engine.driver : new LocalLabDriver(new DriverGateway(engine.route, events, () => engine.clock.now()));
      const lab = new Lab(engine, settings.sandboxHostname, events, driver);
      const dispose = lab.dispose.bind(lab);
      lab.dispose = async () => {
        release();
        workerEngines.delete(sandboxId);
        await dispose();
      };
      app.log.debug({ sandboxId }, 'sandbox created');
      return lab;
    };
    const workerEngineFor = (workers: SandboxWorkerPool, sandboxId: string, start: LabStart, events: EventLog, onError: (error: unknown, what: string) => void): WorkerEngine => {
      let engine: WorkerEngine;
      try {
        engine = new WorkerEngine({
          pool: workers,
          sandboxId,
          events,
          onError,
          // A fork or a branch is copied from its source's members: on the source's worker, while it has one.
          ...(start.near !== undefined && workers.workerOf(start.near) !== null ? { near: start.near } : {}),
          // A branch from a checkpoint goes where that checkpoint is kept, whether or not its sandbox still is.
          ...(start.nearCheckpoint !== undefined ? { nearCheckpoint: start.nearCheckpoint } : {}),
          setup: {
            hostname: settings.sandboxHostname,
            membersMax: settings.sandboxMembersMax,
            storageLimits: { storageDocumentsMax: settings.sandboxDocumentsMax, storageBytesMax: settings.sandboxBytesMax },
            credentials: newProxyCredentials(),
            ...(start.clock ? { clock: start.clock } : {}),
          },
        });
      } catch (error) {
        if (error instanceof RangeError) throw new SandboxLimitError(`the server is full: ${error.message}; please try again in a few minutes`);
        throw error;
      }
      workerEngines.set(sandboxId, engine);
      return engine;
    };
    if (settings.engine === 'mongod') {
      // Say at start whether the mongod engine has a binary; learners get the same message at their first `mongod`.
      await resolveMongodBinary().then(
        (path) => app.log.info({ path }, 'mongod engine: using this mongod binary'),
        (error: unknown) => app.log.error(error instanceof Error ? error.message : String(error)),
      );
    }
    manager = new SandboxManager({
      settings,
      createLab,
      onError: (error, what, sandboxId) => app.log.error({ err: error, sandboxId }, what),
    });
    const sandboxes = manager;
    app.decorate('sandboxes', sandboxes);
    app.decorate('sandboxWorkers', pool);
    const reclaimEveryMillis = Math.min(60_000, settings.sandboxIdleMillis);
    const timer = setInterval(() => {
      const reclaimed = sandboxes.reclaimIdle();
      if (reclaimed > 0) app.log.info({ reclaimed, remaining: sandboxes.size }, 'reclaimed idle sandboxes');
    }, reclaimEveryMillis);
    timer.unref();
    app.addHook('onClose', async () => {
      clearInterval(timer);
      await sandboxes.disposeAll();
      await pool?.dispose();
    });
  },
  { name: 'rslab-sandboxes', dependencies: ['rslab-driver-bridge'] },
);
