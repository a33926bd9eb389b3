import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deserialize, serialize, type Document } from 'bson';
import { MongoClient } from 'mongodb';
import { NetworkError, type Duplex } from '@rslab/sim';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildServer } from '../../src/server';
import { settingsFromEnv, SettingsError, testSettings } from '../../src/settings';
import { AddressBook } from '../../src/engine/mongodAddresses';
import { MongodNetwork } from '../../src/engine/mongodNetwork';
import { TranslatingDuplex, WireTranslationError, WireTranslator } from '../../src/engine/wireTranslation';
import { mongodEngineLivePids, type MongodEngine } from '../../src/engine/mongodEngine';
import type { Sandbox } from '../../src/workspace/sandbox';
import { typeLine } from '../../src/terminal/typeLine';
import { useMongodEngineApp, useMongomsEnv } from '../helpers/mongodEnv';

/** An OP_MSG with one body section (and optionally a checksum flag with 4 trailing bytes). */
function opMsg(body: Document, requestId = 7, responseTo = 0, checksum = false): Buffer {
  const encoded = Buffer.from(serialize(body));
  const header = Buffer.alloc(16);
  const flags = Buffer.alloc(4);
  flags.writeUInt32LE(checksum ? 1 : 0, 0);
  const message = Buffer.concat([header, flags, Buffer.from([0]), encoded, checksum ? Buffer.alloc(4, 0xab) : Buffer.alloc(0)]);
  message.writeInt32LE(message.length, 0);
  message.writeInt32LE(requestId, 4);
  message.writeInt32LE(responseTo, 8);
  message.writeInt32LE(2013, 12);
  return message;
}

function bodyOf(message: Buffer): Document {
  expect(message.readInt32LE(0)).toBe(message.length);
  const flags = message.readUInt32LE(16);
  expect(flags & 1).toBe(0);
  expect(message[20]).toBe(0);
  return deserialize(message.subarray(21));
}

describe('AddressBook: the learner’s names and the real addresses', () => {
  it('reserves distinct free loopback ports per learner port, across sandboxes, and keeps them', async () => {
    const a = new AddressBook('morton.local');
    const b = new AddressBook('morton.local');
    try {
      const [a17, a18, b17] = await Promise.all([a.realPortFor(27017), a.realPortFor(27018), b.realPortFor(27017)]);
      expect(new Set([a17, a18, b17]).size).toBe(3);
      expect(await a.realPortFor(27017)).toBe(a17);
      expect(a.learnerPort(a17)).toBe(27017);
      expect(a.learnerPort(b17)).toBeUndefined();
    } finally {
      a.release();
      b.release();
    }
  });

  it('rewrites its own real addresses in text and documents, leaving other ports and cursor data alone', async () => {
    const book = new AddressBook('morton.local');
    try {
      const real = await book.realPortFor(27018);
      expect(book.toLearnerText(`connect to 127.0.0.1:${real} failed; localhost:${real}; 127.0.0.1:1`)).toBe(
        'connect to morton.local:27018 failed; morton.local:27018; 127.0.0.1:1',
      );
      expect(book.toRealText('morton.local:27018, localhost:27018, other.host:27018, morton.local:27019')).toBe(
        `127.0.0.1:${real}, 127.0.0.1:${real}, other.host:27018, morton.local:27019`,
      );
      const { doc, changed } = book.toLearnerDocument({ ok: 1, hosts: [`127.0.0.1:${real}`], cursor: { firstBatch: [{ note: `127.0.0.1:${real}` }] } });
      expect(changed).toBe(true);
      expect(doc.hosts).toEqual(['morton.local:27018']);
      expect((doc.cursor as Document).firstBatch).toEqual([{ note: `127.0.0.1:${real}` }]);
    } finally {
      book.release();
    }
  });
});

