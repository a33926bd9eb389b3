import type { Document } from 'bson';
import { describe, expect, it } from 'vitest';
import { VirtualClock, drainMicrotasks } from '../../src/clock/virtual';
import { createMemberCrudCommands } from '../../src/commands/crud';
import type { CommandRequest } from '../../src/commands/handler';
import { Member } from '../../src/member/member';
import { DirectPeerTransport } from '../../src/member/transport';
import { FaultModel } from '../../src/net/faults';
import { Random } from '../../src/random/random';
import { CHECKPOINT_FILE_NAME, Journal, JournalError, encodeFrame, scanFrames } from '../../src/storage/journal';
import type { JournalLimits } from '../../src/storage/journal';
import { MemoryJournalFileSystem } from '../../src/storage/journalFs';
import type { Storage } from '../../src/storage/storage';
import { Cluster } from '../../src/harness/cluster';
import { replSetConfigCodec } from '../../src/repl/config';
import type { ReplSetConfig } from '../../src/repl/config';

const DB = '/data/db';
const DIR = `${DB}/journal`;

function request(db: string, body: Document): CommandRequest {
  return { db, body, exhaustAllowed: false, moreToCome: false, connection: { id: 1, remote: 'client' }, signal: new AbortController().signal };
}

interface Logged {
  s: string;
  msg: string;
  attr?: Document;
}

/** One member on a MemoryJournalFileSystem: `open` again on the same fs is a restart. */
function open(fs: MemoryJournalFileSystem, clock: VirtualClock, options: { limits?: Partial<JournalLimits>; seed?: number } = {}) {
  const logs: Logged[] = [];
  const journal = new Journal({
    fs,
    configCodec: replSetConfigCodec,
    dbpath: DB,
    clock,
    log: (s, line, attr) => logs.push({ s, msg: line.msg, ...(attr === undefined ? {} : { attr }) }),
    storageOptions: { now: () => clock.now() },
    limits: options.limits,
    onFatal: (error) => {
      throw error;
    },
  });
  const member = new Member({
    host: 'localhost',
    port: 27017,
    replSet: 'rs0',
    clock,
    random: new Random(options.seed ?? 1),
    transport: new DirectPeerTransport({ clock, faults: new FaultModel() }),
    storage: journal.storage,
    persisted: journal.persisted,
    journal,
    crud: createMemberCrudCommands({ storage: journal.storage, now: () => clock.now() }),
  });
  journal.attach({ commitPoint: () => member.repl.commitPoint, flushed: () => member.repl.journalFlushed() });
  return { journal, member, logs };
}

async function settle(clock: VirtualClock, millis = 200): Promise<void> {
  await clock.advanceAsync(millis, () => drainMicrotasks());
}

async function primary(fs: MemoryJournalFileSystem, clock: VirtualClock, limits?: Partial<JournalLimits>) {
  const opened = open(fs, clock, { limits });
  expect((await opened.member.run(request('admin', { replSetInitiate: {} }))).ok).toBe(1);
  await settle(clock);
  expect(opened.member.repl.isWritablePrimary).toBe(true);
  return opened;
}

async function find(member: Member, filter: Document = {}): Promise<Document[]> {
  const reply = await member.run(request('test', { find: 'c', filter, sort: { _id: 1 } }));
  expect(reply.ok).toBe(1);
  return (reply.cursor as Document).firstBatch as Document[];
}

/** Three members, each with a journal on its own in-memory disk (`disks`: replace one to wipe it). */
function journaledCluster(): { c: Cluster; clock: VirtualClock; disks: Map<string, MemoryJournalFileSystem>; journals: Map<string, Journal<ReplSetConfig>> } {
  const disks = new Map<string, MemoryJournalFileSystem>();
  const journals = new Map<string, Journal<ReplSetConfig>>();
  const clock = new VirtualClock(1_700_000_000_000);
  const c = new Cluster({
    clock,
    members: 3,
    seed: 3,
    crud: createMemberCrudCommands(),
    recover: (host) => {
      let disk = disks.get(host);
      if (!disk) disks.set(host, (disk = new MemoryJournalFileSystem()));
      const journal = new Journal({ fs: disk, configCodec: replSetConfigCodec, dbpath: `/data/${host}`, clock, log: () => undefined, storageOptions: { now: () => clock.now() }, onFatal: (e) => { throw e; } });
      journals.set(host, journal);
      return {
        storage: journal.storage,
        persisted: journal.persisted,
        journal,
        started: (member) => journal.attach({ commitPoint: () => member.repl.commitPoint, flushed: () => member.repl.journalFlushed() }),
      };
    },
  });
  return { c, clock, disks, journals };
}

