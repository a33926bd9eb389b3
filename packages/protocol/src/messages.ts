import { Type, type Static, type TLiteral, type TUnion } from '@sinclair/typebox';

/** A union of string literals that keeps each literal in the static type. */
function literalUnion<const T extends readonly string[]>(values: T): TUnion<TLiteral<T[number]>[]> {
  return Type.Union(values.map((value) => Type.Literal(value)));
}

/**
 * The one WebSocket protocol between a browser tab and the server, typed and schema-checked in
 * one place. The web app imports these types; the server validates every incoming message.
 */

/** A terminal tab's id: short, URL-safe, chosen by the server. */
export const TabId = Type.String({ pattern: '^[a-z0-9-]{1,32}$' });

/** Longest line a learner may send in one go. */
export const inputLineLengthMax = 100_000;

/** Member states as MongoDB names them (`stateStr`), plus what the lab knows of dead processes. */
export const MemberStateName = literalUnion([
  'STARTUP',
  'STARTUP2',
  'PRIMARY',
  'SECONDARY',
  'RECOVERING',
  'ROLLBACK',
  'ARBITER',
  'DOWN',
  'REMOVED',
  'UNKNOWN',
]);
export type MemberStateName = Static<typeof MemberStateName>;

export const OpTimeView = Type.Object({
  /** Timestamp seconds and increment, and the term it was written in. */
  ts: Type.Integer(),
  i: Type.Integer(),
  t: Type.Integer(),
});
export type OpTimeView = Static<typeof OpTimeView>;

export const HeartbeatView = Type.Object({
  /** Sandbox-clock millis of the last heartbeat reply from this peer, null if never. */
  lastReplyAt: Type.Union([Type.Number(), Type.Null()]),
  ok: Type.Boolean(),
  pingMillis: Type.Union([Type.Number(), Type.Null()]),
  /** The state this member believes the peer is in. */
  peerState: MemberStateName,
});
export type HeartbeatView = Static<typeof HeartbeatView>;

export const MemberView = Type.Object({
  /** `host:port`, as clients dial it. */
  host: Type.String(),
  pid: Type.Union([Type.Integer(), Type.Null()]),
  process: Type.Union([Type.Literal('running'), Type.Literal('killed'), Type.Literal('stopped')]),
  state: MemberStateName,
  term: Type.Integer(),
  optime: Type.Union([OpTimeView, Type.Null()]),
  /** How far behind the primary's optime this member is, in millis; null when unknown. */
  lagMillis: Type.Union([Type.Number(), Type.Null()]),
  syncSource: Type.Union([Type.String(), Type.Null()]),
  votes: Type.Integer(),
  priority: Type.Number(),
  hidden: Type.Boolean(),
  arbiterOnly: Type.Boolean(),
  /** The member's view of each peer, keyed by `host:port`. */
  heartbeats: Type.Record(Type.String(), HeartbeatView),
  /** Sandbox-clock millis at which this member will stand for election if it hears nothing. */
  electionDeadlineAt: Type.Union([Type.Number(), Type.Null()]),
  electionTimeoutMillis: Type.Integer(),
  /**
   * The command line of the member's latest process, word by word as `ps` shows it (`mongod`
   * first), so a lesson can offer the very line that restarts it. Absent in replays recorded
   * before it was kept.
   */
  argv: Type.Optional(Type.Array(Type.String({ maxLength: 4096 }), { maxItems: 256 })),
});
export type MemberView = Static<typeof MemberView>;

export const LinkView = Type.Object({
  from: Type.String(),
  to: Type.String(),
  status: Type.Union([Type.Literal('up'), Type.Literal('cut'), Type.Literal('down')]),
  delayMillis: Type.Number(),
});
export type LinkView = Static<typeof LinkView>;

export const ClusterSnapshot = Type.Object({
  /** Sandbox-clock millis when the snapshot was taken. */
  at: Type.Number(),
  speed: Type.Number(),
  paused: Type.Boolean(),
  setName: Type.Union([Type.String(), Type.Null()]),
  members: Type.Array(MemberView),
  links: Type.Array(LinkView),
});
export type ClusterSnapshot = Static<typeof ClusterSnapshot>;