describe('WireTranslator: member names on the wire', () => {
  it('rewrites a replSetReconfig config to real addresses (reserving new members) and passes other commands byte for byte', async () => {
    const book = new AddressBook('morton.local');
    try {
      const translator = new WireTranslator(book, { defaultInitiate: () => Promise.resolve(null) });
      const request = opMsg({ replSetReconfig: { _id: 'foo', members: [{ _id: 0, host: 'morton.local:27017' }, { _id: 1, host: 'localhost:27020' }] }, $db: 'admin' }, 7, 0, true);
      const out = await translator.request(request);
      const body = bodyOf(out);
      const hosts = (body.replSetReconfig as { members: Array<{ host: string }> }).members.map((m) => m.host);
      expect(hosts).toEqual([`127.0.0.1:${book.realPort(27017)}`, `127.0.0.1:${book.realPort(27020)}`]);
      expect(out.readInt32LE(4)).toBe(7);
      const insert = opMsg({ insert: 'c', documents: [{ host: 'morton.local:27017' }], $db: 'test' });
      expect(await translator.request(insert)).toBe(insert);
    } finally {
      book.release();
    }
  });

  it('turns a bare replSetInitiate into the 1.6 default config and answers with info2 and me', async () => {
    const book = new AddressBook('morton.local');
    try {
      const translator = new WireTranslator(book, {
        defaultInitiate: () =>
          Promise.resolve({ config: { _id: 'foo', version: 1, members: [{ _id: 0, host: 'morton.local:27017' }, { _id: 1, host: 'morton.local:27018' }] }, me: 'morton.local:27017' }),
      });
      const out = await translator.request(opMsg({ replSetInitiate: 1, $db: 'admin' }, 41));
      const config = bodyOf(out).replSetInitiate as { members: Array<{ host: string }> };
      expect(config.members.map((m) => m.host)).toEqual([`127.0.0.1:${book.realPort(27017)}`, `127.0.0.1:${book.realPort(27018)}`]);
      const reply = bodyOf(translator.response(opMsg({ ok: 1, $clusterTime: { x: 1 } }, 99, 41)));
      expect(Object.keys(reply)).toEqual(['info2', 'me', 'ok', '$clusterTime']);
      expect(reply.me).toBe('morton.local:27017');
      // A failed initiate gets no info2.
      await translator.request(opMsg({ replSetInitiate: 1, $db: 'admin' }, 42));
      expect(bodyOf(translator.response(opMsg({ ok: 0, errmsg: 'already initialized' }, 100, 42)))).toEqual({ ok: 0, errmsg: 'already initialized' });
    } finally {
      book.release();
    }
  });

  it("rewrites hello's hosts, me and primary in OP_MSG and legacy OP_REPLY answers", async () => {
    const book = new AddressBook('morton.local');
    try {
      const [r17, r18] = [await book.realPortFor(27017), await book.realPortFor(27018)];
      const translator = new WireTranslator(book, { defaultInitiate: () => Promise.resolve(null) });
      const hello = { isWritablePrimary: true, hosts: [`127.0.0.1:${r17}`, `127.0.0.1:${r18}`], me: `127.0.0.1:${r17}`, primary: `127.0.0.1:${r17}`, setName: 'foo', ok: 1 };
      const reply = bodyOf(translator.response(opMsg(hello, 5, 3)));
      expect(reply).toMatchObject({ hosts: ['morton.local:27017', 'morton.local:27018'], me: 'morton.local:27017', primary: 'morton.local:27017' });
      const doc = Buffer.from(serialize(hello));
      const legacy = Buffer.concat([Buffer.alloc(36), doc]);
      legacy.writeInt32LE(legacy.length, 0);
      legacy.writeInt32LE(1, 12);
      legacy.writeInt32LE(1, 32);
      const out = translator.response(legacy);
      expect(out.readInt32LE(0)).toBe(out.length);
      expect(deserialize(out.subarray(36))).toMatchObject({ me: 'morton.local:27017' });
    } finally {
      book.release();
    }
  });

  it('TranslatingDuplex reassembles messages split across chunks, keeps their order, and closes on garbage', async () => {
    const book = new AddressBook('morton.local');
    try {
      const real = await book.realPortFor(27017);
      const written: Buffer[] = [];
      const dataListeners: Array<(chunk: Uint8Array) => void> = [];
      let destroyed = false;
      const inner: Duplex = {
        remote: 'test',
        closed: false,
        write: (chunk) => written.push(Buffer.from(chunk)),
        end: () => undefined,
        destroy: () => {
          destroyed = true;
        },
        onData: (listener) => dataListeners.push(listener),
        onClose: () => undefined,
      };
      const errors: Error[] = [];
      const duplex = new TranslatingDuplex(inner, new WireTranslator(book, { defaultInitiate: () => Promise.resolve(null) }), (error) => errors.push(error));
      const received: Buffer[] = [];
      duplex.onData((chunk) => received.push(Buffer.from(chunk)));
      // Two requests, fed one byte at a time: the reconfig is rewritten, the ping is not, in order.
      const both = Buffer.concat([opMsg({ replSetReconfig: { members: [{ host: 'morton.local:27017' }] } }, 1), opMsg({ ping: 1 }, 2)]);
      for (const byte of both) duplex.write(Uint8Array.of(byte));
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(written.map((m) => m.readInt32LE(4))).toEqual([1, 2]);
      expect(bodyOf(written[0] as Buffer).replSetReconfig).toEqual({ members: [{ host: `127.0.0.1:${real}` }] });
      // A reply split in two chunks comes out whole and translated.
      const reply = opMsg({ me: `127.0.0.1:${real}`, ok: 1 }, 3, 1);
      dataListeners.forEach((listener) => listener(reply.subarray(0, 10)));
      expect(received).toEqual([]);
      dataListeners.forEach((listener) => listener(reply.subarray(10)));
      expect(received.map(bodyOf)).toEqual([{ me: 'morton.local:27017', ok: 1 }]);
      // A length no message can have tears the connection down.
      duplex.write(Buffer.from([1, 0, 0, 0]));
      expect(destroyed).toBe(true);
      expect(errors[0]).toBeInstanceOf(WireTranslationError);
    } finally {
      book.release();
    }
  });

  it('refuses a message whose sections overrun it', async () => {
    const book = new AddressBook('morton.local');
    const translator = new WireTranslator(book, { defaultInitiate: () => Promise.resolve(null) });
    const bad = opMsg({ replSetReconfig: {} });
    bad.writeInt32LE(10_000, 21);
    await expect(translator.request(bad)).rejects.toThrow(WireTranslationError);
  });
});

