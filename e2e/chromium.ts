import { existsSync } from 'node:fs';

/** Flags every Chromium launch here needs: headless, no sandbox as root, no calls home. */
export const chromiumArgs = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/**
 * Find the Chromium to drive: CHROMIUM_PATH, else Debian's. Fail at once with how to get one,
 * rather than hang or try to download.
 */
export function findChromium(env: NodeJS.ProcessEnv = process.env): string {
  const candidates = [env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].filter(
    (path): path is string => typeof path === 'string' && path !== '',
  );
  for (const path of candidates) if (existsSync(path)) return path;
  throw new Error(
    `No Chromium found (looked at ${candidates.join(', ')}). Install one with ` +
      '`apt-get install chromium` (Debian/Ubuntu) or `npx playwright install chromium`, ' +
      'or set CHROMIUM_PATH to a Chromium or Chrome binary.',
  );
}