describe('journal frames', () => {
  it('round-trips payloads and stops at the first torn, lying or corrupt frame', () => {
    const a = encodeFrame(new Uint8Array([1, 2, 3]));
    const b = encodeFrame(new Uint8Array(100).fill(7));
    const both = new Uint8Array([...a, ...b]);
    const scan = scanFrames(both, 1000);
    expect(scan.badTail).toBeUndefined();
    expect(scan.frames.map((f) => f.length)).toEqual([3, 100]);
    expect(scan.validBytes).toBe(both.length);
    // Cut anywhere inside the second frame: the first survives, the rest is a bad tail.
    for (let cut = a.length + 1; cut < both.length; cut++) {
      const torn = scanFrames(both.subarray(0, cut), 1000);
      expect(torn.frames.length).toBe(1);
      expect(torn.validBytes).toBe(a.length);
      expect(torn.badTail).toBeDefined();
    }
    // Any flipped byte of the second frame (length, CRC or payload) is caught.
    for (let i = a.length; i < both.length; i++) {
      const bad = both.slice();
      bad[i] = (bad[i] as number) ^ 0x40;
      const scanned = scanFrames(bad, 1000);
      expect(scanned.frames.length, `byte ${i}`).toBe(1);
      expect(scanned.badTail).toBeDefined();
    }
    expect(scanFrames(both, 50).badTail).toMatch(/over the limit of 50/);
  });
});

