import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app';
import { testSettings } from '../../src/settings';
import { TranscriptSession } from '../../src/transcript/run';

let app: FastifyInstance;
beforeAll(async () => {
  app = await buildApp({ settings: testSettings() });
});
afterAll(async () => {
  await app.close();
});

async function until(probe: () => boolean, limitMillis: number): Promise<void> {
  const deadline = Date.now() + limitMillis;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('the driver gateway’s timeline', () => {
  it('lists a member’s failing heartbeats once per outage, in the driver’s words, not the proxy’s', async () => {
    const { sandbox } = app.sandboxes.obtain('heartbeats');
    const session = new TranscriptSession(sandbox, { speed: 5 });
    expect(await session.run('mongod --port 27017 --dbpath /data/db\n# expect listening on port 27017')).toEqual([]);
    const { gateway, events } = sandbox.lab;
    const tracked = gateway.open({ api: 'MongoClient', seeds: ['morton.local:27017'], options: { directConnection: true, heartbeatFrequencyMS: 500 } });
    await tracked.client.db('admin').command({ ping: 1 });
    const failures = () => events.all().filter((e) => e.kind === 'serverHeartbeatFailed');

    const pid = sandbox.lab.engine.processes()[0]!.pid;
    await sandbox.lab.engine.signal(pid, 'SIGKILL');
    await until(() => failures().length > 0, 10_000);
    // Several more heartbeats fail in the next seconds; none of them is listed.
    await new Promise((resolve) => setTimeout(resolve, 2000));
    expect(failures()).toHaveLength(1);
    expect(failures()[0]?.text).toContain('failed: connect ECONNREFUSED morton.local:27017');
    expect(failures()[0]?.text).not.toMatch(/socks|proxy/i);

    // Back up, then down again: a new outage is listed once more.
    await sandbox.lab.engine.restart('morton.local:27017');
    await tracked.client.db('admin').command({ ping: 1 });
    const restarted = sandbox.lab.engine.processes().find((p) => p.running)!;
    await sandbox.lab.engine.signal(restarted.pid, 'SIGKILL');
    await until(() => failures().length > 1, 10_000);
    expect(failures()).toHaveLength(2);
    await gateway.close(tracked.id);
  }, 60_000);
});
