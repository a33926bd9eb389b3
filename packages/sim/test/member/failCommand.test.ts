import { Binary, Long } from 'bson';
import { describe, expect, it } from 'vitest';
import { Cluster } from '../../src/harness/cluster';

// failCommand on a member (src/mongo/db/commands.cpp evaluateFailCommandFailPoint and
// service_entry_point_common.cpp's writeConcernError form; error_labels.cpp's errorLabelsOverride).

const lsid = { id: new Binary(new Uint8Array(16).fill(7), Binary.SUBTYPE_UUID) };

async function started(options: { testCommandsEnabled?: boolean } = {}): Promise<{ c: Cluster; primary: string }> {
  const c = new Cluster({ members: 3, seed: 5, ...options });
  await c.initiate();
  return { c, primary: await c.waitForPrimary(30_000) };
}

describe('configureFailPoint on a member', () => {
  it('is CommandNotFound (59) unless the member has test commands enabled, as mongod', async () => {
    const { c, primary } = await started();
    expect(await c.command(primary, { configureFailPoint: 'failCommand', mode: 'alwaysOn' })).toMatchObject({ ok: 0, code: 59 });
    c.stopAll();
  });

  it('runs only against admin', async () => {
    const { c, primary } = await started({ testCommandsEnabled: true });
    expect(await c.command(primary, { configureFailPoint: 'failCommand', mode: 'off' }, { db: 'test' })).toMatchObject({ ok: 0, code: 13 });
    c.stopAll();
  });

  it('fails a retryable insert with the given code once; mongod labels it RetryableWriteError unless errorLabels override', async () => {
    const { c, primary } = await started({ testCommandsEnabled: true });
    const insert = (id: number, txn: number) => c.command(primary, { insert: 'c', documents: [{ _id: id }], lsid, txnNumber: Long.fromNumber(txn) }, { db: 'test' });
    expect(await c.command(primary, { configureFailPoint: 'failCommand', mode: { times: 1 }, data: { failCommands: ['insert'], errorCode: 91 } })).toMatchObject({ ok: 1, count: 0 });
    expect(await insert(1, 1)).toMatchObject({ ok: 0, errmsg: "Failing command via 'failCommand' failpoint", code: 91, codeName: 'ShutdownInProgress', errorLabels: ['RetryableWriteError'] });
    expect(await insert(1, 2)).toMatchObject({ ok: 1, n: 1 });
    await c.command(primary, { configureFailPoint: 'failCommand', mode: { times: 1 }, data: { failCommands: ['insert'], errorCode: 91, errorLabels: [] } });
    const overridden = await insert(2, 3);
    expect(overridden).toMatchObject({ ok: 0, code: 91 });
    expect(overridden.errorLabels).toBeUndefined();
    c.stopAll();
  });

  it('adds the writeConcernError to a write that succeeded', async () => {
    const { c, primary } = await started({ testCommandsEnabled: true });
    const wce = { code: 91, errmsg: 'Replication is being shut down' };
    await c.command(primary, { configureFailPoint: 'failCommand', mode: { times: 1 }, data: { failCommands: ['insert'], writeConcernError: wce } });
    const reply = await c.command(primary, { insert: 'c', documents: [{ _id: 1 }], lsid, txnNumber: Long.fromNumber(1) }, { db: 'test' });
    expect(reply).toMatchObject({ ok: 1, n: 1, writeConcernError: wce, errorLabels: ['RetryableWriteError'] });
    expect(c.storage(primary).documents('test', 'c')).toEqual([{ _id: 1 }]);
    c.stopAll();
  });

  it('blockConnection holds the command for blockTimeMS of the member clock, then runs it', async () => {
    const { c, primary } = await started({ testCommandsEnabled: true });
    await c.command(primary, { configureFailPoint: 'failCommand', mode: 'alwaysOn', data: { failCommands: ['ping'], blockConnection: true, blockTimeMS: 500 } });
    let answered = false;
    const ping = c.send(primary, { ping: 1 }).then((reply) => {
      answered = true;
      return reply;
    });
    await c.advance(400);
    expect(answered).toBe(false);
    await c.advance(200);
    expect(await ping).toMatchObject({ ok: 1 });
    c.stopAll();
  });

  it('leaves the members’ own commands alone unless failInternalCommands: heartbeats keep the primary', async () => {
    const { c, primary } = await started({ testCommandsEnabled: true });
    for (const host of c.hosts) {
      await c.command(host, { configureFailPoint: 'failCommand', mode: 'alwaysOn', data: { failCommands: ['replSetHeartbeat', 'find', 'getMore'], errorCode: 2 } });
    }
    await c.insert([{ _id: 'x' }], { writeConcern: { w: 3, wtimeout: 10_000 } });
    await c.advance(30_000);
    expect(c.primary()).toBe(primary);
    expect(await c.command(primary, { find: 'c' }, { db: 'test' })).toMatchObject({ ok: 0, code: 2 });
    const heartbeat = { replSetHeartbeat: 'rs0', configVersion: 1, from: 'elsewhere:1', term: 0 };
    expect((await c.command(primary, heartbeat)).code).not.toBe(2);
    await c.command(primary, { configureFailPoint: 'failCommand', mode: 'alwaysOn', data: { failCommands: ['replSetHeartbeat'], errorCode: 2, failInternalCommands: true } });
    expect(await c.command(primary, heartbeat)).toMatchObject({ ok: 0, code: 2 });
    c.stopAll();
  });
});
