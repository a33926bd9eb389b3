import { Long } from 'bson';
import type { Document } from 'bson';
import { MongoClient } from 'mongodb';
import type { ServerHeartbeatSucceededEvent } from 'mongodb';
import { afterEach, describe, expect, it } from 'vitest';
import { RealClock } from '../../src/clock/realClock';
import type { CommandHandler } from '../../src/commands/handler';
import { MemoryLogger } from '../../src/log/log';
import { TcpNetwork } from '../../src/net/tcp';
import { encodeOpMsg, encodeOpQuery, encodeRaw } from '../../src/wire/codec';
import { OpCode, OpMsgFlags, OpReplyFlags } from '../../src/wire/constants';
import { WireConnectionStats, serveWire } from '../../src/wire/server';
import type { WireListener, WireServerLimits } from '../../src/wire/server';
import { RawConnection, StubHandler } from './stub';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function start(limits?: WireServerLimits): Promise<{ listener: WireListener; handler: StubHandler; log: MemoryLogger; port: number }> {
  const handler = new StubHandler();
  const log = new MemoryLogger();
  const listener = await serveWire({ network: new TcpNetwork(), address: { host: '127.0.0.1', port: 0 }, handler, log, ...(limits ? { limits } : {}) });
  cleanups.push(() => listener.close());
  return { listener, handler, log, port: listener.address.port };
}

async function raw(port: number): Promise<RawConnection> {
  const conn = await RawConnection.open(port);
  cleanups.push(() => conn.destroy());
  return conn;
}

function body(message: { type: string } & Document): Document {
  if (message.type === 'OP_MSG') return (message.bodies as Document[])[0] as Document;
  if (message.type === 'OP_REPLY') return (message.documents as Document[])[0] as Document;
  throw new Error(`unexpected ${message.type}`);
}

describe('serveWire with the official driver', () => {
  it('answers the OP_QUERY handshake and then OP_MSG commands (directConnection)', async () => {
    const { handler, port } = await start();
    const client = new MongoClient(`mongodb://127.0.0.1:${port}/?directConnection=true&serverSelectionTimeoutMS=3000`);
    cleanups.push(() => client.close());
    const reply = await client.db('admin').command({ ping: 1 });
    expect(reply.ok).toBe(1);
    const commands = handler.seen.map((r) => Object.keys(r.body)[0]);
    expect(commands[0]).toBe('ismaster');
    expect(commands).toContain('ping');
    const ping = handler.seen.find((r) => 'ping' in r.body);
    expect(ping?.db).toBe('admin');
    await expect(client.db('test').command({ frobnicate: 1 })).rejects.toMatchObject({ code: 59, codeName: 'CommandNotFound' });
  });

  it('streams awaitable hellos with moreToCome, so the driver monitor sees topology changes at once', async () => {
    const { handler, port } = await start();
    const client = new MongoClient(`mongodb://127.0.0.1:${port}/?directConnection=true&heartbeatFrequencyMS=10000`);
    cleanups.push(() => client.close());
    const succeeded: ServerHeartbeatSucceededEvent[] = [];
    const failed: unknown[] = [];
    client.on('serverHeartbeatSucceeded', (e) => succeeded.push(e));
    client.on('serverHeartbeatFailed', (e) => failed.push(e));
    await client.db('admin').command({ ping: 1 });
    // Wait for the monitor to be streaming (an awaitable hello is waiting on the stub).
    await waitUntil(() => handler.seen.some((r) => r.exhaustAllowed && r.body.topologyVersion !== undefined));
    const before = succeeded.filter((e) => e.awaited).length;
    const t0 = Date.now();
    handler.bump();
    await waitUntil(() => succeeded.filter((e) => e.awaited).length >= before + 1, 3000);
    handler.bump();
    await waitUntil(() => succeeded.filter((e) => e.awaited).length >= before + 2, 3000);
    // Far sooner than the 10 s heartbeat: the replies were streamed, not polled.
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(failed).toEqual([]);
    const awaited = succeeded.filter((e) => e.awaited);
    const last = awaited[awaited.length - 1] as ServerHeartbeatSucceededEvent;
    expect(Number((last.reply.topologyVersion as { counter: Long }).counter)).toBe(2);
    // Each streamed round re-ran hello with the topologyVersion just sent.
    const streamed = handler.seen.filter((r) => r.exhaustAllowed && r.body.topologyVersion !== undefined);
    expect(streamed.map((r) => Number((r.body.topologyVersion as { counter: Long }).counter))).toEqual(expect.arrayContaining([0, 1, 2]));
  });
});

