import { afterEach, describe, expect, it } from 'vitest';
import type { Duplex, Listener } from '../../src/net/network';
import { NetworkError } from '../../src/net/network';
import { TcpNetwork } from '../../src/net/tcp';

const listeners: Listener[] = [];
afterEach(async () => {
  for (const l of listeners.splice(0)) await l.close();
});

describe('TcpNetwork', () => {
  it('listens on port 0, connects, carries bytes both ways and reports close', async () => {
    const network = new TcpNetwork();
    const accepted: Duplex[] = [];
    const listener = await network.listen({ host: '127.0.0.1', port: 0 }, (conn) => {
      accepted.push(conn);
      conn.onData((chunk) => conn.write(Uint8Array.from([...chunk].map((b) => b + 1))));
    });
    listeners.push(listener);
    expect(listener.address.host).toBe('127.0.0.1');
    expect(listener.address.port).toBeGreaterThan(0);
    const client = await network.connect('me', listener.address);
    const received = new Promise<Uint8Array>((resolve) => client.onData(resolve));
    client.write(Uint8Array.of(1, 2, 3));
    expect([...(await received)]).toEqual([2, 3, 4]);
    expect(client.remote).toBe(`127.0.0.1:${listener.address.port}`);
    const serverSawClose = new Promise<void>((resolve) => accepted[0]?.onClose(resolve));
    client.destroy();
    await serverSawClose;
    expect(accepted[0]?.closed).toBe(true);
  });

  it('maps a taken port to NetworkError EADDRINUSE', async () => {
    const network = new TcpNetwork();
    const first = await network.listen({ host: '127.0.0.1', port: 0 }, () => undefined);
    listeners.push(first);
    const error = await network.listen({ host: '127.0.0.1', port: first.address.port }, () => undefined).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NetworkError);
    expect((error as NetworkError).code).toBe('EADDRINUSE');
  });

  it('maps a closed port to ECONNREFUSED and an unknown host to EHOSTUNREACH', async () => {
    const network = new TcpNetwork();
    const l = await network.listen({ host: '127.0.0.1', port: 0 }, () => undefined);
    const port = l.address.port;
    await l.close();
    await expect(network.connect('me', { host: '127.0.0.1', port })).rejects.toMatchObject({ name: 'NetworkError', code: 'ECONNREFUSED' });
    // A name that cannot resolve is a host we cannot reach.
    const error = await network.connect('me', { host: 'no-such-host.invalid', port: 27017 }, { timeoutMillis: 5000 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NetworkError);
    expect(['EHOSTUNREACH', 'ETIMEDOUT']).toContain((error as NetworkError).code);
  });

  it('closing a listener ends the connections it accepted', async () => {
    const network = new TcpNetwork();
    const listener = await network.listen({ host: '127.0.0.1', port: 0 }, () => undefined);
    const client = await network.connect('me', listener.address);
    const closed = new Promise<void>((resolve) => client.onClose(resolve));
    await listener.close();
    await closed;
    expect(client.closed).toBe(true);
  });
});
