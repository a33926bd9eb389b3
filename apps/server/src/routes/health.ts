import fp from 'fastify-plugin';
import { HealthReply } from '@rslab/protocol';
import type { Settings } from '../settings';
import { errorResponses } from './errors';

/**
 * `GET /api/health`, for a person and for the load balancer: 200 when this instance takes
 * anything; 404 when it is full (no sandbox for a new learner: HAProxy's `disable-on-404` keeps
 * sending its own learners and rooms, and new learners elsewhere); 503 when it takes nothing
 * (draining after SIGTERM). A store that cannot acknowledge writes (electing a primary,
 * unreachable) is said in the body (`state: 'store'`, `store`) but keeps the status: every
 * instance shares that store, so taking them all out of the balancer would only cut the learners'
 * sandboxes off too, which do not need it; room writes meanwhile wait, then answer 503.
 */
export const healthRoutes = fp<{ settings: Settings }>(
  async (app, { settings }) => {
    app.get('/api/health', { schema: { response: { 200: HealthReply, 404: HealthReply, 503: HealthReply, ...errorResponses } } }, async (_request, reply) => {
      const store = app.progressStore.status();
      const sandboxes = app.sandboxes.size;
      const accepting = sandboxes < settings.sandboxesMax;
      const draining = app.lifecycle.draining;
      const state: HealthReply['state'] = draining ? 'draining' : !accepting ? 'full' : store.state !== 'ready' ? 'store' : 'ready';
      const messages: Record<HealthReply['state'], string> = {
        ready: 'ready',
        full: `full: ${sandboxes} of ${settings.sandboxesMax} sandboxes in use; new learners should go to another instance`,
        draining: 'draining: shutting down, new sessions refused, open pages moved to another instance',
        store: `${store.message}; rooms and progress wait for it`,
      };
      const body: HealthReply = {
        ok: state === 'ready',
        instance: settings.instanceName,
        state,
        sandboxes,
        sandboxesMax: settings.sandboxesMax,
        acceptingSandboxes: accepting && !draining,
        draining,
        store,
        message: messages[state],
      };
      return reply.code(draining ? 503 : !accepting ? 404 : 200).send(body);
    });
  },
  { name: 'rslab-health', dependencies: ['rslab-sandboxes', 'rslab-rooms', 'rslab-lifecycle'] },
);
