import { expect, test, type Page } from '@playwright/test';
import { openLab, terminalText, typeLine } from './fixtures';
import { answerTimeoutMillis, members, pidOnPort, primaryAmong, run, selectShell, squash, start } from './lesson-fixtures';
import { card, pane, screenshot } from './ui-fixtures';

// The shells a learner steps off the lesson in, in Chromium (issue 15's "Done when"): CPython's
// retry loop through a real failover, typed line by line, and mongosh's own shell API.

/** Type a line; wait until `expectText` (if any) shows after it and the screen ends in a prompt matching `prompt`. */
async function typed(page: Page, line: string, prompt: RegExp, expectText?: string, timeout = Math.max(30_000, answerTimeoutMillis(line)), anchor = line): Promise<string> {
  await typeLine(page, line);
  let after = '';
  // An empty line (ending a block) is found after the block's last line.
  const typedLine = squash(anchor);
  await expect
    .poll(async () => {
      const screen = squash(await terminalText(page));
      // No anchor: the answer is longer than the screen (the typed line scrolled away).
      const at = typedLine === '' ? 0 : screen.lastIndexOf(typedLine);
      if (at === -1) return false;
      after = screen.slice(at + typedLine.length);
      if (expectText !== undefined && !after.includes(squash(expectText))) return false;
      return prompt.test(after);
    }, { message: `the shell answers ${line}`, timeout })
    .toBe(true);
  return after;
}
const py = (page: Page, line: string, expectText?: string, timeout?: number, anchor?: string) => typed(page, line, /(>>>|\.\.\.)$/, expectText, timeout, anchor);
/** mongosh's prompt: `foo [direct: secondary] test> ` (squashed: ends in `>`), `... ` inside a block. */
const sh = (page: Page, line: string, expectText?: string) => typed(page, line, /(test>|\.\.\.)$/, expectText);

async function startSet(page: Page): Promise<void> {
  await pane(page, 'Cluster').getByLabel('speed').selectOption('5');
  for (const line of start) await run(page, line);
  await page.getByRole('region', { name: 'Terminals' }).getByRole('button', { name: 'New shell' }).click();
  await run(page, 'python', '>>>');
  await py(page, 'from pymongo import Connection');
  await py(page, 'c = Connection("morton.local:27017", slave_okay=True)');
  await py(page, 'c.admin.command("replSetInitiate")', "'ok': 1.0");
  await primaryAmong(page, members);
}

test('the retry loop with try/except AutoReconnect/time.sleep/break works through a failover, typed line by line', async ({ page }) => {
  test.setTimeout(180_000);
  await openLab(page);
  await startSet(page);
  await expect.poll(async () => {
    await run(page, 'db = Connection("morton.local").test');
    return squash(await terminalText(page)).endsWith('db=Connection("morton.local").test>>>');
  }, { timeout: 30_000 }).toBe(true);
  await py(page, 'db.test.save({"x": 1})', "ObjectId('");
  const port = Number(/db\.connection\.port\s*\n(2701[789])/.exec(await run(page, 'db.connection.port', /2701[789]/))?.[1]);
  await selectShell(page, 'servers');
  await run(page, `kill ${pidOnPort(await run(page, 'ps -ef'), port)}`);
  await expect(card(page, `morton.local:${port}`)).toContainText('DOWN');
  await selectShell(page, 'client');
  await py(page, 'import time');
  await py(page, 'from pymongo.errors import AutoReconnect');
  await py(page, 'for attempt in range(60):');
  await py(page, '    try:');
  await py(page, '        print(attempt, db.test.find_one()["x"])');
  await py(page, '        break');
  await py(page, '    except AutoReconnect as e:');
  await py(page, '        print("retrying:", type(e).__name__)');
  await py(page, '        time.sleep(1)');
  // The first attempt meets the dead primary (1.8 raises AutoReconnect), later ones find the new one.
  // The empty line ends the block: wait for the main prompt, not the continuation just shown.
  const out = await typed(page, '', />>>$/, '1', 90_000, '        time.sleep(1)');
  expect(out).toContain(squash('retrying: AutoReconnect'));
  expect(out).toMatch(/\d+1>>>$/);
  expect(out).not.toContain('Traceback');
  // The connection now names the new primary.
  expect(await py(page, 'db.connection.port', '')).not.toContain(String(port));
  await screenshot(page, 'shells-retry-loop-laptop');
});

test("mongosh is mongosh's own shell: a for loop, arrow functions, template strings, the rs helpers, db.getMongo(), show dbs, --port", async ({ page }) => {
  test.setTimeout(180_000);
  await openLab(page);
  await startSet(page);
  await run(page, 'exit()');
  await typed(page, 'mongosh --port 27019', /test>$/);
  expect(squash(await terminalText(page))).toContain(squash('Connecting to:\t\tmongodb://127.0.0.1:27019/?directConnection=true'));
  expect(await sh(page, 'db.getMongo()', 'mongodb://127.0.0.1:27019/?directConnection=true')).toBeTruthy();
  await sh(page, 'for (let i = 0; i < 2; i++) {');
  await sh(page, '  print(`n ${i}`)');
  expect(await sh(page, '}', 'n 0')).toContain('n1');
  await sh(page, 'const double = (x) => x * 2');
  await sh(page, '[1, 2, 3].map(double)', '[ 2, 4, 6 ]');
  // rs.help() is longer than the screen: its last lines show, then the prompt.
  await typed(page, 'rs.help()', /test>$/, 'syncFrom', 30_000, '');
  expect(squash(await terminalText(page))).toContain(squash('reference/method/js-replication/'));
  await sh(page, 'rs.printReplicationInfo()', 'actual oplog size');
  await sh(page, 'rs.printSecondaryReplicationInfo()', 'syncedTo');
  const dbs = await sh(page, 'show dbs', 'local');
  for (const name of ['admin', 'config', 'local', 'test']) expect(dbs).toContain(name);
  await screenshot(page, 'shells-mongosh-laptop');
});

test.describe('on a phone', () => {
  test.use({ viewport: { width: 390, height: 844 } });
  test('Python in the page answers a block typed line by line', async ({ page }) => {
    test.setTimeout(120_000);
    await openLab(page);
    await run(page, 'python', '>>>');
    await py(page, 'for i in range(3):');
    await py(page, '    print(f"{i:>3}|{i / 3:.2f}")');
    expect(await typed(page, '', />>>$/, '2|0.67', undefined, 'print(f"{i:>3}|{i / 3:.2f}")')).toContain(squash('  0|0.00\n  1|0.33'));
    await screenshot(page, 'shells-python-phone', true);
  });
});
