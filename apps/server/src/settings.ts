import { availableParallelism, hostname } from 'node:os';

/** Server settings, read once from the environment. Every limit carries its unit in its name. */
export interface Settings {
  host: string;
  port: number;
  /** Directory of the built web app (apps/web/dist). */
  webRoot: string;
  /** How sandboxes run their members: `sim` (in-process, the default) or `mongod` (real processes). */
  engine: 'sim' | 'mongod';
  /**
   * Worker threads the sim engine's sandboxes are spread over, each with its own heap (a full
   * garbage collection then pauses only that worker's learners); 0 runs every sandbox on the main
   * thread. RSLAB_SANDBOX_WORKERS; `cores` (the default) means one per core. Ignored by the mongod engine.
   */
  sandboxWorkers: number;
  /** Host name the learner's sandbox answers to (`hostname`). */
  sandboxHostname: string;
  sandboxesMax: number;
  /** mongod processes one sandbox may run at once. */
  sandboxMembersMax: number;
  /** Documents and bytes one member of a sandbox may hold. */
  sandboxDocumentsMax: number;
  sandboxBytesMax: number;
  sandboxIdleMillis: number;
  tabsPerSandboxMax: number;
  scrollbackBytesMax: number;
  historyLinesMax: number;
  /** Largest WebSocket frame accepted; bigger ones close the socket with 1009. */
  wsMessageBytesMax: number;
  /** Input messages per second per connection before the server refuses them. */
  inputMessagesPerSecondMax: number;
  /** Rooms open at once on this server, and attendees in one room. */
  roomsMax: number;
  attendeesPerRoomMax: number;
  /** Failed attempts per minute from one IP address to find or enter a room (guessing codes is hopeless). */
  roomJoinAttemptsPerMinuteMax: number;
  /** An attendee on one step for longer than this is marked stuck on the dashboard. */
  attendeeStuckAfterMillis: number;
  /** Rooms nobody has used for this long are closed. */
  roomIdleMillis: number;
  /** Where the server keeps its data (the embedded progress store's dbpath is under it). */
  dataDir: string;
  /** Where progress is stored: a MongoDB URI, `embedded` (a sim-mongod started under dataDir) or `memory` (lost on restart). */
  progressStore: string;
  /** How long one store operation may take, retries through an election included, before the request answers 503. */
  storeDeadlineMillis: number;
  /** A room's attendees are read again from the store when the copy in memory is older than this. */
  roomSyncMillis: number;
  /** How often a connected attendee's `lastSeenAt` is written; they count as online for three times this. */
  presenceMillis: number;
  /** After SIGTERM: how long the instance says "draining" (so the balancer stops sending) before it tells its pages to reconnect elsewhere. */
  drainMillis: number;
  /** This instance's name, in `/api/health` and the `x-rslab-instance` header of every answer. */
  instanceName: string;
  /**
   * Run learners' Python in this server process when no page can (tests and development only:
   * normally it runs in the learner's browser tab). RSLAB_SERVER_RUNTIMES=1.
   */
  serverRuntimes: boolean;
  /** Bytes a saved replay may hold (its cluster frames and timeline, as JSON); a bigger recording is refused. */
  replayBytesMax: number;
  /** How long the progress store keeps a saved replay, from when it was saved. */
  replayTtlMillis: number;
  /** Saved replays whose members' copies this server keeps in memory for "Branch from here" (the oldest go first). */
  replayBranchPointsMax: number;
}

function intFromEnv(env: NodeJS.ProcessEnv, name: string, fallback: number, min = 0): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) {
    throw new SettingsError(`${name} must be an integer >= ${min}, got '${raw}'`);
  }
  return value;
}

export class SettingsError extends Error {
  override readonly name = 'SettingsError';
}

