import { load } from 'js-yaml';

/**
 * mongod's YAML configuration file (`--config`/`-f`), for the options sim-mongod knows: each
 * setting maps to the command-line option it stands for (mongod's options are declared once, with
 * a dotted config name and a command-line name: mongod_options.idl, server_options.idl,
 * storage_options.idl, replication_options.idl). Options given on the command line win over the
 * file's (moe's OptionsParser sets the file's values first, then the command line's).
 */

/** Config-file name → command-line option name. */
const SETTINGS: Readonly<Record<string, string>> = {
  'net.port': 'port',
  'net.bindIp': 'bind_ip',
  'net.bindIpAll': 'bind_ip_all',
  'net.ipv6': 'ipv6',
  'net.maxIncomingConnections': 'maxConns',
  'storage.dbPath': 'dbpath',
  'storage.engine': 'storageEngine',
  'storage.oplogMinRetentionHours': 'oplogMinRetentionHours',
  'replication.replSetName': 'replSet',
  'replication.replSet': 'replSet',
  'replication.oplogSizeMB': 'oplogSize',
  'systemLog.path': 'logpath',
  'systemLog.logAppend': 'logappend',
  'systemLog.quiet': 'quiet',
  'processManagement.fork': 'fork',
  'processManagement.pidFilePath': 'pidfilepath',
  'security.keyFile': 'keyFile',
};

/** Settings accepted and left alone: they only restate what sim-mongod does anyway. */
const ACCEPTED: ReadonlySet<string> = new Set(['systemLog.destination', 'systemLog.verbosity', 'security.authorization', 'storage.journal.enabled', 'storage.directoryPerDB', 'net.unixDomainSocket.enabled', 'processManagement.timeZoneInfo']);

export interface ConfigFileOptions {
  /** Command-line option name → its value as text (`true`/`false` for switches). */
  values: Map<string, string>;
  /** `setParameter: {name: value}` as `name=value`. */
  setParameters: string[];
  /** systemLog.verbosity. */
  verbosity: number;
  /** security.authorization: enabled. */
  authorization: boolean;
}

export class ConfigFileError extends Error {
  override readonly name = 'ConfigFileError';
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) && !(value instanceof Date);
}

function scalarText(value: unknown, where: string): string {
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw new ConfigFileError(`Error parsing option "${where}" as ${typeof value}: a scalar was expected`);
}

/** The settings of a mongod YAML config file; throws ConfigFileError as mongod would refuse the file. */
export function parseConfigFile(text: string): ConfigFileOptions {
  let doc: unknown;
  try {
    doc = load(text);
  } catch (error) {
    throw new ConfigFileError(`Error parsing YAML config file: ${(error as Error).message.split('\n')[0] ?? ''}`);
  }
  const out: ConfigFileOptions = { values: new Map(), setParameters: [], verbosity: 0, authorization: false };
  if (doc === undefined || doc === null) return out;
  if (!isMapping(doc)) throw new ConfigFileError('Error parsing YAML config file: the top level is not a mapping');
  const visit = (node: Record<string, unknown>, prefix: string): void => {
    for (const [key, value] of Object.entries(node)) {
      const name = prefix === '' ? key : `${prefix}.${key}`;
      if (name === 'setParameter') {
        if (!isMapping(value)) throw new ConfigFileError('Error parsing option "setParameter": a mapping was expected');
        for (const [parameter, v] of Object.entries(value)) out.setParameters.push(`${parameter}=${scalarText(v, `setParameter.${parameter}`)}`);
      } else if (name === 'systemLog.verbosity') {
        out.verbosity = Number(scalarText(value, name));
      } else if (name === 'security.authorization') {
        out.authorization = scalarText(value, name) === 'enabled';
      } else if (SETTINGS[name] !== undefined) {
        out.values.set(SETTINGS[name], scalarText(value, name));
      } else if (ACCEPTED.has(name)) {
        continue;
      } else if (isMapping(value)) {
        visit(value, name);
      } else {
        throw new ConfigFileError(`Unrecognized option: ${name}`);
      }
    }
  };
  visit(doc, '');
  return out;
}