describe('serveWire framing and replies', () => {
  it('sets moreToCome on streamed replies, chains responseTo, and ends the stream with an ok:0 reply without moreToCome', async () => {
    const { handler, port } = await start();
    const conn = await raw(port);
    conn.send(
      encodeOpMsg({
        requestId: 41,
        flags: OpMsgFlags.exhaustAllowed,
        body: { hello: 1, topologyVersion: { processId: handler.processId, counter: Long.fromNumber(0) }, maxAwaitTimeMS: 60_000, $db: 'admin' },
      }),
    );
    await waitUntil(() => handler.seen.length === 1);
    handler.bump();
    expect(await conn.waitFor(() => conn.messages.length >= 1)).toBe(true);
    handler.bump();
    expect(await conn.waitFor(() => conn.messages.length >= 2)).toBe(true);
    handler.failHello = true;
    handler.bump();
    expect(await conn.waitFor(() => conn.messages.length >= 3)).toBe(true);
    const [first, second, third] = conn.messages;
    expect(first?.type === 'OP_MSG' && first.flags).toBe(OpMsgFlags.moreToCome);
    expect(first?.header.responseTo).toBe(41);
    expect(second?.type === 'OP_MSG' && second.flags).toBe(OpMsgFlags.moreToCome);
    expect(second?.header.responseTo).toBe(first?.header.requestId);
    expect(third?.type === 'OP_MSG' && third.flags).toBe(0);
    expect(third?.header.responseTo).toBe(second?.header.requestId);
    expect(body(third as never)).toMatchObject({ ok: 0, code: 91 });
    // The connection is usable again after the stream ended.
    conn.send(encodeOpMsg({ requestId: 50, body: { ping: 1, $db: 'admin' } }));
    expect(await conn.waitFor(() => conn.messages.length >= 4)).toBe(true);
    expect(conn.messages[3]?.header.responseTo).toBe(50);
  });

  it('does not stream without exhaustAllowed', async () => {
    const { handler, port } = await start();
    const conn = await raw(port);
    conn.send(encodeOpMsg({ requestId: 5, body: { hello: 1, topologyVersion: { processId: handler.processId, counter: 0 }, maxAwaitTimeMS: 50, $db: 'admin' } }));
    expect(await conn.waitFor(() => conn.messages.length >= 1)).toBe(true);
    await new Promise((r) => setTimeout(r, 150));
    expect(conn.messages).toHaveLength(1);
    expect(conn.messages[0]?.type === 'OP_MSG' && conn.messages[0].flags).toBe(0);
  });

  it('answers pipelined requests in order, one section, no checksum; sends nothing for moreToCome', async () => {
    const { handler, port } = await start();
    const conn = await raw(port);
    const chunk = Buffer.concat([
      encodeOpMsg({ requestId: 1, body: { echo: 1, n: 1, $db: 'a' }, checksum: true }),
      encodeOpMsg({ requestId: 2, flags: OpMsgFlags.moreToCome, body: { insert: 'c', writeConcern: { w: 0 }, $db: 'a' }, sequences: [{ identifier: 'documents', documents: [{ x: 1 }] }] }),
      encodeOpMsg({ requestId: 3, body: { echo: 1, n: 3, $db: 'a' } }),
    ]);
    // Split awkwardly across writes.
    conn.send(chunk.subarray(0, 10));
    await new Promise((r) => setTimeout(r, 20));
    conn.send(chunk.subarray(10));
    expect(await conn.waitFor(() => conn.messages.length >= 2)).toBe(true);
    await new Promise((r) => setTimeout(r, 50));
    expect(conn.messages.map((m) => m.header.responseTo)).toEqual([1, 3]);
    for (const m of conn.messages) {
      expect(m.type).toBe('OP_MSG');
      if (m.type === 'OP_MSG') {
        expect(m.flags).toBe(0);
        expect(m.bodies).toHaveLength(1);
        expect(m.sequences).toHaveLength(0);
      }
    }
    const insert = handler.seen.find((r) => 'insert' in r.body);
    expect(insert?.moreToCome).toBe(true);
    expect(insert?.body.documents).toEqual([{ x: 1 }]);
  });

  it('answers OP_QUERY with OP_REPLY, and refuses non-handshake OP_QUERY commands with 352', async () => {
    const { port } = await start();
    const conn = await raw(port);
    conn.send(encodeOpQuery({ requestId: 10, fullCollectionName: 'admin.$cmd', query: { $query: { isMaster: 1 } } }));
    conn.send(encodeOpQuery({ requestId: 11, fullCollectionName: 'test.$cmd', query: { find: 'c' } }));
    conn.send(encodeOpQuery({ requestId: 12, fullCollectionName: 'test.c', query: {} }));
    expect(await conn.waitFor(() => conn.messages.length >= 3)).toBe(true);
    const [hello, find, legacy] = conn.messages;
    expect(hello).toMatchObject({ type: 'OP_REPLY', responseFlags: 0, cursorId: 0n, startingFrom: 0, numberReturned: 1 });
    expect(body(hello as never)).toMatchObject({ ismaster: true, ok: 1 });
    expect(body(find as never)).toMatchObject({ ok: 0, code: 352, codeName: 'UnsupportedOpQueryCommand' });
    expect(legacy?.type === 'OP_REPLY' && legacy.responseFlags & OpReplyFlags.queryFailure).toBeTruthy();
  });

  it('replies with mongod errors to a readable but invalid command, and to a handler that throws', async () => {
    const { port, log } = await start();
    const conn = await raw(port);
    conn.send(encodeOpMsg({ requestId: 1, body: { ping: 1 } }));
    conn.send(encodeOpMsg({ requestId: 2, body: { throw: 1, $db: 'x' } }));
    expect(await conn.waitFor(() => conn.messages.length >= 2)).toBe(true);
    expect(body(conn.messages[0] as never)).toMatchObject({ ok: 0, code: 40571, errmsg: 'OP_MSG requests require a $db argument' });
    expect(body(conn.messages[1] as never)).toMatchObject({ ok: 0, code: 1, codeName: 'InternalError' });
    expect(log.entries.some((e) => e.s === 'E' && String(e.attr?.error).includes('handler bug'))).toBe(true);
    expect(conn.closed).toBe(false);
  });

  it('closes only the offending connection on bad framing, OP_COMPRESSED and unknown opcodes, with a log line', async () => {
    const { port, log, handler } = await start();
    const good = await raw(port);
    const cases = [
      Buffer.from([8, 0, 0, 0, 1, 2, 3, 4]), // length under 16
      Buffer.from([0x01, 0x6c, 0xdc, 0x02]), // 48,000,001
      encodeRaw(OpCode.OP_COMPRESSED, 1, 0, new Uint8Array(9)),
      encodeRaw(4242, 1, 0, new Uint8Array(3)),
      encodeRaw(OpCode.OP_INSERT, 1, 0, new Uint8Array(3)),
    ];
    for (const bytes of cases) {
      const bad = await raw(port);
      bad.send(bytes);
      expect(await bad.waitFor(() => bad.closed)).toBe(true);
      expect(bad.messages).toHaveLength(0);
    }
    good.send(encodeOpMsg({ requestId: 1, body: { ping: 1, $db: 'admin' } }));
    expect(await good.waitFor(() => good.messages.length === 1)).toBe(true);
    expect(log.entries.filter((e) => e.s === 'W' && e.c === 'NETWORK')).toHaveLength(cases.length);
    await waitUntil(() => handler.closed.length === cases.length);
  });

  it('closes connections over connectionsMax at once, and counts connections', async () => {
    const { listener, port, log } = await start({ connectionsMax: 2 });
    const a = await raw(port);
    const b = await raw(port);
    await waitUntil(() => listener.connectionCount === 2);
    const c = await raw(port);
    expect(await c.waitFor(() => c.closed)).toBe(true);
    expect(log.withId(22942)).toHaveLength(1);
    a.destroy();
    await waitUntil(() => listener.connectionCount === 1);
    const d = await raw(port);
    d.send(encodeOpMsg({ requestId: 1, body: { ping: 1, $db: 'admin' } }));
    expect(await d.waitFor(() => d.messages.length === 1)).toBe(true);
    expect(b.closed).toBe(false);
  });

  // Manual, serverStatus "connections" (transport/service_entry_point_impl.cpp appendStats): current,
  // available, totalCreated, rejected (over maxIncomingConnections), active (a command running),
  // exhaustHello (last request a hello with exhaustAllowed), awaitingTopologyChanges (waiting in an awaitable hello).
  it('counts what serverStatus().connections reports', async () => {
    const handler = new StubHandler();
    const stats = new WireConnectionStats(2);
    const listener = await serveWire({ network: new TcpNetwork(), address: { host: '127.0.0.1', port: 0 }, handler, log: new MemoryLogger(), limits: { connectionsMax: 2 }, stats });
    cleanups.push(() => listener.close());
    const a = await raw(listener.address.port);
    const b = await raw(listener.address.port);
    await waitUntil(() => stats.current === 2);
    expect(stats).toMatchObject({ current: 2, totalCreated: 2, rejected: 0, active: 0, exhaustHello: 0, awaitingTopologyChanges: 0 });
    const c = await raw(listener.address.port);
    expect(await c.waitFor(() => c.closed)).toBe(true);
    expect(stats).toMatchObject({ current: 2, totalCreated: 2, rejected: 1 });
    a.send(encodeOpMsg({ requestId: 1, flags: OpMsgFlags.exhaustAllowed, body: { hello: 1, topologyVersion: { processId: handler.processId, counter: 0 }, maxAwaitTimeMS: 60_000, $db: 'admin' } }));
    await waitUntil(() => stats.awaitingTopologyChanges === 1);
    expect(stats).toMatchObject({ active: 1, exhaustHello: 1, exhaustIsMaster: 0 });
    a.destroy();
    await waitUntil(() => stats.current === 1);
    expect(stats).toMatchObject({ active: 0, exhaustHello: 0, awaitingTopologyChanges: 0, totalCreated: 2 });
    expect(b.closed).toBe(false);
  });

  it('aborts the request signal and tells the handler when a connection closes', async () => {
    const { handler, port } = await start();
    const conn = await raw(port);
    conn.send(encodeOpMsg({ requestId: 1, flags: OpMsgFlags.exhaustAllowed, body: { hello: 1, topologyVersion: { processId: handler.processId, counter: 0 }, maxAwaitTimeMS: 60_000, $db: 'admin' } }));
    await waitUntil(() => handler.seen.length === 1);
    const request = handler.seen[0];
    expect(request?.signal.aborted).toBe(false);
    conn.destroy();
    await waitUntil(() => request?.signal.aborted === true);
    await waitUntil(() => handler.closed.length === 1);
    expect(handler.closed[0]?.id).toBe(request?.connection.id);
  });
});

