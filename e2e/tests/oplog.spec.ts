import { expect, test, type Page } from '@playwright/test';
import { openLab } from './fixtures';
import {
  answerTo,
  expectDone,
  expectRefused,
  healthy,
  members,
  mongoshPrompt,
  mongoshToSet,
  newShell,
  openFromCourse,
  pidOf,
  predict,
  run,
  runLong,
  selectShell,
  setupLine,
  squash,
  step,
} from './lesson-fixtures';
import { card, pane, screenshot } from './ui-fixtures';

/**
 * "The oplog and initial sync" typed in Chromium from the course page to its challenge (issue 16:
 * the new lessons typed end to end). Manual (MongoDB 7.0): "Replica Set Oplog" (the oplog window,
 * replSetResizeOplog at least 990 MB), "Resync a Member of a Replica Set" (a member that fell off
 * every source's oplog stays RECOVERING until its data is emptied), "Initial Sync" (STARTUP2, clone,
 * then the oplog from the clone's start). The set runs with 2 MB oplogs (--oplogSize 2).
 */

const [m27017, , m27019] = members;
const line = (host: string, dbpath?: string): string =>
  dbpath ? `mongod --port ${host.split(':')[1]} --dbpath ${dbpath} --replSet foo --oplogSize 2` : `${setupLine(host, 'op')} --oplogSize 2`;
const rollOver = "for (let i = 0; i < 40; i++) db.big.insertOne({s: 'x'.repeat(100000)})";
const states = 'rs.status().members.map(m => m.name + " " + m.stateStr)';
const m27020 = 'morton.local:27020';

async function badge(page: Page, host: string, state: string, timeout = 60_000): Promise<void> {
  await expect(card(page, host).locator('.state-badge')).toHaveText(state, { timeout });
}

test('the oplog lesson typed in Chromium: the window, a secondary that falls off a 2 MB oplog, resize, initial sync, the resync challenge', async ({ page }) => {
  test.setTimeout(300_000);
  await openLab(page);
  await openFromCourse(page, /^The oplog and initial sync/, 8);
  const lesson = pane(page, 'Lesson');
  await pane(page, 'Cluster').getByLabel('speed').selectOption('5');
  expect(await healthy(page)).toBe(m27017);

  // 1. The window: a connection alone is not the read the step asks for.
  await newShell(page);
  await run(page, mongoshToSet, undefined, mongoshPrompt);
  await expectRefused(page, 1, 'Read the oplog window', 'Run rs.printReplicationInfo() in mongosh.');
  const info = await runLong(page, 'rs.printReplicationInfo()', 'now');
  expect(squash(info)).toContain("configuredoplogsize'2MB'");
  await expectDone(page, 1, 'Read the oplog window');

  // 2. The newest entries and the cap in bytes.
  const maxSize = 'db.getSiblingDB("local").oplog.rs.stats().maxSize';
  expect(answerTo(await run(page, maxSize, '2097152', mongoshPrompt), maxSize)).toBe('2097152');
  await expectDone(page, 2, 'Look inside');

  // 3. Stop 27019.
  await selectShell(page, 'servers');
  await run(page, `kill ${await pidOf(page, m27019)}`);
  await badge(page, m27019, 'DOWN', 30_000);
  await expectDone(page, 3, 'Stop a secondary');

  // 4. One small write does not roll a 2 MB oplog over, and the step says which oplog still reaches back.
  await selectShell(page, 'client');
  await run(page, 'db.big.insertOne({s: "small"})', 'acknowledged', mongoshPrompt);
  await expectRefused(page, 4, 'Roll the oplog over', /morton\.local:27017's oplog still reaches back to before the member on port 27019 stopped/);
  await run(page, rollOver, 'acknowledged', mongoshPrompt);
  await expectDone(page, 4, 'Roll the oplog over', 30_000);
  const after = await runLong(page, 'rs.printReplicationInfo()', 'now');
  expect(squash(after)).toMatch(/loglengthstarttoend'\d+secs\(0hrs\)'/);

  // 5. The prediction, then 27019 starts with its old data: too stale, RECOVERING.
  const restartTitle = 'Start it again';
  await predict(page, 5, /^It finds no source that still has what it missed/);
  await selectShell(page, 'servers');
  await run(page, line(m27019), 'is listening');
  await badge(page, m27019, 'RECOVERING');
  await expectDone(page, 5, restartTitle, 30_000);
  await expect(lesson.getByRole('note', { name: `Prediction result for ${restartTitle}` })).toContainText('too stale to sync from');
  await expect(lesson.getByRole('note', { name: `Prediction result for ${restartTitle}` })).toContainText('(right)');

  // 6. replSetResizeOplog refuses less than 990 MB (7.0's IDL, error 51024); 2000 MB is taken.
  await selectShell(page, 'client');
  await run(page, 'db.adminCommand({replSetResizeOplog: 1, size: 100})', "value must be >= 990, actual value '100'", mongoshPrompt);
  await expectRefused(page, 6, 'A bigger oplog', 'Run replSetResizeOplog (size in MB, at least 990) in mongosh.');
  await run(page, 'db.adminCommand({replSetResizeOplog: 1, size: 2000})', 'ok: 1', mongoshPrompt);
  await expectDone(page, 6, 'A bigger oplog');
  expect(squash(await runLong(page, 'rs.printReplicationInfo()', 'now'))).toContain("configuredoplogsize'2000MB'");

  // 7. A fourth member with an empty dbpath: initial sync, although every oplog has rolled over.
  await selectShell(page, 'servers');
  await run(page, line(m27020, '/data/op3'), 'is listening');
  await selectShell(page, 'client');
  await run(page, 'rs.add("morton.local:27020")', 'ok', mongoshPrompt);
  await badge(page, m27020, 'SECONDARY');
  await expectDone(page, 7, 'Add a member by initial sync', 30_000);

  // 8. The challenge. Off the path first: a restart on the same data stays RECOVERING.
  const challengeTitle = 'Challenge: mend the stale member';
  await expect(step(page, 8, challengeTitle)).toContainText('Challenge · no hints');
  await selectShell(page, 'servers');
  await run(page, `kill ${await pidOf(page, m27019)}`);
  await badge(page, m27019, 'DOWN', 30_000);
  await run(page, line(m27019), 'is listening');
  await badge(page, m27019, 'RECOVERING');
  await expectRefused(page, 8, challengeTitle, /^State: The member on port 27019 (is RECOVERING; wait until it is SECONDARY|has 0 of the primary's \d+ documents in test.big)\.$/);
  await screenshot(page, 'oplog-1-stale');
  await run(page, `kill ${await pidOf(page, m27019)}`);
  await badge(page, m27019, 'DOWN', 30_000);
  await run(page, line(m27019, '/data/op2-resync'), 'is listening');
  await badge(page, m27019, 'SECONDARY');
  await expectDone(page, 8, challengeTitle, 30_000);
  await selectShell(page, 'client');
  await run(page, states, "'morton.local:27019 SECONDARY'", mongoshPrompt);
  await expect(lesson.getByText('Lesson complete')).toBeVisible();
  await expect(lesson.locator('.pane-meta')).toHaveText('8 of 8 done');
  await screenshot(page, 'oplog-2-complete');
});
