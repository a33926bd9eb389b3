// How long `python` takes to reach `>>>` in the page (cold and prefetched), and the page's memory
// with Python loaded; runs e2e/bench/python-start.ts (where Playwright resolves) and writes the
// "Python in the page" section of docs/BENCHMARKS.md.
import { spawnSync } from 'node:child_process';
import { cpus } from 'node:os';
import { writeBenchmarkSection } from './lib/benchmarksDoc';

const root = new URL('..', import.meta.url).pathname;

function main(): void {
  const build = spawnSync('pnpm', ['--filter', '@rslab/web', 'build'], { cwd: root, encoding: 'utf8' });
  if (build.status !== 0) throw new Error(`web build failed:\n${build.stderr}`);
  const result = spawnSync(process.execPath, ['--import', 'tsx', 'bench/python-start.ts'], { cwd: `${root}e2e`, encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
  if (result.status !== 0) throw new Error(`python-start failed:\n${result.stderr}\n${result.stdout}`);
  const figures = JSON.parse(result.stdout.trim().split('\n').pop() ?? '{}') as {
    runs: number;
    chromium: string;
    coldMillis: number;
    prefetchedMillis: number;
    memoryBytes: number;
    workerBytes: number;
  };
  console.log(JSON.stringify(figures));
  const cpu = cpus();
  const mb = (bytes: number) => (Number.isFinite(bytes) ? `${(bytes / 1_000_000).toFixed(0)} MB` : 'not measured');
  writeBenchmarkSection('Python in the page', [
    `Measured by \`bench/python-start.ts\` on ${cpu.length} × ${cpu[0]?.model.trim() ?? 'unknown CPU'}, Node ${process.version}, Chromium ${figures.chromium}; the real server on loopback, a fresh browser context per run, median of ${figures.runs}.`,
    '',
    '| Figure | Value |',
    '| --- | --- |',
    `| \`python\` typed → \`>>>\`, cold (Pyodide's files not fetched yet) | ${figures.coldMillis.toFixed(0)} ms |`,
    `| \`python\` typed → \`>>>\`, prefetched while the page was idle | ${figures.prefetchedMillis.toFixed(0)} ms |`,
    `| Page memory with Python loaded (\`performance.measureUserAgentSpecificMemory\`, page and its workers) | ${mb(figures.memoryBytes)}, of which workers (Pyodide's WebAssembly heap included) ${mb(figures.workerBytes)} |`,
    '',
  ]);
}

main();
