import { expect, test, type Page } from '@playwright/test';
import { labUrl, openLab, terminalText, typeLine } from './fixtures';
import { members, pidOnPort, predict, primaryAmong, run, seeds, selectShell, squash, start } from './lesson-fixtures';
import { joinAsAttendee, roomMode } from './room-fixtures';
import { card, pane, screenshot } from './ui-fixtures';

/** The room strip's mode line ("Following the instructor live (read-only)", …). */
const mode = roomMode;

/** What the shell printed for the last `line` on this screen, without whitespace (lines wrap differently). */
function answer(screen: string, line: string): string {
  const text = squash(screen);
  const typed = squash(line);
  const after = text.slice(text.lastIndexOf(typed) + typed.length);
  return after.replace(/(\$|>>>)$/, '');
}

/**
 * Run `line` on the instructor's page and check that the attendee's page shows the line and the
 * same answer within one second of the instructor's page showing it.
 */
async function runMirrored(instructor: Page, attendee: Page, line: string, expectText?: RegExp | string): Promise<void> {
  const screen = await run(instructor, line, expectText);
  const expected = squash(line) + answer(screen, line);
  await expect.poll(async () => squash(await terminalText(attendee)).includes(expected), { message: `the attendee sees ${line} and its output`, timeout: 1000, intervals: [50] }).toBe(true);
}

