import * as fs from 'node:fs';
import type { Document } from 'bson';
import type { HostPort } from '../net/network';
import { ConfigFileError, parseConfigFile } from './configFile';

/**
 * mongod's command line, as sim-mongod understands it. Accepted forms: `--opt value`,
 * `--opt=value`, `-h`, `-v`/`-vvv`. Unknown options fail the way mongod's do (exit 2).
 */

export const EXIT_BAD_OPTIONS = 2;

export class CliUsageError extends Error {
  override readonly name = 'CliUsageError';
  constructor(
    message: string,
    readonly exitCode: number = EXIT_BAD_OPTIONS,
  ) {
    super(message);
  }
}

export interface MongodOptions {
  port: number;
  /** Addresses as given (`--bind_ip`), or `['0.0.0.0']` for `--bind_ip_all`. */
  bindIp: string[];
  bindIpAll: boolean;
  ipv6: boolean;
  dbpath: string;
  /** `--replSet` set name, without any seed list. */
  replSet?: string;
  /** Seeds from the historic `--replSet name/host:port,host:port` form. */
  replSetSeeds: HostPort[];
  rest: boolean;
  storageEngine: string;
  oplogSizeMB?: number;
  /** `--oplogMinRetentionHours` (storage.oplogMinRetentionHours): 0 = no minimum. */
  oplogMinRetentionHours?: number;
  noauth: boolean;
  keyFile?: string;
  quiet: boolean;
  logpath?: string;
  logappend: boolean;
  fork: boolean;
  pidfilepath?: string;
  maxConns?: number;
  verbosity: number;
  setParameters: Record<string, string>;
  /** Options accepted for compatibility and not acted on, for a log note. */
  ignored: string[];
  /** The arguments as given (`getCmdLineOpts.argv` without the program). */
  argv: string[];
  /** mongod's `getCmdLineOpts.parsed` shape. */
  parsed: Document;
}

export type CliAction = { action: 'run'; options: MongodOptions } | { action: 'help' } | { action: 'version' };

export const DEFAULT_PORT = 27017;
export const DEFAULT_DBPATH = '/data/db';

type Kind = 'value' | 'flag' | 'optionalValue';

interface Spec {
  kind: Kind;
  /** Accepted and ignored (with a note): real mongod options that change nothing in the simulation. */
  ignored?: boolean;
}

const SPECS: Readonly<Record<string, Spec>> = {
  help: { kind: 'flag' },
  version: { kind: 'flag' },
  port: { kind: 'value' },
  bind_ip: { kind: 'value' },
  bind_ip_all: { kind: 'flag' },
  ipv6: { kind: 'flag' },
  dbpath: { kind: 'value' },
  replSet: { kind: 'value' },
  rest: { kind: 'flag' },
  storageEngine: { kind: 'value' },
  oplogSize: { kind: 'value' },
  oplogMinRetentionHours: { kind: 'value' },
  noauth: { kind: 'flag' },
  auth: { kind: 'flag' },
  keyFile: { kind: 'value' },
  quiet: { kind: 'flag' },
  logpath: { kind: 'value' },
  logappend: { kind: 'flag' },
  fork: { kind: 'flag' },
  pidfilepath: { kind: 'value' },
  maxConns: { kind: 'value' },
  setParameter: { kind: 'value' },
  verbose: { kind: 'optionalValue' },
  config: { kind: 'value' },
  // Real mongod options with no meaning here: accepted so that scripts written for mongod run.
  nounixsocket: { kind: 'flag', ignored: true },
  unixSocketPrefix: { kind: 'value', ignored: true },
  filePermissions: { kind: 'value', ignored: true },
  directoryperdb: { kind: 'flag', ignored: true },
  wiredTigerCacheSizeGB: { kind: 'value', ignored: true },
  wiredTigerJournalCompressor: { kind: 'value', ignored: true },
  wiredTigerCollectionBlockCompressor: { kind: 'value', ignored: true },
  timeStampFormat: { kind: 'value', ignored: true },
  slowms: { kind: 'value', ignored: true },
  slowOpSampleRate: { kind: 'value', ignored: true },
  profile: { kind: 'value', ignored: true },
  networkMessageCompressors: { kind: 'value', ignored: true },
  enableMajorityReadConcern: { kind: 'optionalValue', ignored: true },
  transitionToAuth: { kind: 'flag', ignored: true },
  clusterAuthMode: { kind: 'value', ignored: true },
  tlsMode: { kind: 'value', ignored: true },
  sslMode: { kind: 'value', ignored: true },
  syncdelay: { kind: 'value', ignored: true },
  notablescan: { kind: 'flag', ignored: true },
  cpu: { kind: 'flag', ignored: true },
  sysinfo: { kind: 'flag', ignored: true },
  upgrade: { kind: 'flag', ignored: true },
  repair: { kind: 'flag' },
  shardsvr: { kind: 'flag' },
  configsvr: { kind: 'flag' },
};

