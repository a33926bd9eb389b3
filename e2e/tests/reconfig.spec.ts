import { expect, test } from '@playwright/test';
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
  predict,
  primaryAmong,
  run,
  runLong,
  selectShell,
  step,
} from './lesson-fixtures';
import { card, pane, screenshot } from './ui-fixtures';

/**
 * "Reconfiguration" typed in Chromium from the course page to its challenge (issue 16: the new
 * lessons typed end to end), with two reconfigs off the path that mongod refuses as MongoDB does:
 * a non-voter must have priority 0 (member_config.cpp, "priority must be 0 when non-voting
 * (votes:0)"), and since 4.4 a non-force reconfig adds or removes at most one voting member
 * (manual, rs.reconfig(): "Reconfiguration Can Add or Remove No More than One Voting Member at a
 * Time"). hello lists a priority-0 member under `passives` and a hidden one nowhere (manual, hello).
 */

const setUri = mongoshToSet;
const fourth = 'mongod --port 27020 --dbpath /data/rc3 --replSet foo';
const arbiter = 'mongod --port 27021 --dbpath /data/rc4 --replSet foo';
const memberList = 'rs.conf().members.map(m => m.host + " votes " + m.votes + " priority " + m.priority)';

test('the reconfiguration lesson typed in Chromium: rs.add, an arbiter in and out, a hidden non-voter, the challenge', async ({ page }) => {
  test.setTimeout(300_000);
  await openLab(page);
  await openFromCourse(page, /^Reconfiguration/, 7);
  const lesson = pane(page, 'Lesson');
  await pane(page, 'Cluster').getByLabel('speed').selectOption('5');
  await healthy(page);

  // 1. Connect and list the config's members.
  await expectRefused(page, 1, 'Connect to the set', 'Open a connection to the set with mongosh.');
  await newShell(page);
  await run(page, setUri, undefined, mongoshPrompt);
  const listed = answerTo(await run(page, memberList, 'morton.local:27019 votes 1 priority 1', mongoshPrompt), memberList);
  for (const host of members) expect(listed).toContain(`'${host}votes1priority1'`);
  await expectDone(page, 1, 'Connect to the set');

  // 2. Start a fourth mongod; until rs.add the step says the config lacks it.
  await predict(page, 2, /^3, more than half/);
  await selectShell(page, 'servers');
  await run(page, fourth, 'is listening');
  await expectRefused(page, 2, 'Start a member and add it', "The set's config has no member on port 27020 yet.");
  await selectShell(page, 'client');
  await run(page, 'rs.add("morton.local:27020")', 'ok', mongoshPrompt);
  await expect(card(page, 'morton.local:27020').locator('.state-badge')).toHaveText('SECONDARY', { timeout: 30_000 });
  await run(page, 'rs.status().members.map(m => m.name + " " + m.stateStr)', "'morton.local:27020 SECONDARY'", mongoshPrompt);
  await expectDone(page, 2, 'Start a member and add it', 30_000);
  await expect(lesson.getByRole('note', { name: 'Prediction result for Start a member and add it' })).toContainText('4 voting members: an election needs 3 votes.');

  // 3. An arbiter: five voters, two may fail.
  await predict(page, 3, /^Two/);
  await selectShell(page, 'servers');
  await run(page, arbiter, 'is listening');
  await selectShell(page, 'client');
  await run(page, 'rs.add("morton.local:27021", true)', 'ok', mongoshPrompt);
  await expect(card(page, 'morton.local:27021').locator('.state-badge')).toHaveText('ARBITER', { timeout: 30_000 });
  await expectDone(page, 3, 'Add an arbiter', 30_000);
  await expect(lesson.getByRole('note', { name: 'Prediction result for Add an arbiter' })).toContainText('(right)');

  // 4. Remove it again.
  await run(page, 'rs.remove("morton.local:27021")', 'ok', mongoshPrompt);
  await expectDone(page, 4, 'Remove it again', 30_000);

  // 5. Off the path first: votes 0 alone is refused by mongod, and the step stays pending.
  const nonVoter = 'Make the fourth member a non-voter';
  await runLong(page, 'cfg = rs.conf()', 'replicaSetId');
  await run(page, 'cfg.members[3].votes = 0', /^0/, mongoshPrompt);
  await run(page, 'rs.reconfig(cfg)', 'priority must be 0 when non-voting (votes:0)', mongoshPrompt);
  await expectRefused(page, 5, nonVoter, 'In rs.conf(), the member on port 27020 has priority: 1; it should be 0.');
  await run(page, 'cfg.members[3].priority = 0', /^0/, mongoshPrompt);
  await run(page, 'rs.reconfig(cfg)', 'ok', mongoshPrompt);
  await expectDone(page, 5, nonVoter, 30_000);
  await run(page, 'db.hello().passives', "['morton.local:27020']", mongoshPrompt);

  // 6. Hidden: hello no longer names it, not even among the passives.
  await runLong(page, 'cfg = rs.conf()', 'replicaSetId');
  await run(page, 'cfg.members[3].hidden = true', /^true/, mongoshPrompt);
  await run(page, 'rs.reconfig(cfg)', 'ok', mongoshPrompt);
  await expectDone(page, 6, 'Hide it', 30_000);
  const hosts = answerTo(await run(page, 'db.hello().hosts', ']', mongoshPrompt), 'db.hello().hosts');
  expect(hosts).not.toContain('27020');
  for (const host of members) expect(hosts).toContain(`'${host}'`);
  expect(answerTo(await run(page, 'db.hello().passives', undefined, mongoshPrompt), 'db.hello().passives')).not.toContain('27020');
  await screenshot(page, 'reconfig-1-hidden');

  // 7. The challenge. Off the path first: swapping a vote in one reconfig is two voting changes.
  const challengeTitle = 'Challenge: 27020 in charge, with an odd number of voters';
  const challenge = step(page, 7, challengeTitle);
  await expect(challenge).toContainText('Challenge · no hints');
  const primary = await primaryAmong(page, members);
  const demoted = members.indexOf(members.find((host) => host !== primary)!);
  await runLong(page, 'cfg = rs.conf()', 'replicaSetId');
  for (const line of [`cfg.members[${demoted}].votes = 0`, `cfg.members[${demoted}].priority = 0`, 'cfg.members[3].votes = 1', 'cfg.members[3].priority = 2', 'cfg.members[3].hidden = false']) {
    await run(page, line, undefined, mongoshPrompt);
  }
  await run(page, 'rs.reconfig(cfg)', 'can only add or remove at most 1 voting member', mongoshPrompt);
  await expectRefused(page, 7, challengeTitle, 'In rs.conf(), the member on port 27020 has votes: 0; it should be 1.');
  // One change at a time: take the secondary's vote, then give 27020 one.
  await runLong(page, 'cfg = rs.conf()', 'replicaSetId');
  await run(page, `cfg.members[${demoted}].votes = 0`, /^0/, mongoshPrompt);
  await run(page, `cfg.members[${demoted}].priority = 0`, /^0/, mongoshPrompt);
  await run(page, 'rs.reconfig(cfg)', 'ok', mongoshPrompt);
  await runLong(page, 'cfg = rs.conf()', 'replicaSetId');
  await run(page, 'cfg.members[3].votes = 1', /^1/, mongoshPrompt);
  await run(page, 'cfg.members[3].priority = 2', /^2/, mongoshPrompt);
  await run(page, 'cfg.members[3].hidden = false', /^false/, mongoshPrompt);
  await run(page, 'rs.reconfig(cfg)', 'ok', mongoshPrompt);
  await expect(card(page, 'morton.local:27020').locator('.state-badge')).toHaveText('PRIMARY', { timeout: 60_000 });
  await expectDone(page, 7, challengeTitle, 30_000);
  await expect(lesson.getByText('Lesson complete')).toBeVisible();
  await expect(lesson.locator('.pane-meta')).toHaveText('7 of 7 done');
  await screenshot(page, 'reconfig-2-complete');
});
