import * as os from 'node:os';
import type { Clock } from '../clock/clock';
import type { Document } from 'bson';
import type { CommandHandler, CommandRequest, ConnectionInfo } from '../commands/handler';
import type { MongoLogger } from '../log/log';
import { LogIds } from '../log/ids';
import { processMachineFacts } from './machine';
import { logInfo } from '../log/log';
import { createMemberCrudCommands } from '../commands/crud';
import { Member } from '../member/member';
import type { PeerTransport } from '../member/transport';
import type { HostPort, Network } from '../net/network';
import { MIB_BYTES, type ReplParameters } from '../repl/coordinator';
import { replSetConfigCodec } from '../repl/config';
import { Random } from '../random/random';
import { Journal } from '../storage/journal';
import { NodeJournalFileSystem } from '../storage/journalFs';
import { WirePeerTransport } from '../wire/client';
import { WireConnectionStats } from '../wire/server';
import type { MongodOptions } from './args';
import { SIM_MONGOD_VERSION } from './version';

/**
 * What `sim-mongod` runs behind its listeners: the replica-set `Member` (src/member/) on the real
 * clock, with the storage module's `Storage` and CRUD commands, talking to its peers with
 * `WirePeerTransport` over the process's TcpNetwork. Data lives in memory and is journaled under
 * `--dbpath` (storage/journal.ts): a restarted process recovers its data and replication state
 * before it listens.
 */

export interface MemberContext {
  options: MongodOptions;
  clock: Clock;
  network: Network;
  log: MongoLogger;
  /** The name this member answers to (`me`, its entry in the replica-set config). */
  self: HostPort;
  /** For the `shutdown` command: stop serving and exit the process with `exitCode`. */
  requestShutdown(exitCode: number): void;
  /** The process cannot go on (the journal failed to write): log it and exit at once. */
  fatal(error: Error): void;
}

export interface MemberRuntime {
  readonly handler: CommandHandler;
  /** The counts the listeners keep for serverStatus().connections (pass to every serveWire). */
  readonly connectionStats: WireConnectionStats;
  /** Called once the listeners are up. */
  start(): Promise<void>;
  /** Called on SIGINT/SIGTERM/shutdown, before the listeners close: step down politely, then stop. */
  stop(): Promise<void>;
}

/** `--setParameter` names mongod uses → the member's parameter names. */
const SET_PARAMETERS: Readonly<Record<string, Exclude<keyof ReplParameters, 'injectedBugs'>>> = {
  replElectionTimeoutOffsetLimitFraction: 'electionTimeoutOffsetLimitFraction',
  periodicNoopIntervalSecs: 'periodicNoopIntervalSecs',
  priorityTakeoverFreshnessWindowSeconds: 'priorityTakeoverFreshnessWindowSeconds',
  maxSyncSourceLagSecs: 'maxSyncSourceLagSecs',
  changeSyncSourceThresholdMillis: 'changeSyncSourceThresholdMillis',
  maxNumSyncSourceChangesPerHour: 'maxNumSyncSourceChangesPerHour',
  numInitialSyncAttempts: 'numInitialSyncAttempts',
};

/** `--setParameter` names the member reads itself (not replication knobs). */
const MEMBER_SET_PARAMETERS: ReadonlySet<string> = new Set(['enableTestCommands', 'localLogicalSessionTimeoutMinutes']);

/** `localLogicalSessionTimeoutMinutes`, when given as a positive integer. */
export function sessionTimeoutMinutesFrom(setParameters: Readonly<Record<string, string>>): number | undefined {
  const text = setParameters.localLogicalSessionTimeoutMinutes;
  if (text === undefined) return undefined;
  const minutes = Number(text);
  if (!Number.isInteger(minutes) || minutes <= 0) throw new RangeError(`Bad value for parameter "localLogicalSessionTimeoutMinutes": ${text}`);
  return minutes;
}

/** mongod's `enableTestCommands`: "1" or "true" turns the test-only commands on. */
export function testCommandsEnabledFrom(setParameters: Readonly<Record<string, string>>): boolean {
  const text = setParameters.enableTestCommands;
  return text === '1' || text === 'true';
}

export function replParametersFrom(setParameters: Readonly<Record<string, string>>, log?: MongoLogger): Partial<ReplParameters> {
  const parameters: Partial<ReplParameters> = {};
  for (const [name, text] of Object.entries(setParameters)) {
    if (MEMBER_SET_PARAMETERS.has(name)) continue;
    const key = SET_PARAMETERS[name];
    const value = Number(text);
    if (key !== undefined && Number.isFinite(value)) {
      parameters[key] = value;
    } else if (log !== undefined) {
      logInfo(log, 'CONTROL', LogIds.setParameterIgnored, 'initandlisten', { name, value: text });
    }
  }
  return parameters;
}

/** `--oplogSize` (MB) and `--oplogMinRetentionHours` as the member's oplog cap (mongod's replSettings.setOplogSizeBytes). */
export function oplogParametersFrom(options: Pick<MongodOptions, 'oplogSizeMB' | 'oplogMinRetentionHours'>): Partial<ReplParameters> {
  return {
    ...(options.oplogSizeMB === undefined ? {} : { oplogBytesMax: options.oplogSizeMB * MIB_BYTES }),
    ...(options.oplogMinRetentionHours === undefined ? {} : { oplogMinRetentionHours: options.oplogMinRetentionHours }),
  };
}

