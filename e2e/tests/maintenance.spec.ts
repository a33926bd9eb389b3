import { expect, test, type Page } from '@playwright/test';
import { openLab, terminalText } from './fixtures';
import {
  answerTo,
  expectDone,
  expectRefused,
  healthy,
  members,
  newShell,
  openFromCourse,
  pidOf,
  pidOnPort,
  predict,
  run,
  selectShell,
  setupLine,
  step,
} from './lesson-fixtures';
import { card, pane, screenshot } from './ui-fixtures';

/**
 * "Maintenance" typed in Chromium from the course page to its challenge (issue 16: the new lessons
 * typed end to end): a rolling restart, secondaries first and the primary last after
 * replSetStepDown, while a MongoClient application writes and reads without one error (manual,
 * "Perform Maintenance on Replica Set Members"; retryable writes and reads wait out the hand-over).
 * 27017 has priority 2, so it is primary again once it has caught up after its restart.
 */

const uri = 'mongodb://morton.local:27017,morton.local:27018,morton.local:27019/?replicaSet=foo';
const [m27017, m27018, m27019] = members;
const line = (host: string, extra = ''): string => `${setupLine(host, 'mt')}${extra}`;

/** The application's count, as PyMongo prints it. */
async function count(page: Page): Promise<number> {
  const screen = await run(page, 'app.shop.orders.count_documents({})', /^\d+>>>$/);
  return Number(answerTo(screen, 'app.shop.orders.count_documents({})'));
}

async function state(page: Page, host: string, value: 'PRIMARY' | 'SECONDARY'): Promise<void> {
  await expect(card(page, host).locator('.state-badge')).toHaveText(value, { timeout: 60_000 });
}

/** In the servers shell: stop the member with a plain kill (a clean shutdown) and start it with `startLine`. */
async function restart(page: Page, host: string, startLine: string, between?: () => Promise<void>): Promise<void> {
  await selectShell(page, 'servers');
  await run(page, `kill ${await pidOf(page, host)}`);
  await expect(card(page, host).locator('.state-badge')).toHaveText('DOWN', { timeout: 30_000 });
  if (between) {
    await selectShell(page, 'client');
    await between();
    await selectShell(page, 'servers');
  }
  await run(page, startLine, 'is listening');
}

test('the maintenance lesson typed in Chromium: a rolling restart under a MongoClient application, then a rolling change of options', async ({ page }) => {
  test.setTimeout(300_000);
  await openLab(page);
  await openFromCourse(page, /^Maintenance: a rolling restart/, 5);
  const lesson = pane(page, 'Lesson');
  await pane(page, 'Cluster').getByLabel('speed').selectOption('5');
  expect(await healthy(page)).toBe(m27017);

  // 1. The application: a read alone is not the write the step asks for.
  await newShell(page);
  await run(page, 'python', '>>>');
  await run(page, 'from pymongo import MongoClient');
  await run(page, `app = MongoClient("${uri}")`);
  expect(await count(page)).toBe(0);
  await expectRefused(page, 1, 'Start the application', 'Write once with the application\u2019s MongoClient.');
  await run(page, 'app.shop.orders.insert_one({"n": 1})', 'InsertOneResult');
  expect(await count(page)).toBe(1);
  await expectDone(page, 1, 'Start the application');

  // 2. 27018: its PID from ps -ef, a clean kill, a write while it is away; the step waits for it.
  await selectShell(page, 'servers');
  const pid = pidOnPort(await run(page, 'ps -ef'), 27018);
  await run(page, `kill ${pid}`);
  await expect(card(page, m27018).locator('.state-badge')).toHaveText('DOWN', { timeout: 30_000 });
  await selectShell(page, 'client');
  await run(page, 'app.shop.orders.insert_one({"n": 2})', 'InsertOneResult');
  await expectRefused(page, 2, 'Restart the member on 27018', 'Start the member on port 27018 again.');
  await selectShell(page, 'servers');
  await run(page, line(m27018), 'is listening');
  await state(page, m27018, 'SECONDARY');
  await selectShell(page, 'client');
  expect(await count(page)).toBe(2);
  await expectDone(page, 2, 'Restart the member on 27018');

  // 3. The same for 27019.
  await restart(page, m27019, line(m27019), async () => {
    await run(page, 'app.shop.orders.insert_one({"n": 3})', 'InsertOneResult');
  });
  await state(page, m27019, 'SECONDARY');
  await selectShell(page, 'client');
  expect(await count(page)).toBe(3);
  await expectDone(page, 3, 'Then the member on 27019');

  // 4. Step the primary down from the application, write at once (it waits), then restart 27017.
  const primaryLast = 'Step the primary down, then restart it';
  await predict(page, 4, /^A short wait, then success/);
  await run(page, 'app.admin.command("replSetStepDown", 60)', "'ok': 1.0");
  await run(page, 'app.shop.orders.insert_one({"n": 4})', 'InsertOneResult');
  await expectRefused(page, 4, primaryLast, 'Stop the member on port 27017 (kill its PID), then start it again.');
  await restart(page, m27017, line(m27017));
  await state(page, m27017, 'PRIMARY');
  await selectShell(page, 'client');
  expect(await count(page)).toBe(4);
  await expectDone(page, 4, primaryLast, 30_000);
  await expect(lesson.getByRole('note', { name: `Prediction result for ${primaryLast}` })).toContainText('(right)');
  await screenshot(page, 'maintenance-1-rolled');

  // 5. The challenge: every member again with --oplogSize 100. Off the path first: 27018 started
  // again without the option does not count, and the step says so.
  const challengeTitle = 'Challenge: a rolling change of options';
  await expect(step(page, 5, challengeTitle)).toContainText('Challenge · no hints');
  await restart(page, m27018, line(m27018));
  await state(page, m27018, 'SECONDARY');
  await expectRefused(page, 5, challengeTitle, 'The member on port 27018 runs without --oplogSize; stop it and start it with --oplogSize on its line.');
  await restart(page, m27018, line(m27018, ' --oplogSize 100'));
  await state(page, m27018, 'SECONDARY');
  await selectShell(page, 'client');
  await run(page, 'app.shop.orders.insert_one({"n": 5})', 'InsertOneResult');
  await restart(page, m27019, line(m27019, ' --oplogSize 100'));
  await state(page, m27019, 'SECONDARY');
  await selectShell(page, 'client');
  await run(page, 'app.shop.orders.insert_one({"n": 6})', 'InsertOneResult');
  await run(page, 'app.admin.command("replSetStepDown", 60)', "'ok': 1.0");
  await expectRefused(page, 5, challengeTitle, 'Stop the member on port 27017 (kill its PID), then start it again.');
  await restart(page, m27017, line(m27017, ' --oplogSize 100'));
  await state(page, m27017, 'PRIMARY');
  await healthy(page);
  await selectShell(page, 'client');
  expect(await count(page)).toBe(6);
  await expectDone(page, 5, challengeTitle, 30_000);
  expect(await terminalText(page)).not.toMatch(/Traceback|AutoReconnect/);
  await expect(lesson.getByText('Lesson complete')).toBeVisible();
  await expect(lesson.locator('.pane-meta')).toHaveText('5 of 5 done');
  await selectShell(page, 'servers');
  const ps = await run(page, 'ps -ef');
  for (const port of [27017, 27018, 27019]) expect(pidOnPort(ps, port)).toBe(await pidOf(page, members[port - 27017]!));
  await screenshot(page, 'maintenance-2-complete');
});
