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

/** How long a shell may take to answer a line. */
const answerMillisMax = 20_000;
/**
 * Starting CPython in the page (Pyodide: fetch and compile the interpreter and its standard
 * library in a Web Worker) and the first pymongo import are CPU-bound in the browser: seconds on
 * an idle machine, a minute when the CI machine is busy. A slow start is not a wrong answer.
 */
const pythonLoadMillisMax = 90_000;

/** The answer deadline for `line`: longer for the lines that load Python or its packages. */
export function answerTimeoutMillis(line: string): number {
  return /^(python\b|from pymongo\b|import pymongo\b)/.test(line.trim()) ? pythonLoadMillisMax : answerMillisMax;
}

/**
 * Type a line and wait until the shell has answered it (with `expectText` when given) and shows
 * its prompt again (the shell's or Python's unless told), for up to `timeoutMillis`. Returns the
 * screen as it was then.
 */
export async function run(page: Page, line: string, expectText?: RegExp | string, prompt = /(\$|>>>)$/, timeoutMillis = answerTimeoutMillis(line)): Promise<string> {
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
    }, { message: `the shell answers ${line}`, timeout: timeoutMillis })
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

/**
 * Open a lesson as a learner does: the header's "All lessons" link to the course page, then the
 * lesson's own Start button. Waits until the lab has built the lesson's starting set.
 */
export async function openFromCourse(page: Page, title: RegExp, steps: number): Promise<void> {
  await page.getByRole('link', { name: 'All lessons' }).click();
  const course = page.getByRole('region', { name: 'The course' });
  await expect(course).toBeVisible();
  const row = course.getByRole('listitem', { name: new RegExp(`^lesson \\d+: ${title.source.replace(/^\^/, '')}`) });
  await expect(row).toContainText('not started');
  await row.getByRole('button', { name: /^Start: / }).click();
  await expect(course).toHaveCount(0);
  const lesson = pane(page, 'Lesson');
  await expect(lesson.locator('.lesson-title')).toHaveText(title);
  await expect(lesson.locator('.pane-meta')).toHaveText(`0 of ${steps} done`);
  await lessonReady(page);
}

/** Open the client shell with the Terminals pane's "+" (labelled New shell). */
export async function newShell(page: Page): Promise<void> {
  await page.getByRole('region', { name: 'Terminals' }).getByRole('button', { name: 'New shell' }).click();
  await expect(shellTab(page, 'client')).toHaveAttribute('aria-selected', 'true');
}

/** The PID its card shows for the member on `host`. */
export async function pidOf(page: Page, host: string): Promise<number> {
  const text = await card(page, host).innerText();
  const pid = /pid (\d+)/.exec(text)?.[1];
  if (!pid) throw new Error(`no pid on ${host}'s card:\n${text}`);
  return Number(pid);
}

/** The step is not done: it is the current one and says, in its state line, why not yet. */
export async function expectRefused(page: Page, n: number, title: string, reason: string | RegExp): Promise<void> {
  const current = step(page, n, title);
  await expect(current).toHaveAttribute('aria-current', 'step');
  // The state line reads "State: <reason>" to a screen reader ("State:" is visually hidden).
  await expect(current.locator('.step-state')).toHaveText(typeof reason === 'string' ? `State: ${reason}` : reason);
}

/** Wait until the set has one PRIMARY and every other of `hosts` SECONDARY; return the primary. */
export async function healthy(page: Page, hosts: readonly string[] = members): Promise<string> {
  const primary = await primaryAmong(page, hosts);
  for (const host of hosts.filter((h) => h !== primary)) await expect(card(page, host).locator('.state-badge')).toHaveText('SECONDARY', { timeout: 30_000 });
  return primary;
}

/** What the shell printed for `line` (the last time it ran), squashed, without the prompt after it. */
export function answerTo(screen: string, line: string, prompt: RegExp = /(foo\[\w+\]test>|>>>|\$)$/): string {
  const squashed = squash(screen);
  const typed = squash(line);
  return squashed.slice(squashed.lastIndexOf(typed) + typed.length).replace(prompt, '');
}

/**
 * Type a line whose answer is taller than the screen (rs.conf() prints the whole config), so the
 * typed line scrolls away: wait until the screen has changed, shows `lastText` (from the end of the
 * answer) and ends with the prompt again.
 */
export async function runLong(page: Page, line: string, lastText: string, prompt = mongoshPrompt): Promise<string> {
  const before = squash(await terminalText(page));
  await typeLine(page, line);
  let text = '';
  await expect
    .poll(async () => {
      text = await terminalText(page);
      const screen = squash(text);
      return screen !== before && !screen.endsWith(squash(line)) && screen.includes(squash(lastText)) && prompt.test(screen);
    }, { message: `the shell answers ${line}`, timeout: answerTimeoutMillis(line) })
    .toBe(true);
  return text;
}

/** mongosh to the lessons' set foo on 27017-27019, as the lessons type it. */
export const mongoshToSet = 'mongosh "mongodb://morton.local:27017,morton.local:27018,morton.local:27019/?replicaSet=foo"';

export const portOf = (host: string): number => Number(host.split(':')[1]);

/**
 * The mongod line a lesson's setup started `host` with (member i of 27017.. on /data/<prefix><i>),
 * to type again after a kill.
 */
export const setupLine = (host: string, prefix: string): string => `mongod --port ${portOf(host)} --dbpath /data/${prefix}${portOf(host) - 27017} --replSet foo`;

/** Press the cluster view's "heal all links" and wait until no link is drawn cut. */
export async function healAll(page: Page): Promise<void> {
  await pane(page, 'Cluster').getByRole('button', { name: 'heal all links' }).click();
  await expect(pane(page, 'Cluster').locator('line.link-cut')).toHaveCount(0);
}
