import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { serverError } from '../base/errors';
import { RealClock } from '../clock/realClock';
import { LogIds } from '../log/ids';
import { MongoLogger, logError, logFatal, logInfo, logWarning } from '../log/log';
import type { HostPort } from '../net/network';
import { NetworkError } from '../net/network';
import { TcpNetwork } from '../net/tcp';
import { serveWire } from '../wire/server';
import type { WireListener } from '../wire/server';
import { CliUsageError, helpText, parseArgs } from './args';
import type { MongodOptions } from './args';
import { JournalError } from '../storage/journal';
import { DbPathError, checkDbPath, lockDbPath } from './lock';
import type { DbPathLock } from './lock';
import { createMemberHandler, defaultSelfHost } from './runtime';
import type { MemberRuntime } from './runtime';
import { buildInfoSummary, versionText } from './version';

/** mongod's exit codes (src/mongo/util/exit_code.h). */
export const ExitCode = {
  clean: 0,
  badOptions: 2,
  uncaught: 14,
  netError: 48,
  dbPathInUse: 100,
} as const;

const SIGNAL_NUMBERS: Readonly<Record<string, number>> = { SIGINT: 2, SIGTERM: 15 };
const SIGNAL_TEXT: Readonly<Record<string, string>> = { SIGINT: 'Interrupt', SIGTERM: 'Terminated' };

export interface MainIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

const processIo: MainIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
};

/** Run sim-mongod with `argv` (without node and the script). Resolves with the exit code. */
export async function main(argv: readonly string[], io: MainIo = processIo): Promise<number> {
  let action;
  try {
    action = parseArgs(argv);
  } catch (error) {
    if (error instanceof CliUsageError) {
      io.stderr(`${error.message}\n`);
      return error.exitCode;
    }
    throw error;
  }
  if (action.action === 'help') {
    io.stdout(helpText());
    return ExitCode.clean;
  }
  if (action.action === 'version') {
    io.stdout(versionText());
    return ExitCode.clean;
  }
  const options = action.options;
  if (options.fork) return forkParent(argv, options, io);
  return runServer(options, io);
}

/**
 * The name this member answers to (`me`, its entry in the config). A real mongod recognises itself
 * under any of its names; the simulated member matches one, so pick the one its peers will dial:
 * the host of the `--replSet name/host:port,...` seeds when they share one (the walkthrough's
 * morton.local), else a single specific `--bind_ip` (mongodb-memory-server's 127.0.0.1), else the
 * machine's host name.
 */
export function selfHostName(options: Pick<MongodOptions, 'replSetSeeds' | 'bindIp'>, hostname: string): string {
  const seedHosts = new Set(options.replSetSeeds.map((s) => s.host.toLowerCase()));
  if (seedHosts.size === 1) return [...seedHosts][0] as string;
  const [only, ...rest] = options.bindIp;
  if (only !== undefined && rest.length === 0 && !['0.0.0.0', '::', 'localhost'].includes(only)) return only;
  return hostname;
}

/** `localhost` is bound as 127.0.0.1 (node would pick one of 127.0.0.1 and ::1). */
function listenHost(bindIp: string): string {
  return bindIp === 'localhost' ? '127.0.0.1' : bindIp;
}