describe('serveWire resilience', () => {
  it('holds a streamed hello that a buggy handler answers at once, unchanged, until maxAwaitTimeMS', async () => {
    const handler = new StubHandler();
    const hurried: CommandHandler = { run: (request) => handler.run({ ...request, body: { ...request.body, maxAwaitTimeMS: undefined } }) };
    const listener = await serveWire({ network: new TcpNetwork(), address: { host: '127.0.0.1', port: 0 }, handler: hurried, log: new MemoryLogger(), clock: new RealClock() });
    cleanups.push(() => listener.close());
    const conn = await raw(listener.address.port);
    const started = Date.now();
    conn.send(encodeOpMsg({ requestId: 1, flags: OpMsgFlags.exhaustAllowed, body: { hello: 1, topologyVersion: { processId: handler.processId, counter: 0 }, maxAwaitTimeMS: 200, $db: 'admin' } }));
    expect(await conn.waitFor(() => conn.messages.length >= 3)).toBe(true);
    // The first reply is immediate (the handler did not wait); each later one was held ~200 ms.
    expect(Date.now() - started).toBeGreaterThanOrEqual(380);
    expect(handler.seen.length).toBeLessThanOrEqual(4);
  });

  it('logs, and stays up, when the handler throws from connectionClosed', async () => {
    const handler = new StubHandler();
    handler.connectionClosed = () => {
      throw new Error('cleanup bug');
    };
    const log = new MemoryLogger();
    const listener = await serveWire({ network: new TcpNetwork(), address: { host: '127.0.0.1', port: 0 }, handler, log });
    cleanups.push(() => listener.close());
    const first = await raw(listener.address.port);
    first.destroy();
    await waitUntil(() => log.entries.some((e) => e.s === 'E' && String(e.attr?.error).includes('cleanup bug')));
    const second = await raw(listener.address.port);
    second.send(encodeOpMsg({ requestId: 1, body: { ping: 1, $db: 'admin' } }));
    expect(await second.waitFor(() => second.messages.length === 1)).toBe(true);
  });
});

async function waitUntil(predicate: () => boolean, timeoutMillis = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMillis;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error('waitUntil: timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}