/** One line on the timeline: something the cluster or the driver did. */
export const LabEvent = Type.Object({
  id: Type.Integer(),
  /** Sandbox-clock millis. */
  at: Type.Number(),
  source: Type.Union([Type.Literal('cluster'), Type.Literal('driver'), Type.Literal('shell')]),
  /** Stable kind, e.g. `stateChange`, `heartbeatFailed`, `voteGranted`, `serverDescriptionChanged`. */
  kind: Type.String(),
  /** The member it happened on (`host:port`), if any. */
  member: Type.Optional(Type.String()),
  /** One line a person can read. */
  text: Type.String(),
});
export type LabEvent = Static<typeof LabEvent>;

export const StepState = Type.Union([Type.Literal('done'), Type.Literal('pending'), Type.Literal('current')]);

/** What answers a line typed in a terminal: the shell itself, Python or mongosh. */
export const CommandLanguage = literalUnion(['bash', 'python', 'mongosh']);
export type CommandLanguage = Static<typeof CommandLanguage>;

export const PredictionChoiceView = Type.Object({ id: Type.String(), text: Type.String() });

export const PredictionView = Type.Object({
  /** Markdown: the question. */
  question: Type.String(),
  choices: Type.Array(PredictionChoiceView),
  /** The choice the learner made, or null before they made one. */
  chosen: Type.Union([Type.String(), Type.Null()]),
  /** What happened after the prediction, once the lab can tell; `choiceId` is the choice that was right. */
  outcome: Type.Union([Type.Object({ choiceId: Type.Union([Type.String(), Type.Null()]), text: Type.String() }), Type.Null()]),
});
export type PredictionView = Static<typeof PredictionView>;

export const LessonStepView = Type.Object({
  id: Type.String(),
  title: Type.String(),
  state: StepState,
  /** Why the check does not pass yet, in words; null when done or not yet checked. */
  reason: Type.Union([Type.String(), Type.Null()]),
  chapter: Type.Optional(Type.String()),
  /** What to do and why, in Markdown. */
  markdown: Type.Optional(Type.String()),
  hint: Type.Optional(Type.String()),
  /** Lines the "run this" buttons type. */
  commands: Type.Optional(Type.Array(Type.String())),
  /** The shell each command belongs in, in the same order: the one for servers or the client's. */
  commandTabs: Type.Optional(Type.Array(Type.Union([Type.Literal('servers'), Type.Literal('client')]))),
  /** What each command is typed into, in the same order: the shell, Python or mongosh. */
  commandLanguages: Type.Optional(Type.Array(CommandLanguage)),
  /** The lesson's closing challenge: a goal, no hint, no commands. */
  challenge: Type.Optional(Type.Boolean()),
  /** A prediction the learner makes before the step's action, and what then happened. */
  prediction: Type.Optional(PredictionView),
});
export type LessonStepView = Static<typeof LessonStepView>;

export const LessonSummary = Type.Object({
  id: Type.String(),
  title: Type.String(),
  summary: Type.String(),
  /** False when this server's engine cannot run it (partitions need the sim engine). */
  available: Type.Boolean(),
  /** About how long it takes, in minutes. */
  minutes: Type.Optional(Type.Integer({ minimum: 1 })),
  /** Steps in the lesson, and how many this learner has done. */
  steps: Type.Optional(Type.Integer({ minimum: 0 })),
  done: Type.Optional(Type.Integer({ minimum: 0 })),
  /** `sim` when the lesson needs the simulated engine (partitions, time control), else `any`. */
  engine: Type.Optional(literalUnion(['sim', 'any'])),
  /** Lessons it builds on (ids). */
  after: Type.Optional(Type.Array(Type.String())),
});
export type LessonSummary = Static<typeof LessonSummary>;

