/**
 * The body of a sandbox worker thread (see engine/workerPool.ts): it hosts the sandboxes the pool
 * assigns to it, each a SimEngine (members, clock, virtual network) on this thread's heap, and a
 * SOCKS bridge on loopback through which their driver clients (here too) reach them. The main
 * thread's `WorkerEngine` (engine/workerEngine.ts) sends the calls below and gets each sandbox's
 * timeline events, process table and followed log lines back.
 *
 * The sandbox's driver runs here too, beside its members (engine/workerDriver.ts is the main
 * thread's side): the learner's pages send their driver calls through the main thread, which hands
 * them on as `driver.call` with the connection's executor key; the clients' views and each
 * operation go back as `driver` events before the reply they belong to, and the driver's timeline
 * events as the sandbox's own. A sandbox gets its gateway at the first driver call.
 */
import { parentPort } from 'node:worker_threads';
import { PerformanceObserver, constants as perfConstants, performance } from 'node:perf_hooks';
import { Session } from 'node:inspector/promises';
import type { Document } from 'bson';
import { ScaledClock, SharedClockAnchor, type ClockReading, type VirtualNetwork } from '@rslab/sim';
import { DriverGateway } from '../driver/gateway';
import { LoopbackAliasNetwork } from '../driver/loopbackAlias';
import { SocksBridge } from '../driver/socksBridge';
import { EngineCommandError, type Signal } from '../engine/engine';
import { SimEngine, newProxyCredentials, type EngineCheckpoint } from '../engine/simEngine';
import { fromBson, toBson, type SandboxWorkerSetup, type WorkerClockChange, type WorkerSandboxEvent } from '../engine/workerEngine';
import type { FromWorker, ToWorker, WorkerGcPause } from '../engine/workerPool';
import type { MongodOptions } from '../mongod/flags';
import { DriverRpcExecutor, type DriverRpcLimits, type RpcReply } from '../runtime/driverRpc';
import { EventLog } from '../timeline/eventLog';

export type { SandboxWorkerSetup } from '../engine/workerEngine';

/** Timeline events one sandbox keeps in the worker (the main thread keeps the real timeline). */
const workerEventsMax = 200;

interface HostedSandbox {
  engine: SimEngine;
  /** Its driver gateway and one RPC executor per connection (page) by the main thread's key, built at the first `driver.call`. */
  driver: HostedDriver | null;
  /** The sandbox's timeline in this worker (the driver gateway's events go to it too). */
  events: EventLog;
  /** Followed processes' log feeds, by pid. */
  follows: Map<number, () => void>;
  release: () => void;
}

interface HostedDriver {
  gateway: DriverGateway;
  executors: Map<string, DriverRpcExecutor>;
}

if (!parentPort) throw new Error('sandboxWorker runs as a worker thread');
const port = parentPort;
const hosted = new Map<string, HostedSandbox>();
/**
 * Checkpoints the main thread holds a handle to (a live history's moments, a saved replay's
 * frozen copy), by `sandbox#id`. They outlive their sandbox: the main thread's pool counts who
 * holds each and sends `dropCheckpoint` when the last lets go.
 */
const checkpoints = new Map<string, EngineCheckpoint>();
const checkpointKey = (sandbox: string, id: number): string => `${sandbox}#${id}`;
const routes = new Map<string, { password: string; network: VirtualNetwork; hostname: string }>();
const bridge = new SocksBridge({
  authenticate: (username, password) => {
    const entry = routes.get(username);
    return entry && entry.password === password ? { network: new LoopbackAliasNetwork(entry.network, entry.hostname), fromHost: 'client.local' } : null;
  },
});
const bridgeListening = bridge.listen(0);
bridgeListening.then(
  ({ port: bridgePort }) => {
    const ready: FromWorker = { type: 'ready', bridgePort };
    port.postMessage(ready);
  },
  (error: unknown) => {
    // Without its bridge no driver reaches this worker's sandboxes: end the worker so the pool replaces it and says so.
    setImmediate(() => {
      throw error;
    });
  },
);

function post(sandbox: string, event: WorkerSandboxEvent): void {
  const message: FromWorker = { type: 'event', sandbox, event };
  port.postMessage(message);
}