/** Seconds a SIGINT/SIGTERM waits for a primary to hand off before stopping anyway. */
const SIGNAL_STEPDOWN_SECS = 5;

export function createMemberHandler(context: MemberContext): MemberRuntime {
  const { options, clock, network, log, self } = context;
  const transport = new WirePeerTransport({ network, clock });
  const peerTransport: PeerTransport = transport;
  let stopping = false;
  // Recovery happens here, before the listeners open (a JournalError stops the start).
  const journal = new Journal({
    fs: new NodeJournalFileSystem(),
    configCodec: replSetConfigCodec,
    dbpath: options.dbpath,
    clock,
    storageOptions: { now: () => clock.now() },
    log: (s, line, attr) => {
      log.log({ s, c: 'STORAGE', id: line.id, ctx: 'initandlisten', msg: line.msg, ...(attr === undefined ? {} : { attr }) });
    },
    onFatal: (error) => context.fatal(error),
  });
  const storage = journal.storage;
  const member = new Member({
    host: self.host,
    port: self.port,
    selfAliases: selfAliases(options.bindIp, self.port, os.hostname(), localAddresses()),
    ...(options.replSet === undefined ? {} : { replSetName: options.replSet, seeds: options.replSetSeeds.map((seed) => `${seed.host}:${seed.port}`) }),
    clock,
    random: new Random((clock.now() ^ (process.pid << 8)) >>> 0),
    transport: peerTransport,
    storage,
    persisted: journal.persisted,
    journal,
    crud: createMemberCrudCommands({ storage, now: () => clock.now() }),
    parameters: { ...replParametersFrom(options.setParameters, log), ...oplogParametersFrom(options) },
    testCommandsEnabled: testCommandsEnabledFrom(options.setParameters),
    logicalSessionTimeoutMinutes: sessionTimeoutMinutesFrom(options.setParameters),
    version: SIM_MONGOD_VERSION,
    machine: processMachineFacts(),
    logVerbosity: options.verbosity,
    log: (entry) => {
      // The process says "Now exiting" once, last (cli/main.ts), not when the member stops.
      if (entry.id === LogIds.nowExiting.id) return;
      log.log({ s: entry.s, c: entry.c, id: entry.id, ctx: entry.ctx, msg: entry.msg, ...(entry.attr === undefined ? {} : { attr: entry.attr }) });
    },
    onShutdown: () => {
      if (!stopping) context.requestShutdown(0);
    },
    // mongod aborts after a failed invariant; the invariant lines are logged already.
    onAbort: (reason) => context.fatal(new Error(reason)),
  });
  journal.attach({ commitPoint: () => member.repl.commitPoint, flushed: () => member.repl.journalFlushed() });
  const connectionStats = options.maxConns === undefined ? new WireConnectionStats() : new WireConnectionStats(options.maxConns);
  member.attachConnectionCounts(connectionStats);
  return {
    handler: withProcessCommands(member, context),
    connectionStats,
    async start() {},
    async stop() {
      stopping = true;
      try {
        if (member.alive) await member.shutdown({ force: true, timeoutSecs: SIGNAL_STEPDOWN_SECS });
      } finally {
        transport.close();
        // A checkpoint, so the next start does not replay the journal.
        await journal.close();
      }
    },
  };
}

/**
 * Commands whose answers belong to the process rather than the member: `getCmdLineOpts` (the real
 * argv) and `getLog` (every line this process logged, startup and network included).
 */
function withProcessCommands(member: Member, context: MemberContext): CommandHandler {
  return {
    run(request: CommandRequest): Promise<Document> {
      const name = (Object.keys(request.body)[0] ?? '').toLowerCase();
      if (request.db === 'admin' && name === 'getcmdlineopts') {
        return Promise.resolve({ argv: ['mongod', ...context.options.argv], parsed: context.options.parsed, ok: 1 });
      }
      const which: unknown = request.body.getLog;
      if (request.db === 'admin' && name === 'getlog' && (which === 'global' || which === 'startupWarnings')) {
        const lines = which === 'global' ? context.log.recentLines() : context.log.startupWarningLines();
        return Promise.resolve({ totalLinesWritten: lines.length, log: [...lines], ok: 1 });
      }
      return member.run(request);
    },
    connectionClosed(connection: ConnectionInfo): void {
      member.connectionClosed(connection);
    },
  };
}

/**
 * The other names a member recognises itself by in a config, as mongod's isSelf does: localhost,
 * 127.0.0.1, the machine's host name, its bound addresses and its interfaces' IPv4 addresses,
 * each with the member's port.
 */
export function selfAliases(bindIp: readonly string[], port: number, hostname: string, addresses: readonly string[]): string[] {
  const names = new Set(['localhost', '127.0.0.1', hostname.toLowerCase(), ...addresses]);
  for (const ip of bindIp) if (ip !== '0.0.0.0' && ip !== '::' && !ip.includes(':')) names.add(ip.toLowerCase());
  return [...names].filter((n) => n !== '').map((n) => `${n}:${port}`);
}

function localAddresses(): string[] {
  return Object.values(os.networkInterfaces())
    .flatMap((list) => list ?? [])
    .filter((a) => a.family === 'IPv4')
    .map((a) => a.address);
}

/** The name a member answers to when none is implied by `--bind_ip`: the machine's host name. */
export function defaultSelfHost(): string {
  return os.hostname();
}
