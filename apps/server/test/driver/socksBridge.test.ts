import { afterEach, describe, expect, it } from 'vitest';
import { SocksClient } from 'socks';
import { VirtualNetwork, type Clock } from '@rslab/sim';
import { SocksBridge, type SocksRoute } from '../../src/driver/socksBridge';

/** Real time, as the server runs sandboxes at speed 1. */
const realClock: Clock = {
  now: () => Date.now(),
  setTimer: (delay, callback) => {
    const timer = setTimeout(callback, delay);
    return { cancel: () => clearTimeout(timer) };
  },
};

/** A sandbox with one host that echoes what it receives, prefixed with its own name. */
async function sandboxWithEcho(name: string): Promise<{ network: VirtualNetwork; route: SocksRoute }> {
  const network = new VirtualNetwork({ clock: realClock });
  await network.listen({ host: 'morton.local', port: 27017 }, (conn) => {
    conn.onData((chunk) => conn.write(new TextEncoder().encode(`${name}:${new TextDecoder().decode(chunk)}`)));
  });
  return { network, route: { network, fromHost: 'driver.local' } };
}

let bridge: SocksBridge | null = null;
afterEach(async () => {
  await bridge?.close();
  bridge = null;
});

async function start(routes: Record<string, SocksRoute>) {
  bridge = new SocksBridge({
    authenticate: (username, password) => (password === `pw-${username}` ? (routes[username] ?? null) : null),
    handshakeTimeoutMillis: 2000,
  });
  const { port } = await bridge.listen(0);
  return port;
}

function connect(port: number, userId: string, password: string, host = 'morton.local', destinationPort = 27017) {
  return SocksClient.createConnection({
    proxy: { host: '127.0.0.1', port, type: 5, userId, password },
    command: 'connect',
    destination: { host, port: destinationPort },
    timeout: 3000,
  });
}

async function roundTrip(port: number, user: string, text: string): Promise<string> {
  const { socket } = await connect(port, user, `pw-${user}`);
  const answer = new Promise<string>((resolve) => socket.once('data', (data: Buffer) => resolve(data.toString())));
  socket.write(text);
  const result = await answer;
  socket.destroy();
  return result;
}

describe('SocksBridge', () => {
  it('routes an unresolved host name to the sandbox the credentials name', async () => {
    const a = await sandboxWithEcho('A');
    const b = await sandboxWithEcho('B');
    const port = await start({ a: a.route, b: b.route });
    expect(await roundTrip(port, 'a', 'hello')).toBe('A:hello');
    expect(await roundTrip(port, 'b', 'hello')).toBe('B:hello');
  });

  it('keeps sandboxes apart: a host only in another sandbox is refused', async () => {
    const a = await sandboxWithEcho('A');
    const lonely = new VirtualNetwork({ clock: realClock });
    await lonely.listen({ host: 'elsewhere.local', port: 27017 }, () => {});
    const port = await start({ a: a.route, lonely: { network: lonely, fromHost: 'x' } });
    await expect(connect(port, 'a', 'pw-a', 'elsewhere.local')).rejects.toThrow(/ConnectionRefused/);
    await expect(connect(port, 'lonely', 'pw-lonely', 'morton.local')).rejects.toThrow(/ConnectionRefused/);
  });

  it('refuses wrong credentials and closed ports', async () => {
    const a = await sandboxWithEcho('A');
    const port = await start({ a: a.route });
    await expect(connect(port, 'a', 'wrong')).rejects.toThrow(/Authentication failed/i);
    await expect(connect(port, 'a', 'pw-a', 'morton.local', 27018)).rejects.toThrow(/ConnectionRefused/);
    expect(await roundTrip(port, 'a', 'still works')).toBe('A:still works');
  });
});
