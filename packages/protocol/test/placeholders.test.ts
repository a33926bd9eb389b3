import { describe, expect, it } from 'vitest';
import { fillPlaceholders, hasPlaceholders, type PlaceholderMember } from '../src/placeholders';

function member(host: string, overrides: Partial<PlaceholderMember>): PlaceholderMember {
  return { host, pid: 4000, process: 'running', state: 'SECONDARY', ...overrides };
}

const killedArgv = ['mongod', '--port', '27018', '--dbpath', '/data/db1', '--replSet', 'foo/morton.local:27017', '--rest'];
const cluster = {
  members: [
    member('morton.local:27017', { pid: 4001, state: 'PRIMARY', argv: ['mongod', '--replSet', 'foo/morton.local:27018,morton.local:27019', '--rest'] }),
    member('morton.local:27018', { pid: 4002, process: 'killed', state: 'DOWN', argv: killedArgv }),
    member('morton.local:27019', { pid: 4003 }),
  ],
};

describe('fillPlaceholders', () => {
  it('names members by role or by port from the cluster as it is now', () => {
    expect(fillPlaceholders('kill -9 {{pid:primary}}', cluster)).toEqual({ ok: true, text: 'kill -9 4001' });
    // The killed member is no secondary: the one still running is.
    expect(fillPlaceholders('mongosh --port {{port:secondary}}', cluster)).toEqual({ ok: true, text: 'mongosh --port 27019' });
    expect(fillPlaceholders('kill {{pid:27019}}', cluster)).toEqual({ ok: true, text: 'kill 4003' });
    expect(fillPlaceholders('cfg.members[{{index:secondary}}]', cluster)).toEqual({ ok: true, text: 'cfg.members[2]' });
  });

  it('gives the line that started a killed member, so that typing it starts it again', () => {
    expect(fillPlaceholders('{{command:killed}}', cluster)).toEqual({ ok: true, text: killedArgv.join(' ') });
    expect(fillPlaceholders('{{host:killed}} is down', cluster)).toEqual({ ok: true, text: 'morton.local:27018 is down' });
  });

  it('quotes the words a shell would split or expand', () => {
    const argv = ['mongod', '--dbpath', '/data/my db', '--bind_ip', "it's", '--setParameter', 'x=$HOME'];
    const quoting = { members: [member('morton.local:27018', { process: 'stopped', state: 'DOWN', argv })] };
    expect(fillPlaceholders('{{command:killed}}', quoting)).toEqual({ ok: true, text: "mongod --dbpath '/data/my db' --bind_ip 'it'\\''s' --setParameter 'x=$HOME'" });
  });

  it('says which member is missing and leaves the placeholder unfilled', () => {
    const allUp = { members: cluster.members.map((m) => ({ ...m, process: 'running' as const, state: 'SECONDARY' as const })) };
    expect(fillPlaceholders('{{command:killed}}', allUp)).toEqual({ ok: false, missing: 'a member that is down' });
    expect(fillPlaceholders('kill {{pid:primary}}', allUp)).toEqual({ ok: false, missing: 'a primary' });
    expect(fillPlaceholders('kill {{pid:27020}}', cluster)).toEqual({ ok: false, missing: 'a running mongod on port 27020' });
    // A snapshot recorded before members carried their command line has none to give.
    const { argv: _argv, ...withoutArgv } = cluster.members[1]!;
    expect(fillPlaceholders('{{command:killed}}', { members: [withoutArgv] })).toEqual({ ok: false, missing: 'a member that is down' });
    expect(fillPlaceholders('{{command:killed}}', null)).toMatchObject({ ok: false });
  });

  it('recognises only the placeholders it can fill', () => {
    expect(hasPlaceholders('{{command:killed}}')).toBe(true);
    expect(hasPlaceholders('{{command:arbiter}}')).toBe(false);
    expect(hasPlaceholders('rs.status()')).toBe(false);
  });
});