describe('MongodNetwork: the SOCKS route of one sandbox', () => {
  it('refuses other hosts, ports with no running member and other sandboxes’ ports', async () => {
    const book = new AddressBook('morton.local');
    const other = new AddressBook('morton.local');
    try {
      await book.realPortFor(27017);
      const otherReal = await other.realPortFor(27017);
      const network = new MongodNetwork({ book, isRunning: () => false, defaultInitiate: () => Promise.resolve(null) });
      await expect(network.connect('client.local', { host: 'example.com', port: 27017 })).rejects.toMatchObject({ code: 'EHOSTUNREACH' });
      await expect(network.connect('client.local', { host: 'morton.local', port: 27017 })).rejects.toMatchObject({ code: 'ECONNREFUSED' });
      await expect(network.connect('client.local', { host: 'morton.local', port: otherReal })).rejects.toBeInstanceOf(NetworkError);
    } finally {
      book.release();
      other.release();
    }
  });
});

describe('settings', () => {
  it('reads RSLAB_ENGINE, sim by default, and refuses anything else', () => {
    expect(settingsFromEnv({}, { webRoot: '' }).engine).toBe('sim');
    expect(settingsFromEnv({ RSLAB_ENGINE: 'mongod' }, { webRoot: '' }).engine).toBe('mongod');
    expect(() => settingsFromEnv({ RSLAB_ENGINE: 'docker' }, { webRoot: '' })).toThrow(SettingsError);
  });
});

async function type(sandbox: Sandbox, line: string, timeoutMillis = 40_000): Promise<string> {
  const tab = [...sandbox.tabs.values()][0];
  if (!tab) throw new Error('no tab');
  return typeLine(tab, line, timeoutMillis);
}

