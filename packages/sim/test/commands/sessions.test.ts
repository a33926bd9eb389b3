import { Binary } from 'bson';
import type { Document } from 'bson';
import { describe, expect, it } from 'vitest';
import { LogicalSessionCache, UNAUTHENTICATED_UID, runSessionCommand, sessionKeyOf } from '../../src/commands/sessions';
import { Random } from '../../src/random/random';
import { codeOf } from '../serverErrorCode';

// Logical sessions: src/mongo/db/logical_session_cache_impl.cpp, the Driver Sessions specification
// (mongodb/specifications source/sessions/driver-sessions.md) and the session commands' pages of
// MongoDB's manual (startSession, endSessions, refreshSessions, killSessions, killAllSessions).

const uuid = (byte: number): Binary => new Binary(new Uint8Array(16).fill(byte), Binary.SUBTYPE_UUID);
const lsid = (byte: number): Document => ({ id: uuid(byte) });

function cache(nowRef: { now: number }, timeoutMinutes?: number): LogicalSessionCache {
  return new LogicalSessionCache({ now: () => nowRef.now, random: new Random(9), ...(timeoutMinutes === undefined ? {} : { timeoutMinutes }) });
}

describe('lsid parsing', () => {
  it('keys a session by its UUID and refuses what is not {id: UUID}', () => {
    expect(sessionKeyOf(lsid(1))).toBe('01'.repeat(16));
    expect(sessionKeyOf(undefined)).toBeUndefined();
    expect(codeOf(() => sessionKeyOf('x'))).toBe(14);
    expect(codeOf(() => sessionKeyOf({}))).toBe(40414);
    expect(codeOf(() => sessionKeyOf({ id: new Binary(new Uint8Array(16), Binary.SUBTYPE_DEFAULT) }))).toBe(14);
  });
});

describe('LogicalSessionCache', () => {
  it('vivifies a session on first use, moves lastUse, and expires it after the timeout', () => {
    const clock = { now: 1_000_000 };
    const sessions = cache(clock, 1);
    sessions.touch(lsid(1), sessionKeyOf(lsid(1))!);
    expect(sessions.listLocal()).toEqual([{ _id: { id: uuid(1), uid: UNAUTHENTICATED_UID }, lastUse: new Date(1_000_000) }]);
    clock.now += 50_000;
    sessions.touch(lsid(1), sessionKeyOf(lsid(1))!);
    clock.now += 50_000;
    expect(sessions.size).toBe(1);
    clock.now += 11_000;
    expect(sessions.listLocal()).toEqual([]);
  });

  it('startSession makes a version-4 UUID from the member Random and reports the timeout', () => {
    const a = cache({ now: 0 }).start();
    const b = cache({ now: 0 }).start();
    expect(a).toEqual(b);
    const bytes = (a.id.id as Binary).buffer;
    expect(bytes[6]! >> 4).toBe(4);
    expect(bytes[8]! >> 6).toBe(2);
    expect(a.timeoutMinutes).toBe(30);
    expect(a.ok).toBe(1);
  });

  it('the uid of an unauthenticated session is SHA-256 of the empty string', () => {
    expect(Buffer.from(UNAUTHENTICATED_UID.buffer).toString('hex')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });
});

describe('session commands', () => {
  function host(): { sessions: LogicalSessionCache; killed: string[][]; killSessionCursors(keys: ReadonlySet<string>): void } {
    const killed: string[][] = [];
    return { sessions: cache({ now: 0 }), killed, killSessionCursors: (keys) => killed.push([...keys]) };
  }

  it('refreshSessions vivifies, endSessions and killSessions end sessions and kill their cursors', () => {
    const h = host();
    expect(runSessionCommand(h, 'refreshsessions', { refreshSessions: [lsid(1), lsid(2), lsid(3)] })).toEqual({ ok: 1 });
    expect(h.sessions.size).toBe(3);
    runSessionCommand(h, 'endsessions', { endSessions: [lsid(1), lsid(9)] });
    expect(h.killed).toEqual([[sessionKeyOf(lsid(1))]]);
    runSessionCommand(h, 'killsessions', { killSessions: [lsid(2)] });
    expect(h.sessions.keys()).toEqual([sessionKeyOf(lsid(3))]);
    runSessionCommand(h, 'killsessions', { killSessions: [] });
    expect(h.sessions.size).toBe(0);
    expect(codeOf(() => runSessionCommand(h, 'endsessions', { endSessions: 'x' }))).toBe(14);
  });

  it('killAllSessions with no users kills all; killAllSessionsByPattern by lsid kills one', () => {
    const h = host();
    runSessionCommand(h, 'refreshsessions', { refreshSessions: [lsid(1), lsid(2)] });
    runSessionCommand(h, 'killallsessionsbypattern', { killAllSessionsByPattern: [{ lsid: lsid(1) }] });
    expect(h.sessions.keys()).toEqual([sessionKeyOf(lsid(2))]);
    runSessionCommand(h, 'killallsessions', { killAllSessions: [] });
    expect(h.sessions.size).toBe(0);
  });
});