describe('Journal on a member', () => {
  it('j:true is synced before the reply; a restart finds the data, term, config and comes back as primary', async () => {
    const fs = new MemoryJournalFileSystem();
    const clock = new VirtualClock(0);
    const { member, journal } = await primary(fs, clock);
    const term = member.repl.term;
    fs.holdSyncs = true;
    let replied = false;
    const pending = member.run(request('test', { insert: 'c', documents: [{ _id: 1, x: 'a' }], writeConcern: { w: 1, j: true } })).then((r) => {
      replied = true;
      return r;
    });
    await drainMicrotasks();
    expect(replied).toBe(false);
    fs.releaseSyncs();
    expect(await pending).toMatchObject({ ok: 1, n: 1 });
    expect(journal.durableOpTime()).toEqual(member.repl.lastApplied);
    // Power cut right after the acknowledgement: the write is on disk.
    fs.crash();
    member.kill();
    const clock2 = new VirtualClock(60_000);
    const again = open(fs, clock2, { seed: 2 });
    expect(again.journal.recovery.bytesCut).toBe(0);
    expect(again.member.repl.term).toBe(term);
    expect(again.member.repl.config?._id).toBe('rs0');
    expect(again.member.repl.state).toBe('SECONDARY');
    await settle(clock2);
    expect(again.member.repl.state).toBe('PRIMARY');
    expect(again.member.repl.term).toBe(term + 1);
    expect(await find(again.member)).toEqual([{ _id: 1, x: 'a' }]);
  });

  it('w:1 without j is group-committed: lost if the machine dies within the commit interval, kept after it', async () => {
    const early = new MemoryJournalFileSystem();
    const a = await primary(early, new VirtualClock(0));
    for (let i = 0; i < 5; i++) expect(await a.member.run(request('test', { insert: 'c', documents: [{ _id: i }], writeConcern: { w: 1 } }))).toMatchObject({ n: 1 });
    early.crash();
    a.member.kill();
    const aClock = new VirtualClock(9_000_000);
    const aAgain = open(early, aClock, { seed: 2 });
    await settle(aClock);
    expect(await find(aAgain.member)).toEqual([]);

    const fs = new MemoryJournalFileSystem();
    const clock = new VirtualClock(0);
    const { member } = await primary(fs, clock);
    const syncs = fs.syncCount;
    for (let i = 0; i < 20; i++) expect(await member.run(request('test', { insert: 'c', documents: [{ _id: i }], writeConcern: { w: 1 } }))).toMatchObject({ n: 1 });
    expect(fs.syncCount).toBe(syncs);
    await settle(clock, 100);
    // One sync for all twenty writes.
    expect(fs.syncCount).toBe(syncs + 1);
    fs.crash();
    member.kill();
    const clock2 = new VirtualClock(9_000_000);
    const again = open(fs, clock2, { seed: 3 });
    await settle(clock2);
    expect((await find(again.member)).length).toBe(20);
  });

  it('cuts a torn tail with a log line, never reads it, and appends after the cut', async () => {
    const fs = new MemoryJournalFileSystem();
    const clock = new VirtualClock(0);
    const { member } = await primary(fs, clock);
    await member.run(request('test', { insert: 'c', documents: [{ _id: 'kept' }], writeConcern: { j: true } }));
    await member.run(request('test', { insert: 'c', documents: [{ _id: 'torn' }], writeConcern: { w: 1 } }));
    // The last record is half written when the power goes.
    const file = `${DIR}/journal.0000000001`;
    const durableBytes = fs.readFile(file).length;
    fs.crash(0);
    const synced = fs.readFile(file).length;
    expect(durableBytes).toBeGreaterThan(0);
    member.kill();
    // Rebuild the torn state: the synced bytes plus the first 11 bytes of an unsynced record.
    const frame = encodeFrame(new Uint8Array(60).fill(9));
    fs.setFile(file, new Uint8Array([...fs.readFile(file), ...frame.subarray(0, 11)]));
    const again = open(fs, new VirtualClock(100_000), { seed: 3 });
    expect(again.journal.recovery.bytesCut).toBe(11);
    expect(fs.readFile(file).length).toBe(synced);
    const line = again.logs.find((l) => l.s === 'W' && /torn or corrupt/.test(l.msg));
    expect(line?.attr).toMatchObject({ bytesCut: 11, validBytes: synced });
    await settle(again.member.clock as VirtualClock);
    expect((await find(again.member)).map((d) => d._id)).toEqual(['kept']);
    await again.member.run(request('test', { insert: 'c', documents: [{ _id: 'after' }], writeConcern: { j: true } }));
    again.member.kill();
    const third = open(fs, new VirtualClock(200_000), { seed: 4 });
    expect(third.journal.recovery.bytesCut).toBe(0);
    await settle(third.member.clock as VirtualClock);
    expect((await find(third.member)).map((d) => d._id)).toEqual(['after', 'kept']);
  });

  it('a flipped byte in the last record is a checksum mismatch: cut, not data', async () => {
    const fs = new MemoryJournalFileSystem();
    const clock = new VirtualClock(0);
    const { member } = await primary(fs, clock);
    await member.run(request('test', { insert: 'c', documents: [{ _id: 1 }], writeConcern: { j: true } }));
    await member.run(request('test', { insert: 'c', documents: [{ _id: 2, v: 'xxxxxxxx' }], writeConcern: { j: true } }));
    member.kill();
    const file = `${DIR}/journal.0000000001`;
    const bytes = fs.readFile(file);
    bytes[bytes.length - 12] = (bytes[bytes.length - 12] as number) ^ 1;
    fs.setFile(file, bytes);
    const again = open(fs, new VirtualClock(100_000), { seed: 5 });
    expect(again.logs.find((l) => l.s === 'W')?.attr).toMatchObject({ reason: 'checksum mismatch' });
    await settle(again.member.clock as VirtualClock);
    expect((await find(again.member)).map((d) => d._id)).toEqual([1]);
  });

  it('refuses to start when a damaged record is followed by valid ones (corrupt, not torn)', async () => {
    const fs = new MemoryJournalFileSystem();
    const clock = new VirtualClock(0);
    const { member } = await primary(fs, clock);
    await member.run(request('test', { insert: 'c', documents: [{ _id: 1, v: 'aaaaaaaa' }], writeConcern: { j: true } }));
    const file = `${DIR}/journal.0000000001`;
    const damageAt = fs.readFile(file).length - 12;
    await member.run(request('test', { insert: 'c', documents: [{ _id: 2 }], writeConcern: { j: true } }));
    member.kill();
    const bytes = fs.readFile(file);
    bytes[damageAt] = (bytes[damageAt] as number) ^ 1;
    fs.setFile(file, bytes);
    expect(() => open(fs, new VirtualClock(100_000))).toThrow(/followed by valid records/);
  });

  it('checkpoints past the journal limit, removes covered journals, and recovers the same data with rollback-able entries', async () => {
    const fs = new MemoryJournalFileSystem();
    const clock = new VirtualClock(0);
    const limits = { checkpointJournalBytesMin: 4096 };
    const { member, journal } = await primary(fs, clock, limits);
    for (let i = 0; i < 200; i++) {
      await member.run(request('test', { insert: 'c', documents: [{ _id: i, pad: 'p'.repeat(40) }], writeConcern: { w: 1 } }));
      if (i % 20 === 0) await settle(clock, 100);
    }
    await member.run(request('test', { update: 'c', updates: [{ q: { _id: 3 }, u: { $set: { changed: true } } }], writeConcern: { j: true } }));
    await settle(clock, 100);
    expect(journal.journalGeneration).toBeGreaterThan(1);
    const names = fs.list(DIR);
    expect(names).toContain(CHECKPOINT_FILE_NAME);
    expect(names.filter((n) => n.startsWith('journal.'))).toEqual([`journal.${String(journal.journalGeneration).padStart(10, '0')}`]);
    const digest = member.storage.dataDigest();
    const oplogLength = member.repl.oplog.length;
    member.kill();
    const again = open(fs, new VirtualClock(500_000), { seed: 6 });
    expect(again.journal.recovery.checkpointLoaded).toBe(true);
    expect(again.member.storage.dataDigest()).toBe(digest);
    expect(again.member.repl.oplog.length).toBe(oplogLength);
    // Entries after the checkpoint's base were re-applied: they can still be undone.
    const last = again.member.repl.oplog.last()!;
    expect(last.undo).toBeDefined();
    // A clean close checkpoints everything and leaves one empty journal.
    await again.journal.close();
    const third = open(fs, new VirtualClock(900_000), { seed: 7 });
    expect(third.journal.recovery.recordsReplayed).toBe(0);
    expect(third.member.storage.dataDigest()).toBe(digest);
  });

  it('merges a group commit into oplog records no larger than journalRecordBytesMax', async () => {
    const fs = new MemoryJournalFileSystem();
    const clock = new VirtualClock(0);
    const { member } = await primary(fs, clock, { journalRecordBytesMax: 2048 });
    for (let i = 0; i < 30; i++) await member.run(request('test', { insert: 'c', documents: [{ _id: i, pad: 'x'.repeat(200) }], writeConcern: { w: 1 } }));
    await settle(clock, 100);
    const scan = scanFrames(fs.readFile(`${DIR}/journal.0000000001`), 2048);
    expect(scan.badTail).toBeUndefined();
    // 30 entries of ~300 bytes: several records, each under the limit, fewer than one per write.
    const oplogRecords = scan.frames.length - 1 - 3;
    expect(oplogRecords).toBeGreaterThan(3);
    expect(oplogRecords).toBeLessThan(30);
    member.kill();
    const clock2 = new VirtualClock(60_000);
    const again = open(fs, clock2, { seed: 9, limits: { journalRecordBytesMax: 2048 } });
    await settle(clock2);
    expect((await find(again.member)).length).toBe(30);
  });

  it('a clean close waits for a group commit in flight before it checkpoints and rotates', async () => {
    const fs = new MemoryJournalFileSystem();
    const clock = new VirtualClock(0);
    const { member, journal } = await primary(fs, clock);
    await member.run(request('test', { insert: 'c', documents: [{ _id: 'in-flight' }], writeConcern: { w: 1 } }));
    fs.holdSyncs = true;
    await settle(clock, 100);
    let closed = false;
    const closing = journal.close().then(() => (closed = true));
    await drainMicrotasks();
    expect(closed).toBe(false);
    fs.releaseSyncs();
    await closing;
    member.kill();
    expect(fs.list(DIR).sort()).toEqual([CHECKPOINT_FILE_NAME, 'journal.0000000002']);
    const clock2 = new VirtualClock(60_000);
    const again = open(fs, clock2, { seed: 8 });
    expect(again.journal.recovery).toMatchObject({ checkpointLoaded: true, recordsReplayed: 0 });
    await settle(clock2);
    expect(await find(again.member)).toEqual([{ _id: 'in-flight' }]);
  });

  it('without replication, writes are journaled as plain ops and replayed', async () => {
    const clock = new VirtualClock(0);
    const fs = new MemoryJournalFileSystem();
    const mk = () => {
      const journal = new Journal({ fs, configCodec: replSetConfigCodec, dbpath: DB, clock, log: () => undefined, storageOptions: { now: () => clock.now() }, onFatal: (e) => { throw e; } });
      const m = new Member({ host: 'localhost', port: 27017, clock, random: new Random(9), transport: new DirectPeerTransport({ clock, faults: new FaultModel() }), storage: journal.storage, journal, crud: createMemberCrudCommands({ storage: journal.storage, now: () => clock.now() }) });
      return { journal, m };
    };
    const first = mk();
    await first.m.run(request('test', { insert: 'c', documents: [{ _id: 1 }, { _id: 2 }], writeConcern: { j: true } }));
    await first.m.run(request('test', { update: 'c', updates: [{ q: { _id: 2 }, u: { $set: { y: 1 } }, upsert: true }], writeConcern: { j: true } }));
    await first.m.run(request('test', { delete: 'c', deletes: [{ q: { _id: 1 }, limit: 1 }], writeConcern: { j: true } }));
    first.m.kill();
    const second = mk();
    expect(await find(second.m)).toEqual([{ _id: 2, y: 1 }]);
  });

  it('refuses a damaged checkpoint instead of starting with wrong data', () => {
    const fs = new MemoryJournalFileSystem();
    fs.setFile(`${DIR}/${CHECKPOINT_FILE_NAME}`, encodeFrame(new Uint8Array(5)));
    expect(() => open(fs, new VirtualClock(0))).toThrow(JournalError);
  });
});

