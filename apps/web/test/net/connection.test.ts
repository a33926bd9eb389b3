import { describe, expect, it } from 'vitest';
import { Connection, type ConnectionStatus, type SocketLike } from '../../src/net/connection';

class FakeSocket implements SocketLike {
  readyState = 0;
  sent: string[] = [];
  onopen: ((event: Event) => void) | null = null;
  onclose: ((event: CloseEvent) => void) | null = null;
  onmessage: ((event: MessageEvent) => void) | null = null;
  send(data: string) {
    this.sent.push(data);
  }
  close() {
    this.readyState = 3;
    this.onclose?.({} as CloseEvent);
  }
  open() {
    this.readyState = 1;
    this.onopen?.({} as Event);
  }
}

function setup() {
  const sockets: FakeSocket[] = [];
  const statuses: ConnectionStatus[] = [];
  const timers: Array<{ callback: () => void; delay: number }> = [];
  const messages: unknown[] = [];
  const connection = new Connection({
    url: 'ws://x/ws',
    createSocket: () => {
      const socket = new FakeSocket();
      sockets.push(socket);
      return socket;
    },
    onMessage: (m) => messages.push(m),
    onStatus: (s) => statuses.push(s),
    schedule: (callback, delay) => timers.push({ callback, delay }),
  });
  return { connection, sockets, statuses, timers, messages };
}

describe('Connection', () => {
  it('reconnects with growing delays after the server goes away, and resets once open', () => {
    const { connection, sockets, statuses, timers } = setup();
    connection.start();
    sockets[0]!.open();
    sockets[0]!.close();
    expect(statuses).toEqual(['connecting', 'open', 'reconnecting']);
    expect(timers.map((t) => t.delay)).toEqual([250]);
    timers[0]!.callback();
    sockets[1]!.close();
    timers[1]!.callback();
    sockets[2]!.close();
    expect(timers.map((t) => t.delay)).toEqual([250, 500, 1000]);
    timers[2]!.callback();
    sockets[3]!.open();
    expect(statuses.at(-1)).toBe('open');
    sockets[3]!.close();
    expect(timers.at(-1)!.delay).toBe(250);
  });

  it('sends only while open, parses JSON frames and skips broken ones', () => {
    const { connection, sockets, messages } = setup();
    connection.start();
    expect(connection.send({ type: 'ping', nonce: 1 })).toBe(false);
    sockets[0]!.open();
    expect(connection.send({ type: 'ping', nonce: 2 })).toBe(true);
    expect(sockets[0]!.sent).toEqual(['{"type":"ping","nonce":2}']);
    sockets[0]!.onmessage!({ data: '{"type":"pong","nonce":2}' } as MessageEvent);
    sockets[0]!.onmessage!({ data: 'garbage' } as MessageEvent);
    expect(messages).toEqual([{ type: 'pong', nonce: 2 }]);
  });

  it('stays closed after stop()', () => {
    const { connection, sockets, timers } = setup();
    connection.start();
    sockets[0]!.open();
    connection.stop();
    expect(timers).toHaveLength(0);
  });
});
