import { expect, test, type Page } from '@playwright/test';
import { labUrl, openLab, terminalText, typeLine } from './fixtures';
import { expectDone, expectRefused, lessonReady, members, newShell, pidOnPort, predict, primaryAmong, run, selectShell, start, step } from './lesson-fixtures';
import { badge } from './failover-fixtures';
import { openFixture, pane, viewports } from './ui-fixtures';

/**
 * What a newcomer hit on a first walk through the course in Chromium (docs in
 * /work/team/progress/newcomer.md): the lesson's title scrolled out of sight on step 1, commands
 * clipped in the lesson column, a create-room page offering a lesson the server does not have, and
 * steps that said nothing useful after a wrong kill or with too few members left to elect.
 */

/** The part of `inner` that shows inside `outer`'s box, in px of height (0 when none). */
async function shownHeight(page: Page, inner: string, outer: string): Promise<number> {
  return page.evaluate(
    ([innerSelector, outerSelector]) => {
      const a = document.querySelector(innerSelector!)?.getBoundingClientRect();
      const b = document.querySelector(outerSelector!)?.getBoundingClientRect();
      if (!a || !b) return 0;
      return Math.max(0, Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top));
    },
    [inner, outer] as const,
  );
}

/** Commands of the open lesson whose text is wider than their box (clipped), with every step's details open. */
async function clippedCommands(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    for (const details of Array.from(document.querySelectorAll<HTMLDetailsElement>('.lesson-pane details.step-details'))) details.open = true;
    return Array.from(document.querySelectorAll<HTMLElement>('.lesson-pane .command-line code'))
      .filter((code) => code.scrollWidth > code.clientWidth + 1)
      .map((code) => `${code.textContent ?? ''} (${code.scrollWidth} px in ${code.clientWidth})`);
  });
}

for (const [name, viewport] of [['laptop', viewports.laptop], ['projector', viewports.projector], ['phone', viewports.phone]] as const) {
  test.describe(`at ${name} size`, () => {
    test.use({ viewport, hasTouch: name === 'phone' });

    test('the first screen shows which lesson this is, and its button names the client shell as the lesson does', async ({ page }) => {
      await openLab(page);
      const lesson = pane(page, 'Lesson');
      await expect(lesson.locator('.lesson-title')).toHaveText('Your first replica set, and your first failover');
      // The pane used to open scrolled to step 1, the title and the lesson picker above the fold.
      expect(await shownHeight(page, '.lesson-pane .lesson-title', '.lesson-pane .lesson-body')).toBeGreaterThan(20);
      expect(await shownHeight(page, '.lesson-pane .lesson-picker', '.lesson-pane .lesson-body')).toBeGreaterThan(10);
      await expect(step(page, 1, 'Find the host name')).toBeInViewport();
      // Step 4 says "Open it with the + client shell button above the terminal".
      await expect(page.getByRole('region', { name: 'Terminals' }).getByRole('button', { name: 'New shell' })).toHaveText('+ client shell');
    });

    test("no lesson's command is clipped in the lesson column", async ({ page }) => {
      test.setTimeout(240_000);
      await openLab(page);
      const picker = pane(page, 'Lesson').getByLabel('Lesson', { exact: true });
      const ids = await picker.locator('option:not([disabled])').evaluateAll((options) => options.map((o) => (o as HTMLOptionElement).value));
      expect(ids.length).toBeGreaterThan(5);
      const clipped: string[] = [];
      for (const id of ids) {
        if ((await picker.inputValue()) !== id) await picker.selectOption(id);
        await expect(picker).toHaveValue(id);
        await lessonReady(page);
        for (const command of await clippedCommands(page)) clipped.push(`${id}: ${command}`);
      }
      expect(clipped).toEqual([]);
    });
  });
}

test('a typo in the port is named: the step says which port the mongod started on', async ({ page }) => {
  await openLab(page);
  await run(page, 'hostname', 'morton.local');
  await expectDone(page, 1, 'Find the host name');
  await run(page, 'mongod --port 2701 --replSet foo', 'listening on port 2701');
  await expectRefused(page, 2, 'Start the first member', /listens on port 2701, which this step does not use/);
});

test('the create-room page offers every lesson of the course, and a room opens with the last one', async ({ page, request }) => {
  const course = (await (await request.get(`${labUrl()}/api/lessons`)).json()) as Array<{ id: string; title: string; available: boolean }>;
  await page.goto(`${labUrl()}/#rooms`);
  const select = page.getByLabel('Lesson');
  const runnable = course.filter((lesson) => lesson.available);
  await expect(select.locator('option')).toHaveCount(runnable.length);
  const last = runnable[runnable.length - 1]!;
  await select.selectOption(last.id);
  await page.getByRole('button', { name: 'Create the room' }).click();
  await expect(page.getByLabel('Join code')).toHaveText(/^[A-Z0-9]{4}-[A-Z0-9]{4}$/);
  await expect(page.getByRole('alert')).toHaveCount(0);
});

