// Simulator throughput: virtual seconds per wall second (idle set, set under 1,000 writes per
// virtual second) and wall time for 10,000 randomized runs (estimated from a sample). Prints the
// figures and rewrites the `## Simulator` section of docs/BENCHMARKS.md.
import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { Cluster } from '../packages/sim/src/harness/cluster';
import { simulateMany } from '../packages/sim/src/simulate/run';
import { writeBenchmarkSection } from './lib/benchmarksDoc';

const IDLE_VIRTUAL_SECONDS = 3600;
const LOADED_VIRTUAL_SECONDS = 20;
const WRITES_PER_VIRTUAL_SECOND = 1000;
const SAMPLE_RUNS = Number(process.env.SIM_BENCH_SAMPLE_RUNS ?? 300);
const TOTAL_RUNS = 10_000;

/** CPU milliseconds this process used (the machine is shared: wall time includes waiting for a core). */
function cpuMillis(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

async function idle(): Promise<{ virtualPerWall: number; virtualPerCpu: number; wallMillis: number }> {
  const c = new Cluster({ members: 3, seed: 1 });
  await c.initiate();
  await c.waitForPrimary(60_000);
  await c.advance(300_000); // warm up the JIT
  const t0 = performance.now();
  const c0 = cpuMillis();
  await c.advance(IDLE_VIRTUAL_SECONDS * 1000);
  const wallMillis = performance.now() - t0;
  const cpu = cpuMillis() - c0;
  if (!c.primary()) throw new Error('idle set lost its primary');
  c.stopAll();
  return { virtualPerWall: IDLE_VIRTUAL_SECONDS / (wallMillis / 1000), virtualPerCpu: IDLE_VIRTUAL_SECONDS / (cpu / 1000), wallMillis };
}

async function loaded(w: number | 'majority'): Promise<{ virtualPerWall: number; acked: number; wallMillis: number }> {
  const c = new Cluster({ members: 3, seed: 2 });
  await c.initiate();
  const primary = await c.waitForPrimary(60_000);
  let acked = 0;
  let seq = 0;
  const intervalMillis = 1000 / WRITES_PER_VIRTUAL_SECOND;
  let running = true;
  const tick = (): void => {
    if (!running) return;
    c.send(primary, { insert: 'bench', documents: [{ _id: seq++, v: 'x'.repeat(64) }], writeConcern: { w } }, { db: 'test' }).then(
      (r) => {
        if (r.ok === 1 && r.writeConcernError === undefined) acked++;
      },
      () => undefined,
    );
    c.clock.setTimer(intervalMillis, tick);
  };
  tick();
  const t0 = performance.now();
  await c.advance(LOADED_VIRTUAL_SECONDS * 1000);
  const wallMillis = performance.now() - t0;
  running = false;
  c.stopAll();
  return { virtualPerWall: LOADED_VIRTUAL_SECONDS / (wallMillis / 1000), acked, wallMillis };
}

async function main(): Promise<void> {
  const idleResult = await idle();
  console.log(`idle 3-member set: ${idleResult.virtualPerWall.toFixed(0)} virtual s per wall s, ${idleResult.virtualPerCpu.toFixed(0)} per CPU s (${IDLE_VIRTUAL_SECONDS} virtual s in ${(idleResult.wallMillis / 1000).toFixed(2)} s)`);
  const w1 = await loaded(1);
  console.log(`${WRITES_PER_VIRTUAL_SECOND} w:1 writes/virtual s: ${w1.virtualPerWall.toFixed(1)} virtual s per wall s (${w1.acked} acked in ${LOADED_VIRTUAL_SECONDS} virtual s)`);
  const wm = await loaded('majority');
  console.log(`${WRITES_PER_VIRTUAL_SECOND} w:majority writes/virtual s: ${wm.virtualPerWall.toFixed(1)} virtual s per wall s (${wm.acked} acked in ${LOADED_VIRTUAL_SECONDS} virtual s)`);
  const t0 = performance.now();
  const summary = await simulateMany(1, SAMPLE_RUNS);
  const sampleWall = performance.now() - t0;
  const perRunMillis = sampleWall / SAMPLE_RUNS;
  const estimatedTotalSecs = (perRunMillis * TOTAL_RUNS) / 1000;
  console.log(`randomized runs: ${SAMPLE_RUNS} runs in ${(sampleWall / 1000).toFixed(2)} s (${perRunMillis.toFixed(1)} ms/run, ${(summary.virtualMillis / SAMPLE_RUNS / 1000).toFixed(0)} virtual s/run, ${summary.violations} violations); 10,000 runs ≈ ${estimatedTotalSecs.toFixed(0)} s (estimated from the sample)`);

  const cpu = cpus();
  const machine = `${cpu.length} × ${cpu[0]?.model.trim() ?? 'unknown CPU'}, Node ${process.version}`;
  writeBenchmarkSection('Simulator', [
    `Measured by \`bench/sim-throughput.ts\` on ${machine}, load average ${loadavg()[0]!.toFixed(1)} when it ran. In-process members on a VirtualNetwork and VirtualClock (DirectPeerTransport, 1 ms links), each with the shipped Storage (storage/, mingo) and the full CRUD commands.`,
    '',
    '| Figure | Value |',
    '| --- | --- |',
    `| Idle 3-member set, virtual s per wall s (goal ≥ 3,600) | ${idleResult.virtualPerWall.toFixed(0)} |`,
    `| Same, virtual s per CPU s of this process (the 2 cores are shared with other work) | ${idleResult.virtualPerCpu.toFixed(0)} |`,
    `| 3-member set under ${WRITES_PER_VIRTUAL_SECOND.toLocaleString('en-US')} w:1 inserts per virtual s, virtual s per wall s | ${w1.virtualPerWall.toFixed(1)} |`,
    `| Same with w:"majority" | ${wm.virtualPerWall.toFixed(1)} |`,
    `| Randomized runs (\`simulate\`), wall ms per run | ${perRunMillis.toFixed(1)} |`,
    `| 10,000 randomized runs, wall s (estimated from ${SAMPLE_RUNS} runs) | ${estimatedTotalSecs.toFixed(0)} |`,
    '',
  ]);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
