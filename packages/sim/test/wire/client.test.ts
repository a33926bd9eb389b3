import type { Document } from 'bson';
import { afterEach, describe, expect, it } from 'vitest';
import { RealClock } from '../../src/clock/realClock';
import type { CommandHandler, CommandRequest } from '../../src/commands/handler';
import { MemoryLogger } from '../../src/log/log';
import { NetworkError } from '../../src/net/network';
import { TcpNetwork } from '../../src/net/tcp';
import { WireClient, WirePeerTransport } from '../../src/wire/client';
import { serveWire } from '../../src/wire/server';
import type { WireListener } from '../../src/wire/server';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** Answers `{sleep: ms}` after that long, everything else at once with the body echoed. */
class SlowHandler implements CommandHandler {
  concurrent = 0;
  concurrentMax = 0;
  async run(request: CommandRequest): Promise<Document> {
    this.concurrent++;
    this.concurrentMax = Math.max(this.concurrentMax, this.concurrent);
    try {
      const sleep = request.body.sleep;
      if (typeof sleep === 'number') await new Promise((r) => setTimeout(r, sleep));
      return { ok: 1, db: request.db, echo: request.body, connectionId: request.connection.id };
    } finally {
      this.concurrent--;
    }
  }
}

async function start(handler: CommandHandler = new SlowHandler()): Promise<WireListener> {
  const listener = await serveWire({ network: new TcpNetwork(), address: { host: '127.0.0.1', port: 0 }, handler, log: new MemoryLogger() });
  cleanups.push(() => listener.close());
  return listener;
}

describe('WireClient', () => {
  it('matches pipelined replies to their requests', async () => {
    const listener = await start();
    const client = new WireClient(await new TcpNetwork().connect('a', listener.address), { clock: new RealClock() });
    cleanups.push(() => client.close());
    const replies = await Promise.all([client.command('x', { sleep: 30, n: 1 }), client.command('y', { n: 2 }), client.command('z', { n: 3 })]);
    expect(replies.map((r) => [r.db, (r.echo as Document).n])).toEqual([
      ['x', 1],
      ['y', 2],
      ['z', 3],
    ]);
  });

  it('times out with ETIMEDOUT and closes, failing the other requests with NetworkError', async () => {
    const listener = await start();
    const client = new WireClient(await new TcpNetwork().connect('a', listener.address), { clock: new RealClock() });
    const slow = client.command('x', { sleep: 2000 }, { timeoutMillis: 50 });
    const other = client.command('x', { sleep: 2000 });
    await expect(slow).rejects.toMatchObject({ name: 'NetworkError', code: 'ETIMEDOUT' });
    await expect(other).rejects.toBeInstanceOf(NetworkError);
    expect(client.closed).toBe(true);
    await expect(client.command('x', { ping: 1 })).rejects.toBeInstanceOf(NetworkError);
  });

  it('rejects with NetworkError when the server goes away', async () => {
    const listener = await start();
    const client = new WireClient(await new TcpNetwork().connect('a', listener.address), { clock: new RealClock() });
    const pending = client.command('x', { sleep: 5000 });
    await new Promise((r) => setTimeout(r, 20));
    await listener.close();
    await expect(pending).rejects.toMatchObject({ name: 'NetworkError', code: 'ECONNRESET' });
  });
});

describe('WirePeerTransport', () => {
  it('reuses connections and caps them per target', async () => {
    const handler = new SlowHandler();
    const listener = await start(handler);
    const transport = new WirePeerTransport({ network: new TcpNetwork(), clock: new RealClock(), connectionsPerTargetMax: 2, idleConnectionsPerTargetMax: 2 });
    cleanups.push(() => transport.close());
    const first = await transport.request('me', listener.address, 'admin', { ping: 1 });
    const second = await transport.request('me', listener.address, 'admin', { ping: 1 });
    expect(second.connectionId).toBe(first.connectionId);
    const many = await Promise.all(Array.from({ length: 6 }, (_, n) => transport.request('me', listener.address, 'admin', { sleep: 20, n })));
    expect(many.map((r) => (r.echo as Document).n)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(handler.concurrentMax).toBe(2);
    expect(new Set(many.map((r) => r.connectionId)).size).toBe(2);
    expect(transport.connectionCount).toBe(2);
  });

  it('reports refused connections and timeouts as NetworkError, and recovers', async () => {
    const listener = await start();
    const transport = new WirePeerTransport({ network: new TcpNetwork(), clock: new RealClock() });
    cleanups.push(() => transport.close());
    await expect(transport.request('me', { host: '127.0.0.1', port: 1 }, 'admin', { ping: 1 })).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    await expect(transport.request('me', listener.address, 'admin', { sleep: 1000 }, { timeoutMillis: 50 })).rejects.toMatchObject({ code: 'ETIMEDOUT' });
    const ok = await transport.request('me', listener.address, 'admin', { ping: 1 }, { timeoutMillis: 1000 });
    expect(ok.ok).toBe(1);
  });
});
