import { fileURLToPath } from 'node:url';
import { runsWithServerNodeOptions, serverNodeOptions } from './nodeFlags';
import { drainAndClose } from './plugins/lifecycle';
import { buildServer } from './server';
import { settingsFromEnv } from './settings';

const defaultWebRoot = fileURLToPath(new URL('../../web/dist', import.meta.url));
const settings = settingsFromEnv(process.env, { webRoot: defaultWebRoot });
const server = await buildServer({ settings, logger: { level: process.env.LOG_LEVEL ?? 'info' } });
if (!runsWithServerNodeOptions(process.execArgv, process.env)) {
  server.log.warn(`running without the node options ${serverNodeOptions} (pnpm start sets them in NODE_OPTIONS): expect longer garbage-collection pauses with many sandboxes`);
}

// SIGTERM (a process manager, a deploy) drains first: the balancer moves this instance's pages to
// another before it exits. SIGINT (Ctrl-C) closes at once. A second signal exits now.
let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) {
      server.log.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    stopping = true;
    server.log.info({ signal }, 'shutting down');
    drainAndClose(server, signal === 'SIGTERM' ? settings.drainMillis : 0).then(
      () => process.exit(0),
      (error: unknown) => {
        server.log.error({ err: error }, 'closing the server failed');
        process.exit(1);
      },
    );
  });
}

const address = await server.listen({ host: settings.host, port: settings.port });
// Tests and scripts read this line to find the port when PORT=0.
console.log(`Replica Set Lab listening on ${address.replace('0.0.0.0', 'localhost')}`);
