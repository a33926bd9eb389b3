import { expect, test, type Page } from '@playwright/test';
import { openLab } from './fixtures';
import {
  expectDone,
  expectRefused,
  healAll,
  healthy,
  members,
  mongoshToSet,
  mongoshPrompt,
  newShell,
  openFromCourse,
  pidOf,
  predict,
  primaryAmong,
  run,
  selectShell,
  setupLine,
  squash,
  step,
} from './lesson-fixtures';
import { card, pane, screenshot } from './ui-fixtures';

/**
 * "Write concern and rollback" typed in Chromium from the course page to its challenge (issue 16:
 * the new lessons typed end to end). What it teaches is MongoDB's: w: 3 with a member down waits
 * `wtimeout` and reports a write concern error while the write stays on the primary (manual, "Write
 * Concern": wtimeout "does not undo successful data modifications"); a w: 1 write on a primary cut
 * off before it replicates is rolled back when that member rejoins, and a w: "majority" write is
 * not (manual, "Rollbacks During Replica Set Failover").
 */

const startLine = (host: string): string => setupLine(host, 'wc');

function speed(page: Page, value: '1' | '5') {
  return pane(page, 'Cluster').getByLabel('speed').selectOption(value);
}

/**
 * Isolate the primary and write to it with w: 1 before it notices (it steps down once it has not
 * heard from a majority for an election timeout): at 1× a learner has ten seconds for the line.
 */
async function isolateAndWrite(page: Page, primary: string, line: string): Promise<void> {
  await speed(page, '1');
  await card(page, primary).getByRole('button', { name: 'isolate', exact: true }).click();
  await expect(pane(page, 'Cluster').locator('line.link-cut')).toHaveCount(2);
  await run(page, line, 'acknowledged: true', mongoshPrompt);
  await speed(page, '5');
}

