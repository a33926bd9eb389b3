import { describe, expect, it } from 'vitest';
import { driverNetworkMessage, networkFailure } from '../../src/driver/driverErrors';

describe('network errors in the driver’s words', () => {
  it('sees through the SOCKS bridge’s wording', () => {
    expect(networkFailure(new Error('Socks5 proxy rejected connection - ConnectionRefused'))).toBe('refused');
    expect(networkFailure(new Error('Proxy connection timed out'))).toBe('timedOut');
    expect(networkFailure(new Error('Socket closed'))).toBe('closed');
    expect(networkFailure(new Error('x', { cause: new Error('connect ECONNREFUSED 127.0.0.1:1') }))).toBe('refused');
    expect(networkFailure(new Error('not master'))).toBeNull();
    expect(networkFailure('a string')).toBeNull();
  });

  it("counts Node's own socket errors that mongodb 7.5.0 hands on unwrapped (cmap/connection.ts writeCommand) as a closed connection: the learner's pymongo sees AutoReconnect", () => {
    // Node's writeAfterFIN: the code is only in `code` (a CI run of the 2010 walkthrough with workers got it as PyMongoError).
    const writeAfterFin = Object.assign(new Error('This socket has been ended by the other party'), { code: 'EPIPE' });
    expect(networkFailure(writeAfterFin)).toBe('closed');
    expect(networkFailure(Object.assign(new Error('write failed'), { code: 'ECONNRESET' }))).toBe('closed');
    expect(networkFailure(new Error('wrapped', { cause: Object.assign(new Error('aborted'), { code: 'ECONNABORTED' }) }))).toBe('closed');
  });

  it('says what the driver says when it connects straight to the member', () => {
    expect(driverNetworkMessage(new Error('Socks5 proxy rejected connection - ConnectionRefused'), 'morton.local:27018')).toBe('connect ECONNREFUSED morton.local:27018');
    expect(driverNetworkMessage(new Error('Proxy connection timed out'), 'morton.local:27018')).toBe('connection to morton.local:27018 timed out');
    expect(driverNetworkMessage(new Error('not primary'), 'morton.local:27018')).toBe('not primary');
  });
});
