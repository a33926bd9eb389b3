import type { ServerMessage, TabSnapshot } from '@rslab/server/protocol';
import { Connection, type ConnectionStatus } from '../net/connection';
import { TerminalController } from '../terminal/controller';
import { useLab } from '../store/lab';

/**
 * The page's side of the protocol: one connection, one terminal controller per server tab, and
 * the zustand store that components read.
 */
export class LabClient {
  readonly controllers = new Map<string, TerminalController>();
  private readonly connection: Connection;
  private everWelcomed = false;
  private lostNoticeShown = false;

  constructor(url: string) {
    this.connection = new Connection({
      url,
      createSocket: (socketUrl) => new WebSocket(socketUrl),
      onMessage: (message) => this.receive(message),
      onStatus: (status) => this.onStatus(status),
    });
  }

  start(): void {
    this.connection.start();
  }

  openTab(): void {
    this.connection.send({ type: 'tab.open' });
  }

  closeTab(tab: string): void {
    this.connection.send({ type: 'tab.close', tab });
  }

  activate(tab: string): void {
    useLab.setState({ activeTab: tab });
  }

  setFontSize(size: number): void {
    useLab.setState({ fontSize: size });
    for (const controller of this.controllers.values()) controller.setFontSize(size);
  }

  private onStatus(status: ConnectionStatus): void {
    useLab.setState({ status });
    if (status === 'reconnecting' && this.everWelcomed && !this.lostNoticeShown) {
      this.lostNoticeShown = true;
      for (const controller of this.controllers.values()) {
        controller.notice('[connection to the server lost; reconnecting…]');
      }
    }
  }

  private addTab(snapshot: TabSnapshot): TerminalController {
    const controller = new TerminalController(snapshot.tab, (m) => this.connection.send(m), useLab.getState().fontSize);
    this.controllers.set(snapshot.tab, controller);
    controller.load(snapshot);
    return controller;
  }

  private syncTabs(activeHint?: string): void {
    const tabs = [...this.controllers.keys()].map((id) => ({ id, title: id }));
    const { activeTab } = useLab.getState();
    const active = activeHint ?? (activeTab && this.controllers.has(activeTab) ? activeTab : (tabs[0]?.id ?? null));
    useLab.setState({ tabs, activeTab: active });
  }

  private receive(message: ServerMessage): void {
    switch (message.type) {
      case 'welcome': {
        const previous = useLab.getState().sandboxId;
        const sameSandbox = message.resumed && previous === message.sandboxId;
        // Keep controllers whose tab still exists (their xterm stays mounted) and reload them.
        const wanted = new Set(message.tabs.map((snapshot) => snapshot.tab));
        for (const [id, controller] of this.controllers) {
          if (!wanted.has(id)) {
            controller.dispose();
            this.controllers.delete(id);
          }
        }
        for (const snapshot of message.tabs) {
          const existing = this.controllers.get(snapshot.tab);
          if (existing) existing.load(snapshot);
          else this.addTab(snapshot);
        }
        useLab.setState({ sandboxId: message.sandboxId, notice: null });
        this.syncTabs();
        if (this.everWelcomed) {
          const text = sameSandbox
            ? '[reconnected to the server]'
            : '[reconnected: the server restarted, so this is a fresh sandbox]';
          for (const controller of this.controllers.values()) controller.notice(text);
        }
        this.everWelcomed = true;
        this.lostNoticeShown = false;
        return;
      }
      case 'output':
        this.controllers.get(message.tab)?.output(message.data);
        return;
      case 'prompt':
        this.controllers.get(message.tab)?.prompt(message.prompt);
        return;
      case 'clear':
        this.controllers.get(message.tab)?.clear();
        return;
      case 'tab.opened':
        if (!this.controllers.has(message.tab.tab)) this.addTab(message.tab);
        this.syncTabs(message.tab.tab);
        return;
      case 'tab.closed':
        this.controllers.get(message.tab)?.dispose();
        this.controllers.delete(message.tab);
        if (this.controllers.size === 0) this.openTab();
        this.syncTabs();
        return;
      case 'completion':
        this.controllers.get(message.tab)?.completion(message.requestId, message.replaceFrom, message.candidates);
        return;
      case 'error':
        useLab.setState({ notice: message.message });
        return;
      case 'pong':
        return;
    }
  }
}
