import { expect, test } from '@playwright/test';
import { badge, failOver } from './failover-fixtures';
import { run, selectShell, squash, start } from './lesson-fixtures';
import { labUrl, openLab } from './fixtures';
import { card, pane, screenshot } from './ui-fixtures';
import { replayPosition, replayTerminal, replayTerminalText, saveReplay, seekUntilPrimary } from './replay-fixtures';

/** Issue 19, "Replays to share": save a failover as a replay; a fresh browser plays it read-only and branches from it. */

const position = replayPosition;

test('a learner saves a failover as a replay; a fresh browser plays the same events and terminal (old primary first, new at the end) and branches from it', async ({ page, browser }) => {
  test.setTimeout(240_000);
  const { oldPrimary, newPrimary } = await failOver(page);
  // After the kill, a read from Python raises AutoReconnect (the walkthrough's failover).
  await selectShell(page, 'client');
  await run(page, 'c.test.test.find_one()', 'AutoReconnect');
  // A moment or two with the new primary in charge.
  await page.waitForTimeout(1500);

  const link = await saveReplay(page, 'Failover, Tuesday');
  const savedDigest = /digest (\S+)$/.exec(await page.getByTestId('saved-replay-digest').innerText())?.[1];
  expect(savedDigest).toMatch(/^\d+-[0-9a-f]{8}$/);

  // A fresh browser: no cookie, no session. It plays the replay without a sandbox of its own.
  const fresh = await browser.newContext();
  const viewer = await fresh.newPage();
  await viewer.goto(link);
  await expect(viewer.getByText('Replay “Failover, Tuesday”')).toBeVisible();
  await expect(position(viewer)).toBeVisible();
  // Read-only: the members' controls are disabled.
  await seekUntilPrimary(viewer, oldPrimary);
  await expect(card(viewer, oldPrimary).getByRole('button', { name: 'kill', exact: true })).toBeDisabled();
  // The terminals as the learner's page drew them, read-only: before the kill, no AutoReconnect yet.
  await expect(viewer.getByRole('region', { name: 'Terminal', exact: true })).toHaveCount(0);
  await expect(viewer.getByRole('status', { name: 'Terminal is read-only' })).toContainText(/^Terminal as saved, at \d\d:\d\d:\d\d — read-only/);
  await viewer.getByRole('tab', { name: 'client' }).click();
  await expect.poll(async () => squash(await replayTerminalText(viewer))).toContain('c.admin.command("replSetInitiate")');
  expect(await replayTerminalText(viewer)).not.toContain('AutoReconnect');
  // Keys typed into it go nowhere.
  await replayTerminal(viewer).click();
  await viewer.keyboard.type('zzz');
  expect(await replayTerminalText(viewer)).not.toContain('zzz');
  await viewer.getByRole('tab', { name: 'servers' }).click();
  await expect.poll(async () => replayTerminalText(viewer)).toContain('mongod');
  expect(await replayTerminalText(viewer)).not.toMatch(/kill \d+/);
  await screenshot(viewer, 'replay-terminal-past-desktop');
  // At the end: the new primary, the old one down, and every event the learner's sandbox had by then.
  await position(viewer).press('End');
  await expect(badge(viewer, newPrimary)).toHaveText('PRIMARY');
  await expect(badge(viewer, oldPrimary)).toHaveText('DOWN');
  await expect(viewer.getByTestId('replay-digest')).toHaveText(`digest ${savedDigest}`);
  // The terminals at the end: the kill on the servers tab, the AutoReconnect on the client's.
  await expect.poll(async () => replayTerminalText(viewer)).toMatch(/kill \d+/);
  await viewer.getByRole('tab', { name: 'client' }).click();
  await expect.poll(async () => replayTerminalText(viewer)).toContain('AutoReconnect');
  await screenshot(viewer, 'replay-terminal-end-desktop');
  await viewer.setViewportSize({ width: 390, height: 844 });
  await expect(replayTerminal(viewer)).toBeVisible();
  await screenshot(viewer, 'replay-terminal-end-phone');
  await viewer.setViewportSize({ width: 1280, height: 800 });

  // Played from the start at 10×, it reaches the same end with the same events.
  await position(viewer).press('Home');
  await expect(viewer.getByTestId('replay-digest')).not.toHaveText(`digest ${savedDigest}`);
  await expect.poll(async () => replayTerminalText(viewer)).not.toContain('AutoReconnect');
  await viewer.getByRole('combobox', { name: 'Replay speed' }).selectOption('10');
  await viewer.getByRole('button', { name: 'Play', exact: true }).click();
  await expect(viewer.getByRole('button', { name: 'Pause', exact: true })).toBeVisible();
  await expect(viewer.getByRole('button', { name: 'Play', exact: true })).toBeVisible({ timeout: 60_000 });
  await expect(viewer.getByTestId('replay-digest')).toHaveText(`digest ${savedDigest}`);
  await expect(badge(viewer, newPrimary)).toHaveText('PRIMARY');
  // Played forward, the terminal reached the end too.
  await expect.poll(async () => replayTerminalText(viewer)).toContain('AutoReconnect');

  // "Branch from here" before the failover: a live sandbox of the viewer's own, the old primary in charge.
  await seekUntilPrimary(viewer, oldPrimary);
  await viewer.getByRole('button', { name: 'Branch from here' }).click();
  await expect(viewer.getByRole('status').first()).toHaveText('connected');
  await expect(badge(viewer, oldPrimary)).toHaveText('PRIMARY', { timeout: 30_000 });
  await expect(card(viewer, oldPrimary).getByRole('button', { name: 'kill', exact: true })).toBeEnabled();
  const timeline = pane(viewer, 'Timeline');
  await timeline.getByRole('button', { name: 'list', exact: true }).click();
  await expect(timeline.getByText(/branched from \d\d:\d\d:\d\d/).first()).toBeAttached();
  await fresh.close();
});

