/**
 * mongod's command-line flags as the lab's shell accepts them: the 2010 walkthrough's lines as
 * typed (`--replSet foo/host:port,...`, `--rest`) and today's. Unknown flags get mongod's own
 * error text (boost::program_options, as mongod 7.0 prints it).
 */

export interface MongodOptions {
  port: number;
  dbpath: string;
  /** The set name, without any seed list. Null for a standalone. */
  replSet: string | null;
  /** The 1.6-era seed list after `/` in `--replSet foo/h:p,h:p`. */
  seeds: Array<{ host: string; port: number }>;
  /** `--bind_ip` list, or `['0.0.0.0']` for `--bind_ip_all`. Null when not given. */
  bindIp: string[] | null;
  logpath: string | null;
  oplogSizeMB: number | null;
  /** The words as typed after `mongod`. */
  argv: string[];
}

export type MongodParse =
  | { kind: 'start'; options: MongodOptions; notes: string[] }
  /** `--help`, `--version`: print and do not start. */
  | { kind: 'print'; text: string }
  | { kind: 'error'; text: string; exitCode: number };

export const mongodVersion = '7.0.14';

const tryHelp = "try 'mongod --help' for more information";

const restNote =
  'note: --rest (the 1.x HTTP REST interface on port+1000) was deprecated in MongoDB 3.2 and removed in 3.6; the lab ignores it.';
const seedNote =
  "note: the seed list after 'SET/' is how MongoDB 1.6 found the other members. Today you give only the set name (--replSet SET) and list the members in rs.initiate() or add them with rs.add().";
const forkNote = 'note: the lab always runs mongod in the background; --fork is accepted and changes nothing.';

/** Flags that take a value. */
const valueFlags = new Set(['port', 'dbpath', 'replSet', 'bind_ip', 'logpath', 'oplogSize', 'config', 'f', 'keyFile', 'wiredTigerCacheSizeGB', 'setParameter']);
/** Flags without a value. */
const switchFlags = new Set(['rest', 'bind_ip_all', 'fork', 'quiet', 'help', 'h', 'version', 'ipv6', 'logappend', 'nojournal', 'noauth', 'auth', 'journal', 'smallfiles', 'nounixsocket', 'v', 'vv', 'vvv']);
/** Flags removed since 2010 that mongod 7.0 rejects; the lab accepts them with a note. */
const removedButAccepted: Record<string, string> = {
  rest: restNote,
  nojournal: 'note: --nojournal was removed in MongoDB 6.1 (journaling is always on with WiredTiger); the lab ignores it.',
  smallfiles: 'note: --smallfiles belonged to the MMAPv1 storage engine, removed in MongoDB 4.2; the lab ignores it.',
};

export const mongodHelpText = `Options:
  --port arg                            port to listen on (default 27017)
  --dbpath arg                          directory for datafiles (default /data/db)
  --replSet arg                         name of the replica set (1.6 form: set/host:port,host:port)
  --bind_ip arg                         comma separated list of addresses to listen on
  --bind_ip_all                         bind to all addresses
  --logpath arg                         log file to send writes to
  --oplogSize arg                       size of the oplog in MB
  --rest                                accepted for the 2010 walkthrough; removed in 3.6
  --fork                                accepted; the lab always runs mongod in the background
  --version                             show version information
  -h [ --help ]                         show this usage information
`;

function parsePort(text: string, flag: string): number | string {
  if (!/^[0-9]+$/.test(text)) return `Error parsing command line: the argument ('${text}') for option '--${flag}' is invalid`;
  const n = Number(text);
  if (n < 1 || n > 65535) return `BadValue: port number must be between 1 and 65535, got ${text}`;
  return n;
}

