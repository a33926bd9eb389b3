// sim-mongod's start and memory, side by side with a bare node process that opens a port: spawn to
// "Waiting for connections" and RSS at rest, for the built binary (bin/sim-mongod, as
// mongodb-memory-server runs it), for the same sources compiled at start by tsx (how the bin ran
// before the build), for the built binary with a heap flag on node's command line, and for bare
// node. They are started in turn, round after round, so they share the machine's load; the
// figures are medians and the ratios are to bare node in this run.
// Then RSS per member of a 3-member set at rest and after 10,000 inserts, with the bin's young
// generation setting and with node's defaults. Prints the figures and rewrites the
// `## sim-mongod start and memory` section of docs/BENCHMARKS.md.
//
// Usage: pnpm exec tsx bench/sim-mongod-start.ts [ROUNDS]
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type * as Mongo from '../packages/sim/node_modules/mongodb';
import { machineLine, percentile, writeBenchmarkSection } from './lib/benchmarksDoc';

const simRequire = createRequire(new URL('../packages/sim/package.json', import.meta.url));
const { MongoClient } = simRequire('mongodb') as typeof Mongo;
const root = new URL('..', import.meta.url).pathname;
const BIN = join(root, 'packages/sim/bin/sim-mongod');
const BUNDLE = join(root, 'packages/sim/dist/sim-mongod.cjs');
const HOST = '127.0.0.1';

const rounds = Number(process.argv[2] ?? 11);
const restMillis = 1_000;
const inserts = 10_000;
const insertClients = 8;
const benchDeadlineMillis = 600_000;

const tmp = mkdtempSync(join(tmpdir(), 'bench-sim-mongod-start-'));
const children = new Set<ChildProcess>();
const deadline = setTimeout(() => {
  console.error(`bench/sim-mongod-start: over ${benchDeadlineMillis / 1000} s, stopping`);
  cleanup();
  process.exit(1);
}, benchDeadlineMillis);
deadline.unref();

function cleanup(): void {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  rmSync(tmp, { recursive: true, force: true });
}

// Bare node: open a port, then print the line the others print.
const bareScript = join(tmp, 'bare-listen.mjs');
writeFileSync(
  bareScript,
  [
    "import { createServer } from 'node:net';",
    "const port = Number(process.argv[process.argv.indexOf('--port') + 1]);",
    `createServer().listen(port, ${JSON.stringify(HOST)}, () => process.stdout.write('{"msg":"Waiting for connections"}\\n'));`,
    "process.on('SIGINT', () => process.exit(0));",
  ].join('\n'),
);
// The bundle without the bin: node's default young generation, for the memory comparison.
const defaultsLauncher = join(tmp, 'bundle-with-node-defaults.cjs');
writeFileSync(defaultsLauncher, `require(${JSON.stringify(BUNDLE)}).main(process.argv.slice(2)).then((code) => process.exit(code));\n`);

interface Variant {
  label: string;
  command: (args: string[]) => [string, string[]];
}

const VARIANTS: Variant[] = [
  { label: 'bare node opening a port', command: (args) => [process.execPath, [bareScript, ...args]] },
  { label: 'sim-mongod, built (bin/sim-mongod)', command: (args) => [BIN, args] },
  { label: 'sim-mongod from source through tsx', command: (args) => [process.execPath, ['--import', 'tsx', join(root, 'bench/lib/simMongodFromSource.ts'), ...args]] },
  // What a heap-size flag on node's command line would cost (the bin sets its heap option at run time instead).
  { label: 'sim-mongod, built, with `node --max-semi-space-size=1`', command: (args) => [process.execPath, ['--max-semi-space-size=1', BIN, ...args]] },
];

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, HOST, () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

interface Started {
  child: ChildProcess;
  port: number;
  startMillis: number;
}