test('killing a secondary in "Kill the primary" says which member that was; with two killed, the set cannot elect and the step says so', async ({ page }) => {
  test.setTimeout(300_000);
  await openLab(page);
  await pane(page, 'Cluster').getByLabel('speed').selectOption('5');
  for (const line of start) await run(page, line);
  await newShell(page);
  await run(page, 'python', '>>>');
  await run(page, 'from pymongo import Connection');
  await run(page, 'c = Connection("morton.local:27017", slave_okay=True)');
  await predict(page, 5, /^The one on 27017/);
  await run(page, 'c.admin.command("replSetInitiate")', "'ok': 1.0");
  const primary = await primaryAmong(page, members);
  for (const line of ['Connection("morton.local")', 'db = Connection("morton.local").test', 'db.test.save({"x": 1})', 'db.test.find_one()', 'db.connection.port']) await run(page, line);
  await expectDone(page, 8, 'Which member is primary?');

  await predict(page, 9, /^About an election timeout/);
  await selectShell(page, 'servers');
  const ps = await run(page, 'ps -ef');
  const secondary = members.find((host) => host !== primary)!;
  const portOf = (host: string) => Number(host.split(':')[1]);
  await run(page, `kill -9 ${pidOnPort(ps, portOf(secondary))}`);
  await expect(badge(page, secondary)).toHaveText('DOWN');
  await expectRefused(page, 9, 'Kill the primary', new RegExp(`That was the member on port ${portOf(secondary)}, a SECONDARY; the primary is on port ${portOf(primary)} \\(PID \\d+\\)`));

  // Now the primary as well: one member of three is left, and no election can succeed.
  await run(page, `kill -9 ${pidOnPort(ps, portOf(primary))}`);
  await expectDone(page, 9, 'Kill the primary');
  await selectShell(page, 'client');
  await run(page, 'db.test.find_one()', 'AutoReconnect');
  await expectDone(page, 10, 'Meet AutoReconnect');
  const down = [portOf(primary), portOf(secondary)].sort((a, b) => a - b);
  await expectRefused(
    page,
    11,
    'Wait for the election, then read from the new primary',
    `Only 1 of 3 voting members is running, and an election needs 2 votes: no member can become primary. Restart the ones on ports ${down[0]} and ${down[1]} (restart on their cards, or their mongod lines).`,
  );
});

test('at 1280x800 the timeline shows its legend whole and the members\' and the driver\'s lanes, none scrolled out of the pane', async ({ page }) => {
  await openFixture(page);
  const timeline = pane(page, 'Timeline');
  const legend = timeline.getByRole('list', { name: 'Marker kinds' });
  await expect(legend).toBeVisible();
  const inside = await page.evaluate(() => {
    const paneBox = document.querySelector('.timeline-pane')!.getBoundingClientRect();
    const plotBox = document.querySelector('.timeline-pane .plot')!.getBoundingClientRect();
    const legendBox = document.querySelector('.timeline-pane .legend')!.getBoundingClientRect();
    const lanes = Array.from(document.querySelectorAll('.timeline-pane .lane-label')).map((label) => {
      const box = label.getBoundingClientRect();
      return { text: label.textContent, whole: box.top >= plotBox.top - 0.5 && box.bottom <= plotBox.bottom + 0.5 };
    });
    return { legend: legendBox.top >= paneBox.top && legendBox.bottom <= paneBox.bottom, lanes };
  });
  expect(inside.legend, 'the legend is inside the timeline pane').toBe(true);
  // The members' lanes and the driver's show whole (a shell lane below them may scroll).
  const main = inside.lanes.filter((lane) => lane.text === 'driver' || members.some((host) => host === lane.text));
  expect(main.length).toBe(members.length + 1);
  expect(main.filter((lane) => !lane.whole)).toEqual([]);
});

test('a MongoClient to a port nothing listens on says no answer (not that it waits for a primary) on one redrawn line, and Ctrl-C ends the wait', async ({ page }) => {
  test.setTimeout(180_000);
  await openLab(page);
  await newShell(page);
  await run(page, 'python', '>>>');
  await run(page, 'from pymongo import MongoClient');
  await run(page, 'm = MongoClient("morton.local:2701")');
  await typeLine(page, 'm.test.x.find_one()');
  await expect.poll(() => terminalText(page), { timeout: 15_000 }).toMatch(/no answer from morton\.local:2701… [3-9]s/);
  const screen = await terminalText(page);
  expect(screen).not.toMatch(/waiting for a primary/);
  // Redrawn in place each second: one line, not a copy per second.
  expect(screen.match(/no answer from/g)).toHaveLength(1);
  await page.keyboard.press('Control+C');
  await expect.poll(() => terminalText(page)).toMatch(/KeyboardInterrupt\n>>>$/);
});
