/**
 * `pnpm --filter @rslab/sim simulate [--seed S] [--runs N] [--jobs N|cores] [--workload a,b]
 *  [--bug NAME]... [--nemesis a,b] [--journal on|off] [--out DIR] [--no-shrink] [--replay FILE]
 *  [--verbose]`
 *
 * Runs N plans from seeds S, S+1, ... (on `--jobs` worker threads, jobs.ts; the output is the same
 * for any number of them); prints each failing seed with its violations and the command that
 * replays it, shrinks the first failure, writes its report and plan under DIR, and ends with one
 * summary line naming the workloads, checkers and nemeses. Exit code 1 when anything was violated,
 * 2 on a usage error or a crash (a run that threw, or a worker that died: with its seed).
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { BUGS, NEMESIS_FAMILIES, PLAN_VERSION, WORKLOADS } from './plan';
import type { BugName, NemesisFamily, RunPlan, WorkloadName } from './plan';
import { SimulateWorkerLostError, parseJobs, simulateManyJobs } from './jobs';
import { SIMULATION_STORAGE, SimulationRunError, executePlan, replayCommand } from './run';
import type { SimulationOptions, SimulationRunResult, SimulationSummary } from './run';
import { describeNemesis } from './plan';
import { writeReport } from './report';
import { shrinkPlan } from './shrink';
import { supportOf } from './support';

interface Args {
  seed: number;
  runs: number;
  jobs: number;
  workloads: WorkloadName[];
  bugs: BugName[];
  families: NemesisFamily[] | undefined;
  journal: boolean | undefined;
  out: string;
  shrink: boolean;
  replay: string | undefined;
  verbose: boolean;
}

const USAGE = 'usage: simulate [--seed N] [--runs K] [--jobs N|cores] [--workload register,set,retryable,list-append] [--bug ack-before-majority|double-vote] [--nemesis kill,power-loss,partition,slow,skew,step-down,reconfig,wipe] [--journal on|off] [--out DIR] [--no-shrink] [--replay FILE] [--verbose]';

function parseList<T extends string>(value: string | undefined, allowed: readonly T[], what: string): T[] {
  if (value === undefined) throw new Error(`${what} needs a value`);
  const items = value.split(',').map((s) => s.trim()).filter((s) => s !== '');
  for (const item of items) if (!allowed.includes(item as T)) throw new Error(`unknown ${what} "${item}" (one of ${allowed.join(', ')})`);
  return items as T[];
}

export function parseArgs(argv: readonly string[]): Args {
  const args: Args = { seed: 1, runs: 100, jobs: 1, workloads: [...WORKLOADS], bugs: [], families: undefined, journal: undefined, out: 'simulate-out', shrink: true, replay: undefined, verbose: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const int = (): number => {
      const value = Number(argv[++i]);
      if (!Number.isInteger(value)) throw new Error(`${arg} needs an integer`);
      return value;
    };
    if (arg === '--seed') args.seed = int();
    else if (arg === '--runs') args.runs = int();
    else if (arg === '--jobs') args.jobs = parseJobs(argv[++i]);
    else if (arg === '--workload' || arg === '--workloads') args.workloads = parseList(argv[++i], WORKLOADS, 'workload');
    else if (arg === '--bug') args.bugs.push(...parseList(argv[++i], BUGS, 'bug'));
    else if (arg === '--nemesis') args.families = parseList(argv[++i], NEMESIS_FAMILIES, 'nemesis');
    else if (arg === '--journal') {
      const v = argv[++i];
      if (v !== 'on' && v !== 'off') throw new Error('--journal takes on or off');
      args.journal = v === 'on';
    } else if (arg === '--out') args.out = argv[++i] ?? args.out;
    else if (arg === '--no-shrink') args.shrink = false;
    else if (arg === '--replay') args.replay = argv[++i];
    else if (arg === '--verbose' || arg === '-v') args.verbose = true;
    else if (arg === '--') continue;
    else throw new Error(`unknown argument ${arg}\n${USAGE}`);
  }
  return args;
}

function printFailure(r: SimulationRunResult, replay: string): void {
  console.log(`seed ${r.seed}: ${r.found.length} violation(s)`);
  for (const v of r.violations.slice(0, 8)) console.log(`  ${v.length > 400 ? `${v.slice(0, 400)}…` : v}`);
  if (r.violations.length > 8) console.log(`  … ${r.violations.length - 8} more`);
  console.log(`  replay: ${replay}`);
}

async function shrinkAndReport(r: SimulationRunResult, options: SimulationOptions, out: string, replay: string, shrink: boolean): Promise<void> {
  const full = writeReport(out, r, { replay });
  console.log(`  history: ${full.report}`);
  if (!shrink) return;
  const shrunk = await shrinkPlan(r, options);
  console.log(`  shrunk in ${shrunk.runs} runs to ${shrunk.after.nemeses} of ${shrunk.before.nemeses} nemesis events, ${shrunk.after.operations} of ${shrunk.before.operations} operations; still fails: ${shrunk.result.violations[0]?.slice(0, 300) ?? '?'}`);
  console.log('  shrunk schedule:');
  for (const e of shrunk.plan.nemeses) console.log(`    ${e.atMillis}ms ${describeNemesis(e.action)}`);
  const files = writeReport(out, shrunk.result, { replay, shrunk });
  console.log(`  minimal failing history: ${files.report}`);
  console.log(`  replay the shrunk plan: pnpm --filter @rslab/sim simulate --replay ${path.resolve(files.plan)}`);
}

export function summaryLine(args: { seed: number; runs: number; bugs: readonly BugName[]; families: readonly NemesisFamily[] | undefined }, summary: SimulationSummary, workloads: readonly WorkloadName[]): string {
  const w = workloads.map((x) => (summary.unsupported.has(x) ? `${x}(unsupported)` : x)).join(',');
  const checkers = [...summary.checkers.entries()].map(([name, s]) => `${name}${s.failed > 0 ? `(${s.failed} failed)` : ''}${s.unknown > 0 ? `(${s.unknown} unknown)` : ''}`).join(',');
  const bugs = args.bugs.length > 0 ? ` bugs=${args.bugs.join(',')}` : '';
  return `simulate: storage=${SIMULATION_STORAGE} workloads=${w} checkers=${checkers} nemesis=${(args.families ?? NEMESIS_FAMILIES).join(',')}${bugs} seed=${args.seed} runs=${summary.runs} violations=${summary.violations} failing-runs=${summary.failing.length} digest=${summary.digest}`;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const support = await supportOf();
  for (const w of args.workloads) {
    const reason = support.reasons.get(w);
    if (reason) console.log(`note: ${w}: ${reason}; left out of every run`);
  }
  const options: SimulationOptions = { workloads: args.workloads, bugs: args.bugs, ...(args.families ? { families: args.families } : {}), ...(args.journal === undefined ? {} : { journal: args.journal }) };
  if (args.replay !== undefined) {
    const plan = JSON.parse(readFileSync(args.replay, 'utf8')) as RunPlan;
    if (plan.version !== PLAN_VERSION) throw new Error(`${args.replay}: plan version ${plan.version}, this simulator reads ${PLAN_VERSION}`);
    const r = await executePlan(plan, options);
    const replay = `pnpm --filter @rslab/sim simulate --replay ${path.resolve(args.replay)}`;
    if (r.found.length > 0) {
      printFailure(r, replay);
      const files = writeReport(args.out, r, { replay });
      console.log(`  history: ${files.report}`);
    }
    console.log(`simulate: replay of ${args.replay} (seed ${plan.seed}): violations=${r.found.length} digest=${r.digest}`);
    process.exitCode = r.found.length > 0 ? 1 : 0;
    return;
  }
  let reported = 0;
  const failures: SimulationRunResult[] = [];
  let summary: SimulationSummary;
  try {
    summary = await simulateManyJobs(args.seed, args.runs, options, { jobs: args.jobs }, (r) => {
      const replay = replayCommand(r.seed, { workloads: args.workloads, bugs: args.bugs });
      if (r.found.length > 0) {
        printFailure(r, replay);
        failures.push(r);
      } else if (args.verbose) {
        console.log(`seed ${r.seed}: ok operations=${r.operations} unknown=${r.indeterminate} virtual=${(r.virtualMillis / 1000).toFixed(1)}s elections=${r.elections} rollbacks=${r.rollbacks} nemesis=${r.plan.families.join('+') || 'none'} digest=${r.digest}`);
      }
    });
  } catch (error) {
    // A crash, not a violation: say which seed, and how to run it alone.
    const seed = error instanceof SimulationRunError || error instanceof SimulateWorkerLostError ? error.seed : undefined;
    if (seed === undefined) throw error;
    console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
    if (error instanceof Error && error.cause instanceof Error) console.error(`caused by: ${error.cause.stack ?? error.cause.message}`);
    console.error(`simulate: seed ${seed} crashed; replay: ${replayCommand(seed, { workloads: args.workloads, bugs: args.bugs })}`);
    process.exitCode = 2;
    return;
  }
  // The first failure is shrunk and written out; the others keep their replay commands.
  for (const r of failures) {
    if (reported++ > 0) break;
    if (args.shrink) console.log(`seed ${r.seed}: shrinking…`);
    await shrinkAndReport(r, options, args.out, replayCommand(r.seed, { workloads: args.workloads, bugs: args.bugs }), args.shrink);
  }
  console.log(summaryLine(args, summary, args.workloads));
  process.exitCode = summary.violations > 0 ? 1 : 0;
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exitCode = 2;
});
