import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { MongoshRepl } from '../../../src/shell/mongosh/repl';
import { run } from '../harness';
import { FakeMongoshBackend } from './fakeBackend';

/**
 * Syntax errors recorded from mongosh 2.12's own parser (@mongosh/async-rewriter2, Babel) for
 * these lines; mongosh prints `SyntaxError: <message>` and a blank line.
 */
const golden = JSON.parse(readFileSync(new URL('./babel.golden.json', import.meta.url), 'utf8')) as Record<string, string>;

describe('the lab mongosh against recorded Babel syntax errors', () => {
  it('has recorded cases', () => {
    expect(Object.keys(golden).length).toBeGreaterThan(25);
  });
  for (const [line, message] of Object.entries(golden)) {
    it(`reports ${JSON.stringify(line).slice(0, 50)} as mongosh does`, async () => {
      const repl = new MongoshRepl({ backend: new FakeMongoshBackend() });
      expect((await run(repl, line)).output).toBe(`SyntaxError: ${message}\n\n`);
    });
  }

  it('asks for more lines where mongosh would (the error is at the end of the input)', async () => {
    for (const line of ['1 +', '[1, 2', 'db.test.find().', 'rs.initiate(', 'const x', '`abc', '{a:1']) {
      const repl = new MongoshRepl({ backend: new FakeMongoshBackend() });
      expect((await run(repl, line)).outcome, line).toEqual({ continuation: true });
    }
  });
});
