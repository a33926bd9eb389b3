import { expect, test, type Page } from '@playwright/test';
import { badge, failOver } from './failover-fixtures';
import { card, pane } from './ui-fixtures';

/** Issue 19, "Replays to share": save a failover as a replay; a fresh browser plays it read-only and branches from it. */

const position = (page: Page) => page.getByRole('slider', { name: 'Replay position' });

/** Step the replay's slider forward from its start until `host` shows PRIMARY. */
async function seekUntilPrimary(page: Page, host: string): Promise<void> {
  await position(page).focus();
  await position(page).press('Home');
  await expect
    .poll(async () => {
      // At the replay's start there may be no card for `host` yet.
      if ((await badge(page, host).count()) > 0 && (await badge(page, host).innerText()) === 'PRIMARY') return true;
      await position(page).press('ArrowRight');
      return false;
    }, { message: `the replay shows ${host} as PRIMARY`, timeout: 60_000, intervals: [200] })
    .toBe(true);
}

test('a learner saves a failover as a replay; a fresh browser plays the same events (old primary first, new at the end) and branches from it', async ({ page, browser }) => {
  test.setTimeout(180_000);
  const { oldPrimary, newPrimary } = await failOver(page);
  // A moment or two with the new primary in charge.
  await page.waitForTimeout(1500);

  await page.getByRole('button', { name: 'Save replay' }).click();
  await page.getByRole('textbox', { name: 'Replay name' }).fill('Failover, Tuesday');
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  const linkBox = page.getByRole('textbox', { name: 'Replay link' });
  await expect(linkBox).toHaveValue(/\/#replay=r-[a-z0-9]+$/);
  const link = await linkBox.inputValue();
  const savedDigest = /digest (\S+)$/.exec(await page.getByTestId('saved-replay-digest').innerText())?.[1];
  expect(savedDigest).toMatch(/^\d+-[0-9a-f]{8}$/);

  // A fresh browser: no cookie, no session. It plays the replay without a sandbox of its own.
  const fresh = await browser.newContext();
  const viewer = await fresh.newPage();
  await viewer.goto(link);
  await expect(viewer.getByText('Replay “Failover, Tuesday”')).toBeVisible();
  await expect(position(viewer)).toBeVisible();
  // Read-only: the members' controls are disabled.
  await seekUntilPrimary(viewer, oldPrimary);
  await expect(card(viewer, oldPrimary).getByRole('button', { name: 'kill', exact: true })).toBeDisabled();
  await expect(viewer.getByRole('region', { name: 'Terminal', exact: true })).toHaveCount(0);
  // At the end: the new primary, the old one down, and every event the learner's sandbox had by then.
  await position(viewer).press('End');
  await expect(badge(viewer, newPrimary)).toHaveText('PRIMARY');
  await expect(badge(viewer, oldPrimary)).toHaveText('DOWN');
  await expect(viewer.getByTestId('replay-digest')).toHaveText(`digest ${savedDigest}`);

  // Played from the start at 10×, it reaches the same end with the same events.
  await position(viewer).press('Home');
  await expect(viewer.getByTestId('replay-digest')).not.toHaveText(`digest ${savedDigest}`);
  await viewer.getByRole('combobox', { name: 'Replay speed' }).selectOption('10');
  await viewer.getByRole('button', { name: 'Play', exact: true }).click();
  await expect(viewer.getByRole('button', { name: 'Pause', exact: true })).toBeVisible();
  await expect(viewer.getByRole('button', { name: 'Play', exact: true })).toBeVisible({ timeout: 60_000 });
  await expect(viewer.getByTestId('replay-digest')).toHaveText(`digest ${savedDigest}`);
  await expect(badge(viewer, newPrimary)).toHaveText('PRIMARY');

  // "Branch from here" before the failover: a live sandbox of the viewer's own, the old primary in charge.
  await seekUntilPrimary(viewer, oldPrimary);
  await viewer.getByRole('button', { name: 'Branch from here' }).click();
  await expect(viewer.getByRole('status').first()).toHaveText('connected');
  await expect(badge(viewer, oldPrimary)).toHaveText('PRIMARY', { timeout: 30_000 });
  await expect(card(viewer, oldPrimary).getByRole('button', { name: 'kill', exact: true })).toBeEnabled();
  const timeline = pane(viewer, 'Timeline');
  await timeline.getByRole('button', { name: 'list', exact: true }).click();
  await expect(timeline.getByText(/branched from \d\d:\d\d:\d\d/).first()).toBeAttached();
  await fresh.close();
});
