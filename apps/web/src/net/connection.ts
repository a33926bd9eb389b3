import type { ClientMessage, ServerMessage } from '@rslab/protocol';

export type ConnectionStatus = 'connecting' | 'open' | 'reconnecting';

/** The slice of the browser's WebSocket this module needs, so tests can give a fake. */
export interface SocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(): void;
  onopen: ((event: Event) => void) | null;
  onclose: ((event: CloseEvent) => void) | null;
  onmessage: ((event: MessageEvent) => void) | null;
}

export interface ConnectionOptions {
  url: string;
  createSocket: (url: string) => SocketLike;
  onMessage: (message: ServerMessage) => void;
  onStatus: (status: ConnectionStatus) => void;
  schedule?: (callback: () => void, delayMillis: number) => unknown;
  reconnectDelayMillisMin?: number;
  reconnectDelayMillisMax?: number;
}

const socketOpen = 1;

/**
 * One WebSocket per tab that comes back by itself: when the server goes away (a restart), it
 * retries with a growing delay and reports each change of status.
 */
export class Connection {
  private socket: SocketLike | null = null;
  private attempts = 0;
  private stopped = false;
  private readonly schedule: (callback: () => void, delayMillis: number) => unknown;

  constructor(private readonly options: ConnectionOptions) {
    this.schedule = options.schedule ?? ((callback, delay) => setTimeout(callback, delay));
  }

  start(): void {
    this.stopped = false;
    this.open('connecting');
  }

  stop(): void {
    this.stopped = true;
    this.socket?.close();
    this.socket = null;
  }

  /** Send if connected; returns false when the message could not go out. */
  send(message: ClientMessage): boolean {
    if (!this.socket || this.socket.readyState !== socketOpen) return false;
    this.socket.send(JSON.stringify(message));
    return true;
  }

  /** Delay before the next attempt: doubles from the minimum up to the maximum. */
  nextDelayMillis(): number {
    const min = this.options.reconnectDelayMillisMin ?? 250;
    const max = this.options.reconnectDelayMillisMax ?? 4000;
    return Math.min(max, min * 2 ** Math.min(this.attempts, 10));
  }

  private open(status: ConnectionStatus): void {
    this.options.onStatus(status);
    const socket = this.options.createSocket(this.options.url);
    this.socket = socket;
    socket.onopen = () => {
      this.attempts = 0;
      this.options.onStatus('open');
    };
    socket.onmessage = (event) => {
      if (typeof event.data !== 'string') return;
      let message: ServerMessage;
      try {
        message = JSON.parse(event.data) as ServerMessage;
      } catch (error) {
        // The server only sends JSON; a broken frame is dropped, not worth dying for.
        console.warn('dropped a WebSocket frame that is not JSON', error);
        return;
      }
      this.options.onMessage(message);
    };
    socket.onclose = () => {
      if (this.socket !== socket) return;
      this.socket = null;
      if (this.stopped) return;
      const delay = this.nextDelayMillis();
      this.attempts += 1;
      this.options.onStatus('reconnecting');
      this.schedule(() => {
        if (!this.stopped) this.open('reconnecting');
      }, delay);
    };
  }
}
