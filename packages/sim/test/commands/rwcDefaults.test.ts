import { Long, Timestamp, UUID } from 'bson';
import type { Document } from 'bson';
import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/clock/virtual';
import type { CommandRequest } from '../../src/commands/handler';
import { Cluster } from '../../src/harness/cluster';
import { Member } from '../../src/member/member';
import { DirectPeerTransport } from '../../src/member/transport';
import { FaultModel } from '../../src/net/faults';
import { Random } from '../../src/random/random';

// MongoDB 7.0: db/commands/rwc_defaults_commands.cpp (setDefaultRWConcern, getDefaultRWConcern),
// db/read_write_concern_defaults.cpp (generateNewCWRWCToBeSavedOnDisk, getDefault,
// checkSuitabilityAsDefault), read_write_concern_defaults.idl and rwc_defaults_commands.idl (the
// reply's fields and their order); manual pages setDefaultRWConcern and getDefaultRWConcern.

async function threeMembers(seed: number): Promise<{ c: Cluster; primary: string; secondaries: string[] }> {
  const c = new Cluster({ members: 3, seed });
  await c.initiate();
  const primary = await c.waitForPrimary(30_000);
  await c.advance(3000);
  return { c, primary, secondaries: c.hosts.filter((h) => h !== primary) };
}

function fields(reply: Document): string[] {
  return Object.keys(reply).filter((k) => k !== '$clusterTime' && k !== 'operationTime');
}