export const LessonProgress = Type.Object({
  lessonId: Type.String(),
  /** Every lesson the learner can switch to. */
  catalog: Type.Optional(Type.Array(LessonSummary)),
  title: Type.Optional(Type.String()),
  markdown: Type.Optional(Type.String()),
  chapterIndex: Type.Integer(),
  stepIndex: Type.Integer(),
  steps: Type.Array(LessonStepView),
  /**
   * True while the lab builds the lesson's starting point (its setup, or a rebuild to the
   * learner's step): nothing done meanwhile counts, so the page asks the learner to wait.
   */
  preparing: Type.Optional(Type.Boolean()),
});
export type LessonProgress = Static<typeof LessonProgress>;

export const ControlAction = literalUnion([
  'kill',
  'kill9',
  'restart',
  'stepDown',
  'freeze',
  'partition',
  'heal',
  'cutLink',
  'healLink',
  'slowLink',
  'speed',
  'pause',
  'resume',
]);
export type ControlAction = Static<typeof ControlAction>;

/** A client runtime's id on the server (`rt-…`). */
export const RuntimeSessionId = Type.String({ pattern: '^rt-[a-z0-9]{1,16}$' });
export const RuntimeKind = literalUnion(['python', 'mongosh']);
/** Longest mirrored output chunk or driver method name accepted. */
export const runtimeOutputCharsMax = 256 * 1024;

/**
 * What a page that hosts client runtimes sends (see /work/team/runtime-host.md): a runtime's
 * progress, readiness, output mirror and line answers, and its driver calls.
 */
export const RuntimeHostMessage = Type.Union([
  /** This page can run client runtimes (a page with Web Workers); sent after each welcome. */
  Type.Object({ type: Type.Literal('runtime.host') }, { additionalProperties: false }),
  Type.Object({ type: Type.Literal('runtime.progress'), session: RuntimeSessionId, status: Type.Union([Type.String({ maxLength: 500 }), Type.Null()]) }, { additionalProperties: false }),
  Type.Object({ type: Type.Literal('runtime.ready'), session: RuntimeSessionId, prompt: Type.String({ maxLength: 100 }) }, { additionalProperties: false }),
  Type.Object(
    {
      type: Type.Literal('runtime.failed'),
      session: RuntimeSessionId,
      message: Type.String({ maxLength: 2000 }),
      /** The runtime ended by itself at start (mongosh --eval, a refused connection) with this exit code, having printed why. */
      exitCode: Type.Optional(Type.Integer({ minimum: 0, maximum: 255 })),
    },
    { additionalProperties: false },
  ),
  Type.Object({ type: Type.Literal('runtime.output'), session: RuntimeSessionId, data: Type.String({ maxLength: runtimeOutputCharsMax }) }, { additionalProperties: false }),
  Type.Object(
    { type: Type.Literal('runtime.done'), session: RuntimeSessionId, seq: Type.Integer({ minimum: 0 }), prompt: Type.String({ maxLength: 100 }), exit: Type.Optional(Type.Boolean()) },
    { additionalProperties: false },
  ),
  Type.Object({ type: Type.Literal('runtime.exited'), session: RuntimeSessionId, message: Type.String({ maxLength: 2000 }) }, { additionalProperties: false }),
  Type.Object(
    {
      type: Type.Literal('driver.call'),
      id: Type.Integer({ minimum: 0 }),
      session: RuntimeSessionId,
      method: Type.String({ pattern: '^[A-Za-z]{1,40}$' }),
      /** Canonical Extended JSON. */
      params: Type.Record(Type.String(), Type.Unknown()),
    },
    { additionalProperties: false },
  ),
  Type.Object({ type: Type.Literal('driver.cancel'), id: Type.Integer({ minimum: 0 }) }, { additionalProperties: false }),
  /** The runtime's answer to `runtime.complete` (Tab typed on another page that shows the tab). */
  Type.Object(
    {
      type: Type.Literal('runtime.completion'),
      session: RuntimeSessionId,
      id: Type.Integer({ minimum: 0 }),
      replaceFrom: Type.Integer({ minimum: 0 }),
      candidates: Type.Array(Type.String({ maxLength: 1000 }), { maxItems: 500 }),
    },
    { additionalProperties: false },
  ),
]);
export type RuntimeHostMessage = Static<typeof RuntimeHostMessage>;

