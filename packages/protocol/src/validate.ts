import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import type { TSchema } from '@sinclair/typebox';
import { ProtocolErrorCode } from './errors';
import { ClientMessage, ProgressClientMessage, RoomClientMessage } from './messages';

// One checker per message type, so an error names the field that is wrong, not "not in union".
const checkerByType = new Map<string, TypeCheck<TSchema>>([
  ...ClientMessage.anyOf.map((variant) => [String(variant.properties.type.const), TypeCompiler.Compile(variant)] as const),
  ...ProgressClientMessage.anyOf.map((variant) => [String(variant.properties.type.const), TypeCompiler.Compile(variant)] as const),
]);
const roomCheckerByType = new Map<string, TypeCheck<TSchema>>([
  ...checkerByType,
  ...RoomClientMessage.anyOf.map((variant) => [String(variant.properties.type.const), TypeCompiler.Compile(variant)] as const),
]);

export type ParseResult<M = ClientMessage> =
  | { ok: true; message: M }
  | { ok: false; code: string; message: string };

function invalid(message: string): { ok: false; code: string; message: string } {
  return { ok: false, code: ProtocolErrorCode.invalidMessage, message };
}

/** Parse and validate one text frame from a browser. Never throws. */
export function parseClientMessage(raw: string): ParseResult<ClientMessage | ProgressClientMessage> {
  return parseWith(checkerByType, raw);
}

/** The same for the rooms WebSocket, which also takes the room messages. */
export function parseRoomsClientMessage(raw: string): ParseResult<ClientMessage | ProgressClientMessage | RoomClientMessage> {
  return parseWith(roomCheckerByType, raw);
}

function parseWith<M>(checkers: Map<string, TypeCheck<TSchema>>, raw: string): ParseResult<M> {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return { ok: false, code: ProtocolErrorCode.notJson, message: 'message is not valid JSON' };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value) || !('type' in value)) {
    return invalid('message must be an object with a "type"');
  }
  const type = String(value.type).slice(0, 40);
  const checker = checkers.get(type);
  if (!checker) return invalid(`unknown message type '${type}'`);
  if (checker.Check(value)) return { ok: true, message: value as M };
  const first = checker.Errors(value).First();
  return invalid(`invalid '${type}' message${first ? ` (${first.path || '/'}: ${first.message})` : ''}`);
}