test('a room: the instructor fails over live, an attendee follows, is refused, forks, and resumes elsewhere', async ({ browser }) => {
  test.setTimeout(240_000);
  const base = labUrl();

  // The instructor creates the room on the page and opens the private link.
  const instructorContext = await browser.newContext();
  const creating = await instructorContext.newPage();
  await creating.goto(`${base}/#rooms`);
  await creating.getByRole('button', { name: 'Create the room' }).click();
  const shownCode = (await creating.getByLabel('Join code').innerText()).trim();
  expect(shownCode).toMatch(/^[0-9A-Z]{4}-[0-9A-Z]{4}$/);
  const joinLink = await creating.getByLabel('Join link').innerText();
  const instructorHref = await creating.getByLabel('Instructor link').getAttribute('href');
  expect(instructorHref).toMatch(/^\/#instructor=[0-9A-Z]{8}&secret=/);
  const secret = /secret=([A-Za-z0-9_-]+)/.exec(instructorHref!)![1]!;
  await screenshot(creating, 'rooms-1-created');
  expect(joinLink).not.toContain(secret);
  const instructor = await instructorContext.newPage();
  await instructor.goto(`${base}${instructorHref}`);
  await expect(mode(instructor)).toHaveText(/You are the instructor/);

  // The attendee joins with the code, in another browser context.
  const attendee = await joinAsAttendee(browser, base, shownCode, 'Ada');

  // The instructor sets the set up (chapters 1 to 3), fast.
  await pane(instructor, 'Cluster').getByLabel('speed').selectOption('5');
  for (const line of start) await run(instructor, line);
  await instructor.getByRole('region', { name: 'Terminals' }).getByRole('button', { name: 'New shell' }).click();
  await run(instructor, 'python', '>>>');
  await run(instructor, 'from pymongo import Connection');
  await run(instructor, 'c = Connection("morton.local:27017", slave_okay=True)');
  await predict(instructor, 5, /^The one on 27017/);
  await run(instructor, 'c.admin.command("replSetInitiate")', "'ok': 1.0");
  // Which member wins the first election is up to the election (usually the one initiated).
  const firstPrimary = await primaryAmong(instructor, members);
  const firstPort = Number(firstPrimary.split(':')[1]);
  const survivors = members.filter((host) => host !== firstPrimary);
  for (const host of survivors) await expect(card(instructor, host)).toContainText('SECONDARY', { timeout: 30_000 });
  await run(instructor, seeds[0]!, 'Connection(');

  // The failover chapter, mirrored: each command's output on the attendee's page within a second
  // (their page shows whichever shell the instructor works in, without them choosing it).
  await runMirrored(instructor, attendee, 'db = Connection("morton.local").test');
  await runMirrored(instructor, attendee, 'db.test.save({"x": 1})', "ObjectId('");
  await runMirrored(instructor, attendee, 'db.test.find_one()', "'x': 1");
  await runMirrored(instructor, attendee, 'db.connection.host', "'morton.local'");
  await runMirrored(instructor, attendee, 'db.connection.port', String(firstPort));
  await selectShell(instructor, 'servers');
  const psText = await run(instructor, 'ps -ef');
  await predict(instructor, 9, /^About an election timeout/);
  await runMirrored(instructor, attendee, `kill -9 ${pidOnPort(psText, firstPort)}`);
  await selectShell(instructor, 'client');
  await runMirrored(instructor, attendee, 'db.test.find_one()', 'pymongo.errors.AutoReconnect');
  // The new PRIMARY shows on the attendee's page within a second of the instructor's.
  const newPrimary = await primaryAmong(instructor, survivors);
  await expect(card(attendee, newPrimary).locator('.state-badge')).toHaveText('PRIMARY', { timeout: 1000 });
  await screenshot(attendee, 'rooms-2-attendee-following');

  // A follower's terminal says it is read-only and takes no keys (the server refuses input from a
  // follower as well); the cluster's buttons are off, with the reason said in the pane.
  const terminals = attendee.getByRole('region', { name: 'Terminals' });
  await expect(terminals.getByRole('status', { name: 'Terminal is read-only' })).toContainText('Try it myself');
  await expect(terminals.getByRole('button', { name: 'New shell' })).toHaveCount(0);
  await expect(pane(attendee, 'Lesson').getByRole('button', { name: /^Run this/ })).toHaveCount(0);
  await typeLine(attendee, 'db.test.drop()');
  // Nothing to wait for when nothing happens: give a local echo or a refusal time to show first.
  await attendee.waitForTimeout(300);
  await expect(terminals).not.toContainText('db.test.drop()');
  await expect(attendee.getByRole('region', { name: 'Room' }).getByRole('alert')).toHaveCount(0);
  await expect(card(attendee, newPrimary).getByRole('button', { name: 'kill', exact: true })).toBeDisabled();
  await expect(pane(attendee, 'Cluster')).toContainText('Read-only');
  await expect(card(instructor, newPrimary).locator('.state-badge')).toHaveText('PRIMARY');

  // Try it myself: the attendee's own copy, at the instructor's step, with the set and its data.
  await attendee.getByRole('button', { name: 'Try it myself' }).click();
  await expect(mode(attendee)).toHaveText('Your own sandbox');
  await expect(terminals.getByRole('status', { name: 'Terminal is read-only' })).toHaveCount(0);
  await expect(pane(attendee, 'Lesson').getByRole('button', { name: /^Run this/ }).first()).toBeVisible();
  await expect(card(attendee, newPrimary).locator('.state-badge')).toHaveText('PRIMARY', { timeout: 15_000 });
  await expect(card(attendee, firstPrimary).locator('.state-badge')).toHaveText('DOWN');
  await selectShell(attendee, 'client');
  await run(attendee, 'from pymongo import Connection');
  await run(attendee, `db = Connection([${survivors.map((host) => `"${host}"`).join(', ')}]).test`);
  await run(attendee, 'db.test.find_one()', "'x': 1");
  await run(attendee, 'db.connection.port', newPrimary.split(':')[1]);

  // The dashboard shows the attendee on their own, one step further than where they forked.
  const dashboard = await instructorContext.newPage();
  await dashboard.goto(`${base}/#dashboard=${shownCode.replace('-', '')}&secret=${secret}`);
  const row = dashboard.getByRole('row', { name: 'attendee Ada' });
  await expect(row).toContainText('own sandbox');
  await expect(row).toContainText('The same with today');
  await screenshot(dashboard, 'rooms-3-dashboard');
  // The instructor opens the attendee's sandbox read-only.
  const [watching] = await Promise.all([dashboard.waitForEvent('popup'), row.getByRole('link', { name: 'Open read-only' }).click()]);
  await expect(mode(watching)).toHaveText('Watching an attendee’s own sandbox (read-only)');
  await expect(card(watching, firstPrimary).locator('.state-badge')).toHaveText('DOWN');
  await watching.close();

  // Back to the live view; the resume link in a third browser finds the same attendee and own sandbox.
  await attendee.getByRole('button', { name: 'Back to the live view' }).click();
  await expect(mode(attendee)).toHaveText('Following the instructor live (read-only)');
  const resume = await attendee.getByRole('button', { name: 'Copy my resume link' }).getAttribute('title');
  expect(resume).toMatch(/#join=[0-9A-Z]{8}&resume=/);
  const elsewhere = await (await browser.newContext()).newPage();
  await elsewhere.goto(resume!);
  // They left for the live view, so that is where the link opens; their own sandbox is one click away.
  await expect(mode(elsewhere)).toHaveText('Following the instructor live (read-only)');
  await elsewhere.getByRole('button', { name: 'My sandbox' }).click();
  await expect(mode(elsewhere)).toHaveText('Your own sandbox');
  await expect(pane(elsewhere, 'Lesson')).toContainText('The same with today');

  // The instructor resets the attendee: their own sandbox goes, and their page is back on the live view.
  await row.getByRole('button', { name: 'Reset' }).click();
  await expect(dashboard.getByRole('status')).toContainText('was reset');
  await expect(mode(elsewhere)).toHaveText('Following the instructor live (read-only)');
  await expect(row).toContainText('following live');

  // The instructor's sandbox never saw any of the attendee's lines.
  await selectShell(instructor, 'client');
  expect(await terminalText(instructor)).not.toContain('db.test.drop()');

  // The class is over: the instructor closes the room, and every open page says so.
  dashboard.once('dialog', (dialog) => {
      dialog.accept().catch((error: unknown) => console.error('accepting the confirm dialog failed', error));
    });
  await dashboard.getByRole('button', { name: 'Close the room' }).click();
  await expect(dashboard.getByRole('status')).toContainText('The room is closed');
  for (const page of [instructor, attendee, elsewhere]) {
    await expect(mode(page)).toHaveText('Room closed');
    await expect(page.getByRole('region', { name: 'Room' }).getByRole('alert')).toContainText('closed this room');
    await expect(page.getByRole('region', { name: 'Terminals' }).getByRole('status', { name: 'Terminal is read-only' })).toContainText('This room is closed');
  }
  await expect(attendee.getByRole('button', { name: 'Try it myself' })).toHaveCount(0);
});

test('the presenter view: terminal and cluster only, shortcuts, and an autoplay that can be paused', async ({ page }) => {
  test.setTimeout(120_000);
  const base = labUrl();
  const created = (await (await page.request.post(`${base}/api/rooms`, { data: { title: 'Presented' } })).json()) as { presenterPath: string };
  await page.goto(`${base}${created.presenterPath}`);
  const stepLabel = page.getByLabel('Current step');
  await expect(stepLabel).toHaveText('1. Find the host name');
  await expect(pane(page, 'Cluster')).toBeVisible();
  await expect(page.getByRole('region', { name: 'Terminals' })).toBeVisible();
  await expect(pane(page, 'Lesson')).toHaveCount(0);
  // Large type for the projector.
  const fontSize = await page.locator('.xterm-rows').evaluate((element) => Number.parseFloat(getComputedStyle(element).fontSize));
  expect(fontSize).toBeGreaterThanOrEqual(20);

  // Autoplay (Alt+A, since the terminal has the focus) types the step's command and waits for its check.
  const autoplay = page.getByRole('status').filter({ hasText: 'autoplay' });
  await page.keyboard.press('Alt+A');
  await expect(autoplay).toContainText('autoplay playing');
  await expect.poll(() => terminalText(page), { timeout: 15_000 }).toMatch(/\$ hostname\s+morton\.local/);
  await expect(stepLabel).toHaveText('2. Start the first member', { timeout: 15_000 });
  // Paused in the middle of typing the next command: nothing more is typed until play.
  await expect.poll(() => terminalText(page), { timeout: 10_000 }).toMatch(/\$ mongod --re/);
  await page.keyboard.press('Alt+A');
  await expect(autoplay).toContainText('autoplay paused');
  // The characters sent just before the pause come back as the server's echo, which a loaded
  // machine can hold for several hundred ms (CI saw two land 0.3-1.5 s after it): take the
  // reference once two reads a second apart agree; after that nothing may be typed.
  let screen = await terminalText(page);
  await expect
    .poll(async () => {
      const now = await terminalText(page);
      const settled = now === screen;
      screen = now;
      return settled;
    }, { intervals: [1000], timeout: 10_000 })
    .toBe(true);
  await page.waitForTimeout(1500);
  expect(await terminalText(page)).toBe(screen);
  // Large type wraps long lines: compare without whitespace.
  expect(squash(screen)).not.toContain('listeningonport27017');
  await page.keyboard.press('Alt+A');
  await expect(autoplay).toContainText('autoplay playing');
  await expect(stepLabel).toHaveText('3. Start two more members', { timeout: 20_000 });
  await page.keyboard.press('Alt+A');
  await expect(autoplay).toContainText('autoplay paused');
  expect(squash(await terminalText(page))).toContain('listeningonport27017');

  // N skips to the next step; P pauses and resumes the sandbox's time.
  await page.keyboard.press('Alt+N');
  await expect(stepLabel).toHaveText('4. Connect to one member');
  // R runs this step's commands and stops once its check passes.
  await page.keyboard.press('Alt+R');
  await expect(stepLabel).toHaveText('5. Initiate, and watch the members come online', { timeout: 20_000 });
  await screenshot(page, 'rooms-4-presenter');
  await expect(autoplay).toContainText('ran "Connect to one member"');
  // It opened the client shell it needed, once.
  await expect(page.getByRole('tablist', { name: 'Shells' }).getByRole('tab')).toHaveCount(2);
  await page.keyboard.press('Alt+P');
  await expect(autoplay).toContainText('time paused');
  await page.keyboard.press('Alt+P');
  await expect(autoplay).not.toContainText('time paused');
});

test('a learner on their own takes their progress to another browser with the resume link', async ({ browser }) => {
  test.setTimeout(90_000);
  const first = await (await browser.newContext()).newPage();
  await openLab(first);
  await run(first, 'hostname', 'morton.local');
  await run(first, start[1]!, 'listening on port 27017');
  await expect(pane(first, 'Lesson').getByText('2 of 13 done')).toBeVisible({ timeout: 15_000 });
  await first.getByRole('button', { name: 'Resume link' }).click();
  await expect(first.getByRole('button', { name: 'Resume link copied' })).toBeVisible();
  const link = await first.getByRole('button', { name: 'Resume link copied' }).getAttribute('title');
  expect(link).toMatch(/\/#resume=[A-Za-z0-9_-]+$/);

  const second = await (await browser.newContext()).newPage();
  await second.goto(link!);
  await expect(second.getByRole('alert')).toContainText('your progress is back', { timeout: 20_000 });
  await expect(pane(second, 'Lesson').getByText('2 of 13 done')).toBeVisible();
  await expect(card(second, 'morton.local:27017')).toBeVisible();
});