/** Spawn; resolves once stdout says "Waiting for connections", with the time from spawn. */
async function start(command: [string, string[]], port: number): Promise<Started> {
  const began = performance.now();
  const child = spawn(command[0], command[1], { stdio: ['ignore', 'pipe', 'inherit'], cwd: root });
  children.add(child);
  let seen = '';
  const startMillis = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${command.join(' ')} did not start: ${seen}`)), 60_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      if (seen.includes('"Waiting for connections"')) return;
      seen += chunk.toString('utf8');
      if (seen.includes('"Waiting for connections"')) {
        clearTimeout(timer);
        resolve(performance.now() - began);
      }
    });
    child.once('exit', (code) => reject(new Error(`${command.join(' ')} exited ${code}: ${seen}`)));
  });
  child.stdout!.resume();
  return { child, port, startMillis };
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGINT');
  await exited;
  children.delete(child);
}

function rssMiB(child: ChildProcess): number {
  const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN) / 1024;
}

function median(values: readonly number[]): number {
  return percentile([...values].sort((a, b) => a - b), 0.5);
}

function fmt(n: number, digits = 0): string {
  return n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

function memberArgs(port: number, dbpath: string, replSet?: string): string[] {
  return ['--port', String(port), '--bind_ip', HOST, '--dbpath', dbpath, ...(replSet === undefined ? [] : ['--replSet', replSet]), '--quiet'];
}

async function waitFor<T>(what: string, fn: () => Promise<T | undefined>, timeoutMillis: number): Promise<T> {
  const until = performance.now() + timeoutMillis;
  for (;;) {
    const value = await fn().catch(() => undefined);
    if (value !== undefined) return value;
    if (performance.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A 3-member set started with `command`: RSS per member at rest and after the inserts. */
async function setMemory(name: string, command: (args: string[]) => [string, string[]]): Promise<{ rest: number[]; loaded: number[]; insertsPerSecond: number }> {
  const ports = await Promise.all([0, 1, 2].map(() => freePort()));
  const members = await Promise.all(ports.map((port) => start(command(memberArgs(port, mkdtempSync(join(tmp, `${name}-`)), name)), port)));
  const admin = new MongoClient(`mongodb://${HOST}:${ports[0]}/?directConnection=true&serverSelectionTimeoutMS=5000`);
  try {
    await admin.db('admin').command({ replSetInitiate: { _id: name, members: ports.map((port, i) => ({ _id: i, host: `${HOST}:${port}`, priority: i === 0 ? 2 : 1 })) } });
    await waitFor('a primary', async () => ((await admin.db('admin').command({ hello: 1 })).isWritablePrimary === true ? true : undefined), 60_000);
  } finally {
    await admin.close();
  }
  for (const member of members.slice(1)) {
    const client = new MongoClient(`mongodb://${HOST}:${member.port}/?directConnection=true&serverSelectionTimeoutMS=5000`);
    try {
      await waitFor('a secondary', async () => ((await client.db('admin').command({ hello: 1 })).secondary === true ? true : undefined), 60_000);
    } finally {
      await client.close();
    }
  }
  await new Promise((r) => setTimeout(r, restMillis));
  const rest = members.map((m) => rssMiB(m.child));
  const client = new MongoClient(`mongodb://${ports.map((port) => `${HOST}:${port}`).join(',')}/?replicaSet=${name}&serverSelectionTimeoutMS=20000`);
  let next = 0;
  const began = performance.now();
  await Promise.all(
    Array.from({ length: insertClients }, async () => {
      for (let i = next++; i < inserts; i = next++) {
        await client.db('bench').collection('inserts').insertOne({ _id: i, name: `document ${i}`, n: i, tags: ['a', 'b'] } as never, { writeConcern: { w: 'majority' } });
      }
    }),
  );
  const insertsPerSecond = inserts / ((performance.now() - began) / 1000);
  await client.close();
  await new Promise((r) => setTimeout(r, restMillis));
  const loaded = members.map((m) => rssMiB(m.child));
  await Promise.all(members.map((m) => stop(m.child)));
  return { rest, loaded, insertsPerSecond };
}

