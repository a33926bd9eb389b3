import { Type, type Static } from '@sinclair/typebox';

/**
 * The one WebSocket protocol between a browser tab and the server, typed and schema-checked in
 * one place. The web app imports these types; the server validates every incoming message.
 */

/** A terminal tab's id: short, URL-safe, chosen by the server. */
export const TabId = Type.String({ pattern: '^[a-z0-9-]{1,32}$' });

/** Longest line a learner may send in one go. */
export const inputLineLengthMax = 100_000;

export const ClientMessage = Type.Union([
  Type.Object(
    { type: Type.Literal('input'), tab: TabId, line: Type.String({ maxLength: inputLineLengthMax }) },
    { additionalProperties: false },
  ),
  Type.Object({ type: Type.Literal('interrupt'), tab: TabId }, { additionalProperties: false }),
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
]);
export type ClientMessage = Static<typeof ClientMessage>;

export const TabSnapshot = Type.Object({
  tab: TabId,
  title: Type.String(),
  prompt: Type.String(),
  /** Output so far (bounded), so a reloaded page shows the same terminal. */
  scrollback: Type.String(),
  busy: Type.Boolean(),
  /** Lines typed in this tab, oldest first, for the line editor's history. */
  history: Type.Array(Type.String()),
});
export type TabSnapshot = Static<typeof TabSnapshot>;

export const ServerMessage = Type.Union([
  Type.Object({
    type: Type.Literal('welcome'),
    sandboxId: Type.String(),
    /** True when this connection found a sandbox that already existed (a reload or reconnect). */
    resumed: Type.Boolean(),
    tabs: Type.Array(TabSnapshot),
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
  /** Something the client sent was refused; the socket stays open unless said otherwise. */
  Type.Object({ type: Type.Literal('error'), code: Type.String(), message: Type.String() }),
]);
export type ServerMessage = Static<typeof ServerMessage>;

/** Stable names for protocol errors, sent as `error.code`. */
export const ProtocolErrorCode = {
  notJson: 'NotJson',
  invalidMessage: 'InvalidMessage',
  unknownTab: 'UnknownTab',
  rateLimited: 'RateLimited',
  tabsExhausted: 'TabsExhausted',
} as const;