describe('getDefaultRWConcern / setDefaultRWConcern', () => {
  it('with nothing set: the implicit defaults (local, and w:"majority" for a set without arbiters), sources implicit', async () => {
    const { c, primary } = await threeMembers(131);
    const reply = await c.command(primary, { getDefaultRWConcern: 1 });
    expect(fields(reply)).toEqual(['defaultReadConcern', 'defaultWriteConcern', 'defaultWriteConcernSource', 'defaultReadConcernSource', 'localUpdateWallClockTime', 'ok']);
    expect(reply).toMatchObject({ defaultReadConcern: { level: 'local' }, defaultWriteConcern: { w: 'majority', wtimeout: 0 }, defaultWriteConcernSource: 'implicit', defaultReadConcernSource: 'implicit', ok: 1 });
    expect(reply.localUpdateWallClockTime).toBeInstanceOf(Date);
    c.stopAll();
  });

  it('a set with an arbiter whose implicit default is w:1 shows no defaultWriteConcern (getDefault leaves it unset)', async () => {
    const c = new Cluster({ members: 3, seed: 132, memberConfigs: [{}, {}, { arbiterOnly: true }] });
    await c.initiate();
    const primary = await c.waitForPrimary(30_000);
    const reply = await c.command(primary, { getDefaultRWConcern: 1 });
    expect(reply).not.toHaveProperty('defaultWriteConcern');
    expect(reply.defaultWriteConcernSource).toBe('implicit');
    c.stopAll();
  });

  it('setDefaultRWConcern answers in mongod\'s field order and a secondary answers the same once the config.settings document replicated', async () => {
    const { c, primary, secondaries } = await threeMembers(133);
    const set = await c.command(primary, { setDefaultRWConcern: 1, defaultReadConcern: { level: 'majority' }, defaultWriteConcern: { w: 2, wtimeout: 5000 } });
    expect(set.ok).toBe(1);
    expect(fields(set)).toEqual([
      'defaultReadConcern',
      'defaultWriteConcern',
      'updateOpTime',
      'updateWallClockTime',
      'defaultWriteConcernSource',
      'defaultReadConcernSource',
      'localUpdateWallClockTime',
      'ok',
    ]);
    expect(set).toMatchObject({ defaultReadConcern: { level: 'majority' }, defaultWriteConcern: { w: 2, wtimeout: 5000 }, defaultWriteConcernSource: 'global', defaultReadConcernSource: 'global' });
    expect(set.updateOpTime).toBeInstanceOf(Timestamp);
    // Stored as an ordinary document, through the oplog.
    const stored = await c.command(primary, { find: 'settings', filter: { _id: 'ReadWriteConcernDefaults' } }, { db: 'config' });
    expect(stored.cursor.firstBatch).toEqual([{ _id: 'ReadWriteConcernDefaults', defaultReadConcern: { level: 'majority' }, defaultWriteConcern: { w: 2, wtimeout: 5000 }, updateOpTime: set.updateOpTime, updateWallClockTime: set.updateWallClockTime }]);
    await c.advance(2000);
    for (const secondary of secondaries) {
      const got = await c.command(secondary, { getDefaultRWConcern: 1 });
      expect(got).toMatchObject({ defaultReadConcern: { level: 'majority' }, defaultWriteConcern: { w: 2, wtimeout: 5000 }, defaultWriteConcernSource: 'global', updateOpTime: set.updateOpTime });
      const inMemory = await c.command(secondary, { getDefaultRWConcern: 1, inMemory: true });
      expect(fields(inMemory).slice(-3)).toEqual(['inMemory', 'localUpdateWallClockTime', 'ok']);
    }
    c.stopAll();
  });

  it('survives a restart of every member and a failover', async () => {
    const { c, primary } = await threeMembers(134);
    const set = await c.command(primary, { setDefaultRWConcern: 1, defaultWriteConcern: { w: 'majority', wtimeout: 1234 } });
    expect(set.ok).toBe(1);
    await c.advance(2000);
    for (const host of c.hosts) c.restart(host);
    const next = await c.waitForPrimary(60_000);
    await c.advance(2000);
    for (const host of c.hosts) {
      const got = await c.command(host, { getDefaultRWConcern: 1 });
      expect(got).toMatchObject({ defaultWriteConcern: { w: 'majority', wtimeout: 1234 }, defaultWriteConcernSource: 'global', updateOpTime: set.updateOpTime });
    }
    expect(c.hosts).toContain(next);
    c.stopAll();
  });

  it('keeps the field it is not given and unsets a read concern given as {}', async () => {
    const { c, primary } = await threeMembers(135);
    await c.command(primary, { setDefaultRWConcern: 1, defaultReadConcern: { level: 'available' }, defaultWriteConcern: { w: 1 } });
    const onlyRc = await c.command(primary, { setDefaultRWConcern: 1, defaultReadConcern: { level: 'majority' } });
    expect(onlyRc).toMatchObject({ defaultReadConcern: { level: 'majority' }, defaultWriteConcern: { w: 1, wtimeout: 0 } });
    const unsetRc = await c.command(primary, { setDefaultRWConcern: 1, defaultReadConcern: {} });
    expect(unsetRc).toMatchObject({ defaultReadConcern: { level: 'local' }, defaultReadConcernSource: 'implicit', defaultWriteConcernSource: 'global' });
    c.stopAll();
  });

  it('refuses what mongod refuses, with its codes and messages', async () => {
    const { c, primary, secondaries } = await threeMembers(136);
    const cases: [Document, number, string][] = [
      [{ setDefaultRWConcern: 1 }, 2, 'At least one of the "defaultReadConcern" or "defaultWriteConcern" fields must be present'],
      [{ setDefaultRWConcern: 1, defaultWriteConcern: { w: 0 } }, 2, 'Unacknowledged write concern is not suitable for the default write concern'],
      [{ setDefaultRWConcern: 1, defaultWriteConcern: { w: 0, j: true } }, 2, 'Unacknowledged write concern is not suitable for the default write concern'],
      [{ setDefaultRWConcern: 1, defaultWriteConcern: { wtimeout: 100 } }, 2, "Default write concern must have 'w' field."],
      [{ setDefaultRWConcern: 1, defaultWriteConcern: { w: 1, provenance: 'clientSupplied' } }, 2, "'provenance' must be unset in default write concern"],
      [{ setDefaultRWConcern: 1, defaultWriteConcern: { w: true } }, 9, 'w has to be a number or a string'],
      [{ setDefaultRWConcern: 1, defaultWriteConcern: { w: 51 } }, 9, 'w has to be a non-negative number and not greater than 50'],
      [{ setDefaultRWConcern: 1, defaultWriteConcern: { w: Number.NaN } }, 2, 'Unacknowledged write concern is not suitable for the default write concern'],
      [{ setDefaultRWConcern: 1, defaultWriteConcern: { w: 1, j: true, fsync: true } }, 9, 'fsync and j options cannot be used together'],
      [{ setDefaultRWConcern: 1, defaultWriteConcern: { w: 'bajority' } }, 79, "No write concern mode named 'bajority' found in replica set configuration"],
      [{ setDefaultRWConcern: 1, defaultReadConcern: { level: 'snapshot' } }, 2, "level: 'snapshot' is not suitable for the default read concern"],
      [{ setDefaultRWConcern: 1, defaultReadConcern: { level: 'linearizable' } }, 2, "level: 'linearizable' is not suitable for the default read concern"],
      [{ setDefaultRWConcern: 1, defaultReadConcern: { level: 'local', afterClusterTime: new Timestamp({ t: 1, i: 1 }) } }, 2, "'afterClusterTime' is not suitable for the default read concern"],
      [{ setDefaultRWConcern: 1, defaultReadConcern: { level: 'bogus' } }, 9, "readConcern.level must be either 'local', 'majority', 'linearizable', 'available', or 'snapshot'"],
      [{ setDefaultRWConcern: 1, defaultWriteConcern: 'majority' }, 14, "BSON field 'setDefaultRWConcern.defaultWriteConcern' is the wrong type 'string', expected type 'object'"],
    ];
    for (const [cmd, code, errmsg] of cases) {
      const reply = await c.command(primary, cmd);
      expect({ cmd, code: reply.code, errmsg: reply.errmsg }).toEqual({ cmd, code, errmsg });
    }
    // Admin only; never on a secondary.
    expect(await c.command(primary, { getDefaultRWConcern: 1 }, { db: 'test' })).toMatchObject({ ok: 0, code: 13, errmsg: 'getDefaultRWConcern may only be run against the admin database.' });
    expect(await c.command(secondaries[0]!, { setDefaultRWConcern: 1, defaultWriteConcern: { w: 1 } })).toMatchObject({ ok: 0, codeName: 'NotWritablePrimary' });
    // jstests/replsets/default_write_concern_unset.js (7.0): {} is accepted while unset, refused once set.
    expect((await c.command(primary, { setDefaultRWConcern: 1, defaultWriteConcern: {} })).ok).toBe(1);
    expect((await c.command(primary, { setDefaultRWConcern: 1, defaultWriteConcern: { w: 2, wtimeout: 60 } })).ok).toBe(1);
    expect(await c.command(primary, { setDefaultRWConcern: 1, defaultWriteConcern: {} })).toMatchObject({
      ok: 0,
      code: 20,
      codeName: 'IllegalOperation',
      errmsg: 'The global default write concern cannot be unset once it is set.',
    });
    expect((await c.command(primary, { getDefaultRWConcern: 1 })).defaultWriteConcern).toEqual({ w: 2, wtimeout: 60 });
    c.stopAll();
  });

  it('is refused on a node without --replSet (code 51300)', async () => {
    const clock = new VirtualClock(0);
    const member = new Member({ host: 'morton.local', port: 27017, clock, random: new Random(1), transport: new DirectPeerTransport({ clock, faults: new FaultModel() }) });
    const request = (body: Document): CommandRequest => ({ db: 'admin', body, exhaustAllowed: false, moreToCome: false, connection: { id: 1, remote: 'client' }, signal: new AbortController().signal });
    expect(await member.run(request({ getDefaultRWConcern: 1 }))).toEqual({ ok: 0, errmsg: "'getDefaultRWConcern' is not supported on standalone nodes.", code: 51300, codeName: 'Location51300' });
    expect(await member.run(request({ setDefaultRWConcern: 1, defaultWriteConcern: { w: 1 } }))).toMatchObject({ code: 51300 });
    member.kill();
  });
});

