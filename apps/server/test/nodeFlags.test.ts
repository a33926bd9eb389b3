import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runsWithServerNodeOptions, serverNodeOptions } from '../src/nodeFlags';

describe('server node options', () => {
  it('are what `pnpm start` and `pnpm dev` put into NODE_OPTIONS', () => {
    const scripts = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { scripts: Record<string, string> }).scripts;
    for (const name of ['start', 'dev']) expect(scripts[name]).toContain(`NODE_OPTIONS="${serverNodeOptions} \${NODE_OPTIONS:-}"`);
  });

  it('are recognised on the command line or in NODE_OPTIONS, and missed when absent', () => {
    expect(runsWithServerNodeOptions([serverNodeOptions], {})).toBe(true);
    expect(runsWithServerNodeOptions([], { NODE_OPTIONS: `--enable-source-maps ${serverNodeOptions}` })).toBe(true);
    expect(runsWithServerNodeOptions(['--max-semi-space-size=16'], { NODE_OPTIONS: '--inspect' })).toBe(false);
    expect(runsWithServerNodeOptions([], {})).toBe(false);
  });
});
