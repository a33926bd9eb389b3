import type { ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { MongoClient } from 'mongodb';
import { freePort, startSimMongod, waitForOutput } from './spawn';
import type { Running } from './spawn';

/** A replica set of sim-mongod processes on loopback, initiated, with its primary elected. */
export interface ProcessSet {
  readonly ports: number[];
  readonly hosts: string[];
  readonly procs: Running[];
  /** `mongodb://h1,h2,.../?replicaSet=rs0` */
  readonly uri: string;
  readonly dbpaths: string[];
}

const HOST = '127.0.0.1';

async function until<T>(what: string, fn: () => Promise<T | undefined>, timeoutMillis: number): Promise<T> {
  const deadline = Date.now() + timeoutMillis;
  for (;;) {
    const value = await fn().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Start `members` sim-mongod with `--replSet rs0` and `extraArgs`, initiate them (member 0 with
 * priority 2, so it is the first primary; short elections), and wait until every member is
 * PRIMARY or SECONDARY.
 */
export async function startProcessSet(members: number, extraArgs: string[], children: ChildProcess[]): Promise<ProcessSet> {
  const ports: number[] = [];
  for (let i = 0; i < members; i++) ports.push(await freePort());
  const hosts = ports.map((p) => `${HOST}:${p}`);
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'sim-mongod-set-'));
  const dbpaths = ports.map((p) => {
    const dir = path.join(root, String(p));
    fs.mkdirSync(dir);
    return dir;
  });
  const procs = ports.map((p, i) => startSimMongod(['--port', String(p), '--bind_ip', HOST, '--replSet', 'rs0', '--dbpath', dbpaths[i]!, ...extraArgs], children));
  await Promise.all(procs.map((p) => waitForOutput(p, 'Waiting for connections')));
  const direct = new MongoClient(`mongodb://${hosts[0]}/?directConnection=true&serverSelectionTimeoutMS=5000`);
  try {
    const config = { _id: 'rs0', members: hosts.map((host, i) => ({ _id: i, host, priority: i === 0 ? 2 : 1 })), settings: { electionTimeoutMillis: 1000, heartbeatIntervalMillis: 500 } };
    await direct.db('admin').command({ replSetInitiate: config });
    await until('all members up', async () => {
      const status = await direct.db('admin').command({ replSetGetStatus: 1 });
      const states = (status.members as { stateStr: string }[]).map((m) => m.stateStr);
      return states.filter((s) => s === 'PRIMARY').length === 1 && states.filter((s) => s === 'SECONDARY').length === members - 1 ? true : undefined;
    }, 40_000);
  } finally {
    await direct.close();
  }
  return { ports, hosts, procs, uri: `mongodb://${hosts.join(',')}/?replicaSet=rs0`, dbpaths };
}

export { until as waitUntil };