// write_concern.cpp extractWriteConcern: a command without a writeConcern gets the default in
// force; its provenance says which (customDefault for setDefaultRWConcern's, implicitDefault for
// the implicit one), and a writeConcernError names it in errInfo.writeConcern.
describe('the defaults applied to commands', () => {
  it('a write without writeConcern waits for the custom default and its writeConcernError says customDefault', async () => {
    const { c, primary } = await threeMembers(138);
    expect((await c.command(primary, { setDefaultRWConcern: 1, defaultWriteConcern: { w: 3, wtimeout: 500 } })).ok).toBe(1);
    c.kill(c.hosts.find((h) => h !== primary)!);
    const reply = await c.command(primary, { insert: 'c', documents: [{ _id: 1 }] }, { db: 'test' });
    expect(reply).toMatchObject({ ok: 1, n: 1, writeConcernError: { code: 64, codeName: 'WriteConcernFailed', errInfo: { wtimeout: true, writeConcern: { w: 3, wtimeout: 500, provenance: 'customDefault' } } } });
    // The client's own write concern is clientSupplied, and is what is waited for.
    const own = await c.command(primary, { insert: 'c', documents: [{ _id: 2 }], writeConcern: { w: 1 } }, { db: 'test' });
    expect(own).not.toHaveProperty('writeConcernError');
    c.stopAll();
  });

  it('with no custom default, the implicit w:"majority" keeps provenance implicitDefault', async () => {
    const { c, primary } = await threeMembers(139);
    for (const host of c.hosts.filter((h) => h !== primary)) c.kill(host);
    const sent = c.send(primary, { insert: 'c', documents: [{ _id: 1 }] }, { db: 'test' });
    // It steps down for lack of a majority: the wait ends with the step-down's error, naming the write concern.
    await c.advance(15_000);
    const reply = await sent;
    expect(reply.writeConcernError.errInfo.writeConcern).toEqual({ w: 'majority', wtimeout: 0, provenance: 'implicitDefault' });
    c.stopAll();
  });

  it('a custom default read concern majority applies to a find that names none', async () => {
    const { c, primary } = await threeMembers(140);
    expect((await c.command(primary, { setDefaultRWConcern: 1, defaultReadConcern: { level: 'majority' } })).ok).toBe(1);
    await c.advance(2000);
    const secondaries = c.hosts.filter((h) => h !== primary);
    for (const host of secondaries) c.kill(host);
    // Written locally, never majority committed: a majority read does not see it.
    await c.command(primary, { insert: 'c', documents: [{ _id: 'late' }], writeConcern: { w: 1 } }, { db: 'test' });
    const found = await c.command(primary, { find: 'c' }, { db: 'test' });
    expect(found.cursor.firstBatch).toEqual([]);
    const local = await c.command(primary, { find: 'c', readConcern: { level: 'local' } }, { db: 'test' });
    expect(local.cursor.firstBatch).toEqual([{ _id: 'late' }]);
    // `readConcern: {}` is empty (ReadConcernArgs::isEmpty): the default applies to it too.
    expect((await c.command(primary, { find: 'c', readConcern: {} }, { db: 'test' })).cursor.firstBatch).toEqual([]);
    expect((await c.command(primary, { count: 'c' }, { db: 'test' })).n).toBe(0);
    c.stopAll();
  });
});

