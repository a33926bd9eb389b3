import { Binary } from 'bson';
import type { Document } from 'bson';
import { serverError } from '../base/errors';
import type { Random } from '../random/random';
import { isPlainObject } from '../storage/values';

/**
 * Logical sessions as a mongod keeps them (src/mongo/db/logical_session_cache_impl.cpp,
 * src/mongo/db/initialize_operation_session_info.cpp; the Driver Sessions specification): a
 * session is vivified by the first command carrying its `lsid`, its `lastUse` moves with every
 * command, and one unused for `localLogicalSessionTimeoutMinutes` expires. This simulator runs
 * without authentication, so every session belongs to the unauthenticated user, whose `uid` is
 * the SHA-256 of the empty user name, as mongod computes it.
 */

/** `localLogicalSessionTimeoutMinutes`'s default (mongod's, and what hello reports). */
export const LOGICAL_SESSION_TIMEOUT_MINUTES_DEFAULT = 30;
/** mongod's `maxSessions`: sessions cached at once; one more is TooManyLogicalSessions. */
export const SESSIONS_MAX_DEFAULT = 1_000_000;

/** SHA-256 of "" : the `uid` of every session of an unauthenticated client (mongod's getLogicalSessionUserDigestForLoggedInUser). */
const UNAUTHENTICATED_UID_HEX = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
export const UNAUTHENTICATED_UID = new Binary(Buffer.from(UNAUTHENTICATED_UID_HEX, 'hex'), Binary.SUBTYPE_DEFAULT);

export interface SessionRecord {
  /** The session's UUID (BinData subtype 4). */
  readonly id: Binary;
  readonly key: string;
  lastUseMillis: number;
}

export interface SessionCacheOptions {
  now: () => number;
  random: Random;
  timeoutMinutes?: number;
  sessionsMax?: number;
}

function uuidBytes(value: unknown): Uint8Array | undefined {
  if (!(value instanceof Binary) || value.sub_type !== Binary.SUBTYPE_UUID) return undefined;
  const bytes = value.buffer.subarray(0, value.position);
  return bytes.length === 16 ? bytes : undefined;
}

