import { describe, expect, it } from 'vitest';
import { softBreaks } from '../../src/lesson/wrap';

describe('softBreaks', () => {
  it('breaks a connection string after its scheme, between hosts and before its options', () => {
    expect(softBreaks('mongosh "mongodb://morton.local:27017,morton.local:27018/?replicaSet=foo&w=1"')).toEqual([
      'mongosh "mongodb://',
      'morton.local:27017,',
      'morton.local:27018/',
      '?',
      'replicaSet=foo&',
      'w=1"',
    ]);
  });

  it('keeps the pieces whole: joined they are the command again', () => {
    const command = 'mongod --replSet foo/morton.local:27018,morton.local:27019 --rest';
    expect(softBreaks(command).join('')).toBe(command);
    expect(softBreaks(command)).toEqual(['mongod --replSet foo/', 'morton.local:27018,', 'morton.local:27019 --rest']);
  });

  it('adds nothing where a space already breaks, or at the end', () => {
    expect(softBreaks('Connection(["a", "b"])')).toEqual(['Connection(["a", "b"])']);
    expect(softBreaks('ls /')).toEqual(['ls /']);
  });
});
