import { createNodeRuntimeHost } from '../../src/node';
import type { HostToServer, RuntimeHost } from '../../src/host/runtimeHost';

type Call = Extract<HostToServer, { type: 'driver.call' }>;
export type Answer = { ok: true; result: unknown } | { ok: false; error: { name: string; message: string; [key: string]: unknown } };

/**
 * Plays the server for one Node runtime host: starts Python, types lines, answers driver calls
 * with `answer` (the test's script) and records everything the host sent.
 */
export class FakeServer {
  readonly host: RuntimeHost;
  readonly calls: Call[] = [];
  readonly sent: HostToServer[] = [];
  output = '';
  private seq = 0;
  private waiters: Array<(message: HostToServer) => boolean> = [];
  answer: (call: Call) => Answer | Promise<Answer> | null = () => ({ ok: false, error: { name: 'RpcInvalid', message: 'no script' } });

  constructor(readonly session = 'rt-1') {
    this.host = createNodeRuntimeHost({
      send: (message) => this.receive(message),
      onOutput: (_tab, data) => {
        this.output += data;
      },
    });
  }

  private receive(message: HostToServer): void {
    this.sent.push(message);
    if (message.type === 'driver.call') {
      this.calls.push(message);
      void Promise.resolve(this.answer(message)).then((answer) => {
        if (answer) this.host.handle({ type: 'driver.reply', id: message.id, ...answer });
      });
    }
    this.waiters = this.waiters.filter((waiter) => !waiter(message));
  }

  next(predicate: (message: HostToServer) => boolean, timeoutMillis = 60_000): Promise<HostToServer> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no matching message within ${timeoutMillis} ms; output so far:\n${this.output}`)), timeoutMillis);
      this.waiters.push((message) => {
        if (!predicate(message)) return false;
        clearTimeout(timer);
        resolve(message);
        return true;
      });
    });
  }

  async start(): Promise<string> {
    const ready = this.next((m) => m.type === 'runtime.ready' || m.type === 'runtime.failed');
    this.host.handle({ type: 'runtime.start', session: this.session, tab: 't1', runtime: 'python', args: [], clock: { speed: 1, paused: false } });
    const message = await ready;
    if (message.type === 'runtime.failed') throw new Error(message.message);
    return this.output;
  }

  /** Type one line; resolves with what it printed and the next prompt. */
  async line(text: string): Promise<{ output: string; prompt: string; exit: boolean }> {
    const before = this.output.length;
    this.seq += 1;
    const seq = this.seq;
    const done = this.next((m) => m.type === 'runtime.done' && m.seq === seq);
    this.host.handle({ type: 'runtime.line', session: this.session, seq, line: text });
    const message = (await done) as Extract<HostToServer, { type: 'runtime.done' }>;
    return { output: this.output.slice(before), prompt: message.prompt, exit: message.exit === true };
  }

  /** Type several lines (a block ends with an empty one); returns everything printed. */
  async lines(...texts: string[]): Promise<string> {
    let out = '';
    for (const text of texts) out += (await this.line(text)).output;
    return out;
  }

  dispose(): void {
    this.host.dispose();
  }
}

export const ok = (result: unknown): Answer => ({ ok: true, result });
