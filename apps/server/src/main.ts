import { fileURLToPath } from 'node:url';
import { buildApp } from './app';
import { runsWithServerNodeOptions, serverNodeOptions } from './nodeFlags';
import { settingsFromEnv } from './settings';

const defaultWebRoot = fileURLToPath(new URL('../../web/dist', import.meta.url));
const settings = settingsFromEnv(process.env, { webRoot: defaultWebRoot });
const app = await buildApp({ settings, logger: { level: process.env.LOG_LEVEL ?? 'info' } });
if (!runsWithServerNodeOptions(process.execArgv, process.env)) {
  app.log.warn(`running without the node options ${serverNodeOptions} (pnpm start sets them in NODE_OPTIONS): expect longer garbage-collection pauses with many sandboxes`);
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    app.log.info({ signal }, 'shutting down');
    void app.close().then(() => process.exit(0));
  });
}

const address = await app.listen({ host: settings.host, port: settings.port });
// Tests and scripts read this line to find the port when PORT=0.
console.log(`Replica Set Lab listening on ${address.replace('0.0.0.0', 'localhost')}`);
