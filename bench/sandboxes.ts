// Many sandboxes at once, each doing what a learner does in the walkthrough: three mongod members,
// Python, Connection with slave_okay, replSetInitiate, a seed-list connection, save, then a steady
// stream of find_one calls. Reports sandboxes per core, memory per sandbox and the latency of a
// find_one from input line to printed result. Bounded in count and time; loopback only.
// Usage: pnpm exec tsx bench/sandboxes.ts [SANDBOXES] [READ_SECONDS] [WORKERS | compare | runtimes]
// WORKERS: worker threads for the sandboxes (settings.sandboxWorkers; 0, the default, runs them on
// the main thread); `compare` runs the benchmark twice, one process each, with 0 and with one worker
// per core, and writes both with their ratios (one run, so a noisy machine weighs on both alike).
// `runtimes` runs it twice the same way: Python in each learner's page (as the lab runs it), then
// real Python in the server (each sandbox its own Pyodide in the server's Node runtime host, where
// a learner's code ran before issue 15): what moving learner code off the server saves it.
// Diagnostics of the reading phase: `BENCH_CPU_PROF=FILE` writes a CPU profile (open it in Chrome's
// DevTools); `BENCH_HEAP_PROF=FILE` an allocation profile of the objects that outlived a young
// collection (with `BENCH_HEAP_PROF_ALL=1`, of every allocation); `BENCH_HEAP_SNAPSHOT=FILE` a heap
// snapshot at its end. With WORKERS, each worker's busy share and GC pauses during the reading are
// reported (and which slow reads a pause of their worker overlapped); `BENCH_WORKER_CPU_PROF=PREFIX`
// writes each worker's CPU profile of the reading as PREFIX.worker-N.cpuprofile.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { writeHeapSnapshot } from 'node:v8';
import { Session } from 'node:inspector/promises';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { cpus } from 'node:os';
import { buildServer } from '../apps/server/src/server';
import { testSettings } from '../apps/server/src/settings';
import { runsWithServerNodeOptions, serverNodeOptions } from '../apps/server/src/nodeFlags';
import { typeLine } from '../apps/server/src/terminal/typeLine';
import { TranscriptSession } from '../apps/server/src/transcript/run';
import type { Sandbox } from '../apps/server/src/workspace/sandbox';
import type { WorkerDiagnosis } from '../apps/server/src/engine/workerPool';
import { openFilesLimit, openFilesNow } from '../apps/server/src/openFiles';
import { machineLine, percentile, writeBenchmarkSection } from './lib/benchmarksDoc';
import { PageRecording, RecordedPage } from './lib/recordedPage';

const sandboxesCount = Number(process.argv[2] ?? 300);
const readSeconds = Number(process.argv[3] ?? 60);
const workersArg = process.argv[4] ?? '0';
/** In a compared run, the child writes its figures here instead of to docs/BENCHMARKS.md. */
const figuresFile = process.env.BENCH_FIGURES_FILE;
/** `server`: no recorded page; each sandbox's Python runs in the server (a `runtimes` comparison's second run). */
function pythonOnServerFromEnv(): boolean {
  return process.env.BENCH_PYTHON === 'server';
}
const pythonOnServer = pythonOnServerFromEnv();
/** Sandboxes set up at once; with Python in the server, one per core (each Pyodide start is seconds of CPU). */
const setupConcurrency = pythonOnServerFromEnv() ? cpus().length : 10;
/**
 * Mean pause between one learner's reads (each pause is drawn from 0.5x to 1.5x of it): 200 ms by
 * default, a class pressing Enter as fast as it can; `BENCH_READ_PAUSE_MILLIS` sets another pace
 * (a learner who reads the answer before typing again pauses seconds).
 */
