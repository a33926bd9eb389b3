import { afterEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildServer } from '../../src/server';
import { testSettings, type Settings } from '../../src/settings';
import { scrollbackText, type ServerMessage } from '@rslab/protocol';
import { replayTo } from '../../src/transcript/lessonStart';
import { startServer, TestClient } from '../helpers/wsClient';

type Welcome = Extract<ServerMessage, { type: 'welcome' }>;
type ErrorMessage = Extract<ServerMessage, { type: 'error' }>;

let app: FastifyInstance | null = null;
const clients: TestClient[] = [];

afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  await app?.close();
  app = null;
});

async function setup(overrides: Partial<Settings> = {}, lessonId?: string) {
  app = await buildServer({ settings: testSettings(overrides) });
  const server = await startServer(app);
  const created = await app.inject({ method: 'POST', url: '/api/rooms', payload: { title: 'demo', ...(lessonId ? { lessonId } : {}) } });
  const room = created.json<{ code: string; secret: string }>();
  const open = async () => {
    const client = await TestClient.connect(server.baseUrl, await server.cookie(), '/ws/room');
    clients.push(client);
    return client;
  };
  const join = async (name: string) => {
    const joined = await app!.inject({ method: 'POST', url: `/api/rooms/${room.code}/join`, payload: { name } });
    return joined.json<{ attendeeId: string; token: string }>();
  };
  return { app, room, open, join };
}

/** The n-th welcome this client got (0-based). */
const nthWelcome = (client: TestClient, n: number) => client.waitFor((m): m is Welcome => m.type === 'welcome' && client.messages.filter((x) => x.type === 'welcome').indexOf(m) === n, 20_000);
const errorWith = (client: TestClient, code: string, after = 0) =>
  client.waitFor((m): m is ErrorMessage => m.type === 'error' && m.code === code && client.messages.indexOf(m) >= after);

