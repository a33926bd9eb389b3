import { expect, test, type Page } from '@playwright/test';
import { openLab, terminalText, typeLine } from './fixtures';
import { run, squash } from './lesson-fixtures';

// The client shell's Python is CPython (Pyodide) running in this page's Web Worker, typed line
// by line as in a real REPL. What it prints is what CPython prints.

/** Type a line and wait for the prompt (`>>> ` or `... `) after what it printed; returns the text after the line. */
async function py(page: Page, line: string, expectText?: string): Promise<string> {
  const before = (await terminalText(page)).length;
  await typeLine(page, line);
  let after = '';
  await expect
    .poll(async () => {
      const text = await terminalText(page);
      after = text.slice(Math.max(0, before - 200));
      const tail = squash(after);
      if (expectText !== undefined && !tail.includes(squash(expectText))) return false;
      return /(>>>|\.\.\.)$/.test(tail);
    }, { message: `Python answers ${line}`, timeout: 30_000 })
    .toBe(true);
  return after;
}

test('CPython in the page: blocks, lambdas, classes, comprehensions, f-strings, the stdlib, tracebacks', async ({ page }) => {
  test.setTimeout(120_000);
  await openLab(page);
  // The progress line shows while Python starts, then the real banner and prompt.
  await run(page, 'python', '>>>');
  expect(squash(await terminalText(page))).toMatch(/\$python(starting.*)?Python3\.14\.\d+.*onemscripten/);
  expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);

  await py(page, 'def double(x):');
  await py(page, '    return x * 2');
  await py(page, '');
  await py(page, 'double(21)', '42');
  await py(page, 'inc = lambda y: y + 1');
  await py(page, 'inc(41)', '42');
  await py(page, 'class Point:');
  await py(page, '    def __repr__(self): return "Point()"');
  await py(page, '');
  await py(page, 'Point()', 'Point()');
  await py(page, 'i = 0');
  await py(page, 'while i < 3:');
  await py(page, '    i += 1');
  await py(page, '');
  await py(page, 'if i == 3:');
  await py(page, '    print("three")');
  await py(page, '', 'three');
  await py(page, '[x * x for x in range(4) if x % 2 == 0]', '[0, 4]');
  await py(page, 'f"{3.14159:.2f}|{42:>5}|{255:#x}"', "'3.14|   42|0xff'");
  await py(page, 'import json, random, datetime');
  await py(page, 'json.dumps({"a": [1, 2.5]})', `'{"a": [1, 2.5]}'`);
  await py(page, 'datetime.date(2010, 9, 1).isoformat()', "'2010-09-01'");
  const zero = await py(page, '1/0', 'ZeroDivisionError: division by zero');
  expect(zero).toContain('Traceback (most recent call last):');
  expect(zero).toContain('File "<stdin>", line 1, in <module>');
  await py(page, 'nosuchname', "NameError: name 'nosuchname' is not defined");

  // Tab completes from the live namespace (rlcompleter).
  await page.keyboard.type('doub');
  await page.keyboard.press('Tab');
  await expect.poll(async () => squash(await terminalText(page))).toMatch(/>>>double\($/);
  await page.keyboard.type('2)');
  await page.keyboard.press('Enter');
  await expect.poll(async () => squash(await terminalText(page))).toMatch(/>>>double\(2\)4>>>$/);

  // A runaway loop hurts only this tab, and Ctrl-C stops it with KeyboardInterrupt.
  await py(page, 'while True: pass');
  await typeLine(page, '');
  await page.waitForTimeout(500);
  await page.keyboard.press('Control+C');
  await expect.poll(async () => squash(await terminalText(page)), { timeout: 15_000 }).toMatch(/KeyboardInterrupt>>>$/);
  await py(page, '"still here"', "'still here'");
});
