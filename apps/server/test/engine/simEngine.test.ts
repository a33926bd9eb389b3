import { afterEach, describe, expect, it } from 'vitest';
import { MongoClient } from 'mongodb';
import { SocksBridge } from '../../src/driver/socksBridge';
import { SimEngine, newProxyCredentials } from '../../src/engine/simEngine';
import { EngineCommandError } from '../../src/engine/engine';
import { EventLog } from '../../src/timeline/eventLog';
import { parseMongodArgs } from '../../src/mongod/flags';
import type { MongodOptions } from '../../src/mongod/flags';

const walkthroughLines = [
  '--replSet foo/morton.local:27018,morton.local:27019 --rest',
  '--port 27018 --dbpath /data/db1 --replSet foo/morton.local:27017 --rest',
  '--port 27019 --dbpath /data/db2 --replSet foo/morton.local:27017 --rest',
];

function options(line: string): MongodOptions {
  const parsed = parseMongodArgs(line.split(' '));
  if (parsed.kind !== 'start') throw new Error(`not a start: ${JSON.stringify(parsed)}`);
  return parsed.options;
}

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function sandbox(speed = 10) {
  const credentials = newProxyCredentials();
  let engine: SimEngine | null = null;
  const bridge = new SocksBridge({
    authenticate: (user, password) =>
      engine && user === credentials.username && password === credentials.password ? { network: engine.network, fromHost: 'client.local' } : null,
  });
  const { port } = await bridge.listen(0);
  const events = new EventLog(() => Date.now());
  engine = new SimEngine({
    hostname: 'morton.local',
    events,
    routeFor: () => ({ proxyHost: '127.0.0.1', proxyPort: port, proxyUsername: credentials.username, proxyPassword: credentials.password }),
  });
  engine.clock.setSpeed(speed);
  const clients: MongoClient[] = [];
  const client = (uri: string, extra: object = {}) => {
    const c = new MongoClient(uri, { ...engine!.route, serverSelectionTimeoutMS: 15_000, ...extra });
    clients.push(c);
    return c;
  };
  cleanups.push(async () => {
    for (const c of clients) await c.close(true).catch(() => undefined);
    await engine!.dispose();
    await bridge.close();
  });
  return { engine, events, client };
}

