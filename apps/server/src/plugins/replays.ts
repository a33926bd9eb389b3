import fp from 'fastify-plugin';
import { Replays } from '../rooms/replays';
import type { Settings } from '../settings';

declare module 'fastify' {
  interface FastifyInstance {
    /** Saved replays: in the progress store, with their branch points in this server's memory. */
    replays: Replays;
  }
}

/** Replays to share (issue 19), stored where rooms and progress are. */
export const replaysPlugin = fp<{ settings: Settings }>(
  async (app, { settings }) => {
    const replays = new Replays(app.progressStore, settings);
    app.decorate('replays', replays);
    // Their branch points hold checkpoints in worker threads: let go of them with the server.
    app.addHook('onClose', async () => replays.close());
  },
  { name: 'rslab-replays', dependencies: ['rslab-rooms'] },
);