async function main(): Promise<void> {
  const startMillis = VARIANTS.map(() => [] as number[]);
  const restMiB = VARIANTS.map(() => [] as number[]);
  for (let round = 0; round < rounds; round++) {
    // A different variant goes first each round.
    for (let k = 0; k < VARIANTS.length; k++) {
      const v = (round + k) % VARIANTS.length;
      const port = await freePort();
      const started = await start(VARIANTS[v]!.command(memberArgs(port, mkdtempSync(join(tmp, 'start-')))), port);
      startMillis[v]!.push(started.startMillis);
      await new Promise((r) => setTimeout(r, restMillis));
      restMiB[v]!.push(rssMiB(started.child));
      await stop(started.child);
    }
    process.stdout.write('.');
  }
  process.stdout.write('\n');
  const bare = median(startMillis[0]!);
  const rows: string[] = VARIANTS.map((variant, v) => {
    const sorted = [...startMillis[v]!].sort((a, b) => a - b);
    const ratio = v === 0 ? '1' : `${fmt(median(sorted) / bare, 2)}×`;
    const line = `| ${variant.label} | ${fmt(median(sorted))} ms (${fmt(sorted[0]!)}–${fmt(sorted[sorted.length - 1]!)}) | ${ratio} | ${fmt(median(restMiB[v]!), 1)} MiB |`;
    console.log(line);
    return line;
  });

  const tuned = await setMemory('tuned', (args) => [BIN, args]);
  const defaults = await setMemory('defaults', (args) => [process.execPath, [defaultsLauncher, ...args]]);
  const perMember = (values: number[]): string => values.map((value) => fmt(value, 1)).join(' / ');
  const memoryRows = [
    `| 3-member set at rest (built, bin/sim-mongod) | ${perMember(tuned.rest)} |`,
    `| after ${fmt(inserts)} inserts (insertOne, w:"majority", ${insertClients} clients, ${fmt(tuned.insertsPerSecond)}/s) | ${perMember(tuned.loaded)} |`,
    `| same set run with node's default young generation: at rest | ${perMember(defaults.rest)} |`,
    `| same, after ${fmt(inserts)} inserts (${fmt(defaults.insertsPerSecond)}/s) | ${perMember(defaults.loaded)} |`,
  ];
  for (const line of memoryRows) console.log(line);

  writeBenchmarkSection('sim-mongod start and memory', [
    `Measured by \`bench/sim-mongod-start.ts\`. ${machineLine()} From spawn to the "Waiting for connections" line on stdout, and RSS ${restMillis / 1000} s later; one standalone process with a fresh \`--dbpath\` each start; the kinds are started in turn, ${rounds} rounds, a different one first each round, so they share the machine's load. Median (min–max); ratios are of medians to bare node in this run.`,
    '',
    '| Process | Start to "Waiting for connections" | Ratio to bare node (goal ≤ 1.8×) | RSS at rest (goal < 60 MiB) |',
    '| --- | --- | --- | --- |',
    ...rows,
    '',
    '| RSS per member, MiB | Value |',
    '| --- | --- |',
    ...memoryRows,
    '',
    'What makes the built start short: one CommonJS file with every dependency in it (`pnpm build`, scripts/build.mjs), so node loads its built-in modules without wrapping them as ES modules; mingo bundled from its ES modules (bundled from its CommonJS build, with an interop wrapper per file, sim-mongod started about 60 ms later when this was tried) and kept in a second file that the first query loads (`src/storage/mingoEngineLoader.ts`), so a start up to "Waiting for connections" never parses the query engine. From source, tsx registers its compiler and ES-module loader hooks (on a thread of their own) and loads each of about 50 source files through them. Young generation: the bin sets `--semi-space-growth-factor=1` at run time, so each semi-space stays at its initial 1 MiB instead of growing to 16 MiB under load (second table); the same limit as a flag on node\'s command line costs start time (last row of the first table).',
  ]);
}

main()
  .then(() => {
    cleanup();
    clearTimeout(deadline);
  })
  .catch((error: unknown) => {
    console.error(error);
    cleanup();
    process.exit(1);
  });
