import { fileURLToPath } from 'node:url';
import { runsWithServerNodeOptions, serverNodeOptions } from './nodeFlags';
import { buildServer } from './server';
import { settingsFromEnv } from './settings';

const defaultWebRoot = fileURLToPath(new URL('../../web/dist', import.meta.url));
const settings = settingsFromEnv(process.env, { webRoot: defaultWebRoot });
const server = await buildServer({ settings, logger: { level: process.env.LOG_LEVEL ?? 'info' } });
if (!runsWithServerNodeOptions(process.execArgv, process.env)) {
  server.log.warn(`running without the node options ${serverNodeOptions} (pnpm start sets them in NODE_OPTIONS): expect longer garbage-collection pauses with many sandboxes`);
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    server.log.info({ signal }, 'shutting down');
    server.close().then(
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
