// The nightly-size simulate run: 10,000 seeds (SIMULATE_NIGHTLY_RUNS to change it, from
// SIMULATE_NIGHTLY_SEED, default 1,000,000) with every workload the server supports and every
// nemesis family, on SIMULATE_NIGHTLY_JOBS worker threads (a count or `cores`, the default:
// `simulate --jobs`, packages/sim/src/simulate/jobs.ts; the digest is the same for any count),
// timed end to end. Prints the figures and rewrites the `## Simulate nightly` section of
// docs/BENCHMARKS.md. The goal (issue 20) is under 30 minutes of wall time here with 0
// violations; a failing seed is printed with its replay command, and the benchmark still writes
// its figures.
import { availableParallelism, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { parseJobs, simulateManyJobs } from '../packages/sim/src/simulate/jobs';
import { WORKLOADS } from '../packages/sim/src/simulate/plan';
import { replayCommand } from '../packages/sim/src/simulate/run';
import { supportOf } from '../packages/sim/src/simulate/support';
import { machineLine, writeBenchmarkSection } from './lib/benchmarksDoc';

const NIGHTLY_RUNS = 10_000;
const RUNS = Number(process.env.SIMULATE_NIGHTLY_RUNS ?? NIGHTLY_RUNS);
const SEED = Number(process.env.SIMULATE_NIGHTLY_SEED ?? 1_000_000);
const JOBS = parseJobs(process.env.SIMULATE_NIGHTLY_JOBS ?? 'cores');
const GOAL_MINUTES = 30;

/** CPU time of the whole process: the main thread and every worker thread. */
function cpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

async function main(): Promise<void> {
  const support = await supportOf();
  const active = WORKLOADS.filter((w) => support.workloads.has(w));
  const t0 = performance.now();
  const c0 = cpuSeconds();
  let done = 0;
  let elections = 0;
  let rollbacks = 0;
  let unknown = 0;
  console.log(`${RUNS} runs from seed ${SEED} on ${JOBS} worker thread(s) (${availableParallelism()} cores, load average ${loadavg().map((x) => x.toFixed(1)).join(' / ')})`);
  const summary = await simulateManyJobs(SEED, RUNS, { workloads: WORKLOADS }, { jobs: JOBS }, (r) => {
    done++;
    elections += r.elections;
    rollbacks += r.rollbacks;
    unknown += r.indeterminate;
    if (r.found.length > 0) console.log(`seed ${r.seed}: ${r.violations[0]?.slice(0, 200) ?? ''}\n  replay: ${replayCommand(r.seed)}`);
    if (done % 250 === 0) console.log(`${done}/${RUNS} runs, ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  });
  const wallSecs = (performance.now() - t0) / 1000;
  const cpuSecs = cpuSeconds() - c0;
  const checkers = [...summary.checkers.entries()].map(([name, s]) => `${name} (${s.runs} runs${s.failed > 0 ? `, ${s.failed} failed` : ''})`).join(', ');
  /** Cores the workers can keep busy on an idle machine. */
  const busyCores = Math.min(JOBS, availableParallelism());
  const perRun = { wallMillis: (wallSecs * 1000) / RUNS, cpuMillis: (cpuSecs * 1000) / RUNS };
  console.log(`${RUNS} runs from seed ${SEED}, ${JOBS} job(s): ${wallSecs.toFixed(0)} s wall, ${cpuSecs.toFixed(0)} CPU s (${perRun.wallMillis.toFixed(1)} wall ms, ${perRun.cpuMillis.toFixed(1)} CPU ms per run), ${summary.violations} violations in ${summary.failing.length} runs, ${summary.operations} operations, digest ${summary.digest}`);
  writeBenchmarkSection('Simulate nightly', [
    `Measured by \`bench/simulate-nightly.ts\`. ${machineLine()}`,
    '',
    `\`simulate\` over ${RUNS.toLocaleString('en-US')} seeds from ${SEED.toLocaleString('en-US')}: workloads ${active.join(', ')} ${WORKLOADS.length === active.length ? '(all supported)' : `(${WORKLOADS.filter((w) => !active.includes(w)).join(', ')} left out: the server does not support them yet)`}, every nemesis family, checkers ${checkers}. On ${JOBS} worker thread${JOBS === 1 ? '' : 's'} (\`SIMULATE_NIGHTLY_JOBS\`, \`simulate --jobs\`). Goal: under ${GOAL_MINUTES} minutes of wall time, 0 violations.`,
    '',
    '| Figure | Value |',
    '| --- | --- |',
    `| Wall time, minutes (goal < ${GOAL_MINUTES}) | ${(wallSecs / 60).toFixed(1)} |`,
    `| CPU time of the process (main thread and workers), minutes (the ${availableParallelism()} cores are shared) | ${(cpuSecs / 60).toFixed(1)} |`,
    `| Worker threads (jobs) | ${JOBS} |`,
    `| CPU time / wall time (cores kept busy) | ${(cpuSecs / wallSecs).toFixed(2)} |`,
    `| Per run: wall ms (wall time / runs) | ${perRun.wallMillis.toFixed(1)} |`,
    `| Per run: CPU ms | ${perRun.cpuMillis.toFixed(1)} |`,
    `| Per run: client operations, virtual seconds | ${(summary.operations / RUNS).toFixed(1)}, ${(summary.virtualMillis / 1000 / RUNS).toFixed(1)} |`,
    ...(RUNS < NIGHTLY_RUNS
      ? [
          `| ${NIGHTLY_RUNS.toLocaleString('en-US')} runs, wall minutes, estimated from these ${RUNS.toLocaleString('en-US')} at this load | ${(((wallSecs / RUNS) * NIGHTLY_RUNS) / 60).toFixed(1)} |`,
          `| ${NIGHTLY_RUNS.toLocaleString('en-US')} runs, CPU minutes, estimated | ${(((cpuSecs / RUNS) * NIGHTLY_RUNS) / 60).toFixed(1)} |`,
          `| ${NIGHTLY_RUNS.toLocaleString('en-US')} runs, wall minutes on ${busyCores} idle core${busyCores === 1 ? '' : 's'} (CPU minutes / ${busyCores}), estimated | ${(((cpuSecs / RUNS) * NIGHTLY_RUNS) / 60 / busyCores).toFixed(1)} |`,
        ]
      : []),
    `| Violations (runs failing) | ${summary.violations} (${summary.failing.length}) |`,
    `| Client operations checked | ${summary.operations.toLocaleString('en-US')} (${unknown.toLocaleString('en-US')} of unknown outcome) |`,
    `| Virtual time simulated, hours | ${(summary.virtualMillis / 3_600_000).toFixed(1)} |`,
    `| Elections, rollbacks | ${elections.toLocaleString('en-US')}, ${rollbacks.toLocaleString('en-US')} |`,
    `| Digest of the whole run (same seeds, same code: same digest) | \`${summary.digest}\` |`,
    '',
  ]);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
