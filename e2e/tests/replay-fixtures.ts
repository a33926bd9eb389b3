import { expect, type Page } from '@playwright/test';
import { badge } from './failover-fixtures';

/** A replay page's parts (issue 19, "Replays to share"). */
export const replayPosition = (page: Page) => page.getByRole('slider', { name: 'Replay position' });
export const replayTerminal = (page: Page) => page.getByRole('region', { name: 'Replay terminal' });
export const replayTerminalText = async (page: Page) => (await replayTerminal(page).locator('.xterm-rows').innerText()).replace(/\u00a0/g, ' ');

/** Step the replay's slider forward from its start until `host` shows PRIMARY. */
export async function seekUntilPrimary(page: Page, host: string): Promise<void> {
  await replayPosition(page).focus();
  await replayPosition(page).press('Home');
  await expect
    .poll(async () => {
      // At the replay's start there may be no card for `host` yet.
      if ((await badge(page, host).count()) > 0 && (await badge(page, host).innerText()) === 'PRIMARY') return true;
      await replayPosition(page).press('ArrowRight');
      return false;
    }, { message: `the replay shows ${host} as PRIMARY`, timeout: 60_000, intervals: [200] })
    .toBe(true);
}

/** Save a replay under `name` from a lab or instructor page; returns its link. */
export async function saveReplay(page: Page, name: string): Promise<string> {
  await page.getByRole('button', { name: 'Save replay' }).click();
  await page.getByRole('textbox', { name: 'Replay name' }).fill(name);
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  const linkBox = page.getByRole('textbox', { name: 'Replay link' });
  await expect(linkBox).toHaveValue(/\/#replay=r-[a-z0-9]+$/);
  return linkBox.inputValue();
}