// Manual, "Write Concern" (w is omitted: the default write concern's w applies) and write_concern.cpp
// extractWriteConcern (isExplicitWithoutWField: w is taken from the default, j too when unset, the
// client's wtimeout stays, and the provenance is the default's).
describe('a writeConcern without w', () => {
  it('takes the custom default\'s w, keeps its own wtimeout, and says customDefault', async () => {
    const { c, primary } = await threeMembers(141);
    expect((await c.command(primary, { setDefaultRWConcern: 1, defaultWriteConcern: { w: 3, wtimeout: 60_000 } })).ok).toBe(1);
    c.kill(c.hosts.find((h) => h !== primary)!);
    const reply = await c.command(primary, { insert: 'c', documents: [{ _id: 1 }], writeConcern: { wtimeout: 300 } }, { db: 'test' });
    expect(reply.writeConcernError).toMatchObject({ codeName: 'WriteConcernFailed', errInfo: { wtimeout: true, writeConcern: { w: 3, wtimeout: 300, provenance: 'customDefault' } } });
    c.stopAll();
  });

  it('takes the implicit default\'s w:"majority" (implicitDefault) when no custom default is set', async () => {
    const { c, primary } = await threeMembers(142);
    for (const host of c.hosts.filter((h) => h !== primary)) c.kill(host);
    const reply = await c.command(primary, { insert: 'c', documents: [{ _id: 1 }], writeConcern: { wtimeout: 200 } }, { db: 'test' });
    expect(reply.writeConcernError).toMatchObject({ codeName: 'WriteConcernFailed', errInfo: { writeConcern: { w: 'majority', wtimeout: 200, provenance: 'implicitDefault' } } });
    c.stopAll();
  });

  it('is w:1, clientSupplied, when the implicit default is w:1 (a set with an arbiter)', async () => {
    const c = new Cluster({ members: 3, seed: 143, memberConfigs: [{}, {}, { arbiterOnly: true }] });
    await c.initiate();
    const primary = await c.waitForPrimary(30_000);
    const reply = await c.command(primary, { insert: 'c', documents: [{ _id: 1 }], writeConcern: { wtimeout: 200 } }, { db: 'test' });
    expect(reply).toMatchObject({ ok: 1, n: 1 });
    expect(reply).not.toHaveProperty('writeConcernError');
    expect(c.member(primary)!.writeConcernFor({ db: 'test', body: { insert: 'c', writeConcern: { wtimeout: 200 } }, exhaustAllowed: false, moreToCome: false, connection: { id: 1, remote: 'client' }, signal: new AbortController().signal })).toEqual({
      w: 1,
      wtimeout: 200,
      provenance: 'clientSupplied',
    });
    c.stopAll();
  });

  it('takes j from the default only when it names none (WriteConcernOptions::toBSON order: w, j, wtimeout)', async () => {
    const { c, primary } = await threeMembers(144);
    const set = await c.command(primary, { setDefaultRWConcern: 1, defaultWriteConcern: { w: 1, j: true } });
    expect(set.defaultWriteConcern).toEqual({ w: 1, j: true, wtimeout: 0 });
    expect(Object.keys(set.defaultWriteConcern)).toEqual(['w', 'j', 'wtimeout']);
    const member = c.member(primary)!;
    const wcOf = (writeConcern?: Document) =>
      member.writeConcernFor({ db: 'test', body: { insert: 'c', ...(writeConcern === undefined ? {} : { writeConcern }) }, exhaustAllowed: false, moreToCome: false, connection: { id: 1, remote: 'client' }, signal: new AbortController().signal });
    expect(wcOf()).toEqual({ w: 1, wtimeout: 0, j: true, provenance: 'customDefault' });
    expect(wcOf({ wtimeout: 5 })).toEqual({ w: 1, wtimeout: 5, j: true, provenance: 'customDefault' });
    expect(wcOf({ j: false })).toEqual({ w: 1, wtimeout: 0, j: false, provenance: 'customDefault' });
    expect(wcOf({ w: 2 })).toEqual({ w: 2, wtimeout: 0, provenance: 'clientSupplied' });
    // Another member's command (an internal client) gets no default.
    expect(member.writeConcernFor({ db: 'test', body: { insert: 'c' }, exhaustAllowed: false, moreToCome: false, connection: { id: 2, remote: 'peer', internalClient: true }, signal: new AbortController().signal })).toEqual({
      w: 1,
      wtimeout: 0,
      provenance: 'implicitDefault',
    });
    c.stopAll();
  });
});

