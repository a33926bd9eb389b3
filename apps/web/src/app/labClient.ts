import type { ClientMessage, ControlAction, ReplayTerminal, ServerMessage, TabSnapshot } from '@rslab/protocol';
import { fillPlaceholders } from '@rslab/protocol';
import { Connection, type ConnectionStatus } from '../net/connection';
import { TerminalController } from '../terminal/controller';
import { controlAcked, controlSent, presenterFontSize, receiveCourse, requestPast, resetSandboxState, showCourse, showLive, showOthersPast, showPast, useLab } from '../store/lab';
import type { PastMoment } from '../store/lab';
import { parseLessonList } from '../lesson/course';
import { alreadyInInterpreter, commandMismatch, fillPid, roleIndex, shellForCommand, tabLabel, type CommandLanguage, type ShellRole } from '../lesson/shells';
import { applySandboxMessage, isSandboxMessage } from './sandboxMessages';
import { BrowserRuntimes, isRuntimeMessage } from '../runtime/browserRuntimes';

/** What a control carries besides its action; see the protocol's `control` message. */
export interface ControlParams {
  target?: string;
  peer?: string;
  groups?: string[][];
  value?: number;
}

type ControlMessage = Extract<ClientMessage, { type: 'control' }>;

/**
 * The page's side of the protocol: one connection, one terminal controller per server tab, and
 * the zustand store that components read.
 */
export class LabClient {
  readonly controllers = new Map<string, TerminalController>();
  private readonly connection: Connection;
  /** Python runs in this page: one worker per tab that runs it. */
  readonly runtimes: BrowserRuntimes;
  private everWelcomed = false;
  private lostNoticeShown = false;
  private nextRequestId = 1;
  /** The `timeline.view` whose answer the page waits for (-1: none, back to live). */
  private lastViewRequest = -1;
  private branchRequest: number | null = null;
  /** A "Branch from here" on a shared replay, sent once the first welcome came (see `branchFromReplay`). */
  private pendingReplayBranch: { replayId: string; at: number } | null = null;
  /** While a recorded fixture plays, the server's cluster, events and lesson are not shown. */
  private replayingFixture = false;
  private fontSizeBeforeZoom: number | null = null;
  /** A lesson command waiting for its shell's tab to open. */
  private pendingRun: { role: ShellRole; command: string; language: CommandLanguage | undefined } | null = null;

  /**
   * `createSocket` lets the rooms pages (src/rooms/) speak first on each new socket (room.follow,
   * room.instructor) and read the room messages; by default a plain browser WebSocket.
   */
  constructor(
    url: string,
    private readonly options: {
      createSocket?: (url: string) => WebSocket;
      /** The rooms instructor's page: the moment it shows (null: live) is shown to the class too. */
      onMoment?: (at: number | null) => void;
      /** A room follower's page: what "Back to live" shows (the instructor's rewound moment), null for live. */
      liveMoment?: () => PastMoment | null;
    } = {},
  ) {
    this.runtimes = new BrowserRuntimes(
      (message) => this.connection.send(message),
      (tab, data) => this.controllers.get(tab)?.output(data),
    );
    this.connection = new Connection({
      url,
      createSocket: options.createSocket ?? ((socketUrl) => new WebSocket(socketUrl)),
      onMessage: (message) => this.receive(message),
      onStatus: (status) => this.onStatus(status),
    });
  }

  start(): void {
    this.connection.start();
    // Python's files are big: fetch them while the learner reads, so `python` starts at once.
    const idle = (callback: () => void) => ('requestIdleCallback' in window ? window.requestIdleCallback(callback, { timeout: 10_000 }) : setTimeout(callback, 3000));
    idle(() => void this.runtimes.prefetch().catch(() => undefined));
  }

  openTab(): void {
    this.connection.send({ type: 'tab.open' });
  }

  closeTab(tab: string): void {
    this.connection.send({ type: 'tab.close', tab });
  }

  activate(tab: string): void {
    useLab.setState({ activeTab: tab });
    rememberActiveTab(tab);
  }

  setFontSize(size: number): void {
    useLab.setState({ fontSize: size });
    for (const controller of this.controllers.values()) controller.setFontSize(size);
  }

