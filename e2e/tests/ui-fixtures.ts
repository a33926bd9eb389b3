import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect, type Locator, type Page } from '@playwright/test';
import { labUrl, openLab } from './fixtures';

export const viewports = {
  laptop: { width: 1280, height: 800 },
  projector: { width: 1920, height: 1080 },
  phone: { width: 390, height: 844 },
} as const;
export type ViewportName = keyof typeof viewports;

const shotsDir = fileURLToPath(new URL('../test-results/screenshots/', import.meta.url));

/** Open the lab replaying a recorded fixture (failover unless named), optionally held at frame `hold`. */
export async function openFixture(page: Page, hold?: number, name: 'failover' | 'partition' = 'failover'): Promise<void> {
  const url = new URL(labUrl());
  url.searchParams.set('fixture', name);
  if (hold !== undefined) url.searchParams.set('hold', String(hold));
  await openLab(page, url.toString());
  await expect(page.getByText(`replaying fixture “${name}”`)).toBeVisible();
}

export function pane(page: Page, name: 'Lesson' | 'Terminal' | 'Cluster' | 'Timeline'): Locator {
  return page.getByRole('region', { name, exact: true });
}

export function card(page: Page, host: string): Locator {
  return page.getByRole('article', { name: `node ${host}`, exact: true });
}

/** Save a screenshot (the full page unless told) under e2e/test-results/screenshots/NAME.png and return its path. */
export async function screenshot(page: Page, name: string, fullPage = true): Promise<string> {
  mkdirSync(shotsDir, { recursive: true });
  const path = `${shotsDir}${name}.png`;
  await page.screenshot({ path, fullPage });
  return path;
}

/** The timeline's legend and its plot do not overlap, wherever the layout puts the legend. */
export async function expectLegendClearOfPlot(page: Page): Promise<void> {
  const overlap = await page.evaluate(() => {
    const plot = document.querySelector('.timeline-pane .plot')!.getBoundingClientRect();
    const legend = document.querySelector('.timeline-pane .legend')!.getBoundingClientRect();
    const x = Math.min(plot.right, legend.right) - Math.max(plot.left, legend.left);
    const y = Math.min(plot.bottom, legend.bottom) - Math.max(plot.top, legend.top);
    return x > 0.5 && y > 0.5 ? { x, y } : null;
  });
  expect(overlap, 'the legend covers part of the plot (its time axis)').toBeNull();
}
