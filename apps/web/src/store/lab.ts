import { create } from 'zustand';
import type { ClusterSnapshot, ControlAction, LabEvent, LessonList, LessonProgress, LessonStepView } from '@rslab/protocol';
import type { ConnectionStatus } from '../net/connection';
import type { CommandLanguage, ShellRole } from '../lesson/shells';
import { appendEvents } from './events';

export interface TabInfo {
  id: string;
  title: string;
}

/**
 * A lesson step as the page renders it: the protocol's view plus the optional lesson content the
 * server is about to send with it (Markdown text, a hint, the commands that solve the step, and
 * the chapter it belongs to). Every extra is optional so today's messages render too.
 */
export interface LessonStepDetail extends LessonStepView {
  chapter?: string;
  markdown?: string;
  hint?: string;
  commands?: string[];
  /** The shell each command is for, when the server says (else the page infers it). */
  commandShells?: ShellRole[];
  /** What each command is typed into (the shell, Python, mongosh), when the server says. */
  commandLanguages?: CommandLanguage[];
}

export interface LessonView extends Omit<LessonProgress, 'steps'> {
  title?: string;
  markdown?: string;
  steps: LessonStepDetail[];
}

/** A control the page sent and whose ack has not come back yet. */
export interface PendingControl {
  requestId: number;
  action: ControlAction;
  target: string | null;
  sentAtWallMillis: number;
}

export interface ControlFailure {
  requestId: number;
  action: ControlAction;
  message: string;
}

/** A past moment the page shows instead of the live sandbox (the server's `timeline.past`). */
export interface PastMoment {
  at: number;
  momentAt: number;
  cluster: ClusterSnapshot;
  events: readonly LabEvent[];
  liveAt: number;
  /** Set when a room's instructor showed the class this moment (not the learner's own scrub). */
  by?: 'instructor';
}

export interface LabState {
  // connection and terminal
  status: ConnectionStatus;
  sandboxId: string | null;
  tabs: TabInfo[];
  activeTab: string | null;
  /** A server-side refusal the learner should see (server full, rate limited). */
  notice: string | null;
  fontSize: number;
  /** Why the terminals take no input here (following someone else's sandbox), or null. */
  inputLocked: string | null;
  // cluster slice
  cluster: ClusterSnapshot | null;
  /** Page clock (performance.now) when `cluster` arrived: the countdown runs on from there. */
  clusterReceivedAt: number;
  // events slice (bounded, time order)
  events: readonly LabEvent[];
  // rewind slice
  /** Shown instead of the live cluster and timeline while the learner looks at the past. */
  past: PastMoment | null;
  /**
   * Where the "Timeline position" slider was last sent (its `timeline.view` may still be on its way):
   * keys step on from here, not from the moment shown, so presses quicker than the answers all count.
   */
  viewTarget: number | null;
  /** Sandbox-clock millis the server's history reaches back to. */
  historyFrom: number | null;
  /** A "Branch from here" is on its way. */
  branching: boolean;
  // lesson slice
  lesson: LessonView | null;
  // course slice
  /** The course page is showing (`#course`) instead of the lab's panes. */
  courseOpen: boolean;
  /** `GET /api/lessons` once it answered, or why it did not; null before. */
  course: { lessons: LessonList } | { error: string } | null;
  // controls slice
  pendingControls: Readonly<Record<number, PendingControl>>;
  /** The last refused control, shown in the cluster pane until dismissed or the next success. */
  controlFailure: ControlFailure | null;
  // layout
  presenterZoom: boolean;
  lessonCollapsed: boolean;
  /** Set when the page replays a recorded fixture instead of the server's cluster. */
  fixture: string | null;
}

export const fontSizeMin = 10;
export const fontSizeMax = 32;
/** The terminal font size presenter zoom switches to (and back from). */
export const presenterFontSize = 24;

export const useLab = create<LabState>()(() => ({
  status: 'connecting',
  sandboxId: null,
  tabs: [],
  activeTab: null,
  notice: null,
  fontSize: 15,
  inputLocked: null,
  cluster: null,
  clusterReceivedAt: 0,
  events: [],
  past: null,
  viewTarget: null,
  historyFrom: null,
  branching: false,
  lesson: null,
  courseOpen: false,
  course: null,
  pendingControls: {},
  controlFailure: null,
  presenterZoom: false,
  lessonCollapsed: false,
  fixture: null,
}));

