import { randomBytes } from 'node:crypto';
import type { WebSocket } from 'ws';
import {
  ClientMessage as ClientMessageSchema,
  ProtocolErrorCode,
  RuntimeHostMessage,
  type ClientMessage,
  type ParseResult,
  type ProgressClientMessage,
  type RoomClientMessage,
  type RoomWelcome,
  type ServerMessage,
} from '@rslab/protocol';
import { MomentNotKeptError } from '../sandbox/history';
import { SandboxLimitError, type Sandbox } from '../workspace/sandbox';
import type { TerminalSession } from '../terminal/session';
import { openLesson } from '../transcript/lessonStart';

/** Lines remembered per tab as sent by this page and not yet run (a terminal holds at most 64 waiting). */
const ownLinesMax = 100;

/** Everything a page may send on either WebSocket. */
export type AnyClientMessage = ClientMessage | ProgressClientMessage | RoomClientMessage;

/** Close codes we use, from the WebSocket registry. */
export const closeCode = { tryAgainLater: 1013, policyViolation: 1008 } as const;

/** A fixed one-second window: enough to stop a flood without punishing fast typists. */
export class RateWindow {
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

/** How a connection shows a sandbox: read-only connections follow it but may not change it. */
export interface AttachOptions {
  readOnly: boolean;
  resumed: boolean;
  room?: RoomWelcome;
}

/**
 * One browser tab's WebSocket as a feature (rooms, resume links) sees it: what it shows and how
 * to tell the page something. The feature never reaches the socket itself.
 */
export interface TabConnection {
  /** The sandbox this connection shows now, or null. */
  readonly attached: Sandbox | null;
  /** Show `sandbox` from now on: a welcome with its tabs, then its live feed. */
  attach(sandbox: Sandbox, options: AttachOptions): void;
  /** Stop showing any sandbox. */
  detach(): void;
  send(message: ServerMessage): void;
}

/** What a WebSocket route adds to the terminal protocol: the messages it parses and takes first. */
export interface ConnectionFeature {
  /** Parse one text frame into a message this WebSocket takes. */
  parse(raw: string): ParseResult<AnyClientMessage>;
  /** A message that is not terminal traffic (or that the feature takes before it); true when handled. */
  handle(message: AnyClientMessage): boolean;
  /** The socket closed (after the connection detached). */
  closed?(): void;
}

export interface ConnectionOptions {
  inputMessagesPerSecondMax: number;
  /** Called on every message the page sends: keeps the shown sandbox from being reclaimed as idle. */
  touch: () => void;
  /** What this WebSocket takes besides the terminal protocol, made once the connection exists. */
  feature: (connection: TabConnection) => ConnectionFeature;
}

/**
 * One browser tab's WebSocket: relays terminal traffic between the page and the sandbox it is
 * attached to. On `/ws` that is the session's own sandbox from the start; on `/ws/room` the room
 * feature attaches it (and re-attaches it on fork and rejoin) and handles the room messages.
 */
export class Connection implements TabConnection {
  private readonly unsubscribers = new Map<string, () => void>();
  /** Lines this connection sent, per tab, not yet started: their echo is already on this page. */
  private readonly ownLines = new Map<string, string[]>();
  private readonly rate: RateWindow;
  private readonly feature: ConnectionFeature;
  private sandbox: Sandbox | null = null;
  private readOnly = false;
  private detachCurrent: (() => void) | null = null;
  /** This page as a host of client runtimes (Python runs in the page that typed `python`). */
  readonly hostId = `page-${randomBytes(6).toString('hex')}`;
  /** Set once the page said it can run runtimes (`runtime.host`); test clients and bots never do. */
  private hosting = false;
  private detachHost: (() => void) | null = null;

  constructor(
    private readonly socket: WebSocket,
    private readonly options: ConnectionOptions,
  ) {
    this.rate = new RateWindow(options.inputMessagesPerSecondMax);
    this.feature = options.feature(this);
    this.socket.on('message', (data, isBinary) => this.receive(data, isBinary));
    this.socket.on('close', () => {
      this.detach();
      this.feature.closed?.();
    });
  }

