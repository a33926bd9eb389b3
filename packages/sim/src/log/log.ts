import type { Document } from 'bson';
import type { Clock } from '../clock/clock';
import type { LogLine } from './ids';

/**
 * mongod's structured log (4.4+): one JSON object per line,
 * `{"t":{"$date":...},"s":"I",  "c":"NETWORK",  "id":23016,   "ctx":"listener","msg":"...","attr":{...}}`.
 * Tools (mongodb-memory-server, mlaunch, people) wait for particular `msg` texts, so the ids and
 * texts used here are mongod's own.
 */

/** F fatal, E error, W warning, I info, D1..D5 debug levels. */
export type Severity = 'F' | 'E' | 'W' | 'I' | 'D1' | 'D2' | 'D3' | 'D4' | 'D5';

/** mongod's log components (a subset: the ones the simulator logs under). */
export type LogComponent =
  | 'ACCESS'
  | 'COMMAND'
  | 'CONTROL'
  | 'ELECTION'
  | 'FTDC'
  | 'INDEX'
  | 'INITSYNC'
  | 'NETWORK'
  | 'QUERY'
  | 'RECOVERY'
  | 'REPL'
  | 'REPL_HB'
  | 'ROLLBACK'
  | 'SHARDING'
  | 'STORAGE'
  | 'TXN'
  | 'WRITE'
  | '-';

export interface LogEntry {
  readonly s: Severity;
  /** A `LogComponent` (kept as a string so other modules' component names pass through). */
  readonly c: LogComponent | (string & {});
  /** mongod's stable log id (e.g. 23016 "Waiting for connections"). */
  readonly id: number;
  /** The thread name in mongod: `listener`, `initandlisten`, `conn12`, `ReplCoord-0`... */
  readonly ctx: string;
  readonly msg: string;
  readonly attr?: Document;
  readonly tags?: readonly string[];
}

/** A line a member keeps for `getLog` and hands to its sink: a LogEntry stamped with its time. */
export interface TimedLogEntry extends LogEntry {
  readonly t: Date;
}

/** Where log lines go. Everything that logs in the simulator takes one of these. */
export interface Logger {
  /** `--quiet`: connection accepted/ended and similar chatter are left out. */
  readonly quiet: boolean;
  log(entry: LogEntry): void;
}

/** Widths mongod pads `s`, `c` and `id` to, so that columns line up in a terminal. */
const SEVERITY_WIDTH = 2;
const COMPONENT_WIDTH = 8;
const ID_WIDTH = 7;

function pad(field: string, valueLength: number, width: number): string {
  return field + ' '.repeat(Math.max(1, width - valueLength + 1));
}

/** ISO-8601 with milliseconds and an explicit UTC offset, as mongod prints `$date`. */
export function formatLogDate(millis: number): string {
  if (!Number.isFinite(millis)) throw new RangeError(`formatLogDate: not a time: ${millis}`);
  return new Date(millis).toISOString().replace(/Z$/, '+00:00');
}

/** One log line (without the newline), in mongod's layout. `attr` values are rendered as relaxed Extended JSON. */
export function formatLogLine(millis: number, entry: LogEntry): string {
  const head = `{"t":{"$date":"${formatLogDate(millis)}"},`;
  const s = pad(`"s":${JSON.stringify(entry.s)},`, entry.s.length, SEVERITY_WIDTH);
  const c = pad(`"c":${JSON.stringify(entry.c)},`, entry.c.length, COMPONENT_WIDTH);
  const idText = String(entry.id);
  const id = pad(`"id":${idText},`, idText.length, ID_WIDTH);
  let rest = `"ctx":${JSON.stringify(entry.ctx)},"msg":${JSON.stringify(entry.msg)}`;
  if (entry.attr !== undefined && Object.keys(entry.attr).length > 0) rest += `,"attr":${stringifyAttr(entry.attr)}`;
  if (entry.tags !== undefined && entry.tags.length > 0) rest += `,"tags":${JSON.stringify(entry.tags)}`;
  return `${head}${s}${c}${id}${rest}}`;
}

