// One room, one instructor, 200 followers: how long after the instructor's page gets a line of
// terminal output does each follower's page get it? Starts the real server (apps/server/src/main.ts)
// as a child process on loopback, opens the WebSockets from this process, has the instructor type
// `echo` lines at a steady pace, and records per-follower receipt delays. Bounded in time. Prints
// the figures and rewrites the `## Rooms` section of docs/BENCHMARKS.md.
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { serverNodeOptions } from '../apps/server/src/nodeFlags';
import { connectSocket, type Socket } from './lib/roomSocket';

const followersCount = 200;
const linesCount = 60;
const lineIntervalMillis = 100;
const benchDeadlineMillis = 120_000;

interface Message {
  type: string;
  cluster?: { members: Array<{ state: string }> };
  room?: { mode: string };
  tab?: string;
  data?: string;
  tabs?: Array<{ tab: string }>;
  code?: string;
  message?: string;
}

async function startServer(): Promise<{ baseUrl: string; stop: () => Promise<void> }> {
  const child = spawn(process.execPath, [...serverNodeOptions.split(' '), '--import', 'tsx', 'src/main.ts'], {
    cwd: new URL('../apps/server/', import.meta.url).pathname,
    env: {
      ...process.env,
      HOST: '127.0.0.1',
      PORT: '0',
      LOG_LEVEL: 'warn',
      RSLAB_PROGRESS_STORE: 'memory',
      RSLAB_ATTENDEES_PER_ROOM_MAX: String(followersCount + 10),
      RSLAB_ROOM_JOIN_ATTEMPTS_PER_MINUTE_MAX: String(followersCount * 2),
      RSLAB_WEB_ROOT: '',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const baseUrl = await new Promise<string>((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => reject(new Error(`server did not start: ${seen}`)), 30_000);
    child.stdout.on('data', (chunk: Buffer) => {
      seen += chunk.toString('utf8');
      const match = /listening on (http:\/\/\S+)/.exec(seen);
      if (match) {
        clearTimeout(timer);
        resolve(match[1] as string);
      }
    });
    child.once('exit', (code) => reject(new Error(`server exited (${code}): ${seen}`)));
  });
  child.stdout.resume();
  return {
    baseUrl,
    stop: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

const connect = (baseUrl: string, onMessage: (message: Message, at: number) => void): Promise<Socket> => connectSocket<Message>(`${baseUrl.replace('http', 'ws')}/ws/room`, onMessage);

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}

async function main(): Promise<void> {
  const started = performance.now();
  const deadline = setTimeout(() => {
    console.error(`bench did not finish within ${benchDeadlineMillis} ms`);
    process.exit(1);
  }, benchDeadlineMillis);
  const server = await startServer();
  const sockets: Socket[] = [];
  try {
    const room = (await (await fetch(`${server.baseUrl}/api/rooms`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"title":"bench"}' })).json()) as {
      code: string;
      secret: string;
    };
    // When the instructor's page and each follower's page saw `mark-N`.
    const instructorAt = new Map<number, number>();
    const followerAt: Array<Map<number, number>> = [];
    const marks = (data: string | undefined): number[] => [...(data ?? '').matchAll(/^mark-(\d+)$/gm)].map((m) => Number(m[1]));
    let tab = '';
    let prompts = 0;
    let primaryUp = false;
    let welcomed!: () => void;
    const instructorReady = new Promise<void>((resolve) => (welcomed = resolve));
    const instructor = await connect(server.baseUrl, (message, at) => {
      if (message.type === 'welcome') {
        tab = message.tabs?.[0]?.tab ?? '';
        welcomed();
      }
      if (message.type === 'output') for (const n of marks(message.data)) if (!instructorAt.has(n)) instructorAt.set(n, at);
      if (message.type === 'prompt') prompts += 1;
      if (message.type === 'cluster' && message.cluster?.members.some((m) => m.state === 'PRIMARY')) primaryUp = true;
      if (message.type === 'error') console.error('instructor error:', message.code, message.message);
    });
    sockets.push(instructor);
    instructor.send(JSON.stringify({ type: 'room.instructor', code: room.code, secret: room.secret }));
    await instructorReady;

    let followersReady = 0;
    const forkedAt = new Map<number, number>();
    let allReady!: () => void;
    const ready = new Promise<void>((resolve) => (allReady = resolve));
    for (let i = 0; i < followersCount; i += 1) {
      const joined = (await (
        await fetch(`${server.baseUrl}/api/rooms/${room.code}/join`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: `f${i}` }) })
      ).json()) as { token: string };
      const seen = new Map<number, number>();
      followerAt.push(seen);
      const index = i;
      const socket = await connect(server.baseUrl, (message, at) => {
        if (message.type === 'welcome' && message.room?.mode === 'fork') forkedAt.set(index, at);
        if (message.type === 'welcome' && message.room?.mode === 'live') {
          followersReady += 1;
          if (followersReady === followersCount) allReady();
        }
        // Echoed command lines are not output: only count `mark-N` on a line of its own, as `echo` prints it.
        if (message.type === 'output') for (const n of marks(message.data)) if (!seen.has(n)) seen.set(n, at);
      });
      sockets.push(socket);
      socket.send(JSON.stringify({ type: 'room.follow', code: room.code, attendee: joined.token }));
    }
    await ready;
    const connectedAt = performance.now();

    for (let n = 1; n <= linesCount; n += 1) {
      instructor.send(JSON.stringify({ type: 'input', tab, line: `echo mark-${n}` }));
      await new Promise((resolve) => setTimeout(resolve, lineIntervalMillis));
    }
    // Give the last line time to arrive everywhere.
    await new Promise((resolve) => setTimeout(resolve, 1000));

    const delays: number[] = [];
    let missing = 0;
    for (const seen of followerAt) {
      for (let n = 1; n <= linesCount; n += 1) {
        const from = instructorAt.get(n);
        const to = seen.get(n);
        if (from === undefined || to === undefined) missing += 1;
        else delays.push(to - from);
      }
    }
    delays.sort((a, b) => a - b);
    const p50 = percentile(delays, 50);
    const p99 = percentile(delays, 99);
    const max = delays.at(-1) ?? Number.NaN;
    const wallSeconds = (performance.now() - started) / 1000;
    console.log(
      `${followersCount} followers, ${linesCount} lines every ${lineIntervalMillis} ms: follower delay after the instructor p50 ${p50.toFixed(1)} ms, p99 ${p99.toFixed(1)} ms, max ${max.toFixed(1)} ms; ${delays.length} receipts, ${missing} missing; set-up ${((connectedAt - started) / 1000).toFixed(1)} s, total ${wallSeconds.toFixed(1)} s`,
    );

    // "Try it myself" at scale: the instructor builds the walkthrough's set (3 members, initiated,
    // one document), then forkers attendees fork at the same moment.
    const until = async (condition: () => boolean, what: string, limitMillis = 60_000): Promise<void> => {
      const end = performance.now() + limitMillis;
      while (!condition()) {
        if (performance.now() > end) throw new Error(`bench: ${what} did not happen within ${limitMillis} ms`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    };
    instructor.send(JSON.stringify({ type: 'control', requestId: 1, action: 'speed', value: 10 }));
    const servers = tab;
    instructor.send(JSON.stringify({ type: 'tab.open' }));
    const setup: Array<[string, string]> = [
      [servers, 'mongod --replSet foo/morton.local:27018,morton.local:27019 --rest'],
      [servers, 'mongod --port 27018 --dbpath /data/db1 --replSet foo/morton.local:27017 --rest'],
      [servers, 'mongod --port 27019 --dbpath /data/db2 --replSet foo/morton.local:27017 --rest'],
    ];
    for (const [onTab, line] of setup) {
      const before = prompts;
      instructor.send(JSON.stringify({ type: 'input', tab: onTab, line }));
      await until(() => prompts > before, line);
    }
    const client = 't2';
    for (const line of ['python', 'from pymongo import Connection', 'c = Connection("morton.local:27017", slave_okay=True)', 'c.admin.command("replSetInitiate")']) {
      const before = prompts;
      instructor.send(JSON.stringify({ type: 'input', tab: client, line }));
      await until(() => prompts > before, line);
    }
    await until(() => primaryUp, 'a primary');
    for (const line of ['db = Connection("morton.local").test', 'db.test.save({"x": 1})']) {
      const before = prompts;
      instructor.send(JSON.stringify({ type: 'input', tab: client, line }));
      await until(() => prompts > before, line);
    }
    const forkers = 20;
    const forkStart = performance.now();
    for (let i = 0; i < forkers; i += 1) sockets[1 + i]!.send(JSON.stringify({ type: 'room.fork' }));
    await until(() => forkedAt.size === forkers, `${forkers} forks`);
    const forkMillis = [...forkedAt.values()].map((at) => at - forkStart).sort((a, b) => a - b);
    console.log(`${forkers} attendees fork a 3-member set at once: their own sandbox after p50 ${percentile(forkMillis, 50).toFixed(0)} ms, slowest ${forkMillis.at(-1)!.toFixed(0)} ms`);

    const cpu = cpus();
    const machine = `${cpu.length} × ${cpu[0]?.model.trim() ?? 'unknown CPU'}, Node ${process.version}`;
    const section = [
      '## Rooms',
      '',
      `Measured by \`bench/rooms-followers.ts\` on ${machine}, load average ${loadavg()[0]!.toFixed(1)} when it ran. The real server in a child process on loopback; one room, the instructor and ${followersCount} followers as WebSocket clients in the bench process; the instructor types \`echo mark-N\` every ${lineIntervalMillis} ms, ${linesCount} times. Delay: when a follower's socket received the output line minus when the instructor's did (both clocks in the bench process). Then the instructor builds the walkthrough's set (3 members, initiated, one document) and 20 followers fork it at the same moment.`,
      '',
      '| Figure | Value |',
      '| --- | --- |',
      `| Follower delay after the instructor, p50 | ${p50.toFixed(1)} ms |`,
      `| Same, p99 (goal under 250 ms) | ${p99.toFixed(1)} ms |`,
      `| Same, max | ${max.toFixed(1)} ms |`,
      `| Receipts measured (followers × lines), missing | ${delays.length}, ${missing} |`,
      `| ${forkers} attendees press "Try it myself" at once on a 3-member set: own sandbox after, p50 / slowest | ${percentile(forkMillis, 50).toFixed(0)} ms / ${forkMillis.at(-1)!.toFixed(0)} ms |`,
      '',
    ].join('\n');
    const path = new URL('../docs/BENCHMARKS.md', import.meta.url);
    const text = readFileSync(path, 'utf8');
    const start = text.indexOf('## Rooms\n');
    let next: string;
    if (start < 0) next = `${text.trimEnd()}\n\n${section}`;
    else {
      const after = text.indexOf('\n## ', start + 1);
      next = `${text.slice(0, start)}${section}${after < 0 ? '' : `\n${text.slice(after + 1)}`}`;
    }
    writeFileSync(path, next.endsWith('\n') ? next : `${next}\n`);
    console.log('wrote the Rooms section of docs/BENCHMARKS.md');
  } finally {
    for (const socket of sockets) socket.close();
    await server.stop();
    clearTimeout(deadline);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
