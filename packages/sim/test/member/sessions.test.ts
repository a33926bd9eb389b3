import { Binary } from 'bson';
import { describe, expect, it } from 'vitest';
import { Cluster } from '../../src/harness/cluster';

// Sessions on a member: every command's lsid is recorded (initialize_operation_session_info.cpp),
// $listLocalSessions lists them (document_source_list_local_sessions.cpp), killSessions kills the
// session's cursors, and an idle session expires after localLogicalSessionTimeoutMinutes.

const lsid = (byte: number) => ({ id: new Binary(new Uint8Array(16).fill(byte), Binary.SUBTYPE_UUID) });

describe('logical sessions on a member', () => {
  it('records the lsid of every command and lists it with $listLocalSessions', async () => {
    const c = new Cluster({ members: 3, seed: 11, logicalSessionTimeoutMinutes: 2 });
    await c.initiate();
    const primary = await c.waitForPrimary(30_000);
    await c.command(primary, { insert: 'c', documents: [{ _id: 1 }], lsid: lsid(1) }, { db: 'test' });
    await c.command(primary, { ping: 1, lsid: lsid(2) });
    const listed = await c.command(primary, { aggregate: 1, pipeline: [{ $listLocalSessions: {} }, { $sort: { lastUse: 1 } }], cursor: {} });
    expect(listed.cursor.firstBatch.map((s: { _id: { id: Binary } }) => s._id.id.buffer[0])).toEqual([1, 2]);
    // Any database, but not a collection (document_source_list_local_sessions.cpp createFromBson).
    expect(await c.command(primary, { aggregate: 1, pipeline: [{ $listLocalSessions: {} }], cursor: {} }, { db: 'test' })).toMatchObject({ ok: 1 });
    expect((await c.command(primary, { aggregate: 'c', pipeline: [{ $listLocalSessions: {} }], cursor: {} }, { db: 'test' })).code).toBe(73);
    expect((await c.command(primary, { ping: 1, lsid: { id: 'not a uuid' } })).code).toBe(14);
    const hello = await c.command(primary, { hello: 1 });
    expect(hello.logicalSessionTimeoutMinutes).toBe(2);
    // Two minutes without use and the sessions are gone.
    await c.advance(121_000);
    expect((await c.command(primary, { aggregate: 1, pipeline: [{ $listLocalSessions: { allUsers: true } }], cursor: {} })).cursor.firstBatch).toEqual([]);
    c.stopAll();
  });

  it('killSessions kills the cursors the session opened; others stay', async () => {
    const c = new Cluster({ members: 3, seed: 12 });
    await c.initiate();
    const primary = await c.waitForPrimary(30_000);
    await c.command(primary, { insert: 'c', documents: Array.from({ length: 10 }, (_, i) => ({ _id: i })) }, { db: 'test' });
    const a = await c.command(primary, { find: 'c', batchSize: 2, lsid: lsid(1) }, { db: 'test' });
    const b = await c.command(primary, { find: 'c', batchSize: 2, lsid: lsid(2) }, { db: 'test' });
    expect(await c.command(primary, { killSessions: [lsid(1)] })).toMatchObject({ ok: 1 });
    expect(await c.command(primary, { getMore: a.cursor.id, collection: 'c', lsid: lsid(1) }, { db: 'test' })).toMatchObject({ ok: 0, code: 43 });
    expect(await c.command(primary, { getMore: b.cursor.id, collection: 'c', lsid: lsid(2) }, { db: 'test' })).toMatchObject({ ok: 1 });
    const started = await c.command(primary, { startSession: 1 });
    expect(started).toMatchObject({ ok: 1, timeoutMinutes: 30 });
    expect((started.id.id as Binary).sub_type).toBe(4);
    c.stopAll();
  });
});
