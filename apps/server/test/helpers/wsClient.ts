import WebSocket from 'ws';
import type { FastifyInstance } from 'fastify';
import type { ServerMessage } from '@rslab/protocol';

/** A test client speaking the page's protocol over a real WebSocket on loopback. */
export class TestClient {
  readonly messages: ServerMessage[] = [];
  private waiters: Array<() => void> = [];
  closeCode: number | null = null;

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data) => {
      this.messages.push(JSON.parse(String(data)) as ServerMessage);
      this.wake();
    });
    socket.on('close', (code) => {
      this.closeCode = code;
      this.wake();
    });
  }

  static async connect(baseUrl: string, cookie: string, path = '/ws'): Promise<TestClient> {
    const socket = new WebSocket(`${baseUrl.replace('http', 'ws')}${path}`, { headers: { cookie } });
    const client = new TestClient(socket);
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    return client;
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const waiter of waiters) waiter();
  }

  send(message: unknown): void {
    this.socket.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  /** Wait until some message satisfies `predicate`; fails after `timeoutMillis`. */
  async waitFor<T extends ServerMessage>(predicate: (m: ServerMessage) => m is T, timeoutMillis?: number): Promise<T>;
  async waitFor(predicate: (m: ServerMessage) => boolean, timeoutMillis?: number): Promise<ServerMessage>;
  async waitFor(predicate: (m: ServerMessage) => boolean, timeoutMillis = 5000): Promise<ServerMessage> {
    const deadline = Date.now() + timeoutMillis;
    for (;;) {
      const found = this.messages.find(predicate);
      if (found) return found;
      if (this.closeCode !== null) throw new Error(`socket closed (${this.closeCode}) while waiting`);
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw new Error(`timed out; got ${JSON.stringify(this.messages).slice(0, 2000)}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, remaining);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  async waitForClose(timeoutMillis = 5000): Promise<number> {
    const deadline = Date.now() + timeoutMillis;
    while (this.closeCode === null) {
      if (Date.now() > deadline) throw new Error('socket did not close');
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
    return this.closeCode;
  }

  /** Everything printed on `tab` so far. */
  output(tab: string): string {
    return this.messages
      .filter((m): m is Extract<ServerMessage, { type: 'output' }> => m.type === 'output' && m.tab === tab)
      .map((m) => m.data)
      .join('');
  }

  close(): void {
    this.socket.close();
  }
}

/** Type `line` into `tab` and wait for the next prompt; returns what the tab printed meanwhile. */
export async function runLine(client: TestClient, tab: string, line: string, timeoutMillis = 5000): Promise<string> {
  const before = client.messages.length;
  client.send({ type: 'input', tab, line });
  await client.waitFor((m) => client.messages.indexOf(m) >= before && m.type === 'prompt' && m.tab === tab, timeoutMillis);
  return client.messages
    .slice(before)
    .filter((m): m is Extract<ServerMessage, { type: 'output' }> => m.type === 'output' && m.tab === tab)
    .map((m) => m.data)
    .join('');
}

/** Listen on a loopback port the OS picks and get a session cookie as a page load would. */
export async function startServer(app: FastifyInstance): Promise<{ baseUrl: string; cookie: () => Promise<string> }> {
  const baseUrl = await app.listen({ host: '127.0.0.1', port: 0 });
  return {
    baseUrl,
    cookie: async () => {
      const response = await app.inject({ method: 'GET', url: '/api/health' });
      const setCookie = response.headers['set-cookie'];
      const first = Array.isArray(setCookie) ? setCookie[0] : setCookie;
      if (!first) throw new Error('no session cookie issued');
      return first.split(';')[0] as string;
    },
  };
}
