/**
 * A failing run shrinks to a smaller plan that fails the same way, and its report is the file a
 * developer reads: violations, schedule, the history in order and per client (the shape of
 * Jepsen's history.txt), and a plan file that `simulate --replay` runs again exactly.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { RunPlan } from '../../src/simulate/plan';
import { writeReport } from '../../src/simulate/report';
import { executePlan, simulateRun } from '../../src/simulate/run';
import { shrinkPlan } from '../../src/simulate/shrink';

const dir = mkdtempSync(path.join(tmpdir(), 'simulate-report-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('shrinking and reports', () => {
  it('ack-before-majority seed 4 shrinks to fewer operations, still loses a write, and replays from its plan file', async () => {
    const failing = await simulateRun(4, { bugs: ['ack-before-majority'] });
    expect(failing.found.length).toBeGreaterThan(0);
    const shrunk = await shrinkPlan(failing, {}, 40);
    expect(shrunk.runs).toBeLessThanOrEqual(40);
    expect(shrunk.after.operations).toBeLessThan(shrunk.before.operations);
    const target = failing.found[0]!;
    expect(shrunk.result.found.some((v) => v.checker === target.checker && v.kind === target.kind)).toBe(true);

    const files = writeReport(dir, shrunk.result, { replay: 'pnpm --filter @rslab/sim simulate --seed 4 --runs 1 --bug ack-before-majority', shrunk });
    const text = readFileSync(files.report, 'utf8');
    expect(text).toContain('injected bugs: ack-before-majority');
    expect(text).toContain(`[${target.checker} ${target.kind}]`);
    expect(text).toMatch(/^history \(\d+ events/m);
    expect(text).toMatch(/^\d+ms +p\d+ +:invoke +:(write|read|cas|add)/m);
    expect(text).toMatch(/^operations per client process:\np\d+:\n {2}\d+\.\.\d+ms/m);

    const plan = JSON.parse(readFileSync(files.plan, 'utf8')) as RunPlan;
    const again = await executePlan(plan);
    expect(again.digest).toBe(shrunk.result.digest);
    expect(again.violations).toEqual(shrunk.result.violations);
  }, 120_000);
});
