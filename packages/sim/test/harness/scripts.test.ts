import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ScriptError, runScript } from '../../src/harness/script';

const dir = new URL('./scripts/', import.meta.url);

describe('scenario scripts (test/harness/scripts/*.txt)', () => {
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.txt')).sort()) {
    it(file, async () => {
      const { cluster } = await runScript(readFileSync(new URL(file, dir), 'utf8'));
      cluster.stopAll();
    });
  }

  it('reports the failing line with what ran before it', async () => {
    const script = 'create 3 seed=7\ninitiate\nwait primary within 30s\nexpect primary term 5\n';
    const error = await runScript(script).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ScriptError);
    expect((error as ScriptError).line).toBe(4);
    expect((error as Error).message).toMatch(/is in term 1, expected 5/);
    expect((error as Error).message).toContain('ok: initiate');
  });
});
