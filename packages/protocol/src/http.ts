import { Type, type Static } from '@sinclair/typebox';
import { instructorSecretHeader } from './headers';
import { RoomSecret } from './messages';

/**
 * The HTTP API's bodies and replies, as JSON schemas the server registers on its routes (request
 * and response) and as the types the page reads them with.
 */

/** Every error reply of the HTTP API, whatever went wrong: a stable name and one line for a person. */
export const ApiError = Type.Object(
  {
    statusCode: Type.Integer({ minimum: 400, maximum: 599 }),
    /** A stable name from `HttpErrorCode`. */
    error: Type.String(),
    message: Type.String(),
  },
  { additionalProperties: false },
);
export type ApiError = Static<typeof ApiError>;

/**
 * `GET /api/health`, for people and load balancers. The status says what the balancer may send:
 * 200 anything; 404 no new learners (full), but its own learners and rooms still; 503 nothing
 * (draining after SIGTERM). A store that cannot acknowledge writes is `state: 'store'` with 200.
 */
export const HealthReply = Type.Object(
  {
    ok: Type.Boolean(),
    /** This instance's name (`RSLAB_INSTANCE`), also in every answer's `x-rslab-instance` header. */
    instance: Type.String(),
    /** `ready`, `full` (no sandbox left for a new learner), `draining` (SIGTERM: finishing, then exit), `store` (the store cannot write). */
    state: Type.Union([Type.Literal('ready'), Type.Literal('full'), Type.Literal('draining'), Type.Literal('store')]),
    sandboxes: Type.Integer({ minimum: 0 }),
    sandboxesMax: Type.Integer({ minimum: 0 }),
    acceptingSandboxes: Type.Boolean(),
    draining: Type.Boolean(),
    store: Type.Object(
      {
        kind: Type.String(),
        state: Type.Union([Type.Literal('starting'), Type.Literal('waiting'), Type.Literal('ready')]),
        message: Type.String(),
      },
      { additionalProperties: false },
    ),
    /** One line for a person: what this instance can do now and why. */
    message: Type.String(),
  },
  { additionalProperties: false },
);
export type HealthReply = Static<typeof HealthReply>;

/** `GET /runtime/info.json`: where the page finds Pyodide's files (a versioned path on this server). */
export const RuntimeInfoReply = Type.Object({ pyodideIndexURL: Type.String(), pyodideVersion: Type.String() }, { additionalProperties: false });
export type RuntimeInfoReply = Static<typeof RuntimeInfoReply>;

/** `GET /runtime/python-sources.json`: our Python package (pymongo, bson, the console), path under site-packages → source. */
export const PythonSourcesReply = Type.Record(Type.String(), Type.String());
export type PythonSourcesReply = Static<typeof PythonSourcesReply>;

export const OkReply = Type.Object({ ok: Type.Boolean() }, { additionalProperties: false });
export type OkReply = Static<typeof OkReply>;

export const OkMessageReply = Type.Object({ ok: Type.Boolean(), message: Type.String() }, { additionalProperties: false });
export type OkMessageReply = Static<typeof OkMessageReply>;

export const RoomCodeParams = Type.Object({ code: Type.String({ maxLength: 16 }) });
export const AttendeeId = Type.String({ pattern: '^a-[a-z0-9]{1,24}$' });
export const AttendeeParams = Type.Object({ code: Type.String({ maxLength: 16 }), attendeeId: AttendeeId });
export const InstructorHeaders = Type.Object({ [instructorSecretHeader]: Type.Optional(RoomSecret) });

/** `POST /api/rooms`. */
export const CreateRoomBody = Type.Object(
  {
    title: Type.Optional(Type.String({ minLength: 1, maxLength: 120 })),
    lessonId: Type.Optional(Type.String({ maxLength: 64 })),
  },
  { additionalProperties: false },
);
export type CreateRoomBody = Static<typeof CreateRoomBody>;

