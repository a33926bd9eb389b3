// Two rooms of 200 followers each, through HAProxy in front of two server instances that share a
// 3-member sim-mongod replica set (scripts/cluster.mjs), one room served by each instance: how long
// after the instructor's page gets a line of terminal output does each follower's page get it?
// Every WebSocket goes through the balancer. Bounded in time. Prints the figures and rewrites the
// `## Rooms through HAProxy` section of docs/BENCHMARKS.md.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { startCluster, type Cluster } from '../scripts/cluster.mjs';
import { machineLine, percentile, writeBenchmarkSection } from './lib/benchmarksDoc';
import { connectSocket, type Socket } from './lib/roomSocket';

const followersPerRoom = 200;
const linesCount = 40;
const lineIntervalMillis = 150;
const benchDeadlineMillis = 240_000;

interface Message {
  type: string;
  room?: { mode: string };
  data?: string;
  tabs?: Array<{ tab: string }>;
  code?: string;
  message?: string;
}

const connect = (url: string, onMessage: (message: Message, at: number) => void): Promise<Socket> => connectSocket<Message>(url, onMessage);

/** A room through the balancer, made again until it is served by `instance` (rooms go by a hash of their code). */
async function roomOn(cluster: Cluster, instance: string): Promise<{ code: string; secret: string }> {
  for (let attempt = 0; attempt < 40; attempt += 1) {
    const created = (await (await fetch(`${cluster.url}/api/rooms`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"title":"bench"}' })).json()) as { code: string; secret: string; instructorPath: string };
    const served = (await fetch(`${cluster.url}/api/rooms/${created.code}`)).headers.get('x-rslab-instance');
    const secret = /secret=([A-Za-z0-9_-]+)/.exec(created.instructorPath)![1]!;
    if (served === instance) return { code: created.code, secret };
  }
  throw new Error(`no room landed on instance ${instance} in 40 tries`);
}

interface RoomRun {
  instance: string;
  instructor: Socket;
  tab: string;
  instructorAt: Map<number, number>;
  followerAt: Array<Map<number, number>>;
}

const marks = (data: string | undefined): number[] => [...(data ?? '').matchAll(/^mark-(\d+)$/gm)].map((m) => Number(m[1]));

async function openRoom(cluster: Cluster, instance: string, sockets: Socket[]): Promise<RoomRun> {
  const room = await roomOn(cluster, instance);
  const wsUrl = `${cluster.url.replace('http', 'ws')}/ws/room?room=${room.code}`;
  const instructorAt = new Map<number, number>();
  let tab = '';
  let welcomed!: () => void;
  const ready = new Promise<void>((resolve) => (welcomed = resolve));
  const instructor = await connect(wsUrl, (message, at) => {
    if (message.type === 'welcome') {
      tab = message.tabs?.[0]?.tab ?? '';
      welcomed();
    }
    if (message.type === 'output') for (const n of marks(message.data)) if (!instructorAt.has(n)) instructorAt.set(n, at);
    if (message.type === 'error') console.error(`instructor ${instance} error:`, message.code, message.message);
  });
  sockets.push(instructor);
  instructor.send(JSON.stringify({ type: 'room.instructor', code: room.code, secret: room.secret }));
  await ready;
  const followerAt: Array<Map<number, number>> = [];
  let following = 0;
  let allFollowing!: () => void;
  const everyone = new Promise<void>((resolve) => (allFollowing = resolve));
  for (let i = 0; i < followersPerRoom; i += 1) {
    const joined = (await (await fetch(`${cluster.url}/api/rooms/${room.code}/join`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: `f${i}` }) })).json()) as { token: string };
    const seen = new Map<number, number>();
    followerAt.push(seen);
    const socket = await connect(wsUrl, (message, at) => {
      if (message.type === 'welcome' && message.room?.mode === 'live' && (following += 1) === followersPerRoom) allFollowing();
      if (message.type === 'output') for (const n of marks(message.data)) if (!seen.has(n)) seen.set(n, at);
    });
    sockets.push(socket);
    socket.send(JSON.stringify({ type: 'room.follow', code: room.code, attendee: joined.token }));
  }
  await everyone;
  return { instance, instructor, tab, instructorAt, followerAt };
}

