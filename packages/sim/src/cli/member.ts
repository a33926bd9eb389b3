import * as os from 'node:os';
import { ObjectId } from 'bson';
import type { Document } from 'bson';
import type { Clock } from '../clock/clock';
import { commandNotFound, serverError } from '../commands/errors';
import type { CommandHandler, CommandRequest } from '../commands/handler';
import type { MongoLogger } from '../log/log';
import type { HostPort, Network } from '../net/network';
import type { MongodOptions } from './args';
import { SIM_MONGOD_VERSION, SIM_MONGOD_VERSION_ARRAY, buildInfoSummary } from './version';

/**
 * What `sim-mongod` runs behind its listeners. `createMemberHandler` is the one place the CLI
 * builds it; until the replica-set `Member` (src/member/) is ready this is a PLACEHOLDER that
 * answers the handshake as an uninitiated `--replSet` member (or a standalone), `ping`,
 * `buildInfo`, `getCmdLineOpts`, `getLog`, `shutdown`, and CommandNotFound for everything else.
 */

export interface MemberContext {
  options: MongodOptions;
  clock: Clock;
  network: Network;
  log: MongoLogger;
  /** The address members and clients use for this process (`me`). */
  self: HostPort;
  /** For the `shutdown` command: stop serving and exit the process with `exitCode`. */
  requestShutdown(exitCode: number): void;
}

export interface MemberRuntime {
  readonly handler: CommandHandler;
  /** Called once the listeners are up. */
  start(): Promise<void>;
  /** Called on SIGINT/SIGTERM/shutdown, after the listeners closed. */
  stop(): Promise<void>;
}

export function createMemberHandler(context: MemberContext): MemberRuntime {
  return new PlaceholderMember(context);
}

const MAX_WIRE_VERSION = 21;

class PlaceholderMember implements MemberRuntime, CommandHandler {
  readonly handler: CommandHandler = this;
  private readonly processId = new ObjectId();

  constructor(private readonly context: MemberContext) {}

  async start(): Promise<void> {}

  async stop(): Promise<void> {}

  async run(request: CommandRequest): Promise<Document> {
    const name = Object.keys(request.body)[0] ?? '';
    switch (name) {
      case 'hello':
      case 'isMaster':
      case 'ismaster':
        return this.hello(name, request);
      case 'ping':
        return { ok: 1 };
      case 'buildInfo':
      case 'buildinfo':
        return { ...buildInfoSummary(), versionArray: [...SIM_MONGOD_VERSION_ARRAY], bits: 64, debug: false, maxBsonObjectSize: 16 * 1024 * 1024, storageEngines: ['wiredTiger'], ok: 1 };
      case 'getCmdLineOpts':
        return { argv: ['mongod', ...this.context.options.argv], parsed: this.context.options.parsed, ok: 1 };
      case 'getLog':
        return this.getLog(request.body.getLog);
      case 'endSessions':
        return { ok: 1 };
      case 'shutdown':
        if (request.db !== 'admin') return serverError('Unauthorized', 'shutdown may only be run against the admin database.').toReply();
        this.context.requestShutdown(0);
        // mongod never answers: the process exits and the connection closes.
        return new Promise<Document>((resolve) => request.signal.addEventListener('abort', () => resolve({ ok: 1 })));
      default:
        return commandNotFound(name).toReply();
    }
  }

  private getLog(which: unknown): Document {
    if (which === '*') return { names: ['global', 'startupWarnings'], ok: 1 };
    if (which === 'global') {
      const log = this.context.log.recentLines();
      return { totalLinesWritten: log.length, log, ok: 1 };
    }
    if (which === 'startupWarnings') {
      const log = this.context.log.startupWarningLines();
      return { totalLinesWritten: log.length, log, ok: 1 };
    }
    return serverError('InvalidOptions', 'No log named ' + String(which)).toReply();
  }

  private hello(name: string, request: CommandRequest): Document {
    const { options, self, clock } = this.context;
    const primaryField = name === 'hello' ? 'isWritablePrimary' : 'ismaster';
    const common: Document = {
      maxBsonObjectSize: 16 * 1024 * 1024,
      maxMessageSizeBytes: 48_000_000,
      maxWriteBatchSize: 100_000,
      localTime: new Date(clock.now()),
      logicalSessionTimeoutMinutes: 30,
      connectionId: request.connection.id,
      minWireVersion: 0,
      maxWireVersion: MAX_WIRE_VERSION,
      readOnly: false,
      ok: 1,
    };
    if (options.replSet !== undefined) {
      return {
        [primaryField]: false,
        secondary: false,
        info: 'Does not have a valid replica set config',
        isreplicaset: true,
        ...(request.body.helloOk === true ? { helloOk: true } : {}),
        me: `${self.host}:${self.port}`,
        ...common,
      };
    }
    return { [primaryField]: true, ...(request.body.helloOk === true ? { helloOk: true } : {}), ...common };
  }
}

export function defaultSelfHost(): string {
  return os.hostname();
}

export { SIM_MONGOD_VERSION };