// Selectors: components read the store only through these.
export const selectStatus = (s: LabState) => s.status;
export const selectTabs = (s: LabState) => s.tabs;
export const selectActiveTab = (s: LabState) => s.activeTab;
export const selectNotice = (s: LabState) => s.notice;
export const selectFontSize = (s: LabState) => s.fontSize;
export const selectInputLocked = (s: LabState) => s.inputLocked;
/** The cluster the page shows: the past moment while rewinding, else the live one. */
export const selectCluster = (s: LabState) => s.past?.cluster ?? s.cluster;
export const selectLiveCluster = (s: LabState) => s.cluster;
export const selectPast = (s: LabState) => s.past;
export const selectViewTarget = (s: LabState) => s.viewTarget;
export const selectViewingPast = (s: LabState) => s.past !== null;
export const selectHistoryFrom = (s: LabState) => s.historyFrom;
export const selectBranching = (s: LabState) => s.branching;
export const selectClusterReceivedAt = (s: LabState) => s.clusterReceivedAt;
/** The timeline the page shows: up to the past moment while rewinding. */
export const selectEvents = (s: LabState) => s.past?.events ?? s.events;
export const selectLesson = (s: LabState) => s.lesson;
export const selectCourseOpen = (s: LabState) => s.courseOpen;
export const selectCourse = (s: LabState) => s.course;
export const selectPendingControls = (s: LabState) => s.pendingControls;
export const selectControlFailure = (s: LabState) => s.controlFailure;
export const selectPresenterZoom = (s: LabState) => s.presenterZoom;
export const selectLessonCollapsed = (s: LabState) => s.lessonCollapsed;
export const selectFixture = (s: LabState) => s.fixture;
/** The member hosts in the order the server lists them (stable across snapshots of one set). */
export const selectMemberHosts = (s: LabState): string | null => {
  const cluster = selectCluster(s);
  return cluster ? cluster.members.map((m) => m.host).join(',') : null;
};
export const selectIsPending = (requestAction: ControlAction, target: string | null) => (s: LabState) =>
  Object.values(s.pendingControls).some((p) => p.action === requestAction && p.target === target);

// Actions: the only writers besides the terminal bookkeeping in LabClient.
export function receiveCluster(cluster: ClusterSnapshot, receivedAtWallMillis: number, historyFrom?: number): void {
  useLab.setState({ cluster, clusterReceivedAt: receivedAtWallMillis, ...(historyFrom !== undefined ? { historyFrom } : {}) });
}

export function showPast(past: PastMoment): void {
  useLab.setState({ past, historyFrom: Math.min(useLab.getState().historyFrom ?? past.momentAt, past.momentAt) });
}

/** A past moment this page did not ask for (the instructor's, in a room): the slider stands on it. */
export function showOthersPast(past: PastMoment): void {
  showPast(past);
  useLab.setState({ viewTarget: null });
}

/** The slider asked for sandbox time `at` (the answer comes as `showPast`). */
export function requestPast(at: number): void {
  useLab.setState({ viewTarget: at });
}

export function showLive(): void {
  useLab.setState({ past: null, viewTarget: null });
}

export function receiveEvents(events: readonly LabEvent[]): void {
  const current = useLab.getState().events;
  const next = appendEvents(current, events);
  if (next !== current) useLab.setState({ events: next });
}

export function receiveLesson(lesson: LessonView): void {
  useLab.setState({ lesson });
}

export function showCourse(open: boolean): void {
  useLab.setState({ courseOpen: open });
}

export function receiveCourse(course: { lessons: LessonList } | { error: string }): void {
  useLab.setState({ course });
}

export function controlSent(pending: PendingControl): void {
  useLab.setState((s) => ({ pendingControls: { ...s.pendingControls, [pending.requestId]: pending } }));
}

export function controlAcked(requestId: number, ok: boolean, message: string): void {
  useLab.setState((s) => {
    const pending = s.pendingControls[requestId];
    const rest = { ...s.pendingControls };
    delete rest[requestId];
    if (ok) return { pendingControls: rest, controlFailure: null };
    return { pendingControls: rest, controlFailure: { requestId, action: pending?.action ?? 'kill', message } };
  });
}

export function dismissControlFailure(): void {
  useLab.setState({ controlFailure: null });
}

/** Forget cluster, events, lesson and pending controls: a new sandbox starts from nothing. */
export function resetSandboxState(): void {
  useLab.setState({ cluster: null, clusterReceivedAt: 0, events: [], past: null, viewTarget: null, historyFrom: null, lesson: null, pendingControls: {}, controlFailure: null });
}