  /**
   * Send a cluster control (kill, step down, partition, clock…). Returns its request id; the ack
   * clears it from `pendingControls` and, when refused, leaves its message in `controlFailure`.
   */
  control(action: ControlAction, params: ControlParams = {}): number | null {
    const requestId = this.nextRequestId++;
    const message: ControlMessage = { type: 'control', requestId, action };
    if (params.target !== undefined) message.target = params.target;
    if (params.peer !== undefined) message.peer = params.peer;
    if (params.groups !== undefined) message.groups = params.groups;
    if (params.value !== undefined) message.value = params.value;
    if (!this.connection.send(message)) {
      controlAcked(requestId, false, `cannot ${action}: not connected to the server`);
      return null;
    }
    controlSent({ requestId, action, target: params.target ?? null, sentAtWallMillis: performance.now() });
    return requestId;
  }

  /**
   * Type a lesson command into the shell it belongs in (`servers`: the first tab, `client`: the
   * second, opened if need be), select that tab, and run it as if the learner typed it. A `PID`
   * placeholder becomes the primary's process id when the page knows it. Returns false when there
   * is no terminal to type into yet.
   */
  runCommand(command: string, role: ShellRole = shellForCommand(command), language?: CommandLanguage): boolean {
    const { tabs } = useLab.getState();
    if (tabs.length === 0) return false;
    const index = roleIndex(role);
    const tab = tabs[index];
    if (!tab) {
      // Open tabs up to the one this role needs; the command runs when it arrives.
      if (this.pendingRun === null) for (let i = tabs.length; i <= index; i++) this.openTab();
      this.pendingRun = { role, command, language };
      return true;
    }
    const controller = this.controllers.get(tab.id);
    if (!controller) return false;
    this.activate(tab.id);
    // While a line still runs (`python` starting up), what will answer next is not known yet.
    const prompt = controller.prompting ? controller.promptShown : '';
    const mismatch = alreadyInInterpreter(command, controller.promptShown) ? null : commandMismatch(language, prompt);
    if (mismatch !== null) {
      controller.notice(`[${mismatch}]`);
      controller.focus();
      return false;
    }
    if (!alreadyInInterpreter(command, controller.promptShown)) {
      // `{{pid:primary}}` and the like name members by role: fill them from the cluster as it is now.
      const filled = fillPlaceholders(command, useLab.getState().cluster);
      if (!filled.ok) {
        controller.notice(`[this command names ${filled.missing}, and there is none right now]`);
        controller.focus();
        return false;
      }
      const lines = fillPid(filled.text, primaryPid()).replace(/\r\n?/g, '\n').split('\n');
      // Whatever half-typed line is there gives way, as if the learner pressed Ctrl-E Ctrl-U first.
      const clearLine = '\x05\x15';
      lines.forEach((line, i) => controller.typeLine(i === 0 ? `${clearLine}${line}` : line, true));
    }
    controller.focus();
    return true;
  }

  /** Presenter zoom: large terminal type and cluster text, lesson folded away; off restores. */
  setPresenterZoom(on: boolean): void {
    const state = useLab.getState();
    if (state.presenterZoom === on) return;
    if (on) {
      this.fontSizeBeforeZoom = state.fontSize;
      useLab.setState({ presenterZoom: true, lessonCollapsed: true });
      this.setFontSize(Math.max(state.fontSize, presenterFontSize));
    } else {
      useLab.setState({ presenterZoom: false, lessonCollapsed: false });
      this.setFontSize(this.fontSizeBeforeZoom ?? state.fontSize);
      this.fontSizeBeforeZoom = null;
    }
  }

  setLessonCollapsed(collapsed: boolean): void {
    useLab.setState({ lessonCollapsed: collapsed });
    // The terminal's width changes with the lesson pane; refit once the layout has settled.
    requestAnimationFrame(() => {
      for (const controller of this.controllers.values()) controller.fitToContainer();
    });
  }

  /** A line for the page's notice bar (the same place server refusals show). */
  showNotice(text: string): void {
    useLab.setState({ notice: text });
  }

