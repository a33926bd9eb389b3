/**
 * Stable names for what the server refuses, shared by the server and the page. A WebSocket
 * `error` message carries one as `code`; an HTTP error reply carries one as `error`. Plain
 * constants, no schema library: the page may import this module at run time for nearly nothing.
 */

/** Errors on the WebSockets (`/ws`, `/ws/room`), sent as `{ type: 'error', code, message }`. */
export const ProtocolErrorCode = {
  notJson: 'NotJson',
  invalidMessage: 'InvalidMessage',
  unknownTab: 'UnknownTab',
  rateLimited: 'RateLimited',
  tabsExhausted: 'TabsExhausted',
  /** Input, controls or tabs on a read-only (following or watching) connection. */
  readOnly: 'ReadOnly',
  /** An instructor-only action without the instructor's secret. */
  forbidden: 'Forbidden',
  roomNotFound: 'RoomNotFound',
  /** A room message before `room.follow`/`room.instructor`, or one that does not fit the role. */
  notInRoom: 'NotInRoom',
  serverFull: 'ServerFull',
  /** The instructor closed the room this connection was in; it shows nothing from now on. */
  roomClosed: 'RoomClosed',
  /** The instructor reset this attendee's own sandbox: the connection is back on the live view. */
  reset: 'Reset',
  /** "Try it myself" cannot copy this server's sandboxes (the mongod engine). */
  forkUnavailable: 'ForkUnavailable',
  /** Saving or reading lesson progress failed (the store is unreachable). */
  storeError: 'StoreError',
  /** The store did not acknowledge in time (an election, unreachable): nothing changed; send it again after `retryAfterSeconds`. */
  storeUnavailable: 'StoreUnavailable',
  /** This instance is shutting down: connect again (the balancer sends the page to another instance). */
  draining: 'Draining',
  /** A moment before what the sandbox's history reaches back to. */
  momentNotKept: 'MomentNotKept',
  /** The worker thread running this connection's sandbox died: the connection now shows a fresh sandbox (a `welcome` follows). */
  sandboxLost: 'SandboxLost',
  /** A bug on the server; the message says what broke. */
  internalError: 'InternalError',
} as const;
export type ProtocolErrorCode = (typeof ProtocolErrorCode)[keyof typeof ProtocolErrorCode];

/** Errors of the HTTP API, sent as the `error` of an `ApiError` body (see `http.ts`). */
export const HttpErrorCode = {
  /** No route has this method and path. */
  notFound: 'NotFound',
  /** The body, parameters or headers do not match the route's schema. */
  invalidRequest: 'InvalidRequest',
  /** A bug on the server; logged with the request id. */
  internalError: 'InternalError',
  roomNotFound: 'RoomNotFound',
  attendeeNotFound: 'AttendeeNotFound',
  unknownLesson: 'UnknownLesson',
  /** Instructor-only, without the right secret (an unknown room answers the same). */
  forbidden: 'Forbidden',
  /** This address failed to find or enter a room too often lately; see `retry-after`. */
  tooManyAttempts: 'TooManyAttempts',
  /** The server has as many rooms open as it may. */
  roomLimit: 'RoomLimitError',
  /** The room has as many attendees as it may. */
  roomFull: 'RoomFull',
  /** The store did not acknowledge in time (an election, unreachable): nothing changed; see `retry-after`. */
  storeUnavailable: 'StoreUnavailable',
  /** This instance is shutting down and takes nothing new; see `retry-after` (the balancer sends the retry elsewhere). */
  draining: 'Draining',
  /** No replay has this id, or it expired (`replayTtlMillis`). */
  replayNotFound: 'ReplayNotFound',
  /** The recording is bigger than a replay may be (`replayBytesMax`). */
  replayTooLarge: 'ReplayTooLarge',
  /** There is nothing to save: this session has no sandbox, or its history holds no moment yet. */
  nothingRecorded: 'NothingRecorded',
} as const;
export type HttpErrorCode = (typeof HttpErrorCode)[keyof typeof HttpErrorCode];
