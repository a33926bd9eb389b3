import type { ChildProcess } from 'node:child_process';
import type { Document } from 'bson';
import { MongoClient } from 'mongodb';
import { afterEach, describe, expect, it } from 'vitest';
import { killAll, startSimMongod, waitForOutput } from './spawn';
import { startProcessSet, waitUntil } from './replSetProcesses';

// Through the official driver, on three sim-mongod processes: setDefaultRWConcern's document
// replicates and survives a restart (manual, setDefaultRWConcern: "persists the defaults ... in
// config.settings"; getDefaultRWConcern on any member), a write without writeConcern gets the
// custom default and its writeConcernError names it (write_concern.cpp extractWriteConcern,
// provenance customDefault), and serverStatus's connections, opcounters and opcountersRepl move
// as the test drives them (manual, serverStatus).

const children: ChildProcess[] = [];
afterEach(() => killAll(children));

function direct(host: string): MongoClient {
  return new MongoClient(`mongodb://${host}/?directConnection=true&serverSelectionTimeoutMS=10000`);
}

async function withDirect<T>(host: string, fn: (client: MongoClient) => Promise<T>): Promise<T> {
  const client = direct(host);
  try {
    return await fn(client);
  } finally {
    await client.close();
  }
}

describe('read/write concern defaults and serverStatus on sim-mongod processes', () => {
  it('setDefaultRWConcern replicates, survives a restart of the primary, applies to writes (customDefault); serverStatus counts move', { timeout: 150_000 }, async () => {
    const set = await startProcessSet(3, [], children);
    const [primaryHost, secondaryHost] = [set.hosts[0]!, set.hosts[1]!];
    const client = new MongoClient(set.uri, { serverSelectionTimeoutMS: 20_000 });
    try {
      const admin = client.db('admin');
      const setReply = await admin.command({ setDefaultRWConcern: 1, defaultReadConcern: { level: 'majority' }, defaultWriteConcern: { w: 'majority', wtimeout: 7000 } });
      expect(setReply).toMatchObject({ defaultReadConcern: { level: 'majority' }, defaultWriteConcern: { w: 'majority', wtimeout: 7000 }, defaultWriteConcernSource: 'global', defaultReadConcernSource: 'global', ok: 1 });
      const updateOpTime: unknown = setReply.updateOpTime;

      // A secondary answers the same once the config.settings document has reached it.
      const onSecondary = await waitUntil(
        'the defaults on a secondary',
        () =>
          withDirect(secondaryHost, async (c) => {
            const got = await c.db('admin').command({ getDefaultRWConcern: 1 });
            return got.defaultWriteConcernSource === 'global' ? got : undefined;
          }),
        20_000,
      );
      expect(onSecondary).toMatchObject({ defaultWriteConcern: { w: 'majority', wtimeout: 7000 }, defaultReadConcern: { level: 'majority' } });
      expect(onSecondary.updateOpTime).toEqual(updateOpTime);

      // Restart the primary (SIGTERM, then the same dbpath): it reads the defaults back from its data.
      set.procs[0]!.child.kill('SIGTERM');
      await set.procs[0]!.exit;
      const again = startSimMongod(['--port', String(set.ports[0]), '--bind_ip', '127.0.0.1', '--replSet', 'rs0', '--dbpath', set.dbpaths[0]!], children);
      await waitForOutput(again, 'Waiting for connections');
      for (const host of [primaryHost, secondaryHost]) {
        const got = await waitUntil(
          `the defaults on ${host} after the restart`,
          () => withDirect(host, async (c) => (await c.db('admin').command({ getDefaultRWConcern: 1 })) as Document),
          20_000,
        );
        expect(got).toMatchObject({ defaultWriteConcern: { w: 'majority', wtimeout: 7000 }, defaultWriteConcernSource: 'global' });
        expect(got.updateOpTime).toEqual(updateOpTime);
      }

      // An impossible default (w: 5 of three members) with a wtimeout; the command itself asks for w:1.
      await waitUntil('a primary', async () => ((await admin.command({ hello: 1 })).isWritablePrimary === true ? true : undefined), 30_000);
      const impossible = await admin.command({ setDefaultRWConcern: 1, defaultWriteConcern: { w: 5, wtimeout: 1000 }, writeConcern: { w: 1 } });
      expect(impossible.defaultWriteConcern).toEqual({ w: 5, wtimeout: 1000 });
      const primaryNow = (await admin.command({ hello: 1 })).primary as string;
      const secondaryNow = set.hosts.find((h) => h !== primaryNow)!;

      const statusOf = (host: string): Promise<Document> => withDirect(host, (c) => c.db('admin').command({ serverStatus: 1 }));
      const primaryBefore = await statusOf(primaryNow);
      const secondaryBefore = await statusOf(secondaryNow);
      // The driver sends no writeConcern: the server's default applies.
      const inserted = await client
        .db('test')
        .collection('c')
        .insertOne({ _id: 'defaulted' } as Document)
        .then(
          () => undefined,
          (error: unknown) => error,
        );
      const wce = inserted as { errInfo?: Document; result?: Document; code?: number } | undefined;
      expect(wce, 'the insert must report the write concern error').toBeDefined();
      const errInfo = wce?.errInfo ?? (wce?.result?.writeConcernError as Document | undefined)?.errInfo;
      expect(errInfo?.writeConcern).toMatchObject({ w: 5, wtimeout: 1000, provenance: 'customDefault' });

      const primaryAfter = await statusOf(primaryNow);
      expect(Number(primaryAfter.opcounters.insert) - Number(primaryBefore.opcounters.insert)).toBe(1);
      // Each direct client above opened connections of its own.
      expect(primaryAfter.connections.totalCreated).toBeGreaterThan(primaryBefore.connections.totalCreated);
      expect(primaryAfter.connections.current).toBeGreaterThanOrEqual(1);
      expect(primaryAfter.connections.available).toBe(1000 - primaryAfter.connections.current);
      const secondaryAfter = await waitUntil(
        'the insert applied on a secondary',
        async () => {
          const s = await statusOf(secondaryNow);
          return Number(s.opcountersRepl.insert) > Number(secondaryBefore.opcountersRepl.insert) ? s : undefined;
        },
        20_000,
      );
      expect(Number(secondaryAfter.opcountersRepl.insert) - Number(secondaryBefore.opcountersRepl.insert)).toBe(1);
      expect(Number(primaryAfter.opcountersRepl.insert)).toBe(Number(primaryBefore.opcountersRepl.insert));
    } finally {
      await client.close();
    }
  });
});
