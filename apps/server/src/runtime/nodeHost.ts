/**
 * A runtime host inside this Node process: the page's RuntimeHost and Python worker, on a
 * worker_thread, wired straight to the sandbox's runtimes (no WebSocket). The transcript runner
 * and CI's lesson solving use it; so do tests that speak the protocol without a browser.
 */
import { createNodeRuntimeHost } from '@rslab/runtime/node';
import type { ClientRuntimes, RuntimeHostLink } from './clientRuntime';

let counter = 0;

export function nodeRuntimeHost(runtimes: ClientRuntimes): RuntimeHostLink & { dispose(): void } {
  counter += 1;
  const id = `node-host-${counter}`;
  const host = createNodeRuntimeHost({ send: (message) => queueMicrotask(() => runtimes.receive(id, message)) });
  return {
    id,
    send: (message) => queueMicrotask(() => host.handle(message)),
    dispose: () => host.dispose(),
  };
}
