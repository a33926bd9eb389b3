import { describe, expect, it } from 'vitest';
import { MongoNetworkError } from 'mongodb';
import { describeError } from '../../src/runtime/driverRpc';

describe('describeError: what the learner\'s driver is told of a failure', () => {
  it("reports Node's own socket error, handed on unwrapped by mongodb 7.5.0 (cmap/connection.ts writeCommand), as a network error: PyMongo raises AutoReconnect, not PyMongoError", () => {
    // A CI run of the 2010 walkthrough with sandboxes on workers: find_one after the primary's kill got Node's writeAfterFIN.
    const writeAfterFin = Object.assign(new Error('This socket has been ended by the other party'), { code: 'EPIPE' });
    expect(describeError(writeAfterFin)).toEqual({ name: 'MongoNetworkError', message: 'This socket has been ended by the other party', network: 'closed' });
    expect(describeError(new MongoNetworkError('connection 3 to 127.0.0.1:1 closed'))).toMatchObject({ name: 'MongoNetworkError', network: 'closed' });
    expect(describeError(new Error('something else'))).toMatchObject({ name: 'RpcInvalid' });
  });
});