test('"Your replays" lists the replays this browser saved, newest first, and deletes one after asking; another browser sees none of them', async ({ page, browser }) => {
  test.setTimeout(120_000);
  await openLab(page);
  await run(page, start[1] as string, 'listening on port');
  await page.getByRole('button', { name: 'Save replay' }).click();
  const yours = page.getByRole('region', { name: 'Your replays' });
  await expect(yours.getByRole('status')).toHaveText('None saved yet.');
  const links: string[] = [];
  for (const name of ['first take', 'second take']) {
    await page.getByRole('textbox', { name: 'Replay name' }).fill(name);
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await expect(yours.getByRole('link', { name })).toBeVisible();
    links.push(await page.getByRole('textbox', { name: 'Replay link' }).inputValue());
  }
  expect(new Set(links).size).toBe(2);
  await expect(yours.getByRole('listitem')).toHaveCount(2);
  await expect(yours.getByRole('listitem').first()).toContainText('second take');
  await expect(yours.getByRole('listitem').first()).toContainText(/\d+ s · \d+ KiB · expires in 7 days/);
  await screenshot(page, 'your-replays-desktop');

  // Delete asks once more; "Keep" keeps it.
  await yours.getByRole('button', { name: 'Delete “first take”' }).click();
  await yours.getByRole('button', { name: 'Keep' }).click();
  await expect(yours.getByRole('listitem')).toHaveCount(2);
  await yours.getByRole('button', { name: 'Delete “first take”' }).click();
  await yours.getByRole('button', { name: 'Yes, delete “first take”' }).click();
  await expect(yours.getByRole('status')).toHaveText('Deleted “first take”');
  await expect(yours.getByRole('listitem')).toHaveCount(1);
  await expect(yours.getByRole('link', { name: 'second take' })).toBeVisible();
  await page.setViewportSize({ width: 390, height: 844 });
  await screenshot(page, 'your-replays-phone');

  // Another browser: its own (empty) list; the deleted replay's link is gone, the other still plays.
  const fresh = await browser.newContext();
  const other = await fresh.newPage();
  await openLab(other);
  await other.getByRole('button', { name: 'Save replay' }).click();
  await expect(other.getByRole('region', { name: 'Your replays' }).getByRole('status')).toHaveText('None saved yet.');
  expect(new URL(links[1]!).hash).toBe(await yours.getByRole('link', { name: 'second take' }).getAttribute('href').then((href) => href?.slice(1)));
  await other.goto(links[1]!);
  await expect(other.getByText('Replay “second take”')).toBeVisible();
  // A hash change alone would not reload the page: open the deleted one in a new page.
  const gone = await fresh.newPage();
  await gone.goto(links[0]!);
  await expect(gone.getByText('Replay not found')).toBeVisible();
  await fresh.close();
});

test("the instructor's Save replay carries the instructor page's terminal, and the room's replays are listed and deleted there only", async ({ page, browser }) => {
  test.setTimeout(120_000);
  const base = labUrl();
  const room = (await (await page.request.post(`${base}/api/rooms`, { data: { title: 'Tuesday class' } })).json()) as { code: string; secret: string };
  await page.goto(`${base}/#instructor=${room.code}&secret=${room.secret}`);
  await run(page, start[1] as string, 'listening on port');
  await page.getByRole('button', { name: 'Save replay' }).click();
  await page.getByRole('textbox', { name: 'Replay name' }).fill('class demo');
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  const yours = page.getByRole('region', { name: 'Your replays' });
  await expect(yours.getByRole('link', { name: 'class demo' })).toBeVisible();
  const link = await page.getByRole('textbox', { name: 'Replay link' }).inputValue();

  // Anyone with the link sees the instructor's terminal at the end.
  const fresh = await browser.newContext();
  const viewer = await fresh.newPage();
  await viewer.goto(link);
  await position(viewer).focus();
  await position(viewer).press('End');
  await expect.poll(async () => replayTerminalText(viewer)).toContain('listening on port 27017');

  // The same browser's own lab page lists its session's replays, not the room's.
  const labPage = await page.context().newPage();
  await openLab(labPage);
  await labPage.getByRole('button', { name: 'Save replay' }).click();
  await expect(labPage.getByRole('region', { name: 'Your replays' }).getByRole('status')).toHaveText('None saved yet.');

  await yours.getByRole('button', { name: 'Delete “class demo”' }).click();
  await yours.getByRole('button', { name: 'Yes, delete “class demo”' }).click();
  await expect(yours.getByRole('status')).toHaveText('Deleted “class demo”');
  await expect(yours.getByRole('listitem')).toHaveCount(0);
  await fresh.close();
});
