import { expect, test, type Page } from '@playwright/test';
import { labUrl } from './fixtures';
import { expectDone, lessonReady, members } from './lesson-fixtures';
import { card, pane, screenshot, viewports } from './ui-fixtures';

/**
 * The phone layout (issue 16): at 390×844 each pane is usable on its own, for a learner alone and
 * for an attendee following a room (the room strip on top): the lesson text at least 200 px tall,
 * no sideways scroll, no member card outside its pane or over the timeline. And the course page
 * (#course) there: every lesson, its progress, a way in.
 */
test.use({ viewport: viewports.phone });

type Box = { x: number; y: number; width: number; height: number };

async function box(page: Page, name: 'Lesson' | 'Terminal' | 'Cluster' | 'Timeline'): Promise<Box> {
  const found = await pane(page, name).boundingBox();
  if (!found) throw new Error(`the ${name} pane is not laid out`);
  return found;
}

async function expectNoSidewaysScroll(page: Page): Promise<void> {
  const widths = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, view: window.innerWidth }));
  expect(widths.scroll, 'the page is no wider than the phone').toBeLessThanOrEqual(widths.view);
}

/** The checks the issue names, on whatever page is open (members must be up). */
async function expectPhoneLayout(page: Page): Promise<void> {
  await expectNoSidewaysScroll(page);
  const lessonBody = pane(page, 'Lesson').locator('.lesson-body');
  await expect(lessonBody).toBeVisible();
  const lesson = await lessonBody.boundingBox();
  expect(lesson?.height ?? 0, 'the lesson text has room to be read').toBeGreaterThanOrEqual(200);
  // The lesson's first words are on screen, not clipped behind the room strip or the header.
  const title = await pane(page, 'Lesson').locator('.lesson-title').boundingBox();
  expect(title && title.height > 0 && title.x >= 0 && title.x + title.width <= viewports.phone.width).toBe(true);

  const panes = { lesson: await box(page, 'Lesson'), terminal: await box(page, 'Terminal'), cluster: await box(page, 'Cluster'), timeline: await box(page, 'Timeline') };
  for (const [name, b] of Object.entries(panes)) {
    expect(b.x, `${name} starts inside the screen`).toBeGreaterThanOrEqual(0);
    expect(b.x + b.width, `${name} ends inside the screen`).toBeLessThanOrEqual(viewports.phone.width + 0.5);
  }
  // Stacked full width, in order, none over another.
  const order = [panes.lesson, panes.terminal, panes.cluster, panes.timeline];
  for (let i = 1; i < order.length; i += 1) expect(order[i]!.y).toBeGreaterThanOrEqual(order[i - 1]!.y + order[i - 1]!.height - 0.5);
  for (const host of members) {
    const c = await card(page, host).boundingBox();
    if (!c) throw new Error(`no card for ${host}`);
    expect(c.y, `${host}'s card is inside the cluster pane`).toBeGreaterThanOrEqual(panes.cluster.y);
    expect(c.y + c.height, `${host}'s card ends inside the cluster pane`).toBeLessThanOrEqual(panes.cluster.y + panes.cluster.height + 0.5);
    expect(c.x + c.width).toBeLessThanOrEqual(panes.cluster.x + panes.cluster.width + 0.5);
    expect(c.y + c.height, `${host}'s card is not over the timeline`).toBeLessThanOrEqual(panes.timeline.y);
  }
}

async function waitForMembers(page: Page): Promise<void> {
  for (const host of members) await expect(card(page, host).locator('.state-badge')).toHaveText(/PRIMARY|SECONDARY/, { timeout: 30_000 });
}

