import type { Document } from 'bson';
import { tsToBson } from '../../src/base/optime';
import { describe, expect, it } from 'vitest';
import { createMemberCrudCommands } from '../../src/commands/crud';
import { notWritablePrimary, serverError } from '../../src/base/errors';
import type { CommandRequest } from '../../src/commands/handler';
import type { CrudContext } from '../../src/commands/crud/context';
import type { OpTime } from '../../src/base/optime';
import { compareOpTime } from '../../src/base/optime';
import { Random } from '../../src/random/random';
import { Storage } from '../../src/storage';

function request(db: string, body: Document, connectionId = 7): CommandRequest {
  return { db, body, exhaustAllowed: false, moreToCome: false, connection: { id: connectionId, remote: '127.0.0.1:5000' }, signal: new AbortController().signal };
}

/** A stand-in for the member's side: records logged ops as a stamped oplog, primary or not. */
function fakeMember(options: { primary: boolean; secondaryOk?: boolean; writeConcernError?: Document; seed?: number; storage?: Storage }) {
  const logged: Document[][] = [];
  const oplog: Document[] = [];
  const state = { commitPoint: { ts: 0, t: -1 } };
  const context = {
    storage: options.storage,
    entriesAfterCommitPoint: () => oplog.filter((e) => compareOpTime(e as OpTime, state.commitPoint) > 0).reverse(),
    clock: { now: () => 0, setTimer: () => ({ cancel: () => undefined }) },
    checkCanAcceptWrites: (db: string) => {
      if (!options.primary && db !== 'local') throw notWritablePrimary();
    },
    checkCanServeReads: () => {
      if (!options.primary && !options.secondaryOk) throw serverError('NotPrimaryNoSecondaryOk', 'not primary and secondaryOk=false');
    },
    logOps: (ops: readonly Document[]) => {
      logged.push([...ops]);
      for (const op of ops) oplog.push({ ...op, ts: oplog.length + 1, t: 1, wallMillis: 0 });
      return { ts: oplog.length, t: 1 };
    },
    waitForWriteConcern: async () => options.writeConcernError,
    get commitPoint() {
      return state.commitPoint;
    },
    get lastApplied() {
      return { ts: oplog.length, t: 1 };
    },
    clusterTs: () => oplog.length,
    replicaSetMember: true,
    entriesAfterTs: (ts: number) => oplog.filter((e) => (e.ts as number) > ts).reverse(),
    oldestOplogTs: () => (oplog[0]?.ts as number | undefined) ?? 0,
    random: new Random(options.seed ?? 1),
  } as unknown as CrudContext;
  return { context, logged, oplog, state };
}

