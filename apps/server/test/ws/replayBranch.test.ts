import { afterEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import type { ServerMessage } from '@rslab/protocol';
import { buildServer } from '../../src/server';
import { testSettings } from '../../src/settings';
import { startServer, TestClient } from '../helpers/wsClient';

/** `replay.branch` on /ws (issue 19): a replay this server keeps no members for is refused, saying why. */

let app: FastifyInstance | null = null;
let client: TestClient | null = null;

afterEach(async () => {
  client?.close();
  await app?.close();
  app = client = null;
});

type Ack = Extract<ServerMessage, { type: 'timeline.ack' }>;

describe('replay.branch', () => {
  it('answers a replay without branch points with timeline.ack ok:false and keeps the page on its sandbox', async () => {
    app = await buildServer({ settings: testSettings() });
    const server = await startServer(app);
    client = await TestClient.connect(server.baseUrl, await server.cookie());
    const welcome = await client.waitFor((m): m is Extract<ServerMessage, { type: 'welcome' }> => m.type === 'welcome');
    client.send({ type: 'replay.branch', requestId: 7, replayId: 'r-000000000000', at: 0 });
    const ack = await client.waitFor((m): m is Ack => m.type === 'timeline.ack' && m.requestId === 7);
    expect(ack.ok).toBe(false);
    expect(ack.message).toMatch(/no longer holds the members of replay r-000000000000 .*watched, not branched/);
    expect(app.sandboxes.all().some((s) => s.id === welcome.sandboxId)).toBe(true);
  });
});