export const CreatedRoom = Type.Object(
  {
    code: Type.String(),
    displayCode: Type.String(),
    title: Type.String(),
    lessonId: Type.String(),
    joinPath: Type.String(),
    instructorPath: Type.String(),
    dashboardPath: Type.String(),
    presenterPath: Type.String(),
    secret: Type.String(),
  },
  { additionalProperties: false },
);
export type CreatedRoom = Static<typeof CreatedRoom>;

/** `GET /api/rooms/:code`: what anyone with the code may know of a room. */
export const RoomInfo = Type.Object(
  {
    code: Type.String(),
    displayCode: Type.String(),
    title: Type.String(),
    lessonId: Type.String(),
    attendees: Type.Integer({ minimum: 0 }),
  },
  { additionalProperties: false },
);
export type RoomInfo = Static<typeof RoomInfo>;

/** `POST /api/rooms/:code/join`. */
export const JoinRoomBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 60 }),
    /**
     * The resume token the page made for itself (random, secret): sending the same join again
     * (after a 503, a lost answer) finds the same attendee instead of adding another.
     */
    token: Type.Optional(RoomSecret),
  },
  { additionalProperties: false },
);
export type JoinRoomBody = Static<typeof JoinRoomBody>;

export const JoinedRoom = Type.Object(
  {
    code: Type.String(),
    title: Type.String(),
    attendeeId: Type.String(),
    token: Type.String(),
    resumePath: Type.String(),
  },
  { additionalProperties: false },
);
export type JoinedRoom = Static<typeof JoinedRoom>;

const NullableString = Type.Union([Type.String(), Type.Null()]);

export const DashboardRow = Type.Object(
  {
    id: Type.String(),
    name: Type.String(),
    mode: Type.Union([Type.Literal('live'), Type.Literal('fork')]),
    /** A page of theirs is connected now (to this instance, or to another as the store says). */
    connected: Type.Boolean(),
    /** Wall-clock millis when a page of theirs was last connected; null if never. */
    lastSeenAt: Type.Union([Type.Number(), Type.Null()]),
    hasFork: Type.Boolean(),
    lessonId: Type.String(),
    stepId: NullableString,
    stepTitle: NullableString,
    stepIndex: Type.Integer(),
    stepsTotal: Type.Integer(),
    /** `done` when the lesson is finished, `failing` with a reason, `waiting` when not checked yet. */
    check: Type.Union([Type.Literal('done'), Type.Literal('failing'), Type.Literal('waiting')]),
    reason: NullableString,
    onStepMillis: Type.Number(),
    stuck: Type.Boolean(),
  },
  { additionalProperties: false },
);
export type DashboardRow = Static<typeof DashboardRow>;

/** `GET /api/rooms/:code/dashboard` (instructor only). */
export const Dashboard = Type.Object(
  {
    code: Type.String(),
    title: Type.String(),
    lessonId: Type.String(),
    stuckAfterMillis: Type.Integer(),
    instructor: Type.Object(
      { stepId: NullableString, stepTitle: NullableString, stepIndex: Type.Integer(), stepsTotal: Type.Integer() },
      { additionalProperties: false },
    ),
    attendees: Type.Array(DashboardRow),
  },
  { additionalProperties: false },
);
export type Dashboard = Static<typeof Dashboard>;

/** One lesson of the course as `GET /api/lessons` lists it, for course pages and workshop organisers. */
export const LessonListing = Type.Object(
  {
    id: Type.String(),
    title: Type.String(),
    summary: Type.String(),
    /** Steps in the lesson, its challenge included. */
    steps: Type.Integer({ minimum: 1 }),
    /** About how long it takes a learner who reads the text, in minutes. */
    minutes: Type.Integer({ minimum: 1 }),
    /** `sim` when it needs the simulated engine (partitions, time control), else `any`. */
    engine: Type.Union([Type.Literal('sim'), Type.Literal('any')]),
    /** Whether this server's engine can run it. */
    available: Type.Boolean(),
    /** Lessons it builds on (ids); nothing is locked. */
    after: Type.Array(Type.String()),
  },
  { additionalProperties: false },
);
export type LessonListing = Static<typeof LessonListing>;
export const LessonList = Type.Array(LessonListing);
export type LessonList = Static<typeof LessonList>;