/** A shared replay's id (see replay.ts): random, url-safe, and the only thing its link carries. */
export const ReplayId = Type.String({ pattern: '^r-[a-z0-9]{12,32}$' });
export type ReplayId = Static<typeof ReplayId>;

export const ClientMessage = Type.Union([
  ...RuntimeHostMessage.anyOf,
  Type.Object(
    { type: Type.Literal('input'), tab: TabId, line: Type.String({ maxLength: inputLineLengthMax }) },
    { additionalProperties: false },
  ),
  Type.Object({ type: Type.Literal('interrupt'), tab: TabId }, { additionalProperties: false }),
  /** Ctrl-D on an empty line. */
  Type.Object({ type: Type.Literal('eof'), tab: TabId }, { additionalProperties: false }),
  Type.Object(
    {
      type: Type.Literal('complete'),
      tab: TabId,
      requestId: Type.Integer({ minimum: 0 }),
      line: Type.String({ maxLength: inputLineLengthMax }),
      cursor: Type.Integer({ minimum: 0, maximum: inputLineLengthMax }),
    },
    { additionalProperties: false },
  ),
  Type.Object({ type: Type.Literal('tab.open') }, { additionalProperties: false }),
  Type.Object({ type: Type.Literal('tab.close'), tab: TabId }, { additionalProperties: false }),
  Type.Object({ type: Type.Literal('ping'), nonce: Type.Integer() }, { additionalProperties: false }),
  /** Switch this sandbox to another lesson of the catalog; answered with `lesson.ack`. */
  Type.Object(
    {
      type: Type.Literal('lesson.select'),
      requestId: Type.Integer({ minimum: 0 }),
      lessonId: Type.String({ pattern: '^[a-z0-9-]{1,64}$' }),
      /** Start the lesson over: forget its progress in this sandbox. */
      restart: Type.Optional(Type.Boolean()),
    },
    { additionalProperties: false },
  ),
  /** Make the current step's prediction; answered with `lesson.ack`. */
  Type.Object(
    {
      type: Type.Literal('lesson.predict'),
      requestId: Type.Integer({ minimum: 0 }),
      stepId: Type.String({ pattern: '^[a-z0-9-]{1,64}$' }),
      choiceId: Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$' }),
    },
    { additionalProperties: false },
  ),
  /** Try the current step again from now: what was done for it so far no longer counts. */
  Type.Object({ type: Type.Literal('lesson.retry'), requestId: Type.Integer({ minimum: 0 }) }, { additionalProperties: false }),
  Type.Object(
    {
      type: Type.Literal('control'),
      requestId: Type.Integer({ minimum: 0 }),
      action: ControlAction,
      /** A member (`host:port`), or `primary` for whichever member is primary now. */
      target: Type.Optional(Type.String({ maxLength: 300 })),
      /** For cutLink/healLink/slowLink: the other end. */
      peer: Type.Optional(Type.String({ maxLength: 300 })),
      /** For partition: groups of members that can still reach each other. */
      groups: Type.Optional(Type.Array(Type.Array(Type.String({ maxLength: 300 }), { maxItems: 12 }), { maxItems: 12 })),
      /** For speed: 0.25 to 10; for slowLink: delay in millis; for freeze: seconds. */
      value: Type.Optional(Type.Number()),
    },
    { additionalProperties: false },
  ),
  /** Show the sandbox as it was at sandbox-clock millis `at` (answered by `timeline.past`). Allowed read-only. */
  Type.Object({ type: Type.Literal('timeline.view'), requestId: Type.Integer({ minimum: 0 }), at: Type.Number() }, { additionalProperties: false }),
  /** "Branch from here": the sandbox as it was at `at` becomes the live one (answered by `timeline.ack`, then a welcome). */
  Type.Object({ type: Type.Literal('timeline.branch'), requestId: Type.Integer({ minimum: 0 }), at: Type.Number() }, { additionalProperties: false }),
  /**
   * "Branch from here" on a shared replay (`#replay=<id>`): this connection's sandbox becomes the
   * replay's cluster as it was at `at` (answered by `timeline.ack`, then a welcome).
   */
  Type.Object(
    { type: Type.Literal('replay.branch'), requestId: Type.Integer({ minimum: 0 }), replayId: ReplayId, at: Type.Number() },
    { additionalProperties: false },
  ),
]);
export type ClientMessage = Static<typeof ClientMessage>;

