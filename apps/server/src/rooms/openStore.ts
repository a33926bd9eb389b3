import { spawn, type ChildProcess } from 'node:child_process';
import { promises as fs } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import path from 'node:path';
import { MongoClient, type MongoClientOptions } from 'mongodb';
import type { Settings } from '../settings';
import {
  MemoryProgressStore,
  MongoProgressStore,
  StoreUnavailableError,
  type ProgressFields,
  type ProgressRecord,
  type ProgressStore,
  type ReplayListing,
  type ReplayRecord,
  type RoomRecord,
  type SavedPosition,
  type StoreStatus,
} from './store';

export interface StoreLog {
  info(object: object, message: string): void;
  warn(object: object, message: string): void;
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
/** A sim-mongod of an instance that just died may hold the dbpath lock a moment longer (it is shutting down). */
const lockWaitMillisMax = 15_000;
/** While the store is not ready, say so in the log this often. */
const waitingLogEveryMillis = 10_000;
const retryAfterSeconds = 5;

/**
 * Loaded into the embedded sim-mongod before it starts: when the server that started it dies
 * (even by `kill -9`) the pipe on its stdin closes, and it shuts down cleanly, so that the next
 * start finds the dbpath free instead of an orphan holding its lock.
 */
const exitWithParent = `data:text/javascript,${encodeURIComponent(
  "process.stdin.on('end',()=>process.kill(process.pid,'SIGTERM'));process.stdin.on('error',()=>process.kill(process.pid,'SIGTERM'));process.stdin.resume();",
)}`;

/** The driver's options for the shared store: nothing counts as saved until a majority has it. */
export function sharedStoreClientOptions(deadlineMillis: number): MongoClientOptions {
  return {
    appName: 'rslab-server',
    // Acknowledged = on a majority of the set, journaled: an election cannot roll it back.
    writeConcern: { w: 'majority', journal: true },
    readConcern: { level: 'majority' },
    readPreference: 'primary',
    retryWrites: true,
    retryReads: true,
    // One deadline per operation, retries included (client-side operation timeout): long enough
    // to ride out an election (10 s electionTimeoutMillis and a heartbeat), short of a page's patience.
    timeoutMS: deadlineMillis,
  };
}

/**
 * The store the settings name: `memory`, `embedded` (a sim-mongod started under the data folder)
 * or a MongoDB URI. Returns at once: the store opens in the background, and until it can write,
 * `status()` says why and each operation waits for it (up to the deadline).
 */
export function openProgressStore(settings: Settings, log: StoreLog): ProgressStore {
  if (settings.progressStore === 'memory') return new MemoryProgressStore();
  const deadlineMillis = settings.storeDeadlineMillis;
  if (settings.progressStore === 'embedded') {
    const opening = EmbeddedProgressStore.open(path.resolve(settings.dataDir), log, deadlineMillis).then(
      (store): ProgressStore => {
        watchStatus(store, log);
        return store;
      },
      (error: unknown): ProgressStore => {
        // The lab still works without it; rooms and progress then last until the server stops.
        log.error({ err: error, dataDir: settings.dataDir }, 'the embedded progress store did not start; keeping progress in memory only');
        return new MemoryProgressStore();
      },
    );
    return new OpeningStore('embedded', opening, deadlineMillis);
  }
  const client = new MongoClient(settings.progressStore, sharedStoreClientOptions(deadlineMillis));
  const store = new MongoProgressStore(client, { kind: 'mongodb', deadlineMillis, retryAfterSeconds });
  watchStatus(store, log);
  log.info({ store: 'mongodb' }, 'progress store: the MongoDB deployment in MONGODB_URI; connecting');
  connectInBackground(client, log);
  return store;
}

/** Log each change of the store's status, and while it cannot write, say so now and then. */
function watchStatus(store: MongoProgressStore, log: StoreLog): void {
  let waitingSince: number | null = null;
  let timer: NodeJS.Timeout | null = null;
  store.onStatus((status) => {
    if (status.state === 'ready') {
      if (timer) clearInterval(timer);
      timer = null;
      log.info({ store: status.kind, waitedMillis: waitingSince === null ? 0 : Date.now() - waitingSince }, 'progress store ready: writes are acknowledged again');
      waitingSince = null;
      return;
    }
    log.warn({ store: status.kind, state: status.state }, `waiting for the progress store: ${status.message}`);
    if (waitingSince === null) {
      waitingSince = Date.now();
      timer = setInterval(() => log.warn({ store: status.kind, waitedMillis: Date.now() - (waitingSince ?? Date.now()) }, `still waiting for the progress store: ${store.status().message}`), waitingLogEveryMillis);
      timer.unref();
    }
  });
}

/** `connect()` until it works: an instance may start before its store (or during its election). */
function connectInBackground(client: MongoClient, log: StoreLog): void {
  const attempt = (n: number): void => {
    client.connect().then(
      () => undefined,
      (error: unknown) => {
        log.warn({ err: error, attempt: n }, 'waiting for the progress store: it did not answer yet; trying again');
        setTimeout(() => attempt(n + 1), 1000).unref();
      },
    );
  };
  attempt(1);
}

/**
 * A store that is still opening (the embedded sim-mongod starting): operations wait for it, up to
 * the deadline, then fail as the store being unavailable.
 */
class OpeningStore implements ProgressStore {
  private store: ProgressStore | null = null;