test('the durability lesson typed in Chromium: w:1 and w:"majority", a wtimeout, a rolled-back w:1 write, a kept majority write, the challenge', async ({ page }) => {
  test.setTimeout(300_000);
  await openLab(page);
  await openFromCourse(page, /^Write concern and rollback/, 6);
  const lesson = pane(page, 'Lesson');
  await speed(page, '5');
  const firstPrimary = await healthy(page);

  // 1. A w: 1 insert is not what the step asks for; the w: "majority" one is.
  await newShell(page);
  await run(page, mongoshToSet, undefined, mongoshPrompt);
  await run(page, 'db.test.insertOne({a: 1}, {writeConcern: {w: 1}})', 'acknowledged: true', mongoshPrompt);
  await expectRefused(page, 1, 'Write with w: 1 and w: "majority"', 'Insert a document with w: "majority".');
  await run(page, 'db.test.insertOne({b: 1}, {writeConcern: {w: "majority"}})', 'acknowledged: true', mongoshPrompt);
  await expectDone(page, 1, 'Write with w: 1 and w: "majority"');

  // 2. Kill a secondary; w: 3 then times out with a write concern error, and the write is there.
  await predict(page, 2, /^It waits five seconds/);
  const killed = members.find((host) => host !== firstPrimary)!;
  await selectShell(page, 'servers');
  await run(page, `kill -9 ${await pidOf(page, killed)}`);
  await expect(card(page, killed).locator('.state-badge')).toHaveText('DOWN', { timeout: 30_000 });
  await expectRefused(page, 2, 'Ask for more members than are up', 'Write with w: 3 while a member is down, and wait for the write concern error.');
  await selectShell(page, 'client');
  const timedOut = await run(page, 'db.test.insertOne({c: 1}, {writeConcern: {w: 3, wtimeout: 5000}})', 'MongoWriteConcernError', mongoshPrompt);
  // mongosh's words, errInfo printed as values (not canonical Extended JSON).
  expect(squash(timedOut)).toContain(squash("MongoWriteConcernError[WriteConcernFailed]: waiting for replication timed out"));
  expect(squash(timedOut)).toContain(squash("writeConcern: { w: 3, wtimeout: 5000, provenance: 'clientSupplied' }"));
  await run(page, 'db.test.findOne({c: 1})', 'c: 1', mongoshPrompt);
  await expectDone(page, 2, 'Ask for more members than are up');
  await expect(lesson.getByRole('note', { name: 'Prediction result for Ask for more members than are up' })).toContainText('(right)');

  // 3. Its own mongod line again.
  await expectRefused(page, 3, 'Bring it back', '0 of 1 members started again so far.');
  await selectShell(page, 'servers');
  await run(page, startLine(killed), 'is listening');
  await healthy(page);
  await expectDone(page, 3, 'Bring it back', 30_000);

  // 4. Isolate the primary, write to it with w: 1 at once, let the others elect, heal: rolled back.
  await predict(page, 4, /^No: the old primary rolls it back/);
  await selectShell(page, 'client');
  const cutOff = await primaryAmong(page, members);
  await isolateAndWrite(page, cutOff, 'db.test.insertOne({lost: true}, {writeConcern: {w: 1}})');
  await primaryAmong(page, members.filter((host) => host !== cutOff));
  await expectRefused(page, 4, 'Lose a w:1 write', /The write with lost: true has not been rolled back yet/);
  await healAll(page);
  await expectDone(page, 4, 'Lose a w:1 write', 60_000);
  await expect(lesson.getByRole('note', { name: 'Prediction result for Lose a w:1 write' })).toContainText('(right)');
  await run(page, 'db.test.countDocuments({lost: true})', /^0/, mongoshPrompt);
  await screenshot(page, 'durability-1-rolled-back');

  // 5. A w: "majority" write, then kill -9 the primary: the new primary has it.
  await predict(page, 5, /^Yes/);
  await healthy(page);
  await run(page, 'db.test.insertOne({kept: true}, {writeConcern: {w: "majority"}})', 'acknowledged: true', mongoshPrompt);
  const dead = await primaryAmong(page, members);
  await expectRefused(page, 5, 'Keep a w:"majority" write', 'Fail the primary over first: kill it and wait for the election.');
  await selectShell(page, 'servers');
  await run(page, `kill -9 ${await pidOf(page, dead)}`);
  await expectDone(page, 5, 'Keep a w:"majority" write', 60_000);
  await expect(lesson.getByRole('note', { name: 'Prediction result for Keep a w:"majority" write' })).toContainText('(right)');
  await run(page, startLine(dead), 'is listening');
  await healthy(page);

  // 6. The challenge: in one partition, a w: 1 write lost and a w: "majority" one kept.
  const challengeTitle = 'Challenge: one partition, two fates';
  await expect(step(page, 6, challengeTitle)).toContainText('Challenge · no hints');
  await selectShell(page, 'client');
  const loser = await primaryAmong(page, members);
  await isolateAndWrite(page, loser, 'db.test.insertOne({fate: "lost"}, {writeConcern: {w: 1}})');
  await primaryAmong(page, members.filter((host) => host !== loser));
  await expect(card(page, loser).locator('.state-badge')).not.toHaveText('PRIMARY', { timeout: 30_000 });
  await run(page, 'db.test.insertOne({fate: "kept"}, {writeConcern: {w: "majority"}})', 'acknowledged: true', mongoshPrompt);
  await expectRefused(page, 6, challengeTitle, /has not been rolled back yet/);
  await healAll(page);
  await expectDone(page, 6, challengeTitle, 60_000);
  await expect(lesson.getByText('Lesson complete')).toBeVisible();
  await expect(lesson.locator('.pane-meta')).toHaveText('6 of 6 done');
  await run(page, 'db.test.find({fate: {$exists: true}}, {_id: 0})', "fate: 'kept'", mongoshPrompt);
  await screenshot(page, 'durability-2-complete');
});
