// Many sandboxes at once, each doing what a learner does in the walkthrough: three mongod members,
// Python, Connection with slave_okay, replSetInitiate, a seed-list connection, save, then a steady
// stream of find_one calls. Reports sandboxes per core, memory per sandbox and the latency of a
// find_one from input line to printed result. Bounded in count and time; loopback only.
// Usage: pnpm exec tsx bench/sandboxes.ts [SANDBOXES] [READ_SECONDS]
import { performance } from 'node:perf_hooks';
import { cpus } from 'node:os';
import { buildApp } from '../apps/server/src/app';
import { testSettings } from '../apps/server/src/settings';
import { TranscriptSession, typeLine } from '../apps/server/src/transcript/run';
import type { Sandbox } from '../apps/server/src/sandbox/sandbox';
import { machineLine, percentile, writeBenchmarkSection } from './lib/benchmarksDoc';

const sandboxesCount = Number(process.argv[2] ?? 300);
const readSeconds = Number(process.argv[3] ?? 30);
const setupConcurrency = 10;
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

async function main(): Promise<void> {
  const deadline = Date.now() + benchDeadlineMillis;
  const app = await buildApp({ settings: testSettings({ sandboxesMax: sandboxesCount + 10 }) });
  const rssBefore = process.memoryUsage().rss;
  const sandboxes: Sandbox[] = [];
  const setupStarted = performance.now();
  let failedSetups = 0;
  const sessions: Array<{ session: TranscriptSession; sandbox: Sandbox }> = [];
  for (let i = 0; i < sandboxesCount; i += setupConcurrency) {
    const batch = Array.from({ length: Math.min(setupConcurrency, sandboxesCount - i) }, async (_, j) => {
      const { sandbox } = app.sandboxes.obtain(`bench-${i + j}`);
      sandboxes.push(sandbox);
      const session = new TranscriptSession(sandbox, { speed: 4 });
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
  const rssAfterSetup = process.memoryUsage().rss;
  console.log(`${sessions.length} sandboxes ready in ${setupSeconds.toFixed(1)} s (${failedSetups} failed setups)`);

  // Every sandbox reads in a loop, as a class typing find_one over and over would.
  const latencies: number[] = [];
  let errors = 0;
  const readUntil = Math.min(deadline, Date.now() + readSeconds * 1000);
  const cpuBefore = process.cpuUsage();
  const readStarted = performance.now();
  await Promise.all(
    sessions.map(async ({ sandbox }) => {
      const tab = [...sandbox.tabs.values()].find((t) => t.title === 'python');
      if (!tab) return;
      while (Date.now() < readUntil) {
        const started = performance.now();
        const output = await typeLine(tab, 'db.test.find_one()', 30_000).catch(() => 'Traceback');
        latencies.push(performance.now() - started);
        if (!output.includes("'x': 1")) errors += 1;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }),
  );
  const readWallSeconds = (performance.now() - readStarted) / 1000;
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
    `\`pnpm exec tsx bench/sandboxes.ts ${sandboxesCount} ${readSeconds}\`: every sandbox starts three members, opens Python, initiates the set with Connection(…, slave_okay=True), saves a document through a seed-list Connection, then types \`db.test.find_one()\` every 200 ms for ${readSeconds} s. The server runs in this one Node process.`,
    '',
    '| figure | value |',
    '| --- | --- |',
    `| sandboxes running the walkthrough at once | ${sessions.length} (of ${sandboxesCount}; ${failedSetups} setups failed) |`,
    `| setup of all sandboxes (10 at a time) | ${setupSeconds.toFixed(1)} s |`,
    `| find_one, input line to printed result, p50 / p99 | ${p50.toFixed(1)} ms / ${p99.toFixed(1)} ms (${latencies.length} reads, ${errors} not answered) |`,
    `| CPU used while reading | ${cpuShare.toFixed(2)} cores of ${cores} (${(sessions.length / Math.max(cpuShare, 0.01)).toFixed(0)} sandboxes per busy core) |`,
    `| memory | ${(rssAfterReads / 2 ** 20).toFixed(0)} MiB RSS in all; ${memoryPerSandboxMiB.toFixed(2)} MiB per sandbox (after setup: ${((rssAfterSetup - rssBefore) / sessions.length / 2 ** 20).toFixed(2)}) |`,
    '',
    `Goal (issue 5): 300 concurrent active sandboxes on 2 cores, p99 under 100 ms, under 3 GB in all.`,
  ];
  console.log(lines.join('\n'));
  writeBenchmarkSection('Sandboxes', lines);
  await app.close();
}

await main();
process.exit(0);
