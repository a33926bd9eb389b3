import { expect, test } from '@playwright/test';
import { startServer } from '../global-setup';
import { openLab, terminalText, typeLine } from './fixtures';

test('the page reconnects by itself after a server restart and says so', async ({ page }) => {
  // A server of this test's own, so restarting it leaves the shared one alone.
  const first = await startServer();
  const port = new URL(first.url).port;
  try {
    await openLab(page, first.url);
    first.child.kill('SIGTERM');
    await new Promise((resolve) => first.child.once('exit', resolve));
    await expect.poll(() => terminalText(page)).toContain('connection to the server lost');
    await expect(page.getByRole('status')).toHaveText('reconnecting…');
    const second = await startServer({ PORT: port });
    try {
      await expect(page.getByRole('status')).toHaveText('connected', { timeout: 15_000 });
      await expect.poll(() => terminalText(page)).toContain('server restarted, so this is a fresh sandbox');
      await typeLine(page, 'hostname');
      await expect.poll(() => terminalText(page)).toContain('morton.local');
    } finally {
      second.child.kill('SIGTERM');
    }
  } finally {
    first.child.kill('SIGTERM');
  }
});