  constructor(
    readonly kind: string,
    private readonly opening: Promise<ProgressStore>,
    private readonly deadlineMillis: number,
  ) {
    opening.then(
      (store) => {
        this.store = store;
      },
      // openProgressStore's handler turns every failure into the memory store; this cannot run.
      (error: unknown) => {
        throw error;
      },
    );
  }

  status(): StoreStatus {
    return this.store?.status() ?? { kind: this.kind, state: 'starting', message: `starting the ${this.kind} progress store` };
  }

  private async ready(): Promise<ProgressStore> {
    if (this.store) return this.store;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new StoreUnavailableError(`the ${this.kind} progress store did not start within ${this.deadlineMillis} ms; try again`, retryAfterSeconds)), this.deadlineMillis);
    });
    try {
      return await Promise.race([this.opening, late]);
    } finally {
      clearTimeout(timer);
    }
  }

  async insertRoom(room: RoomRecord): Promise<boolean> {
    return (await this.ready()).insertRoom(room);
  }
  async findRoom(code: string): Promise<RoomRecord | null> {
    return (await this.ready()).findRoom(code);
  }
  async saveInstructor(code: string, position: SavedPosition | null, at: Date): Promise<void> {
    return (await this.ready()).saveInstructor(code, position, at);
  }
  async closeRoom(code: string, at: Date): Promise<void> {
    return (await this.ready()).closeRoom(code, at);
  }
  async insertProgress(progress: ProgressRecord): Promise<void> {
    return (await this.ready()).insertProgress(progress);
  }
  async saveProgress(progress: ProgressFields): Promise<void> {
    return (await this.ready()).saveProgress(progress);
  }
  async findProgress(tokenHash: string): Promise<ProgressRecord | null> {
    return (await this.ready()).findProgress(tokenHash);
  }
  async roomProgress(code: string): Promise<ProgressRecord[]> {
    return (await this.ready()).roomProgress(code);
  }
  async touchPresence(tokenHashes: string[], seenAt: Date, onlineUntil: Date): Promise<void> {
    return (await this.ready()).touchPresence(tokenHashes, seenAt, onlineUntil);
  }
  async insertReplay(replay: ReplayRecord): Promise<void> {
    return (await this.ready()).insertReplay(replay);
  }
  async findReplay(id: string, now: Date): Promise<ReplayRecord | null> {
    return (await this.ready()).findReplay(id, now);
  }
  async listReplays(ownerKey: string, now: Date, limit: number): Promise<ReplayListing[]> {
    return (await this.ready()).listReplays(ownerKey, now, limit);
  }
  async deleteReplay(id: string): Promise<boolean> {
    return (await this.ready()).deleteReplay(id);
  }
  async close(): Promise<void> {
    await (await this.opening).close();
  }
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