const SHORT: Readonly<Record<string, string>> = { h: 'help', f: 'config' };

function bad(message: string): CliUsageError {
  return new CliUsageError(`Error parsing command line: ${message}\ntry 'mongod --help' for more information`);
}

function parseInteger(name: string, text: string, min: number, max: number): number {
  if (!/^[+-]?\d+$/.test(text.trim())) throw bad(`the argument ('${text}') for option '--${name}' is invalid`);
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw bad(`the argument ('${text}') for option '--${name}' is invalid: it must be between ${min} and ${max}`);
  }
  return value;
}

/** `host:port` (port defaults to 27017); throws CliUsageError on junk. */
export function parseHostPort(text: string): HostPort {
  const trimmed = text.trim();
  const match = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(trimmed);
  if (match === null) throw bad(`bad host:port '${text}' in --replSet seed list`);
  const host = (match[1] as string).replace(/^\[|\]$/g, '');
  const port = match[2] === undefined ? DEFAULT_PORT : Number(match[2]);
  if (port < 1 || port > 65535) throw bad(`bad port in '${text}' in --replSet seed list`);
  return { host, port };
}

/** `name` or `name/host:port,host:port` → set name and seeds. */
export function parseReplSet(text: string): { name: string; seeds: HostPort[] } {
  const slash = text.indexOf('/');
  const name = slash < 0 ? text : text.slice(0, slash);
  if (name.length === 0) throw bad(`--replSet needs a set name, got '${text}'`);
  if (name.includes(',') || name.includes('$') || name.includes(' ')) throw bad(`bad replica set name '${name}'`);
  const seeds = slash < 0 ? [] : text.slice(slash + 1).split(',').filter((s) => s.length > 0).map(parseHostPort);
  return { name, seeds };
}

function readConfigFileText(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'No such file or directory' : (error as Error).message;
    throw new CliUsageError(`Error reading config file: ${reason}\ntry 'mongod --help' for more information`);
  }
}

/**
 * Adds a `--config` file's settings to the command line's (`values`): the command line wins
 * (configFile.ts). Returns the file's verbosity and whether it asks for authorization.
 */
function mergeConfigFile(values: Map<string, string[]>, file: string, readFile: (file: string) => string): { verbosity: number; authorization: boolean } {
  let config;
  try {
    config = parseConfigFile(readFile(file));
  } catch (error) {
    if (error instanceof ConfigFileError) throw new CliUsageError(`${error.message}\ntry 'mongod --help' for more information`);
    throw error;
  }
  for (const [name, value] of config.values) if (!values.has(name)) values.set(name, [value]);
  const given = new Set((values.get('setParameter') ?? []).map((kv) => kv.slice(0, kv.indexOf('='))));
  const fromFile = config.setParameters.filter((kv) => !given.has(kv.slice(0, kv.indexOf('='))));
  if (fromFile.length > 0) values.set('setParameter', [...fromFile, ...(values.get('setParameter') ?? [])]);
  return { verbosity: config.verbosity, authorization: config.authorization };
}