async function runServer(options: MongodOptions, io: MainIo): Promise<number> {
  const clock = new RealClock();
  let logFd: number | undefined;
  if (options.logpath !== undefined) {
    try {
      logFd = fs.openSync(options.logpath, 'a');
    } catch (error) {
      io.stderr(`Failed to open logpath ${options.logpath}: ${(error as Error).message}\n`);
      return ExitCode.badOptions;
    }
  }
  const log = new MongoLogger({
    clock,
    quiet: options.quiet,
    sink: (line) => {
      if (logFd !== undefined) fs.writeSync(logFd, `${line}\n`);
      else io.stdout(`${line}\n`);
    },
  });

  const ctx = 'initandlisten';
  logInfo(log, 'CONTROL', LogIds.mongodStarting, ctx, {
    pid: process.pid,
    port: options.port,
    dbPath: options.dbpath,
    architecture: '64-bit',
    host: os.hostname(),
  });
  logInfo(log, 'CONTROL', LogIds.buildInfo, ctx, { buildInfo: buildInfoSummary() });
  logInfo(log, 'CONTROL', LogIds.operatingSystem, ctx, { os: { name: os.type(), version: os.release() } });
  logInfo(log, 'CONTROL', LogIds.optionsSet, ctx, { options: options.parsed });
  if (options.rest) {
    logWarning(log, 'CONTROL', LogIds.restRemoved, ctx);
  }
  for (const name of options.ignored) {
    logInfo(log, 'CONTROL', LogIds.removedOption, ctx, { option: `--${name}` });
  }
  if (options.keyFile !== undefined) {
    logWarning(log, 'CONTROL', LogIds.keyFileIgnored, ctx, { keyFile: options.keyFile });
  }

  const shutdownLines = (exitCode: number): void => {
    logInfo(log, 'CONTROL', LogIds.nowExiting, ctx);
    logInfo(log, 'CONTROL', LogIds.shuttingDown, ctx, { exitCode });
  };

  let lock: DbPathLock;
  try {
    checkDbPath(options.dbpath);
    lock = lockDbPath(options.dbpath);
  } catch (error) {
    if (!(error instanceof DbPathError)) throw error;
    logError(log, 'CONTROL', LogIds.dbExceptionInInitAndListen, ctx, { error: error.mongodText });
    shutdownLines(ExitCode.dbPathInUse);
    return ExitCode.dbPathInUse;
  }

  log.log({ s: 'W', c: 'CONTROL', id: LogIds.accessControlNotEnabled.id, ctx, msg: LogIds.accessControlNotEnabled.msg, tags: ['startupWarnings'] });
  if (options.pidfilepath !== undefined) fs.writeFileSync(options.pidfilepath, `${process.pid}\n`);

  const network = new TcpNetwork();
  const self: HostPort = { host: selfHostName(options, defaultSelfHost()), port: options.port };

  let resolveExit: (code: number) => void = () => undefined;
  const exited = new Promise<number>((resolve) => {
    resolveExit = resolve;
  });
  const listeners: WireListener[] = [];
  let shuttingDown = false;

  const shutdown = async (exitCode: number, reason: string): Promise<void> => {
    if (shuttingDown) return;
    shuttingDown = true;
    logInfo(log, 'CONTROL', LogIds.terminateAfterCurrentCmd, 'SignalHandler', { reason });
    try {
      // mongod steps down and stops replication first, then closes its listening sockets.
      await runtime.stop();
    } catch (error) {
      logError(log, 'CONTROL', LogIds.memberStopFailed, 'SignalHandler', { error: String(error) });
    }
    logInfo(log, 'NETWORK', LogIds.closingListeningSockets, 'SignalHandler');
    try {
      await Promise.all(listeners.map((l) => l.close()));
    } catch (error) {
      logError(log, 'CONTROL', LogIds.shutdownFailed, 'SignalHandler', { error: String(error) });
      exitCode = exitCode === 0 ? ExitCode.uncaught : exitCode;
    } finally {
      lock.release();
      shutdownLines(exitCode);
      resolveExit(exitCode);
    }
  };

  // A bug must not leave a half-working server behind: log it as mongod logs a fatal error, and go.
  const onFatal = (error: unknown): void => {
    logFatal(log, 'CONTROL', LogIds.writingFatalMessage, 'initandlisten', { message: error instanceof Error ? (error.stack ?? String(error)) : String(error) });
    lock.release();
    process.exit(ExitCode.uncaught);
  };

  let runtime: MemberRuntime;
  try {
    runtime = createMemberHandler({
      options,
      clock,
      network,
      log,
      self,
      requestShutdown: (code) => void shutdown(code, 'shutdown command'),
      fatal: onFatal,
    });
  } catch (error) {
    if (!(error instanceof JournalError)) throw error;
    logError(log, 'CONTROL', LogIds.dbExceptionInInitAndListen, ctx, { error: `${error.name}: ${error.message}` });
    lock.release();
    shutdownLines(ExitCode.uncaught);
    return ExitCode.uncaught;
  }

  const onSignal = (signal: NodeJS.Signals): void => {
    logInfo(log, 'CONTROL', LogIds.receivedSignal, 'SignalHandler', { signal: SIGNAL_NUMBERS[signal] ?? signal, error: SIGNAL_TEXT[signal] ?? signal });
    void shutdown(ExitCode.clean, signal);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('uncaughtException', onFatal);
  process.on('unhandledRejection', onFatal);

  let nextConnectionId = 0;
  try {
    for (const bindIp of options.bindIp) {
      const listener = await serveWire({
        network,
        address: { host: listenHost(bindIp), port: options.port },
        handler: runtime.handler,
        log,
        limits: options.maxConns === undefined ? {} : { connectionsMax: options.maxConns },
        nextConnectionId: () => ++nextConnectionId,
        clock,
        stats: runtime.connectionStats,
      });
      listeners.push(listener);
    }
  } catch (error) {
    const text = error instanceof NetworkError && error.code === 'EADDRINUSE' ? 'Address already in use' : error instanceof Error ? error.message : String(error);
    const attr = { error: serverError('SocketException', text).toStatus() };
    logError(log, 'NETWORK', LogIds.failedToSetUpListener, 'initandlisten', attr);
    logError(log, 'CONTROL', LogIds.errorSettingUpListener, 'initandlisten', attr);
    await Promise.all(listeners.map((l) => l.close()));
    lock.release();
    shutdownLines(ExitCode.netError);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    process.off('uncaughtException', onFatal);
    process.off('unhandledRejection', onFatal);
    return ExitCode.netError;
  }
  for (const listener of listeners) {
    logInfo(log, 'NETWORK', LogIds.listeningOn, 'listener', { address: listener.address.host });
  }
  logInfo(log, 'NETWORK', LogIds.waitingForConnections, 'listener', { port: listeners[0]?.address.port ?? options.port, ssl: 'off' });

  try {
    await runtime.start();
  } catch (error) {
    logError(log, 'CONTROL', LogIds.memberStartFailed, ctx, { error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) });
    await shutdown(ExitCode.uncaught, 'start failure');
  }
  const code = await exited;
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  process.off('uncaughtException', onFatal);
  process.off('unhandledRejection', onFatal);
  if (logFd !== undefined) fs.closeSync(logFd);
  return code;
}

