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
  primaryAmong,
  run,
  runLong,
  selectShell,
  setupLine,
  step,
} from './lesson-fixtures';
import { card, pane, screenshot } from './ui-fixtures';

/**
 * "Elections in depth" typed in Chromium from the course page to its challenge (issue 16: the new
 * lessons typed end to end). What it teaches is MongoDB's: rs.stepDown() hands the primary over in
 * a new term, a secondary with a higher priority takes over once caught up, rs.freeze() keeps a
 * member from standing, and a primary that cannot see a majority steps down (manual, "Replica Set
 * Elections", rs.stepDown(), rs.freeze(), "Adjust Priority for Replica Set Member").
 */

const setUri = mongoshToSet;

/** The term as mongosh prints it: replSetGetStatus's `term` is a 64-bit integer, shown as Long('2'). */
async function term(page: Page): Promise<number> {
  const answer = answerTo(await run(page, 'rs.status().term', /^Long\('\d+'\)/, mongoshPrompt), 'rs.status().term');
  return Number(/^Long\('(\d+)'\)/.exec(answer)?.[1]);
}

test('the elections lesson typed in Chromium: terms, a step-down, a priority takeover, a freeze, no majority, the challenge', async ({ page }) => {
  test.setTimeout(300_000);
  await openLab(page);
  await openFromCourse(page, /^Elections in depth/, 7);
  const lesson = pane(page, 'Lesson');
  await pane(page, 'Cluster').getByLabel('speed').selectOption('5');
  const firstPrimary = await healthy(page);

  // 1. Before anything is typed the step says what it wants; then mongosh to the set and the term.
  await expectRefused(page, 1, 'Connect and read the term', 'Open a connection to the set with mongosh.');
  await newShell(page);
  await run(page, setUri, undefined, mongoshPrompt);
  const termBefore = await term(page);
  expect(termBefore).toBeGreaterThanOrEqual(1);
  await expectDone(page, 1, 'Connect and read the term');

  // 2. The step asks for a prediction first, and credits nothing before it.
  await expectRefused(page, 2, 'Step the primary down', /Make your prediction first/);
  await predict(page, 2, /^The one on 27018/);
  await expectRefused(page, 2, 'Step the primary down', 'Step the primary down with rs.stepDown().');
  await run(page, 'rs.stepDown(30)', undefined, mongoshPrompt);
  const secondPrimary = await primaryAmong(page, members.filter((host) => host !== firstPrimary));
  await expectDone(page, 2, 'Step the primary down', 30_000);
  const termAfter = await term(page);
  expect(termAfter).toBeGreaterThan(termBefore);
  await expect(lesson.getByRole('note', { name: 'Prediction result for Step the primary down' })).toContainText(`${secondPrimary} won the election`);

  // 3. Priority 2 for a secondary (not the one that just stepped down, nor 27017: the challenge
  // wants 27017 to take over later), typed with its index in cfg.members.
  await predict(page, 3, /^That member calls an election/);
  const favourite = members.find((host) => host !== firstPrimary && host !== secondPrimary && host !== members[0]) ?? members.find((host) => host !== secondPrimary && host !== members[0])!;
  const index = members.indexOf(favourite as (typeof members)[number]);
  await runLong(page, 'cfg = rs.conf()', 'replicaSetId');
  await run(page, `cfg.members[${index}].priority = 2`, /^2/, mongoshPrompt);
  await run(page, 'rs.reconfig(cfg)', 'ok', mongoshPrompt);
  await expect(card(page, favourite).locator('.state-badge')).toHaveText('PRIMARY', { timeout: 60_000 });
  await expectDone(page, 3, 'Give a secondary priority 2', 30_000);
  await expect(lesson.getByRole('note', { name: 'Prediction result for Give a secondary priority 2' })).toContainText('(right)');

  // 4. Freeze one secondary from a direct connection, then step the primary down: the other wins.
  await predict(page, 4, /^The other secondary/);
  const [frozen, other] = members.filter((host) => host !== favourite);
  await run(page, 'exit');
  await run(page, `mongosh "mongodb://${frozen}/?directConnection=true"`, undefined, mongoshPrompt);
  await run(page, 'rs.freeze(120)', 'ok', mongoshPrompt);
  await expectRefused(page, 4, 'Freeze a secondary, then step down', 'Then step the primary down.');
  await run(page, 'exit');
  await run(page, setUri, undefined, mongoshPrompt);
  await run(page, 'rs.stepDown()', undefined, mongoshPrompt);
  await expect(card(page, other!).locator('.state-badge')).toHaveText('PRIMARY', { timeout: 30_000 });
  await expectDone(page, 4, 'Freeze a secondary, then step down', 30_000);
  await expect(lesson.getByRole('note', { name: 'Prediction result for Freeze a secondary, then step down' })).toContainText('(right)');
  await screenshot(page, 'elections-1-frozen');

  // 5. Kill both secondaries from the servers shell. After the first the primary still has a
  // majority, and the step says so.
  await predict(page, 5, /^It steps down within about an election timeout/);
  // The priority-2 member takes over again once its step-down period ends: kill it first when it
  // is a secondary, so the member killed second is never a fresh primary.
  const primary = await primaryAmong(page, members);
  const secondaries = members.filter((host) => host !== primary).sort((a) => (a === favourite ? -1 : 1));
  await selectShell(page, 'servers');
  await run(page, `kill -9 ${await pidOf(page, secondaries[0]!)}`);
  await expect(card(page, secondaries[0]!).locator('.state-badge')).toHaveText('DOWN');
  await expectRefused(page, 5, 'Kill both secondaries', 'There is a primary right now.');
  await run(page, `kill -9 ${await pidOf(page, secondaries[1]!)}`);
  await expect(card(page, primary).locator('.state-badge')).toHaveText('SECONDARY', { timeout: 30_000 });
  await expectDone(page, 5, 'Kill both secondaries', 30_000);
  await expect(lesson.getByRole('note', { name: 'Prediction result for Kill both secondaries' })).toContainText('(right)');

  // 6. Start both again with their own lines, typed.
  await expectRefused(page, 6, 'Bring them back', '0 of 2 members started again so far.');
  for (const host of secondaries) await run(page, setupLine(host, 'el'), 'is listening');
  await healthy(page);
  await expectDone(page, 6, 'Bring them back', 30_000);
  // Whoever won after the restarts, the priority-2 member takes over once it has caught up
  // (topology_coordinator.cpp, priority takeover). Wait for it: a reconfig typed while that
  // election is under way is interrupted by the step-down, as on mongod.
  await expect(card(page, favourite).locator('.state-badge')).toHaveText('PRIMARY', { timeout: 60_000 });

  // 7. The challenge: 27017 primary without stopping anyone, by priority.
  const challenge = step(page, 7, 'Challenge: 27017 as primary, nobody stopped');
  await expect(challenge).toContainText('Challenge · no hints');
  await expect(challenge.getByRole('button', { name: 'Show hint' })).toHaveCount(0);
  await selectShell(page, 'client');
  await runLong(page, 'cfg = rs.conf()', 'replicaSetId');
  await run(page, 'cfg.members[0].priority = 5', /^5/, mongoshPrompt);
  await run(page, 'rs.reconfig(cfg)', 'ok', mongoshPrompt);
  await expect(card(page, members[0]).locator('.state-badge')).toHaveText('PRIMARY', { timeout: 60_000 });
  await expectDone(page, 7, 'Challenge: 27017 as primary, nobody stopped', 30_000);
  await expect(lesson.getByText('Lesson complete')).toBeVisible();
  await expect(lesson.locator('.pane-meta')).toHaveText('7 of 7 done');
  await screenshot(page, 'elections-2-complete');
});