  /** From now on the page shows a recorded fixture; the server's cluster messages are ignored. */
  beginFixture(name: string): void {
    this.replayingFixture = true;
    resetSandboxState();
    useLab.setState({ fixture: name });
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

  /** Each terminal tab's timed transcript, in tab order under its label ("Save replay" sends them). */
  terminalTranscripts(): ReplayTerminal[] {
    return [...this.controllers.values()].map((controller, index) => ({ label: tabLabel(index), chunks: controller.transcriptChunks() }));
  }

  private addTab(snapshot: TabSnapshot): TerminalController {
    const controller = new TerminalController(snapshot.tab, (m) => this.connection.send(m), useLab.getState().fontSize, this.runtimes, liveSandboxClock);
    this.controllers.set(snapshot.tab, controller);
    controller.load(snapshot);
    return controller;
  }

  private syncTabs(activeHint?: string): void {
    const tabs = [...this.controllers.keys()].map((id) => ({ id, title: id }));
    // After a reload the page comes back to the shell the learner was in.
    const activeTab = useLab.getState().activeTab ?? rememberedActiveTab();
    const active = activeHint ?? (activeTab && this.controllers.has(activeTab) ? activeTab : (tabs[0]?.id ?? null));
    useLab.setState({ tabs, activeTab: active });
    if (active) rememberActiveTab(active);
  }

  private receive(message: ServerMessage): void {
    if (isRuntimeMessage(message)) {
      this.runtimes.handle(message);
      return;
    }
    if (isSandboxMessage(message)) {
      applySandboxMessage(message, { ignoreSandboxState: this.replayingFixture, nowWallMillis: performance.now() });
      return;
    }
    switch (message.type) {
      case 'welcome': {
        // A new connection: the server no longer knows any runtime this page ran before. This page
        // can run the sandbox's Python (a read-only view is never asked to).
        this.runtimes.reset();
        this.connection.send({ type: 'runtime.host' });
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
        if (!sameSandbox && !this.replayingFixture) resetSandboxState();
        useLab.setState({ sandboxId: message.sandboxId, notice: null });
        this.syncTabs();
        if (this.everWelcomed && message.room && !sameSandbox) {
          // Rooms: the page moved between the instructor's live sandbox and the attendee's own.
          const text = message.room.mode === 'fork' ? "[now in your own sandbox]" : message.room.mode === 'live' ? "[now following the instructor's sandbox, read-only]" : '[now watching an attendee, read-only]';
          for (const controller of this.controllers.values()) controller.notice(text);
        } else if (this.everWelcomed) {
          const text = sameSandbox
            ? '[reconnected to the server]'
            : '[reconnected: the server restarted, so this is a fresh sandbox]';
          for (const controller of this.controllers.values()) controller.notice(text);
        }
        this.everWelcomed = true;
        this.lostNoticeShown = false;
        if (this.pendingReplayBranch) {
          const { replayId, at } = this.pendingReplayBranch;
          this.pendingReplayBranch = null;
          this.branchRequest = this.nextRequestId++;
          useLab.setState({ branching: true });
          this.connection.send({ type: 'replay.branch', requestId: this.branchRequest, replayId, at });
        }
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
      case 'tab.opened': {
        if (!this.controllers.has(message.tab.tab)) this.addTab(message.tab);
        this.syncTabs(message.tab.tab);
        const pending = this.pendingRun;
        if (pending && useLab.getState().tabs.length > roleIndex(pending.role)) {
          this.pendingRun = null;
          // Show the new tab, and type once it is on the page at its real width.
          this.activate(message.tab.tab);
          const opened = this.controllers.get(message.tab.tab);
          if (opened) opened.whenAttached(() => this.runCommand(pending.command, pending.role, pending.language));
          else this.runCommand(pending.command, pending.role, pending.language);
        }
        return;
      }
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
        this.pendingRun = null;
        useLab.setState({ notice: message.message });
        return;
      case 'lesson.ack':
        if (!message.ok) useLab.setState({ notice: message.message });
        return;
      case 'timeline.past':
        // Only the answer to the latest request counts: the slider may have moved on since.
        if (message.requestId === this.lastViewRequest) {
          const { type: _type, requestId: _id, ...past } = message;
          showPast(past);
        }
        return;
      case 'timeline.ack':
        if (message.requestId === this.branchRequest) {
          this.branchRequest = null;
          useLab.setState({ branching: false });
          if (message.ok) showLive();
        }
        if (!message.ok) useLab.setState({ notice: message.message });
        else for (const controller of this.controllers.values()) controller.notice(`[${message.message}]`);
        return;
      case 'pong':
        return;
    }
  }

  /** Make the current step's prediction; the server answers with the lesson's progress. */
  predict(stepId: string, choiceId: string): boolean {
    return this.connection.send({ type: 'lesson.predict', requestId: this.nextRequestId++, stepId, choiceId });
  }

  /** Try the current step again: only what is done from now counts for it. */
  retryStep(): boolean {
    return this.connection.send({ type: 'lesson.retry', requestId: this.nextRequestId++ });
  }

  /** Show the sandbox as it was at sandbox time `at` (the server answers with `timeline.past`). */
  viewAt(at: number): boolean {
    this.lastViewRequest = this.nextRequestId++;
    requestPast(at);
    const sent = this.connection.send({ type: 'timeline.view', requestId: this.lastViewRequest, at });
    if (sent) this.options.onMoment?.(at);
    return sent;
  }

  /** Back to the live sandbox: drop the past moment (and any answer still on its way). */
  backToLive(): void {
    this.lastViewRequest = -1;
    const live = this.options.liveMoment?.() ?? null;
    if (live) showOthersPast(live);
    else showLive();
    this.options.onMoment?.(null);
  }

  /** "Branch from here": the moment shown becomes the live sandbox (a welcome follows the ack). */
  branchFromPast(): boolean {
    const past = useLab.getState().past;
    if (!past) return false;
    this.branchRequest = this.nextRequestId++;
    useLab.setState({ branching: true });
    return this.connection.send({ type: 'timeline.branch', requestId: this.branchRequest, at: past.at });
  }

  /**
   * "Branch from here" on a shared replay (`#branch=<id>&at=<millis>`): this page's sandbox becomes
   * the replay's cluster as it was at `at`, asked for as soon as the server has welcomed the page.
   */
  branchFromReplay(replayId: string, at: number): void {
    this.pendingReplayBranch = { replayId, at };
  }

  /** Switch this sandbox to another lesson; the server answers with the new lesson's progress. */
  selectLesson(lessonId: string): boolean {
    return this.connection.send({ type: 'lesson.select', requestId: this.nextRequestId++, lessonId });
  }

  /**
   * Show the course page (`#course`) or the lab. The lab's panes stay mounted while the course
   * shows (its terminals keep their screens); coming back refits them to their boxes.
   */
  setCourseOpen(open: boolean): void {
    showCourse(open);
    if (open) {
      this.loadCourse();
      return;
    }
    requestAnimationFrame(() => {
      for (const controller of this.controllers.values()) controller.fitToContainer();
    });
  }

  /** Fetch `GET /api/lessons` for the course page, once it answered; again after a failure. */
  loadCourse(): void {
    const known = useLab.getState().course;
    if (known && 'lessons' in known) return;
    fetch('/api/lessons')
      .then(async (response) => {
        if (!response.ok) throw new Error(`GET /api/lessons answered ${response.status} ${response.statusText}`);
        receiveCourse({ lessons: parseLessonList(await response.json()) });
      })
      .catch((error: unknown) => {
        console.error('loading the course failed', error);
        receiveCourse({ error: error instanceof Error ? error.message : String(error) });
      });
  }
}

/** The sandbox clock as the page last heard it: the live cluster's time (the slider's clock), 0 before any. */
function liveSandboxClock(): number {
  return useLab.getState().cluster?.at ?? 0;
}

/** The process id of the member that is primary now, if the page knows one. */
function primaryPid(): number | null {
  const members = useLab.getState().cluster?.members ?? [];
  return members.find((m) => m.state === 'PRIMARY' && m.process === 'running')?.pid ?? null;
}

const activeTabKey = 'rslab.activeTab';

/** Keep the selected shell for this browser tab's session (a reload), never across sessions. */
function rememberActiveTab(tab: string): void {
  try {
    window.sessionStorage.setItem(activeTabKey, tab);
  } catch (error) {
    // storage may be off (privacy settings); the page then starts on the first shell
    console.warn('could not remember the active shell (session storage refused)', error);
  }
}

function rememberedActiveTab(): string | null {
  try {
    return window.sessionStorage.getItem(activeTabKey);
  } catch (error) {
    // storage may be off (privacy settings): start on the first shell
    console.warn('could not read the active shell (session storage refused)', error);
    return null;
  }
}