describe('errInfo.writeConcern', () => {
  it('names j when the write concern has it (WriteConcernOptions::toBSON: w, j, wtimeout, provenance)', async () => {
    const { c, primary } = await threeMembers(145);
    c.kill(c.hosts.find((h) => h !== primary)!);
    const reply = await c.command(primary, { insert: 'c', documents: [{ _id: 1 }], writeConcern: { w: 3, j: true, wtimeout: 200 } }, { db: 'test' });
    expect(reply.writeConcernError.errInfo.writeConcern).toEqual({ w: 3, j: true, wtimeout: 200, provenance: 'clientSupplied' });
    expect(Object.keys(reply.writeConcernError.errInfo.writeConcern)).toEqual(['w', 'j', 'wtimeout', 'provenance']);
    c.stopAll();
  });
});

// replication_coordinator_impl.cpp _doReplSetReconfig (MongoDB 5.0+; manual, "Replica Set
// Configuration" / rs.addArb: set the global default write concern before a reconfig that would
// change the implicit default): refused, forced or not, while no cluster-wide default is set.
describe('replSetReconfig and the implicit default write concern', () => {
  it('adding an arbiter that makes the implicit default w:1 needs setDefaultRWConcern first (NewReplicaSetConfigurationIncompatible)', async () => {
    const c = new Cluster({ members: 3, seed: 146 });
    const [a, b, arb] = c.hosts as [string, string, string];
    await c.initiate({ _id: 'rs0', members: [{ _id: 0, host: a }, { _id: 1, host: b }] });
    const primary = await c.waitForPrimary(30_000);
    await c.waitForConfigCommitted();
    const { config } = await c.command(primary, { replSetGetConfig: 1 });
    const withArbiter = { ...config, version: config.version + 1, members: [...config.members, { _id: 2, host: arb, arbiterOnly: true }] };
    const message = 'Reconfig attempted to install a config that would change the implicit default write concern. Use the setDefaultRWConcern command to set a cluster-wide write concern and try the reconfig again.';
    expect(await c.command(primary, { replSetReconfig: withArbiter })).toMatchObject({ ok: 0, code: 103, codeName: 'NewReplicaSetConfigurationIncompatible', errmsg: message });
    expect(await c.command(primary, { replSetReconfig: withArbiter, force: true })).toMatchObject({ ok: 0, code: 103, errmsg: message });
    expect((await c.command(primary, { replSetGetConfig: 1 })).config.members).toHaveLength(2);
    expect((await c.command(primary, { setDefaultRWConcern: 1, defaultWriteConcern: { w: 1 } })).ok).toBe(1);
    expect(await c.command(primary, { replSetReconfig: withArbiter })).toMatchObject({ ok: 1 });
    expect((await c.command(primary, { replSetGetConfig: 1 })).config.members).toHaveLength(3);
    c.stopAll();
  });

  it('a reconfig that keeps the implicit default needs no custom default', async () => {
    const { c, primary } = await threeMembers(147);
    const { config } = await c.command(primary, { replSetGetConfig: 1 });
    const next = { ...config, version: config.version + 1, members: config.members.map((m: Document, i: number) => (i === 2 ? { ...m, priority: 0 } : m)) };
    expect(await c.command(primary, { replSetReconfig: next })).toMatchObject({ ok: 1 });
    c.stopAll();
  });
});

