import { describe, expect, it } from 'vitest';
import { appPerFile } from '../helpers/appPerFile';
import { typeLine } from '../../src/terminal/typeLine';
import { TranscriptSession } from '../../src/transcript/run';
import type { DriverGateway } from '../../src/driver/gateway';
import { LocalLabDriver } from '../../src/runtime/localDriver';
import { pythonPoolMaintenanceMillis } from '../../src/driver/gateway';

// The gateway itself, on the main thread (sandboxes on workers run the same class beside their members).
const app = appPerFile({ sandboxWorkers: 0 });
// The driver of a sandbox on a worker runs there, beside the members: its wait lines and error names reach the shell alike.
const workerApp = appPerFile({ sandboxWorkers: 1 });

function gatewayOf(lab: { driver: unknown }): DriverGateway {
  if (!(lab.driver instanceof LocalLabDriver)) throw new Error('this test wants the main thread\'s driver');
  return lab.driver.gateway;
}

async function until(probe: () => boolean, limitMillis: number): Promise<void> {
  const deadline = Date.now() + limitMillis;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('the driver gateway’s timeline', () => {
  it('lists a member’s failing heartbeats once per outage, in the driver’s words, not the proxy’s', async () => {
    const { sandbox } = app().sandboxes.obtain('heartbeats');
    const session = new TranscriptSession(sandbox, { speed: 5 });
    expect(await session.run('mongod --port 27017 --dbpath /data/db\n# expect listening on port 27017')).toEqual([]);
    const { events } = sandbox.lab;
    const gateway = gatewayOf(sandbox.lab);
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

  it("maintains a Python client's pools once a second as PyMongo does, mongosh's every 100 ms as the Node driver does, and still fills a minPoolSize", async () => {
    const { sandbox } = app().sandboxes.obtain('pool-maintenance');
    const session = new TranscriptSession(sandbox, { speed: 5 });
    expect(await session.run('mongod --port 27017 --dbpath /data/db\n# expect listening on port 27017')).toEqual([]);
    const gateway = gatewayOf(sandbox.lab);
    // The period each pool really runs with, from the driver's own pool (an internal the driver may rename: then this fails).
    const periods = (client: unknown) =>
      [...(client as { topology: { s: { servers: Map<string, { pool: { options: { minPoolSizeCheckFrequencyMS: number } } }> } } }).topology.s.servers.values()].map(
        (server) => server.pool.options.minPoolSizeCheckFrequencyMS,
      );
    const python = gateway.open({ api: 'MongoClient', seeds: ['morton.local:27017'], options: { directConnection: true, minPoolSize: 2 } });
    let ready = 0;
    python.client.on('connectionReady', () => (ready += 1));
    const mongosh = gateway.open({ api: 'mongosh', seeds: ['morton.local:27017'], options: { directConnection: true } });
    await python.client.db('admin').command({ ping: 1 });
    await mongosh.client.db('admin').command({ ping: 1 });
    expect(periods(python.client)).toEqual([pythonPoolMaintenanceMillis]);
    expect(periods(mongosh.client)).toEqual([100]);
    // minPoolSize still holds: the background task opens the second connection within a period or two.
    await until(() => ready >= 2, 5_000);
    await gateway.close(python.id);
    await gateway.close(mongosh.id);
  }, 30_000);

  it.each([
    ['on the main thread', app],
    ['in a worker', workerApp],
  ])('says why MongoClient waits while the sandbox clock is paused, and answers once it runs again (driver %s)', async (_where, server) => {
    const { sandbox } = server().sandboxes.obtain('paused');
    const session = new TranscriptSession(sandbox, { speed: 5 });
    const setup = [
      'mongod --port 27017 --dbpath /data/db --replSet solo',
      '# tab:client',
      'python',
      'from pymongo import MongoClient',
      'MongoClient("morton.local:27017", directConnection=True).admin.command("replSetInitiate")',
      '# wait 5s',
      'client = MongoClient("morton.local:27017", replicaSet="solo")',
      'client.test.test.insert_one({"x": 1})',
      '# expect InsertOneResult',
    ].join('\n');
    expect(await session.run(setup)).toEqual([]);
    const tab = [...sandbox.tabs.values()].find((t) => t.title === 'python')!;
    let screen = '';
    const unsubscribe = tab.subscribe((event) => {
      if (event.type === 'output') screen += event.data;
    });
    sandbox.lab.engine.clock.pause();
    const read = typeLine(tab, 'client.test.test.find_one()', 30_000);
    // The wait line names the pause (runtime/waitLine.ts), within the 40 columns a phone's terminal has.
    await until(() => /waiting for a primary… \d+s · time paused/.test(screen), 10_000);
    sandbox.lab.engine.clock.resume();
    expect(await read).toContain("'x': 1");
    unsubscribe();
  }, 60_000);

  it.each([
    ['on the main thread', app],
    ['in a worker', workerApp],
  ])('names server errors as PyMongo does: DuplicateKeyError, and AutoReconnect "not master" after a step-down (driver %s)', async (_where, server) => {
    const { sandbox } = server().sandboxes.obtain('stepped-down');
    const session = new TranscriptSession(sandbox, { speed: 5 });
    const script = [
      'mongod --replSet foo/morton.local:27018,morton.local:27019',
      'mongod --port 27018 --dbpath /data/db1 --replSet foo/morton.local:27017',
      'mongod --port 27019 --dbpath /data/db2 --replSet foo/morton.local:27017',
      '# tab:client',
      'python',
      'from pymongo import Connection',
      'Connection("morton.local:27017", slave_okay=True).admin.command("replSetInitiate")',
      '# wait 15s',
      'db = Connection("morton.local").test',
      'db.test.save({"x": 1})',
      'db.test.find_one()',
      "# expect 'x': 1",
      // Server error codes reach the Python names whatever BSON type the driver keeps them in.
      'db.test.insert_one({"_id": 7})',
      'db.test.insert_one({"_id": 7})',
      '# expect pymongo.errors.DuplicateKeyError: E11000 duplicate key error',
      // The step-down waits (up to secondaryCatchUpPeriodSecs) for a secondary to catch up, and
      // the primary still serves reads meanwhile (replSetStepDown in the manual), so poll.
      '# control stepDown primary',
      'db.test.find_one()',
      '# until /pymongo.errors.AutoReconnect: not master/ 20s',
      '# expect-not Connection refused',
    ].join('\n');
    expect(await session.run(script)).toEqual([]);
  }, 60_000);
});
