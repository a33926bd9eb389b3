import { expect, type Locator, type Page } from '@playwright/test';
import { openLab } from './fixtures';
import { members, pidOnPort, primaryAmong, run, selectShell, start } from './lesson-fixtures';
import { card, pane } from './ui-fixtures';

export const badge = (page: Page, host: string) => card(page, host).locator('.state-badge');

export const timelineSlider = (page: Page) => page.getByRole('slider', { name: 'Timeline position' });

/** Step "Timeline position" back with ArrowLeft until `host` shows PRIMARY and `pastShown` says the page shows the past. */
export async function rewindUntilPrimary(page: Page, host: string, pastShown: Locator): Promise<void> {
  await timelineSlider(page).focus();
  await expect
    .poll(async () => {
      if ((await badge(page, host).innerText()) === 'PRIMARY' && (await pastShown.count()) > 0) return true;
      await timelineSlider(page).press('ArrowLeft');
      return false;
    }, { message: `rewinding shows ${host} as PRIMARY`, timeout: 60_000, intervals: [250] })
    .toBe(true);
}

/**
 * The walkthrough's failover at 5×, as a learner types it: three members, initiated from Python,
 * a few seconds with the first primary, then `kill` on it; returns once another member is primary.
 */
export async function failOver(page: Page): Promise<{ oldPrimary: string; newPrimary: string }> {
  await openLab(page);
  await run(page, start[0] as string, 'morton.local');
  await pane(page, 'Cluster').getByLabel('speed').selectOption('5');
  for (const line of start.slice(1)) await run(page, line, 'listening on port');
  await page.getByRole('region', { name: 'Terminals' }).getByRole('button', { name: 'New shell' }).click();
  // Python starts in the page (Pyodide): its first start in a browser may take long on a busy machine.
  await run(page, 'python', '>>>');
  await run(page, 'from pymongo import Connection');
  await run(page, 'c = Connection("morton.local:27017", slave_okay=True)');
  await run(page, 'c.admin.command("replSetInitiate")', "'ok': 1.0");
  const oldPrimary = await primaryAmong(page, members);
  // Any member may win the first election: `c` follows the one that did, so that after the kill
  // its next read raises AutoReconnect (a Connection to a member that stays up would just answer).
  await run(page, `c = Connection("${oldPrimary}", slave_okay=True)`);
  // Let the history hold a few seconds with the old primary in charge.
  await page.waitForTimeout(1500);
  await selectShell(page, 'servers');
  const psText = await run(page, 'ps -ef');
  await run(page, `kill ${pidOnPort(psText, Number(oldPrimary.split(':')[1]))}`);
  await expect(badge(page, oldPrimary)).toHaveText('DOWN');
  const newPrimary = await primaryAmong(page, members.filter((h) => h !== oldPrimary));
  return { oldPrimary, newPrimary };
}