async function main(): Promise<void> {
  const started = performance.now();
  const deadline = setTimeout(() => {
    console.error(`bench did not finish within ${benchDeadlineMillis} ms`);
    process.exit(1);
  }, benchDeadlineMillis);
  const dir = mkdtempSync(join(tmpdir(), 'rslab-bench-cluster-'));
  const cluster = await startCluster({
    dir,
    build: 'server',
    instanceEnv: { LOG_LEVEL: 'warn', RSLAB_ATTENDEES_PER_ROOM_MAX: String(followersPerRoom + 10), RSLAB_ROOM_JOIN_ATTEMPTS_PER_MINUTE_MAX: '10000', RSLAB_WEB_ROOT: '' },
  });
  const sockets: Socket[] = [];
  try {
    const rooms = [await openRoom(cluster, 'a', sockets), await openRoom(cluster, 'b', sockets)];
    const connectedAt = performance.now();
    // Both instructors type at the same time, each in their own room.
    for (let n = 1; n <= linesCount; n += 1) {
      for (const room of rooms) room.instructor.send(JSON.stringify({ type: 'input', tab: room.tab, line: `echo mark-${n}` }));
      await new Promise((resolve) => setTimeout(resolve, lineIntervalMillis));
    }
    await new Promise((resolve) => setTimeout(resolve, 1500));

    const delays: number[] = [];
    const perRoom: string[] = [];
    let missing = 0;
    for (const room of rooms) {
      const own: number[] = [];
      for (const seen of room.followerAt) {
        for (let n = 1; n <= linesCount; n += 1) {
          const from = room.instructorAt.get(n);
          const to = seen.get(n);
          if (from === undefined || to === undefined) missing += 1;
          else own.push(to - from);
        }
      }
      own.sort((a, b) => a - b);
      perRoom.push(`instance ${room.instance}: p50 ${percentile(own, 0.5).toFixed(1)} ms, p99 ${percentile(own, 0.99).toFixed(1)} ms`);
      delays.push(...own);
    }
    delays.sort((a, b) => a - b);
    const p50 = percentile(delays, 0.5);
    const p99 = percentile(delays, 0.99);
    const max = delays.at(-1) ?? Number.NaN;
    const setupSeconds = (connectedAt - started) / 1000;
    console.log(`2 rooms x ${followersPerRoom} followers through HAProxy: p50 ${p50.toFixed(1)} ms, p99 ${p99.toFixed(1)} ms, max ${max.toFixed(1)} ms (${perRoom.join('; ')}); ${delays.length} receipts, ${missing} missing; set-up ${setupSeconds.toFixed(1)} s`);
    writeBenchmarkSection('Rooms through HAProxy', [
      `Measured by \`bench/rooms-cluster.ts\`. ${machineLine()} The cluster of \`scripts/cluster.mjs\`: HAProxy in front of two built server instances sharing a 3-member sim-mongod replica set, all on loopback on this one machine (so the two instances, the three store members, HAProxy and the ${2 * followersPerRoom + 2} WebSocket clients share its cores). Two rooms, one served by each instance; ${followersPerRoom} followers in each, every socket through HAProxy; both instructors type \`echo mark-N\` every ${lineIntervalMillis} ms, ${linesCount} times. Delay: when a follower's socket received the line minus when its instructor's did (both clocks in the bench process); a follower may hear the line first, so a delay can be below 0.`,
      '',
      '| Figure | Value |',
      '| --- | --- |',
      `| Follower delay after the instructor, p50 | ${p50.toFixed(1)} ms |`,
      `| Same, p99 (goal under 250 ms) | ${p99.toFixed(1)} ms |`,
      `| Same, max | ${max.toFixed(1)} ms |`,
      `| Per room | ${perRoom.join('; ')} |`,
      `| Receipts measured (followers × lines), missing | ${delays.length}, ${missing} |`,
      `| Set-up (cluster, 2 rooms, ${2 * followersPerRoom} joins and sockets) | ${setupSeconds.toFixed(1)} s |`,
      '',
    ]);
  } finally {
    for (const socket of sockets) socket.close();
    await cluster.stop();
    rmSync(dir, { recursive: true, force: true });
    clearTimeout(deadline);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
