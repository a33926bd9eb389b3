import { spawn, type ChildProcess } from 'node:child_process';
import { promises as fs } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import path from 'node:path';
import { MongoClient } from 'mongodb';
import type { Settings } from '../settings';
import { MemoryProgressStore, MongoProgressStore, type ProgressStore } from './store';

interface Log {
  info(object: object, message: string): void;
  error(object: object, message: string): void;
}

/** Our own error when the embedded store cannot start. */
export class EmbeddedStoreError extends Error {
  override readonly name = 'EmbeddedStoreError';
}

/**
 * The sim-mongod binary, found as a file of the @rslab/sim package (not by a path relative to this
 * file, which changes when the server is bundled into dist/). It runs the built sim-mongod.
 */
const simMongodPath = createRequire(import.meta.url).resolve('@rslab/sim/bin/sim-mongod');
const startTimeoutMillis = 30_000;

/** The store the settings name: `memory`, `embedded` (a sim-mongod under the data folder) or a MongoDB URI. */
export async function openProgressStore(settings: Settings, log: Log): Promise<ProgressStore> {
  if (settings.progressStore === 'memory') return new MemoryProgressStore();
  if (settings.progressStore === 'embedded') {
    try {
      return await EmbeddedProgressStore.open(path.resolve(settings.dataDir), log);
    } catch (error) {
      // The lab still works without it; rooms and progress then last until the server stops.
      log.error({ err: error, dataDir: settings.dataDir }, 'the embedded progress store did not start; keeping progress in memory only');
      return new MemoryProgressStore();
    }
  }
  const client = await new MongoClient(settings.progressStore, { serverSelectionTimeoutMS: 10_000, appName: 'rslab-server' }).connect();
  log.info({ store: 'mongodb' }, 'progress store: the MongoDB deployment in MONGODB_URI');
  return new MongoProgressStore(client, 'mongodb');
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/**
 * The default store: a `sim-mongod` the server starts with `--dbpath <dataDir>/progress-db`,
 * reached through the official driver. sim-mongod journals to its dbpath, so what it acknowledged
 * is there after a restart; writes ask for `j: true`, so that holds even if it is killed.
 */
export class EmbeddedProgressStore extends MongoProgressStore {
  private constructor(
    client: MongoClient,
    private readonly child: ChildProcess,
  ) {
    super(client, 'embedded');
  }

  static async open(dataDir: string, log: Log): Promise<EmbeddedProgressStore> {
    const dbpath = path.join(dataDir, 'progress-db');
    await fs.mkdir(dbpath, { recursive: true });
    const port = await freePort();
    const child = spawn(process.execPath, [simMongodPath, '--port', String(port), '--bind_ip', '127.0.0.1', '--dbpath', dbpath, '--quiet'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const ready = new Promise<void>((resolve, reject) => {
      let seen = '';
      const timer = setTimeout(() => reject(new EmbeddedStoreError(`sim-mongod did not start within ${startTimeoutMillis} ms: ${seen.slice(-500)}`)), startTimeoutMillis);
      const watch = (chunk: Buffer): void => {
        seen = (seen + chunk.toString('utf8')).slice(-4000);
        if (seen.includes('"Waiting for connections"')) {
          clearTimeout(timer);
          resolve();
        }
      };
      child.stdout?.on('data', watch);
      child.stderr?.on('data', watch);
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new EmbeddedStoreError(`sim-mongod exited with code ${code} before it was ready: ${seen.slice(-500)}`));
      });
    });
    try {
      await ready;
    } catch (error) {
      child.kill('SIGKILL');
      throw error;
    }
    // Keep reading its output so a full pipe never blocks it.
    child.stdout?.resume();
    child.stderr?.resume();
    const client = await new MongoClient(`mongodb://127.0.0.1:${port}/?directConnection=true`, {
      serverSelectionTimeoutMS: 10_000,
      appName: 'rslab-server',
      writeConcern: { w: 1, journal: true },
    }).connect();
    log.info({ store: 'embedded', dbpath, port, pid: child.pid }, 'progress store: embedded sim-mongod');
    return new EmbeddedProgressStore(client, child);
  }

  override async close(): Promise<void> {
    await super.close();
    const exited = new Promise<void>((resolve) => {
      if (this.child.exitCode !== null) resolve();
      else this.child.once('exit', () => resolve());
    });
    this.child.kill('SIGTERM');
    await exited;
  }
}
