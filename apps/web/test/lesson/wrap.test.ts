import { describe, expect, it } from 'vitest';
import { hyphenRuns, softBreaks } from '../../src/lesson/wrap';

describe('softBreaks', () => {
  it('breaks a connection string after its scheme, between hosts and before its options', () => {
    expect(softBreaks('mongosh "mongodb://morton.local:27017,morton.local:27018/?replicaSet=foo&w=1"')).toEqual([
      'mongosh ',
      '"mongodb://',
      'morton.local:27017,',
      'morton.local:27018/',
      '?',
      'replicaSet=',
      'foo&',
      'w=',
      '1"',
    ]);
  });

  it('keeps the pieces whole: joined they are the command again', () => {
    const command = 'mongod --replSet foo/morton.local:27018,morton.local:27019 --rest';
    expect(softBreaks(command).join('')).toBe(command);
    expect(softBreaks(command)).toEqual(['mongod ', '--replSet ', 'foo/', 'morton.local:27018,', 'morton.local:27019 ', '--rest']);
  });

  it('never ends a piece with the hyphen of an option, so `--dbpath` stays one word', () => {
    const pieces = softBreaks('mongod --port 27018 --dbpath /data/db1 --replSet foo/morton.local:27017 --rest');
    expect(pieces.filter((piece) => piece.endsWith('-'))).toEqual([]);
    expect(pieces).toContain('--dbpath ');
  });

  it('breaks after the `=` of a connection-string option or a keyword argument, not of a comparison', () => {
    expect(softBreaks('"mongodb://h:1/?replicaSet=foo&readPreference=secondaryPreferred"')).toEqual([
      '"mongodb://',
      'h:1/',
      '?',
      'replicaSet=',
      'foo&',
      'readPreference=',
      'secondaryPreferred"',
    ]);
    expect(softBreaks('x = MongoClient(h, replicaSet="foo")')).toEqual(['x ', '= ', 'MongoClient(', 'h, ', 'replicaSet=', '"foo")']);
    expect(softBreaks('a==b')).toEqual(['a==b']);
  });

  it('breaks a call chain after its dots and brackets, never inside a string', () => {
    expect(softBreaks('client.test.test.find_one()')).toEqual(['client.', 'test.', 'test.', 'find_one()']);
    expect(softBreaks('c.admin.command("replSetInitiate")')).toEqual(['c.', 'admin.', 'command(', '"replSetInitiate")']);
    // The host in the string stays whole; the comma inside it is still a place to break.
    expect(softBreaks('Connection("morton.local:27017,morton.local:27018")')).toEqual([
      'Connection(',
      '"morton.local:27017,',
      'morton.local:27018")',
    ]);
  });

  it('does not break the dots of a host on a mongod command line (no call in it)', () => {
    expect(softBreaks('mongod --replSet foo/morton.local:27017')).toEqual(['mongod ', '--replSet ', 'foo/', 'morton.local:27017']);
  });

  it('adds nothing at the end or before a space', () => {
    expect(softBreaks('ls /')).toEqual(['ls ', '/']);
    expect(softBreaks('f( )')).toEqual(['f( ', ')']);
  });
});

describe('hyphenRuns', () => {
  it('keeps each run of hyphens with the letter after it, so no line ends in `-`', () => {
    expect(hyphenRuns('--dbpath ')).toEqual([
      { text: '--d', keep: true },
      { text: 'bpath ', keep: false },
    ]);
    expect(hyphenRuns('kill -9 3459')).toEqual([
      { text: 'kill ', keep: false },
      { text: '-9', keep: true },
      { text: ' 3459', keep: false },
    ]);
    expect(hyphenRuns('cfg.members')).toEqual([{ text: 'cfg.members', keep: false }]);
    expect(hyphenRuns('a - b')).toEqual([{ text: 'a - b', keep: false }]);
  });
});
