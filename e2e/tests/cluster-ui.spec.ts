import { expect, test } from '@playwright/test';
import { openLab, terminalText, typeLine } from './fixtures';
import { card, openFixture, pane, screenshot, viewports, type ViewportName } from './ui-fixtures';

const a = 'morton.local:27017';
const b = 'morton.local:27018';
const c = 'morton.local:27019';

for (const name of Object.keys(viewports) as ViewportName[]) {
  test.describe(`at ${viewports[name].width}×${viewports[name].height}`, () => {
    test.use({ viewport: viewports[name] });

    test('three panes and the timeline, in order, and the terminal still works', async ({ page }) => {
      await openLab(page);
      const boxes = await Promise.all(
        (['Lesson', 'Terminal', 'Cluster', 'Timeline'] as const).map(async (p) => {
          await expect(pane(page, p)).toBeVisible();
          const box = await pane(page, p).boundingBox();
          expect(box, `${p} has a box`).not.toBeNull();
          return box as NonNullable<typeof box>;
        }),
      );
      const [lesson, terminal, cluster, timeline] = boxes as [typeof boxes[0], typeof boxes[0], typeof boxes[0], typeof boxes[0]];
      if (name === 'phone') {
        // Stacked: lesson, terminal, cluster, timeline, each the width of the screen.
        expect(lesson.y).toBeLessThan(terminal.y);
        expect(terminal.y).toBeLessThan(cluster.y);
        expect(cluster.y).toBeLessThan(timeline.y);
        expect(terminal.width).toBeGreaterThan(viewports.phone.width - 40);
      } else {
        expect(lesson.x).toBeLessThan(terminal.x);
        expect(terminal.x).toBeLessThan(cluster.x);
        expect(timeline.y).toBeGreaterThanOrEqual(terminal.y + terminal.height);
        expect(timeline.y + timeline.height).toBeLessThanOrEqual(viewports[name].height + 1);
        expect(terminal.width).toBeGreaterThan(500);
      }
      // Nothing runs off the side of the page.
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      expect(overflow).toBeLessThanOrEqual(0);
      await typeLine(page, 'hostname');
      await expect.poll(() => terminalText(page)).toContain('morton.local');
      await screenshot(page, `panes-${name}`);
    });

    test('failover fixture: cards show states and the countdown while no primary is up', async ({ page }) => {
      await openFixture(page, 3);
      await expect(card(page, a)).toContainText('DOWN');
      await expect(card(page, a)).toContainText('killed');
      await expect(card(page, b)).toContainText('SECONDARY');
      await expect(card(page, c)).toContainText('SECONDARY');
      for (const text of ['term', 'optime', 'lag', 'sync source', 'heartbeats heard', 'pid 4102 · running']) {
        await expect(card(page, b)).toContainText(text);
      }
      await expect(card(page, b)).toContainText(/:27017\s*\d+(\.\d)? s ago\s*failing/);
      const bar = card(page, b).getByRole('progressbar');
      await expect(bar).toBeVisible();
      await expect(card(page, c).getByRole('progressbar')).toBeVisible();
      await expect(card(page, a).getByRole('progressbar')).toHaveCount(0);
      // The bar runs on the sandbox clock between snapshots (4× here), so it keeps moving.
      const first = Number(await bar.getAttribute('aria-valuenow'));
      expect(first).toBeGreaterThan(0);
      expect(first).toBeLessThanOrEqual(Number(await bar.getAttribute('aria-valuemax')));
      await expect.poll(async () => Number(await bar.getAttribute('aria-valuenow'))).toBeLessThan(first - 500);
      await expect(card(page, a).getByRole('button', { name: 'restart' })).toBeVisible();
      await expect(card(page, b).getByRole('button', { name: 'kill', exact: true })).toBeVisible();
      await expect(pane(page, 'Cluster').getByRole('img', { name: /27017 to :27018 down/ })).toBeVisible();
      await expect(pane(page, 'Lesson').getByLabel('step 5: Kill the primary')).toContainText('done');
      await expect(pane(page, 'Lesson').getByLabel('step 6: See AutoReconnect')).toContainText('run a read');
      await screenshot(page, `countdown-${name}`);
    });
  });
}

