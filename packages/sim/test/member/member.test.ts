import { describe, expect, it } from 'vitest';
import { VirtualClock, drainMicrotasks } from '../../src/clock/virtual';
import type { CommandRequest } from '../../src/commands/handler';
import { Member, parseReplSetOption } from '../../src/member/member';
import { DirectPeerTransport } from '../../src/member/transport';
import { FaultModel } from '../../src/net/faults';
import { Random } from '../../src/random/random';
import type { MemberEvent } from '../../src/repl/events';

function request(db: string, body: Record<string, unknown>): CommandRequest {
  return { db, body, exhaustAllowed: false, moreToCome: false, connection: { id: 1, remote: 'client' }, signal: new AbortController().signal };
}

function standalone(replSet?: string): { clock: VirtualClock; member: Member; events: MemberEvent[] } {
  const clock = new VirtualClock(0);
  const transport = new DirectPeerTransport({ clock, faults: new FaultModel() });
  const member = new Member({ host: 'Morton.Local', port: 27017, replSet, clock, random: new Random(1), transport });
  const events: MemberEvent[] = [];
  member.on((e) => events.push(e));
  return { clock, member, events };
}

describe('Member', () => {
  it('parses --replSet in both forms', () => {
    expect(parseReplSetOption('foo')).toEqual({ name: 'foo', seeds: [] });
    expect(parseReplSetOption('foo/morton.local:27018,morton.local:27019')).toEqual({ name: 'foo', seeds: ['morton.local:27018', 'morton.local:27019'] });
    expect(() => parseReplSetOption('/a:1')).toThrow(RangeError);
  });

  it('without --replSet: a writable standalone that refuses replica-set commands with NoReplicationEnabled (76)', async () => {
    const { member } = standalone();
    expect(member.name).toBe('morton.local:27017');
    expect(await member.run(request('admin', { replSetInitiate: {} }))).toEqual({ ok: 0, errmsg: 'This node was not started with replication enabled.', code: 76, codeName: 'NoReplicationEnabled' });
    expect(await member.run(request('admin', { isMaster: 1 }))).toMatchObject({ ok: 1, ismaster: true });
    expect(await member.run(request('test', { insert: 'c', documents: [{ _id: 1 }] }))).toEqual({ n: 1, ok: 1 });
    expect(await member.run(request('test', { find: 'c', filter: {} }))).toMatchObject({ ok: 1, cursor: { firstBatch: [{ _id: 1 }] } });
  });

  it('finds itself in a config under an alias (isSelf) and answers to that name from then on', async () => {
    const clock = new VirtualClock(0);
    const transport = new DirectPeerTransport({ clock, faults: new FaultModel() });
    const member = new Member({ host: 'morton.local', port: 27017, selfAliases: ['localhost:27017', '127.0.0.1:27017'], replSet: 'rs0', clock, random: new Random(1), transport });
    expect(await member.run(request('admin', { replSetInitiate: { _id: 'rs0', members: [{ _id: 0, host: '127.0.0.1:27018' }] } }))).toMatchObject({ ok: 0, codeName: 'NodeNotFound' });
    expect(await member.run(request('admin', { replSetInitiate: { _id: 'rs0', members: [{ _id: 0, host: 'LOCALHOST:27017' }] } }))).toMatchObject({ ok: 1 });
    await clock.advanceAsync(100, () => drainMicrotasks());
    expect(member.repl.state).toBe('PRIMARY');
    expect(await member.run(request('admin', { hello: 1 }))).toMatchObject({ me: 'localhost:27017', primary: 'localhost:27017', hosts: ['localhost:27017'], isWritablePrimary: true });
    member.kill();
  });

  it('dispatches command names case-insensitively and answers empty commands with FailedToParse', async () => {
    const { member } = standalone('rs0');
    expect(await member.run(request('admin', { PING: 1 }))).toEqual({ ok: 1 });
    expect(await member.run(request('admin', {}))).toMatchObject({ ok: 0, code: 9, codeName: 'FailedToParse' });
  });

  it('a single-member set initiates, elects itself, logs the primary line and emits stamped events', async () => {
    const { clock, member, events } = standalone('rs0');
    const lines: string[] = [];
    member.on(() => undefined);
    const reply = await member.run(request('admin', { replSetInitiate: {} }));
    expect(reply.ok).toBe(1);
    await clock.advanceAsync(100, () => drainMicrotasks());
    expect(member.repl.state).toBe('PRIMARY');
    expect(member.repl.isWritablePrimary).toBe(true);
    for (const l of member.recentLog()) lines.push(l.msg);
    expect(lines).toContain('Transition to primary complete; database writes are now permitted');
    const states = events.filter((e) => e.type === 'stateChange').map((e) => (e.type === 'stateChange' ? e.to : ''));
    expect(states).toEqual(['SECONDARY', 'PRIMARY']);
    expect(events.every((e) => e.host === 'morton.local:27017' && typeof e.atMillis === 'number')).toBe(true);
    member.kill();
    expect(await member.run(request('admin', { ping: 1 }))).toMatchObject({ ok: 0, code: 11600 });
  });
});