const readPauseMillis = readPauseMillisFromEnv();
function readPauseMillisFromEnv(): number {
  const text = process.env.BENCH_READ_PAUSE_MILLIS;
  if (text === undefined || text === '') return 200;
  const millis = Number(text);
  if (!Number.isInteger(millis) || millis <= 0) throw new Error(`BENCH_READ_PAUSE_MILLIS must be a positive whole number of milliseconds, got ${text}`);
  return millis;
}
/** Sampling interval of the event-loop delay histogram; its figures are delays beyond this. */
const loopDelayResolutionMillis = 10;
const benchDeadlineMillis = 15 * 60_000;

const setup = `# tab:servers
mongod --replSet foo/morton.local:27018,morton.local:27019 --rest
mongod --port 27018 --dbpath /data/db1 --replSet foo/morton.local:27017 --rest
mongod --port 27019 --dbpath /data/db2 --replSet foo/morton.local:27017 --rest
# tab:client
python
from pymongo import Connection
c = Connection("morton.local:27017", slave_okay=True)
c.admin.command("replSetInitiate")
# wait 12s
db = Connection("morton.local").test
# until /^$/ 30s
db.test.save({"x": 1})
# until ObjectId 30s
`;

/** What the profiles of the reading phase showed, kept with the figures it explains. */
const LATENCY_NOTE =
  'Where the tail comes from (BENCH_CPU_PROF, BENCH_HEAP_PROF, `--trace-gc`): the server is mostly idle; the slow reads come in bursts, each during a full garbage collection of the one heap that holds every sandbox (~150–250 ms of incremental marking on the main thread). They were ~1 % of reads, so p99 sat on them (117–193 ms). Fewer full collections fixed it: cluster snapshots without BSON status documents, lesson re-checks that copy nothing they do not read, and a 64 MiB young generation (`--max-semi-space-size=64`, set by `pnpm start`) so that objects living a few hundred ms (driver round trips, heartbeats, each learner\'s pause) die young. Each full collection still stalls for about as long (see the event-loop maximum); they are now rare enough to stay out of p99. The next step for more sandboxes per server is to spread them over worker threads, halving each heap.';

/**
 * Per worker: how busy it was, its GC pauses, and how many of the reads slower than 100 ms of its
 * sandboxes overlapped one of its pauses (a pause stops every learner on that worker at once).
 */
function workerReport(diagnoses: WorkerDiagnosis[], slowReads: Array<{ sandboxId: string; startedAtMillis: number; endedAtMillis: number }>, workerOf: (sandboxId: string) => number | null): string[] {
  const rows = diagnoses.map((diagnosis) => {
    const pauses = diagnosis.gcPauses.filter((pause) => pause.kind === 'scavenge' || pause.kind === 'markCompact');
    const scavenges = pauses.filter((pause) => pause.kind === 'scavenge').map((pause) => pause.durationMillis).sort((a, b) => a - b);
    const full = pauses.filter((pause) => pause.kind === 'markCompact').map((pause) => pause.durationMillis).sort((a, b) => a - b);
    const pausedMillis = pauses.reduce((sum, pause) => sum + pause.durationMillis, 0);
    const mine = slowReads.filter((read) => workerOf(read.sandboxId) === diagnosis.workerIndex);
    const overlapped = mine.filter((read) => pauses.some((pause) => pause.startedAtMillis < read.endedAtMillis && pause.startedAtMillis + pause.durationMillis > read.startedAtMillis));
    const spread = (values: number[]) => (values.length === 0 ? '–' : `${percentile(values, 0.5).toFixed(0)} / ${(values.at(-1) ?? 0).toFixed(0)} ms`);
    return `| ${diagnosis.workerIndex} | ${diagnosis.sandboxes} | ${(diagnosis.busyShare * 100).toFixed(0)} % | ${scavenges.length}, ${spread(scavenges)} | ${full.length}, ${spread(full)} | ${(pausedMillis / 1000).toFixed(2)} s | ${mine.length} | ${overlapped.length} |`;
  });
  return [
    '| worker | sandboxes | event loop busy | scavenges, p50 / max | full collections, p50 / max | paused in all | reads over 100 ms | of them during a GC pause of their worker |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
    ...rows,
  ];
}

