import { describe, expect, it } from 'vitest';
import { parseMongodArgs } from '../../../src/shell/bash/mongodFlags';
import { parseCommands, tokenizeBash } from '../../../src/shell/bash/tokenize';

const env = { variable: (n: string) => (n === 'X' ? 'ex' : undefined), substitute: (c: string) => (c === 'hostname' ? 'morton.local' : undefined) };

function words(src: string): string[] {
  const r = tokenizeBash(src, env);
  if (r.status !== 'ok') throw new Error(JSON.stringify(r));
  return r.tokens.map((t) => (t.kind === 'word' ? t.text : `<${t.op}>`));
}

describe('bash tokenizer', () => {
  it('splits words with quotes, escapes and expansions', () => {
    expect(words(`a 'b c' "d $X \\$X" e\\ f $X\${X} "$(hostname)" # rest`)).toEqual(['a', 'b c', 'd ex $X', 'e f', 'exex', 'morton.local']);
    expect(words('a;b&c && d || e')).toEqual(['a', '<;>', 'b', '<&>', 'c', '<&&>', 'd', '<||>', 'e']);
    expect(words("''")).toEqual(['']);
    expect(words('a#b')).toEqual(['a#b']);
  });

  it('reports what it is still waiting for', () => {
    expect(tokenizeBash('echo "abc', env)).toEqual({ status: 'incomplete', lookingFor: '"' });
    expect(tokenizeBash("echo 'abc", env)).toEqual({ status: 'incomplete', lookingFor: "'" });
    expect(tokenizeBash('mongod --port 27018 \\', env)).toEqual({ status: 'incomplete', lookingFor: '\\' });
    expect(tokenizeBash('echo a &&', env)).toEqual({ status: 'incomplete', lookingFor: 'command' });
    expect(words('mongod --port 27018 \\\n  --dbpath /data/db1')).toEqual(['mongod', '--port', '27018', '--dbpath', '/data/db1']);
  });

  it('groups commands and marks background ones', () => {
    const r = tokenizeBash('mongod --port 1 & mongod --port 2 &', env);
    if (r.status !== 'ok') throw new Error('tokenize');
    expect(parseCommands(r.tokens)).toEqual({
      status: 'ok',
      commands: [
        { words: ['mongod', '--port', '1'], background: true, after: null },
        { words: ['mongod', '--port', '2'], background: true, after: ';' },
      ],
    });
  });
});

describe('mongod flags', () => {
  it('parses the walkthrough lines', () => {
    const r = parseMongodArgs(['--port', '27018', '--dbpath', '/data/db1', '--replSet', 'foo/morton.local:27017', '--rest']);
    expect(r.kind).toBe('start');
    if (r.kind !== 'start') return;
    expect(r.options).toMatchObject({ port: 27018, dbpath: '/data/db1', replSet: 'foo', seeds: [{ host: 'morton.local', port: 27017 }] });
    expect(r.notes).toHaveLength(2);
  });

  it('accepts --flag=value, --bind_ip lists and defaults', () => {
    const r = parseMongodArgs(['--port=27020', '--bind_ip', 'localhost,morton.local', '--replSet', 'rs0']);
    expect(r).toMatchObject({ kind: 'start', options: { port: 27020, dbpath: '/data/db', replSet: 'rs0', seeds: [], bindIp: ['localhost', 'morton.local'] }, notes: [] });
    expect(parseMongodArgs([])).toMatchObject({ kind: 'start', options: { port: 27017, replSet: null } });
  });

  it("rejects bad input with mongod's own words", () => {
    expect(parseMongodArgs(['--bogus'])).toEqual({ kind: 'error', exitCode: 2, text: "Error parsing command line: unrecognised option '--bogus'\ntry 'mongod --help' for more information\n" });
    expect(parseMongodArgs(['-x'])).toMatchObject({ kind: 'error', text: expect.stringContaining("unrecognised option '-x'") });
    expect(parseMongodArgs(['--rest=1'])).toMatchObject({ kind: 'error', text: expect.stringContaining("option '--rest' does not take any arguments") });
    expect(parseMongodArgs(['foo'])).toMatchObject({ kind: 'error', text: expect.stringContaining('too many positional options') });
    expect(parseMongodArgs(['--port', '70000'])).toMatchObject({ kind: 'error' });
    expect(parseMongodArgs(['--replSet', '/h:1'])).toMatchObject({ kind: 'error', text: 'BadValue: bad --replSet config string format\n' });
  });
});
