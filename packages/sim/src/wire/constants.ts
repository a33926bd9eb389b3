/** Wire protocol numbers (MongoDB's `MsgHeader`, `OP_MSG` and `OP_QUERY` layouts). */

export const OpCode = {
  OP_REPLY: 1,
  OP_UPDATE: 2001,
  OP_INSERT: 2002,
  OP_QUERY: 2004,
  OP_GET_MORE: 2005,
  OP_DELETE: 2006,
  OP_KILL_CURSORS: 2007,
  OP_COMPRESSED: 2012,
  OP_MSG: 2013,
} as const;

export type OpCodeValue = (typeof OpCode)[keyof typeof OpCode];

export function opCodeName(opCode: number): string {
  for (const [name, value] of Object.entries(OpCode)) if (value === opCode) return name;
  return `unknown(${opCode})`;
}

/** OP_MSG flag bits. Bits 0-15 are "required": a receiver must reject a message with one it does not know. */
export const OpMsgFlags = {
  checksumPresent: 1 << 0,
  moreToCome: 1 << 1,
  exhaustAllowed: 1 << 16,
} as const;

/** Flag bits 0-15 that must be understood. */
export const OP_MSG_REQUIRED_FLAGS_MASK = 0xffff;

/** OP_REPLY responseFlags. */
export const OpReplyFlags = {
  cursorNotFound: 1 << 0,
  queryFailure: 1 << 1,
  awaitCapable: 1 << 3,
} as const;

/** OP_QUERY flags (legacy, only read to tell exhaust-style requests apart; we ignore them). */
export const OpQueryFlags = {
  tailableCursor: 1 << 1,
  secondaryOk: 1 << 2,
  exhaust: 1 << 6,
} as const;

export const MESSAGE_HEADER_BYTES = 16;

/** mongod's defaults, reported in hello as `maxMessageSizeBytes` and `maxBsonObjectSize`. */
export const DEFAULT_MESSAGE_SIZE_BYTES_MAX = 48_000_000;
export const DEFAULT_BSON_OBJECT_SIZE_BYTES_MAX = 16 * 1024 * 1024;
/** mongod lets internal (reply) objects exceed the user limit by 16 KiB. */
export const BSON_OBJECT_INTERNAL_SLACK_BYTES = 16 * 1024;
