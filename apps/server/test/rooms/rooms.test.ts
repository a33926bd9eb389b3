import { describe, expect, it } from 'vitest';
import { LessonTracker } from '../../src/lessons/progress';
import { walkthroughLesson } from '../../src/lessons/walkthrough';
import { RoomManager, positionOf } from '../../src/rooms/rooms';
import { MemoryProgressStore, hashSecret, type ProgressRecord, type RoomRecord } from '../../src/rooms/store';
import { SandboxManager } from '../../src/workspace/sandbox';
import { testSettings } from '../../src/settings';

/**
 * A store whose reads can be made to answer from an older snapshot, as a majority read does on a
 * primary elected a moment ago: it answers at its commit point, which may still be before writes
 * the old primary acknowledged (MongoDB manual, Read Concern "majority": the data returned is the
 * most recent majority-committed data on that node, and may not reflect later majority writes).
 */
class LaggingStore extends MemoryProgressStore {
  lagging = false;
  override async findRoom(code: string): Promise<RoomRecord | null> {
    return this.lagging ? null : super.findRoom(code);
  }
  override async roomProgress(code: string): Promise<ProgressRecord[]> {
    return this.lagging ? [] : super.roomProgress(code);
  }
}

/** A store whose attendee reads can be held: each answers what the store had when it was sent. */
class HeldReadsStore extends LaggingStore {
  private held: Promise<void> | null = null;
  private releaseHeld: (() => void) | null = null;
  hold(): () => void {
    this.held = new Promise((resolve) => (this.releaseHeld = resolve));
    return () => {
      this.held = null;
      this.releaseHeld?.();
    };
  }
  override async roomProgress(code: string): Promise<ProgressRecord[]> {
    const answer = await super.roomProgress(code);
    if (this.held) await this.held;
    return answer;
  }
}

function manager(overrides = {}, store = new HeldReadsStore()) {
  let now = 1_000_000;
  const settings = testSettings({ attendeeStuckAfterMillis: 60_000, ...overrides });
  const sandboxes = new SandboxManager({
    settings,
    createLab: () => {
      throw new Error('no sandboxes in this test');
    },
  });
  const rooms = new RoomManager({ settings, sandboxes, store, now: () => now });
  return { rooms, store, advance: (millis: number) => (now += millis), now: () => now };
}

