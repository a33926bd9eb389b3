import { expect, test, type Page } from '@playwright/test';
import { failOver, rewindUntilPrimary } from './failover-fixtures';
import { terminalText } from './fixtures';
import { run, selectShell, shellTab, squash } from './lesson-fixtures';
import { screenshot } from './ui-fixtures';
import { replayPosition, replayTerminalText, saveReplay, seekUntilPrimary } from './replay-fixtures';

/** Issue 19: "While it shows the past, ... the terminal shows output up to that moment". */

const pastBanner = (page: Page) => page.getByRole('status', { name: 'Terminal shows the past' });

test('moving "Timeline position" before the kill shows the terminal without the later AutoReconnect; Back to live shows it again', async ({ page }) => {
  test.setTimeout(180_000);
  const { oldPrimary } = await failOver(page);
  await selectShell(page, 'client');
  await run(page, 'c.test.test.find_one()', 'AutoReconnect');
  // A half-typed line: going back to live must not lose it.
  await page.getByRole('region', { name: 'Terminal', exact: true }).click();
  await page.keyboard.type('half = 4');
  await expect.poll(async () => squash(await terminalText(page))).toContain('>>>half=4');

  await rewindUntilPrimary(page, oldPrimary, pastBanner(page));
  await expect(pastBanner(page)).toContainText(/^Terminal as at \d\d:\d\d:\d\d — the past, read-only/);
  // The past screen: what was typed before the kill is there, the read after it is not.
  await expect.poll(async () => terminalText(page)).not.toContain('AutoReconnect');
  expect(squash(await terminalText(page))).toContain('c.admin.command("replSetInitiate")');
  expect(squash(await terminalText(page))).not.toContain('half=4');
  // Read-only: keys typed now go nowhere.
  await page.getByRole('region', { name: 'Terminal', exact: true }).click();
  await page.keyboard.type('zzz');
  expect(await terminalText(page)).not.toContain('zzz');
  await screenshot(page, 'rewind-terminal-past-desktop');
  await page.setViewportSize({ width: 390, height: 844 });
  await expect(pastBanner(page)).toBeVisible();
  await screenshot(page, 'rewind-terminal-past-phone');
  await page.setViewportSize({ width: 1280, height: 800 });

  await page.getByRole('button', { name: 'Back to live' }).click();
  await expect(pastBanner(page)).toHaveCount(0);
  await expect.poll(async () => terminalText(page)).toContain('AutoReconnect');
  // The half-typed line is back and still being edited.
  await page.getByRole('region', { name: 'Terminal', exact: true }).click();
  await page.keyboard.type('2');
  await expect.poll(async () => squash(await terminalText(page))).toContain('>>>half=42');
  expect(await terminalText(page)).not.toContain('zzz');
});

test('after a reload, rewinding before the kill shows the terminal as it was then (the server kept the times), not empty, and so does a replay saved then', async ({ page, browser }) => {
  test.setTimeout(180_000);
  const { oldPrimary } = await failOver(page);
  await selectShell(page, 'client');
  await run(page, 'c.test.test.find_one()', 'AutoReconnect');
  // Everything above now reaches this page only through the server's snapshot.
  await page.reload();
  await expect(page.getByRole('status')).toHaveText('connected');
  await expect(shellTab(page, 'client')).toHaveAttribute('aria-selected', 'true');
  await expect.poll(async () => terminalText(page)).toContain('AutoReconnect');

  await rewindUntilPrimary(page, oldPrimary, pastBanner(page));
  // Before the kill: the lines typed before it are there (stamped with the reload's time, the past
  // was empty), the read after it is not.
  await expect.poll(async () => squash(await terminalText(page))).toContain('c.admin.command("replSetInitiate")');
  expect(await terminalText(page)).not.toContain('AutoReconnect');
  await screenshot(page, 'rewind-terminal-past-after-reload');
  // The servers tab too shows its past (the members it started), not an empty screen. (Whether its
  // last line is the `kill` depends on how close to it the rewind stopped: the old primary is still
  // PRIMARY for a moment after the line ran, while it shuts down.)
  await selectShell(page, 'servers');
  await expect.poll(async () => terminalText(page)).toContain('listening on port 27019');
  await selectShell(page, 'client');

  await page.getByRole('button', { name: 'Back to live' }).click();
  await expect(pastBanner(page)).toHaveCount(0);
  await expect.poll(async () => terminalText(page)).toContain('AutoReconnect');
  await selectShell(page, 'servers');
  await expect.poll(async () => terminalText(page)).toMatch(/\bkill \d+/);

  // A replay saved after the reload carries those times too: before the kill, no AutoReconnect yet.
  const link = await saveReplay(page, 'After a reload');
  const viewer = await (await browser.newContext()).newPage();
  await viewer.goto(link);
  await seekUntilPrimary(viewer, oldPrimary);
  await viewer.getByRole('tab', { name: 'client' }).click();
  await expect.poll(async () => squash(await replayTerminalText(viewer))).toContain('c.admin.command("replSetInitiate")');
  expect(await replayTerminalText(viewer)).not.toContain('AutoReconnect');
  await replayPosition(viewer).press('End');
  await expect.poll(async () => replayTerminalText(viewer)).toContain('AutoReconnect');
  await viewer.context().close();
});
