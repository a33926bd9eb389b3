import fp from 'fastify-plugin';
import { AttemptLimiter } from '../rooms/rateLimit';
import { RoomManager } from '../rooms/rooms';
import { openProgressStore } from '../rooms/openStore';
import { LearnerProgress } from '../rooms/learners';
import type { Settings } from '../settings';

declare module 'fastify' {
  interface FastifyInstance {
    rooms: RoomManager;
    /** Resume links for learners on their own (the `/ws` WebSocket's progress messages). */
    learners: LearnerProgress;
    /** Failed attempts to find or enter a room, per IP address, shared by the HTTP routes and `/ws/room`. */
    roomJoinAttempts: AttemptLimiter;
  }
}

/** How often rooms in use keep their sandboxes alive and idle rooms are closed. */
const housekeepingMillis = 30_000;

/** The rooms of this server, the progress store behind them, and the limiter on entering them. */
export const roomsPlugin = fp<{ settings: Settings }>(
  async (app, { settings }) => {
    const store = await openProgressStore(settings, app.log);
    const rooms = new RoomManager({
      settings,
      sandboxes: app.sandboxes,
      store,
      onStoreError: (error) => app.log.error({ err: error }, 'saving room progress failed'),
    });
    app.decorate('rooms', rooms);
    app.decorate('learners', new LearnerProgress(store, Date.now, (error) => app.log.error({ err: error }, 'saving learner progress failed')));
    app.decorate('roomJoinAttempts', new AttemptLimiter(settings.roomJoinAttemptsPerMinuteMax, 60_000));
    const housekeeping = setInterval(() => {
      rooms.touchInUse();
      const closed = rooms.reclaimIdle();
      if (closed > 0) app.log.info({ closed, remaining: rooms.size }, 'closed idle rooms');
    }, housekeepingMillis);
    housekeeping.unref();
    app.addHook('onClose', async () => {
      clearInterval(housekeeping);
      await store.close();
    });
  },
  { name: 'rslab-rooms', dependencies: ['rslab-sandboxes'] },
);
