import { expect, type Page } from '@playwright/test';

export function labUrl(): string {
  const url = process.env.RSLAB_E2E_URL;
  if (!url) throw new Error('RSLAB_E2E_URL is not set: global-setup did not start the server');
  return url;
}

/** The xterm screen as text, row by row (xterm keeps an accessible DOM copy of its rows). */
export async function terminalText(page: Page): Promise<string> {
  const raw = await page.getByRole('region', { name: 'Terminal', exact: true }).locator('.xterm-rows').innerText();
  // xterm draws spaces as no-break spaces; give tests plain lines without trailing blanks.
  return raw
    .replace(/\u00a0/g, ' ')
    .split('\n')
    .map((line) => line.trimEnd())
    .join('\n');
}

export async function openLab(page: Page, url = labUrl()): Promise<void> {
  await page.goto(url);
  await expect(page.getByRole('status')).toHaveText('connected');
  await expect.poll(() => terminalText(page)).toMatch(/\$$/m);
}

/** Type a line into the terminal as a person would, key by key, and press Enter. */
export async function typeLine(page: Page, line: string): Promise<void> {
  await page.getByRole('region', { name: 'Terminal', exact: true }).click();
  await page.keyboard.type(line, { delay: 5 });
  await page.keyboard.press('Enter');
}
