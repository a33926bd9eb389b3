import { expect, test } from '@playwright/test';
import { openLab } from './fixtures';
import { expectDone, healthy, members, mongoshPrompt, pidOf, predict, primaryAmong, run, selectShell } from './lesson-fixtures';
import { card, pane, screenshot } from './ui-fixtures';

/**
 * "Today's way" typed in Chromium from its first line to its challenge (issue 16: the new lessons
 * typed end to end): a set from a config document with `rs.initiate(cfg)`, mongosh through a
 * connection string, and PyMongo's MongoClient whose retryable writes and reads wait out a failover
 * instead of raising (MongoDB manual, "Retryable Writes" and "Retryable Reads").
 */

const ports = [27017, 27018, 27019];
const startLines = ports.map((port, i) => `mongod --port ${port} --dbpath /data/rs${i} --replSet foo`);
const setHosts = members.join(',');
const initiate = `rs.initiate({_id: "foo", members: [${members.map((host, i) => `{_id: ${i}, host: "${host}"}`).join(', ')}]})`;

test('the "Today’s way" lesson typed in Chromium: rs.initiate(cfg), a connection string, MongoClient through two failovers, the challenge', async ({ page }) => {
  test.setTimeout(300_000);
  await openLab(page);
  const lesson = pane(page, 'Lesson');
  await lesson.getByLabel('Lesson', { exact: true }).selectOption('today');
  await expect(lesson.locator('.lesson-title')).toHaveText(/^Today’s way/);
  await expect(lesson.locator('.pane-meta')).toHaveText('0 of 8 done');
  await pane(page, 'Cluster').getByLabel('speed').selectOption('5');

  // Chapter 1: three members with a bare --replSet, mongosh to one, rs.initiate with the config.
  for (const line of startLines) await run(page, line, 'is listening');
  await expectDone(page, 1, 'Start three members');
  await page.getByRole('region', { name: 'Terminals' }).getByRole('button', { name: 'New shell' }).click();
  await run(page, 'mongosh "mongodb://morton.local:27017/?directConnection=true"', undefined, mongoshPrompt);
  await expectDone(page, 2, 'Connect mongosh to one member');
  await run(page, initiate, 'ok', mongoshPrompt);
  await healthy(page);
  await run(page, 'rs.status().members.map(m => m.name + " " + m.stateStr)', 'PRIMARY', mongoshPrompt);
  await expectDone(page, 3, 'Initiate with an explicit configuration', 30_000);
  await run(page, 'exit');
  await run(page, `mongosh "mongodb://${setHosts}/?replicaSet=foo"`, undefined, mongoshPrompt);
  const firstPrimary = await primaryAmong(page, members);
  await run(page, 'db.hello().primary', firstPrimary, mongoshPrompt);
  await expectDone(page, 4, 'Connect to the set with a connection string');

  // Chapter 2: MongoClient writes and reads through failovers without an error.
  await run(page, 'exit');
  await run(page, 'python', '>>>');
  await run(page, 'from pymongo import MongoClient');
  await run(page, `client = MongoClient("mongodb://${setHosts}/?replicaSet=foo")`);
  await run(page, 'client.test.events.insert_one({"n": 1})', 'InsertOneResult');
  await expectDone(page, 5, 'Write with MongoClient');

  await predict(page, 6, /^It waits for the new primary/);
  await selectShell(page, 'servers');
  await run(page, `kill -9 ${await pidOf(page, firstPrimary)}`);
  await selectShell(page, 'client');
  const written = await run(page, 'client.test.events.insert_one({"n": 2})', 'InsertOneResult');
  expect(written).not.toMatch(/AutoReconnect|Traceback/);
  await expectDone(page, 6, 'Kill the primary, and write at once', 30_000);
  const result = lesson.getByRole('note', { name: 'Prediction result for Kill the primary, and write at once' });
  await expect(result).toContainText('(right)');
  const secondPrimary = await primaryAmong(page, members.filter((host) => host !== firstPrimary));

  await card(page, firstPrimary).getByRole('button', { name: 'restart' }).click();
  await expect(card(page, firstPrimary).locator('.state-badge')).toHaveText('SECONDARY', { timeout: 30_000 });
  await selectShell(page, 'servers');
  await run(page, `kill -9 ${await pidOf(page, secondPrimary)}`);
  await selectShell(page, 'client');
  const counted = await run(page, 'client.test.events.count_documents({})', /^2>>>$/);
  expect(counted).not.toMatch(/AutoReconnect|Traceback/);
  await expectDone(page, 7, 'And a read', 30_000);
  await screenshot(page, 'today-1-read-through-failover');

  // The challenge: every member back, then one secondary as the only seed, and a write through it.
  await card(page, secondPrimary).getByRole('button', { name: 'restart' }).click();
  const primary = await healthy(page);
  const secondary = members.find((host) => host !== primary)!;
  await run(page, `one = MongoClient("mongodb://${secondary}/?replicaSet=foo")`);
  await run(page, 'one.test.events.insert_one({"challenge": "today"})', 'InsertOneResult');
  await expectDone(page, 8, 'Challenge: one seed is enough', 30_000);
  await expect(lesson.getByText('Lesson complete')).toBeVisible();
  await screenshot(page, 'today-2-complete');
});
