import { lessons } from '../../src/lessons/catalog';
import { afterEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildServer } from '../../src/server';
import { testSettings, type Settings } from '../../src/settings';
import { scrollbackText, type ServerMessage } from '@rslab/protocol';
import { runLine, startServer, TestClient } from '../helpers/wsClient';

type Welcome = Extract<ServerMessage, { type: 'welcome' }>;
const isWelcome = (m: ServerMessage): m is Welcome => m.type === 'welcome';

let app: FastifyInstance | null = null;
const clients: TestClient[] = [];

async function setup(overrides: Partial<Settings> = {}) {
  app = await buildServer({ settings: testSettings(overrides) });
  const server = await startServer(app);
  const open = async (cookie?: string) => {
    const client = await TestClient.connect(server.baseUrl, cookie ?? (await server.cookie()));
    clients.push(client);
    return client;
  };
  return { ...server, open };
}

afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  await app?.close();
  app = null;
});

function run(client: TestClient, tab: string, line: string): Promise<string> {
  return runLine(client, tab, line);
}

describe('the terminal WebSocket', () => {
  it('greets with one terminal and answers hostname and unknown commands', async () => {
    const { open } = await setup();
    const client = await open();
    const welcome = await client.waitFor(isWelcome);
    expect(welcome.resumed).toBe(false);
    expect(welcome.tabs).toHaveLength(1);
    const tab = welcome.tabs[0]!.tab;
    expect(await run(client, tab, 'hostname')).toBe('morton.local\n');
    expect(await run(client, tab, 'foo')).toBe('bash: foo: command not found\n');
    expect(await run(client, tab, 'echo  hello   world')).toBe('hello world\n');
  });

  it('finds the same sandbox, scrollback and history on reconnect with the same cookie', async () => {
    const { open, cookie } = await setup();
    const jar = await cookie();
    const first = await open(jar);
    const tab = (await first.waitFor(isWelcome)).tabs[0]!.tab;
    await run(first, tab, 'hostname');
    first.close();
    const second = await open(jar);
    const welcome = await second.waitFor(isWelcome);
    expect(welcome.resumed).toBe(true);
    expect(scrollbackText(welcome.tabs[0]!)).toContain('hostname\nmorton.local\n');
    expect(welcome.tabs[0]!.history).toEqual(['hostname']);
    const other = await open();
    const otherWelcome = await other.waitFor(isWelcome);
    expect(otherWelcome.sandboxId).not.toBe(welcome.sandboxId);
  });

  it("stamps the welcome's scrollback with the sandbox time of each write, so a reloaded page can show the past (issue 19)", async () => {
    const { open, cookie } = await setup();
    const jar = await cookie();
    const first = await open(jar);
    const greeting = await first.waitFor(isWelcome);
    const tab = greeting.tabs[0]!.tab;
    const sandbox = app!.sandboxes.all().find((s) => s.id === greeting.sandboxId)!;
    await run(first, tab, 'hostname');
    const afterHostname = sandbox.lab.now();
    await new Promise((resolve) => setTimeout(resolve, 150));
    const beforeEcho = sandbox.lab.now();
    await run(first, tab, 'echo later');
    const afterEcho = sandbox.lab.now();
    first.close();
    const second = await open(jar);
    const { scrollback } = (await second.waitFor(isWelcome)).tabs[0]!;
    const chunkWith = (text: string) => scrollback.find((chunk) => chunk.data.includes(text));
    expect(chunkWith('morton.local')!.at).toBeLessThanOrEqual(afterHostname);
    const later = chunkWith('later\n')!;
    expect(later.at).toBeGreaterThanOrEqual(beforeEcho);
    expect(later.at).toBeLessThanOrEqual(afterEcho);
    expect(later.at).toBeGreaterThan(chunkWith('morton.local')!.at);
    // oldest first, times never going back
    expect(scrollback.map((chunk) => chunk.at)).toEqual([...scrollback.map((chunk) => chunk.at)].sort((x, y) => x - y));
  });

  it('answers bad messages with a clear error and keeps serving', async () => {
    const { open } = await setup();
    const client = await open();
    const tab = (await client.waitFor(isWelcome)).tabs[0]!.tab;
    client.send('this is not json');
    const notJson = await client.waitFor((m) => m.type === 'error' && m.code === 'NotJson');
    expect(notJson).toMatchObject({ message: 'message is not valid JSON' });
    client.send({ type: 'launch-missiles' });
    await client.waitFor((m) => m.type === 'error' && m.message === "unknown message type 'launch-missiles'");
    client.send({ type: 'input', tab, line: 42 });
    await client.waitFor((m) => m.type === 'error' && m.code === 'InvalidMessage' && m.message.includes("'input'"));
    client.send({ type: 'input', tab: 'nope', line: 'hostname' });
    await client.waitFor((m) => m.type === 'error' && m.code === 'UnknownTab');
    expect(await run(client, tab, 'hostname')).toBe('morton.local\n');
  });

  it('closes a socket that sends an oversized frame, and serves others', async () => {
    const { open } = await setup({ wsMessageBytesMax: 64 * 1024 });
    const big = await open();
    await big.waitFor(isWelcome);
    big.send({ type: 'input', tab: 't1', line: 'x'.repeat(10 * 1024 * 1024) });
    expect(await big.waitForClose()).toBe(1009);
    const other = await open();
    const tab = (await other.waitFor(isWelcome)).tabs[0]!.tab;
    expect(await run(other, tab, 'hostname')).toBe('morton.local\n');
  });

  it('says the server is full instead of failing when sandboxes run out', async () => {
    const { open } = await setup({ sandboxesMax: 1 });
    const first = await open();
    await first.waitFor(isWelcome);
    const second = await open();
    const error = await second.waitFor((m) => m.type === 'error' && m.code === 'ServerFull');
    expect(error).toMatchObject({ message: expect.stringContaining('the server is full') });
    expect(await second.waitForClose()).toBe(1013);
  });

  it('refuses floods of messages past the per-second limit', async () => {
    const { open } = await setup({ inputMessagesPerSecondMax: 5 });
    const client = await open();
    await client.waitFor(isWelcome);
    for (let i = 0; i < 20; i += 1) client.send({ type: 'ping', nonce: i });
    await client.waitFor((m) => m.type === 'error' && m.code === 'RateLimited');
    const pongs = client.messages.filter((m) => m.type === 'pong');
    expect(pongs.length).toBeLessThanOrEqual(5);
  });

  it('switches lessons on request, refusing one that does not exist', async () => {
    const { open } = await setup();
    const client = await open();
    await client.waitFor(isWelcome);
    const first = await client.waitFor((m): m is Extract<ServerMessage, { type: 'lesson' }> => m.type === 'lesson');
    expect(first.progress.lessonId).toBe('walkthrough');
    expect(first.progress.catalog?.map((l) => l.id)).toEqual(lessons.map((l) => l.id));
    expect(first.progress.catalog?.every((l) => l.available && l.done === 0)).toBe(true);
    client.send({ type: 'lesson.select', requestId: 7, lessonId: 'elections' });
    // The switch clears the lab in its worker thread: on a busy machine that takes more than the default 5 s.
    await client.waitFor((m) => m.type === 'lesson.ack' && m.requestId === 7 && m.ok, 30_000);
    // Elections starts from a running set: the page is told to wait while the lab builds it, then that it is ready.
    await client.waitFor((m) => m.type === 'lesson' && m.progress.lessonId === 'elections' && m.progress.preparing === true);
    await client.waitFor((m) => m.type === 'lesson' && m.progress.lessonId === 'elections' && m.progress.preparing === undefined, 30_000);
    client.send({ type: 'lesson.select', requestId: 8, lessonId: 'no-such-lesson' });
    await client.waitFor((m) => m.type === 'lesson.ack' && m.requestId === 8 && !m.ok && m.message.includes('not available'));
  });

  it('opens and closes extra terminals, and exit closes a tab', async () => {
    const { open } = await setup();
    const client = await open();
    await client.waitFor(isWelcome);
    client.send({ type: 'tab.open' });
    const opened = await client.waitFor((m): m is Extract<ServerMessage, { type: 'tab.opened' }> => m.type === 'tab.opened');
    expect(opened.tab.tab).toBe('t2');
    client.send({ type: 'tab.close', tab: 't2' });
    await client.waitFor((m) => m.type === 'tab.closed' && m.tab === 't2');
  });
});
