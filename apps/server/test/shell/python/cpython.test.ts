import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PythonRepl } from '../../../src/shell/python/repl';
import { run } from '../harness';
import { FakePyMongoBackend } from './fakeBackend';

/**
 * Lines typed into CPython 3.11.7's interactive interpreter (`python3 -q -i`), one fresh
 * interpreter per line, with what it printed (prompts removed). The lab's Python must print the same.
 */
const golden = JSON.parse(readFileSync(new URL('./cpython311.golden.json', import.meta.url), 'utf8')) as Record<string, string>;

describe('the lab Python against recorded CPython 3.11 output', () => {
  it('has a meaningful number of recorded cases', () => {
    expect(Object.keys(golden).length).toBeGreaterThan(100);
  });
  for (const [line, expected] of Object.entries(golden)) {
    it(`prints what CPython prints for ${JSON.stringify(line).slice(0, 60)}`, async () => {
      const repl = new PythonRepl({ backend: new FakePyMongoBackend() });
      let r = await run(repl, line);
      let output = r.output;
      if (r.outcome.continuation) {
        r = await run(repl, '');
        output += r.output;
      }
      expect(output).toBe(expected);
    });
  }
});
