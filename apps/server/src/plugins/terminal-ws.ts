import fp from 'fastify-plugin';
import type { WebSocket } from 'ws';
import { ProtocolErrorCode, type ServerMessage } from '../protocol/messages';
import { parseClientMessage } from '../protocol/validate';
import { newSessionId } from './session';
import { SandboxLimitError, type Sandbox } from '../sandbox/sandbox';
import type { TerminalSession } from '../terminal/session';
import type { Settings } from '../settings';

/** Close codes we use, from the WebSocket registry. */
const closeCode = { tryAgainLater: 1013, policyViolation: 1008 } as const;

/** A fixed one-second window: enough to stop a flood without punishing fast typists. */
class RateWindow {
  private windowStart = 0;
  private count = 0;
  constructor(private readonly perSecondMax: number) {}
  allow(now: number): boolean {
    if (now - this.windowStart >= 1000) {
      this.windowStart = now;
      this.count = 0;
    }
    this.count += 1;
    return this.count <= this.perSecondMax;
  }
}

export const terminalWsPlugin = fp<{ settings: Settings }>(
  async (app, { settings }) => {
    app.get('/ws', { websocket: true }, (socket, request) => {
      const send = (message: ServerMessage): void => {
        if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(message));
      };
      const sessionId = request.sessionId ?? newSessionId();
      let sandbox: Sandbox;
      let created: boolean;
      try {
        ({ sandbox, created } = app.sandboxes.obtain(sessionId));
      } catch (error) {
        if (error instanceof SandboxLimitError) {
          send({ type: 'error', code: 'ServerFull', message: error.message });
          socket.close(closeCode.tryAgainLater, 'server full');
          return;
        }
        throw error;
      }
      new Connection(socket, sandbox, settings, send, () => app.sandboxes.touch(sessionId)).start(!created);
    });
  },
  { name: 'rslab-terminal-ws', dependencies: ['rslab-sandboxes', 'rslab-session'] },
);

/** One browser tab's WebSocket: relays terminal traffic between the page and its sandbox. */
class Connection {
  private readonly unsubscribers = new Map<string, () => void>();
  private readonly rate: RateWindow;

  constructor(
    private readonly socket: WebSocket,
    private readonly sandbox: Sandbox,
    settings: Settings,
    private readonly send: (message: ServerMessage) => void,
    private readonly touch: () => void,
  ) {
    this.rate = new RateWindow(settings.inputMessagesPerSecondMax);
  }

  start(resumed: boolean): void {
    const tabs = [...this.sandbox.tabs.values()];
    for (const tab of tabs) this.follow(tab);
    this.send({ type: 'welcome', sandboxId: this.sandbox.id, resumed, tabs: tabs.map((tab) => tab.snapshot()) });
    const unsubscribeSandbox = this.sandbox.subscribe((event) => {
      if (event.type === 'tab.opened') {
        this.follow(event.tab);
        this.send({ type: 'tab.opened', tab: event.tab.snapshot() });
      } else {
        this.unsubscribers.get(event.tabId)?.();
        this.unsubscribers.delete(event.tabId);
        this.send({ type: 'tab.closed', tab: event.tabId });
      }
    });
    const unwatch = this.sandbox.watch({
      cluster: (cluster) => this.send({ type: 'cluster', cluster }),
      events: (events) => {
        if (events.length > 0) this.send({ type: 'events', events });
      },
      lesson: (progress) => this.send({ type: 'lesson', progress }),
    });
    this.socket.on('message', (data, isBinary) => this.receive(data, isBinary));
    this.socket.on('close', () => {
      unwatch();
      unsubscribeSandbox();
      for (const unsubscribe of this.unsubscribers.values()) unsubscribe();
      this.unsubscribers.clear();
    });
  }

  private follow(tab: TerminalSession): void {
    const unsubscribe = tab.subscribe((event) => {
      if (event.type === 'output') this.send({ type: 'output', tab: tab.id, data: event.data });
      else if (event.type === 'prompt') this.send({ type: 'prompt', tab: tab.id, prompt: event.prompt });
      else this.send({ type: 'clear', tab: tab.id });
    });
    this.unsubscribers.set(tab.id, unsubscribe);
  }

  private receive(data: unknown, isBinary: boolean): void {
    if (isBinary) {
      this.send({ type: 'error', code: ProtocolErrorCode.invalidMessage, message: 'binary frames are not accepted' });
      return;
    }
    if (!this.rate.allow(Date.now())) {
      this.send({ type: 'error', code: ProtocolErrorCode.rateLimited, message: 'too many messages; slow down' });
      return;
    }
    this.touch();
    const text = Buffer.isBuffer(data) ? data.toString('utf8') : Array.isArray(data) ? Buffer.concat(data).toString('utf8') : String(data);
    const parsed = parseClientMessage(text);
    if (!parsed.ok) {
      this.send({ type: 'error', code: parsed.code, message: parsed.message });
      return;
    }
    const message = parsed.message;
    switch (message.type) {
      case 'ping':
        this.send({ type: 'pong', nonce: message.nonce });
        return;
      case 'tab.open': {
        try {
          this.sandbox.openTab();
        } catch (error) {
          if (!(error instanceof SandboxLimitError)) throw error;
          this.send({ type: 'error', code: ProtocolErrorCode.tabsExhausted, message: error.message });
        }
        return;
      }
      case 'control':
        void this.sandbox.control(message).then((ack) => this.send({ type: 'control.ack', requestId: message.requestId, ...ack }));
        return;
      default:
        break;
    }
    const tab = this.sandbox.tabs.get(message.tab);
    if (!tab) {
      this.send({ type: 'error', code: ProtocolErrorCode.unknownTab, message: `no terminal '${message.tab}'` });
      return;
    }
    switch (message.type) {
      case 'input': {
        const result = tab.submit(message.line);
        if (!result.accepted) this.send({ type: 'error', code: ProtocolErrorCode.rateLimited, message: result.reason ?? 'refused' });
        return;
      }
      case 'interrupt':
        tab.interrupt();
        return;
      case 'complete': {
        const completion = tab.complete(message.line, Math.min(message.cursor, message.line.length));
        this.send({ type: 'completion', tab: tab.id, requestId: message.requestId, ...completion });
        return;
      }
      case 'tab.close':
        this.sandbox.closeTab(tab.id);
        return;
    }
  }
}