test('failover fixture plays through to a new primary, and the timeline shows the election', async ({ page }) => {
  await openFixture(page);
  await expect(card(page, b)).toContainText('PRIMARY', { timeout: 15_000 });
  await expect(card(page, b).getByRole('button', { name: 'step down' })).toBeVisible();
  await expect(card(page, c)).toContainText('SECONDARY');
  await expect(card(page, c)).toContainText(':27018');
  await expect(pane(page, 'Cluster').getByRole('progressbar')).toHaveCount(0);
  const timeline = pane(page, 'Timeline');
  await expect(timeline.getByRole('button', { name: /election timeout: dry run/ })).toBeVisible();
  await timeline.getByRole('button', { name: /votes for morton\.local:27018/ }).first().focus();
  await expect(timeline.locator('.plot-tip')).toContainText('votes for morton.local:27018 in term 2');
  // The plot is one tab stop; arrow keys walk the markers. Up goes to 27018's lane, nearest in time.
  await page.keyboard.press('ArrowUp');
  await expect(timeline.locator('.plot-tip')).toContainText('dry run, then standing for term 2');
  await expect(timeline.locator('.plot-tip')).toContainText('SECONDARY → PRIMARY (term 2)');
  expect(await timeline.locator('.marker[tabindex="0"]').count()).toBe(1);
  await timeline.getByRole('button', { name: 'list' }).click();
  const list = timeline.getByRole('list', { name: 'Timeline events, newest first' });
  await expect(list).toContainText('find on morton.local:27017 failed: connection refused (AutoReconnect)');
  await expect(list).toContainText('topology ReplicaSetNoPrimary → ReplicaSetWithPrimary');
  await timeline.getByRole('button', { name: 'plot' }).click();
  await screenshot(page, 'failover-done-laptop');
});

test('a refused control shows the server’s reason', async ({ page }) => {
  await openFixture(page, 0);
  await card(page, a).getByRole('button', { name: 'step down' }).click();
  // The fixture's members are not in this page's sandbox: the server's lab refuses, and says why.
  await expect(pane(page, 'Cluster').getByRole('alert')).toContainText(`no mongod is running on ${a}`);
  await pane(page, 'Cluster').getByRole('button', { name: 'Dismiss message' }).click();
  await expect(pane(page, 'Cluster').getByRole('alert')).toHaveCount(0);
});

test('"Run this" types a lesson command into the terminal', async ({ page }) => {
  await openFixture(page, 0);
  const step = pane(page, 'Lesson').getByLabel('step 1: Find your hostname');
  await expect(step).toContainText('done');
  await step.getByText('What this step did').click();
  // A half-typed line gives way to the lesson's command.
  await pane(page, 'Terminal').click();
  await page.keyboard.type('half typed');
  await step.getByRole('button', { name: 'Run this: hostname' }).click();
  await expect.poll(() => terminalText(page)).toMatch(/\$ hostname\nmorton\.local/);
  expect(await terminalText(page)).not.toContain('half typed');
  // The hint of the current step is folded until asked for.
  const current = pane(page, 'Lesson').getByLabel('step 5: Kill the primary');
  await expect(current.getByText('kill button on each card')).toBeHidden();
  await current.getByRole('button', { name: 'Show hint' }).click();
  await expect(current.getByText('button on each card too')).toBeVisible();
});

