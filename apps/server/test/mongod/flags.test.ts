import { describe, expect, it } from 'vitest';
import { parseMongodArgs } from '../../src/mongod/flags';

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
