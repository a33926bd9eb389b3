// The web app's first-load budget: builds apps/web, sums the gzip'd JavaScript that the first
// page load needs (dist/index.html's entry script and its modulepreloads) against the chunks
// loaded on demand, then measures navigation → working terminal prompt in Chromium (through
// e2e/bench/prompt-time.ts, where Playwright resolves). Prints the figures and rewrites the
// `## Web` section of docs/BENCHMARKS.md.
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { cpus } from 'node:os';
import { gzipSync } from 'node:zlib';
import { writeBenchmarkSection } from './lib/benchmarksDoc';

const root = new URL('..', import.meta.url).pathname;
const dist = `${root}apps/web/dist/`;
const firstLoadBudgetBytes = 250 * 1024;

interface Asset {
  file: string;
  bytes: number;
  gzipBytes: number;
}

function run(command: string, args: string[], cwd: string): string {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (${result.status}):\n${result.stdout}\n${result.stderr}`);
  return result.stdout;
}

function asset(file: string): Asset {
  const data = readFileSync(`${dist}${file}`);
  return { file, bytes: data.length, gzipBytes: gzipSync(data, { level: 9 }).length };
}

/** The scripts index.html makes the browser fetch before the app runs: entry plus modulepreloads. */
export function firstLoadScripts(html: string): string[] {
  const files = new Set<string>();
  for (const match of html.matchAll(/<script\b[^>]*\btype="module"[^>]*\bsrc="\/?([^"]+\.js)"/g)) files.add(match[1] as string);
  for (const match of html.matchAll(/<link\b[^>]*\brel="modulepreload"[^>]*\bhref="\/?([^"]+\.js)"/g)) files.add(match[1] as string);
  if (files.size === 0) throw new Error('dist/index.html names no module script');
  return [...files];
}

const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;

function main(): void {
  console.log('building apps/web…');
  run('pnpm', ['--filter', '@rslab/web', 'build'], root);
  const html = readFileSync(`${dist}index.html`, 'utf8');
  const first = firstLoadScripts(html).map(asset);
  const firstNames = new Set(first.map((a) => a.file));
  const lazy = readdirSync(`${dist}assets`)
    .filter((name) => name.endsWith('.js') && !firstNames.has(`assets/${name}`))
    .map((name) => asset(`assets/${name}`))
    .sort((a, b) => b.gzipBytes - a.gzipBytes);
  const css = readdirSync(`${dist}assets`).filter((name) => name.endsWith('.css')).map((name) => asset(`assets/${name}`));
  const firstGzip = first.reduce((sum, a) => sum + a.gzipBytes, 0);
  const lazyGzip = lazy.reduce((sum, a) => sum + a.gzipBytes, 0);
  for (const a of first) console.log(`first load  ${a.file}  ${kb(a.bytes)} raw, ${kb(a.gzipBytes)} gzip`);
  for (const a of lazy) console.log(`on demand   ${a.file}  ${kb(a.bytes)} raw, ${kb(a.gzipBytes)} gzip`);
  console.log(`first-load JS: ${kb(firstGzip)} gzip of a ${kb(firstLoadBudgetBytes)} budget; on demand: ${kb(lazyGzip)} gzip`);

  console.log('measuring navigation → terminal prompt in Chromium…');
  const out = run(process.execPath, ['--import', 'tsx', 'bench/prompt-time.ts'], `${root}e2e`);
  const line = out.trim().split('\n').pop() ?? '';
  const timing = JSON.parse(line) as {
    runs: number;
    chromium: string;
    promptMillis: { median: number; min: number; max: number };
    domContentLoadedMillis: number;
    scriptTransferBytes: number;
  };
  console.log(`prompt after ${timing.promptMillis.median.toFixed(0)} ms (median of ${timing.runs}; ${timing.promptMillis.min.toFixed(0)}–${timing.promptMillis.max.toFixed(0)} ms)`);

  const cpu = cpus();
  const machine = `${cpu.length} × ${cpu[0]?.model.trim() ?? 'unknown CPU'}, Node ${process.version}, Chromium ${timing.chromium}`;
  writeBenchmarkSection('Web', [
    `Measured by \`bench/web-bundle.ts\` on ${machine}. Production build of apps/web; gzip level 9 of each file; the page served by the real server on loopback, a fresh browser context (new sandbox) per run, one warm-up run not counted.`,
    '',
    '| Figure | Value |',
    '| --- | --- |',
    `| First-load JavaScript, gzip (budget ${kb(firstLoadBudgetBytes)}) | ${kb(firstGzip)} (${first.length} file${first.length === 1 ? '' : 's'}, ${kb(first.reduce((s, a) => s + a.bytes, 0))} raw) |`,
    `| On-demand JavaScript, gzip | ${kb(lazyGzip)} in ${lazy.length} chunks: ${lazy.map((a) => `${a.file.replace(/^assets\//, '').replace(/-[\w-]{8}\.js$/, '')} ${kb(a.gzipBytes)}`).join(', ')} |`,
    `| CSS, gzip | ${kb(css.reduce((s, a) => s + a.gzipBytes, 0))} |`,
    `| Navigation → working terminal prompt, median of ${timing.runs} | ${timing.promptMillis.median.toFixed(0)} ms (min ${timing.promptMillis.min.toFixed(0)}, max ${timing.promptMillis.max.toFixed(0)}) |`,
    `| DOMContentLoaded, median | ${timing.domContentLoadedMillis.toFixed(0)} ms |`,
    '',
  ]);

}

main();
