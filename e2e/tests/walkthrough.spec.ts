import { copyFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from '@playwright/test';
import { openLab, terminalText } from './fixtures';
import { expectDone, members, pidOnPort, predict, primaryAmong, run, seeds, selectShell, shellTab, squash, start, step } from './lesson-fixtures';
import { card, expectLegendClearOfPlot, pane, screenshot, viewports, type ViewportName } from './ui-fixtures';

const readmeShot = fileURLToPath(new URL('../../docs/screenshots/walkthrough-failover.png', import.meta.url));

for (const name of Object.keys(viewports) as ViewportName[]) {
  test.describe(`walkthrough at ${viewports[name].width}×${viewports[name].height}`, () => {
    test.use({ viewport: viewports[name] });

    test('a newcomer types the walkthrough: members start, the set elects, the primary dies, a new one answers', async ({ page }) => {
      test.setTimeout(150_000);
      await openLab(page);
      const lesson = pane(page, 'Lesson');
      await expect(step(page, 1, 'Find the host name')).toBeVisible();
      await expect(lesson.getByText('0 of 13 done')).toBeVisible();

      // Chapter 1: start the members, in the servers shell.
      await expect(shellTab(page, 'servers')).toHaveAttribute('aria-selected', 'true');
      await run(page, start[0] as string, 'morton.local');
      await expectDone(page, 1, 'Find the host name');
      // Speed the sandbox clock up, as a learner in a hurry could.
      await pane(page, 'Cluster').getByLabel('speed').selectOption('5');
      await expect(pane(page, 'Cluster').getByLabel('speed')).toHaveValue('5');
      await run(page, start[1] as string, 'listening on port 27017');
      await expectDone(page, 2, 'Start the first member');
      await run(page, start[2] as string, 'listening on port 27018');
      await run(page, start[3] as string, 'listening on port 27019');
      await expectDone(page, 3, 'Start two more members');
      for (const host of members) await expect(card(page, host)).toContainText('STARTUP');
      await screenshot(page, `walkthrough-1-started-${name}`);

      // Chapter 2: initiate, from Python in a second shell.
      await page.getByRole('region', { name: 'Terminals' }).getByRole('button', { name: 'New shell' }).click();
      await expect(shellTab(page, 'client')).toHaveAttribute('aria-selected', 'true');
      await run(page, 'python', '>>>');
      await run(page, 'from pymongo import Connection');
      await run(page, 'c = Connection("morton.local:27017", slave_okay=True)');
      await expectDone(page, 4, 'Connect to one member');
      // Predict first: the step asks which member becomes the first primary.
      await predict(page, 5, /^The one on 27017/);
      await run(page, 'c.admin.command("replSetInitiate")', "'ok': 1.0");
      // Which member wins the first election is up to the election (usually the one initiated).
      const firstPrimary = await primaryAmong(page, members);
      for (const host of members) if (host !== firstPrimary) await expect(card(page, host)).toContainText('SECONDARY', { timeout: 30_000 });
      await expectDone(page, 5, 'Initiate, and watch the members come online', 30_000);
      await screenshot(page, `walkthrough-2-initiated-${name}`);

      // Chapter 3: connect through each of the five seed lists.
      for (const line of seeds) await run(page, line, 'Connection(');
      await expectDone(page, 6, 'Connect through seeds');
      expect(await terminalText(page)).not.toContain('Traceback');
      await screenshot(page, `walkthrough-3-connected-${name}`);

      // Chapter 4: fail over.
      await run(page, 'db = Connection("morton.local").test');
      await run(page, 'db.test.save({"x": 1})', "ObjectId('");
      await run(page, 'db.test.find_one()', "'x': 1");
      await expectDone(page, 7, 'Save a document and read it back');
      await run(page, 'db.connection.host', "'morton.local'");
      const portText = await run(page, 'db.connection.port', /2701[789]/);
      const primaryPort = Number(/db\.connection\.port\s*\n(2701[789])/.exec(portText)?.[1]);
      expect(`morton.local:${primaryPort}`).toBe(firstPrimary);
      await expectDone(page, 8, 'Which member is primary?');

      await selectShell(page, 'servers');
      expect(squash(await run(page, 'ps'))).toMatch(/pts\/0\d\d:\d\d:\d\dmongod/);
      const psText = await run(page, 'ps -ef');
      const pid = pidOnPort(psText, primaryPort);
      // Predict first: how long the set goes without a primary after a kill -9.
      await predict(page, 9, /^About an election timeout/);
      await run(page, `kill -9 ${pid}`);
      await expectDone(page, 9, 'Kill the primary');
      await expect(card(page, `morton.local:${primaryPort}`)).toContainText('DOWN');

      await selectShell(page, 'client');
      await run(page, 'db.test.find_one()', 'pymongo.errors.AutoReconnect');
      await expectDone(page, 10, 'Meet AutoReconnect');
      // kill -9 leaves no clean step-down: the secondaries wait out their election timeout (10 s plus
      // a random offset, electionTimeoutMillis in the replica set configuration docs) before one stands.
      const survivors = members.filter((host) => !host.endsWith(`:${primaryPort}`));
      const newPrimary = await primaryAmong(page, survivors);
      await expect
        .poll(async () => {
          await run(page, 'db.test.find_one()');
          return /'x': 1\}\s*>>>\s*$/.test(await terminalText(page));
        }, { message: 'a read finds the new primary', timeout: 30_000 })
        .toBe(true);
      const after = await run(page, 'db.connection.port', /2701[789]/);
      expect(after).toMatch(new RegExp(`db\\.connection\\.port\\s*\\n${newPrimary.split(':')[1]}\\s*\\n>>>`));
      await expectDone(page, 11, 'Wait for the election, then read from the new primary');
      const shot = await screenshot(page, `walkthrough-4-failover-${name}`, name === 'phone');
      // The README's picture is refreshed on request only, so a test run leaves the tree clean.
      if (name === 'laptop' && process.env.RSLAB_UPDATE_SCREENSHOTS === '1') {
        mkdirSync(dirname(readmeShot), { recursive: true });
        copyFileSync(shot, readmeShot);
      }

      // The same with today's MongoClient: restart the member, kill -9 the new primary (no clean
      // hand-off this time, so the secondaries count down to an election), and read: it waits.
      // The seed must be up for a new client to find the set, so restart first: the step offers
      // the killed member's own mongod line, filled in from the cluster, and runs it from there.
      const restartLine = start[members.indexOf(`morton.local:${primaryPort}` as (typeof members)[number]) + 1] as string;
      const runRestart = pane(page, 'Lesson').getByRole('button', { name: `Run this: ${restartLine}`, exact: true });
      await runRestart.scrollIntoViewIfNeeded();
      await screenshot(page, `walkthrough-restart-line-${name}`, name === 'phone');
      // By now the timeline shows most kinds of marker, and grouped ones: its longest legend.
      await expectLegendClearOfPlot(page);
      await runRestart.click();
      await expect.poll(async () => squash(await terminalText(page))).toContain(squash(restartLine));
      await expect(card(page, `morton.local:${primaryPort}`)).toContainText('SECONDARY', { timeout: 30_000 });
      await selectShell(page, 'client');
      await run(page, 'from pymongo import MongoClient');
      await run(page, 'client = MongoClient("morton.local:27017,morton.local:27018,morton.local:27019", replicaSet="foo")');
      await run(page, 'client.test.test.find_one()', "'x': 1");
      await selectShell(page, 'servers');
      const secondPid = pidOnPort(await run(page, 'ps -ef'), Number(newPrimary.split(':')[1]));
      // Slow time to 2× to watch the countdown, as a learner might.
      await pane(page, 'Cluster').getByLabel('speed').selectOption('2');
      await run(page, `kill -9 ${secondPid}`);
      await expect(card(page, newPrimary)).toContainText('DOWN');
      const bar = pane(page, 'Cluster').getByRole('progressbar').first();
      await expect(bar).toBeVisible();
      const remaining = Number(await bar.getAttribute('aria-valuenow'));
      expect(remaining).toBeGreaterThan(0);
      await expect.poll(async () => Number(await bar.getAttribute('aria-valuenow'))).toBeLessThan(remaining);
      await screenshot(page, `walkthrough-5-countdown-${name}`, name === 'phone');
      await pane(page, 'Cluster').getByLabel('speed').selectOption('5');
      await selectShell(page, 'client');
      await run(page, 'client.test.test.find_one()', "'x': 1");
      const third = await primaryAmong(page, members.filter((host) => host !== newPrimary));
      await run(page, 'client.address', `('morton.local', ${third.split(':')[1]})`);
      await expectDone(page, 12, 'The same with today\u2019s MongoClient');
      await expect(pane(page, 'Cluster').getByRole('progressbar')).toHaveCount(0);

      // The challenge: three healthy members again, and a read served by a secondary.
      await selectShell(page, 'servers');
      await run(page, start[members.indexOf(newPrimary as (typeof members)[number]) + 1] as string, 'listening on port');
      await expect(card(page, newPrimary)).toContainText('SECONDARY', { timeout: 30_000 });
      await selectShell(page, 'client');
      const secondary = members.find((host) => host !== third) as string;
      await run(page, `Connection("morton.local", ${secondary.split(':')[1]}, slave_okay=True).test.test.find_one()`, "'x': 1");
      await expectDone(page, 13, 'Challenge: all three again, and a read from a secondary');
      await expect(lesson.getByText('13 of 13 done')).toBeVisible();
      // The pane says the lesson is over and offers the next one.
      await expect(lesson.getByRole('heading', { name: 'Lesson complete' })).toBeVisible();
      await expect(lesson.getByRole('button', { name: /^Next lesson: Today\u2019s way/ })).toBeVisible();
      await screenshot(page, `walkthrough-6-done-${name}`, name === 'phone');
    });
  });
}

