import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { cruise, type ICruiseResult, type IConfiguration } from 'dependency-cruiser';
import { describe, expect, it } from 'vitest';

const require = createRequire(import.meta.url);
const config = require('../.dependency-cruiser.cjs') as IConfiguration;
const fixture = fileURLToPath(new URL('./fixtures/boundaries', import.meta.url));

/** The rules of this package's .dependency-cruiser.cjs that the modules under `fixture` break. */
async function brokenRules(): Promise<string[]> {
  const { tsConfig: _tsConfig, ...options } = config.options ?? {};
  const result = await cruise(['src'], { ...options, baseDir: fixture, validate: true, ruleSet: { forbidden: config.forbidden ?? [] } });
  const summary = (result.output as ICruiseResult).summary;
  return summary.violations.map((violation) => `${violation.rule.name}: ${violation.from} → ${violation.to}`).sort();
}

describe('the import boundaries (.dependency-cruiser.cjs, run by `pnpm deps`)', () => {
  it('refuse an engine importing the shell and a driver importing shell internals, naming the rule', async () => {
    expect(await brokenRules()).toEqual([
      'driver-not-to-shell: src/driver/badDriver.ts → src/shell/io.ts',
      'engine-below-sandbox: src/engine/badEngine.ts → src/shell/io.ts',
    ]);
  });
});
