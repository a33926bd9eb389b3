import fp from 'fastify-plugin';
import { AttemptLimiter } from '../rooms/rateLimit';
import { RoomManager } from '../rooms/rooms';
import { openProgressStore } from '../rooms/openStore';
import { LearnerProgress } from '../rooms/learners';
import { StoreUnavailableError, type ProgressStore } from '../rooms/store';
import type { Settings } from '../settings';

declare module 'fastify' {
  interface FastifyInstance {
    rooms: RoomManager;
    /** Where rooms and progress are stored (the one truth of who is in a room and where). */
    progressStore: ProgressStore;
    /** Resume links for learners on their own (the `/ws` WebSocket's progress messages). */
    learners: LearnerProgress;
    /** Failed attempts to find or enter a room, per IP address, shared by the HTTP routes and `/ws/room`. */
    roomJoinAttempts: AttemptLimiter;
  }
}

/** How often rooms in use keep their sandboxes alive and idle rooms are closed. */
const housekeepingMillis = 30_000;
/** A store that stays unavailable is logged once per this long by the sync loop, not once per room per second. */
const syncErrorLogEveryMillis = 10_000;

/**
 * The rooms of this server, the progress store behind them, and the limiter on entering them.
 * The store opens in the background (an instance may start while its store elects a primary);
 * `/api/health` says how it is. Rooms with pages open here are read again from the store every
 * `roomSyncMillis`, and the presence of their attendees written every `presenceMillis`.
 */
export const roomsPlugin = fp<{ settings: Settings }>(
  async (app, { settings }) => {
    const store = openProgressStore(settings, app.log);
    const rooms = new RoomManager({
      settings,
      sandboxes: app.sandboxes,
      store,
      onStoreError: (error) =>
        error instanceof StoreUnavailableError ? app.log.warn({ err: error }, 'the progress store did not acknowledge in time') : app.log.error({ err: error }, 'saving room progress failed'),
    });
    app.decorate('rooms', rooms);
    app.decorate('progressStore', store);
    app.decorate('learners', new LearnerProgress(store, Date.now, (error) => app.log.error({ err: error }, 'saving learner progress failed')));
    app.decorate('roomJoinAttempts', new AttemptLimiter(settings.roomJoinAttemptsPerMinuteMax, 60_000));
    const housekeeping = setInterval(() => {
      rooms.touchInUse();
      const closed = rooms.reclaimIdle();
      if (closed > 0) app.log.info({ closed, remaining: rooms.size }, 'closed idle rooms');
    }, housekeepingMillis);
    housekeeping.unref();
    let syncErrorLoggedAt = 0;
    const sync = setInterval(() => {
      for (const room of rooms.inUse()) {
        rooms.sync(room).catch((error: unknown) => {
          if (Date.now() - syncErrorLoggedAt < syncErrorLogEveryMillis) return;
          syncErrorLoggedAt = Date.now();
          app.log.warn({ err: error, room: room.code }, 'reading a room from the progress store failed; its pages keep what they have');
        });
      }
    }, settings.roomSyncMillis);
    sync.unref();
    const presence = setInterval(() => rooms.refreshPresence(), settings.presenceMillis);
    presence.unref();
    app.addHook('onClose', async () => {
      clearInterval(housekeeping);
      clearInterval(sync);
      clearInterval(presence);
      await rooms.settle();
      await store.close();
    });
  },
  { name: 'rslab-rooms', dependencies: ['rslab-sandboxes'] },
);