describe('Journal in a replica set (virtual network)', () => {
  // Seed 1000426: where initial sync left the data consistent (mongod's initialDataTimestamp,
  // kept by its storage engine across restarts) must survive a restart, from the journal and from
  // a checkpoint, or a restarted member would roll back past it and undo into cloned data.
  // mongod sizes the oplog when it creates it and keeps that size, or replSetResizeOplog's, in the
  // oplog's collection options (resize_oplog.cpp updateCappedSize): a restart finds it either way.
  it('journals and checkpoints the oplog size: the one it was created with, then replSetResizeOplog\'s', async () => {
    const fs = new MemoryJournalFileSystem();
    const clock = new VirtualClock(0);
    const { member, journal } = await primary(fs, clock);
    expect(journal.persisted.oplogSizeBytes).toBe(990 * 1024 * 1024);
    expect((await member.run(request('admin', { replSetResizeOplog: 1, size: 2000 }))).ok).toBe(1);
    member.kill();
    journal.abandon();
    const replayed = open(fs, new VirtualClock(60_000), { seed: 2 });
    expect(replayed.journal.recovery.checkpointLoaded).toBe(false);
    expect(replayed.journal.persisted.oplogSizeBytes).toBe(2000 * 1024 * 1024);
    await replayed.journal.close();
    replayed.member.kill();
    const fromCheckpoint = open(fs, new VirtualClock(120_000), { seed: 3 });
    expect(fromCheckpoint.journal.recovery).toMatchObject({ checkpointLoaded: true, recordsReplayed: 0 });
    expect(fromCheckpoint.journal.persisted.oplogSizeBytes).toBe(2000 * 1024 * 1024);
    expect(fromCheckpoint.member.repl.oplogSizeBytes).toBe(2000 * 1024 * 1024);
    fromCheckpoint.member.kill();
  });

  it('journals and checkpoints initialDataOpTime: a restart finds it either way', async () => {
    const fs = new MemoryJournalFileSystem();
    const clock = new VirtualClock(0);
    const { member, journal } = await primary(fs, clock);
    expect(journal.persisted.initialDataOpTime).toBeUndefined();
    const point = member.repl.lastApplied;
    journal.persisted.initialDataOpTime = point;
    journal.replStateChanged('initialData', journal.persisted);
    member.kill();
    journal.abandon();
    const replayed = open(fs, new VirtualClock(60_000), { seed: 2 });
    expect(replayed.journal.recovery.checkpointLoaded).toBe(false);
    expect(replayed.journal.persisted.initialDataOpTime).toEqual(point);
    await replayed.journal.close();
    replayed.member.kill();
    const fromCheckpoint = open(fs, new VirtualClock(120_000), { seed: 3 });
    expect(fromCheckpoint.journal.recovery).toMatchObject({ checkpointLoaded: true, recordsReplayed: 0 });
    expect(fromCheckpoint.journal.persisted.initialDataOpTime).toEqual(point);
    fromCheckpoint.member.kill();
  });

  it('collection UUIDs survive a restart from the journal on every member (oplog `ui` replayed, create entries applied with it)', async () => {
    // catalog/collection_options.h: the UUID is part of the collection's durable catalog entry,
    // so a restarted mongod lists the same one (list_collections.cpp `info.uuid`).
    const { c } = journaledCluster();
    await c.initiate();
    const primary = await c.waitForPrimary(30_000);
    await c.command(primary, { create: 'explicit', writeConcern: { w: 3 } }, { db: 'test' });
    await c.insert([{ _id: 1 }], { writeConcern: { w: 3, wtimeout: 5000 } });
    const uuidsOf = (host: string): string[] => {
      const storage = c.storage(host) as Storage;
      return storage.listCollections('test').map((coll) => `${coll.name} ${Buffer.from(coll.uuid.buffer).toString('hex')}`);
    };
    const before = uuidsOf(primary);
    expect(before).toHaveLength(2);
    for (const host of c.hosts) expect(uuidsOf(host)).toEqual(before);
    // Past the group commit interval: the journals hold every write.
    await c.advance(1000);
    for (const host of c.hosts) c.kill(host);
    for (const host of c.hosts) c.start(host);
    for (const host of c.hosts) expect(uuidsOf(host)).toEqual(before);
    c.stopAll();
  });

  it('each member’s local.oplog.rs and local.system.replset UUIDs survive a restart from the journal and from a checkpoint', async () => {
    // Every collection has a durable UUID in its catalog entry, the local ones too
    // (list_collections.cpp buildCollectionBson shows it for local.oplog.rs); they are made on each
    // member when it first gets a config (initializeReplSetStorage / initial sync), so members differ.
    const { c, journals } = journaledCluster();
    await c.initiate();
    await c.waitForPrimary(30_000);
    const localUuids = async (host: string): Promise<string[]> => {
      const reply = await c.command(host, { listCollections: 1, $readPreference: { mode: 'secondaryPreferred' } }, { db: 'local' });
      return ((reply.cursor as Document).firstBatch as Document[]).map((entry) => `${String(entry.name)} ${Buffer.from(((entry.info as Document).uuid as { buffer: Uint8Array }).buffer).toString('hex')}`);
    };
    const before = new Map<string, string[]>();
    for (const host of c.hosts) before.set(host, await localUuids(host));
    const all = [...before.values()].flat();
    expect(all).toHaveLength(6);
    expect(new Set(all.map((line) => line.split(' ')[1])).size).toBe(6);
    await c.advance(1000);
    for (const host of c.hosts) c.kill(host);
    for (const host of c.hosts) c.start(host);
    await c.waitForPrimary(30_000);
    for (const host of c.hosts) expect(await localUuids(host)).toEqual(before.get(host));
    // From a checkpoint: the header carries them.
    for (const host of c.hosts) await journals.get(host)!.checkpoint();
    for (const host of c.hosts) c.kill(host);
    for (const host of c.hosts) c.start(host);
    await c.waitForPrimary(30_000);
    for (const host of c.hosts) expect(await localUuids(host)).toEqual(before.get(host));
    c.stopAll();
  });

  it('a rollback is journaled: the rolled-back member restarts with the same data, oplog and rollback file', async () => {
    const { c, clock } = journaledCluster();
    await c.initiate();
    const a = await c.waitForPrimary(30_000);
    const [b, d] = c.hosts.filter((h) => h !== a) as [string, string];
    expect((await c.insert([{ _id: 'committed' }], { writeConcern: { w: 'majority', wtimeout: 5000 } })).writeConcernError).toBeUndefined();
    // Secondaries report what their journal has made durable, and flush right after applying:
    // a w:majority write does not wait for the 100 ms commit interval.
    await c.advance(1000);
    expect(c.running(b).repl.lastDurable).toEqual(c.running(b).repl.lastApplied);
    const before = clock.now();
    expect((await c.insert([{ _id: 'quick' }], { writeConcern: { w: 'majority', wtimeout: 5000 } })).writeConcernError).toBeUndefined();
    expect(clock.now() - before).toBeLessThan(50);
    c.partition([a], [b, d]);
    expect(await c.insert([{ _id: 'lost' }], { host: a, writeConcern: { w: 1 } })).toMatchObject({ ok: 1, n: 1 });
    await c.waitFor(() => c.state(a) === 'SECONDARY', 15_000);
    await c.waitForPrimary(30_000);
    await c.insert([{ _id: 'new' }], { writeConcern: { w: 'majority', wtimeout: 5000 } });
    c.healAll();
    await c.advance(15_000);
    expect(c.persistedState(a).rollbackFiles.length).toBe(1);
    const digest = (c.storage(a) as Storage).dataDigest();
    expect(digest).toBe((c.storage(b) as Storage).dataDigest());
    const oplogLength = c.persistedState(a).oplog.length;
    c.kill(a);
    c.start(a);
    expect((c.storage(a) as Storage).dataDigest()).toBe(digest);
    expect(c.persistedState(a).oplog.length).toBe(oplogLength);
    expect(c.persistedState(a).rollbackFiles[0]?.documents.map((x) => x.doc?._id)).toEqual(['lost']);
    expect(c.persistedState(a).rbid).toBe(2);
    await c.advance(5000);
    expect(c.state(a)).toBe('SECONDARY');
    c.stopAll();
  });
});

