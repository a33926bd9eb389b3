import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { cruise, type ICruiseResult, type IConfiguration } from 'dependency-cruiser';
import { describe, expect, it } from 'vitest';

const require = createRequire(import.meta.url);
const config = require('../../.dependency-cruiser.cjs') as IConfiguration;
const fixture = fileURLToPath(new URL('../fixtures/boundaries', import.meta.url));

/** The rules of this package's .dependency-cruiser.cjs (what `pnpm deps` checks) that the fixture's modules break. */
async function brokenRules(): Promise<string[]> {
  const { tsConfig: _tsConfig, ...options } = config.options ?? {};
  const result = await cruise(['src'], { ...options, baseDir: fixture, validate: true, ruleSet: { forbidden: config.forbidden ?? [] } });
  return (result.output as ICruiseResult).summary.violations.map((violation) => `${violation.rule.name}: ${violation.from} → ${violation.to}`).sort();
}

describe('the import boundaries of the runtimes (.dependency-cruiser.cjs)', () => {
  it('refuse a host that imports a language, a language that imports the Node side, and Node built-ins in browser code', async () => {
    expect(await brokenRules()).toEqual([
      'host-knows-no-language: src/host/host.ts → src/python/python.ts',
      'languages-know-no-host: src/python/python.ts → src/node/node.ts',
      'runtime-runs-in-a-browser: src/python/python.ts → fs',
    ]);
  });
});
