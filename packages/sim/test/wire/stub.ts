import * as net from 'node:net';
import { Long, ObjectId } from 'bson';
import type { Document } from 'bson';
import { ServerError, commandNotFound } from '../../src/base/errors';
import type { CommandHandler, CommandRequest, ConnectionInfo } from '../../src/commands/handler';
import { MessageFramer, decodeMessage } from '../../src/wire/codec';
import type { WireMessage } from '../../src/wire/codec';

/**
 * A stand-in member for wire tests: a standalone whose hello is awaitable (topologyVersion), ping,
 * and CommandNotFound for the rest. `bump()` changes the topology counter and wakes waiting hellos.
 */
export class StubHandler implements CommandHandler {
  readonly processId = new ObjectId();
  counter = 0;
  readonly seen: CommandRequest[] = [];
  readonly closed: ConnectionInfo[] = [];
  private waiters = new Set<() => void>();
  /** Set to make hello fail (to test that errors end an exhaust stream). */
  failHello = false;

  bump(): void {
    this.counter++;
    for (const wake of [...this.waiters]) wake();
  }

  async run(request: CommandRequest): Promise<Document> {
    this.seen.push(request);
    const name = Object.keys(request.body)[0] ?? '';
    switch (name) {
      case 'ping':
        return { ok: 1 };
      case 'hello':
      case 'isMaster':
      case 'ismaster':
        return this.hello(name, request);
      case 'echo':
        return { ok: 1, body: request.body };
      case 'endSessions':
        return { ok: 1 };
      case 'throw':
        throw new Error('handler bug');
      default:
        return commandNotFound(name).toReply();
    }
  }

  connectionClosed(connection: ConnectionInfo): void {
    this.closed.push(connection);
  }

  private async hello(name: string, request: CommandRequest): Promise<Document> {
    const tv = request.body.topologyVersion as { processId?: ObjectId; counter?: Long | number } | undefined;
    const maxAwaitTimeMS = request.body.maxAwaitTimeMS as number | undefined;
    if (tv !== undefined && maxAwaitTimeMS !== undefined && tv.processId?.equals(this.processId) === true && Number(tv.counter) === this.counter) {
      await new Promise<void>((resolve) => {
        const done = (): void => {
          clearTimeout(timer);
          this.waiters.delete(done);
          request.signal.removeEventListener('abort', done);
          resolve();
        };
        const timer = setTimeout(done, maxAwaitTimeMS);
        this.waiters.add(done);
        request.signal.addEventListener('abort', done);
      });
    }
    if (this.failHello) return new ServerError('ShutdownInProgress', 'The server is in quiesce mode and will shut down').toReply();
    return {
      ...(name === 'hello' ? { isWritablePrimary: true } : { ismaster: true }),
      helloOk: true,
      topologyVersion: { processId: this.processId, counter: Long.fromNumber(this.counter) },
      maxBsonObjectSize: 16 * 1024 * 1024,
      maxMessageSizeBytes: 48_000_000,
      maxWriteBatchSize: 100_000,
      localTime: new Date(),
      logicalSessionTimeoutMinutes: 30,
      connectionId: request.connection.id,
      minWireVersion: 0,
      maxWireVersion: 21,
      readOnly: false,
      ok: 1,
    };
  }
}

/** A raw socket that collects decoded messages, for tests that look at frames. */
export class RawConnection {
  readonly socket: net.Socket;
  readonly messages: WireMessage[] = [];
  closed = false;
  private readonly framer = new MessageFramer();
  private waiters: (() => void)[] = [];

  private constructor(socket: net.Socket) {
    this.socket = socket;
    socket.on('data', (chunk) => {
      for (const bytes of this.framer.push(chunk)) this.messages.push(decodeMessage(bytes));
      this.wake();
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
  }

  static open(port: number): Promise<RawConnection> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host: '127.0.0.1', port });
      socket.once('error', reject);
      socket.once('connect', () => resolve(new RawConnection(socket)));
    });
  }

  send(bytes: Uint8Array): void {
    this.socket.write(bytes);
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  /** Wait until `count` messages arrived, or the socket closed, or the timeout. */
  async waitFor(predicate: () => boolean, timeoutMillis = 5000): Promise<boolean> {
    const deadline = Date.now() + timeoutMillis;
    while (!predicate()) {
      const left = deadline - Date.now();
      if (left <= 0) return false;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return true;
  }

  destroy(): void {
    this.socket.destroy();
  }
}
