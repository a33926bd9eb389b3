import { expect, test, type Page } from '@playwright/test';
import { openLab, terminalText } from './fixtures';
import {
  expectDone,
  expectRefused,
  healAll,
  healthy,
  members,
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
 * "Reads" typed in Chromium from the course page to its challenge (issue 16: the new lessons typed
 * end to end). What it teaches is MongoDB's: readPreference=secondary reads from a secondary, and
 * secondaryPreferred keeps reading while there is no primary (manual, "Read Preference"); a "local"
 * read on a cut-off primary returns a w: 1 write that a "majority" read does not (manual, "Read
 * Concern "majority"").
 */

const uri = 'mongodb://morton.local:27017,morton.local:27018,morton.local:27019/?replicaSet=foo';
const find = (level: string) => `db.runCommand({find: "test", filter: {unsure: true}, readConcern: {level: "${level}"}}).cursor.firstBatch`;

function speed(page: Page, value: '1' | '5') {
  return pane(page, 'Cluster').getByLabel('speed').selectOption(value);
}

function isolate(page: Page, host: string) {
  return card(page, host).getByRole('button', { name: 'isolate', exact: true }).click();
}

test('the reads lesson typed in Chromium: a secondary read, reads with no primary, local and majority on a cut-off primary, the challenge', async ({ page }) => {
  test.setTimeout(300_000);
  await openLab(page);
  await openFromCourse(page, /^Reads: read preference and read concern/, 5);
  const lesson = pane(page, 'Lesson');
  await speed(page, '5');
  await healthy(page);

  // 1. A read through the default client goes to the primary: not what the step asks for.
  const secondaryRead = 'Read from a secondary';
  await newShell(page);
  await run(page, 'python', '>>>');
  await run(page, 'from pymongo import MongoClient');
  await run(page, `client = MongoClient("${uri}")`);
  await run(page, 'client.test.test.insert_one({"x": 1})', 'InsertOneResult');
  await run(page, 'client.test.test.find_one()', "'x': 1");
  await expectRefused(page, 1, secondaryRead, 'Read through a client whose read preference sends reads to a secondary.');
  await run(page, `ro = MongoClient("${uri}&readPreference=secondary")`);
  // The secondary may not have the write yet; a learner reads again.
  await expect
    .poll(async () => squash(await run(page, 'ro.test.test.find_one()')).endsWith("'x':1}>>>"), { message: 'a secondary returns {x: 1}', timeout: 30_000 })
    .toBe(true);
  await expectDone(page, 1, secondaryRead);

  // 2. secondaryPreferred, then kill -9 the primary and read at once (at 1×: the secondaries wait
  // out their ten-second election timeout before one stands).
  const noPrimary = 'Read while there is no primary';
  await predict(page, 2, /^A secondary answers at once/);
  await run(page, `sp = MongoClient("${uri}&readPreference=secondaryPreferred")`);
  await run(page, 'sp.test.test.find_one()', "'x': 1");
  await expectRefused(page, 2, noPrimary, 'Kill the primary, then read at once through the client that allows secondaries.');
  const dead = await primaryAmong(page, members);
  await speed(page, '1');
  await selectShell(page, 'servers');
  await run(page, `kill -9 ${await pidOf(page, dead)}`);
  await selectShell(page, 'client');
  await run(page, 'sp.test.test.find_one()', "'x': 1");
  await expectDone(page, 2, noPrimary);
  for (const host of members) await expect(card(page, host).locator('.state-badge')).not.toHaveText('PRIMARY');
  await expect(lesson.getByRole('note', { name: `Prediction result for ${noPrimary}` })).toContainText('(right)');
  await speed(page, '5');

  // 3. Its own mongod line again.
  await primaryAmong(page, members.filter((host) => host !== dead));
  await expectRefused(page, 3, 'Bring it back', '0 of 1 members started again so far.');
  await selectShell(page, 'servers');
  await run(page, setupLine(dead, 'rd'), 'is listening');
  await healthy(page);
  await expectDone(page, 3, 'Bring it back', 30_000);

  // 4. mongosh straight to the primary, isolate it, a w: 1 insert, then local and majority reads.
  const compared = 'Local and majority on a cut-off primary';
  await predict(page, 4, /^No: a majority does not have it/);
  await selectShell(page, 'client');
  await run(page, 'exit()');
  const primary = await primaryAmong(page, members);
  await run(page, `mongosh "mongodb://${primary}/?directConnection=true"`, undefined, mongoshPrompt);
  await speed(page, '1');
  await isolate(page, primary);
  await expect(pane(page, 'Cluster').locator('line.link-cut')).toHaveCount(2);
  await run(page, 'db.test.insertOne({unsure: true}, {writeConcern: {w: 1}})', 'acknowledged: true', mongoshPrompt);
  await run(page, find('local'), 'unsure: true', mongoshPrompt);
  await expectRefused(page, 4, compared, 'Read with readConcern {level: "majority"} on the same member and see that it does not return unsure.');
  const majority = await run(page, find('majority'), undefined, mongoshPrompt);
  expect(squash(majority).slice(squash(majority).lastIndexOf(squash(find('majority'))))).toMatch(/firstBatch\[\]foo/);
  await expectDone(page, 4, compared);
  await expect(lesson.getByRole('note', { name: `Prediction result for ${compared}` })).toContainText('(right)');
  await speed(page, '5');
  await screenshot(page, 'reads-1-local-and-majority');

  // 5. The challenge: heal, then three groups of one; read through a set client with no primary.
  const challengeTitle = 'Challenge: reading with no primary at all';
  await expect(step(page, 5, challengeTitle)).toContainText('Challenge · no hints');
  await healAll(page);
  await healthy(page);
  await run(page, 'exit');
  await run(page, 'python', '>>>');
  await run(page, 'from pymongo import MongoClient');
  await run(page, `sp = MongoClient("${uri}&readPreference=secondaryPreferred")`);
  await expectRefused(page, 5, challengeTitle, 'There is a primary right now.');
  await isolate(page, members[0]);
  await expect(card(page, members[1]).getByRole('button', { name: 'reconnect' })).toBeVisible();
  await isolate(page, members[1]);
  await expect(pane(page, 'Cluster').locator('line.link-cut')).toHaveCount(3);
  for (const host of members) await expect(card(page, host).locator('.state-badge')).toHaveText('SECONDARY', { timeout: 30_000 });
  await run(page, 'sp.test.test.find_one()', "'x': 1");
  await expectDone(page, 5, challengeTitle, 30_000);
  expect(await terminalText(page)).not.toContain('Traceback');
  await expect(lesson.getByText('Lesson complete')).toBeVisible();
  await expect(lesson.locator('.pane-meta')).toHaveText('5 of 5 done');
  await screenshot(page, 'reads-2-complete');
});
