import { randomBytes } from 'node:crypto';
import { expect, test } from '@playwright/test';
import { labUrl } from './fixtures';
import { run } from './lesson-fixtures';

// Issue 15: Tab completion keeps working for a room's follower now that Python runs in the
// instructor's browser (Pyodide). The follower's page runs no Python for the instructor's tab, so
// its `complete` goes to the server, which asks the page hosting that runtime (`runtime.complete`)
// and passes on what its completer said (CPython's rlcompleter over the live namespace:
// Lib/rlcompleter.py, Completer.global_matches). The follower's terminal is input-locked in the
// UI (apps/web/src/terminal/controller.ts setInputLocked), so the follower's side speaks the
// rooms protocol from its own page over its own WebSocket, as the web client does.

test('a follower asks for completion in the instructor\'s Python tab: the instructor\'s page answers from its live namespace', async ({ browser }) => {
  test.setTimeout(180_000);
  const base = labUrl();

  const instructorContext = await browser.newContext();
  const creating = await instructorContext.newPage();
  await creating.goto(`${base}/#rooms`);
  await creating.getByRole('button', { name: 'Create the room' }).click();
  const code = (await creating.getByLabel('Join code').innerText()).trim().replace('-', '');
  const instructorHref = await creating.getByLabel('Instructor link').getAttribute('href');
  const instructor = await instructorContext.newPage();
  await instructor.goto(`${base}${instructorHref}`);
  await expect(instructor.getByRole('region', { name: 'Room' }).getByLabel('Room mode')).toHaveText(/You are the instructor/);
  await instructor.getByRole('region', { name: 'Terminals' }).getByRole('button', { name: 'New shell' }).click();
  await run(instructor, 'python', '>>>');
  // Only the instructor's interpreter knows this name.
  await run(instructor, 'classroom_total_students = 3', undefined, />>>$/);

  // The attendee joins (as the page does: its own token) and follows over a WebSocket of its page.
  const token = randomBytes(24).toString('base64url');
  const joined = await fetch(`${base}/api/rooms/${code}/join`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'Ada', token }) });
  expect(joined.status).toBe(201);
  const followerContext = await browser.newContext();
  const follower = await followerContext.newPage();
  await follower.goto(`${base}/api/health`);
  const answers = await follower.evaluate(
    async ({ url, room, attendee, line }) => {
      const socket = new WebSocket(url);
      const inbox: Array<Record<string, unknown>> = [];
      socket.onmessage = (event) => inbox.push(JSON.parse(String(event.data)) as Record<string, unknown>);
      await new Promise((resolve, reject) => {
        socket.onopen = resolve;
        socket.onerror = reject;
      });
      socket.send(JSON.stringify({ type: 'room.follow', code: room, attendee }));
      const until = async (found: () => unknown, millis: number) => {
        const end = Date.now() + millis;
        while (!found() && Date.now() < end) await new Promise((resolve) => setTimeout(resolve, 50));
        return found();
      };
      const welcome = (await until(() => inbox.find((m) => m.type === 'welcome'), 20_000)) as { tabs: Array<{ tab: string }>; room?: { readOnly?: boolean } } | undefined;
      if (!welcome) throw new Error(`no welcome: ${JSON.stringify(inbox).slice(0, 500)}`);
      // Tab in each of the instructor's tabs (the follower's page shows whichever is active).
      welcome.tabs.forEach((tab, index) => socket.send(JSON.stringify({ type: 'complete', tab: tab.tab, requestId: index + 1, line, cursor: line.length })));
      await until(() => inbox.filter((m) => m.type === 'completion').length === welcome.tabs.length, 20_000);
      socket.close();
      return { readOnly: welcome.room?.readOnly, completions: inbox.filter((m) => m.type === 'completion'), errors: inbox.filter((m) => m.type === 'error') };
    },
    { url: `${base.replace('http', 'ws')}/ws/room?room=${code}`, room: code, attendee: token, line: 'classroom_to' },
  );
  expect(answers.readOnly).toBe(true);
  expect(answers.errors).toEqual([]);
  // The Python tab's answer came from the instructor's interpreter: the name only it defined.
  const python = answers.completions.find((m) => (m.candidates as string[]).length > 0) as { replaceFrom: number; candidates: string[] } | undefined;
  expect(python, JSON.stringify(answers.completions)).toBeDefined();
  expect(python!.candidates).toEqual(['classroom_total_students']);
  expect(python!.replaceFrom).toBe(0);
});