describe('the mongod engine with sim-mongod as the system binary', () => {
  const appOf = useMongodEngineApp();

  it('starts a real process on a hidden port and shows the learner only its own names', { timeout: 90_000 }, async () => {
    const { sandbox } = appOf().sandboxes.obtain('engine-a');
    const engine = sandbox.lab.engine as MongodEngine;
    expect(engine.kind).toBe('mongod');
    const started = await type(sandbox, 'mongod --port 27017 --dbpath /data/a --replSet rs');
    const pid = Number(/mongod (\d+) is listening on port 27017/.exec(started)?.[1]);
    expect(pid).toBeGreaterThan(0);
    const real = engine.book.realPort(27017) as number;
    expect(real).not.toBe(27017);
    expect(mongodEngineLivePids()).not.toContain(pid); // the learner's PID is the sandbox's, not the real one
    expect(await type(sandbox, 'ps')).toMatch(new RegExp(`${pid} pts/0 .* mongod`));
    expect(engine.processes()[0]?.argv).toEqual(['mongod', '--port', '27017', '--dbpath', '/data/a', '--replSet', 'rs']);
    const taken = await type(sandbox, 'mongod --port 27017 --dbpath /data/b');
    expect(taken).toContain('Address already in use');
    const logs = await type(sandbox, `logs ${pid}`);
    expect(logs).toContain('Waiting for connections');
    expect(logs).not.toContain(`127.0.0.1:${real}`);
    expect(logs).not.toContain('rslab-mongod-'); // the real data directory stays hidden
    expect(logs).toContain('"dbPath":"/data/a"');
    expect(logs).toContain('"port":27017');

    await type(sandbox, 'mongosh "mongodb://morton.local:27017/?directConnection=true"');
    expect(await type(sandbox, 'rs.initiate()')).toMatch(/ok: 1/);
    let status = '';
    for (let i = 0; i < 40 && !/PRIMARY/.test(status); i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      status = await type(sandbox, 'rs.status().members[0].stateStr + " " + rs.status().members[0].name');
    }
    expect(status).toContain("PRIMARY morton.local:27017");
    expect(await type(sandbox, 'db.hello().me')).toContain('morton.local:27017');
    expect(await type(sandbox, 'db.things.insertOne({a: 1})')).toContain('acknowledged: true');
    await type(sandbox, 'exit');
    expect(await engine.documents('morton.local:27017', 'test.things')).toEqual([expect.objectContaining({ a: 1 })]);

    const snapshot = await sandbox.lab.snapshot();
    expect(snapshot).toMatchObject({ speed: 1, paused: false, setName: 'rs' });
    expect(snapshot.members).toEqual([expect.objectContaining({ host: 'morton.local:27017', pid, state: 'PRIMARY', electionDeadlineAt: null })]);
  });

  it('refuses network faults and time control with a clear message, and goes on', { timeout: 30_000 }, async () => {
    const { sandbox } = appOf().sandboxes.obtain('engine-a');
    const partition = await sandbox.lab.control({ action: 'partition', target: 'morton.local:27017' });
    expect(partition).toEqual({ ok: false, message: expect.stringContaining('the mongod engine cannot cut links; use the sim engine') });
    expect(await sandbox.lab.control({ action: 'cutLink', target: 'morton.local:27017', peer: 'morton.local:27018' })).toMatchObject({ ok: false });
    expect(await sandbox.lab.control({ action: 'speed', value: 2 })).toEqual({ ok: false, message: expect.stringContaining('real time') });
    expect(await sandbox.lab.control({ action: 'pause' })).toMatchObject({ ok: false });
    expect(await sandbox.lab.control({ action: 'speed', value: 1 })).toMatchObject({ ok: true });
    expect(sandbox.lab.partitions).toEqual([]);
    expect(await type(sandbox, 'hostname')).toContain('morton.local');
  });

  it("keeps sandboxes apart: another sandbox's driver reaches none of these processes", { timeout: 30_000 }, async () => {
    const a = appOf().sandboxes.obtain('engine-a').sandbox;
    const b = appOf().sandboxes.obtain('engine-b').sandbox;
    const realA = (a.lab.engine as MongodEngine).book.realPort(27017) as number;
    const viaRoute = (route: typeof a.lab.engine.route, host: string) =>
      new MongoClient(`mongodb://${host}/?directConnection=true`, {
        proxyHost: route.proxyHost,
        proxyPort: route.proxyPort,
        proxyUsername: route.proxyUsername,
        proxyPassword: route.proxyPassword,
        serverSelectionTimeoutMS: 1500,
      });
    const own = viaRoute(a.lab.engine.route, 'morton.local:27017');
    try {
      expect(await own.db('admin').command({ ping: 1 })).toMatchObject({ ok: 1 });
    } finally {
      await own.close();
    }
    for (const host of ['morton.local:27017', `127.0.0.1:${realA}`]) {
      const client = viaRoute(b.lab.engine.route, host);
      try {
        await expect(client.db('admin').command({ ping: 1 })).rejects.toThrow(/refused|ECONNREFUSED|Server selection timed out/i);
      } finally {
        await client.close();
      }
    }
  });

  // A real process reports no protocol events, so the engine's polling must see an initiate
  // (replSetGetConfig's version and term appear) and put a configChange on the timeline: the
  // lesson check setInitiated credits an initiate by it (checks.ts), and without it the
  // walkthrough on this engine stayed at 'replset-initiate' ("This set was configured before
  // this lesson began"). After the lab is cleared, the same config (version 1, term 1) initiated
  // again is a new one.
  it('puts a configChange on the timeline for an initiate, and again for the same config after a clear', { timeout: 90_000 }, async () => {
    const { sandbox } = appOf().sandboxes.obtain('engine-config');
    const configChanges = (afterId: number) =>
      sandbox.lab.events.all().filter((event) => event.kind === 'configChange' && event.id > afterId && event.member === 'morton.local:27040');
    const initiate = async (afterId: number) => {
      await type(sandbox, 'mongod --port 27040 --dbpath /data/cfg --replSet cfg');
      await type(sandbox, 'mongosh "mongodb://morton.local:27040/?directConnection=true"');
      expect(await type(sandbox, 'rs.initiate()')).toMatch(/ok: 1/);
      for (let i = 0; i < 40 && configChanges(afterId).length === 0; i += 1) await new Promise((resolve) => setTimeout(resolve, 250));
      await type(sandbox, 'exit');
      return configChanges(afterId);
    };
    const first = await initiate(0);
    expect(first.map((event) => event.text)).toEqual(['morton.local:27040 has config version 1 (term 1)']);
    // Polling again sees the same config: no second event.
    await sandbox.lab.snapshot();
    await new Promise((resolve) => setTimeout(resolve, 1200));
    expect(configChanges(0)).toHaveLength(1);

    await sandbox.lab.clear();
    const cleared = sandbox.lab.events.lastId;
    const second = await initiate(cleared);
    expect(second.map((event) => event.text)).toEqual(['morton.local:27040 has config version 1 (term 1)']);
    await appOf().sandboxes.drop('engine-config');
  });

  it('kills the real process on kill, and cleans up on dispose', { timeout: 60_000 }, async () => {
    const { sandbox } = appOf().sandboxes.obtain('engine-c');
    const started = await type(sandbox, 'mongod --port 27030 --dbpath /data/c');
    const pid = Number(/mongod (\d+) is listening/.exec(started)?.[1]);
    const before = mongodEngineLivePids().length;
    expect(await type(sandbox, `kill -9 ${pid}`)).toBe('');
    expect(mongodEngineLivePids().length).toBe(before - 1);
    expect(sandbox.lab.engine.processes()[0]).toMatchObject({ running: false, killed: { signal: 'SIGKILL' } });
    expect(await type(sandbox, `kill ${pid}`)).toContain('No such process');
    await type(sandbox, 'mongod --port 27030 --dbpath /data/c');
    expect(mongodEngineLivePids().length).toBe(before);
    await appOf().sandboxes.drop('engine-c');
    expect(mongodEngineLivePids().length).toBe(before - 1);
  });
});

