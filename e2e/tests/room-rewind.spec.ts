import { expect, test, type Browser, type Page } from '@playwright/test';
import { labUrl, terminalText } from './fixtures';
import { badge, rewindUntilPrimary, timelineSlider } from './failover-fixtures';
import { members, primaryAmong, run, selectShell, squash, start } from './lesson-fixtures';
import { joinAsAttendee, roomMode } from './room-fixtures';
import { card, pane, screenshot } from './ui-fixtures';

/**
 * Issue 19 ("Rewind, replay and branch"), rooms: the instructor rewinds the class's live view and
 * the attendees see the same moment; an attendee scrubs on their own without moving anyone else;
 * the instructor's "Branch from here" moves the class to the branch.
 */

const slider = timelineSlider;
const notice = (page: Page) => page.locator('.rewind-status[role="status"]');
const mode = roomMode;

/** A room, created in a browser context of the instructor's own; returns the instructor's page. */
async function createRoom(browser: Browser): Promise<{ base: string; code: string; instructor: Page }> {
  const base = labUrl();
  const instructorContext = await browser.newContext();
  const creating = await instructorContext.newPage();
  await creating.goto(`${base}/#rooms`);
  await creating.getByRole('button', { name: 'Create the room' }).click();
  const code = (await creating.getByLabel('Join code').innerText()).trim();
  const instructorHref = await creating.getByLabel('Instructor link').getAttribute('href');
  const instructor = await instructorContext.newPage();
  await instructor.goto(`${base}${instructorHref}`);
  await expect(mode(instructor)).toHaveText(/You are the instructor/);
  return { base, code, instructor };
}

/** The walkthrough's set on the instructor's page, then a failover (the kill button on the primary's card). */
async function failOverAsInstructor(instructor: Page): Promise<{ oldPrimary: string; newPrimary: string }> {
  await pane(instructor, 'Cluster').getByLabel('speed').selectOption('5');
  for (const line of start) await run(instructor, line);
  await instructor.getByRole('region', { name: 'Terminals' }).getByRole('button', { name: 'New shell' }).click();
  await run(instructor, 'python', '>>>');
  await run(instructor, 'from pymongo import Connection');
  await run(instructor, 'c = Connection("morton.local:27017", slave_okay=True)');
  await run(instructor, 'c.admin.command("replSetInitiate")', "'ok': 1.0");
  const oldPrimary = await primaryAmong(instructor, members);
  // Any member may win the first election: `c` follows the winner, so that its read after the kill
  // raises AutoReconnect (on a member that stays up it would just answer).
  await run(instructor, `c = Connection("${oldPrimary}", slave_okay=True)`);
  await instructor.waitForTimeout(1500);
  await card(instructor, oldPrimary).getByRole('button', { name: 'kill', exact: true }).click();
  await expect(badge(instructor, oldPrimary)).toHaveText('DOWN');
  const newPrimary = await primaryAmong(instructor, members.filter((h) => h !== oldPrimary));
  return { oldPrimary, newPrimary };
}


