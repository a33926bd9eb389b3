import { describe, expect, it } from 'vitest';
import { ScriptError, runScript } from '../../src/harness/script';

describe('a scenario script', () => {
  it('that expects nothing fails, whatever it ran', async () => {
    const error = await runScript('create 3 seed=7\ninitiate\nwait primary within 30s\n').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ScriptError);
    expect((error as Error).message).toMatch(/must expect something/);
  });

  it('with one expectation runs as before', async () => {
    const { cluster } = await runScript('create 3 seed=7\ninitiate\nwait primary within 30s\nexpect primary term 1\n');
    cluster.stopAll();
  });
});