/** Parses the words after `mongod`. */
export function parseMongodArgs(args: string[]): MongodParse {
  const options: MongodOptions = {
    port: 27017,
    dbpath: '/data/db',
    replSet: null,
    seeds: [],
    bindIp: null,
    logpath: null,
    oplogSizeMB: null,
    argv: [...args],
  };
  const notes: string[] = [];
  const fail = (message: string): MongodParse => ({ kind: 'error', text: `${message}\n${tryHelp}\n`, exitCode: 2 });
  for (let i = 0; i < args.length; i++) {
    const raw = args[i] ?? '';
    if (!raw.startsWith('-')) {
      return fail(`Error parsing command line: too many positional options have been specified on the command line`);
    }
    const body = raw.replace(/^--?/, '');
    const eq = body.indexOf('=');
    const name = eq >= 0 ? body.slice(0, eq) : body;
    const isShort = !raw.startsWith('--');
    if (isShort && !['h', 'f', 'v', 'vv', 'vvv'].includes(name)) {
      return fail(`Error parsing command line: unrecognised option '${raw}'`);
    }
    let value: string | null = null;
    if (valueFlags.has(name)) {
      if (eq >= 0) value = body.slice(eq + 1);
      else {
        const next = args[i + 1];
        if (next === undefined || (next.startsWith('--') && next.length > 2)) {
          return fail(`Error parsing command line: the required argument for option '--${name}' is missing`);
        }
        value = next;
        i++;
      }
    } else if (switchFlags.has(name)) {
      if (eq >= 0) return fail(`Error parsing command line: option '--${name}' does not take any arguments`);
    } else {
      return fail(`Error parsing command line: unrecognised option '${raw}'`);
    }
    switch (name) {
      case 'help':
      case 'h':
        return { kind: 'print', text: mongodHelpText };
      case 'version':
        return {
          kind: 'print',
          text: `db version v${mongodVersion}\nBuild Info: {\n    "version": "${mongodVersion}",\n    "gitVersion": "ce59cfc6a3c5e5c067dca0d30697edd68d4f5188"\n}\n`,
        };
      case 'port': {
        const port = parsePort(value ?? '', name);
        if (typeof port === 'string') return fail(port);
        options.port = port;
        break;
      }
      case 'dbpath':
        if (value === '') return fail(`Error parsing command line: the argument ('') for option '--dbpath' is invalid`);
        options.dbpath = value ?? options.dbpath;
        break;
      case 'replSet': {
        const v = value ?? '';
        const slash = v.indexOf('/');
        const setName = slash >= 0 ? v.slice(0, slash) : v;
        if (setName === '') return { kind: 'error', text: 'BadValue: bad --replSet config string format\n', exitCode: 2 };
        options.replSet = setName;
        if (slash >= 0) {
          for (const seed of v.slice(slash + 1).split(',')) {
            if (seed === '') continue;
            const colon = seed.lastIndexOf(':');
            const host = colon >= 0 ? seed.slice(0, colon) : seed;
            const portText = colon >= 0 ? seed.slice(colon + 1) : '27017';
            const port = parsePort(portText, 'replSet');
            if (typeof port === 'string' || host === '') {
              return { kind: 'error', text: `BadValue: bad --replSet seed hostname: '${seed}'\n`, exitCode: 2 };
            }
            if (host === 'localhost' || host.startsWith('127.')) {
              return { kind: 'error', text: "BadValue: can't use localhost in replset host list\n", exitCode: 2 };
            }
            options.seeds.push({ host, port });
          }
          notes.push(seedNote.replace(/SET/g, setName));
        }
        break;
      }
      case 'bind_ip':
        options.bindIp = (value ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '');
        break;
      case 'bind_ip_all':
        options.bindIp = ['0.0.0.0'];
        break;
      case 'logpath':
        options.logpath = value;
        break;
      case 'oplogSize': {
        const n = Number(value);
        if (!/^[0-9]+$/.test(value ?? '') || n < 1) {
          return fail(`Error parsing command line: the argument ('${value ?? ''}') for option '--oplogSize' is invalid`);
        }
        options.oplogSizeMB = n;
        break;
      }
      case 'fork':
        notes.push(forkNote);
        break;
      case 'config':
      case 'f':
        return { kind: 'error', text: 'Error reading config file: No such file or directory\n' + tryHelp + '\n', exitCode: 2 };
      default: {
        const note = removedButAccepted[name];
        if (note !== undefined) notes.push(note);
      }
    }
  }
  return { kind: 'start', options, notes: [...new Set(notes)] };
}
