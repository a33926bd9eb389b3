import { describe, expect, it } from 'vitest';
import { CliUsageError, parseArgs, parseReplSet } from '../../src/cli/args';
import type { MongodOptions } from '../../src/cli/args';
import { versionText } from '../../src/cli/version';
import { oplogParametersFrom, replParametersFrom } from '../../src/cli/runtime';

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

  it('takes the replication --setParameter knobs mongod has under their names (repl_server_parameters.idl: numInitialSyncAttempts)', () => {
    const options = run(['--replSet', 'foo', '--setParameter', 'numInitialSyncAttempts=3', '--setParameter', 'maxSyncSourceLagSecs=5']);
    expect(replParametersFrom(options.setParameters)).toEqual({ numInitialSyncAttempts: 3, maxSyncSourceLagSecs: 5 });
  });

  it("reads mongod's YAML config file (--config/-f): replication.oplogSizeMB and the rest; the command line wins", () => {
    const file = [
      'net:',
      '  port: 27018',
      '  bindIp: 127.0.0.1',
      'storage:',
      '  dbPath: /data/cfg',
      '  oplogMinRetentionHours: 2',
      'replication:',
      '  replSetName: foo',
      '  oplogSizeMB: 64',
      'systemLog:',
      '  destination: file',
      '  path: /tmp/mongod.log',
      '  logAppend: true',
      '  verbosity: 1',
      'setParameter:',
      '  enableTestCommands: 1',
      '',
    ].join('\n');
    const read = (name: string) => {
      expect(name).toBe('/etc/mongod.conf');
      return file;
    };
    const parse = (argv: string[]) => {
      const action = parseArgs(argv, read);
      if (action.action !== 'run') throw new Error(action.action);
      return action.options;
    };
    const options = parse(['-f', '/etc/mongod.conf']);
    expect(options).toMatchObject({ port: 27018, bindIp: ['127.0.0.1'], dbpath: '/data/cfg', replSet: 'foo', oplogSizeMB: 64, oplogMinRetentionHours: 2, logpath: '/tmp/mongod.log', logappend: true, verbosity: 1, setParameters: { enableTestCommands: '1' } });
    expect(options.parsed).toMatchObject({ config: '/etc/mongod.conf', replication: { replSet: 'foo', oplogSizeMB: 64 }, storage: { dbPath: '/data/cfg', oplogMinRetentionHours: 2 } });
    expect(oplogParametersFrom(options)).toEqual({ oplogBytesMax: 64 * 1024 * 1024, oplogMinRetentionHours: 2 });
    expect(parse(['--config', '/etc/mongod.conf', '--oplogSize', '5', '--port', '27019'])).toMatchObject({ oplogSizeMB: 5, port: 27019, replSet: 'foo' });
    const refuse = (text: string): string => {
      try {
        parseArgs(['-f', 'x.conf'], () => text);
      } catch (error) {
        expect(error).toBeInstanceOf(CliUsageError);
        expect((error as CliUsageError).exitCode).toBe(2);
        return (error as Error).message;
      }
      throw new Error('expected a refusal');
    };
    expect(refuse('net:\n  port: 1\n  bogus: 2\n')).toBe("Unrecognized option: net.bogus\ntry 'mongod --help' for more information");
    expect(refuse('net: [1\n')).toMatch(/^Error parsing YAML config file: /);
    expect(refuse('security:\n  authorization: enabled\n')).toMatch(/--auth is not supported/);
    expect(usageError(['-f', '/nonexistent/mongod.conf']).message).toBe("Error reading config file: No such file or directory\ntry 'mongod --help' for more information");
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

  it('refuses --auth clearly', () => {
    expect(usageError(['--auth']).message).toMatch(/--auth is not supported/);
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
