import { describe, expect, it } from 'vitest';
import { CliUsageError, parseArgs, parseReplSet } from '../../src/cli/args';
import type { MongodOptions } from '../../src/cli/args';
import { versionText } from '../../src/cli/version';
import { oplogParametersFrom } from '../../src/cli/runtime';

function run(argv: string[]): MongodOptions {
  const action = parseArgs(argv);
  if (action.action !== 'run') throw new Error(`expected run, got ${action.action}`);
  return action.options;
}

function usageError(argv: string[]): CliUsageError {
  try {
    parseArgs(argv);
  } catch (error) {
    if (error instanceof CliUsageError) return error;
    throw error;
  }
  throw new Error('expected a usage error');
}

describe('sim-mongod arguments', () => {
  it("uses mongod's defaults", () => {
    const options = run([]);
    expect(options).toMatchObject({ port: 27017, bindIp: ['localhost'], dbpath: '/data/db', storageEngine: 'wiredTiger', quiet: false, fork: false, replSetSeeds: [] });
    expect(options.replSet).toBeUndefined();
  });

  it("takes the walkthrough's line as typed: seeds after the set name, and --rest", () => {
    const options = run(['--port', '27018', '--dbpath', '/data/db1', '--replSet', 'foo/morton.local:27017', '--rest']);
    expect(options).toMatchObject({ port: 27018, dbpath: '/data/db1', replSet: 'foo', rest: true, replSetSeeds: [{ host: 'morton.local', port: 27017 }] });
    expect(run(['--replSet', 'foo/morton.local:27018,morton.local:27019']).replSetSeeds).toEqual([
      { host: 'morton.local', port: 27018 },
      { host: 'morton.local', port: 27019 },
    ]);
    expect(parseReplSet('foo/h').seeds).toEqual([{ host: 'h', port: 27017 }]);
  });

  it("takes mongodb-memory-server's arguments", () => {
    const options = run(['--port', '40001', '--dbpath', '/tmp/x', '--replSet', 'testset', '--storageEngine', 'wiredTiger', '--bind_ip', '127.0.0.1', '--noauth', '--oplogSize', '1']);
    expect(options).toMatchObject({ port: 40001, replSet: 'testset', bindIp: ['127.0.0.1'], noauth: true, oplogSizeMB: 1 });
    expect(options.parsed).toMatchObject({ net: { port: 40001, bindIp: '127.0.0.1' }, replication: { replSet: 'testset', oplogSizeMB: 1 }, storage: { dbPath: '/tmp/x' } });
  });

  it('turns --oplogSize MB into the oplog cap in bytes and takes --oplogMinRetentionHours (mongod_options.cpp)', () => {
    const options = run(['--replSet', 'foo', '--oplogSize', '1', '--oplogMinRetentionHours', '1.5']);
    expect(options).toMatchObject({ oplogSizeMB: 1, oplogMinRetentionHours: 1.5 });
    expect(options.parsed).toMatchObject({ replication: { oplogSizeMB: 1 }, storage: { oplogMinRetentionHours: 1.5 } });
    expect(oplogParametersFrom(options)).toEqual({ oplogBytesMax: 1024 * 1024, oplogMinRetentionHours: 1.5 });
    expect(oplogParametersFrom(run([]))).toEqual({});
    expect(usageError(['--oplogMinRetentionHours', '-1']).message).toBe('bad --oplogMinRetentionHours, argument must be greater or equal to 0');
    expect(usageError(['--oplogMinRetentionHours', 'x']).message).toContain("the argument ('x') for option '--oplogMinRetentionHours' is invalid");
    expect(usageError(['--oplogSize', '0']).exitCode).toBe(2);
  });

  it('accepts --opt=value, comma lists, repeated --setParameter, -vvv and ignored mongod options', () => {
    const options = run(['--port=1234', '--bind_ip=127.0.0.1,::1', '--setParameter', 'a=1', '--setParameter=b=x=y', '-vvv', '--nounixsocket', '--quiet', '--logpath', '/tmp/l', '--logappend']);
    expect(options).toMatchObject({ port: 1234, bindIp: ['127.0.0.1', '::1'], setParameters: { a: '1', b: 'x=y' }, verbosity: 3, quiet: true, logpath: '/tmp/l', logappend: true });
    expect(options.ignored).toEqual(['nounixsocket']);
    expect(run(['--bind_ip_all']).bindIp).toEqual(['0.0.0.0']);
  });

  it("fails like mongod on unknown options and bad values (exit 2)", () => {
    const unknown = usageError(['--x']);
    expect(unknown.exitCode).toBe(2);
    expect(unknown.message).toBe("Error parsing command line: unrecognised option '--x'\ntry 'mongod --help' for more information");
    expect(usageError(['--port']).message).toContain("the required argument for option '--port' is missing");
    expect(usageError(['--port', 'abc']).message).toContain("the argument ('abc') for option '--port' is invalid");
    expect(usageError(['--port', '70000']).exitCode).toBe(2);
    expect(usageError(['--bind_ip', 'a', '--bind_ip_all']).message).toContain('mutually exclusive');
    expect(usageError(['--replSet', '/h:1']).exitCode).toBe(2);
    expect(usageError(['--port', '1', '--port', '2']).message).toContain('cannot be specified more than once');
    expect(usageError(['stray']).message).toContain('positional');
  });

  it('refuses --auth and config files clearly', () => {
    expect(usageError(['--auth']).message).toMatch(/--auth is not supported/);
    expect(usageError(['-f', 'mongod.conf']).message).toMatch(/configuration files/);
    expect(usageError(['--storageEngine', 'mmapv1']).exitCode).toBe(100);
  });

  it('answers --help and --version before anything else', () => {
    expect(parseArgs(['--port', 'bad', '--version']).action).toBe('version');
    expect(parseArgs(['-h']).action).toBe('help');
    expect(versionText()).toMatch(/^\s*db\s+version\s+v?(\d+\.\d+\.\d+)(-\d*)?(-[a-zA-Z0-9].*)?\s*$/im);
  });
});

describe('the name sim-mongod answers to', () => {
  it('follows the seeds, then a single --bind_ip, then the host name', async () => {
    const { selfHostName } = await import('../../src/cli/main');
    expect(selfHostName(run(['--replSet', 'foo/Morton.local:27018,morton.local:27019']), 'vm')).toBe('morton.local');
    expect(selfHostName(run(['--replSet', 'foo/a:1,b:2', '--bind_ip', '127.0.0.1']), 'vm')).toBe('127.0.0.1');
    expect(selfHostName(run(['--bind_ip', '127.0.0.1', '--replSet', 'testset']), 'vm')).toBe('127.0.0.1');
    expect(selfHostName(run([]), 'vm')).toBe('vm');
    expect(selfHostName(run(['--bind_ip_all']), 'vm')).toBe('vm');
  });
});