describe('the rooms WebSocket', () => {
  it('mirrors the instructor terminal to a follower and refuses every instructor action from it', async () => {
    const { room, open, join } = await setup();
    const instructor = await open();
    instructor.send({ type: 'room.instructor', code: room.code, secret: room.secret });
    const iw = await nthWelcome(instructor, 0);
    expect(iw.room).toMatchObject({ role: 'instructor', mode: 'live', readOnly: false });
    const tab = iw.tabs[0]!.tab;

    const ada = await join('ada');
    const follower = await open();
    follower.send({ type: 'room.follow', code: room.code.toLowerCase(), attendee: ada.token });
    const fw = await nthWelcome(follower, 0);
    expect(fw.sandboxId).toBe(iw.sandboxId);
    expect(fw.room).toMatchObject({ role: 'attendee', mode: 'live', readOnly: true, attendeeId: ada.attendeeId });

    instructor.send({ type: 'input', tab, line: 'hostname' });
    await follower.waitFor((m) => m.type === 'output' && m.data.includes('morton.local'));
    expect(follower.output(tab)).toBe('hostname\nmorton.local\n');
    await follower.waitFor((m) => m.type === 'lesson');

    const refusals: Array<[object, string]> = [
      [{ type: 'input', tab, line: 'kill 1' }, 'ReadOnly'],
      [{ type: 'interrupt', tab }, 'ReadOnly'],
      [{ type: 'tab.open' }, 'ReadOnly'],
      [{ type: 'control', requestId: 1, action: 'kill', target: 'primary' }, 'ReadOnly'],
      [{ type: 'lesson.skip', requestId: 2 }, 'Forbidden'],
      [{ type: 'room.instructor', code: room.code, secret: 'A'.repeat(32) }, 'Forbidden'],
      [{ type: 'room.watch', code: room.code, secret: 'A'.repeat(32), attendeeId: ada.attendeeId }, 'Forbidden'],
    ];
    for (const [message, code] of refusals) {
      const before = follower.messages.length;
      follower.send(message);
      const refused = await errorWith(follower, code, before);
      expect(refused.message.length).toBeGreaterThan(10);
    }
    // Nothing the follower sent reached the instructor's terminal.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(instructor.output(tab)).toBe('morton.local\n');
    expect(follower.messages.filter((m) => m.type === 'welcome')).toHaveLength(1);

    // A stranger with a made-up attendee token gets nothing.
    const stranger = await open();
    stranger.send({ type: 'room.follow', code: room.code, attendee: 'B'.repeat(24) });
    await errorWith(stranger, 'Forbidden');
    stranger.send({ type: 'input', tab, line: 'hostname' });
    await errorWith(stranger, 'NotInRoom');
  });

  it('forks at the instructor step with members and data copied, shows it on the dashboard, rejoins the live view, and resets', async () => {
    const { app: server, room, open, join } = await setup();
    const instructor = await open();
    instructor.send({ type: 'room.instructor', code: room.code, secret: room.secret });
    await nthWelcome(instructor, 0);
    const live = server.rooms.liveSandbox((await server.rooms.find(room.code))!)!;
    // The instructor's lab rebuilt to the step as a rejoin does: the solutions before it replayed
    // with checks held (one evaluation after many fast lines credits only the first action), then
    // those steps marked done.
    expect(await replayTo(live, 'who-is-primary')).toEqual([]);
    live.lesson.tracker.skipTo('who-is-primary', live.lab.mark());
    // Usually 'who-is-primary'; 'kill-primary' when a member other than 27017 won the first
    // election (the check then counts `mongod --port 2701x` in the record as asking).
    const forkStep = live.lesson.tracker.progress().steps[live.lesson.tracker.progress().stepIndex]!.id;
    expect(['who-is-primary', 'kill-primary']).toContain(forkStep);

    const ada = await join('ada');
    const attendee = await open();
    attendee.send({ type: 'room.follow', code: room.code, attendee: ada.token });
    await nthWelcome(attendee, 0);
    attendee.send({ type: 'room.fork' });
    const fork = await nthWelcome(attendee, 1);
    expect(fork.room).toMatchObject({ role: 'attendee', mode: 'fork', readOnly: false, forkedAtStepId: forkStep });
    expect(fork.sandboxId).not.toBe(live.id);
    expect(fork.tabs.length).toBe(live.tabs.size);
    expect(scrollbackText(fork.tabs[0]!)).toContain('forked at this step');

    const own = server.sandboxes.all().find((s) => s.id === fork.sandboxId)!;
    const progress = own.lesson.tracker.progress();
    expect(progress.steps[progress.stepIndex]?.id).toBe(forkStep);
    const sourceProcs = live.lab.engine.processes().filter((p) => p.running).map((p) => p.argv.join(' '));
    expect(own.lab.engine.processes().filter((p) => p.running).map((p) => p.argv.join(' '))).toEqual(sourceProcs);
    const livePrimary = (await live.lab.snapshot()).members.find((m) => m.state === 'PRIMARY')!.host;
    // The member that was primary steps up in the copy, and the saved document is there.
    const deadline = Date.now() + 10_000;
    let primary: string | undefined;
    while (Date.now() < deadline && primary === undefined) {
      primary = (await own.lab.snapshot()).members.find((m) => m.state === 'PRIMARY')?.host;
      if (primary === undefined) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(primary).toBe(livePrimary);
    expect(await own.lab.documents(livePrimary, 'test.test')).toEqual([expect.objectContaining({ x: 1 })]);

    // The attendee reconnects in their copy and completes a step on their own; the dashboard shows it.
    const tab = fork.tabs.at(-1)!.tab;
    expect(fork.tabs.at(-1)!.title).toBe('python');
    for (const line of ['from pymongo import Connection', 'db = Connection("morton.local").test', 'db.connection.port']) {
      const before = attendee.messages.length;
      attendee.send({ type: 'input', tab, line });
      await attendee.waitFor((m) => m.type === 'prompt' && m.tab === tab && attendee.messages.indexOf(m) >= before, 15_000);
    }
    expect(attendee.output(tab)).toContain(livePrimary.split(':')[1]);
    // Killing the primary in the copy finishes "Kill the primary" there (after the step's
    // prediction), and leaves the instructor's sandbox alone.
    await attendee.waitFor((m) => m.type === 'lesson' && m.progress.steps[m.progress.stepIndex]?.id === 'kill-primary', 10_000);
    attendee.send({ type: 'lesson.predict', requestId: 6, stepId: 'kill-primary', choiceId: 'election' });
    await attendee.waitFor((m) => m.type === 'lesson.ack' && m.requestId === 6 && m.ok);
    attendee.send({ type: 'control', requestId: 7, action: 'kill', target: 'primary' });
    await attendee.waitFor((m) => m.type === 'control.ack' && m.requestId === 7 && m.ok);
    await attendee.waitFor((m) => m.type === 'lesson' && m.progress.steps[m.progress.stepIndex]?.id === 'auto-reconnect', 10_000);
    expect(live.lab.engine.processes().filter((p) => p.running)).toHaveLength(3);
    const dashboard = await server.inject({ method: 'GET', url: `/api/rooms/${room.code}/dashboard`, headers: { 'x-rslab-instructor-secret': room.secret } });
    expect(dashboard.json()).toMatchObject({
      instructor: { stepId: forkStep },
      attendees: [{ id: ada.attendeeId, name: 'ada', mode: 'fork', connected: true, hasFork: true, stepId: 'auto-reconnect', stuck: false }],
    });

    // The instructor may look at the copy, read-only.
    const watcher = await open();
    watcher.send({ type: 'room.watch', code: room.code, secret: room.secret, attendeeId: ada.attendeeId });
    const watched = await nthWelcome(watcher, 0);
    expect(watched.sandboxId).toBe(fork.sandboxId);
    expect(watched.room).toMatchObject({ role: 'instructor', mode: 'watch', readOnly: true });
    watcher.send({ type: 'input', tab, line: 'ps' });
    await errorWith(watcher, 'ReadOnly');

    // Back to the live view, and to the copy again.
    attendee.send({ type: 'room.rejoin' });
    const back = await nthWelcome(attendee, 2);
    expect(back.sandboxId).toBe(live.id);
    expect(back.room).toMatchObject({ mode: 'live', readOnly: true, hasFork: true });
    attendee.send({ type: 'room.mine' });
    expect((await nthWelcome(attendee, 3)).sandboxId).toBe(fork.sandboxId);

    // The instructor resets the attendee: their copy goes and their page is back on the live view.
    const reset = await server.inject({ method: 'POST', url: `/api/rooms/${room.code}/attendees/${ada.attendeeId}/reset`, headers: { 'x-rslab-instructor-secret': room.secret } });
    expect(reset.statusCode).toBe(200);
    const afterReset = await nthWelcome(attendee, 4);
    expect(afterReset.sandboxId).toBe(live.id);
    expect(server.sandboxes.all().some((s) => s.id === fork.sandboxId)).toBe(false);
  }, 90_000);

  it('forks after a failover with the killed member listed, so the copy finishes the step and can restart it', async () => {
    const { app: server, room, open, join } = await setup();
    const instructor = await open();
    instructor.send({ type: 'room.instructor', code: room.code, secret: room.secret });
    await nthWelcome(instructor, 0);
    const live = server.rooms.liveSandbox((await server.rooms.find(room.code))!)!;
    // The instructor's lab rebuilt to the step as a rejoin does: the solutions before it replayed
    // with checks held (one evaluation after many fast lines credits only the first action), then
    // those steps marked done.
    expect(await replayTo(live, 'read-again')).toEqual([]);
    live.lesson.tracker.skipTo('read-again', live.lab.mark());
    // The walkthrough kills with -9: no hand-over, so let the election happen (time sped up) before forking.
    live.lab.engine.clock.setSpeed(10);
    for (let i = 0; i < 300 && !(await live.lab.engine.snapshot()).members.some((m) => m.state === 'PRIMARY'); i += 1) await new Promise((r) => setTimeout(r, 100));
    live.lab.engine.clock.setSpeed(1);
    expect(live.lesson.tracker.progress().steps[live.lesson.tracker.progress().stepIndex]?.id).toBe('read-again');
    const killed = live.lab.engine.processes().find((p) => !p.running)!;

    const ada = await join('ada');
    const attendee = await open();
    attendee.send({ type: 'room.follow', code: room.code, attendee: ada.token });
    await nthWelcome(attendee, 0);
    attendee.send({ type: 'room.fork' });
    const fork = await nthWelcome(attendee, 1);
    const own = server.sandboxes.all().find((s) => s.id === fork.sandboxId)!;
    const copyKilled = own.lab.engine.processes().find((p) => !p.running)!;
    expect(copyKilled).toMatchObject({ address: killed.address, running: false, killed: { signal: killed.killed!.signal, stateThen: 'PRIMARY' } });
    expect((await own.lab.snapshot()).members.find((m) => m.host === killed.address)?.state).toBe('DOWN');

    const tab = fork.tabs.find((t) => t.title === 'python')!.tab;
    // The member on 27017 is down in the copy too: connect through the other two.
    for (const line of ['from pymongo import Connection', 'db = Connection(["morton.local:27018", "morton.local:27019"]).test', 'db.test.find_one()', 'db.connection.port']) {
      const before = attendee.messages.length;
      attendee.send({ type: 'input', tab, line });
      await attendee.waitFor((m) => m.type === 'prompt' && m.tab === tab && attendee.messages.indexOf(m) >= before, 15_000);
    }
    await attendee.waitFor((m) => m.type === 'lesson' && m.progress.steps[m.progress.stepIndex]?.id === 'mongo-client', 10_000);
    attendee.send({ type: 'control', requestId: 3, action: 'restart', target: killed.address });
    const ack = await attendee.waitFor((m): m is Extract<ServerMessage, { type: 'control.ack' }> => m.type === 'control.ack' && m.requestId === 3);
    expect(ack).toMatchObject({ ok: true });
    expect(own.lab.engine.processes().filter((p) => p.running)).toHaveLength(3);
    expect(live.lab.engine.processes().filter((p) => p.running)).toHaveLength(2);
  }, 90_000);

  it('answers an unknown code exactly as a wrong link, and counts every try against the address', async () => {
    const { app: server, room, open } = await setup({ roomJoinAttemptsPerMinuteMax: 3 });
    const other = room.code.startsWith('Z') ? `Y${room.code.slice(1)}` : `Z${room.code.slice(1)}`;
    const probe = await open();
    const answers: string[] = [];
    for (const message of [
      { type: 'room.follow', code: room.code, attendee: 'B'.repeat(24) },
      { type: 'room.follow', code: other, attendee: 'B'.repeat(24) },
      { type: 'room.instructor', code: other, secret: 'C'.repeat(32) },
      { type: 'room.instructor', code: room.code, secret: room.secret },
    ]) {
      const before = probe.messages.length;
      probe.send(message);
      const answer = await probe.waitFor((m): m is ErrorMessage => m.type === 'error' && probe.messages.indexOf(m) >= before);
      answers.push(`${answer.code}: ${answer.message}`);
    }
    expect(answers[0]).toMatch(/^Forbidden: /);
    expect(answers[1]).toBe(answers[0]);
    expect(answers[2]).toBe(answers[0]);
    // Even the right secret waits once the address has used up its attempts.
    expect(answers[3]).toMatch(/^RateLimited: too many attempts/);
    // Over HTTP too: an unknown code is a 403 like a wrong secret, never a 404.
    const unknown = await server.inject({ method: 'GET', url: `/api/rooms/${other}/dashboard`, headers: { 'x-rslab-instructor-secret': room.secret }, remoteAddress: '10.1.1.1' });
    expect(unknown.statusCode).toBe(403);
  });

  it("shows lines typed on one instructor page (or run by the server) on the instructor's other pages, not twice on the typist's", async () => {
    const { room, open } = await setup();
    const page = await open();
    const presenter = await open();
    for (const client of [page, presenter]) client.send({ type: 'room.instructor', code: room.code, secret: room.secret });
    const tab = (await nthWelcome(page, 0)).tabs[0]!.tab;
    await nthWelcome(presenter, 0);
    page.send({ type: 'input', tab, line: 'hostname' });
    await presenter.waitFor((m) => m.type === 'output' && m.data.includes('morton.local'));
    await page.waitFor((m) => m.type === 'output' && m.data.includes('morton.local'));
    presenter.send({ type: 'input', tab, line: 'echo hi' });
    await page.waitFor((m) => m.type === 'output' && m.data === 'hi\n');
    await presenter.waitFor((m) => m.type === 'output' && m.data === 'hi\n');
    expect(page.output(tab)).toBe('morton.local\necho hi\nhi\n');
    expect(presenter.output(tab)).toBe('hostname\nmorton.local\nhi\n');
  });

  it('tells every open page when the instructor closes the room, and shows them nothing after', async () => {
    const { app: server, room, open, join } = await setup();
    const instructor = await open();
    instructor.send({ type: 'room.instructor', code: room.code, secret: room.secret });
    const tab = (await nthWelcome(instructor, 0)).tabs[0]!.tab;
    const ada = await join('ada');
    const follower = await open();
    follower.send({ type: 'room.follow', code: room.code, attendee: ada.token });
    await nthWelcome(follower, 0);

    const refused = await server.inject({ method: 'DELETE', url: `/api/rooms/${room.code}`, headers: { 'x-rslab-instructor-secret': room.secret.replace(/^./, (c) => (c === 'A' ? 'B' : 'A')) } });
    expect(refused.statusCode).toBe(403);
    const closed = await server.inject({ method: 'DELETE', url: `/api/rooms/${room.code}`, headers: { 'x-rslab-instructor-secret': room.secret } });
    expect(closed.json()).toEqual({ ok: true });

    for (const page of [instructor, follower]) expect((await errorWith(page, 'RoomClosed')).message).toBe('the instructor closed the room "demo"');
    // Nothing of the closed room reaches either page any more, and input finds no sandbox.
    const seen = follower.messages.length;
    instructor.send({ type: 'input', tab, line: 'hostname' });
    expect((await errorWith(instructor, 'NotInRoom')).message).toContain('needs a sandbox');
    follower.send({ type: 'room.follow', code: room.code, attendee: ada.token });
    await errorWith(follower, 'Forbidden', seen);
    expect(follower.messages.slice(seen).some((m) => m.type === 'output' || m.type === 'cluster')).toBe(false);
    expect((await server.inject({ method: 'GET', url: `/api/rooms/${room.code}` })).statusCode).toBe(404);
  });

  it("starts a room on a lesson with a setup from that setup's running set, as a learner's own sandbox does (issue 16)", async () => {
    const { room, open } = await setup({}, 'partitions');
    const instructor = await open();
    instructor.send({ type: 'room.instructor', code: room.code, secret: room.secret });
    await nthWelcome(instructor, 0);
    const running = await instructor.waitFor(
      (m): m is Extract<ServerMessage, { type: 'cluster' }> => m.type === 'cluster' && m.cluster.members.filter((member) => member.process === 'running').length === 3,
      30_000,
    );
    expect(running.cluster.setName).toBe('foo');
    const lesson = await instructor.waitFor((m): m is Extract<ServerMessage, { type: 'lesson' }> => m.type === 'lesson' && m.progress.lessonId === 'partitions');
    // The setup is not the learner's doing: no step is done by it.
    expect(lesson.progress.steps.filter((step) => step.state === 'done')).toEqual([]);
  });
});

type Moment = Extract<ServerMessage, { type: 'room.moment' }>;
type Cluster = Extract<ServerMessage, { type: 'cluster' }>;

/** A room, and a way to open a page that follows it as a new attendee. */
async function setupFollowing() {
  const { room, open, join } = await setup();
  const follow = async (name: string) => {
    const joined = await join(name);
    const client = await open();
    client.send({ type: 'room.follow', code: room.code, attendee: joined.token });
    await nthWelcome(client, 0);
    return client;
  };
  return { room, open, follow };
}

const momentAfter = (client: TestClient, after: number) => client.waitFor((m): m is Moment => m.type === 'room.moment' && client.messages.indexOf(m) >= after, 10_000);

// Issue 19 ("Rewind, replay and branch"): the instructor rewinds the class's live view, and an
// attendee may scrub on their own while following.
describe('rewinding a room', () => {
  it('shows the instructor’s moment to every follower (and one who joins later), and back to live', async () => {
    const { room, open, follow } = await setupFollowing();
    const instructor = await open();
    instructor.send({ type: 'room.instructor', code: room.code, secret: room.secret });
    const tab = (await nthWelcome(instructor, 0)).tabs[0]!.tab;
    const ada = await follow('ada');
    instructor.send({ type: 'input', tab, line: 'mongod --port 27017 --dbpath /d0 --replSet foo' });
    const withMember = await instructor.waitFor((m): m is Cluster => m.type === 'cluster' && m.cluster.members.length > 0 && m.historyFrom !== undefined, 20_000);
    const at = withMember.historyFrom!;

    const before = ada.messages.length;
    instructor.send({ type: 'room.rewind', at });
    const shown = await momentAfter(ada, before);
    expect(shown.past).not.toBeNull();
    expect(shown.past!.at).toBe(at);
    expect(shown.past!.momentAt).toBeLessThanOrEqual(at);
    expect(shown.past!.events.every((e) => e.at <= at)).toBe(true);

    // Someone who starts following now sees the rewound moment too.
    const bob = await follow('bob');
    expect((await momentAfter(bob, 0)).past?.at).toBe(at);

    const beforeLive = ada.messages.length;
    instructor.send({ type: 'room.rewind', at: null });
    expect((await momentAfter(ada, beforeLive)).past).toBeNull();
    expect((await momentAfter(bob, bob.messages.indexOf(bob.messages.find((m) => m.type === 'room.moment')!) + 1)).past).toBeNull();
  }, 60_000);

  it('lets a follower scrub alone: only their page gets the moment, and they may not rewind the class', async () => {
    const { room, open, follow } = await setupFollowing();
    const instructor = await open();
    instructor.send({ type: 'room.instructor', code: room.code, secret: room.secret });
    await nthWelcome(instructor, 0);
    const ada = await follow('ada');
    const bob = await follow('bob');
    const historyFrom = (await ada.waitFor((m): m is Cluster => m.type === 'cluster' && m.historyFrom !== undefined, 20_000)).historyFrom!;

    ada.send({ type: 'timeline.view', requestId: 7, at: historyFrom });
    const own = await ada.waitFor((m) => m.type === 'timeline.past' && m.requestId === 7);
    expect(own.type === 'timeline.past' && own.at).toBe(historyFrom);

    const refusedAt = ada.messages.length;
    ada.send({ type: 'room.rewind', at: historyFrom });
    const refused = await ada.waitFor((m) => m.type === 'error' && ada.messages.indexOf(m) >= refusedAt);
    expect(refused.type === 'error' && refused.code).toBe('Forbidden');

    await new Promise((resolve) => setTimeout(resolve, 300));
    for (const other of [instructor, bob]) {
      expect(other.messages.some((m) => m.type === 'timeline.past' || m.type === 'room.moment')).toBe(false);
    }
  }, 60_000);

  it('branches the instructor’s sandbox from the rewound moment: the class follows the new live sandbox', async () => {
    const { room, open, follow } = await setupFollowing();
    const instructor = await open();
    instructor.send({ type: 'room.instructor', code: room.code, secret: room.secret });
    const first = await nthWelcome(instructor, 0);
    const ada = await follow('ada');
    instructor.send({ type: 'input', tab: first.tabs[0]!.tab, line: 'mongod --port 27017 --dbpath /d0 --replSet foo' });
    const withMember = await instructor.waitFor((m): m is Cluster => m.type === 'cluster' && m.cluster.members.length > 0 && m.historyFrom !== undefined, 20_000);
    // The oldest moment the history keeps (a moment is recorded on its own, after the cluster message it follows).
    const at = withMember.historyFrom!;
    instructor.send({ type: 'room.rewind', at });
    await momentAfter(ada, 0);

    // An attendee may not branch the room's sandbox.
    ada.send({ type: 'timeline.branch', requestId: 3, at });
    const refused = await ada.waitFor((m) => m.type === 'error' && m.code === 'ReadOnly');
    expect(refused.type).toBe('error');

    instructor.send({ type: 'timeline.branch', requestId: 4, at });
    const ack = await instructor.waitFor((m) => m.type === 'timeline.ack' && m.requestId === 4, 30_000);
    expect(ack.type === 'timeline.ack' && ack.ok).toBe(true);
    const branched = await nthWelcome(instructor, 1);
    expect(branched.sandboxId).not.toBe(first.sandboxId);
    expect(branched.room).toMatchObject({ role: 'instructor', mode: 'live', readOnly: false });
    const followed = await nthWelcome(ada, 1);
    expect(followed.sandboxId).toBe(branched.sandboxId);
    expect(followed.room).toMatchObject({ role: 'attendee', mode: 'live', readOnly: true });
    // The class is live on the branch: no rewound moment comes with the new welcome.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(ada.messages.slice(ada.messages.indexOf(followed)).some((m) => m.type === 'room.moment')).toBe(false);
  }, 60_000);
});