describe('RoomManager', () => {
  it('keeps only a hash of the secret and of attendee tokens, and checks the secret', async () => {
    const { rooms, store } = manager();
    const { room, secret } = await rooms.create({ title: 't', lessonId: 'walkthrough' });
    expect(rooms.isInstructor(room, secret)).toBe(true);
    expect(rooms.isInstructor(room, `${secret}x`)).toBe(false);
    expect(rooms.isInstructor(room, undefined)).toBe(false);
    const stored = await store.findRoom(room.code);
    expect(stored?.secretHash).toBe(hashSecret(secret));
    expect(JSON.stringify(stored)).not.toContain(secret);
    const { token } = await rooms.join(room, 'ada');
    expect(JSON.stringify(await store.roomProgress(room.code))).not.toContain(token);
    expect(await rooms.attendee(room, token)).toBe(room.attendees.values().next().value);
    expect(await rooms.attendee(room, 'x'.repeat(24))).toBeNull();
  });

  it('refuses unknown lessons and rooms past the limit', async () => {
    const { rooms } = manager({ roomsMax: 1 });
    await expect(rooms.create({ title: 't', lessonId: 'nope' })).rejects.toMatchObject({ name: 'RoomLessonError' });
    await rooms.create({ title: 't', lessonId: 'walkthrough' });
    await expect(rooms.create({ title: 't', lessonId: 'walkthrough' })).rejects.toMatchObject({ name: 'RoomLimitError' });
  });

  it('marks an attendee stuck after the set time on one step of their own, and not a follower', async () => {
    const { rooms, advance, now } = manager();
    const { room } = await rooms.create({ title: 't', lessonId: 'walkthrough' });
    const { attendee: solo } = await rooms.join(room, 'solo');
    await rooms.join(room, 'follower');
    const tracker = new LessonTracker(walkthroughLesson);
    tracker.skipTo('connect-one');
    solo.mode = 'fork';
    solo.position = positionOf(tracker.progress(), null, now());
    advance(59_000);
    let rows = (await rooms.dashboard(room)).attendees;
    expect(rows.map((r) => [r.name, r.stuck, r.stepId])).toEqual([
      ['solo', false, 'connect-one'],
      ['follower', false, null],
    ]);
    expect(rows[0]?.onStepMillis).toBe(59_000);
    advance(2000);
    rows = (await rooms.dashboard(room)).attendees;
    expect(rows[0]).toMatchObject({ stuck: true, check: 'waiting', mode: 'fork', stepIndex: 3, stepsTotal: tracker.steps.length });
    expect(rows[1]).toMatchObject({ stuck: false, mode: 'live' });
    // Moving on resets the time on the step; staying on it keeps it.
    solo.position = positionOf(tracker.progress(), solo.position, now());
    expect((await rooms.dashboard(room)).attendees[0]?.stuck).toBe(true);
    tracker.skipTo('replset-initiate');
    solo.position = positionOf(tracker.progress(), solo.position, now());
    expect((await rooms.dashboard(room)).attendees[0]).toMatchObject({ stuck: false, onStepMillis: 0, stepId: 'replset-initiate' });
  });

  // The rooms-cluster e2e's kill -9 of the store's primary during 20 joins: a sync right after the
  // election read no room (a lagging majority snapshot) and closed the room here, so the joins
  // acknowledged meanwhile were kept only on a room object no longer served, and the dashboard,
  // rebuilt from reads as lagging, missed them.
  it('keeps the room and its acknowledged joins when a read does not see the room yet; only a closed record closes it', async () => {
    const { rooms, store, advance } = manager();
    const { room } = await rooms.create({ title: 't', lessonId: 'walkthrough' });
    const { attendee: early } = await rooms.join(room, 'early');
    advance(5000);
    store.lagging = true;
    const { attendee: during, created } = await rooms.join(room, 'during the election');
    expect(created).toBe(true);
    expect(room.closed).toBe(false);
    expect(await rooms.find(room.code)).toBe(room);
    expect((await rooms.dashboard(room)).attendees.map((row) => row.id)).toEqual([early.id, during.id]);
    store.lagging = false;
    advance(5000);
    expect((await rooms.dashboard(room)).attendees.map((row) => row.id)).toEqual([early.id, during.id]);

    // Closed on another instance: the record says so, and the next sync closes it here.
    await store.closeRoom(room.code, new Date());
    advance(5000);
    await rooms.sync(room);
    expect(room.closed).toBe(true);
    expect(await rooms.find(room.code)).toBeNull();
  });

  // The rooms-cluster e2e's kill -9 of the store's primary during 20 joins: the instance that did
  // not serve the joins had read the room 0.4 s before (its copy was "fresh", under roomSyncMillis)
  // and its dashboard listed 1 of 20 acknowledged joins. The dashboard now reads for each request,
  // and never shares a read that began before the request.
  it('a dashboard on another instance lists every join acknowledged before the request, with its copy fresh or a read under way', async () => {
    const store = new HeldReadsStore();
    const a = manager({}, store);
    const b = manager({}, store);
    const { room: onB } = await b.rooms.create({ title: 't', lessonId: 'walkthrough' });
    const onA = (await a.rooms.find(onB.code))!;
    await a.rooms.sync(onA);
    expect(onA.attendees.size).toBe(0);

    const { attendee: ada } = await b.rooms.join(onB, 'ada');
    a.advance(100);
    expect((await a.rooms.dashboard(onA)).attendees.map((row) => row.id)).toEqual([ada.id]);

    // A read of a's own (a page's periodic sync) sent before bob joins, answering after.
    a.advance(5000);
    const release = store.hold();
    const periodic = a.rooms.sync(onA);
    const { attendee: bob } = await b.rooms.join(onB, 'bob');
    const board = a.rooms.dashboard(onA);
    release();
    await periodic;
    expect((await board).attendees.map((row) => row.id)).toEqual([ada.id, bob.id]);
  });
});