describe('MemberCrudCommands (the member plug-in)', () => {
  it('lists lowercased command names, as the member dispatches them', () => {
    const crud = createMemberCrudCommands({ storage: new Storage(), now: () => 0 });
    expect(crud.commandNames.has('findandmodify')).toBe(true);
    expect(crud.commandNames.has('getmore')).toBe(true);
    expect(crud.commandNames.has('insert')).toBe(true);
  });

  it('runs writes on a primary and hands their oplog entries to the member', async () => {
    const storage = new Storage();
    const crud = createMemberCrudCommands({ storage, now: () => 0 });
    const { context, logged } = fakeMember({ primary: true });
    const reply = await crud.run('insert', request('test', { insert: 'c', documents: [{ _id: 1 }] }), context);
    // The write's optime (create, then insert: the second entry) is its operationTime.
    expect(reply).toEqual({ n: 1, ok: 1, operationTime: tsToBson(2) });
    expect(logged).toHaveLength(1);
    expect(logged[0]?.map((op) => op.op)).toEqual(['c', 'i']);
    // A read logs nothing.
    await crud.run('find', request('test', { find: 'c' }), context);
    expect(logged).toHaveLength(1);
  });

  it('refuses writes on a secondary before touching storage', async () => {
    const storage = new Storage();
    const crud = createMemberCrudCommands({ storage, now: () => 0 });
    const { context, logged } = fakeMember({ primary: false });
    // The plug-in passes the member's error on unlabelled: RetryableWriteError is added where the
    // member's reply is made, for retryable writes only (commands/errorLabels.ts).
    await expect(crud.run('insert', request('test', { insert: 'c', documents: [{ _id: 1 }] }), context)).rejects.toMatchObject({
      code: 10107,
      errorLabels: [],
    });
    await expect(crud.run('find', request('test', { find: 'c' }), context)).rejects.toMatchObject({ code: 13435 });
    expect(storage.totalDocuments).toBe(0);
    expect(logged).toEqual([]);
    // listDatabases needs no secondaryOk.
    expect((await crud.run('listdatabases', request('admin', { listDatabases: 1 }), context)).ok).toBe(1);
  });

  it('adds the writeConcernError the member reports', async () => {
    const crud = createMemberCrudCommands({ storage: new Storage(), now: () => 0 });
    const wce = { code: 64, codeName: 'WriteConcernFailed', errmsg: 'waiting for replication timed out', errInfo: { wtimeout: true } };
    const { context } = fakeMember({ primary: true, writeConcernError: wce });
    const reply = await crud.run('insert', request('test', { insert: 'c', documents: [{}] }), context);
    expect(reply).toEqual({ n: 1, ok: 1, writeConcernError: wce, operationTime: tsToBson(2) });
  });

  it('seeds server-made ObjectIds from the member Random, so two members never collide', async () => {
    const ids: string[] = [];
    for (const seed of [1, 2]) {
      const storage = new Storage({ now: () => 0 });
      expect(storage.objectIdsSeeded).toBe(false);
      const crud = createMemberCrudCommands({ storage, now: () => 0 });
      const { context } = fakeMember({ primary: true, seed });
      await crud.run('update', request('test', { update: 'c', updates: [{ q: { k: 1 }, u: { $set: { v: 1 } }, upsert: true }] }), context);
      expect(storage.objectIdsSeeded).toBe(true);
      ids.push(String(storage.documents('test', 'c')[0]?._id));
    }
    expect(ids[0]).not.toBe(ids[1]);
  });

  it('serves readConcern majority from the data as of the commit point', async () => {
    const storage = new Storage();
    const crud = createMemberCrudCommands({ storage, now: () => 0 });
    const { context, oplog, state } = fakeMember({ primary: true });
    await crud.run('insert', request('test', { insert: 'c', documents: [{ _id: 1 }] }), context);
    state.commitPoint = { ts: oplog.length, t: 1 };
    await crud.run('insert', request('test', { insert: 'c', documents: [{ _id: 2 }] }), context);
    await crud.run('update', request('test', { update: 'c', updates: [{ q: { _id: 1 }, u: { $set: { late: true } } }] }), context);
    const majority = await crud.run('find', request('test', { find: 'c', readConcern: { level: 'majority' } }), context);
    expect(majority.cursor.firstBatch).toEqual([{ _id: 1 }]);
    expect(majority.operationTime).toEqual(tsToBson(2));
    const local = await crud.run('find', request('test', { find: 'c' }), context);
    expect(local.cursor.firstBatch).toEqual([{ _id: 1, late: true }, { _id: 2 }]);
    expect(storage.documents('test', 'c')).toHaveLength(2);
  });

  it('shared between members, runs each command against its member storage and cursors', async () => {
    const crud = createMemberCrudCommands();
    const a = fakeMember({ primary: true, storage: new Storage(), seed: 1 });
    const b = fakeMember({ primary: true, storage: new Storage(), seed: 2 });
    await crud.run('insert', request('test', { insert: 'c', documents: [{ _id: 'a' }] }), a.context);
    await crud.run('insert', request('test', { insert: 'c', documents: [{ _id: 'b1' }, { _id: 'b2' }] }), b.context);
    expect((a.context.storage as Storage).documents('test', 'c')).toEqual([{ _id: 'a' }]);
    expect((b.context.storage as Storage).totalDocuments).toBe(2);
    const cursor = await crud.run('find', request('test', { find: 'c', batchSize: 1 }), b.context);
    // Cursor ids belong to one member.
    expect(await crud.run('getmore', request('test', { getMore: cursor.cursor.id, collection: 'c' }), a.context)).toMatchObject({ ok: 0, code: 43 });
    expect((await crud.run('getmore', request('test', { getMore: cursor.cursor.id, collection: 'c' }), b.context)).ok).toBe(1);
    const plain = fakeMember({ primary: true });
    await expect(crud.run('find', request('test', { find: 'c' }), plain.context)).rejects.toMatchObject({ code: 115 });
  });

  it('kills the cursors of a closed connection', async () => {
    const crud = createMemberCrudCommands({ storage: new Storage(), now: () => 0 });
    const { context } = fakeMember({ primary: true });
    await crud.run('insert', request('test', { insert: 'c', documents: [{}, {}, {}] }), context);
    const first = await crud.run('find', request('test', { find: 'c', batchSize: 1 }, 9), context);
    expect(crud.connectionClosed(context, 9)).toBe(1);
    const more = await crud.run('getmore', request('test', { getMore: first.cursor.id, collection: 'c' }, 9), context);
    expect(more).toMatchObject({ ok: 0, code: 43 });
  });
});