/** The server runs with `serverNodeOptions`; so does this benchmark, which hosts the server. */
async function relaunchWithServerNodeOptions(): Promise<never> {
  const child = spawn(process.execPath, [...serverNodeOptions.split(' '), ...process.execArgv, ...process.argv.slice(1)], { stdio: 'inherit' });
  const code = await new Promise<number>((resolve) => child.once('exit', (exitCode) => resolve(exitCode ?? 1)));
  process.exit(code);
}

/** One run's figures, for a comparison. */
interface Figures {
  workers: number;
  ready: number;
  failedSetups: number;
  setupSeconds: number;
  p50: number;
  p99: number;
  reads: number;
  errors: number;
  loopP99Millis: number;
  loopMaxMillis: number;
  cpuCores: number;
  setupCpuSeconds: number;
  rssMiB: number;
}

/** Run this benchmark in a child process per variant (same counts), each writing its figures. */
async function runVariants(variants: Array<{ workers: number; env: Record<string, string> }>): Promise<Figures[]> {
  const dir = mkdtempSync(join(tmpdir(), 'rslab-bench-'));
  const runs: Figures[] = [];
  try {
    for (const [index, variant] of variants.entries()) {
      const file = join(dir, `figures-${index}.json`);
      const child = spawn(process.execPath, [...process.execArgv, process.argv[1] as string, String(sandboxesCount), String(readSeconds), String(variant.workers)], {
        stdio: 'inherit',
        env: { ...process.env, ...variant.env, BENCH_FIGURES_FILE: file },
      });
      const code = await new Promise<number>((resolve) => child.once('exit', (exitCode) => resolve(exitCode ?? 1)));
      if (code !== 0) throw new Error(`run ${index + 1} of the comparison (${variant.workers} workers, ${JSON.stringify(variant.env)}) exited ${code}`);
      runs.push(JSON.parse(readFileSync(file, 'utf8')) as Figures);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return runs;
}

const ratio = (a: number, b: number) => (a > 0 ? `${(b / a).toFixed(2)}×` : '–');
const compareRow = (name: string, a: number, b: number, unit: string, digits = 1) => `| ${name} | ${a.toFixed(digits)}${unit} | ${b.toFixed(digits)}${unit} | ${ratio(a, b)} |`;

/** `runtimes`: Python in the page against Python in the server, the same sandboxes and reads. */
async function compareRuntimes(): Promise<void> {
  const loadBefore = machineLine();
  const [page, server] = (await runVariants([
    { workers: 0, env: {} },
    { workers: 0, env: { BENCH_PYTHON: 'server' } },
  ])) as [Figures, Figures];
  const perSandbox = (figures: Figures) => (figures.cpuCores * 1000) / Math.max(figures.ready, 1);
  const lines = [
    `${loadBefore} At the end: ${machineLine().replace(/^.*load average /, 'load average ')}`,
    '',
    `\`pnpm exec tsx bench/sandboxes.ts ${sandboxesCount} ${readSeconds} runtimes\`: the Sandboxes benchmark (same setup and reads), run twice, one process each: with Python in each learner's page (the server relays its driver calls; a recorded page plays the traffic), then with real Python in the server (each sandbox its own Pyodide in the server's Node runtime host, where learner code ran before issue 15). CPU and RSS are the whole server process's. The machine is shared: only the ratios of one run mean much.`,
    '',
    '| figure | Python in the page | Python in the server | server / page |',
    '| --- | --- | --- | --- |',
    `| sandboxes ready (setups failed) | ${page.ready} (${page.failedSetups}) | ${server.ready} (${server.failedSetups}) | |`,
    compareRow('server CPU while reading, per active learner', perSandbox(page), perSandbox(server), ' millicores', 2),
    compareRow('server CPU while reading', page.cpuCores, server.cpuCores, ' cores', 2),
    compareRow('server CPU during setup, per sandbox', page.setupCpuSeconds / Math.max(page.ready, 1), server.setupCpuSeconds / Math.max(server.ready, 1), ' s', 2),
    compareRow('find_one p50', page.p50, server.p50, ' ms'),
    compareRow('find_one p99', page.p99, server.p99, ' ms'),
    `| reads (not answered) | ${page.reads} (${page.errors}) | ${server.reads} (${server.errors}) | |`,
    compareRow('RSS after reading', page.rssMiB, server.rssMiB, ' MiB', 0),
    '',
    "Goal (issue 15): the server's CPU per active learner goes down once Python runs in the page.",
  ];
  console.log(lines.join('\n'));
  writeBenchmarkSection('Python off the server', lines);
}

/** `compare`: the benchmark without and with worker threads, each in its own process, and the ratios. */
async function compare(): Promise<void> {
  const loadBefore = machineLine();
  const [off, on] = (await runVariants([
    { workers: 0, env: {} },
    { workers: cpus().length, env: {} },
  ])) as [Figures, Figures];
  const lines = [
    `${loadBefore} At the end: ${machineLine().replace(/^.*load average /, 'load average ')}`,
    '',
    `\`pnpm exec tsx bench/sandboxes.ts ${sandboxesCount} ${readSeconds} compare\`: the Sandboxes benchmark below (same setup and reads), run twice, one process each: sandboxes on the main thread (\`sandboxWorkers\` 0), then spread over ${on.workers} worker threads (one per core; each its own heap, with its sandboxes' drivers; HTTP, WebSockets, rooms and the relay of driver calls stay on the main thread). The event-loop delay is the main thread's; CPU and RSS are the whole process's, workers included. The machine is shared: only the ratios of one run mean much.`,
    '',
    `| figure | main thread | ${on.workers} workers | workers / main |`,
    '| --- | --- | --- | --- |',
    `| sandboxes ready (setups failed) | ${off.ready} (${off.failedSetups}) | ${on.ready} (${on.failedSetups}) | |`,
    compareRow('setup of all sandboxes', off.setupSeconds, on.setupSeconds, ' s'),
    compareRow('find_one p50', off.p50, on.p50, ' ms'),
    compareRow('find_one p99', off.p99, on.p99, ' ms'),
    `| reads (not answered) | ${off.reads} (${off.errors}) | ${on.reads} (${on.errors}) | |`,
    compareRow('main event-loop delay p99', off.loopP99Millis, on.loopP99Millis, ' ms'),
    compareRow('main event-loop delay max', off.loopMaxMillis, on.loopMaxMillis, ' ms'),
    compareRow('CPU while reading', off.cpuCores, on.cpuCores, ' cores', 2),
    compareRow('RSS after reading', off.rssMiB, on.rssMiB, ' MiB', 0),
    '',
    'Goal (issue 17): 1,000 active sandboxes with find_one p99 under 100 ms and under 6 GiB.',
  ];
  console.log(lines.join('\n'));
  writeBenchmarkSection('Sandboxes on worker threads', lines);
}

async function main(): Promise<void> {
  if (workersArg === 'compare') return compare();
  if (workersArg === 'runtimes') return compareRuntimes();
  if (!runsWithServerNodeOptions(process.execArgv, process.env)) await relaunchWithServerNodeOptions();
  const workers = Number(workersArg);
  if (!Number.isInteger(workers) || workers < 0) throw new Error(`WORKERS must be a count or compare, got ${workersArg}`);
  const deadline = Date.now() + benchDeadlineMillis;
  const app = await buildServer({ settings: testSettings({ sandboxesMax: sandboxesCount + 10, sandboxWorkers: workers }) });
  // Memory per sandbox counts from here, so the recording's Python (ended before reading) is in it, overstating a little.
  const rssBefore = process.memoryUsage().rss;
  // Python runs in each learner's page, not in the server. One real Python (Pyodide in the Node
  // host, our pymongo) types the walkthrough once; every benchmarked sandbox then gets a page that
  // plays that traffic back (bench/lib/recordedPage.ts), so the figures are the server's alone.
  const recording = new PageRecording();
  if (!pythonOnServer) {
    const { sandbox } = app.sandboxes.obtain('bench-recording');
    const session = new TranscriptSession(sandbox, { speed: 4 });
    recording.attach(sandbox.runtimes);
    const failures = await session.run(`${setup}db.test.find_one()\n# until 'x': 1 30s\nexit()\n`);
    if (failures.length > 0) throw new Error(`recording the walkthrough with real Python failed:\n${failures.join('\n')}`);
    await app.sandboxes.drop('bench-recording');
  }
  const sandboxes: Sandbox[] = [];
  const setupStarted = performance.now();
  const setupCpuBefore = process.cpuUsage();
  let failedSetups = 0;
  const sessions: Array<{ session: TranscriptSession; sandbox: Sandbox }> = [];
  // Each sandbox's driver sockets are file descriptors (both ends: the client's and the SOCKS
  // bridge's); past the process's limit every accept and connect fails (EMFILE), so the setup stops
  // where the next batch would not fit and the figures say so.
  const filesLimit = openFilesLimit();
  const filesNow = (): number => openFilesNow() ?? 0;
  const filesAtStart = filesNow();
  let stoppedForFiles: string | null = null;
  for (let i = 0; i < sandboxesCount; i += setupConcurrency) {
    if (i > 0 && filesLimit !== null) {
      const perSandbox = (filesNow() - filesAtStart) / i;
      // The next batch, and a reserve for the process's own files (logs, workers' pipes).
      const needed = filesNow() + perSandbox * setupConcurrency + 100;
      if (needed > filesLimit) {
        stoppedForFiles = `set-up stopped at ${i} sandboxes: they hold ${filesNow()} open files (${perSandbox.toFixed(1)} each) and the process may open ${filesLimit} (ulimit -n)`;
        console.error(stoppedForFiles);
        break;
      }
    }
    const batch = Array.from({ length: Math.min(setupConcurrency, sandboxesCount - i) }, async (_, j) => {
      const { sandbox } = app.sandboxes.obtain(`bench-${i + j}`);
      sandboxes.push(sandbox);
      const session = new TranscriptSession(sandbox, { speed: 4 });
      // Without a page, the sandbox's Python starts in the server's Node runtime host (settings.serverRuntimes).
      if (!pythonOnServer) new RecordedPage(recording, sandbox.runtimes);
      const failures = await session.run(setup);
      if (failures.length > 0) {
        failedSetups += 1;
        if (failedSetups === 1) console.error(`a setup failed:\n${failures.join('\n')}`);
      }
      else sessions.push({ session, sandbox });
    });
    await Promise.all(batch);
    if (Date.now() > deadline) break;
  }
  const setupSeconds = (performance.now() - setupStarted) / 1000;
  const setupCpu = process.cpuUsage(setupCpuBefore);
  const setupCpuSeconds = (setupCpu.user + setupCpu.system) / 1e6;
  const rssAfterSetup = process.memoryUsage().rss;
  const filesPerSandbox = (filesNow() - filesAtStart) / Math.max(sandboxes.length, 1);
  console.log(`${sessions.length} sandboxes ready in ${setupSeconds.toFixed(1)} s (${failedSetups} failed setups)`);

  // Setup ran at 4x to shorten the election wait; a learner reads at the normal speed.
  for (const { sandbox } of sessions) sandbox.lab.engine.clock.setSpeed(1);
  const profileFile = process.env.BENCH_CPU_PROF;
  const profiler = profileFile ? new Session() : null;
  if (profiler) {
    profiler.connect();
    await profiler.post('Profiler.enable');
    await profiler.post('Profiler.start');
  }
  const heapProfileFile = process.env.BENCH_HEAP_PROF;
  const heapProfiler = heapProfileFile ? new Session() : null;
  if (heapProfiler) {
    heapProfiler.connect();
    // Objects that outlived a young-generation collection: what makes the old generation grow.
    await heapProfiler.post('HeapProfiler.startSampling', { samplingInterval: 4096, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: process.env.BENCH_HEAP_PROF_ALL === '1' } as never);
  }
  const loopDelay = monitorEventLoopDelay({ resolution: loopDelayResolutionMillis });
  loopDelay.enable();

  // Every sandbox reads in a loop, as a class typing find_one over and over would.
  const latencies: number[] = [];
  /** Reads slower than the goal's 100 ms, on the wall clock, to line up with their worker's pauses. */
  const slowReads: Array<{ sandboxId: string; startedAtMillis: number; endedAtMillis: number }> = [];
  const pool = workers > 0 ? app.sandboxWorkers : null;
  const diagnosing = pool ? pool.diagnose(readSeconds * 1000, { cpuProfile: Boolean(process.env.BENCH_WORKER_CPU_PROF) }) : null;
  let errors = 0;
  const readUntil = Math.min(deadline, Date.now() + readSeconds * 1000);
  const cpuBefore = process.cpuUsage();
  const readStarted = performance.now();
  await Promise.all(
    sessions.map(async ({ sandbox }) => {
      const tab = [...sandbox.tabs.values()].find((t) => t.title === 'python');
      if (!tab) return;
      // A class does not press Enter in lockstep: each learner starts at their own moment.
      await new Promise((resolve) => setTimeout(resolve, Math.random() * readPauseMillis));
      while (Date.now() < readUntil) {
        const started = performance.now();
        const startedAtMillis = Date.now();
        const output = await typeLine(tab, 'db.test.find_one()', 30_000).catch(() => 'Traceback');
        const took = performance.now() - started;
        latencies.push(took);
        if (took > 100) slowReads.push({ sandboxId: sandbox.id, startedAtMillis, endedAtMillis: Date.now() });
        if (!output.includes("'x': 1")) errors += 1;
        await new Promise((resolve) => setTimeout(resolve, readPauseMillis * (0.5 + Math.random())));
      }
    }),
  );
  const readWallSeconds = (performance.now() - readStarted) / 1000;
  loopDelay.disable();
  const diagnoses = diagnosing ? await diagnosing : [];
  const workerLines = pool ? workerReport(diagnoses, slowReads, (id) => pool.workerOf(id)) : [];
  const workerProfilePrefix = process.env.BENCH_WORKER_CPU_PROF;
  if (workerProfilePrefix) {
    for (const diagnosis of diagnoses) {
      const file = `${workerProfilePrefix}.worker-${diagnosis.workerIndex}.cpuprofile`;
      writeFileSync(file, JSON.stringify(diagnosis.cpuProfile));
      console.log(`wrote worker ${diagnosis.workerIndex}'s CPU profile of the reading to ${file}`);
    }
  }
  if (process.env.BENCH_HEAP_SNAPSHOT) console.log(`wrote ${writeHeapSnapshot(process.env.BENCH_HEAP_SNAPSHOT)}`);
  if (heapProfiler && heapProfileFile) {
    const { profile } = await heapProfiler.post('HeapProfiler.stopSampling');
    writeFileSync(heapProfileFile, JSON.stringify(profile));
    console.log(`wrote the reading phase's allocation profile to ${heapProfileFile}`);
  }
  if (profiler && profileFile) {
    const { profile } = await profiler.post('Profiler.stop');
    writeFileSync(profileFile, JSON.stringify(profile));
    console.log(`wrote the reading phase's CPU profile to ${profileFile}`);
  }
  const cpu = process.cpuUsage(cpuBefore);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  const rssAfterReads = process.memoryUsage().rss;
  latencies.sort((a, b) => a - b);
  const p50 = percentile(latencies, 0.5);
  const p99 = percentile(latencies, 0.99);
  const memoryPerSandboxMiB = (rssAfterReads - rssBefore) / sessions.length / 2 ** 20;
  const cores = cpus().length;
  const cpuShare = cpuSeconds / readWallSeconds;
  const lines = [
    machineLine(),
    '',
    `\`${process.env.BENCH_READ_PAUSE_MILLIS ? `BENCH_READ_PAUSE_MILLIS=${readPauseMillis} ` : ''}pnpm exec tsx bench/sandboxes.ts ${sandboxesCount} ${readSeconds}${workers > 0 ? ` ${workers}` : ''}\`: every sandbox starts three members, opens Python, initiates the set with Connection(…, slave_okay=True), saves a document through a seed-list Connection, then, with the sandbox clock back at 1×, types \`db.test.find_one()\` over and over for ${readSeconds} s, pausing ${readPauseMillis / 2}–${(readPauseMillis * 3) / 2} ms (at random) after each answer, each learner starting at a random moment. The server runs in this one Node process, with the node options \`pnpm start\` gives it (\`${serverNodeOptions}\`). Python runs in each learner's page (issue 15), so each sandbox has a page that plays back the traffic one real Python (Pyodide, our pymongo) made typing the same lines (runtime.line out; driver.call, the mirrored output and runtime.done back; bench/lib/recordedPage.ts): the figures are the server's share alone.`,
    '',
    '| figure | value |',
    '| --- | --- |',
    `| sandboxes running the walkthrough at once | ${sessions.length} (of ${sandboxesCount}; ${failedSetups} setups failed) |`,
    `| setup of all sandboxes (${setupConcurrency} at a time) | ${setupSeconds.toFixed(1)} s |`,
    `| find_one, input line to printed result, p50 / p99 | ${p50.toFixed(1)} ms / ${p99.toFixed(1)} ms (${latencies.length} reads, ${errors} not answered) |`,
    `| event-loop delay while reading, p50 / p99 / max | ${[loopDelay.percentile(50), loopDelay.percentile(99), loopDelay.max].map((ns) => `${Math.max(0, ns / 1e6 - loopDelayResolutionMillis).toFixed(1)} ms`).join(' / ')} |`,
    `| CPU used while reading | ${cpuShare.toFixed(2)} cores of ${cores} (${(sessions.length / Math.max(cpuShare, 0.01)).toFixed(0)} sandboxes per busy core) |`,
    `| memory | ${(rssAfterReads / 2 ** 20).toFixed(0)} MiB RSS in all; ${memoryPerSandboxMiB.toFixed(2)} MiB per sandbox (after setup: ${((rssAfterSetup - rssBefore) / sessions.length / 2 ** 20).toFixed(2)}) |`,
    `| open files (sockets) per sandbox after setup | ${filesPerSandbox.toFixed(1)} (limit of this process: ${filesLimit ?? 'unknown'}) |`,
    ...(stoppedForFiles ? [`| setup stopped early | ${stoppedForFiles} |`] : []),
    '',
    ...(workers > 0
      ? [`Sandboxes on ${workers} worker threads (settings.sandboxWorkers), each sandbox's driver in its worker; the main thread keeps the learners' pages, HTTP and rooms. Learners pause ${readPauseMillis / 2}–${(readPauseMillis * 3) / 2} ms between reads (BENCH_READ_PAUSE_MILLIS). Each worker during the reading (SandboxWorkerPool.diagnose):`, '', ...workerLines]
      : [`Goal (issue 5): 300 concurrent active sandboxes on 2 cores, p99 under 100 ms, under 3 GB in all.`, '', LATENCY_NOTE]),
  ];
  console.log(lines.join('\n'));
  if (figuresFile) {
    const figures: Figures = {
      workers,
      ready: sessions.length,
      failedSetups,
      setupSeconds,
      p50,
      p99,
      reads: latencies.length,
      errors,
      loopP99Millis: Math.max(0, loopDelay.percentile(99) / 1e6 - loopDelayResolutionMillis),
      loopMaxMillis: Math.max(0, loopDelay.max / 1e6 - loopDelayResolutionMillis),
      cpuCores: cpuShare,
      setupCpuSeconds,
      rssMiB: rssAfterReads / 2 ** 20,
    };
    writeFileSync(figuresFile, JSON.stringify(figures));
  } else if (workers === 0 && !pythonOnServer) writeBenchmarkSection('Sandboxes', lines);
  else if (!pythonOnServer) writeBenchmarkSection(`${sandboxesCount.toLocaleString('en')} sandboxes on ${workers} worker threads, ${readPauseMillis} ms pauses`, lines);
  await app.close();
}

await main();
process.exit(0);