export function settingsFromEnv(env: NodeJS.ProcessEnv, defaults: { webRoot: string }): Settings {
  return {
    host: env.HOST ?? '0.0.0.0',
    port: intFromEnv(env, 'PORT', 8080),
    webRoot: env.RSLAB_WEB_ROOT ?? defaults.webRoot,
    engine: engineFromEnv(env),
    sandboxWorkers: sandboxWorkersFromEnv(env),
    sandboxHostname: env.RSLAB_HOSTNAME ?? 'morton.local',
    sandboxesMax: intFromEnv(env, 'RSLAB_SANDBOXES_MAX', 500, 1),
    sandboxMembersMax: intFromEnv(env, 'RSLAB_SANDBOX_MEMBERS_MAX', 12, 1),
    sandboxDocumentsMax: intFromEnv(env, 'RSLAB_SANDBOX_DOCUMENTS_MAX', 20_000, 1),
    sandboxBytesMax: intFromEnv(env, 'RSLAB_SANDBOX_BYTES_MAX', 32 * 1024 * 1024, 1024),
    sandboxIdleMillis: intFromEnv(env, 'RSLAB_SANDBOX_IDLE_MILLIS', 30 * 60_000, 1000),
    tabsPerSandboxMax: intFromEnv(env, 'RSLAB_TABS_PER_SANDBOX_MAX', 6, 1),
    scrollbackBytesMax: intFromEnv(env, 'RSLAB_SCROLLBACK_BYTES_MAX', 256 * 1024, 1024),
    historyLinesMax: intFromEnv(env, 'RSLAB_HISTORY_LINES_MAX', 500, 1),
    wsMessageBytesMax: intFromEnv(env, 'RSLAB_WS_MESSAGE_BYTES_MAX', 1024 * 1024, 1024),
    inputMessagesPerSecondMax: intFromEnv(env, 'RSLAB_INPUT_MESSAGES_PER_SECOND_MAX', 200, 1),
    roomsMax: intFromEnv(env, 'RSLAB_ROOMS_MAX', 50, 1),
    attendeesPerRoomMax: intFromEnv(env, 'RSLAB_ATTENDEES_PER_ROOM_MAX', 250, 1),
    roomJoinAttemptsPerMinuteMax: intFromEnv(env, 'RSLAB_ROOM_JOIN_ATTEMPTS_PER_MINUTE_MAX', 30, 1),
    attendeeStuckAfterMillis: intFromEnv(env, 'RSLAB_ATTENDEE_STUCK_AFTER_MILLIS', 5 * 60_000, 1000),
    roomIdleMillis: intFromEnv(env, 'RSLAB_ROOM_IDLE_MILLIS', 12 * 3600_000, 60_000),
    dataDir: env.RSLAB_DATA_DIR ?? '.rslab-data',
    progressStore: progressStoreFromEnv(env),
    storeDeadlineMillis: intFromEnv(env, 'RSLAB_STORE_DEADLINE_MILLIS', 20_000, 100),
    roomSyncMillis: intFromEnv(env, 'RSLAB_ROOM_SYNC_MILLIS', 1000, 50),
    presenceMillis: intFromEnv(env, 'RSLAB_PRESENCE_MILLIS', 5000, 100),
    drainMillis: intFromEnv(env, 'RSLAB_DRAIN_MILLIS', 3000, 0),
    instanceName: env.RSLAB_INSTANCE || `${hostname()}:${env.PORT ?? '8080'}`,
    serverRuntimes: env.RSLAB_SERVER_RUNTIMES === '1',
    // Under MongoDB's 16 MiB document limit, with room for the record's other fields.
    replayBytesMax: intFromEnv(env, 'RSLAB_REPLAY_BYTES_MAX', 8 * 1024 * 1024, 1024),
    replayTtlMillis: intFromEnv(env, 'RSLAB_REPLAY_TTL_MILLIS', 7 * 24 * 3600_000, 1000),
    replayBranchPointsMax: intFromEnv(env, 'RSLAB_REPLAY_BRANCH_POINTS_MAX', 20, 0),
  };
}

function engineFromEnv(env: NodeJS.ProcessEnv): Settings['engine'] {
  const engine = env.RSLAB_ENGINE ?? 'sim';
  if (engine === '') return 'sim';
  if (engine !== 'sim' && engine !== 'mongod') throw new SettingsError(`RSLAB_ENGINE must be sim or mongod, got '${engine.slice(0, 40)}'`);
  return engine;
}

/**
 * Worker threads for sandboxes: `cores` (the default: one per core, as DESIGN.md has it), a count,
 * or 0 (every sandbox on the main thread).
 */
export const sandboxWorkersDefault = 'cores';
const sandboxWorkersMax = 64;

function sandboxWorkersFromEnv(env: NodeJS.ProcessEnv): number {
  const raw = env.RSLAB_SANDBOX_WORKERS === undefined || env.RSLAB_SANDBOX_WORKERS === '' ? sandboxWorkersDefault : env.RSLAB_SANDBOX_WORKERS;
  if (raw === 'cores') return Math.min(sandboxWorkersMax, Math.max(1, availableParallelism()));
  const workers = intFromEnv({ RSLAB_SANDBOX_WORKERS: raw }, 'RSLAB_SANDBOX_WORKERS', 0, 0);
  if (workers > sandboxWorkersMax) throw new SettingsError(`RSLAB_SANDBOX_WORKERS must be at most ${sandboxWorkersMax}, got ${workers}`);
  return workers;
}

function progressStoreFromEnv(env: NodeJS.ProcessEnv): string {
  const uri = env.MONGODB_URI;
  if (uri !== undefined && uri !== '') {
    if (!/^mongodb(\+srv)?:\/\//.test(uri)) throw new SettingsError(`MONGODB_URI must start with mongodb:// or mongodb+srv://, got '${uri.slice(0, 40)}'`);
    return uri;
  }
  const store = env.RSLAB_PROGRESS_STORE ?? 'embedded';
  if (store !== 'embedded' && store !== 'memory') throw new SettingsError(`RSLAB_PROGRESS_STORE must be embedded or memory, got '${store}'`);
  return store;
}

export function testSettings(overrides: Partial<Settings> = {}): Settings {
  return { ...settingsFromEnv({}, { webRoot: '' }), host: '127.0.0.1', port: 0, progressStore: 'memory', serverRuntimes: true, ...overrides };
}