describe('Journal checkpoints after an initial sync', () => {
  // Seeds 1004630 and 1007642 (nightly): a member shut down cleanly (kill -15) just after its
  // initial sync, while the set had not committed the entry initial sync noted before cloning
  // (beginApplyingTimestamp). The checkpoint went back to the commit point, which meant undoing
  // that entry, whose effect came by the clone: "entry 0 to undo ... has no undo information".
  // mongod never checkpoints data older than the initial data point (wiredtiger_kv_engine.cpp:
  // full unstable checkpoints during initial sync, no stable one before initialDataTimestamp).
  function openBare(fs: MemoryJournalFileSystem, clock: VirtualClock): Journal<unknown> {
    const journal = new Journal({ fs, configCodec: replSetConfigCodec, dbpath: DB, clock, log: () => undefined, storageOptions: { now: () => clock.now() }, onFatal: (e) => { throw e; } });
    // The set's commit point is still before everything this member holds.
    journal.attach({ commitPoint: () => ({ ts: 0, t: -1 }), flushed: () => undefined });
    return journal as Journal<unknown>;
  }

  it.each([['during the oplog application phase', false], ['once initial sync is done (initialDataOpTime)', true]])('a clean close %s checkpoints without undoing the cloned begin entry, and a restart recovers the same data', async (_when, done) => {
    const fs = new MemoryJournalFileSystem();
    const clock = new VirtualClock(0);
    const journal = openBare(fs, clock);
    // The clone: the source's documents, then its last entry (already in them) starts our oplog.
    const cloned = [{ op: 'c' as const, ns: 'test.$cmd', o: { create: 'c' } }, { op: 'i' as const, ns: 'test.c', o: { _id: 1, v: 2 } }];
    journal.storage.applyOps(cloned);
    journal.dataCloned(cloned);
    const begin = { op: 'u' as const, ns: 'test.c', o: { $v: 2, diff: { u: { v: 2 } } }, o2: { _id: 1 }, ts: 100 * 2 ** 20 + 1, t: 1, wallMillis: 100_000 };
    journal.persisted.oplog.append(begin);
    journal.oplogAppended([begin], true);
    // The oplog application phase applies what the source wrote during the clone.
    const fetched = { op: 'i' as const, ns: 'test.c', o: { _id: 2 }, ts: 100 * 2 ** 20 + 2, t: 1, wallMillis: 100_001 };
    journal.storage.applyOps([fetched]);
    journal.persisted.oplog.append(fetched);
    journal.oplogAppended([fetched], true);
    if (done) {
      journal.persisted.initialDataOpTime = { ts: fetched.ts, t: fetched.t };
      journal.replStateChanged('initialData', journal.persisted);
    }
    const digest = journal.storage.dataDigest();
    await journal.close();
    const again = openBare(fs, new VirtualClock(1000));
    expect(again.recovery.checkpointLoaded).toBe(true);
    expect(again.storage.dataDigest()).toBe(digest);
    expect(again.persisted.oplog.length).toBe(2);
  });
});