export function parseArgs(argv: readonly string[], readFile: (file: string) => string = readConfigFileText): CliAction {
  const values = new Map<string, string[]>();
  let verbosity = 0;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    let name: string;
    let inline: string | undefined;
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      name = eq < 0 ? arg.slice(2) : arg.slice(2, eq);
      inline = eq < 0 ? undefined : arg.slice(eq + 1);
    } else if (/^-v+$/.test(arg)) {
      verbosity += arg.length - 1;
      continue;
    } else if (arg.startsWith('-') && arg.length === 2 && SHORT[arg.slice(1)] !== undefined) {
      name = SHORT[arg.slice(1)] as string;
    } else if (arg.startsWith('-')) {
      throw bad(`unrecognised option '${arg}'`);
    } else {
      throw bad(`too many positional options have been specified on the command line ('${arg}')`);
    }
    const spec = SPECS[name];
    if (spec === undefined) throw bad(`unrecognised option '--${name}'`);
    let value: string;
    if (spec.kind === 'flag') {
      if (inline !== undefined && !['true', '1', 'false', '0', ''].includes(inline)) {
        throw bad(`option '--${name}' does not take any arguments`);
      }
      value = inline ?? 'true';
    } else if (inline !== undefined) {
      value = inline;
    } else if (spec.kind === 'value') {
      const next = argv[i + 1];
      if (next === undefined || (next.startsWith('--') && next.length > 2)) throw bad(`the required argument for option '--${name}' is missing`);
      value = next;
      i++;
    } else {
      value = '';
    }
    if (name === 'verbose') {
      verbosity += value === '' ? 1 : /^v+$/.test(value) ? value.length + 1 : parseInteger('verbose', value, 0, 5);
      continue;
    }
    const list = values.get(name) ?? [];
    if (list.length > 0 && name !== 'setParameter') throw bad(`option '--${name}' cannot be specified more than once`);
    list.push(value);
    values.set(name, list);
  }

  const one = (name: string): string | undefined => values.get(name)?.[0];
  const flag = (name: string): boolean => {
    const v = one(name);
    return v !== undefined && v !== 'false' && v !== '0';
  };

  if (flag('help')) return { action: 'help' };
  if (flag('version')) return { action: 'version' };

  const configFile = one('config');
  if (configFile !== undefined) {
    const fromFile = mergeConfigFile(values, configFile, readFile);
    if (verbosity === 0) verbosity = fromFile.verbosity;
    if (fromFile.authorization && !values.has('auth')) values.set('auth', ['true']);
  }
  if (flag('auth')) {
    throw new CliUsageError('sim-mongod: --auth is not supported: the simulated mongod has no access control. Start it without --auth (or with --noauth).');
  }
  for (const unsupported of ['shardsvr', 'configsvr', 'repair']) {
    if (flag(unsupported)) throw new CliUsageError(`sim-mongod: --${unsupported} is not supported: sim-mongod simulates replica-set members only`);
  }

  const port = one('port') === undefined ? DEFAULT_PORT : parseInteger('port', one('port') as string, 0, 65535);
  const bindIpAll = flag('bind_ip_all');
  const bindText = one('bind_ip');
  if (bindIpAll && bindText !== undefined) throw bad("the options '--bind_ip' and '--bind_ip_all' are mutually exclusive");
  const ipv6 = flag('ipv6');
  const bindIp = bindIpAll
    ? ipv6
      ? ['0.0.0.0', '::']
      : ['0.0.0.0']
    : (bindText ?? 'localhost')
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s.length > 0);
  if (bindIp.length === 0) throw bad("the argument ('') for option '--bind_ip' is invalid");

  const replSetText = one('replSet');
  const replSet = replSetText === undefined ? undefined : parseReplSet(replSetText);
  const storageEngine = one('storageEngine') ?? 'wiredTiger';
  if (!['wiredTiger', 'inMemory', 'ephemeralForTest'].includes(storageEngine)) {
    throw new CliUsageError(
      `sim-mongod: unknown storage engine '${storageEngine}' (mongod would fail with "Cannot start server with an unknown storage engine: ${storageEngine}")`,
      100,
    );
  }
  const oplogText = one('oplogSize');
  const oplogSizeMB = oplogText === undefined ? undefined : parseInteger('oplogSize', oplogText, 1, 1024 * 1024);
  const retentionText = one('oplogMinRetentionHours');
  const oplogMinRetentionHours = retentionText === undefined ? undefined : Number(retentionText);
  if (oplogMinRetentionHours !== undefined && (retentionText!.trim() === '' || Number.isNaN(oplogMinRetentionHours))) {
    throw bad(`the argument ('${retentionText}') for option '--oplogMinRetentionHours' is invalid`);
  }
  // mongod_options.cpp: a negative retention is refused at startup.
  if (oplogMinRetentionHours !== undefined && oplogMinRetentionHours < 0) {
    throw new CliUsageError('bad --oplogMinRetentionHours, argument must be greater or equal to 0');
  }
  const maxConnsText = one('maxConns');
  const maxConns = maxConnsText === undefined ? undefined : parseInteger('maxConns', maxConnsText, 1, 1_000_000);

  const setParameters: Record<string, string> = {};
  for (const kv of values.get('setParameter') ?? []) {
    const eq = kv.indexOf('=');
    if (eq <= 0) throw bad(`the argument ('${kv}') for option '--setParameter' is invalid: expected name=value`);
    setParameters[kv.slice(0, eq)] = kv.slice(eq + 1);
  }

  const ignored = [...values.keys()].filter((name) => SPECS[name]?.ignored === true);
  const keyFile = one('keyFile');
  const logpath = one('logpath');
  const pidfilepath = one('pidfilepath');
  const dbpath = one('dbpath') ?? DEFAULT_DBPATH;

  const parsed: Document = {
    ...(configFile === undefined ? {} : { config: configFile }),
    net: { port, ...(bindIpAll ? { bindIpAll: true } : { bindIp: bindIp.join(',') }), ...(maxConns === undefined ? {} : { maxIncomingConnections: maxConns }) },
    storage: { dbPath: dbpath, engine: storageEngine, ...(oplogMinRetentionHours === undefined ? {} : { oplogMinRetentionHours }) },
    ...(replSet === undefined && oplogSizeMB === undefined
      ? {}
      : { replication: { ...(replSetText === undefined ? {} : { replSet: replSetText }), ...(oplogSizeMB === undefined ? {} : { oplogSizeMB }) } }),
    ...(keyFile === undefined ? {} : { security: { keyFile } }),
    ...(logpath === undefined && !flag('quiet')
      ? {}
      : { systemLog: { ...(logpath === undefined ? {} : { destination: 'file', path: logpath, logAppend: flag('logappend') }), ...(flag('quiet') ? { quiet: true } : {}) } }),
    ...(Object.keys(setParameters).length === 0 ? {} : { setParameter: setParameters }),
  };

  return {
    action: 'run',
    options: {
      port,
      bindIp,
      bindIpAll,
      ipv6,
      dbpath,
      ...(replSet === undefined ? {} : { replSet: replSet.name }),
      replSetSeeds: replSet?.seeds ?? [],
      rest: flag('rest'),
      storageEngine,
      ...(oplogSizeMB === undefined ? {} : { oplogSizeMB }),
      ...(oplogMinRetentionHours === undefined ? {} : { oplogMinRetentionHours }),
      noauth: flag('noauth'),
      ...(keyFile === undefined ? {} : { keyFile }),
      quiet: flag('quiet'),
      ...(logpath === undefined ? {} : { logpath }),
      logappend: flag('logappend'),
      fork: flag('fork'),
      ...(pidfilepath === undefined ? {} : { pidfilepath }),
      ...(maxConns === undefined ? {} : { maxConns }),
      verbosity,
      setParameters,
      ignored,
      argv: [...argv],
      parsed,
    },
  };
}

