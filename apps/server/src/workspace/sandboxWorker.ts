/**
 * The body of a sandbox worker thread (see engine/workerPool.ts): it hosts the sandboxes the pool
 * assigns to it, each a SimEngine (members, clock, virtual network) with its own driver gateway
 * and driver RPC executor, so both the members and the driver's garbage live on this thread's heap.
 * The main thread sends the calls below and gets each sandbox's timeline events back.
 *
 * Not wired into the server yet (the main-thread proxy Engine is the next step); the test in
 * test/workspace/sandboxWorker.test.ts drives it through the pool.
 */
import { parentPort } from 'node:worker_threads';
import type { Document } from 'bson';
import type { VirtualNetwork } from '@rslab/sim';
import { DriverGateway } from '../driver/gateway';
import { SocksBridge } from '../driver/socksBridge';
import { EngineCommandError } from '../engine/engine';
import { SimEngine, newProxyCredentials } from '../engine/simEngine';
import type { FromWorker, ToWorker } from '../engine/workerPool';
import type { MongodOptions } from '../mongod/flags';
import { DriverRpcExecutor, type RpcReply } from '../runtime/driverRpc';
import { EventLog } from '../timeline/eventLog';

/** Timeline events one sandbox keeps in the worker (the main thread keeps the real timeline). */
const workerEventsMax = 200;

interface HostedSandbox {
  engine: SimEngine;
  gateway: DriverGateway;
  executor: DriverRpcExecutor;
  release: () => void;
}

export interface SandboxWorkerSetup {
  hostname: string;
  membersMax: number;
  seed?: number;
}

if (!parentPort) throw new Error('sandboxWorker runs as a worker thread');
const port = parentPort;
const hosted = new Map<string, HostedSandbox>();
const routes = new Map<string, { password: string; network: VirtualNetwork }>();
const bridge = new SocksBridge({
  authenticate: (username, password) => {
    const entry = routes.get(username);
    return entry && entry.password === password ? { network: entry.network, fromHost: 'client.local' } : null;
  },
});
const bridgeListening = bridge.listen(0);

async function create(sandbox: string, setup: SandboxWorkerSetup): Promise<void> {
  if (hosted.has(sandbox)) throw new Error(`sandbox ${sandbox} is already on this worker`);
  const { port: bridgePort } = await bridgeListening;
  let release = (): void => undefined;
  const clock = { now: () => Date.now() };
  const events = new EventLog(() => clock.now(), workerEventsMax);
  events.subscribe((event) => {
    const message: FromWorker = { type: 'event', sandbox, event };
    port.postMessage(message);
  });
  const engine = new SimEngine({
    hostname: setup.hostname,
    events,
    ...(setup.seed === undefined ? {} : { seed: setup.seed }),
    limits: { membersMax: setup.membersMax },
    onError: (error, what) => events.add({ source: 'cluster', kind: 'labError', text: `lab: ${what}: ${error instanceof Error ? error.message : String(error)}` }),
    routeFor: (network) => {
      const { username, password } = newProxyCredentials();
      routes.set(username, { password, network });
      release = () => routes.delete(username);
      return { proxyHost: '127.0.0.1', proxyPort: bridgePort, proxyUsername: username, proxyPassword: password };
    },
  });
  clock.now = () => engine.clock.now();
  const gateway = new DriverGateway(engine.route, events, () => engine.clock.now());
  hosted.set(sandbox, { engine, gateway, executor: new DriverRpcExecutor(gateway, engine.clock), release });
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
  found.release();
  await found.gateway.closeAll();
  await found.engine.dispose();
}

async function run(sandbox: string, method: string, args: unknown[]): Promise<unknown> {
  switch (method) {
    case 'create':
      return create(sandbox, args[0] as SandboxWorkerSetup);
    case 'start':
      return need(sandbox).engine.start(args[0] as MongodOptions);
    case 'processes':
      return need(sandbox).engine.processes();
    case 'command':
      return need(sandbox).engine.command(args[0] as string, args[1] as Document);
    case 'snapshot':
      return need(sandbox).engine.snapshot();
    case 'driver.call': {
      const [id, session, driverMethod, params] = args as [number, string, string, unknown];
      const reply: RpcReply = await need(sandbox).executor.call(id, session, driverMethod, params, { onProgress: () => undefined });
      return reply;
    }
    case 'dispose':
      return dispose(sandbox);
    default:
      throw new Error(`sandbox worker: no method ${method}`);
  }
}

port.on('message', (message: ToWorker) => {
  if (message.type === 'release') {
    dispose(message.sandbox).catch((error: unknown) => {
      // Nobody waits on a release: say it on the sandbox's event stream rather than lose it.
      const event: FromWorker = { type: 'event', sandbox: message.sandbox, event: { kind: 'labError', text: `release: ${error instanceof Error ? error.message : String(error)}` } };
      port.postMessage(event);
    });
    return;
  }
  run(message.sandbox, message.method, message.args).then(
    (value) => {
      const reply: FromWorker = { type: 'reply', id: message.id, ok: true, value };
      port.postMessage(reply);
    },
    (error: unknown) => {
      const fields = error instanceof EngineCommandError ? { output: error.output, exitCode: error.exitCode } : {};
      const reply: FromWorker = {
        type: 'reply',
        id: message.id,
        ok: false,
        error: { name: error instanceof Error ? error.name : 'Error', message: error instanceof Error ? error.message : String(error), fields },
      };
      port.postMessage(reply);
    },
  );
});