describe('Journal: a restart in the middle of an initial sync', () => {
  // mongod sets the initialSyncFlag before cloning and clears it at the end; a member that
  // restarts with it set starts initial sync again (startup_recovery.cpp: "The node did not
  // complete the last initial sync. We should attempt initial sync again."). The simulated member
  // came back SECONDARY from half an initial sync, with no initial data point: it could then roll
  // back into its clone (undoing the begin entry, which has no undo information) or be elected with
  // data its oplog does not account for.
  it('a member killed during the oplog application phase restarts in STARTUP2 and syncs again', async () => {
    const { c, disks } = journaledCluster();
    await c.initiate();
    const a = await c.waitForPrimary(30_000);
    const b = c.hosts.find((h) => h !== a)!;
    for (let i = 0; i < 5; i++) await c.insert([{ _id: i }], { writeConcern: { w: 'majority', wtimeout: 5000 } });
    // Resync b (an empty dbpath), slowly enough to stop it between the clone and the end.
    c.kill(b);
    disks.set(b, new MemoryJournalFileSystem());
    c.start(b);
    c.setDelay(b, a, 200);
    c.setDelay(a, b, 200);
    expect(await c.waitFor(() => c.state(b) === 'STARTUP2' && c.persistedState(b).oplog.length > 0, 30_000)).toBe(true);
    expect(c.persistedState(b).initialSyncFlag).toBe(true);
    c.kill(b);
    c.start(b);
    expect(c.state(b)).toBe('STARTUP2');
    expect(c.persistedState(b).oplog.length).toBe(0);
    c.clearDelays();
    expect(await c.waitFor(() => c.state(b) === 'SECONDARY', 30_000)).toBe(true);
    expect(c.persistedState(b).initialSyncFlag).toBe(false);
    expect(c.persistedState(b).initialDataOpTime).toBeDefined();
    await c.insert([{ _id: 'after' }], { writeConcern: { w: 3, wtimeout: 5000 } });
    expect((c.storage(b) as Storage).dataDigest()).toBe((c.storage(a) as Storage).dataDigest());
    // The journal holds the second sync only: another restart finds the same oplog and data.
    const oplogLength = c.persistedState(b).oplog.length;
    c.kill(b);
    c.start(b);
    expect(c.state(b)).not.toBe('STARTUP2');
    expect(c.persistedState(b).oplog.length).toBe(oplogLength);
    expect((c.storage(b) as Storage).dataDigest()).toBe((c.storage(a) as Storage).dataDigest());
    c.stopAll();
  }, 60_000);
});