/** The sandbox's process table and rolled-back documents, for the main thread's mirror. */
function postState(sandbox: string, engine: SimEngine): void {
  const processes = engine.processes();
  const rolledBack: Record<string, Array<{ ns: string; document: Document }>> = {};
  for (const p of processes) {
    const docs = engine.rolledBack(p.address);
    if (docs.length > 0) rolledBack[p.address] = docs;
  }
  post(sandbox, { kind: 'state', processes, rolledBack: toBson(rolledBack) });
}

async function create(sandbox: string, setup: SandboxWorkerSetup): Promise<void> {
  if (hosted.has(sandbox)) throw new Error(`sandbox ${sandbox} is already on this worker`);
  const { port: bridgePort } = await bridgeListening;
  let release = (): void => undefined;
  const clock = { now: () => Date.now() };
  const events = new EventLog(() => clock.now(), workerEventsMax);
  let engine: SimEngine | null = null;
  events.subscribe((event) => {
    // A cluster event may follow a change of the process table (a start, an exit, a rollback): the mirror first.
    if (engine && event.source === 'cluster') postState(sandbox, engine);
    post(sandbox, { kind: 'timeline', event });
  });
  // From a WorkerEngine the clock follows the main thread's anchor; a bare `create` (the pool's tests) may give a start instead.
  const start = setup.clockAnchor ? ScaledClock.following(new SharedClockAnchor(setup.clockAnchor)) : setup.clock;
  engine = new SimEngine({
    hostname: setup.hostname,
    events,
    ...(setup.seed === undefined ? {} : { seed: setup.seed }),
    limits: { membersMax: setup.membersMax },
    ...(setup.storageLimits ? { storageLimits: setup.storageLimits } : {}),
    ...(setup.parameters ? { parameters: setup.parameters } : {}),
    ...(start ? { clock: start } : {}),
    onError: (error, what) => post(sandbox, { kind: 'labError', text: `${what}: ${error instanceof Error ? error.message : String(error)}` }),
    routeFor: (network) => {
      const { username, password } = setup.credentials ?? newProxyCredentials();
      routes.set(username, { password, network, hostname: setup.hostname });
      release = () => routes.delete(username);
      return { proxyHost: '127.0.0.1', proxyPort: bridgePort, proxyUsername: username, proxyPassword: password };
    },
  });
  const built = engine;
  clock.now = () => built.clock.now();
  hosted.set(sandbox, { engine: built, driver: null, events, follows: new Map(), release });
}

/** The sandbox's driver gateway in this worker, built the first time a call needs it; its views and operations are mirrored to the main thread. */
function driverOf(sandbox: string, found: HostedSandbox): HostedDriver {
  if (!found.driver) {
    const { engine } = found;
    const gateway = new DriverGateway(engine.route, found.events, () => engine.clock.now());
    let viewsPosted = '';
    let viewsDue = false;
    gateway.observe({
      // Coalesced to one message per turn, and only when they differ (most topology changes leave the views alone).
      viewsChanged: () => {
        if (viewsDue) return;
        viewsDue = true;
        queueMicrotask(() => {
          viewsDue = false;
          const views = gateway.views();
          const text = JSON.stringify(views);
          if (text === viewsPosted) return;
          viewsPosted = text;
          post(sandbox, { kind: 'driver', views });
        });
      },
      operationRecorded: (operation) => post(sandbox, { kind: 'driver', operation }),
    });
    found.driver = { gateway, executors: new Map() };
  }
  return found.driver;
}

function executorOf(sandbox: string, found: HostedSandbox, key: string, limits?: Partial<DriverRpcLimits>): DriverRpcExecutor {
  const driver = driverOf(sandbox, found);
  let executor = driver.executors.get(key);
  if (!executor) {
    executor = new DriverRpcExecutor(driver.gateway, found.engine.clock, limits);
    driver.executors.set(key, executor);
  }
  return executor;
}

function need(sandbox: string): HostedSandbox {
  const found = hosted.get(sandbox);
  if (!found) throw new Error(`sandbox ${sandbox} is not on this worker`);
  return found;
}

async function dispose(sandbox: string): Promise<void> {
  const found = hosted.get(sandbox);
  if (!found) return;
  hosted.delete(sandbox);
  for (const stop of found.follows.values()) stop();
  found.release();
  await Promise.allSettled([...(found.driver?.executors.values() ?? [])].map((executor) => executor.dispose()));
  await found.driver?.gateway.closeAll();
  await found.engine.dispose();
}