/** Start sim-mongod on `dbpath`; resolves when it waits for connections. */
async function startSimMongod(dbpath: string, port: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', exitWithParent, simMongodPath, '--port', String(port), '--bind_ip', '127.0.0.1', '--dbpath', dbpath, '--quiet'], {
    stdio: ['pipe', 'pipe', 'pipe'],
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
      const error = new EmbeddedStoreError(`sim-mongod exited with code ${code} before it was ready: ${seen.slice(-500)}`);
      if (seen.includes('DBPathInUse')) error.cause = 'DBPathInUse';
      reject(error);
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
  return child;
}

/**
 * The default store: a `sim-mongod` the server starts with `--dbpath <dataDir>/progress-db`,
 * reached through the official driver. sim-mongod journals to its dbpath, so what it acknowledged
 * is there after a restart; writes ask for `j: true`, so that holds even if it is killed.
 */
export class EmbeddedProgressStore extends MongoProgressStore {
  private closing = false;
  private restarts = 0;

  private constructor(
    client: MongoClient,
    private child: ChildProcess,
    private readonly dbpath: string,
    private readonly port: number,
    private readonly log: StoreLog,
    deadlineMillis: number,
  ) {
    super(client, { kind: 'embedded', deadlineMillis, retryAfterSeconds });
    this.watch(child);
  }

  /** The pid of the sim-mongod now running (tests kill it). */
  get pid(): number | undefined {
    return this.child.pid;
  }

  static async open(dataDir: string, log: StoreLog, deadlineMillis: number): Promise<EmbeddedProgressStore> {
    const dbpath = path.join(dataDir, 'progress-db');
    await fs.mkdir(dbpath, { recursive: true });
    const port = await freePort();
    const giveUpAt = Date.now() + lockWaitMillisMax;
    let child: ChildProcess;
    for (;;) {
      try {
        child = await startSimMongod(dbpath, port);
        break;
      } catch (error) {
        // The sim-mongod of a server that was just killed is still shutting down: wait for its lock.
        if (!(error instanceof EmbeddedStoreError) || error.cause !== 'DBPathInUse' || Date.now() > giveUpAt) throw error;
        log.warn({ dbpath }, 'the embedded progress store is still locked by the one before (shutting down); waiting');
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    }
    const client = new MongoClient(`mongodb://127.0.0.1:${port}/?directConnection=true`, {
      appName: 'rslab-server',
      writeConcern: { w: 1, journal: true },
      timeoutMS: deadlineMillis,
    });
    const store = new EmbeddedProgressStore(client, child, dbpath, port, log, deadlineMillis);
    await client.connect();
    log.info({ store: 'embedded', dbpath, port, pid: child.pid }, 'progress store: embedded sim-mongod');
    return store;
  }

  /**
   * When the embedded sim-mongod dies under the server (killed, crashed), start it again on the
   * same port and dbpath: it replays its journal, and the driver, which kept retrying within each
   * operation's deadline, reconnects to it.
   */
  private watch(child: ChildProcess): void {
    child.once('exit', (code, signal) => {
      if (this.closing) return;
      this.log.error({ code, signal, pid: child.pid }, 'the embedded progress store exited; starting it again');
      const again = (): void => {
        if (this.closing) return;
        this.restarts += 1;
        startSimMongod(this.dbpath, this.port).then(
          (next) => {
            if (this.closing) {
              next.kill('SIGTERM');
              return;
            }
            this.child = next;
            this.watch(next);
            this.log.info({ pid: next.pid, restarts: this.restarts }, 'the embedded progress store is back');
          },
          (error: unknown) => {
            this.log.error({ err: error }, 'the embedded progress store did not start again; retrying in 1 s');
            setTimeout(again, 1000).unref();
          },
        );
      };
      again();
    });
  }

  override async close(): Promise<void> {
    this.closing = true;
    await super.close();
    const child = this.child;
    const exited = new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) resolve();
      else child.once('exit', () => resolve());
    });
    child.kill('SIGTERM');
    await exited;
  }
}
