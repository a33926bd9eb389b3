import { expect, type Browser, type Page } from '@playwright/test';

/** The room bar's mode line ("You are the instructor…", "Following the instructor live…"). */
export const roomMode = (page: Page) => page.getByRole('region', { name: 'Room' }).getByLabel('Room mode');

/** An attendee who joins the room with this code in a browser context of their own, following live. */
export async function joinAsAttendee(browser: Browser, base: string, code: string, name: string): Promise<Page> {
  const context = await browser.newContext();
  const attendee = await context.newPage();
  await attendee.goto(`${base}/#join=${code}`);
  await attendee.getByLabel('Your name').fill(name);
  await attendee.getByRole('button', { name: 'Join' }).click();
  await expect(roomMode(attendee)).toHaveText('Following the instructor live (read-only)');
  return attendee;
}
