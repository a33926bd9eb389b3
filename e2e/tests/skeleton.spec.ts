import { expect, test } from '@playwright/test';
import { openLab, terminalText, typeLine } from './fixtures';

test('the terminal answers hostname and unknown commands over the WebSocket', async ({ page }) => {
  await openLab(page);
  await typeLine(page, 'hostname');
  await expect.poll(() => terminalText(page)).toContain('morton.local');
  await typeLine(page, 'foo');
  await expect.poll(() => terminalText(page)).toContain('bash: foo: command not found');
});

test('line editing: history, cursor movement and Ctrl-C', async ({ page }) => {
  await openLab(page);
  await typeLine(page, 'echo first');
  await expect.poll(() => terminalText(page)).toMatch(/^first$/m);
  await page.keyboard.press('ArrowUp');
  await page.keyboard.press('Home');
  await page.keyboard.press('End');
  await page.keyboard.press('Backspace');
  await page.keyboard.press('Backspace');
  await page.keyboard.press('Backspace');
  await page.keyboard.press('Backspace');
  await page.keyboard.press('Backspace');
  await page.keyboard.type('again');
  await page.keyboard.press('Enter');
  await expect.poll(() => terminalText(page)).toMatch(/^again$/m);
  await page.keyboard.type('never run');
  await page.keyboard.press('Control+C');
  await expect.poll(() => terminalText(page)).toContain('never run^C');
  await typeLine(page, 'echo after');
  await expect.poll(() => terminalText(page)).toMatch(/^after$/m);
  expect(await terminalText(page)).not.toMatch(/^never run$/m);
});

test('a reload finds the same terminal', async ({ page }) => {
  await openLab(page);
  await typeLine(page, 'echo remember-me');
  await expect.poll(() => terminalText(page)).toMatch(/^remember-me$/m);
  await page.reload();
  await expect(page.getByRole('status')).toHaveText('connected');
  await expect.poll(() => terminalText(page)).toMatch(/^remember-me$/m);
});
