import { describe, expect, it } from 'vitest';
import { connectionStringParts } from '../../src/driver/connectionString';

// The splitting follows mongodb/specifications, source/connection-string/connection-string-spec.md.
describe('connectionStringParts', () => {
  it('reads a direct connection to one member (the "Today’s way" lesson’s mongosh line)', () => {
    expect(connectionStringParts('mongodb://morton.local:27017/?directConnection=true')).toEqual({ hosts: ['morton.local:27017'], directConnection: true });
  });

  it('reads a seed list with a replica set name, and no directConnection', () => {
    expect(connectionStringParts('mongodb://morton.local:27017,morton.local:27018,morton.local:27019/?replicaSet=foo')).toEqual({
      hosts: ['morton.local:27017', 'morton.local:27018', 'morton.local:27019'],
      directConnection: undefined,
    });
  });

  it('takes option keys case-insensitively, skips user info, and gives a bare host the default port', () => {
    expect(connectionStringParts('mongodb://ada:s%40cret@morton.local/test?replicaSet=foo&DIRECTCONNECTION=False')).toEqual({
      hosts: ['morton.local:27017'],
      directConnection: false,
    });
  });

  it('leaves an unreadable value undefined, and refuses what is not a connection string', () => {
    expect(connectionStringParts('mongodb://h:1/?directConnection=yes')?.directConnection).toBeUndefined();
    expect(connectionStringParts('morton.local:27017')).toBeNull();
  });
});
