import { describe, expect, it } from 'vitest';
import type { Interpreter } from '../../src/terminal/session';
import { BashShell } from '../../src/shell/bash/shell';

describe("the shells fit the terminal session's Interpreter interface", () => {
  it('type-checks and runs a line through the interface', async () => {
    const host = {
      hostname: () => 'morton.local',
      now: () => 0,
      mongod: () => Promise.resolve({ pid: 1, port: 27017, logHint: 'logs 1' }),
      ps: () => [],
      kill: () => Promise.resolve(false),
      logs: () => Promise.resolve(),
      python: () => Promise.reject(new Error('not started here')),
      mongosh: () => Promise.reject(new Error('not started here')),
    };
    const interpreters: Interpreter[] = [new BashShell(host)];
    let out = '';
    const io = { write: (t: string) => (out += t), clear: () => undefined, signal: new AbortController().signal };
    for (const i of interpreters) await i.execute('1', io);
    expect(out).toBe('bash: 1: command not found\n');
    expect(await Promise.all(interpreters.map(async (i) => (await i.complete?.('he', 2))?.candidates))).toEqual([['help']]);
  });
});
