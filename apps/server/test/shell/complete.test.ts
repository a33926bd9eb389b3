import { describe, expect, it } from 'vitest';
import { completeBash } from '../../src/shell/complete';

describe('bash completion', () => {
  const host = { ps: () => [{ pid: 12345, args: ['mongod'], cpuSeconds: 0, startedAtMillis: 0 }, { pid: 12399, args: ['mongod'], cpuSeconds: 0, startedAtMillis: 0 }] };
  it('completes commands, mongod flags and PIDs', () => {
    expect(completeBash('mon', 3, host)).toEqual({ replaceFrom: 0, candidates: ['mongod', 'mongosh'] });
    expect(completeBash('mongod --re', 11, host)).toEqual({ replaceFrom: 7, candidates: ['--replSet', '--rest'] });
    expect(completeBash('kill -9 123', 11, host)).toEqual({ replaceFrom: 8, candidates: ['12345', '12399'] });
    expect(completeBash('echo a; py', 10, host)).toEqual({ replaceFrom: 8, candidates: ['python', 'python3'] });
    expect(completeBash('echo zz', 7, host).candidates).toEqual([]);
  });
});