async function until<T>(probe: () => Promise<T | undefined>, limitMillis: number): Promise<T> {
  const deadline = Date.now() + limitMillis;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('SimEngine through the SOCKS bridge and the official driver', () => {
  it('runs the walkthrough: three members, initiate without config, fail over', async () => {
    const { engine, client } = await sandbox(10);
    const started = [];
    for (const line of walkthroughLines) started.push(await engine.start(options(line)));
    expect(started.map((p) => p.address)).toEqual(['morton.local:27017', 'morton.local:27018', 'morton.local:27019']);
    expect(new Set(started.map((p) => p.pid)).size).toBe(3);

    const direct = client('mongodb://morton.local:27017/?directConnection=true');
    const reply = await direct.db('admin').command({ replSetInitiate: {} });
    expect(reply.ok).toBe(1);
    expect(String(reply.info2)).toContain('no configuration');

    const set = client('mongodb://morton.local:27017,morton.local:27018/?replicaSet=foo');
    await set.db('test').collection('test').insertOne({ x: 1 }, { writeConcern: { w: 'majority' } });
    const snapshot = await until(async () => {
      const s = await engine.snapshot();
      return s.members.filter((m) => m.state === 'SECONDARY').length === 2 ? s : undefined;
    }, 20_000);
    const primary = snapshot.members.find((m) => m.state === 'PRIMARY')!;
    expect(snapshot.setName).toBe('foo');
    // What the live view draws on each link: the peer's state, when it last answered, its ping.
    for (const member of snapshot.members) {
      const peers = Object.entries(member.heartbeats);
      expect(peers.map(([host]) => host).sort()).toEqual(snapshot.members.map((m) => m.host).filter((h) => h !== member.host).sort());
      for (const [host, heartbeat] of peers) {
        expect(heartbeat).toMatchObject({ ok: true, peerState: snapshot.members.find((m) => m.host === host)!.state });
        expect(heartbeat.pingMillis).toEqual(expect.any(Number));
        expect(heartbeat.lastReplyAt).toBeGreaterThan(0);
      }
    }

    const primaryProcess = engine.processes().find((p) => p.address === primary.host)!;
    expect(await engine.signal(primaryProcess.pid, 'SIGKILL')).toBe(true);
    const after = await until(async () => {
      const s = await engine.snapshot();
      const next = s.members.find((m) => m.state === 'PRIMARY');
      return next && next.host !== primary.host ? s : undefined;
    }, 20_000);
    expect(after.members.find((m) => m.host === primary.host)?.state).toBe('DOWN');
    const survivorsView = await until(async () => {
      const s = await engine.snapshot();
      const views = s.members.filter((m) => m.host !== primary.host).map((m) => m.heartbeats[primary.host]);
      return views.every((h) => h && !h.ok && h.peerState === 'DOWN') ? views : undefined;
    }, 20_000);
    expect(survivorsView.every((h) => h?.pingMillis === null)).toBe(true);
    const doc = await set.db('test').collection('test').findOne({ x: 1 });
    expect(doc).toMatchObject({ x: 1 });
    expect(engine.processes().find((p) => p.pid === primaryProcess.pid)?.killed).toMatchObject({ signal: 'SIGKILL', stateThen: 'PRIMARY' });
  });

  it("gives a member started with --oplogSize that many MB of oplog, as collStats' maxSize shows", async () => {
    const { engine, client } = await sandbox();
    await engine.start(options('--port 27017 --dbpath /data/db --replSet small --oplogSize 64'));
    const direct = client('mongodb://morton.local:27017/?directConnection=true');
    await direct.db('admin').command({ replSetInitiate: { _id: 'small', members: [{ _id: 0, host: 'morton.local:27017' }] } });
    const stats = await until(async () => {
      const [doc] = await direct.db('local').collection('oplog.rs').aggregate([{ $collStats: { storageStats: {} } }]).toArray();
      return doc?.storageStats as { maxSize: number; capped: boolean } | undefined;
    }, 20_000);
    expect(stats).toMatchObject({ capped: true, maxSize: 64 * 1024 * 1024 });
  });

  // replication_coordinator_impl.cpp processReplSetReconfig: rs.add marks the new voter newlyAdded,
  // which member_config.h isVoter counts as no vote until the primary's automatic reconfig removes
  // the mark (the member is SECONDARY by then): the live view shows votes 0, then 1.
  it('shows a member added by rs.add as not yet voting until its newlyAdded mark is removed', async () => {
    const { engine, client } = await sandbox(1);
    await engine.start(options('--port 27017 --dbpath /data/db0 --replSet grow'));
    const direct = client('mongodb://morton.local:27017/?directConnection=true');
    await direct.db('admin').command({ replSetInitiate: { _id: 'grow', members: [{ _id: 0, host: 'morton.local:27017' }] } });
    await until(async () => ((await direct.db('admin').command({ hello: 1 })).isWritablePrimary === true ? true : undefined), 20_000);
    await until(async () => ((await direct.db('admin').command({ replSetGetConfig: 1, commitmentStatus: true })).commitmentStatus === true ? true : undefined), 20_000);
    // Not running yet: a newlyAdded member is not needed for the quorum check.
    const conf = (await direct.db('admin').command({ replSetGetConfig: 1 })).config;
    await direct.db('admin').command({ replSetReconfig: { ...conf, version: conf.version + 1, members: [...conf.members, { _id: 1, host: 'morton.local:27018' }] } });
    await engine.start(options('--port 27018 --dbpath /data/db1 --replSet grow'));
    const added = (s: Awaited<ReturnType<typeof engine.snapshot>>) => s.members.find((m) => m.host === 'morton.local:27018');
    const notYet = await until(async () => {
      const m = added(await engine.snapshot());
      return m && m.state !== 'DOWN' && m.state !== 'STARTUP' ? m : undefined;
    }, 20_000);
    expect(notYet.votes).toBe(0);
    const voting = await until(async () => {
      const m = added(await engine.snapshot());
      return m?.votes === 1 ? m : undefined;
    }, 30_000);
    expect(voting.state).toBe('SECONDARY');
  });

  it('refuses a taken port and a locked dbpath as mongod does', async () => {
    const { engine } = await sandbox();
    await engine.start(options('--port 27017 --dbpath /data/db'));
    await expect(engine.start(options('--port 27017 --dbpath /data/other'))).rejects.toMatchObject({ exitCode: 48 });
    const locked = await engine.start(options('--port 27018 --dbpath /data/db')).catch((error: unknown) => error);
    expect(locked).toBeInstanceOf(EngineCommandError);
    expect((locked as EngineCommandError).exitCode).toBe(100);
    expect((locked as EngineCommandError).output).toContain('DBPathInUse');
  });
});