function hexOf(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

/**
 * The session key of a command's `lsid` (`{id: UUID, uid?: BinData}`), checked as mongod's IDL
 * parser checks it. Undefined when the command has no lsid.
 */
export function sessionKeyOf(lsid: unknown): string | undefined {
  if (lsid === undefined) return undefined;
  if (!isPlainObject(lsid)) throw serverError('TypeMismatch', "BSON field 'OperationSessionInfo.lsid' is the wrong type, expected type 'object'");
  const bytes = uuidBytes(lsid.id);
  if (lsid.id === undefined) throw serverError('Location40414', "BSON field 'OperationSessionInfo.lsid.id' is missing but a required field");
  if (bytes === undefined) throw serverError('TypeMismatch', "BSON field 'OperationSessionInfo.lsid.id' is the wrong type, expected a UUID");
  return hexOf(bytes);
}

/** One member's logical session cache. */
export class LogicalSessionCache {
  readonly timeoutMinutes: number;
  private readonly sessionsMax: number;
  private readonly sessions = new Map<string, SessionRecord>();
  private readonly now: () => number;
  private readonly random: Random;

  constructor(options: SessionCacheOptions) {
    this.now = options.now;
    this.random = options.random;
    this.timeoutMinutes = options.timeoutMinutes ?? LOGICAL_SESSION_TIMEOUT_MINUTES_DEFAULT;
    this.sessionsMax = options.sessionsMax ?? SESSIONS_MAX_DEFAULT;
    if (!(this.timeoutMinutes > 0)) throw new RangeError(`localLogicalSessionTimeoutMinutes must be positive, got ${this.timeoutMinutes}`);
  }

  get size(): number {
    return this.sessions.size;
  }

  private get timeoutMillis(): number {
    return this.timeoutMinutes * 60_000;
  }

  /** The record of a live session, if cached and not expired. */
  get(key: string): SessionRecord | undefined {
    const record = this.sessions.get(key);
    if (record === undefined) return undefined;
    if (this.now() - record.lastUseMillis > this.timeoutMillis) {
      this.sessions.delete(key);
      return undefined;
    }
    return record;
  }

  /** A command carrying this lsid arrived: vivify the session or move its lastUse. Returns its key. */
  touch(lsid: Document, key: string): SessionRecord {
    const now = this.now();
    const existing = this.sessions.get(key);
    if (existing !== undefined) {
      existing.lastUseMillis = now;
      return existing;
    }
    if (this.sessions.size >= this.sessionsMax) {
      this.reap();
      if (this.sessions.size >= this.sessionsMax) {
        throw serverError('TooManyLogicalSessions', `Unable to add session into the cache because the number of active sessions is too high`);
      }
    }
    const record: SessionRecord = { id: lsid.id as Binary, key, lastUseMillis: now };
    this.sessions.set(key, record);
    return record;
  }

  /** The `startSession` command: a new session with a server-made UUID. */
  start(): Document {
    const hex = this.random.hex(16);
    const bytes = Buffer.from(hex, 'hex');
    // A version-4, variant-1 UUID, as mongod's UUID::gen().
    bytes[6] = (bytes[6]! & 0x0f) | 0x40;
    bytes[8] = (bytes[8]! & 0x3f) | 0x80;
    const id = new Binary(bytes, Binary.SUBTYPE_UUID);
    this.touch({ id }, bytes.toString('hex'));
    return { id: { id }, timeoutMinutes: this.timeoutMinutes, ok: 1 };
  }

  /** endSessions/killSessions: forget these sessions. Returns the keys that were live. */
  end(keys: readonly string[]): string[] {
    const ended: string[] = [];
    for (const key of keys) if (this.sessions.delete(key)) ended.push(key);
    return ended;
  }

  /** refreshSessions: move lastUse of these sessions (vivifying any not cached, as mongod does). */
  refresh(lsids: readonly Document[]): void {
    for (const lsid of lsids) {
      const key = sessionKeyOf(lsid) as string;
      this.touch(lsid, key);
    }
  }

  /** Every live session's key. */
  keys(): string[] {
    this.reap();
    return [...this.sessions.keys()];
  }

  /** Forget sessions unused for longer than the timeout; returns their keys. */
  reap(): string[] {
    const now = this.now();
    const expired: string[] = [];
    for (const [key, record] of this.sessions) {
      if (now - record.lastUseMillis > this.timeoutMillis) {
        this.sessions.delete(key);
        expired.push(key);
      }
    }
    return expired;
  }

  /** What `$listLocalSessions` yields for each live session. */
  listLocal(): Document[] {
    this.reap();
    return [...this.sessions.values()].map((record) => ({ _id: { id: record.id, uid: UNAUTHENTICATED_UID }, lastUse: new Date(record.lastUseMillis) }));
  }
}

/** The session commands, lowercased. */
export const SESSION_COMMANDS: ReadonlySet<string> = new Set(['startsession', 'endsessions', 'refreshsessions', 'killsessions', 'killallsessions', 'killallsessionsbypattern']);

/** What a session command needs of the member: its cache and a way to kill a session's cursors. */
export interface SessionCommandHost {
  readonly sessions: LogicalSessionCache;
  killSessionCursors(keys: ReadonlySet<string>): void;
}

function lsidList(commandName: string, value: unknown): Document[] {
  if (!Array.isArray(value)) throw serverError('TypeMismatch', `BSON field '${commandName}' is the wrong type, expected type 'array'`);
  return value.map((lsid) => {
    if (!isPlainObject(lsid)) throw serverError('TypeMismatch', `BSON field '${commandName}' must hold session ids`);
    return lsid;
  });
}

/**
 * startSession, endSessions, refreshSessions, killSessions, killAllSessions and
 * killAllSessionsByPattern (src/mongo/db/commands/*sessions*_command.cpp). Killing a session ends
 * it and kills its cursors; with no authentication every session is the caller's, so the empty
 * list of killSessions and the user patterns of killAllSessions cover all of them.
 */
export function runSessionCommand(host: SessionCommandHost, name: string, body: Document): Document {
  const sessions = host.sessions;
  switch (name) {
    case 'startsession':
      return sessions.start();
    case 'refreshsessions':
      sessions.refresh(lsidList('refreshSessions', body.refreshSessions));
      return { ok: 1 };
    case 'endsessions': {
      const keys = lsidList('endSessions', body.endSessions).map((lsid) => sessionKeyOf(lsid) as string);
      host.killSessionCursors(new Set(sessions.end(keys)));
      return { ok: 1 };
    }
    case 'killsessions': {
      const list = lsidList('killSessions', body.killSessions);
      const keys = list.length === 0 ? sessions.keys() : list.map((lsid) => sessionKeyOf(lsid) as string);
      sessions.end(keys);
      host.killSessionCursors(new Set(keys));
      return { ok: 1 };
    }
    case 'killallsessions':
    case 'killallsessionsbypattern': {
      const field = name === 'killallsessions' ? 'killAllSessions' : 'killAllSessionsByPattern';
      const patterns = lsidList(field, body[field]);
      const keys = sessions.keys();
      const chosen = patterns.length === 0 ? keys : killPatternKeys(patterns, keys);
      sessions.end(chosen);
      host.killSessionCursors(new Set(chosen));
      return { ok: 1 };
    }
    default:
      throw new Error(`runSessionCommand: ${name} is not a session command`);
  }
}

/** killAllSessionsByPattern's patterns: `{lsid}` picks one session; `{uid}` or `{users}` (all ours) pick all. */
function killPatternKeys(patterns: readonly Document[], keys: readonly string[]): string[] {
  const chosen = new Set<string>();
  for (const pattern of patterns) {
    if (pattern.lsid !== undefined) {
      const key = sessionKeyOf(pattern.lsid) as string;
      if (keys.includes(key)) chosen.add(key);
    } else {
      for (const key of keys) chosen.add(key);
    }
  }
  return [...chosen];
}
