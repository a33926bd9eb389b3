import { expect, test, type Page } from '@playwright/test';
import { openLab } from './fixtures';
import { expectDone, healAll, lessonReady, members, mongoshPrompt, predict, primaryAmong, run, step } from './lesson-fixtures';
import { card, pane, screenshot } from './ui-fixtures';

/**
 * The partitions lesson solved in Chromium as a learner does it (issue 16: the new lessons typed
 * end to end): picked from the lesson list, mongosh typed into the client shell, the network cut
 * and healed with the cluster view's buttons, the predictions answered, and the challenge met with
 * nothing but those buttons. What the lesson teaches is MongoDB's: a primary that cannot see a
 * majority steps down within an election timeout, and a set split three ways has no primary
 * (manual, "Replica Set Elections" and "Replica Set High Availability").
 */

const setUri = 'mongosh "mongodb://morton.local:27017,morton.local:27018,morton.local:27019/?replicaSet=foo"';

async function isolate(page: Page, host: string): Promise<void> {
  await card(page, host).getByRole('button', { name: 'isolate', exact: true }).click();
}

test('the partitions lesson, from the lesson list to its challenge, in Chromium', async ({ page }) => {
  test.setTimeout(240_000);
  await openLab(page);
  const lesson = pane(page, 'Lesson');
  await lesson.getByLabel('Lesson', { exact: true }).selectOption('partitions');
  await expect(lesson.locator('.lesson-title')).toHaveText(/^Network partitions/);
  await expect(lesson.locator('.pane-meta')).toHaveText('0 of 6 done');
  // The lesson starts from a running set; the learner only watches it come up.
  await lessonReady(page);
  const firstPrimary = await primaryAmong(page, members);
  await pane(page, 'Cluster').getByLabel('speed').selectOption('5');

  // 1. Connect mongosh to the set, in the client shell (the "+" is labelled New shell).
  await page.getByRole('region', { name: 'Terminals' }).getByRole('button', { name: 'New shell' }).click();
  await run(page, setUri, undefined, mongoshPrompt);
  await run(page, 'db.hello().primary', firstPrimary, mongoshPrompt);
  await expectDone(page, 1, 'Connect');

  // 2. Predict, then isolate the primary: it steps down by itself, the other two elect.
  await expect(step(page, 2, 'Isolate the primary')).toHaveAttribute('aria-current', 'step');
  await predict(page, 2, /^About an election timeout/);
  await isolate(page, firstPrimary);
  const survivors = members.filter((host) => host !== firstPrimary);
  const newPrimary = await primaryAmong(page, survivors);
  await expectDone(page, 2, 'Isolate the primary', 30_000);
  await expect(card(page, firstPrimary).locator('.state-badge')).not.toHaveText('PRIMARY');
  // The step is done, yet the prediction stays beside what happened (not folded into the step's details).
  const result = lesson.getByRole('note', { name: 'Prediction result for Isolate the primary' });
  await expect(result).toContainText('You predicted: About an election timeout');
  await expect(result).toContainText(/What happened: .*\d/);
  await run(page, 'db.hello().primary', newPrimary, mongoshPrompt);
  await screenshot(page, 'partitions-1-isolated-primary');

  // 3. Heal: the old primary rejoins as a secondary.
  await healAll(page);
  await expectDone(page, 3, 'Heal, and watch it rejoin', 30_000);
  await expect(card(page, firstPrimary).locator('.state-badge')).toHaveText('SECONDARY');

  // 4. Isolate a secondary: the primary keeps its majority and stays.
  await predict(page, 4, /^Nothing: it still has a majority/);
  const secondary = members.find((host) => host !== newPrimary)!;
  await isolate(page, secondary);
  await expectDone(page, 4, 'Isolate a secondary', 30_000);
  await expect(card(page, newPrimary).locator('.state-badge')).toHaveText('PRIMARY');
  await expect(lesson.getByRole('note', { name: 'Prediction result for Isolate a secondary' })).toContainText('Nothing: it still has a majority (right)');

  // 5. Heal again.
  await healAll(page);
  await expectDone(page, 5, 'Heal again', 30_000);

  // 6. The challenge, no hints: nobody leads, everyone runs. Isolating two members from the cards
  // leaves three groups of one (the second card still offers "isolate" beside "reconnect").
  const challenge = step(page, 6, 'Challenge: nobody leads');
  await expect(challenge).toContainText('Challenge · no hints');
  await expect(challenge.getByRole('button', { name: 'Show hint' })).toHaveCount(0);
  await isolate(page, 'morton.local:27017');
  await expect(card(page, 'morton.local:27018').getByRole('button', { name: 'reconnect' })).toBeVisible();
  await isolate(page, 'morton.local:27018');
  await expect(pane(page, 'Cluster').locator('line.link-cut')).toHaveCount(3);
  await expectDone(page, 6, 'Challenge: nobody leads', 60_000);
  for (const host of members) await expect(card(page, host).locator('.state-badge')).not.toHaveText('PRIMARY');
  await expect(lesson.getByText('Lesson complete')).toBeVisible();
  await expect(lesson.locator('.pane-meta')).toHaveText('6 of 6 done');
  await screenshot(page, 'partitions-2-complete');
});
