import { expect, test } from '@playwright/test';
import { openLab, terminalText, typeLine } from './fixtures';
import { expectDone, members, predict, run, shellTab, squash, start, step } from './lesson-fixtures';
import { card, pane } from './ui-fixtures';

test('a reload mid-lesson finds the same sandbox, both shells with their history, and the same step', async ({ page }) => {
  test.setTimeout(150_000);
  await openLab(page);
  await pane(page, 'Cluster').getByLabel('speed').selectOption('5');
  for (const line of start) await run(page, line);
  await expectDone(page, 3, 'Start two more members');
  await page.getByRole('region', { name: 'Terminals' }).getByRole('button', { name: 'New shell' }).click();
  await expect(shellTab(page, 'client')).toHaveAttribute('aria-selected', 'true');
  await run(page, 'python', '>>>');
  await run(page, 'from pymongo import Connection');
  await run(page, 'c = Connection("morton.local:27017", slave_okay=True)');
  await expectDone(page, 4, 'Connect to one member');
  const current = step(page, 5, 'Initiate, and watch the members come online');
  await expect(current).toHaveAttribute('aria-current', 'step');
  const reason = await current.locator('.step-state').innerText();

  await page.reload();
  await expect(page.getByRole('status')).toHaveText('connected');
  // The same shell is in front, with what was typed in it and Python still running.
  await expect(shellTab(page, 'client')).toHaveAttribute('aria-selected', 'true');
  await expect.poll(() => terminalText(page)).toContain('>>> c = Connection("morton.local:27017", slave_okay=True)');
  await expect.poll(() => terminalText(page)).toMatch(/\n>>>$/);
  // The line editor's history came back too: Up recalls the last line typed in this shell.
  await pane(page, 'Terminal').click();
  await page.keyboard.press('ArrowUp');
  await expect.poll(() => terminalText(page)).toMatch(/>>> c = Connection\("morton\.local:27017", slave_okay=True\)$/);
  await page.keyboard.press('Control+C');
  // The lesson is at the same step, with the same reason, and the steps before are done.
  await expect(current).toHaveAttribute('aria-current', 'step');
  await expect(current.locator('.step-state')).toHaveText(reason);
  for (const [n, title] of [[1, 'Find the host name'], [4, 'Connect to one member']] as const) await expectDone(page, n, title);
  // The same sandbox: its members are still running. Python ran in the page that reloaded, so
  // its variables went with it (runtime-host.md), and the shell says so; the next line starts a
  // fresh Python here, where the import and `c` are typed again.
  for (const host of members) await expect(card(page, host)).toContainText('STARTUP');
  await expect.poll(async () => squash(await terminalText(page))).toContain(squash('its variables are gone'));
  await run(page, 'from pymongo import Connection', 'starting a fresh python');
  await run(page, 'c = Connection("morton.local:27017", slave_okay=True)');
  expect(await terminalText(page)).not.toContain('Traceback');
  await predict(page, 5, /^The one on 27017/);
  await run(page, 'c.admin.command("replSetInitiate")', "'ok': 1.0");
  await expectDone(page, 5, 'Initiate, and watch the members come online', 30_000);
  // The other shell kept its own screen.
  await shellTab(page, 'servers').click();
  await expect.poll(() => terminalText(page)).toContain('listening on port 27019');
  await typeLine(page, 'ps');
  await expect.poll(() => terminalText(page)).toMatch(/mongod\n.*mongod\n.*mongod/);
});