/** A room's join code as typed: 8 symbols of Crockford's base 32, dashes and spaces allowed. */
export const JoinCodeInput = Type.String({ minLength: 8, maxLength: 16, pattern: '^[0-9A-Za-z -]+$' });
/** Secrets and tokens the server hands out: base64url. */
export const RoomSecret = Type.String({ minLength: 16, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' });

/**
 * Messages of `/ws/room`, the rooms WebSocket: a connection first says who it is in which room,
 * then speaks the terminal protocol above (refused where it is read-only).
 */
export const RoomClientMessage = Type.Union([
  /** The instructor drives the room's sandbox; the secret proves it (it never travels in a URL). */
  Type.Object({ type: Type.Literal('room.instructor'), code: JoinCodeInput, secret: RoomSecret }, { additionalProperties: false }),
  /** An attendee (token from joining) follows the instructor's sandbox live, read-only. */
  Type.Object({ type: Type.Literal('room.follow'), code: JoinCodeInput, attendee: RoomSecret }, { additionalProperties: false }),
  /** "Try it myself": the attendee gets their own copy of the instructor's sandbox at this moment. */
  Type.Object({ type: Type.Literal('room.fork') }, { additionalProperties: false }),
  /** Back to the attendee's own copy made earlier (if it is still there). */
  Type.Object({ type: Type.Literal('room.mine') }, { additionalProperties: false }),
  /** Back to the live view of the instructor's sandbox; the attendee's copy is kept. */
  Type.Object({ type: Type.Literal('room.rejoin') }, { additionalProperties: false }),
  /** The instructor looks at one attendee's own sandbox, read-only. */
  Type.Object(
    { type: Type.Literal('room.watch'), code: JoinCodeInput, secret: RoomSecret, attendeeId: Type.String({ pattern: '^a-[a-z0-9]{1,24}$' }) },
    { additionalProperties: false },
  ),
  /**
   * The instructor shows the class the moment at sandbox-clock millis `at` (null: back to live);
   * each follower's page gets `room.moment`. Instructor only, on the room's live sandbox.
   */
  Type.Object({ type: Type.Literal('room.rewind'), at: Type.Union([Type.Number(), Type.Null()]) }, { additionalProperties: false }),
  /** Mark the current lesson step done without its check (presenter's "next step"); instructor only. */
  Type.Object({ type: Type.Literal('lesson.skip'), requestId: Type.Integer({ minimum: 0 }) }, { additionalProperties: false }),
]);
export type RoomClientMessage = Static<typeof RoomClientMessage>;

/**
 * Resume links for learners on their own (`/ws`): ask for a link that brings this sandbox's lesson
 * progress to another browser, and present one there.
 */
export const ProgressClientMessage = Type.Union([
  Type.Object({ type: Type.Literal('progress.link'), requestId: Type.Integer({ minimum: 0 }) }, { additionalProperties: false }),
  Type.Object({ type: Type.Literal('progress.resume'), token: RoomSecret }, { additionalProperties: false }),
]);
export type ProgressClientMessage = Static<typeof ProgressClientMessage>;

export const RoomRole = literalUnion(['instructor', 'attendee']);
/** What a rooms connection shows: the live instructor sandbox, the attendee's own copy, or (instructor) an attendee's. */
export const RoomMode = literalUnion(['live', 'fork', 'watch']);

export const RoomWelcome = Type.Object({
  code: Type.String(),
  title: Type.String(),
  role: RoomRole,
  mode: RoomMode,
  /** True when input, controls and tabs are refused on this connection. */
  readOnly: Type.Boolean(),
  /** The attendee this connection is (attendee role) or watches (instructor in watch mode). */
  attendeeId: Type.Optional(Type.String()),
  /** For a fork: the step it started at and what was copied. */
  forkedAtStepId: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  /** Whether the attendee has an own copy to go back to. */
  hasFork: Type.Optional(Type.Boolean()),
});
export type RoomWelcome = Static<typeof RoomWelcome>;

/** One write a terminal tab printed: the sandbox-clock millis of the write, and what it printed. */
export const ScrollbackChunk = Type.Object({ at: Type.Number(), data: Type.String() });
export type ScrollbackChunk = Static<typeof ScrollbackChunk>;

export const TabSnapshot = Type.Object({
  tab: TabId,
  title: Type.String(),
  prompt: Type.String(),
  /**
   * Output so far (bounded), oldest first, each write with the sandbox time it was printed at, so a
   * reloaded page shows the same terminal and can show it as it was at a past moment (issue 19).
   */
  scrollback: Type.Array(ScrollbackChunk),
  busy: Type.Boolean(),
  /** Lines typed in this tab, oldest first, for the line editor's history. */
  history: Type.Array(Type.String()),
});
export type TabSnapshot = Static<typeof TabSnapshot>;

/** A tab's scrollback as one text (what the terminal shows, without the times). */
export function scrollbackText(snapshot: Pick<TabSnapshot, 'scrollback'>): string {
  return snapshot.scrollback.map((chunk) => chunk.data).join('');
}

const DriverRpcErrorSchema = Type.Object({
  name: Type.String(),
  message: Type.String(),
  code: Type.Optional(Type.Integer()),
  codeName: Type.Optional(Type.String()),
  errmsg: Type.Optional(Type.String()),
  errorLabels: Type.Optional(Type.Array(Type.String())),
  errorResponse: Type.Optional(Type.Unknown()),
  bulkResult: Type.Optional(Type.Unknown()),
  network: Type.Optional(literalUnion(['refused', 'timedOut', 'closed', 'other'])),
  address: Type.Optional(Type.String()),
  selection: Type.Optional(
    Type.Object({
      timeoutMillis: Type.Number(),
      servers: Type.Array(Type.Object({ address: Type.String(), type: Type.String(), error: Type.Optional(Type.Object({ message: Type.String(), network: Type.Optional(Type.String()) })) })),
    }),
  ),
});

/** What the server tells a page that hosts client runtimes (see /work/team/runtime-host.md). */
export const RuntimeServerMessage = Type.Union([
  Type.Object({
    type: Type.Literal('runtime.start'),
    session: RuntimeSessionId,
    tab: TabId,
    runtime: RuntimeKind,
    args: Type.Array(Type.String()),
    clock: Type.Object({ speed: Type.Number(), paused: Type.Boolean() }),
  }),
  Type.Object({ type: Type.Literal('runtime.line'), session: RuntimeSessionId, seq: Type.Integer(), line: Type.String() }),
  Type.Object({ type: Type.Literal('runtime.signal'), session: RuntimeSessionId, signal: literalUnion(['interrupt', 'reset']) }),
  Type.Object({ type: Type.Literal('runtime.stop'), session: RuntimeSessionId }),
  Type.Object({ type: Type.Literal('runtime.clock'), speed: Type.Number(), paused: Type.Boolean() }),
  /** Complete `line` at `cursor` in the runtime (rlcompleter, mongosh's autocomplete); answered with runtime.completion. */
  Type.Object({ type: Type.Literal('runtime.complete'), session: RuntimeSessionId, id: Type.Integer(), line: Type.String(), cursor: Type.Integer() }),
  Type.Object({ type: Type.Literal('driver.reply'), id: Type.Integer(), ok: Type.Boolean(), result: Type.Optional(Type.Unknown()), error: Type.Optional(DriverRpcErrorSchema) }),
]);
export type RuntimeServerMessage = Static<typeof RuntimeServerMessage>;

export const ServerMessage = Type.Union([
  ...RuntimeServerMessage.anyOf,
  Type.Object({
    type: Type.Literal('welcome'),
    sandboxId: Type.String(),
    /** True when this connection found a sandbox that already existed (a reload or reconnect). */
    resumed: Type.Boolean(),
    tabs: Type.Array(TabSnapshot),
    /** Present on the rooms WebSocket: whose sandbox this is and what this connection may do. */
    room: Type.Optional(RoomWelcome),
  }),
  Type.Object({ type: Type.Literal('output'), tab: TabId, data: Type.String() }),
  /** The shell is ready for the next line; `prompt` is what to show before it. */
  Type.Object({ type: Type.Literal('prompt'), tab: TabId, prompt: Type.String() }),
  Type.Object({ type: Type.Literal('clear'), tab: TabId }),
  Type.Object({ type: Type.Literal('tab.opened'), tab: TabSnapshot }),
  Type.Object({ type: Type.Literal('tab.closed'), tab: TabId }),
  Type.Object({
    type: Type.Literal('completion'),
    tab: TabId,
    requestId: Type.Integer(),
    replaceFrom: Type.Integer(),
    candidates: Type.Array(Type.String()),
  }),
  Type.Object({ type: Type.Literal('pong'), nonce: Type.Integer() }),
  /**
   * The sandbox's cluster as it is now; sent at most 10 times a second. `historyFrom`: the
   * sandbox-clock millis the history reaches back to (the timeline slider's start).
   */
  Type.Object({ type: Type.Literal('cluster'), cluster: ClusterSnapshot, historyFrom: Type.Optional(Type.Number()) }),
  /** Answer to `timeline.view`: the cluster of the moment kept at or before `at`, the timeline up to `at`. */
  Type.Object({
    type: Type.Literal('timeline.past'),
    requestId: Type.Integer(),
    at: Type.Number(),
    momentAt: Type.Number(),
    cluster: ClusterSnapshot,
    events: Type.Array(LabEvent),
    reachesBackTo: Type.Number(),
    liveAt: Type.Number(),
  }),
  /** Answer to a `timeline.view` that failed, or to `timeline.branch`. */
  Type.Object({ type: Type.Literal('timeline.ack'), requestId: Type.Integer(), ok: Type.Boolean(), message: Type.String() }),
  /** New timeline events, oldest first. */
  Type.Object({ type: Type.Literal('events'), events: Type.Array(LabEvent) }),
  Type.Object({ type: Type.Literal('lesson'), progress: LessonProgress }),
  Type.Object({ type: Type.Literal('control.ack'), requestId: Type.Integer(), ok: Type.Boolean(), message: Type.String() }),
  /** Answer to `progress.link`: the path (with its fragment) that resumes this learner's progress. */
  Type.Object({ type: Type.Literal('progress.link'), requestId: Type.Integer(), path: Type.String() }),
  /** Answer to `progress.resume`. */
  Type.Object({ type: Type.Literal('progress.resumed'), ok: Type.Boolean(), message: Type.String() }),
  /** Answer to `lesson.skip`, `lesson.select`, `lesson.predict` and `lesson.retry`. */
  Type.Object({ type: Type.Literal('lesson.ack'), requestId: Type.Integer(), ok: Type.Boolean(), message: Type.String() }),
  /**
   * An attendee's progress in their own copy, as the store has it: `ok` once the store acknowledged
   * the step (a majority of the set has it), else why not yet (the server keeps trying).
   */
  Type.Object({ type: Type.Literal('room.saved'), ok: Type.Boolean(), stepId: Type.Union([Type.String(), Type.Null()]), message: Type.String() }),
  /**
   * To a follower: the moment the instructor shows the class (`past`, as `timeline.past` carries
   * it), or null when the instructor is back to live. Sent on every `room.rewind` and on follow.
   */
  Type.Object({
    type: Type.Literal('room.moment'),
    past: Type.Union([
      Type.Object({ at: Type.Number(), momentAt: Type.Number(), cluster: ClusterSnapshot, events: Type.Array(LabEvent), reachesBackTo: Type.Number(), liveAt: Type.Number() }),
      Type.Null(),
    ]),
  }),
  /**
   * Something the client sent was refused; the socket stays open unless said otherwise. With
   * `retryAfterSeconds` (the store was unavailable, the server is draining) the same request may
   * be sent again after that long.
   */
  Type.Object({ type: Type.Literal('error'), code: Type.String(), message: Type.String(), retryAfterSeconds: Type.Optional(Type.Integer({ minimum: 0 })) }),
]);
export type ServerMessage = Static<typeof ServerMessage>;
