/**
 * The `simulate` command as a developer runs it: the summary line names the storage, workloads
 * and checkers (linearizable among them); an injected bug makes it exit 1 with the failing seed's
 * replay command and a history file.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const root = path.resolve(__dirname, '../..');
const out = mkdtempSync(path.join(tmpdir(), 'simulate-cli-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

function simulate(args: string[]): { status: number | null; stdout: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/simulate/main.ts', ...args], { cwd: root, encoding: 'utf8', timeout: 120_000 });
  return { status: r.status, stdout: `${r.stdout}${r.stderr}` };
}

describe('simulate CLI', () => {
  it('a clean run exits 0 and its summary names the linearizability checker', () => {
    const r = simulate(['--seed', '2', '--runs', '2', '--out', out]);
    expect(r.stdout).toMatch(/^simulate: storage=mingo workloads=register,set,\S+ checkers=linearizable,register,set,\S*invariants nemesis=\S+ seed=2 runs=2 violations=0 failing-runs=0 digest=[0-9a-f]{16}$/m);
    expect(r.status).toBe(0);
  }, 130_000);

  it('--bug ack-before-majority exits 1 with the seed, its replay command and a history file', () => {
    const r = simulate(['--seed', '4', '--runs', '1', '--bug', 'ack-before-majority', '--no-shrink', '--out', out]);
    expect(r.status).toBe(1);
    expect(r.stdout).toContain('seed 4: ');
    expect(r.stdout).toContain('replay: pnpm --filter @rslab/sim simulate --seed 4 --runs 1 --workload register,set,retryable,list-append --bug ack-before-majority');
    expect(r.stdout).toMatch(/bugs=ack-before-majority seed=4 runs=1 violations=[1-9]\d* failing-runs=1/);
    expect(existsSync(path.join(out, 'seed-4.txt'))).toBe(true);
  }, 130_000);

  it('an unknown bug is a usage error (exit 2)', () => {
    const r = simulate(['--bug', 'no-such-bug']);
    expect(r.status).toBe(2);
    expect(r.stdout).toContain('unknown bug "no-such-bug"');
  }, 130_000);
});