  send(message: ServerMessage): void {
    if (this.socket.readyState === this.socket.OPEN) this.socket.send(JSON.stringify(message));
  }

  get attached(): Sandbox | null {
    return this.sandbox;
  }

  attach(sandbox: Sandbox, options: AttachOptions): void {
    this.detach();
    this.sandbox = sandbox;
    this.readOnly = options.readOnly;
    const tabs = [...sandbox.tabs.values()];
    for (const tab of tabs) this.follow(tab);
    // A page that may type can also run the tab's Python; a read-only one only watches.
    if (this.hosting) this.becomeHost();
    this.send({
      type: 'welcome',
      sandboxId: sandbox.id,
      resumed: options.resumed,
      tabs: tabs.map((tab) => tab.snapshot()),
      ...(options.room ? { room: options.room } : {}),
    });
    const unsubscribeSandbox = sandbox.subscribe((event) => {
      if (event.type === 'replaced') {
        // The sandbox's worker thread died: say so, then show the fresh one that took its place.
        this.send({ type: 'error', code: ProtocolErrorCode.sandboxLost, message: event.message });
        this.attach(event.by, { ...options, resumed: false });
        return;
      }
      if (event.type === 'tab.opened') {
        this.follow(event.tab);
        this.send({ type: 'tab.opened', tab: event.tab.snapshot() });
      } else {
        this.unsubscribers.get(event.tabId)?.();
        this.unsubscribers.delete(event.tabId);
        this.send({ type: 'tab.closed', tab: event.tabId });
      }
    });
    const unwatch = sandbox.watch({
      cluster: (cluster) => {
        const historyFrom = sandbox.lab.past.reachesBackToMillis;
        this.send({ type: 'cluster', cluster, ...(historyFrom !== null ? { historyFrom } : {}) });
      },
      events: (events) => {
        if (events.length > 0) this.send({ type: 'events', events });
      },
      lesson: (progress) => this.send({ type: 'lesson', progress }),
    });
    this.detachCurrent = () => {
      this.detachHost?.();
      this.detachHost = null;
      unwatch();
      unsubscribeSandbox();
      for (const unsubscribe of this.unsubscribers.values()) unsubscribe();
      this.unsubscribers.clear();
    };
  }

  detach(): void {
    this.ownLines.clear();
    this.detachCurrent?.();
    this.detachCurrent = null;
    this.sandbox = null;
  }

  close(code: number, reason: string): void {
    this.socket.close(code, reason);
  }

  private follow(tab: TerminalSession): void {
    const unsubscribe = tab.subscribe((event) => {
      // Output of a runtime this page hosts is on its screen already.
      if (event.type === 'output') {
        if (event.origin !== this.hostId) this.send({ type: 'output', tab: tab.id, data: event.data });
      }
      else if (event.type === 'prompt') this.send({ type: 'prompt', tab: tab.id, prompt: event.prompt });
      else this.send({ type: 'clear', tab: tab.id });
    });
    // The typist's page echoes what it types itself; every other page showing this tab (a
    // follower, the presenter view, a second tab) is sent the line.
    const unsubscribeLines = tab.subscribeLines((line) => {
      // Lines run in the order sent; ones before it that never ran were dropped by a Ctrl-C.
      const own = this.ownLines.get(tab.id);
      const index = own ? own.indexOf(line) : -1;
      if (own && index !== -1) {
        own.splice(0, index + 1);
        return;
      }
      this.send({ type: 'output', tab: tab.id, data: `${line}\n` });
    });
    this.unsubscribers.set(tab.id, () => {
      unsubscribe();
      unsubscribeLines();
    });
  }