/** JSON for log attributes: bigint and BSON values (toJSON) become JSON, cycles and errors are made printable. */
function stringifyAttr(attr: Document): string {
  const seen = new WeakSet<object>();
  return JSON.stringify(attr, (_key, value: unknown) => {
    if (typeof value === 'bigint') return { $numberLong: value.toString() };
    if (value instanceof Error) return { name: value.name, message: value.message };
    if (value instanceof Uint8Array) return { $binary: { base64: Buffer.from(value).toString('base64'), subType: '00' } };
    if (typeof value === 'object' && value !== null) {
      if (seen.has(value)) return '[Circular]';
      seen.add(value);
    }
    return value;
  });
}

export interface MongoLoggerOptions {
  clock: Clock;
  /** Receives each finished line, without a trailing newline. */
  sink: (line: string, entry: LogEntry) => void;
  quiet?: boolean;
  /** How many recent lines `recentLines()` keeps (for `getLog: "global"`); mongod keeps 1024. */
  recentLinesMax?: number;
}

/** mongod's log: formats entries, hands lines to a sink and keeps the recent ones for `getLog`. */
export class MongoLogger implements Logger {
  readonly quiet: boolean;
  private readonly clock: Clock;
  private readonly sink: (line: string, entry: LogEntry) => void;
  private readonly recentLinesMax: number;
  private readonly recent: string[] = [];
  private readonly warnings: string[] = [];

  constructor(options: MongoLoggerOptions) {
    this.clock = options.clock;
    this.sink = options.sink;
    this.quiet = options.quiet ?? false;
    this.recentLinesMax = options.recentLinesMax ?? 1024;
    if (!Number.isInteger(this.recentLinesMax) || this.recentLinesMax < 0) {
      throw new RangeError(`recentLinesMax must be a non-negative integer, got ${this.recentLinesMax}`);
    }
  }

  log(entry: LogEntry): void {
    const line = formatLogLine(this.clock.now(), entry);
    if (this.recentLinesMax > 0) {
      this.recent.push(line);
      if (this.recent.length > this.recentLinesMax) this.recent.shift();
    }
    if (entry.tags?.includes('startupWarnings') === true && this.warnings.length < this.recentLinesMax) this.warnings.push(line);
    this.sink(line, entry);
  }

  /** The last lines logged, oldest first (`getLog: "global"`). */
  recentLines(): readonly string[] {
    return [...this.recent];
  }

  /** Lines tagged `startupWarnings` (`getLog: "startupWarnings"`). */
  startupWarningLines(): readonly string[] {
    return [...this.warnings];
  }
}

/** A logger that keeps entries in memory, for tests and for places that must not print. */
export class MemoryLogger implements Logger {
  readonly entries: LogEntry[] = [];
  constructor(
    readonly quiet = false,
    private readonly entriesMax = 100_000,
  ) {}

  log(entry: LogEntry): void {
    if (this.entries.length >= this.entriesMax) this.entries.shift();
    this.entries.push(entry);
  }

  withId(id: number): LogEntry[] {
    return this.entries.filter((e) => e.id === id);
  }
}

/** Logs nothing. */
export const nullLogger: Logger = { quiet: true, log: () => undefined };

// Short forms. The id and message come from the table (log/ids.ts); `attr` is optional, as in
// mongod's LOGV2 macros.
function entryOf(s: Severity, c: LogComponent, line: LogLine, ctx: string, attr: Document | undefined): LogEntry {
  return { s, c, id: line.id, ctx, msg: line.msg, ...(attr === undefined ? {} : { attr }) };
}

export function logInfo(logger: Logger, c: LogComponent, line: LogLine, ctx: string, attr?: Document): void {
  logger.log(entryOf('I', c, line, ctx, attr));
}

export function logWarning(logger: Logger, c: LogComponent, line: LogLine, ctx: string, attr?: Document): void {
  logger.log(entryOf('W', c, line, ctx, attr));
}

export function logError(logger: Logger, c: LogComponent, line: LogLine, ctx: string, attr?: Document): void {
  logger.log(entryOf('E', c, line, ctx, attr));
}

export function logFatal(logger: Logger, c: LogComponent, line: LogLine, ctx: string, attr?: Document): void {
  logger.log(entryOf('F', c, line, ctx, attr));
}
