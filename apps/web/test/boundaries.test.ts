import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { cruise, type ICruiseResult, type IConfiguration } from 'dependency-cruiser';
import { describe, expect, it } from 'vitest';

const require = createRequire(import.meta.url);
const config = require('../.dependency-cruiser.cjs') as IConfiguration;
const fixture = fileURLToPath(new URL('./fixtures/boundaries', import.meta.url));

/** The rules of this package's .dependency-cruiser.cjs (what `pnpm deps` checks) that the fixture's modules break. */
async function brokenRules(): Promise<string[]> {
  const { tsConfig: _tsConfig, ...options } = config.options ?? {};
  const result = await cruise(['src'], { ...options, baseDir: fixture, validate: true, ruleSet: { forbidden: config.forbidden ?? [] } });
  return (result.output as ICruiseResult).summary.violations.map((violation) => `${violation.rule.name}: ${violation.to}`).sort();
}

describe('the import boundaries of the page (.dependency-cruiser.cjs)', () => {
  it('refuse the server package and Node built-ins, naming the rules', async () => {
    expect(await brokenRules()).toEqual(['not-to-unresolvable: @rslab/server', 'web-not-to-server: @rslab/server', 'web-runs-in-a-browser: fs']);
  });
});
