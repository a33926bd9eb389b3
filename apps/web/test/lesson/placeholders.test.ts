import { fillPlaceholders } from '@rslab/protocol';
import { describe, expect, it } from 'vitest';
import { unfilledCommandText } from '../../src/lesson/placeholders';

describe('unfilledCommandText', () => {
  it('says in words which member a command names when there is none to fill it from', () => {
    expect(unfilledCommandText('kill -9 {{pid:primary}}')).toBe('kill -9 <PID of the primary>');
    expect(unfilledCommandText('cfg.members[{{index:secondary}}].priority = 2')).toBe('cfg.members[<index of a secondary>].priority = 2');
    expect(unfilledCommandText('kill {{pid:27019}}; mongosh --port {{port:secondary}}')).toBe('kill <PID of the mongod on 27019>; mongosh --port <port of a secondary>');
    expect(unfilledCommandText('{{command:killed}}')).toBe('<command line of the member you killed>');
  });

  it('reads the placeholders the protocol fills, and leaves other text alone', () => {
    const template = 'kill -9 {{pid:primary}}';
    expect(fillPlaceholders(template, { members: [] })).toMatchObject({ ok: false });
    expect(unfilledCommandText('rs.status()')).toBe('rs.status()');
    expect(unfilledCommandText('{{pid:arbiter}}')).toBe('{{pid:arbiter}}');
  });
});