test('a learner alone: the course page, a lesson from it, and every pane usable on a phone', async ({ page }) => {
  test.setTimeout(120_000);
  const missing: string[] = [];
  page.on('response', (response) => {
    if (response.status() === 404) missing.push(response.url());
  });
  // Straight to the course page: the lab stays behind it (its socket and shells open meanwhile).
  await page.goto(`${labUrl()}/#course`);
  await expect(page.getByRole('status')).toHaveText('connected');
  const course = page.getByRole('region', { name: 'The course' });
  await expect(course).toBeVisible();
  const lessons = course.getByRole('listitem');
  await expect(lessons).toHaveCount(9);
  const first = course.getByRole('listitem', { name: /^lesson 1: / });
  await expect(first).toContainText('(open now)');
  await expect(first.getByRole('button', { name: /^Back to it: / })).toBeVisible();
  const partitions = course.getByRole('listitem', { name: /^lesson \d+: Network partitions/ });
  await expect(partitions).toContainText('the simulated engine');
  await expect(partitions).toContainText('not started');
  await expect(partitions).toContainText(/about \d+ min/);
  await expectNoSidewaysScroll(page);
  await screenshot(page, 'phone-1-course');

  await partitions.getByRole('button', { name: /^Start: / }).click();
  await expect(course).toHaveCount(0);
  await expect(page).not.toHaveURL(/#course/);
  await expect(pane(page, 'Lesson').locator('.lesson-title')).toHaveText(/Network partitions/);
  await waitForMembers(page);
  await expectPhoneLayout(page);
  await screenshot(page, 'phone-2-lesson', false);
  await screenshot(page, 'phone-3-lab');

  // The lesson's own buttons work on a phone: "Run this" opens the client shell and connects; the
  // next step's prediction fits the pane, its choices big enough to tap.
  const lesson = pane(page, 'Lesson');
  await lessonReady(page);
  await lesson.getByRole('button', { name: /^Run this: mongosh / }).click();
  await expectDone(page, 1, 'Connect', 30_000);
  const prediction = lesson.getByRole('group', { name: 'Prediction for step 2' });
  await expect(prediction).toBeVisible();
  const lessonBox = await box(page, 'Lesson');
  for (const choice of await prediction.getByRole('button').all()) {
    const b = await choice.boundingBox();
    expect(b && b.x >= lessonBox.x && b.x + b.width <= lessonBox.x + lessonBox.width + 0.5).toBe(true);
    expect(b!.height, 'a choice is tall enough to tap').toBeGreaterThanOrEqual(24);
  }
  await expectNoSidewaysScroll(page);
  await prediction.getByRole('button', { name: /^About an election timeout/ }).click();
  await expect(prediction.getByRole('button', { name: /^About an election timeout/ })).toHaveAttribute('aria-pressed', 'true');
  await screenshot(page, 'phone-2b-prediction', false);

  // Back on the course page the lesson is the open one; the browser's back button returns to the lab.
  await page.getByRole('link', { name: 'All lessons' }).click();
  await expect(course.getByRole('listitem', { name: /^lesson \d+: Network partitions/ })).toContainText('(open now)');
  await page.goBack();
  await expect(course).toHaveCount(0);
  await expect(pane(page, 'Lesson').locator('.lesson-title')).toHaveText(/Network partitions/);
  expect(missing, 'nothing the page asks for is missing (the favicon included)').toEqual([]);
});

test('an attendee following a room: the room strip on top, every pane still usable, the cluster read-only', async ({ browser }) => {
  test.setTimeout(120_000);
  const base = labUrl();
  const created = await fetch(`${base}/api/rooms`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ title: 'phone class', lessonId: 'partitions' }) });
  expect(created.status).toBe(201);
  const room = (await created.json()) as { code: string; instructorPath: string };
  const instructorContext = await browser.newContext();
  const instructor = await instructorContext.newPage();
  await instructor.goto(`${base}${room.instructorPath}`);
  await waitForMembers(instructor);

  const attendeeContext = await browser.newContext({ viewport: viewports.phone });
  const attendee = await attendeeContext.newPage();
  await attendee.goto(`${base}/#join=${room.code}`);
  await attendee.getByLabel('Your name').fill('Grace');
  await attendee.getByRole('button', { name: 'Join' }).click();
  await expect(attendee.getByRole('region', { name: 'Room' }).getByLabel('Room mode')).toHaveText('Following the instructor live (read-only)');
  await waitForMembers(attendee);
  await expectPhoneLayout(attendee);
  // A follower cannot change the instructor's set: the buttons are off, and the pane says why.
  const cluster = pane(attendee, 'Cluster');
  await expect(cluster).toContainText('Read-only');
  await expect(card(attendee, members[0]).getByRole('button', { name: 'kill', exact: true })).toBeDisabled();
  await screenshot(attendee, 'phone-4-attendee', false);
  await screenshot(attendee, 'phone-5-attendee-page');
  await attendeeContext.close();
  await instructorContext.close();
});