describe('the mongod engine without a binary', () => {
  let app: FastifyInstance | undefined;
  let restoreEnv: () => void = () => undefined;
  let emptyDir = '';
  beforeAll(async () => {
    emptyDir = await mkdtemp(join(tmpdir(), 'rslab-no-binary-'));
    restoreEnv = useMongomsEnv({ MONGOMS_SYSTEM_BINARY: undefined, MONGOMS_RUNTIME_DOWNLOAD: 'false', MONGOMS_DOWNLOAD_DIR: emptyDir });
    app = await buildServer({ settings: testSettings({ engine: 'mongod' }) });
  });
  afterAll(async () => {
    await app?.close();
    restoreEnv();
    await rm(emptyDir, { recursive: true, force: true });
  });

  it('tells the learner at the first mongod what to set, at once, and the shell goes on', { timeout: 20_000 }, async () => {
    const { sandbox } = (app as FastifyInstance).sandboxes.obtain('no-binary');
    const startedAt = Date.now();
    const output = await type(sandbox, 'mongod --port 27017 --dbpath /data/db', 10_000);
    expect(Date.now() - startedAt).toBeLessThan(5000);
    expect(output).toContain('MONGOMS_SYSTEM_BINARY');
    expect(output).toContain('MONGOMS_RUNTIME_DOWNLOAD=true');
    expect(output.trim().split('\n')).toHaveLength(1);
    expect(sandbox.lab.engine.processes()).toEqual([]);
    expect(await type(sandbox, 'hostname')).toContain('morton.local');
  });
});
