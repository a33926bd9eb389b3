import { describe, expect, it } from 'vitest';
import { ErrorCodes, codeNameFor, serverError } from '../../src/base/errors';

describe('error codes', () => {
  it("names the replica-set codes as mongod's error_codes.yml does", () => {
    expect(ErrorCodes.NoReplicationEnabled).toBe(76);
    expect(ErrorCodes.UnsatisfiableWriteConcern).toBe(100);
    expect(ErrorCodes.NewReplicaSetConfigurationIncompatible).toBe(103);
    expect(ErrorCodes.InconsistentReplicaSetNames).toBe(185);
    expect([76, 100, 103, 185].map(codeNameFor)).toEqual(['NoReplicationEnabled', 'UnsatisfiableWriteConcern', 'NewReplicaSetConfigurationIncompatible', 'InconsistentReplicaSetNames']);
    expect(serverError('NoReplicationEnabled', 'This node was not started with replication enabled.').toReply()).toEqual({
      ok: 0,
      errmsg: 'This node was not started with replication enabled.',
      code: 76,
      codeName: 'NoReplicationEnabled',
    });
    expect(codeNameFor(987654)).toBe('Location987654');
  });
});