  private fromRuntimeHost(text: string): void {
    const parsed = this.feature.parse(text);
    if (!parsed.ok) {
      this.send({ type: 'error', code: parsed.code, message: parsed.message });
      return;
    }
    if (parsed.message.type === 'runtime.host') {
      this.hosting = true;
      this.becomeHost();
      return;
    }
    const sandbox = this.sandbox;
    if (!sandbox || this.readOnly) {
      if (parsed.message.type === 'driver.call') {
        this.send({ type: 'driver.reply', id: parsed.message.id, ok: false, error: { name: 'UnknownHandle', message: 'this page runs no shell for this sandbox' } });
      }
      return;
    }
    this.options.touch();
    sandbox.runtimes.receive(this.hostId, parsed.message as Exclude<RuntimeHostMessage, { type: 'runtime.host' }>);
  }

  /** Run this sandbox's new Python (and restart lost ones) in this page, if it may type. */
  private becomeHost(): void {
    if (this.detachHost || !this.sandbox || this.readOnly) return;
    this.detachHost = this.sandbox.runtimes.attachHost({ id: this.hostId, send: (message) => this.send(message) });
  }

  private refuseReadOnly(what: string): void {
    this.send({
      type: 'error',
      code: ProtocolErrorCode.readOnly,
      message: `${what} refused: this view is read-only (you are following someone else's sandbox); use "Try it myself" to get your own`,
    });
  }

  private receive(data: unknown, isBinary: boolean): void {
    if (isBinary) {
      this.send({ type: 'error', code: ProtocolErrorCode.invalidMessage, message: 'binary frames are not accepted' });
      return;
    }
    const text = Buffer.isBuffer(data) ? data.toString('utf8') : Array.isArray(data) ? Buffer.concat(data).toString('utf8') : String(data);
    // A hosted runtime's messages have their own limits (the RPC executor's, the host's output budget).
    if (runtimeTypes.has(peekType(text))) {
      this.fromRuntimeHost(text);
      return;
    }
    if (!this.rate.allow(Date.now())) {
      this.send({ type: 'error', code: ProtocolErrorCode.rateLimited, message: 'too many messages; slow down' });
      return;
    }
    this.options.touch();
    const parsed = this.feature.parse(text);
    if (!parsed.ok) {
      this.send({ type: 'error', code: parsed.code, message: parsed.message });
      return;
    }
    const message = parsed.message;
    if (message.type === 'ping') {
      this.send({ type: 'pong', nonce: message.nonce });
      return;
    }
    if (this.feature.handle(message)) return;
    const sandbox = this.sandbox;
    if (!sandbox) {
      this.send({ type: 'error', code: ProtocolErrorCode.notInRoom, message: `'${message.type}' needs a sandbox: send room.follow or room.instructor first` });
      return;
    }
    if (!isTerminalMessage(message)) {
      this.send({ type: 'error', code: ProtocolErrorCode.invalidMessage, message: `'${message.type}' is not taken on this connection` });
      return;
    }
    if (this.readOnly && message.type !== 'complete' && message.type !== 'timeline.view') {
      this.refuseReadOnly(message.type === 'control' ? `control '${message.action}'` : `'${message.type}'`);
      // A control is also answered as such, so the page stops waiting for it.
      if (message.type === 'control') this.send({ type: 'control.ack', requestId: message.requestId, ok: false, message: `${message.action} refused: this view is read-only` });
      return;
    }
    this.terminal(sandbox, message);
  }

