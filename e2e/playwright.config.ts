import { defineConfig } from '@playwright/test';
import { chromiumArgs, findChromium } from './chromium';

let executablePath: string | undefined;
try {
  executablePath = findChromium();
} catch {
  // global-setup throws the same error with the install hint before any test runs
}

export default defineConfig({
  testDir: './tests',
  globalSetup: './global-setup.ts',
  timeout: 60_000,
  expect: { timeout: 10_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: process.env.CI ? [['list']] : [['list']],
  outputDir: './test-results',
  use: {
    browserName: 'chromium',
    launchOptions: { executablePath, args: chromiumArgs },
    viewport: { width: 1280, height: 800 },
    trace: 'off',
    screenshot: 'only-on-failure',
  },
});
