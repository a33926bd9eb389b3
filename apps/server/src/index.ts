export { app, type AppOptions } from './app';
export { buildServer, type ServerOptions } from './server';
export { settingsFromEnv, testSettings, type Settings } from './settings';