  private terminal(sandbox: Sandbox, message: ClientMessage): void {
    switch (message.type) {
      case 'tab.open': {
        try {
          sandbox.openTab();
        } catch (error) {
          if (!(error instanceof SandboxLimitError)) throw error;
          this.send({ type: 'error', code: ProtocolErrorCode.tabsExhausted, message: error.message });
        }
        return;
      }
      case 'control':
        sandbox.control(message).then(
          (ack) => this.send({ type: 'control.ack', requestId: message.requestId, ...ack }),
          (error: unknown) => this.send({ type: 'control.ack', requestId: message.requestId, ok: false, message: error instanceof Error ? error.message : String(error) }),
        );
        return;
      case 'lesson.select': {
        const ack = (ok: boolean, text: string) => this.send({ type: 'lesson.ack', requestId: message.requestId, ok, message: text });
        openLesson(sandbox, message.lessonId, message.restart ? { restart: true } : {}).then(
          (answer) => ack(answer.ok, answer.failures.length > 0 ? `${answer.message}; replaying went wrong on the way: ${answer.failures[0]?.split('\n')[0] ?? ''}` : answer.message),
          (error: unknown) => ack(false, `opening the lesson failed: ${error instanceof Error ? error.message : String(error)}`),
        );
        return;
      }
      case 'lesson.predict': {
        const answer = sandbox.lesson.predict(message.stepId, message.choiceId);
        this.send({ type: 'lesson.ack', requestId: message.requestId, ...answer });
        return;
      }
      case 'lesson.retry': {
        const answer = sandbox.lesson.retry();
        this.send({ type: 'lesson.ack', requestId: message.requestId, ...answer });
        return;
      }
      case 'timeline.view': {
        try {
          this.send({ type: 'timeline.past', requestId: message.requestId, ...sandbox.viewAt(message.at) });
        } catch (error) {
          if (!(error instanceof MomentNotKeptError)) throw error;
          this.send({ type: 'timeline.ack', requestId: message.requestId, ok: false, message: error.message });
        }
        return;
      }
      case 'timeline.branch':
      case 'replay.branch':
        // The /ws route's feature takes it (it owns the session's sandbox); elsewhere there is nothing to branch.
        this.send({ type: 'timeline.ack', requestId: message.requestId, ok: false, message: '"Branch from here" is for a sandbox of your own' });
        return;
      case 'ping':
        return;
      default:
        break;
    }
    if (!('tab' in message)) return; // runtime frames went to fromRuntimeHost already
    const tab = sandbox.tabs.get(message.tab);
    if (!tab) {
      this.send({ type: 'error', code: ProtocolErrorCode.unknownTab, message: `no terminal '${message.tab}'` });
      return;
    }
    switch (message.type) {
      case 'input': {
        const own = this.ownLines.get(tab.id) ?? [];
        this.ownLines.set(tab.id, own);
        own.push(message.line);
        if (own.length > ownLinesMax) own.shift();
        const result = tab.submit(message.line, this.hostId);
        if (!result.accepted) {
          own.pop();
          this.send({ type: 'error', code: ProtocolErrorCode.rateLimited, message: result.reason ?? 'refused' });
        }
        return;
      }
      case 'interrupt':
        tab.interrupt();
        return;
      case 'eof':
        tab.endOfInput();
        return;
      case 'complete': {
        // A client runtime completes on the page that runs it (a follower's Tab asks the instructor's).
        Promise.resolve(tab.complete(message.line, Math.min(message.cursor, message.line.length))).then(
          (completion) => this.send({ type: 'completion', tab: tab.id, requestId: message.requestId, ...completion }),
          (error: unknown) => {
            this.send({ type: 'completion', tab: tab.id, requestId: message.requestId, replaceFrom: message.cursor, candidates: [] });
            this.send({ type: 'error', code: ProtocolErrorCode.invalidMessage, message: `completion failed: ${error instanceof Error ? error.message : String(error)}` });
          },
        );
        return;
      }
      case 'tab.close':
        sandbox.closeTab(tab.id);
        return;
    }
  }
}

const runtimeTypes = new Set<string>(RuntimeHostMessage.anyOf.map((variant) => String(variant.properties.type.const)));

/** The `type` of a frame without parsing all of it (runtime frames take another path). */
function peekType(text: string): string {
  const match = /^\s*\{\s*"type"\s*:\s*"([a-z.]{1,32})"/.exec(text);
  return match?.[1] ?? '';
}

/** The terminal protocol's message types, from its schema (so a new one is never filtered out here). */
const terminalTypes = new Set<string>(ClientMessageSchema.anyOf.map((variant) => String(variant.properties.type.const)));

function isTerminalMessage(message: AnyClientMessage): message is ClientMessage {
  return terminalTypes.has(message.type);
}
