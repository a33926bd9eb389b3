import { spawn, type ChildProcess } from 'node:child_process';
import { promises as fs } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { EJSON } from 'bson';
import { MongoClient } from 'mongodb';
import type { Settings } from '../settings';
import { MemoryProgressStore, MongoProgressStore, type ProgressRecord, type ProgressStore, type RoomRecord } from './store';

interface Log {
  info(object: object, message: string): void;
  error(object: object, message: string): void;
}

/** Our own error when the embedded store cannot start. */
export class EmbeddedStoreError extends Error {
  override readonly name = 'EmbeddedStoreError';
}

const simMongodPath = fileURLToPath(new URL('../../../../packages/sim/bin/sim-mongod', import.meta.url));
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
 * reached through the official driver. sim-mongod does not journal to its dbpath yet (its data
 * lives in memory), so until it does this store also writes everything to
 * `<dataDir>/progress-backup.json` after each change and loads it back into a fresh sim-mongod on
 * start. When sim-mongod journals, the backup file can go.
 */
export class EmbeddedProgressStore extends MongoProgressStore {
  private backupTimer: NodeJS.Timeout | null = null;
  private backupWriting: Promise<void> = Promise.resolve();

  private constructor(
    client: MongoClient,
    private readonly child: ChildProcess,
    private readonly backupPath: string,
    private readonly log: Log,
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
    const client = await new MongoClient(`mongodb://127.0.0.1:${port}/?directConnection=true`, { serverSelectionTimeoutMS: 10_000, appName: 'rslab-server' }).connect();
    const store = new EmbeddedProgressStore(client, child, path.join(dataDir, 'progress-backup.json'), log);
    const restored = await store.restoreBackup();
    log.info({ store: 'embedded', dbpath, port, pid: child.pid, restored }, 'progress store: embedded sim-mongod');
    return store;
  }

  private async restoreBackup(): Promise<number> {
    let text: string;
    try {
      text = await fs.readFile(this.backupPath, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0;
      throw error;
    }
    const backup = EJSON.parse(text, { relaxed: false }) as { rooms: RoomRecord[]; progress: ProgressRecord[] };
    for (const room of backup.rooms) await super.saveRoom(room);
    for (const progress of backup.progress) await super.saveProgress(progress);
    return backup.rooms.length + backup.progress.length;
  }

  private scheduleBackup(): void {
    if (this.backupTimer) return;
    this.backupTimer = setTimeout(() => {
      this.backupTimer = null;
      this.backupWriting = this.backupWriting.then(() => this.writeBackup()).catch((error: unknown) => this.log.error({ err: error }, 'progress backup failed'));
    }, 100);
  }

  private async writeBackup(): Promise<void> {
    const text = EJSON.stringify(await this.dump(), { relaxed: false });
    const temporary = `${this.backupPath}.tmp`;
    await fs.writeFile(temporary, text);
    await fs.rename(temporary, this.backupPath);
  }

  override async saveRoom(room: RoomRecord): Promise<void> {
    await super.saveRoom(room);
    this.scheduleBackup();
  }
  override async deleteRoom(code: string): Promise<void> {
    await super.deleteRoom(code);
    this.scheduleBackup();
  }
  override async saveProgress(progress: ProgressRecord): Promise<void> {
    await super.saveProgress(progress);
    this.scheduleBackup();
  }

  override async close(): Promise<void> {
    if (this.backupTimer) {
      clearTimeout(this.backupTimer);
      this.backupTimer = null;
      this.backupWriting = this.backupWriting.then(() => this.writeBackup());
    }
    await this.backupWriting;
    await super.close();
    const exited = new Promise<void>((resolve) => {
      if (this.child.exitCode !== null) resolve();
      else this.child.once('exit', () => resolve());
    });
    this.child.kill('SIGTERM');
    await exited;
  }
}