/**
 * `--fork`: start a detached copy without `--fork`, wait until its log says "Waiting for
 * connections" (or it exits), and report like mongod does.
 */
async function forkParent(argv: readonly string[], options: MongodOptions, io: MainIo): Promise<number> {
  if (options.logpath === undefined) {
    io.stderr('BadValue: --fork has to be used with --logpath or --syslog\ntry \'mongod --help\' for more information\n');
    return ExitCode.badOptions;
  }
  const logpath = path.resolve(options.logpath);
  const startOffset = fs.existsSync(logpath) ? fs.statSync(logpath).size : 0;
  const script = process.argv[1];
  if (script === undefined) throw new Error('sim-mongod --fork: cannot tell which script to re-run');
  const childArgs = argv.filter((a) => a !== '--fork' && !a.startsWith('--fork='));
  io.stdout('about to fork child process, waiting until server is ready for connections.\n');
  const child = spawn(process.execPath, [...process.execArgv, script, ...childArgs], { detached: true, stdio: 'ignore' });
  io.stdout(`forked process: ${child.pid ?? 'unknown'}\n`);
  let exitCode: number | null = null;
  child.once('exit', (code, signal) => {
    exitCode = code ?? (signal === null ? 1 : 128);
  });
  const deadline = Date.now() + 60_000;
  for (;;) {
    await new Promise((r) => setTimeout(r, 50));
    if (fs.existsSync(logpath)) {
      const size = fs.statSync(logpath).size;
      if (size > startOffset) {
        const fd = fs.openSync(logpath, 'r');
        const buffer = Buffer.alloc(size - startOffset);
        fs.readSync(fd, buffer, 0, buffer.length, startOffset);
        fs.closeSync(fd);
        if (buffer.toString('utf8').includes('"Waiting for connections"')) {
          child.unref();
          io.stdout('child process started successfully, parent exiting\n');
          return ExitCode.clean;
        }
      }
    }
    if (exitCode !== null) {
      io.stderr(`ERROR: child process failed, exited with ${exitCode}\nTo see additional information in this output, start without the "--fork" option.\n`);
      return exitCode;
    }
    if (Date.now() > deadline) {
      io.stderr('ERROR: child process did not become ready within 60 s\n');
      child.unref();
      return ExitCode.uncaught;
    }
  }
}