// service_entry_point_common.cpp _extractReadConcern: the default applies to a transaction's first
// statement (startTransaction) when the command permits it (find, aggregate, count, distinct; not the
// write commands), and then a level a transaction cannot run at is InvalidOptions, as if it had been sent.
describe('the default read concern and transactions', () => {
  it('a custom default "available" is refused at a transaction\'s first find, as if it had been sent; an insert starting one takes no default', async () => {
    const { c, primary } = await threeMembers(149);
    expect((await c.command(primary, { setDefaultRWConcern: 1, defaultReadConcern: { level: 'available' } })).ok).toBe(1);
    const lsid = { id: new UUID() };
    const reply = await c.command(primary, { find: 'c', lsid, txnNumber: Long.fromNumber(1), autocommit: false, startTransaction: true }, { db: 'test' });
    expect(reply).toMatchObject({ ok: 0, codeName: 'InvalidOptions', errmsg: "The readConcern level must be either 'local' (default), 'majority' or 'snapshot' in order to run in a transaction" });
    const insert = await c.command(primary, { insert: 'c', documents: [{ _id: 1 }], lsid, txnNumber: Long.fromNumber(2), autocommit: false, startTransaction: true }, { db: 'test' });
    expect(insert.ok).toBe(1);
    c.stopAll();
  });
});
