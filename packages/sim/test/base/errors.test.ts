import { describe, expect, it } from 'vitest';
import { ErrorCodes, codeNameFor, serverError } from '../../src/base/errors';

describe('error codes', () => {
  it("names the replica-set codes as mongod's error_codes.yml does", () => {
    expect(ErrorCodes.NoReplicationEnabled).toBe(76);
    expect(ErrorCodes.UnsatisfiableWriteConcern).toBe(100);
    expect(ErrorCodes.NewReplicaSetConfigurationIncompatible).toBe(103);
    // 108, not 185 (185 is ClientMetadataDocumentTooLarge there).
    expect(ErrorCodes.InconsistentReplicaSetNames).toBe(108);
    expect(ErrorCodes.StaleTerm).toBe(135);
    expect(ErrorCodes.IncompatibleServerVersion).toBe(188);
    expect([76, 100, 103, 108].map(codeNameFor)).toEqual(['NoReplicationEnabled', 'UnsatisfiableWriteConcern', 'NewReplicaSetConfigurationIncompatible', 'InconsistentReplicaSetNames']);
    expect(serverError('NoReplicationEnabled', 'This node was not started with replication enabled.').toReply()).toEqual({
      ok: 0,
      errmsg: 'This node was not started with replication enabled.',
      code: 76,
      codeName: 'NoReplicationEnabled',
    });
    expect(codeNameFor(987654)).toBe('Location987654');
    // Bare-number assertion sites are in the table under the name mongod reports for them.
    expect(serverError('Location40602', '$collStats is only valid as the first stage in a pipeline').toReply()).toMatchObject({ code: 40602, codeName: 'Location40602' });
  });
});
