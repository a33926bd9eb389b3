// Time from typing `python` to the `>>>` prompt in Chromium, cold (nothing of Python fetched yet)
// and prefetched (the page fetched Pyodide's files while idle), and the page's memory with Python
// loaded. Spawned by bench/python-start.ts; prints one JSON line with the figures on stdout.
import { chromium, type Page } from '@playwright/test';
import { chromiumArgs, findChromium } from '../chromium';
import { startServer } from '../global-setup';

const runs = Number(process.env.RSLAB_BENCH_RUNS ?? '3');
const waitMillisMax = 120_000;

function screen(page: Page): Promise<string> {
  return page.evaluate(() => ((document.querySelector('[aria-label="Terminal"] .xterm-rows') as HTMLElement | null)?.innerText ?? '').replace(/\u00a0/g, ' '));
}

async function typePython(page: Page): Promise<number> {
  await page.getByRole('region', { name: 'Terminal', exact: true }).click();
  await page.keyboard.type('python');
  const started = await page.evaluate(() => performance.now());
  await page.keyboard.press('Enter');
  const prompted = await page.waitForFunction(
    () => {
      const rows = document.querySelector('[aria-label="Terminal"] .xterm-rows') as HTMLElement | null;
      return />>>\s*$/m.test((rows?.innerText ?? '').replace(/\u00a0/g, ' ')) ? performance.now() : null;
    },
    undefined,
    { timeout: waitMillisMax, polling: 50 },
  );
  return ((await prompted.jsonValue()) as number) - started;
}

async function main(): Promise<void> {
  const { child, url } = await startServer();
  const browser = await chromium.launch({ executablePath: findChromium(), args: chromiumArgs });
  try {
    const cold: number[] = [];
    const warm: number[] = [];
    let memoryBytes = Number.NaN;
    let workerBytes = Number.NaN;
    for (let i = 0; i < runs; i++) {
      // Cold: a fresh context (empty HTTP cache); `python` is typed as soon as the prompt shows.
      const coldContext = await browser.newContext();
      const coldPage = await coldContext.newPage();
      await coldPage.goto(url);
      await coldPage.waitForFunction(() => /\$\s*$/m.test((document.querySelector('[aria-label="Terminal"] .xterm-rows') as HTMLElement | null)?.innerText ?? ''));
      cold.push(await typePython(coldPage));
      await coldContext.close();
      // Prefetched: the page had idle time to fetch Pyodide's files first.
      const context = await browser.newContext();
      const page = await context.newPage();
      await page.goto(url);
      await page.waitForFunction(() => performance.getEntriesByType('resource').some((e) => e.name.endsWith('python_stdlib.zip') && (e as PerformanceResourceTiming).responseEnd > 0), undefined, { timeout: waitMillisMax });
      await page.waitForTimeout(500);
      warm.push(await typePython(page));
      if (i === runs - 1) {
        // What the page and each of its workers hold; the Python worker's share includes its
        // WebAssembly memory (Pyodide's heap, the unpacked standard library).
        const measured = await page.evaluate(async () => {
          type Breakdown = { bytes: number; attribution: Array<{ scope?: string }> };
          const measure = (performance as unknown as { measureUserAgentSpecificMemory?: () => Promise<{ bytes: number; breakdown: Breakdown[] }> }).measureUserAgentSpecificMemory;
          if (!measure) return null;
          const result = await measure.call(performance);
          const workerBytes = result.breakdown.filter((entry) => entry.attribution.some((a) => a.scope === 'DedicatedWorkerGlobalScope')).reduce((sum, entry) => sum + entry.bytes, 0);
          return { bytes: result.bytes, workerBytes };
        });
        memoryBytes = measured?.bytes ?? Number.NaN;
        workerBytes = measured?.workerBytes ?? Number.NaN;
      }
      void screen;
      await context.close();
    }
    const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;
    console.log(JSON.stringify({ runs, chromium: browser.version(), coldMillis: median(cold), prefetchedMillis: median(warm), cold, warm, memoryBytes, workerBytes }));
  } finally {
    await browser.close();
    child.kill('SIGTERM');
  }
}

await main();
