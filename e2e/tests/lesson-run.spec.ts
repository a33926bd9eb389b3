import { expect, test, type Page } from '@playwright/test';
import { openLab, terminalText } from './fixtures';
import { expectDone, expectRefused, members, predict, primaryAmong, shellTab, step } from './lesson-fixtures';
import { card, pane } from './ui-fixtures';

/** Press "Run this" for `command` in step `n` and wait for the shell to show the line. */
async function runThis(page: Page, n: number, title: string, command: string, expectText?: string): Promise<void> {
  const current = step(page, n, title);
  await expect(current).toHaveAttribute('aria-current', 'step');
  await current.getByRole('button', { name: `Run this: ${command}`, exact: true }).click();
  if (expectText !== undefined) await expect.poll(() => terminalText(page), { timeout: 20_000 }).toContain(expectText);
}

test('"Run this" types each command into the shell the lesson names, opening the client shell when needed', async ({ page }) => {
  test.setTimeout(90_000);
  await openLab(page);
  await pane(page, 'Cluster').getByLabel('speed').selectOption('5');
  const firstStep = step(page, 1, 'Find the host name');
  await expect(firstStep.locator('.command-shell').first()).toHaveText('in the servers shell');
  await runThis(page, 1, 'Find the host name', 'hostname', 'morton$ hostname\nmorton.local');
  await expectDone(page, 1, 'Find the host name');
  await runThis(page, 2, 'Start the first member', 'mongod --replSet foo/morton.local:27018,morton.local:27019 --rest', 'listening on port 27017');
  await runThis(page, 3, 'Start two more members', 'mongod --port 27018 --dbpath /data/db1 --replSet foo/morton.local:27017 --rest', 'listening on port 27018');
  await runThis(page, 3, 'Start two more members', 'mongod --port 27019 --dbpath /data/db2 --replSet foo/morton.local:27017 --rest', 'listening on port 27019');
  await expectDone(page, 3, 'Start two more members');

  // Python belongs in the client shell: the first client command opens it and runs there.
  const connect = step(page, 4, 'Connect to one member');
  await expect(connect.locator('.command-shell').first()).toHaveText('in the client shell');
  await expect(shellTab(page, 'client')).toHaveCount(0);
  // A Python line pressed before python runs is not typed into bash; the page says what to do.
  await runThis(page, 4, 'Connect to one member', 'from pymongo import Connection', '[This line is for Python: start python in this shell first.]');
  expect(await terminalText(page)).not.toContain('syntax error');
  await runThis(page, 4, 'Connect to one member', 'python', 'Type "help"');
  await expect(shellTab(page, 'client')).toHaveAttribute('aria-selected', 'true');
  await expect.poll(() => terminalText(page)).toMatch(/\n>>>$/);
  // Pressed again, it does not type `python` at the Python prompt.
  await runThis(page, 4, 'Connect to one member', 'python');
  await runThis(page, 4, 'Connect to one member', 'from pymongo import Connection', '>>> from pymongo import Connection');
  await runThis(page, 4, 'Connect to one member', 'c = Connection("morton.local:27017", slave_okay=True)');
  await expectDone(page, 4, 'Connect to one member');
  expect(await terminalText(page)).not.toContain('NameError');

  const initiate = 'Initiate, and watch the members come online';
  await predict(page, 5, /^The one on 27017/);
  await runThis(page, 5, initiate, 'c.admin.command("replSetInitiate")', "'ok': 1.0");
  const primary = await primaryAmong(page, members);
  await expectDone(page, 5, initiate, 30_000);
  await runThis(page, 6, 'Connect through seeds', 'Connection("morton.local")', "Connection('morton.local', 27017)");
  await expectDone(page, 6, 'Connect through seeds');
  await runThis(page, 7, 'Save a document and read it back', 'db = Connection("morton.local").test');
  await runThis(page, 7, 'Save a document and read it back', 'db.test.save({"x": 1})', "ObjectId('");
  // Saved is not yet read back: the step waits for the read its title names.
  await expectRefused(page, 7, 'Save a document and read it back', /Now read it back with db\.test\.find_one\(\)\./);
  await runThis(page, 7, 'Save a document and read it back', 'db.test.find_one()', "'x': 1");
  await expectDone(page, 7, 'Save a document and read it back');
  await runThis(page, 8, 'Which member is primary?', 'db.connection.port', `\n${primary.split(':')[1]}\n`);
  await expectDone(page, 8, 'Which member is primary?');
  // From the client shell, `kill -9 {{pid:primary}}` goes to the servers shell, shown and typed
  // with the primary's process id.
  await expect(shellTab(page, 'client')).toHaveAttribute('aria-selected', 'true');
  const pid = (await card(page, primary).innerText()).match(/pid (\d+)/)?.[1];
  expect(pid).toBeDefined();
  await predict(page, 9, /^About an election timeout/);
  await runThis(page, 9, 'Kill the primary', `kill -9 ${pid}`, `morton$ kill -9 ${pid}\n`);
  await expect(shellTab(page, 'servers')).toHaveAttribute('aria-selected', 'true');
  await expectDone(page, 9, 'Kill the primary');
  await expect(card(page, primary)).toContainText('DOWN');
});
