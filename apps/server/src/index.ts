export { buildApp, type AppOptions } from './app';
export { settingsFromEnv, testSettings, type Settings } from './settings';