export function helpText(): string {
  return `Options:

General options:
  -h [ --help ]                     Show this usage information
  --version                         Show version information
  -f [ --config ] arg               Configuration file specifying additional options (YAML; the command line wins)
  --setParameter arg                Set a configurable parameter (name=value)
  -v [ --verbose ] [=arg(=v)]       Be more verbose (include multiple times for more verbosity e.g. -vvvvv)
  --quiet                           Quieter output
  --port arg                        Specify port number - 27017 by default
  --bind_ip arg                     Comma separated list of ip addresses to listen on - localhost by default
  --bind_ip_all                     Bind to all ip addresses
  --ipv6                            Enable IPv6 support (disabled by default)
  --maxConns arg                    Max number of simultaneous connections
  --logpath arg                     Log file to send write to instead of stdout - has to be a file, not directory
  --logappend                       Append to logpath instead of over-writing (sim-mongod always appends)
  --pidfilepath arg                 Full path to pidfile (if not set, no pidfile is created)
  --keyFile arg                     Private key for cluster authentication (accepted, not used: no auth)
  --noauth                          Run without security
  --auth                            (not supported by sim-mongod)
  --fork                            Fork server process (requires --logpath)

Replication options:
  --oplogSize arg                   Size to use (in MB) for replication op log. default is 5% of disk space
                                    (sim-mongod: 990 MB, mongod's floor)
  --oplogMinRetentionHours arg      Minimum number of hours to preserve in the oplog. Default is 0 (turned
                                    off). Fractions are allowed (e.g. 1.5 hours)
  --replSet arg                     arg is <setname>[/<optionalseedhostlist>]

Storage options:
  --storageEngine arg               What storage engine to use - defaults to wiredTiger if no data files present
  --dbpath arg                      Directory for datafiles - defaults to /data/db

Historic options:
  --rest                            Accepted and ignored: the REST interface was removed in MongoDB 3.6

sim-mongod is the simulated mongod of Replica Set Lab: mongod's wire protocol and replica-set
protocol, for tutorials and tests. It is not MongoDB.
`;
}
