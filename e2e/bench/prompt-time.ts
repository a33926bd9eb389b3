// Time from navigation to a working terminal prompt in Chromium, against a real server started
// the way e2e/global-setup.ts starts it. Spawned by bench/web-bundle.ts (which lives where
// @playwright/test does not resolve); prints one JSON line with the figures on stdout.
import { chromium } from '@playwright/test';
import { chromiumArgs, findChromium } from '../chromium';
import { startServer } from '../global-setup';

const runs = Number(process.env.RSLAB_BENCH_RUNS ?? '7');
const promptWaitMillisMax = 30_000;

interface Run {
  /** Page clock (ms since navigation start) when the prompt first showed in the terminal. */
  promptMillis: number;
  domContentLoadedMillis: number;
  /** Bytes the browser fetched for the page's scripts, as sent (compressed when compressed). */
  scriptTransferBytes: number;
}

async function main(): Promise<void> {
  if (!Number.isInteger(runs) || runs < 1 || runs > 100) throw new RangeError('RSLAB_BENCH_RUNS must be 1..100');
  const { child, url } = await startServer();
  const browser = await chromium.launch({ executablePath: findChromium(), args: chromiumArgs });
  try {
    const results: Run[] = [];
    // One warm-up run so the server's first sandbox and module loading are not measured.
    for (let i = 0; i <= runs; i++) {
      const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
      const page = await context.newPage();
      await page.goto(url, { waitUntil: 'commit' });
      const promptMillis = await page.waitForFunction(
        () => {
          const rows = document.querySelector('[aria-label="Terminal"] .xterm-rows') as HTMLElement | null;
          const text = rows?.innerText.replace(/\u00a0/g, ' ') ?? '';
          return /\$\s*$/m.test(text) ? performance.now() : null;
        },
        undefined,
        { timeout: promptWaitMillisMax, polling: 'raf' },
      );
      const timing = await page.evaluate(() => {
        const nav = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming | undefined;
        const scripts = performance
          .getEntriesByType('resource')
          .filter((entry) => entry.name.endsWith('.js')) as PerformanceResourceTiming[];
        return {
          domContentLoadedMillis: nav ? nav.domContentLoadedEventEnd : Number.NaN,
          scriptTransferBytes: scripts.reduce((sum, entry) => sum + entry.encodedBodySize, 0),
        };
      });
      if (i > 0) results.push({ promptMillis: (await promptMillis.jsonValue()) as number, ...timing });
      await context.close();
    }
    const prompt = results.map((r) => r.promptMillis).sort((a, b) => a - b);
    const median = (values: number[]) => values[Math.floor(values.length / 2)] as number;
    console.log(
      JSON.stringify({
        runs: results.length,
        chromium: browser.version(),
        promptMillis: { median: median(prompt), min: prompt[0], max: prompt[prompt.length - 1] },
        domContentLoadedMillis: median(results.map((r) => r.domContentLoadedMillis).sort((a, b) => a - b)),
        scriptTransferBytes: results[0]?.scriptTransferBytes ?? 0,
      }),
    );
  } finally {
    await browser.close();
    child.kill('SIGTERM');
  }
}

await main();
