import { describe, expect, it } from 'vitest';
import { mongoshVersion, parseMongoshCommandLine } from '../../src/mongosh/commandLine';
import { ShellApi } from '@mongosh/shell-api';

// mongosh's own parser and connection-string builder (@mongosh/cli-repl, @mongosh/arg-parser);
// the URIs are the ones mongosh 2.12.0 prints after "Connecting to:".
describe('mongosh command lines', () => {
  it('connects to 127.0.0.1:27017 by default, directly, and names itself', () => {
    const line = parseMongoshCommandLine([]);
    expect(line.uri).toBe('mongodb://127.0.0.1:27017/?directConnection=true&serverSelectionTimeoutMS=2000&appName=mongosh+2.12.0');
    expect(line.quiet).toBe(false);
  });

  it('--port 27019 is port 27019 (not a database named 27019)', () => {
    expect(parseMongoshCommandLine(['--port', '27019']).uri).toBe(
      'mongodb://127.0.0.1:27019/?directConnection=true&serverSelectionTimeoutMS=2000&appName=mongosh+2.12.0',
    );
    // A bare word is a database on the local server, as mongosh reads it.
    expect(parseMongoshCommandLine(['27019']).uri).toBe('mongodb://127.0.0.1:27017/27019?directConnection=true&serverSelectionTimeoutMS=2000&appName=mongosh+2.12.0');
  });

  it('--host and --port, host/db, and the set/seed-list host form', () => {
    expect(parseMongoshCommandLine(['--host', 'morton.local', '--port', '27018']).uri).toBe('mongodb://morton.local:27018/?directConnection=true&appName=mongosh+2.12.0');
    expect(parseMongoshCommandLine(['morton.local:27018/admin']).uri).toBe('mongodb://morton.local:27018/admin?directConnection=true&appName=mongosh+2.12.0');
    expect(parseMongoshCommandLine(['--host', 'foo/morton.local:27017,morton.local:27018']).uri).toBe(
      'mongodb://morton.local:27017,morton.local:27018/?replicaSet=foo&appName=mongosh+2.12.0',
    );
  });

  it('keeps a connection string as given, adding only the appName', () => {
    const line = parseMongoshCommandLine(['mongodb://morton.local:27017,morton.local:27018,morton.local:27019/?replicaSet=foo']);
    expect(line.uri).toBe('mongodb://morton.local:27017,morton.local:27018,morton.local:27019/?replicaSet=foo&appName=mongosh+2.12.0');
    expect(line.displayUri).toBe(line.uri);
    // One host and no replicaSet: mongosh connects directly.
    expect(parseMongoshCommandLine(['mongodb://h:1/?appName=mine']).uri).toBe('mongodb://h:1/?appName=mine&directConnection=true');
  });

  it('--eval is quiet by default, --nodb connects nowhere', () => {
    const line = parseMongoshCommandLine(['--eval', 'rs.status().ok', 'morton.local:27018']);
    expect(line.evalScripts).toEqual(['rs.status().ok']);
    expect(line.quiet).toBe(true);
    expect(line.shellCliOptions.deepInspect).toBe(false);
    expect(parseMongoshCommandLine(['--quiet']).quiet).toBe(true);
    expect(parseMongoshCommandLine(['--nodb']).uri).toBe('');
  });

  it('is the version of the shell API it runs', () => {
    expect(mongoshVersion).toBe((ShellApi.prototype as unknown as { version(): string }).version());
  });
});
