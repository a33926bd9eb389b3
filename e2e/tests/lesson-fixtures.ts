import { expect, type Page } from '@playwright/test';
import { terminalText, typeLine } from './fixtures';
import { card, pane } from './ui-fixtures';

/** Helpers for tests that follow the walkthrough lesson by typing into the real server's shells. */

export const members = ['morton.local:27017', 'morton.local:27018', 'morton.local:27019'] as const;

/** The walkthrough's lines, in the shells the lesson names. */
export const start = [
  'hostname',
  'mongod --replSet foo/morton.local:27018,morton.local:27019 --rest',
  'mongod --port 27018 --dbpath /data/db1 --replSet foo/morton.local:27017 --rest',
  'mongod --port 27019 --dbpath /data/db2 --replSet foo/morton.local:27017 --rest',
];
export const seeds = [
  'Connection("morton.local")',
  'Connection("morton.local:27018")',
  'Connection("morton.local", 27019)',
  'Connection(["morton.local:27018", "morton.local:27019"])',
  'Connection("morton.local:27017,morton.local:27018,morton.local:27019")',
];

export function step(page: Page, n: number, title: string) {
  return pane(page, 'Lesson').getByLabel(`step ${n}: ${title}`, { exact: true });
}

/** Click a prediction's choice (a step with a prediction asks for one before the learner acts). */
export async function predict(page: Page, n: number, choice: string | RegExp): Promise<void> {
  const group = pane(page, 'Lesson').getByRole('group', { name: `Prediction for step ${n}` });
  const button = group.getByRole('button', { name: choice });
  await button.click();
  await expect(button).toHaveAttribute('aria-pressed', 'true');
}

/** Wait until the lab has built the lesson's starting point (the pane stops saying it is setting up). */
export async function lessonReady(page: Page): Promise<void> {
  await expect(pane(page, 'Lesson').getByText(/^Setting up the lab/)).toHaveCount(0, { timeout: 60_000 });
}

export async function expectDone(page: Page, n: number, title: string, timeout = 15_000): Promise<void> {
  await expect(step(page, n, title).locator('.step-state')).toHaveText(/done/, { timeout });
}

export function shellTab(page: Page, name: 'servers' | 'client') {
  return page.getByRole('tablist', { name: 'Shells' }).getByRole('tab', { name, exact: true });
}

export async function selectShell(page: Page, name: 'servers' | 'client'): Promise<void> {
  await shellTab(page, name).click();
  await expect(shellTab(page, name)).toHaveAttribute('aria-selected', 'true');
}

/** Screen text without any whitespace: a line that wrapped at the terminal's edge reads whole again. */
export const squash = (text: string): string => text.replace(/\s+/g, '');

/** mongosh's prompt, squashed: `foo [primary] test>`. */
export const mongoshPrompt = /test>$/;

/**
 * Type a line and wait until the shell has answered it (with `expectText` when given) and shows
 * its prompt again (the shell's or Python's unless told). Returns the screen as it was then.
 */
export async function run(page: Page, line: string, expectText?: RegExp | string, prompt = /(\$|>>>)$/): Promise<string> {
  await typeLine(page, line);
  let text = '';
  const typed = squash(line);
  await expect
    .poll(async () => {
      text = await terminalText(page);
      const screen = squash(text);
      const at = screen.lastIndexOf(typed);
      if (at === -1) return false;
      const after = screen.slice(at + typed.length);
      if (expectText !== undefined && !(typeof expectText === 'string' ? after.includes(squash(expectText)) : expectText.test(after))) return false;
      return prompt.test(after);
    }, { message: `the shell answers ${line}`, timeout: 20_000 })
    .toBe(true);
  return text;
}

/** Wait until one of `hosts` shows PRIMARY on its card, and return it. */
export async function primaryAmong(page: Page, hosts: readonly string[]): Promise<string> {
  let primary = '';
  await expect
    .poll(async () => {
      for (const host of hosts) {
        if ((await card(page, host).locator('.state-badge').innerText()) === 'PRIMARY') primary = host;
      }
      return primary;
    }, { message: `one of ${hosts.join(', ')} becomes PRIMARY`, timeout: 30_000 })
    .not.toBe('');
  return primary;
}

/** The PID of the mongod listening on `port`, read from `ps -ef` as the screen shows it (lines may wrap). */
export function pidOnPort(psText: string, port: number): number {
  const block = psText.slice(psText.lastIndexOf('$ ps -ef')).replace(/\n/g, '');
  for (const row of block.split(/learner/).slice(1)) {
    if (!/mongod/.test(row)) continue;
    const pid = /^\s*(\d+)/.exec(row)?.[1];
    const rowPort = Number(/--port\s*(\d+)/.exec(row)?.[1] ?? 27017);
    if (pid && rowPort === port) return Number(pid);
  }
  throw new Error(`no mongod on port ${port} in:\n${block}`);
}
