import { describe, expect, it } from 'vitest';
import { VirtualClock, drainMicrotasks } from '../../src/clock/virtual';
import type { Duplex } from '../../src/net/network';
import { NetworkError } from '../../src/net/network';
import { VirtualNetwork } from '../../src/net/virtual';

const A = { host: 'morton.local', port: 27017 };

async function setup(delay = 0): Promise<{ clock: VirtualClock; net: VirtualNetwork; server: Duplex[]; received: string[] }> {
  const clock = new VirtualClock(0);
  const net = new VirtualNetwork({ clock, defaultDelayMillis: delay });
  const server: Duplex[] = [];
  const received: string[] = [];
  await net.listen(A, (conn) => {
    server.push(conn);
    conn.onData((chunk) => {
      received.push(new TextDecoder().decode(chunk));
      conn.write(chunk);
    });
  });
  return { clock, net, server, received };
}

async function settle(clock: VirtualClock, millis = 0): Promise<void> {
  await clock.advanceAsync(millis, () => drainMicrotasks());
}

describe('VirtualNetwork', () => {
  it('connects by host:port and carries bytes both ways after the link delay', async () => {
    const { clock, net, received } = await setup(5);
    const connecting = net.connect('client', A);
    await settle(clock, 10);
    const conn = await connecting;
    const echoed: string[] = [];
    conn.onData((c) => echoed.push(new TextDecoder().decode(c)));
    conn.write(new TextEncoder().encode('ping'));
    await settle(clock, 4);
    expect(received).toEqual([]);
    await settle(clock, 1);
    expect(received).toEqual(['ping']);
    await settle(clock, 5);
    expect(echoed).toEqual(['ping']);
  });

  it('refuses a second listener and connections to nobody', async () => {
    const { clock, net } = await setup();
    await expect(net.listen(A, () => undefined)).rejects.toMatchObject({ code: 'EADDRINUSE' });
    const refused = net.connect('client', { host: 'morton.local', port: 1 });
    await settle(clock);
    await expect(refused).rejects.toBeInstanceOf(NetworkError);
    await expect(refused).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });

  it('killing a host resets its streams and refuses new connections until restart', async () => {
    const { clock, net } = await setup();
    const p = net.connect('client', A);
    await settle(clock);
    const conn = await p;
    let closed = false;
    conn.onClose(() => {
      closed = true;
    });
    net.kill('morton.local:27017');
    expect(closed).toBe(true);
    expect(net.isListening(A)).toBe(false);
    const again = net.connect('client', A);
    await settle(clock);
    await expect(again).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    net.restart('morton.local:27017');
    await net.listen(A, () => undefined);
    const third = net.connect('client', A);
    await settle(clock);
    await expect(third).resolves.toBeDefined();
  });

  it('a cut link stalls bytes until healed; connects across a partition time out', async () => {
    const { clock, net, received } = await setup();
    const p = net.connect('client', A);
    await settle(clock);
    const conn = await p;
    net.faults.cut('client', 'morton.local:27017', true);
    conn.write(new TextEncoder().encode('held'));
    await settle(clock, 1000);
    expect(received).toEqual([]);
    net.faults.heal('client', 'morton.local:27017', true);
    await settle(clock);
    expect(received).toEqual(['held']);

    net.faults.partition([['client'], ['morton.local:27017']]);
    const blocked = net.connect('client', A, { timeoutMillis: 3000 });
    let outcome: unknown;
    blocked.catch((e: unknown) => {
      outcome = e;
    });
    await settle(clock, 2999);
    expect(outcome).toBeUndefined();
    await settle(clock, 1);
    expect(outcome).toMatchObject({ code: 'ETIMEDOUT' });
    net.faults.healAll();
    expect(net.faults.snapshot().partitions).toEqual([]);
  });

  it('end() delivers what was written, then closes both sides', async () => {
    const { clock, net, server, received } = await setup();
    const p = net.connect('client', A);
    await settle(clock);
    const conn = await p;
    let serverClosed = false;
    server[0]!.onClose(() => {
      serverClosed = true;
    });
    conn.write(new TextEncoder().encode('last'));
    conn.end();
    await settle(clock);
    expect(received).toEqual(['last']);
    expect(serverClosed).toBe(true);
    expect(conn.closed).toBe(true);
    expect(net.openStreams).toBe(0);
  });
});