function follow(sandbox: string, pid: number): void {
  const found = need(sandbox);
  if (found.follows.has(pid)) return;
  found.follows.set(pid, found.engine.followLog(pid, (line) => post(sandbox, { kind: 'log', pid, line })));
}

function unfollow(sandbox: string, pid: number): void {
  const found = need(sandbox);
  found.follows.get(pid)?.();
  found.follows.delete(pid);
}

/**
 * The main thread changed the sandbox clock (see WorkerEngine's MirroredClock): this clock read the
 * new anchor from the moment it was written; its timers are re-armed at the new rate here. The
 * anchor may have moved on since (a later change is on its way), never back.
 */
function clockChanged(clock: ScaledClock, change: WorkerClockChange): undefined {
  if (!clock.following) throw new Error('sandbox worker: this sandbox\'s clock does not follow the main thread\'s');
  const { version, anchor } = clock.sync(change.version);
  if (version === change.version && !sameReading(anchor, change.reading)) {
    throw new Error(`sandbox worker: the shared clock anchor ${JSON.stringify(anchor)} is not the main thread's ${JSON.stringify(change.reading)} at version ${version}`);
  }
  const now = clock.now();
  if (now < change.reading.virtualMillis) throw new Error(`sandbox worker: the clock reads ${now}, earlier than the main thread's change at ${change.reading.virtualMillis}`);
  return undefined;
}

function sameReading(a: ClockReading, b: ClockReading): boolean {
  return a.virtualMillis === b.virtualMillis && a.wallMillis === b.wallMillis && a.speed === b.speed && a.paused === b.paused;
}

/** Methods after which the process table may have changed: the state goes out before the reply. */
const changesProcesses = new Set(['start', 'restart', 'signal', 'clear', 'copyFrom', 'restore']);

async function run(sandbox: string, method: string, args: unknown[]): Promise<unknown> {
  if (method === 'create') return create(sandbox, args[0] as SandboxWorkerSetup);
  if (method === 'dispose') return dispose(sandbox);
  const found = need(sandbox);
  const { engine } = found;
  try {
    switch (method) {
      case 'start':
        return await engine.start(args[0] as MongodOptions);
      case 'restart':
        return await engine.restart(args[0] as string);
      case 'signal':
        return await engine.signal(args[0] as number, args[1] as Signal);
      case 'processes':
        return engine.processes();
      case 'logLines':
        return await engine.logLines(args[0] as number);
      case 'followLog':
        return follow(sandbox, args[0] as number);
      case 'unfollowLog':
        return unfollow(sandbox, args[0] as number);
      case 'snapshot':
        return await engine.snapshot();
      case 'documents': {
        const documents = await engine.documents(args[0] as string, args[1] as string);
        return documents === null ? null : toBson({ documents });
      }
      case 'command': {
        // From the pool's own tests a plain document; from WorkerEngine BSON bytes.
        const command = args[1] instanceof Uint8Array ? fromBson(args[1]) : (args[1] as Document);
        const reply = await engine.command(args[0] as string, command);
        return args[1] instanceof Uint8Array ? toBson(reply) : reply;
      }
      case 'partition':
        return engine.partition(args[0] as string[][]);
      case 'heal':
        return engine.heal();
      case 'cut':
        return engine.cut(args[0] as string, args[1] as string);
      case 'healLink':
        return engine.healLink(args[0] as string, args[1] as string);
      case 'slow':
        return engine.slow(args[0] as string, args[1] as string, args[2] as number);
      case 'clock':
        return clockChanged(engine.clock, args[0] as WorkerClockChange);
      case 'clockAnchor':
        return { anchor: engine.clock.anchor, following: engine.clock.following };
      case 'clear':
        return await engine.clear();
      case 'checkpoint': {
        const checkpoint = engine.checkpoint();
        checkpoints.set(checkpointKey(sandbox, args[0] as number), checkpoint);
        return checkpoint.sizeBytes;
      }
      case 'moment': {
        const { snapshot, checkpoint } = engine.moment();
        checkpoints.set(checkpointKey(sandbox, args[0] as number), checkpoint);
        return { snapshot, sizeBytes: checkpoint.sizeBytes };
      }
      case 'restore': {
        const [source, id] = args as [string, number];
        const checkpoint = checkpoints.get(checkpointKey(source, id));
        if (!checkpoint) throw new Error(`this worker keeps no checkpoint ${id} of sandbox ${source}`);
        return await engine.restore(checkpoint);
      }
      case 'checkpointsKept':
        return checkpoints.size;
      case 'copyFrom':
        return await engine.copyFrom(need(args[0] as string).engine);
      case 'driver.call': {
        const [key, id, session, driverMethod, params, limits] = args as [string, number, string, string, unknown, Partial<DriverRpcLimits> | undefined];
        const onProgress = (status: string | null): void => post(sandbox, { kind: 'driverProgress', executor: key, id, status });
        const reply: RpcReply = await executorOf(sandbox, found, key, limits).call(id, session, driverMethod, params, { onProgress });
        return reply;
      }
      case 'driver.cancel':
        return found.driver?.executors.get(args[0] as string)?.cancel(args[1] as number);
      case 'driver.endSession':
        return await found.driver?.executors.get(args[0] as string)?.endSession(args[1] as string);
      case 'driver.disposeExecutor': {
        const key = args[0] as string;
        const executor = found.driver?.executors.get(key);
        found.driver?.executors.delete(key);
        return await executor?.dispose();
      }
      case 'driver.closeAll':
        return await found.driver?.gateway.closeAll();
      default:
        throw new Error(`sandbox worker: no method ${method}`);
    }
  } finally {
    if (changesProcesses.has(method)) postState(sandbox, engine);
  }
}

