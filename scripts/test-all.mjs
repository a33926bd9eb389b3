#!/usr/bin/env node
// Runs every check the project has — lint, typecheck, the import boundaries, Vitest in every
// package, Playwright — and ends with one line, `N passed, N failed`, adding up what every runner
// counted. The tally is honest: a package with no tests fails; skipped and todo tests are counted
// and printed; a test that passed only on a retry is flaky, named, and counted as failed.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const resultsDir = join(root, '.test-results');
rmSync(resultsDir, { recursive: true, force: true });
mkdirSync(resultsDir, { recursive: true });

/** Packages with Vitest tests (each must have some). */
const vitestPackages = [
  { name: '@rslab/sim', dir: 'packages/sim' },
  { name: '@rslab/protocol', dir: 'packages/protocol' },
  { name: '@rslab/runtime', dir: 'packages/runtime' },
  { name: '@rslab/server', dir: 'apps/server' },
  { name: '@rslab/web', dir: 'apps/web' },
];
const e2e = { name: '@rslab/e2e', dir: 'e2e' };
const allPackages = [...vitestPackages, e2e];
const stepMillisMax = 30 * 60_000;
/** One row per runner: passed, failed, skipped, and the names of flaky tests. */
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

/** A check that is one pass or one fail (lint, a typecheck, the import boundaries, the web build). */
function check(label, command, args, options) {
  const ok = run(label, command, args, options);
  tally.push({ label, passed: ok ? 1 : 0, failed: ok ? 0 : 1, skipped: 0, flaky: [] });
  return ok;
}

function readJson(path) {
  if (!existsSync(path)) return null;
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    // A half-written report (the runner crashed mid-write) counts as no report: one failure below.
    console.log(`=== could not read ${path}: ${error instanceof Error ? error.message : String(error)}`);
    return null;
  }
}

/**
 * A runner that reports counts. No report, or a report of no tests at all, is one failure; a
 * non-zero exit with no failed test counted is one failure too. Flaky tests move from passed to failed.
 */
function counted(label, ok, counts) {
  if (!counts) {
    tally.push({ label, passed: 0, failed: 1, skipped: 0, flaky: [], note: 'no report' });
    return;
  }
  const flaky = counts.flaky ?? [];
  let { passed, failed } = counts;
  const skipped = counts.skipped ?? 0;
  let note;
  if (passed + failed + skipped === 0) {
    failed = 1;
    note = 'no tests';
  }
  if (!ok && failed === 0) failed = 1;
  tally.push({ label, passed, failed, skipped, flaky, ...(note ? { note } : {}) });
}

function hasScript(dir, script) {
  const manifest = readJson(join(root, dir, 'package.json'));
  return typeof manifest?.scripts?.[script] === 'string';
}

check('lint', 'pnpm', ['lint']);
for (const pkg of allPackages) {
  check(`typecheck ${pkg.name}`, 'pnpm', ['--filter', pkg.name, 'typecheck']);
}
check('typecheck bench', 'pnpm', ['exec', 'tsc', '-p', 'bench/tsconfig.json']);
for (const pkg of allPackages) {
  if (hasScript(pkg.dir, 'deps')) check(`deps ${pkg.name}`, 'pnpm', ['--filter', pkg.name, 'deps']);
}

for (const pkg of vitestPackages) {
  const slug = pkg.dir.replace('/', '-');
  const report = join(resultsDir, `vitest-${slug}.json`);
  const retriesFile = join(resultsDir, `vitest-${slug}-retries.json`);
  const ok = run(
    `vitest ${pkg.name}`,
    'pnpm',
    ['exec', 'vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile=${report}`, `--reporter=${join(root, 'scripts/vitest-retries.mjs')}`],
    { cwd: join(root, pkg.dir), env: { RSLAB_VITEST_RETRIES_FILE: retriesFile } },
  );
  const json = readJson(report);
  const retried = readJson(retriesFile) ?? [];
  // A test that passed on a retry is flaky: named, and failed. One that failed after retries is already failed.
  const flaky = retried.filter((test) => test.state === 'passed').map((test) => `${test.name} (passed on retry ${test.retries})`);
  counted(
    `vitest ${pkg.name}`,
    ok,
    json && {
      passed: json.numPassedTests - flaky.length,
      failed: json.numFailedTests + (json.numRuntimeErrorTestSuites ?? 0) + flaky.length,
      skipped: (json.numPendingTests ?? 0) + (json.numTodoTests ?? 0),
      flaky,
    },
  );
}

/** Playwright's tests with a given status, by file and title. */
function playwrightTests(report, status) {
  const names = [];
  const walk = (suite, path) => {
    for (const spec of suite.specs ?? []) {
      for (const test of spec.tests ?? []) {
        if (test.status === status) names.push(`${spec.file ?? path}: ${spec.title} [${test.projectName}] (${(test.results ?? []).length} runs)`);
      }
    }
    for (const child of suite.suites ?? []) walk(child, child.file ?? path);
  };
  for (const suite of report.suites ?? []) walk(suite, suite.file ?? '');
  return names;
}

if (check('build @rslab/web', 'pnpm', ['--filter', '@rslab/web', 'build'])) {
  const report = join(resultsDir, 'playwright.json');
  const ok = run('playwright @rslab/e2e', 'pnpm', ['exec', 'playwright', 'test', '--reporter=list,json'], {
    cwd: join(root, e2e.dir),
    env: { PLAYWRIGHT_JSON_OUTPUT_NAME: report },
  });
  const json = readJson(report);
  const stats = json?.stats;
  counted(
    'playwright @rslab/e2e',
    ok,
    stats && { passed: stats.expected, failed: stats.unexpected + stats.flaky, skipped: stats.skipped, flaky: playwrightTests(json, 'flaky') },
  );
} else {
  tally.push({ label: 'playwright @rslab/e2e', passed: 0, failed: 1, skipped: 0, flaky: [], note: 'not run: web build failed' });
}

console.log('\n=== summary');
for (const row of tally) {
  const skipped = row.skipped > 0 ? ` ${String(row.skipped).padStart(4)} skipped` : '';
  const flaky = row.flaky.length > 0 ? `  (${row.flaky.length} flaky, counted failed)` : '';
  console.log(`${row.label.padEnd(28)} ${String(row.passed).padStart(5)} passed ${String(row.failed).padStart(4)} failed${skipped}${row.note ? `  (${row.note})` : ''}${flaky}`);
}
const flakyNames = tally.flatMap((row) => row.flaky.map((name) => `${row.label}: ${name}`));
if (flakyNames.length > 0) {
  console.log(`\n=== flaky: passed only on a retry, counted as failed (${flakyNames.length})`);
  for (const name of flakyNames) console.log(`  ${name}`);
}
const passed = tally.reduce((sum, row) => sum + row.passed, 0);
const failed = tally.reduce((sum, row) => sum + row.failed, 0);
const skipped = tally.reduce((sum, row) => sum + row.skipped, 0);
console.log(`${flakyNames.length} flaky`);
console.log(`${skipped} skipped`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
