#!/usr/bin/env node
// Runs every check the project has — lint, typecheck, Vitest in every package, Playwright — and
// ends with one line, `N passed, N failed`, adding up what every runner counted.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const resultsDir = join(root, '.test-results');
rmSync(resultsDir, { recursive: true, force: true });
mkdirSync(resultsDir, { recursive: true });

const packages = [
  { name: '@rslab/sim', dir: 'packages/sim' },
  { name: '@rslab/runtime', dir: 'packages/runtime' },
  { name: '@rslab/server', dir: 'apps/server' },
  { name: '@rslab/web', dir: 'apps/web' },
];
const stepMillisMax = 30 * 60_000;
const tally = [];

function run(label, command, args, options = {}) {
  console.log(`\n=== ${label}: ${command} ${args.join(' ')}`);
  const started = Date.now();
  const result = spawnSync(command, args, {
    cwd: options.cwd ?? root,
    stdio: 'inherit',
    env: { ...process.env, ...options.env },
    timeout: stepMillisMax,
  });
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  const ok = result.status === 0;
  console.log(`=== ${label}: ${ok ? 'ok' : `failed (exit ${result.status ?? result.signal})`} in ${seconds}s`);
  return ok;
}

/** A check that is one pass or one fail (lint, a typecheck, the web build). */
function check(label, command, args, options) {
  const ok = run(label, command, args, options);
  tally.push({ label, passed: ok ? 1 : 0, failed: ok ? 0 : 1 });
  return ok;
}

function readJson(path) {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return null;
  }
}

/** A runner that reports counts; a crash that reported nothing counts as one failure. */
function counted(label, ok, counts) {
  if (!counts) {
    tally.push({ label, passed: 0, failed: 1, note: 'no report' });
    return;
  }
  let { passed, failed } = counts;
  if (!ok && failed === 0) failed = 1;
  tally.push({ label, passed, failed });
}

check('lint', 'pnpm', ['lint']);
for (const pkg of [...packages, { name: '@rslab/e2e', dir: 'e2e' }]) {
  check(`typecheck ${pkg.name}`, 'pnpm', ['--filter', pkg.name, 'typecheck']);
}
check('typecheck bench', 'pnpm', ['exec', 'tsc', '-p', 'bench/tsconfig.json']);

for (const pkg of packages) {
  const report = join(resultsDir, `vitest-${pkg.dir.replace('/', '-')}.json`);
  const ok = run(`vitest ${pkg.name}`, 'pnpm', [
    'exec', 'vitest', 'run', '--passWithNoTests', '--reporter=default', '--reporter=json', `--outputFile=${report}`,
  ], { cwd: join(root, pkg.dir) });
  const json = readJson(report);
  counted(`vitest ${pkg.name}`, ok, json && { passed: json.numPassedTests, failed: json.numFailedTests + (json.numRuntimeErrorTestSuites ?? 0) });
}

if (check('build @rslab/web', 'pnpm', ['--filter', '@rslab/web', 'build'])) {
  const report = join(resultsDir, 'playwright.json');
  const ok = run('playwright @rslab/e2e', 'pnpm', ['exec', 'playwright', 'test', '--reporter=list,json'], {
    cwd: join(root, 'e2e'),
    env: { PLAYWRIGHT_JSON_OUTPUT_NAME: report },
  });
  const json = existsSync(report) ? readJson(report) : null;
  const stats = json?.stats;
  counted('playwright @rslab/e2e', ok, stats && { passed: stats.expected + stats.flaky, failed: stats.unexpected });
} else {
  tally.push({ label: 'playwright @rslab/e2e', passed: 0, failed: 1, note: 'skipped: web build failed' });
}

console.log('\n=== summary');
for (const row of tally) {
  console.log(`${row.label.padEnd(28)} ${String(row.passed).padStart(5)} passed ${String(row.failed).padStart(4)} failed${row.note ? `  (${row.note})` : ''}`);
}
const passed = tally.reduce((sum, row) => sum + row.passed, 0);
const failed = tally.reduce((sum, row) => sum + row.failed, 0);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
