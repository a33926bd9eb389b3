import { expect, test, type Page } from '@playwright/test';
import { badge, failOver, rewindUntilPrimary as rewindUntil, timelineSlider } from './failover-fixtures';
import { card, pane } from './ui-fixtures';

/** Issue 19's "Done when": rewind after the walkthrough's failover, back to live, branch from the past. */

const slider = timelineSlider;
const pastShown = (page: Page) => page.getByText(/^Viewing \d\d:\d\d:\d\d — \d+ s ago$/);


test('after the failover, "Timeline position" shows the old primary; back to live; branch from the past', async ({ page }) => {
  test.setTimeout(150_000);
  const { oldPrimary, newPrimary } = await failOver(page);

  // Back in time: the old primary is PRIMARY again on the page, which says it shows the past.
  await rewindUntil(page, oldPrimary, pastShown(page));
  await expect(slider(page)).toHaveAttribute('aria-valuetext', /^Viewing /);
  // Controls that change the set are disabled while the past is shown.
  await expect(card(page, oldPrimary).getByRole('button', { name: 'kill', exact: true })).toBeDisabled();

  await page.getByRole('button', { name: 'Back to live' }).click();
  await expect(page.getByText(/^Viewing /)).toHaveCount(0);
  await expect(badge(page, newPrimary)).toHaveText('PRIMARY');
  await expect(badge(page, oldPrimary)).toHaveText('DOWN');

  // "go to this moment" on an event of the list view jumps there.
  const timeline = pane(page, 'Timeline');
  await timeline.getByRole('button', { name: 'list', exact: true }).click();
  await timeline.getByRole('button', { name: /^go to this moment: / }).last().click();
  await expect(page.getByText(/^Viewing /)).toBeVisible();
  await page.getByRole('button', { name: 'Back to live' }).click();

  // Branch from the moment before the failover: a live sandbox whose primary is the old one.
  await rewindUntil(page, oldPrimary, pastShown(page));
  await page.getByRole('button', { name: 'Branch from here' }).click();
  await expect(page.getByText(/^Viewing /)).toHaveCount(0);
  await expect(badge(page, oldPrimary)).toHaveText('PRIMARY', { timeout: 30_000 });
  await expect(card(page, oldPrimary).getByRole('button', { name: 'kill', exact: true })).toBeEnabled();
  await expect(pane(page, 'Timeline').getByText(/branched from \d\d:\d\d:\d\d/).first()).toBeAttached();
});
