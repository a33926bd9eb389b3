import { randomBytes } from 'node:crypto';
import type { ClientMessage } from '../protocol/messages';
import type { Settings } from '../settings';
import { TerminalSession, type Interpreter } from '../terminal/session';

export type ShellFactory = (sandbox: Sandbox) => Interpreter;

/** Our own errors about sandboxes, with stable names the API maps to messages. */
export class SandboxLimitError extends Error {
  override readonly name = 'SandboxLimitError';
}

/**
 * One learner's world: a host name, terminals, and (later) the members it runs. Sandboxes never
 * share state; everything a learner does goes through their own sandbox.
 */
export type SandboxEvent = { type: 'tab.opened'; tab: TerminalSession } | { type: 'tab.closed'; tabId: string };

export class Sandbox {
  readonly tabs = new Map<string, TerminalSession>();
  private readonly listeners = new Set<(event: SandboxEvent) => void>();
  lastActiveAt: number;
  private tabCounter = 0;

  constructor(
    readonly id: string,
    readonly hostname: string,
    private readonly settings: Settings,
    private readonly shellFactory: ShellFactory,
    now: number,
  ) {
    this.lastActiveAt = now;
  }

  openTab(): TerminalSession {
    if (this.tabs.size >= this.settings.tabsPerSandboxMax) {
      throw new SandboxLimitError(`a sandbox has at most ${this.settings.tabsPerSandboxMax} terminals`);
    }
    this.tabCounter += 1;
    const id = `t${this.tabCounter}`;
    const session = new TerminalSession(id, this.shellFactory(this), {
      scrollbackBytesMax: this.settings.scrollbackBytesMax,
      historyLinesMax: this.settings.historyLinesMax,
      pendingLinesMax: 64,
    });
    // `exit` in the last shell of a tab closes the tab, as closing a terminal window would.
    session.onExit = () => this.closeTab(id);
    this.tabs.set(id, session);
    this.emit({ type: 'tab.opened', tab: session });
    return session;
  }

  closeTab(id: string): boolean {
    const session = this.tabs.get(id);
    if (!session) return false;
    this.tabs.delete(id);
    session.close();
    this.emit({ type: 'tab.closed', tabId: id });
    return true;
  }

  /** Apply a control from the cluster view's buttons; says what happened in words. */
  control(request: Extract<ClientMessage, { type: 'control' }>): { ok: boolean; message: string } {
    return { ok: false, message: `cannot ${request.action}: no replica set members are running in this sandbox` };
  }

  subscribe(listener: (event: SandboxEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(event: SandboxEvent): void {
    for (const listener of this.listeners) listener(event);
  }

  dispose(): void {
    for (const id of [...this.tabs.keys()]) this.closeTab(id);
    this.listeners.clear();
  }
}

export interface SandboxManagerOptions {
  settings: Settings;
  shellFactory: ShellFactory;
  now?: () => number;
}

/** Finds a learner's sandbox by session id, creates it on first use, reclaims idle ones. */
export class SandboxManager {
  private readonly sandboxes = new Map<string, Sandbox>();
  private readonly now: () => number;

  constructor(private readonly options: SandboxManagerOptions) {
    this.now = options.now ?? Date.now;
  }

  get size(): number {
    return this.sandboxes.size;
  }

  get(sessionId: string): Sandbox | undefined {
    return this.sandboxes.get(sessionId);
  }

  /** The session's sandbox, created with one terminal if it does not exist yet. */
  obtain(sessionId: string): { sandbox: Sandbox; created: boolean } {
    const existing = this.sandboxes.get(sessionId);
    if (existing) {
      existing.lastActiveAt = this.now();
      return { sandbox: existing, created: false };
    }
    this.reclaimIdle();
    const { settings } = this.options;
    if (this.sandboxes.size >= settings.sandboxesMax) {
      throw new SandboxLimitError(
        `the server is full: ${settings.sandboxesMax} sandboxes are in use; please try again in a few minutes`,
      );
    }
    const sandbox = new Sandbox(
      `sb-${randomBytes(6).toString('hex')}`,
      settings.sandboxHostname,
      settings,
      this.options.shellFactory,
      this.now(),
    );
    sandbox.openTab();
    this.sandboxes.set(sessionId, sandbox);
    return { sandbox, created: true };
  }

  touch(sessionId: string): void {
    const sandbox = this.sandboxes.get(sessionId);
    if (sandbox) sandbox.lastActiveAt = this.now();
  }

  /** Drop sandboxes nobody has used for `sandboxIdleMillis`. Returns how many went. */
  reclaimIdle(): number {
    const cutoff = this.now() - this.options.settings.sandboxIdleMillis;
    let reclaimed = 0;
    for (const [sessionId, sandbox] of this.sandboxes) {
      if (sandbox.lastActiveAt < cutoff) {
        sandbox.dispose();
        this.sandboxes.delete(sessionId);
        reclaimed += 1;
      }
    }
    return reclaimed;
  }

  disposeAll(): void {
    for (const sandbox of this.sandboxes.values()) sandbox.dispose();
    this.sandboxes.clear();
  }
}