test.describe('presenter zoom', () => {
  test.use({ viewport: viewports.projector });
  test('makes the terminal and cluster larger and folds the lesson; off restores', async ({ page }) => {
    await openFixture(page, 0);
    const toggle = page.getByRole('button', { name: 'Presenter zoom' });
    const clusterFont = () => pane(page, 'Cluster').evaluate((el) => parseFloat(getComputedStyle(el).fontSize));
    const before = await clusterFont();
    await toggle.click();
    await expect(toggle).toHaveAttribute('aria-pressed', 'true');
    await expect(page.getByRole('group', { name: 'Terminal font size' })).toContainText('24px');
    await expect(pane(page, 'Lesson').getByRole('button', { name: /Lesson/ })).toHaveAttribute('aria-expanded', 'false');
    expect(await clusterFont()).toBeGreaterThan(before * 1.15);
    await screenshot(page, 'presenter-projector');
    await toggle.click();
    await expect(toggle).toHaveAttribute('aria-pressed', 'false');
    await expect(page.getByRole('group', { name: 'Terminal font size' })).toContainText('15px');
    await expect(pane(page, 'Lesson').getByRole('button', { name: /Lesson/ })).toHaveAttribute('aria-expanded', 'true');
    await screenshot(page, 'fixture-projector');
  });
});

test('keyboard only: leave the terminal with Escape then Tab, reach and press the controls', async ({ page }) => {
  await openFixture(page, 0);
  await pane(page, 'Terminal').click();
  await page.keyboard.press('Escape');
  await page.keyboard.press('Tab');
  // Focus left the terminal for the next control in the page's order: the cluster comes after it.
  const focusedInCluster = () => page.evaluate(() => document.activeElement?.closest('[aria-label="Cluster"]') !== null);
  for (let i = 0; i < 12 && !(await focusedInCluster()); i++) await page.keyboard.press('Tab');
  expect(await focusedInCluster()).toBe(true);
  const outline = await page.evaluate(() => getComputedStyle(document.activeElement as Element).outlineStyle);
  expect(outline).not.toBe('none');
  // Shift+Tab back towards the top reaches the presenter toggle; Enter presses it.
  await page.getByRole('button', { name: 'Presenter zoom' }).focus();
  await page.keyboard.press('Enter');
  await expect(page.getByRole('button', { name: 'Presenter zoom' })).toHaveAttribute('aria-pressed', 'true');
});

test('partition fixture: cut links are drawn dashed red, and heal is offered until they are up', async ({ page }) => {
  await openFixture(page, 1, 'partition');
  const cluster = pane(page, 'Cluster');
  await expect(cluster.getByRole('img', { name: /:27017 to :27018 cut; :27017 to :27019 cut; :27018 to :27019 up/ })).toBeVisible();
  const cut = cluster.locator('line.link-cut');
  await expect(cut).toHaveCount(2);
  await expect(cut.first()).toHaveAttribute('stroke-dasharray', /\d/);
  await expect(cut.first()).toHaveAttribute('stroke', 'var(--link-cut)');
  await expect(cluster.getByRole('button', { name: 'heal all links' })).toBeEnabled();
  // The isolated primary still says PRIMARY; it cannot hear anyone.
  await expect(card(page, a)).toContainText('PRIMARY');
  await expect(card(page, a)).toContainText(/:27018\s*\d+(\.\d)? s ago\s*failing/);
  await screenshot(page, 'partition-laptop');
});

test('partition fixture plays through: the old primary steps down, 27018 leads, links heal', async ({ page }) => {
  await openFixture(page, undefined, 'partition');
  const cluster = pane(page, 'Cluster');
  await expect(cluster.locator('line.link-cut')).toHaveCount(0, { timeout: 15_000 });
  await expect(card(page, b)).toContainText('PRIMARY');
  await expect(card(page, a)).toContainText('SECONDARY');
  await expect(cluster.getByRole('button', { name: 'heal all links' })).toBeDisabled();
  await pane(page, 'Timeline').getByRole('button', { name: 'list' }).click();
  await expect(pane(page, 'Timeline')).toContainText('cannot see a majority: stepping down');
});