test('the instructor rewinds the class to the old primary; an attendee scrubs alone; back to live; the instructor branches', async ({ browser }) => {
  test.setTimeout(240_000);
  const { base, code, instructor } = await createRoom(browser);

  const attendee = await joinAsAttendee(browser, base, code, 'Ada');

  const { oldPrimary, newPrimary } = await failOverAsInstructor(instructor);
  await expect(badge(attendee, newPrimary)).toHaveText('PRIMARY');

  // The instructor steps back until the old primary is PRIMARY on their page.
  await rewindUntilPrimary(instructor, oldPrimary, notice(instructor));
  // "Viewing 07:22:52": the moment (the "N s ago" after it grows as the live set runs on).
  const instructorMoment = /^Viewing \S+/.exec(await notice(instructor).innerText())![0];
  const instructorValue = await slider(instructor).getAttribute('aria-valuenow');

  // The attendee's page shows the same moment, and says the instructor rewound.
  await expect(badge(attendee, oldPrimary)).toHaveText('PRIMARY');
  await expect(notice(attendee)).toHaveText(/^Viewing \S+ — \d+ s ago — the instructor rewound the class$/);
  await expect(slider(attendee)).toHaveAttribute('aria-valuenow', instructorValue!);
  // Still a follower: controls that change the set stay disabled, and so does branching.
  await expect(card(attendee, oldPrimary).getByRole('button', { name: 'kill', exact: true })).toBeDisabled();
  await expect(attendee.getByRole('button', { name: 'Branch from here' })).toBeDisabled();

  // The attendee scrubs on their own: their page moves, the instructor's does not.
  await slider(attendee).focus();
  await slider(attendee).press('Home');
  await expect(notice(attendee)).toHaveText(/^Viewing \S+ — \d+ s ago$/);
  await expect(slider(attendee)).not.toHaveAttribute('aria-valuenow', instructorValue!);
  await instructor.waitForTimeout(1000);
  await expect(notice(instructor)).toHaveText(new RegExp(`^${instructorMoment} — \\d+ s ago$`));
  await expect(slider(instructor)).toHaveAttribute('aria-valuenow', instructorValue!);
  await expect(badge(instructor, oldPrimary)).toHaveText('PRIMARY');

  // "Back to live" on the attendee's page: following again, so at the instructor's moment.
  await attendee.getByRole('button', { name: 'Back to live' }).click();
  await expect(notice(attendee)).toHaveText(/the instructor rewound the class$/);
  await expect(badge(attendee, oldPrimary)).toHaveText('PRIMARY');

  // "Back to live" by the instructor returns everyone.
  await instructor.getByRole('button', { name: 'Back to live' }).click();
  await expect(notice(instructor)).toHaveCount(0);
  await expect(notice(attendee)).toHaveCount(0);
  await expect(badge(attendee, newPrimary)).toHaveText('PRIMARY');
  await expect(badge(attendee, oldPrimary)).toHaveText('DOWN');

  // "Branch from here" by the instructor: the room's sandbox goes on from the old primary's moment,
  // live, and the attendee follows it (still read-only).
  await rewindUntilPrimary(instructor, oldPrimary, notice(instructor));
  await expect(notice(attendee)).toHaveText(/the instructor rewound the class$/);
  await instructor.getByRole('button', { name: 'Branch from here' }).click();
  await expect(notice(instructor)).toHaveCount(0, { timeout: 30_000 });
  await expect(badge(instructor, oldPrimary)).toHaveText('PRIMARY', { timeout: 30_000 });
  await expect(notice(attendee)).toHaveCount(0);
  await expect(badge(attendee, oldPrimary)).toHaveText('PRIMARY', { timeout: 30_000 });
  await expect(mode(attendee)).toHaveText('Following the instructor live (read-only)');
  await expect(card(attendee, oldPrimary).getByRole('button', { name: 'kill', exact: true })).toBeDisabled();
  await instructor.context().close();
  await attendee.context().close();
});

test("an attendee who joins while the instructor shows the past sees the instructor's terminal as at that moment (the server's times), and all of it back live", async ({ browser }) => {
  test.setTimeout(240_000);
  const { base, code, instructor } = await createRoom(browser);

  const { oldPrimary } = await failOverAsInstructor(instructor);
  await run(instructor, 'c.test.test.find_one()', 'AutoReconnect');
  await rewindUntilPrimary(instructor, oldPrimary, notice(instructor));

  // Ada joins only now: all she knows of the instructor's terminal came in her welcome.
  const attendee = await joinAsAttendee(browser, base, code, 'Ada');
  await expect(notice(attendee)).toHaveText(/the instructor rewound the class$/);
  await selectShell(attendee, 'client');
  await expect.poll(async () => squash(await terminalText(attendee))).toContain('c.admin.command("replSetInitiate")');
  expect(await terminalText(attendee)).not.toContain('AutoReconnect');
  await screenshot(attendee, 'room-late-attendee-past-terminal');

  await instructor.getByRole('button', { name: 'Back to live' }).click();
  await expect(notice(attendee)).toHaveCount(0);
  await expect.poll(async () => terminalText(attendee)).toContain('AutoReconnect');
  await instructor.context().close();
  await attendee.context().close();
});