const gcKinds = new Map<number, WorkerGcPause['kind']>([
  [perfConstants.NODE_PERFORMANCE_GC_MINOR, 'scavenge'],
  [perfConstants.NODE_PERFORMANCE_GC_MAJOR, 'markCompact'],
  [perfConstants.NODE_PERFORMANCE_GC_INCREMENTAL, 'incremental'],
  [perfConstants.NODE_PERFORMANCE_GC_WEAKCB, 'weakCallbacks'],
]);

/** This worker's GC pauses for `millis` (and a CPU profile of them, if asked): why its learners waited. */
async function diagnose(millis: number, cpuProfile: boolean): Promise<{ gcPauses: WorkerGcPause[]; cpuProfile?: unknown }> {
  const gcPauses: WorkerGcPause[] = [];
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      const kind = gcKinds.get((entry.detail as { kind?: number } | undefined)?.kind ?? -1) ?? 'other';
      gcPauses.push({ startedAtMillis: performance.timeOrigin + entry.startTime, durationMillis: entry.duration, kind });
    }
  });
  observer.observe({ entryTypes: ['gc'] });
  const profiler = cpuProfile ? new Session() : null;
  try {
    if (profiler) {
      profiler.connect();
      await profiler.post('Profiler.enable');
      await profiler.post('Profiler.start');
    }
    await new Promise((resolve) => setTimeout(resolve, millis));
    const profile = profiler ? (await profiler.post('Profiler.stop')).profile : undefined;
    return { gcPauses, ...(profile ? { cpuProfile: profile } : {}) };
  } finally {
    observer.disconnect();
    profiler?.disconnect();
  }
}

function answer(id: number, work: Promise<unknown>): void {
  work.then(
    (value) => {
      const message: FromWorker = { type: 'reply', id, ok: true, value };
      port.postMessage(message);
    },
    (error: unknown) => {
      const fields = error instanceof EngineCommandError ? { output: error.output, exitCode: error.exitCode } : {};
      const message: FromWorker = {
        type: 'reply',
        id,
        ok: false,
        error: { name: error instanceof Error ? error.name : 'Error', message: error instanceof Error ? error.message : String(error), fields },
      };
      port.postMessage(message);
    },
  );
}

port.on('message', (message: ToWorker) => {
  if (message.type === 'diagnose') {
    answer(message.id, diagnose(message.millis, message.cpuProfile));
    return;
  }
  if (message.type === 'dropCheckpoint') {
    checkpoints.delete(checkpointKey(message.sandbox, message.id));
    return;
  }
  if (message.type === 'release') {
    dispose(message.sandbox).catch((error: unknown) => {
      // Nobody waits on a release: say it on the sandbox's event stream rather than lose it.
      post(message.sandbox, { kind: 'labError', text: `release: ${error instanceof Error ? error.message : String(error)}` });
    });
    return;
  }
  answer(message.id, run(message.sandbox, message.method, message.args));
});
